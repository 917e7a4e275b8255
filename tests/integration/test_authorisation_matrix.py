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
    "pages.correct": {A},
    "fulltext.search": {A, P},
    "accounts.token_revoke": {D},
    "api.openapi_json": "public",
    "api.file_get": {A, P},
    "api.search": {A, P},
    "api.request_create": {R, A},
    "api.request_list": {R, A, P},
    "api.request_get": {R, A, P},
    "api.request_prepare": {A},
    "api.request_decision": {P},
    "api.request_copy": {R},
    "lending.register_page": "public",
    "lending.my_requests": {R},
    "lending.new_request": {R},
    "lending.my_request": {R},
    "lending.my_copy": {R},
    "lending.queue": {A},
    "lending.approvals": {P},
    "lending.detail": {A, P},
    "lending.prepare_request": {A},
    "lending.decision": {P},
    "lending.page_thumb": {A, P},
    "lending.authorisation": {A, P},
    "lending.document": {A, P},
    "lending.registrations_page": {A},
    "lending.bind_registration": {A},
    "lending.refuse_registration": {A},
    "lending.counter": {A},
    "lending.templates": {D},
    "lending.template_edit": {D},
    "lending.consultation_new": {A},
    "lending.consultation_open": {A},
    "lending.consultation_end": {A},
    "lending.consultation_letter": {A, P},
    "lending.loan_new": {A},
    "lending.loan_lend": {A},
    "lending.loan_return": {A},
    "lending.loans": {A, P},
    "lending.loans_overdue": {A, P},
    "lending.reading_index": {R},
    "lending.reading_detail": {R},
    "lending.reading_page": {R},
    "lending.reading_image": {R},
    "lending.reading_download": {R},
    # these end the request: after the rest (the walk keeps this order)
    "lending.close_request": {A},
    "lending.revoke_request": {A},
    "lending.my_request_withdraw": {R},
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
    "pages.page_image", "pages.page_thumb", "pages.page_original", "pages.correct",
    "catalogue.file_detail",
    "catalogue.file_edit",
    "catalogue.file_export",
    "catalogue.material_new",
    "catalogue.material_edit",
    "catalogue.material_delete",
    "catalogue.material_move",
    "api.file_get",
    # a request names its file: staff of another street get 403 (the retiree's own routes answer 404 for
    # somebody else's request, whether it exists or not: tests/lending)
    "lending.detail", "lending.prepare_request", "lending.decision", "lending.close_request",
    "lending.revoke_request", "lending.page_thumb", "lending.authorisation", "lending.document",
    "transfers.file_transfer",
    "lending.consultation_open", "lending.consultation_end", "lending.consultation_letter", "lending.loan_lend",
    "lending.loan_return",
}
# The reading room answers 404 for a consultation that is not the caller's (this world has none; the
# consulting persons' own routes, window and scope are proven in tests/lending/test_consultations.py).
NOT_THEIRS_404 = {"lending.reading_detail", "lending.reading_page", "lending.reading_image",
                  "lending.reading_download"}


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
    own_ingest, other_ingest = factory.ingested(own), factory.ingested(other)
    lending = {"own": _fulfilled(app, factory, own, users["retiree"], users["approver-street"]),
               "other": _fulfilled(app, factory, other, None, factory.user(P))}
    return {
        "lending": lending, "own": own, "other": other, "users": users,
        "own_material": own_material, "other_material": other_material,
        "own_ingest": own_ingest, "other_ingest": other_ingest, "flag_id": flag_id,
        "tokens": _tokens(app, users),
        "transfers": transfers,
    }


def _fulfilled(app, factory, file, retiree, approver):  # type: ignore[no-untyped-def]
    """A copy request of ``file`` asked for by a relative, prepared and approved; a registration waiting."""
    import io

    from PIL import Image
    from sqlalchemy import select

    from archive.accounts.models import User
    from archive.catalogue.models import ArchiveFile
    from archive.extensions import db
    from archive.lending.models import CertificateTemplate, Purpose, RequestKind
    from archive.lending.operations import OnBehalf, create_request, decide, prepare
    from archive.lending.registrations import register

    handler = factory.user(A)
    png = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(png, "PNG")
    with app.app_context():
        row = db.session.get(ArchiveFile, file.id)
        by = db.session.get(User, retiree.id if retiree else handler.id)
        import datetime as dt

        from archive.idnumbers import make_id_number

        relative = make_id_number("110102", dt.date(1981, 2, 3), file.id % 900 + 11)
        req = create_request(kind=RequestKind.COPY, file=row, by=by, purpose=Purpose.RETIREMENT,
                             on_behalf=OnBehalf("张小红", relative, "女儿", png.getvalue()))
        prepare(req, db.session.get(User, handler.id), [row.materials[0].id])
        decide(req, db.session.get(User, approver.id), True)
        reg = register(name="王小明", id_number=make_id_number("110102", dt.date(1950, 1, 1), file.id % 900 + 1),
                       mobile="13800000000", username=f"walker{file.id}", password="Walker#pass2020")
        template = db.session.scalar(select(CertificateTemplate.id).limit(1))
        db.session.commit()
        return {"number": req.number, "token": req.download_token, "registration_id": reg.id,
                "template_id": template}


def _tokens(app, users):
    """The JSON API takes bearer tokens, not the session: one per user, and a spare one for the admin to revoke."""
    from archive.accounts.models import User
    from archive.accounts.tokens import create_token
    from archive.extensions import db

    with app.app_context():
        tokens = {who: create_token(db.session.get(User, user.id), "matrix", by="test")[1]
                  for who, user in users.items()}
        tokens["spare"] = create_token(db.session.get(User, users["archivist-street"].id), "spare", by="test")[0].id
        db.session.commit()
    return tokens


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
             "check_id": ingested["check"], "token_id": world["tokens"]["spare"], **world["lending"][which],
             **world["transfers"]}
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
            if url.startswith("/api/"):
                headers = {"Authorization": f"Bearer {world['tokens'][who]}"} if user is not None else {}
                response = client.open(url, method=sorted(methods - {"HEAD", "OPTIONS"})[0], headers=headers,
                                       json={} if "GET" not in methods else None)
            elif "GET" in methods:
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token, "direction": "up", "active": "1",
                                                   "locale": "zh_CN", "result": "pass", "status": "fixed"})
            response.get_data()  # streamed bodies keep a request context open until consumed
            response.close()
            status = response.status_code
            if expected == "public":
                allowed = True
            elif user is None and url.startswith("/api/"):
                if status != 401:
                    problems.append((endpoint, which, status, "anonymous API calls get 401"))
                continue
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
            if allowed and status == 404 and endpoint in NOT_THEIRS_404:
                continue
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
