"""Every route, called by a role allowed to call it, leaves an audit event with its request id.

Routes that address a file must name that file in the event, so "who has seen
this file" is answerable for every way of seeing it.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from archive.access import view_policy
from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.roles import Role
from archive.transfers.models import Transfer
from tests.conftest import login
from tests.helpers import csrf_token

# endpoints whose events must carry the file they showed or changed
FILE_ROUTES = {"catalogue.file_detail", "catalogue.file_edit", "catalogue.file_export", "catalogue.material_new",
               "catalogue.material_edit", "catalogue.material_delete", "catalogue.material_move",
               "catalogue.my_file", "scanning.file_qc", "scanning.file_qc_export", "scanning.finding_update",
               "scanning.findings_accept",
               "pages.thumbnails", "pages.viewer", "pages.page_image", "pages.page_thumb", "pages.page_original",
               "scanning.spot_check_record", "transfers.file_transfer"}
SKIP = {"static", "accounts.login", "web.health"}  # no personal data; log-in is audited in its own tests


def _seed_transfers(tmp_path):  # type: ignore[no-untyped-def]
    """A batch whose one 名册 row goes to another district: an entry, its relations and its transfer."""
    from archive.transfers import operations as ops
    from tests.transfers.helpers import person, write_csv

    batch = ops.open_batch("北京第一机床厂", "municipal")
    path = write_csv(tmp_path / "名册.csv", [person("赵六", region="110108", hukou=("海淀", ""))])
    assert ops.import_roster(batch, path).ok
    entry = batch.entries[0]
    transfer = db.session.scalar(select(Transfer).where(Transfer.entry_id == entry.id))
    return {"batch_id": batch.id, "entry_id": entry.id, "transfer_id": transfer.id,
            "relation_id": entry.relations[0].id}


def test_every_route_is_audited(app, factory, tmp_path):
    file = factory.file("德胜")
    material_id = file.materials[0].id
    ingested = factory.ingested(file)
    users = {role: factory.user(role, person=file.person if role is Role.RETIREE else None) for role in Role}
    with app.app_context():
        from archive.audit import record

        record("seed.event")  # so that audit pages have an event and a file timeline to show
        transfers = _seed_transfers(tmp_path)
        db.session.commit()
    missing, unnamed = [], []
    endpoints = sorted((r.endpoint, r) for r in app.url_map.iter_rules() if r.endpoint not in SKIP)
    # destructive ones last
    endpoints.sort(key=lambda item: item[0] in {"catalogue.material_delete", "accounts.logout"})
    for endpoint, rule in endpoints:
        policy = view_policy(app.view_functions[endpoint])
        role = Role.ARCHIVIST if policy == "public" else sorted(policy, key=lambda r: r.value)[0]
        client = app.test_client()
        login(client, users[role].username)
        values = {"file_id": file.id, "material_id": material_id, "user_id": users[Role.ARCHIVIST].id,
                  "seq": 1, "archive_no": file.archive_no, "username": users[Role.ARCHIVIST].username,
                  "flag_id": 1, "fmt": "csv", "job_id": ingested["job"], "page_id": ingested["pages"][0],
                  "finding_id": ingested["finding"], "check_id": ingested["check"], **transfers}
        with app.test_request_context():
            url = url_for(endpoint, **{k: v for k, v in values.items() if k in rule.arguments})
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            token = csrf_token(client, "/account/password")
            response = client.post(url, data={"csrf_token": token, "direction": "down", "active": "1",
                                              "locale": "en", "note": "checked", "result": "pass",
                                              "status": "fixed"})
        response.get_data()  # run streamed bodies to the end (they hold a request context until then)
        response.close()
        request_id = response.headers.get("X-Request-ID")
        with app.app_context():
            found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id)))
        if not found:
            missing.append((endpoint, response.status_code))
        elif endpoint in FILE_ROUTES and not any(e.file_id == file.id for e in found):
            unnamed.append((endpoint, [e.action for e in found]))
    assert missing == [], "routes that served a request without an audit event"
    assert unnamed == [], "file routes whose event does not name the file"
