"""Lending requests through the API: the copy's journey, bad bodies, the rules (the lending domain's), every answer
as the OpenAPI document says (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pikepdf
import pytest
from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.catalogue.models import Material
from archive.extensions import db
from archive.idnumbers import mask_id_number
from archive.lending.models import LendingRequest, RequestStatus
from archive.roles import Role
from tests.api.conftest import events, make_token
from tests.api.openapi_check import check_answer


@pytest.fixture
def world(app, factory, api):
    """A 德胜 file with scanned pages (one 九-2 material besides three of class 一), a 月坛 file, staff and retirees."""
    mine = factory.file("德胜", person=factory.person("王秀兰", street="德胜"))
    other = factory.file("月坛", person=factory.person("赵国强", street="月坛"))
    with app.app_context():
        db.session.add(Material(file_id=mine.id, class_no=9, subclass=2, seq=1, title="招工审批表", formed="1972",
                                pages=1))
        db.session.commit()
    factory.ingested(mine, pages=2)
    users = {
        "retiree": factory.user(Role.RETIREE, person=mine.person),
        "other_retiree": factory.user(Role.RETIREE, person=other.person),
        "archivist": factory.user(Role.ARCHIVIST, "德胜"),
        "archivist_elsewhere": factory.user(Role.ARCHIVIST, "月坛"),
        "approver": factory.user(Role.APPROVER, "德胜"),
        "approver_elsewhere": factory.user(Role.APPROVER, "月坛"),
        "auditor": factory.user(Role.AUDITOR),
        "admin": factory.user(Role.ADMIN),
    }
    tokens = {who: make_token(app, user) for who, user in users.items()}
    return {"mine": mine, "other": other, "users": users, "tokens": tokens,
            "doc": api.get("/openapi.json").get_json()}


def _call(api, world, who, method, path, json=None, **kwargs):
    response = api.call(method, "/api/v1" + path, world["tokens"][who] if who else None, json=json, **kwargs)
    check_answer(world["doc"], method, "/api/v1" + path, response)
    if response.status_code >= 400:  # nothing about anybody else in a refusal
        body = response.get_data(as_text=True)
        for file in (world["mine"], world["other"]):
            for secret in (file.person.name, file.person.id_number, mask_id_number(file.person.id_number)):
                assert secret not in body, (path, secret)
    return response


def _ask(api, world, who="retiree", **extra):
    body = {"kind": "copy", "archive_no": world["mine"].archive_no, "purpose": "retirement", "wanted": "招工审批表",
            "wanted_classes": ["九-2"], **extra}
    return _call(api, world, who, "POST", "/requests", body)


def _request(app, number):
    with app.app_context():
        db.session.expire_all()
        return db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))


def test_a_copy_from_request_to_download_and_expiry(app, api, world):
    created = _ask(api, world)
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    assert created.get_json()["status"] == "submitted"
    assert _request(app, number).wanted_classes == ["9-2"]  # 九-2 stored as the catalogue's code

    mine = _call(api, world, "retiree", "GET", f"/requests/{number}").get_json()
    assert mine["status"] == "submitted" and mine["download"] is None and mine["handler"] is None
    queue = _call(api, world, "archivist", "GET", "/requests?status=submitted").get_json()
    assert [r["number"] for r in queue["requests"]] == [number]
    assert _call(api, world, "archivist_elsewhere", "GET", "/requests?status=submitted").get_json()["requests"] == []

    prepared = _call(api, world, "archivist", "POST", f"/requests/{number}/prepare",
                     {"materials": [{"class": "九-2", "seq": 1}, {"class": "1", "seq": 1}]})
    assert prepared.status_code == 200, prepared.get_json()
    body = prepared.get_json()
    assert body["status"] == "in_review" and body["handler"]
    assert [(m["label"], m["position"]) for m in body["materials"]] == [("九-2-1", 1), ("一-1", 2)]
    again = _call(api, world, "archivist", "POST", f"/requests/{number}/prepare",
                  {"materials": [{"id": world["mine"].materials[0].id}]})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_submitted"

    decided = _call(api, world, "approver", "POST", f"/requests/{number}/decision", {"decision": "approve"})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "fulfilled" and decided.get_json()["valid_until"]
    assert decided.get_json()["download"] is None  # the link is the requester's, not the approver's
    twice = _call(api, world, "approver", "POST", f"/requests/{number}/decision", {"decision": "reject",
                                                                                  "reason": "x"})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_decided"

    link = _call(api, world, "retiree", "GET", f"/requests/{number}").get_json()["download"]
    assert link == f"/api/v1/requests/{number}/copy.pdf"
    pdf = _call(api, world, "retiree", "GET", f"/requests/{number}/copy.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with pikepdf.open(io.BytesIO(pdf.data)) as document:
        assert len(document.pages) == 1 + 2  # the cover sheet, and the pages of the chosen materials
    (download,) = [e for e in events(app, pdf.headers["X-Request-ID"]) if e.action == "lending.download"]
    assert download.reason == number and download.file_id == world["mine"].id
    assert download.username == world["users"]["retiree"].username
    assert _call(api, world, "archivist", "GET", f"/requests/{number}/copy.pdf").status_code == 403
    assert _call(api, world, "other_retiree", "GET", f"/requests/{number}/copy.pdf").status_code == 404

    with app.app_context():  # the validity ends
        req = db.session.get(LendingRequest, _request(app, number).id)
        req.valid_until = dt.datetime(2020, 1, 1)
        db.session.commit()
    gone = _call(api, world, "retiree", "GET", f"/requests/{number}/copy.pdf")
    assert gone.status_code == 410 and gone.get_json()["error"]["code"] == "expired"
    assert _request(app, number).status == RequestStatus.EXPIRED  # the expiry is kept, and the refusal recorded
    actions = [e.action for e in events(app, gone.headers["X-Request-ID"])]
    assert "lending.expired" in actions and "lending.download" in actions and "api.refused" in actions
    with app.app_context():
        reasons = {e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.reason == number))}
    assert {"lending.submitted", "lending.view", "lending.in_review", "lending.fulfilled",
            "lending.download"} <= reasons


def test_a_retiree_asks_only_about_their_own_file(app, api, world):
    response = _ask(api, world, archive_no=world["other"].archive_no)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "not_your_file"
    assert _ask(api, world, archive_no="NO-SUCH").status_code == 404
    assert _ask(api, world, kind="loan").status_code == 403  # a retiree asks for copies and certificates
    assert _ask(api, world, who="approver").status_code == 403  # outside the role
    assert _ask(api, world, who="archivist_elsewhere").status_code == 403  # outside the street
    with app.app_context():
        assert db.session.scalar(select(LendingRequest.id).limit(1)) is None  # nothing half-written


def test_staff_register_a_request_but_not_for_their_own_file(app, api, factory, world):
    assert _ask(api, world, who="archivist").status_code == 201
    with app.app_context():
        from archive.accounts.models import User

        db.session.get(User, world["users"]["archivist"].id).id_number = world["mine"].person.id_number
        db.session.commit()
    own = _ask(api, world, who="archivist")
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "own_file"
    listed = _call(api, world, "archivist", "GET", "/requests").get_json()
    assert listed["requests"] == []  # one's own file's requests are somebody else's work


BAD_BODIES = [  # body, the field named in the 400
    ({}, "kind"),
    ({"kind": "fax", "archive_no": "X", "purpose": "retirement"}, "kind"),
    ({"kind": "copy", "archive_no": "", "purpose": "retirement"}, "archive_no"),
    ({"kind": "copy", "archive_no": 7, "purpose": "retirement"}, "archive_no"),
    ({"kind": "copy", "archive_no": "X", "purpose": "fun"}, "purpose"),
    ({"kind": "copy", "archive_no": "X", "purpose": "retirement", "colour": "red"}, "colour"),
    ({"kind": "copy", "archive_no": "X", "purpose": "retirement", "wanted_classes": ["十一"]}, "wanted_classes[0]"),
    ({"kind": "copy", "archive_no": "X", "purpose": "retirement", "on_behalf_of": {"name": "李"}},
     "on_behalf_of.id_number"),
    ([1, 2], "body"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_request_bodies_get_400_naming_the_field(app, api, world, body, field):
    response = _call(api, world, "retiree", "POST", "/requests", body)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_body" and field in error["fields"], error
    (event,) = events(app, response.headers["X-Request-ID"])
    assert event.action == "api.refused" and field in event.details


def test_rule_refusals_of_a_body_name_their_field(app, api, world):
    other = _ask(api, world, purpose="other")
    assert other.status_code == 400 and "purpose_text" in other.get_json()["error"]["fields"]
    behalf = {"name": "王小明", "id_number": world["mine"].person.id_number, "relation": "子女",
              "authorisation": base64.b64encode(b"%PDF-1.4 not really").decode()}
    own_number = _ask(api, world, on_behalf_of=behalf)
    assert own_number.status_code == 400 and "on_behalf_of.id_number" in own_number.get_json()["error"]["fields"]
    not_base64 = _ask(api, world, on_behalf_of={**behalf, "authorisation": "%%%"})
    assert "on_behalf_of.authorisation" in not_base64.get_json()["error"]["fields"]
    raw = api.client.post("/api/v1/requests", data="{not json", content_type="application/json",
                          headers={"Authorization": f"Bearer {world['tokens']['retiree']}"})
    assert raw.status_code == 400 and raw.get_json()["error"]["code"] == "invalid_json"
    form = api.client.post("/api/v1/requests", data={"kind": "copy"},
                           headers={"Authorization": f"Bearer {world['tokens']['retiree']}"})
    assert form.status_code == 415 and form.is_json


def test_preparing_names_materials_by_class_in_any_spelling_or_by_id(app, api, world):
    for spelling in ("9-2", "九-2", "9.2", "九(2)", "九之二", "９－２"):
        number = _ask(api, world).get_json()["number"]
        response = _call(api, world, "archivist", "POST", f"/requests/{number}/prepare",
                         {"materials": [{"class": spelling, "seq": 1}]})
        assert response.status_code == 200, (spelling, response.get_json())
        assert response.get_json()["materials"][0]["title"] == "招工审批表"
    number = _ask(api, world).get_json()["number"]
    first = world["mine"].materials[0].id
    assert _call(api, world, "archivist", "POST", f"/requests/{number}/prepare",
                 {"materials": [{"id": first}]}).get_json()["materials"][0]["material_id"] == first


@pytest.mark.parametrize(("materials", "field"), [
    ([{"class": "十一", "seq": 1}], "materials[0].class"),
    ([{"seq": 1}], "materials[0].class"),
    ([{"class": "一"}], "materials[0].seq"),
    ([{"class": "一", "seq": 1, "id": 3}], "materials[0].id"),
    ([{"class": "九-2", "seq": 9}], "materials[0]"),
    ([{"class": "一", "seq": 0}], "materials[0].seq"),
    ("all", "materials"),
    ([], "materials"),  # the lending rule: a copy needs a material
])
def test_bad_preparations_get_400_naming_the_field(app, api, world, materials, field):
    number = _ask(api, world).get_json()["number"]
    response = _call(api, world, "archivist", "POST", f"/requests/{number}/prepare", {"materials": materials})
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert _request(app, number).status == RequestStatus.SUBMITTED


def test_another_files_material_is_refused(app, api, world):
    number = _ask(api, world).get_json()["number"]
    foreign = world["other"].materials[0].id
    response = _call(api, world, "archivist", "POST", f"/requests/{number}/prepare", {"materials": [{"id": foreign}]})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "foreign_material"


def test_a_rejection_needs_its_reason(app, api, world):
    number = _ask(api, world).get_json()["number"]
    _call(api, world, "archivist", "POST", f"/requests/{number}/prepare", {"materials": [{"class": "一", "seq": 1}]})
    bad = _call(api, world, "approver", "POST", f"/requests/{number}/decision", {"decision": "maybe"})
    assert bad.status_code == 400 and "decision" in bad.get_json()["error"]["fields"]
    no_reason = _call(api, world, "approver", "POST", f"/requests/{number}/decision", {"decision": "reject"})
    assert no_reason.status_code == 400 and "reason" in no_reason.get_json()["error"]["fields"]
    rejected = _call(api, world, "approver", "POST", f"/requests/{number}/decision",
                     {"decision": "reject", "reason": "材料不全"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    closed = _call(api, world, "archivist", "POST", f"/requests/{number}/prepare",
                   {"materials": [{"class": "一", "seq": 1}]})
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "closed"
    not_ready = _call(api, world, "retiree", "GET", f"/requests/{number}/copy.pdf")
    assert not_ready.status_code == 409


def test_the_handler_may_not_decide(app, api, factory, world):
    """Two-person rule: an archivist who became an approver cannot decide what they prepared (409)."""
    number = _ask(api, world).get_json()["number"]
    _call(api, world, "archivist", "POST", f"/requests/{number}/prepare", {"materials": [{"class": "一", "seq": 1}]})
    with app.app_context():
        from archive.accounts.models import User

        db.session.get(User, world["users"]["archivist"].id).role = Role.APPROVER.value
        db.session.commit()
    response = _call(api, world, "archivist", "POST", f"/requests/{number}/decision", {"decision": "approve"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "two_person"
    assert _request(app, number).status == RequestStatus.IN_REVIEW


# endpoint × caller → status, on a request of the 德胜 file in review (prepared by the 德胜 archivist)
MATRIX = {
    ("GET", "/requests/{n}"): {"retiree": 200, "other_retiree": 404, "archivist": 200, "archivist_elsewhere": 403,
                               "approver": 200, "approver_elsewhere": 403, "auditor": 403, "admin": 403, None: 401},
    ("GET", "/requests"): {"retiree": 200, "other_retiree": 200, "archivist": 200, "archivist_elsewhere": 200,
                           "approver": 200, "approver_elsewhere": 200, "auditor": 403, "admin": 403, None: 401},
    ("GET", "/requests/XC-SQ-2000-999999"): {"retiree": 404, "other_retiree": 404, "archivist": 404,
                                             "approver": 404, "auditor": 403, "admin": 403, None: 401},
    ("POST", "/requests/{n}/prepare"): {"retiree": 403, "archivist_elsewhere": 403, "approver": 403,
                                        "auditor": 403, "admin": 403, "archivist": 409, None: 401},
    ("POST", "/requests/{n}/decision"): {"retiree": 403, "archivist": 403, "approver_elsewhere": 403,
                                         "auditor": 403, "admin": 403, None: 401},
    ("GET", "/requests/{n}/copy.pdf"): {"retiree": 409, "other_retiree": 404, "archivist": 403, "approver": 403,
                                        "auditor": 403, "admin": 403, None: 401},
    ("POST", "/requests"): {"other_retiree": 403, "archivist_elsewhere": 403, "approver": 403, "auditor": 403,
                            "admin": 403, None: 401},
}


def test_every_request_endpoint_by_caller(app, api, world):
    number = _ask(api, world).get_json()["number"]
    assert _call(api, world, "archivist", "POST", f"/requests/{number}/prepare",
                 {"materials": [{"class": "一", "seq": 1}]}).status_code == 200
    bodies = {"/requests/{n}/prepare": {"materials": [{"class": "一", "seq": 1}]},
              "/requests/{n}/decision": {"decision": "approve"},
              "/requests": {"kind": "copy", "archive_no": world["mine"].archive_no, "purpose": "retirement"}}
    problems = []
    for (method, template), expected in MATRIX.items():
        for who, status in expected.items():
            body = bodies.get(template) if method == "POST" else None
            response = _call(api, world, who, method, template.replace("{n}", number), body)
            if response.status_code != status:
                problems.append((method, template, who, response.status_code, status))
            recorded = events(app, response.headers["X-Request-ID"])
            if not recorded:
                problems.append((method, template, who, "no audit event"))
            elif who and any(e.username != world["users"][who].username for e in recorded):
                problems.append((method, template, who, "event without the token's user"))
    assert problems == []
    assert _request(app, number).status == RequestStatus.IN_REVIEW  # no refused call changed it
