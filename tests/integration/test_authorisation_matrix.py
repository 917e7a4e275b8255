"""Every route × every role × own/other street scope.

The expected table below is written independently of the decorators in the
code, so a view that loosens its roles, or forgets its scope check, fails here.
"""

from __future__ import annotations

import pytest

from archive.access import view_policy
from archive.roles import Role
from tests.conftest import login
from tests.helpers import csrf_token

A, P, U, D, R = Role.ARCHIVIST, Role.APPROVER, Role.AUDITOR, Role.ADMIN, Role.RETIREE
EVERYONE = {A, P, U, D, R}

# endpoint -> roles allowed.  "public" endpoints need no log-in.
EXPECTED: dict[str, set[Role] | str] = {
    "accounts.login": "public",
    "web.set_language": "public",
    "web.health": "public",
    "web.home": EVERYONE,
    "accounts.logout": EVERYONE,
    "accounts.password": EVERYONE,
    "accounts.users": {D},
    "accounts.user_new": {D},
    "accounts.user_edit": {D},
    "accounts.user_reset": {D},
    "accounts.user_active": {D},
    "accounts.awaiting": EVERYONE,
    "accounts.pending": {P},  # 三员分立: the approver is the second person, never the admin
    "accounts.decide": {P},
    "catalogue.files": {A, P},
    "catalogue.file_detail": {A, P},
    "catalogue.file_edit": {A},
    "catalogue.file_export": {A},
    "catalogue.material_new": {A},
    "catalogue.material_edit": {A},
    "catalogue.material_delete": {A},
    "catalogue.material_move": {A},
    "catalogue.import_catalogue": {A},
    "catalogue.import_template": {A},
    "catalogue.my_file": {R},
    "audit.events": {U},
    "audit.export": {U},
    "audit.event_detail": {U},
    "audit.file_timeline": {U},
    "audit.user_activity": {U},
    "audit.chain": {U},
    "audit.flags": {U},
    "audit.flag_ack": {U},
    "scanning.upload": {A},
    "scanning.jobs": {A},
    "scanning.job": {A},
    "scanning.job_status": {A},
    "scanning.job_report": {A},
    "scanning.job_abandon": {A},
    "scanning.job_resume": {A},
    "scanning.spot_check_draw": {A},
    "scanning.spot_check_record": {A},
    "scanning.file_qc": {A, P},
    "scanning.file_qc_export": {A},
    "scanning.finding_update": {A},
    "scanning.findings_accept": {A},
    "pages.thumbnails": {A, P},
    "pages.viewer": {A, P},
    "pages.page_image": {A, P},
    "pages.page_thumb": {A, P},
    "pages.page_original": {A},
    "fulltext.search": {A, P},
    "transfers.index": {A, P},
    "transfers.batch_new": {A},
    "transfers.batch": {A, P},
    "transfers.batch_import": {A},
    "transfers.entry_receive": {A},
    "transfers.entry": {A, P},
    "transfers.batch_extra": {A},
    "transfers.batch_statement": {A},
    "transfers.batch_close": {A},
    "transfers.batch_receipt": {A, P},
    "transfers.outgoing": {A, P},
    "transfers.transfer": {A, P},
    "transfers.transfer_send": {A},
    "transfers.transfer_receipt": {A},
    "transfers.transfer_notice": {A, P},
    "transfers.incoming_new": {A},
    "transfers.incoming_receive": {A},
    "transfers.file_transfer": {A},
    "transfers.relation_record": {A},
    "transfers.storerooms": {A, P},
    "transfers.route_tool": {A, P},
    "reports.progress": {A, P},
    "reports.progress_export": {A, P},
    "reports.planning": {A, P},
    "reports.planning_xlsx": {A, P},
    "reports.planning_pdf_export": {A, P},
}

# Endpoints for district staff only (a batch spans streets; its rows routed elsewhere belong to no street).
DISTRICT_ONLY = {e for e in EXPECTED if e.startswith("transfers.")} - {"transfers.route_tool",
                                                                       "transfers.file_transfer"}

# Endpoints that address one file: a street-scoped user must get 403 for another street's file.
FILE_SCOPED = {
    "scanning.job", "scanning.job_status", "scanning.job_report", "scanning.job_abandon", "scanning.job_resume",
    "scanning.spot_check_draw", "scanning.spot_check_record",
    "scanning.file_qc", "scanning.file_qc_export", "scanning.finding_update", "scanning.findings_accept",
    "pages.thumbnails", "pages.viewer",
    "pages.page_image", "pages.page_thumb", "pages.page_original",
    "catalogue.file_detail",
    "catalogue.file_edit",
    "catalogue.file_export",
    "catalogue.material_new",
    "catalogue.material_edit",
    "catalogue.material_delete",
    "catalogue.material_move",
    "transfers.file_transfer",
}


def test_every_endpoint_declares_a_policy_and_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    undeclared = [e for e in endpoints if view_policy(app.view_functions[e]) is None]
    assert undeclared == []
    assert endpoints == set(EXPECTED), "update EXPECTED for new or removed routes"
    for endpoint in endpoints:
        declared = view_policy(app.view_functions[endpoint])
        expected = EXPECTED[endpoint]
        assert declared == (expected if expected == "public" else frozenset(expected)), endpoint


def _seed_transfers(tmp_path):  # type: ignore[no-untyped-def]
    from tests.audit.test_route_walk import _seed_transfers as seed

    return seed(tmp_path)


@pytest.fixture
def world(app, factory, tmp_path):
    """Two files in two streets, a user per role; the retiree owns the 德胜 file."""
    own = factory.file("德胜")
    other = factory.file("月坛")
    users = {
        "archivist-district": factory.user(A),
        "archivist-street": factory.user(A, "德胜"),
        "approver-street": factory.user(P, "德胜"),
        "auditor": factory.user(U),
        "admin": factory.user(D),
        "retiree": factory.user(R, person=own.person),
    }
    from sqlalchemy import select

    from archive.catalogue.models import Material
    from archive.extensions import db

    with app.app_context():
        own_material = db.session.scalar(select(Material.id).where(Material.file_id == own.id))
        other_material = db.session.scalar(select(Material.id).where(Material.file_id == other.id))
        import datetime as dt

        from archive.audit.models import AuditFlag

        flag = AuditFlag(rule="OFF_HOURS", event_seq=1, occurred_at=dt.datetime(2026, 1, 1), summary="test")
        db.session.add(flag)
        db.session.commit()
        flag_id = flag.id
        transfers = _seed_transfers(tmp_path)
        db.session.commit()
    return {
        "own": own, "other": other, "users": users,
        "own_material": own_material, "other_material": other_material,
        "own_ingest": factory.ingested(own), "other_ingest": factory.ingested(other), "flag_id": flag_id,
        "transfers": transfers,
    }


def _url(app, endpoint, world, which):
    values = {}
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    if "file_id" in rule.arguments:
        values["file_id"] = world[which].id
    if "material_id" in rule.arguments:
        values["material_id"] = world[f"{which}_material"]
    if "user_id" in rule.arguments:
        values["user_id"] = world["users"]["archivist-street"].id
    ingested = world[f"{which}_ingest"]
    extra = {"seq": 1, "archive_no": world[which].archive_no, "username": "admin", "flag_id": world["flag_id"],
             "fmt": "csv",
             "job_id": ingested["job"], "page_id": ingested["pages"][0], "finding_id": ingested["finding"],
             "check_id": ingested["check"], **world["transfers"]}
    values.update({k: v for k, v in extra.items() if k in rule.arguments})
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values), rule.methods


@pytest.mark.parametrize("who", ["archivist-district", "archivist-street", "approver-street", "auditor", "admin",
                                 "retiree", "anonymous"])
def test_route_role_scope_matrix(app, world, who):
    client = app.test_client()
    user = world["users"].get(who)
    if user is not None:
        login(client, user.username)
        token = csrf_token(client, "/account/password")
    else:
        token = csrf_token(client, "/login")
    problems = []
    # Destructive endpoints last, so that they do not remove what the others address.
    for endpoint, expected in sorted(EXPECTED.items(), key=lambda item: item[0].endswith("_delete")):
        if endpoint in ("accounts.logout", "accounts.login"):
            continue  # logging out would end the walk; log-in is covered in test_accounts
        for which in ("own", "other") if endpoint in FILE_SCOPED else ("own",):
            url, methods = _url(app, endpoint, world, which)
            if "GET" in methods:
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token, "direction": "up", "active": "1",
                                                   "locale": "zh_CN", "result": "pass", "status": "fixed"})
            response.get_data()  # streamed bodies keep a request context open until consumed
            response.close()
            status = response.status_code
            if expected == "public":
                allowed = True
            elif user is None:
                if status != 302:
                    problems.append((endpoint, which, status, "anonymous should be sent to log-in"))
                continue
            else:
                allowed = user.role_enum in expected
                if allowed and which == "other" and user.street is not None:
                    allowed = False  # outside the street scope
                if allowed and which == "other" and user.role_enum is R:
                    allowed = False
                if allowed and endpoint in DISTRICT_ONLY and user.street is not None:
                    allowed = False
            if allowed and status in (403, 404, 500):
                problems.append((endpoint, which, status, "should be allowed"))
            if not allowed and status != 403:
                problems.append((endpoint, which, status, "should be 403"))
    assert problems == []


def test_unknown_objects_give_404_not_a_traceback(app, client, factory):
    user = factory.user(A)
    login(client, user.username)
    for url in ("/files/999999", "/materials/999999/edit", "/files/999999/catalogue.xlsx", "/nowhere"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Traceback" not in response.get_data(as_text=True)
    assert client.get("/files/not-a-number").status_code == 404
    # Beyond a 32-bit INTEGER column: PostgreSQL would raise "integer out of range" (a 500).
    for url in ("/files/99999999999999999999", "/ingest/jobs/2147483648", "/pages/9223372036854775808/image"):
        assert client.get(url).status_code == 404, url
