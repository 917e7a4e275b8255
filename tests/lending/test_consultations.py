"""Organisational consultations (查阅): registration rules, approval, the reading room's window, scope and audit."""

from __future__ import annotations

import datetime as dt
import io
import json

from PIL import Image
from sqlalchemy import select

from archive.accounts.models import User
from archive.audit.models import AuditEvent, AuditFlag
from archive.extensions import db
from archive.lending.consultations import ReadingRefused, reading_grant
from archive.lending.models import Consultation, LendingRequest, RequestStatus
from archive.objects import get_store
from archive.oversight.rules import scan
from archive.pages.models import Page
from archive.roles import Role
from tests.lending.consult_helpers import (
    PERSONS,
    now,
    number_of,
    open_consultation,
    post,
    reader,
    register_consultation,
)
from tests.lending.helpers import client_for, decide


def _request(app, number: str) -> LendingRequest:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.expire_all()
        req = db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))
        _ = req.consultation, req.consultation.persons if req.consultation else None
        return req


def _events(app, reason: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.reason == reason)
                                       .order_by(AuditEvent.seq)))


def _split_materials(app, world) -> None:  # type: ignore[no-untyped-def]
    """The third page belongs to the second material: in the file, outside a first-material scope."""
    with app.app_context():
        page = db.session.get(Page, world.pages[2])
        page.material_id = world.file.materials[1].id
        db.session.commit()


def _opened(app, world, **kwargs):  # type: ignore[no-untyped-def]
    """A consultation of the first material, approved and opened; the readers' clients and the number."""
    archivist = client_for(app, world.archivist)
    number = number_of(register_consultation(archivist, world.file.archive_no,
                                             materials=[world.file.materials[0].id], **kwargs))
    assert decide(client_for(app, world.approver), number).status_code == 302
    assert _request(app, number).status == RequestStatus.APPROVED
    accounts = open_consultation(archivist, number)
    return archivist, number, accounts


def _set_window(app, number: str, start: dt.datetime, end: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        req = db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))
        assert req.consultation is not None
        req.consultation.window_start, req.consultation.window_end, req.valid_until = start, end, end
        db.session.commit()


def test_consultation_from_letter_to_the_watermarked_page(app, world):
    _split_materials(app, world)
    archivist, number, accounts = _opened(app, world)
    req = _request(app, number)
    assert req.status == RequestStatus.FULFILLED and req.handler_id == world.archivist.id
    assert req.approver_id == world.approver.id and req.consultation is not None
    assert [p.name for p in req.consultation.persons] == [name for name, _ in PERSONS]
    assert all(p.user_id for p in req.consultation.persons)
    assert archivist.get(f"/lending/requests/{number}/letter").mimetype == "image/png"

    client = reader(app, *accounts[0])
    assert client.get("/").headers["Location"].endswith("/reading")
    assert number in client.get("/reading").get_data(as_text=True)
    listing = client.get(f"/reading/{number}")
    assert listing.status_code == 200
    assert f"/reading/{number}/pages/{world.pages[0]}" in listing.get_data(as_text=True)
    assert f"/reading/{number}/pages/{world.pages[2]}" not in listing.get_data(as_text=True)

    page = client.get(f"/reading/{number}/pages/{world.pages[0]}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="watermark"' in html and PERSONS[0][0] in html
    image = client.get(f"/reading/{number}/pages/{world.pages[0]}/image")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert "no-store" in image.headers["Cache-Control"]
    with app.app_context():
        stored = get_store().get(db.session.get(Page, world.pages[0]).view_key)
    assert image.data != stored  # the image itself carries the mark
    with Image.open(io.BytesIO(image.data)) as im:
        assert im.size == (60, 80)

    # every view under the consultation names it (依据) and carries its window
    views = [e for e in _events(app, number) if e.action in {"lending.reading", "page.view", "page.image"}]
    assert {e.action for e in views} == {"lending.reading", "page.view", "page.image"}
    for e in views:
        details = json.loads(e.details)
        assert e.outcome == "ok" and e.file_id == world.file.id
        assert details["window_start"] == req.consultation.window_start.isoformat()
        assert details["window_end"] == req.consultation.window_end.isoformat()
    with app.app_context():
        assert not [f for f in scan() if f.rule == "OUTSIDE_LENDING_WINDOW"]


def test_scope_other_page_other_file_and_the_rest_of_the_app(app, world, factory):
    _split_materials(app, world)
    other = factory.file("德胜")
    other_pages = factory.ingested(other, pages=1)["pages"]
    _, number, accounts = _opened(app, world)
    client = reader(app, *accounts[1])
    for path in (f"/reading/{number}/pages/{world.pages[2]}", f"/reading/{number}/pages/{world.pages[2]}/image",
                 f"/reading/{number}/pages/{other_pages[0]}", f"/reading/{number}/pages/{other_pages[0]}/image",
                 f"/reading/{number}/pages/{world.pages[0]}/download"):
        assert client.get(path).status_code == 403, path
    for path in ("/files", f"/files/{world.file.id}", f"/pages/{world.pages[0]}/image", "/search?q=x", "/me",
                 "/my/requests", "/lending/queue", f"/files/{other.id}"):
        assert client.get(path).status_code == 403, path
    assert client.get("/reading/XC-SQ-2026-999999").status_code == 404
    refused = [e for e in _events(app, number) if e.outcome == "denied"]
    assert {json.loads(e.details)["refused"] for e in refused} == {"page_out_of_scope", "download_not_allowed"}
    assert all(json.loads(e.details)["window_end"] for e in refused)


def test_download_only_when_granted(app, world):
    _, number, accounts = _opened(app, world, download_allowed="y")
    client = reader(app, *accounts[0])
    got = client.get(f"/reading/{number}/pages/{world.pages[0]}/download")
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert any(e.action == "page.download" and e.outcome == "ok" for e in _events(app, number))


def test_window_before_and_after_is_refused_audited_and_flagged(app, world):
    _, number, accounts = _opened(app, world)
    client = reader(app, *accounts[0])
    page = f"/reading/{number}/pages/{world.pages[0]}"
    assert client.get(page).status_code == 200

    _set_window(app, number, now() + dt.timedelta(hours=1), now() + dt.timedelta(hours=2))
    early = client.get(page)
    assert early.status_code == 403 and "查阅时限尚未开始" in early.get_data(as_text=True)  # the default UI language
    assert client.get(f"{page}/image").status_code == 403

    _set_window(app, number, now() - dt.timedelta(hours=3), now() - dt.timedelta(hours=1))
    late = client.get(page)
    assert late.status_code == 403 and "查阅时限已结束" in late.get_data(as_text=True)
    assert _request(app, number).status == RequestStatus.EXPIRED  # closed by itself, on the first late request
    assert client.get(f"/reading/{number}").status_code == 403

    refused = [e for e in _events(app, number) if e.outcome == "denied"]
    assert {json.loads(e.details)["refused"] for e in refused} == {"window_not_started", "window_closed"}
    with app.app_context():
        flagged = {f.event_seq for f in scan() if f.rule == "OUTSIDE_LENDING_WINDOW"}
        db.session.commit()
        assert flagged == {e.seq for e in refused}
        assert db.session.scalar(select(AuditFlag).where(AuditFlag.rule == "OUTSIDE_LENDING_WINDOW")
                                 .limit(1)).username == accounts[0][0]


def test_revoke_ends_the_consultation_and_its_accounts(app, world):
    archivist, number, accounts = _opened(app, world)
    client = reader(app, *accounts[0])
    assert client.get(f"/reading/{number}").status_code == 200
    path = f"/lending/requests/{number}/end"
    assert post(archivist, path, f"/lending/requests/{number}").status_code == 400  # a reason is required
    assert post(archivist, path, f"/lending/requests/{number}", reason="调查结束").status_code == 302
    req = _request(app, number)
    assert req.status == RequestStatus.REVOKED
    assert client.get(f"/reading/{number}").status_code == 302  # the session ended with the account
    with app.app_context():
        users = [db.session.get(User, p.user_id) for p in req.consultation.persons]  # type: ignore[union-attr]
        assert not any(u.active for u in users)
        users[0].active = True  # even an account switched on again finds the consultation ended
        try:
            reading_grant(users[0], number)
        except ReadingRefused as exc:
            assert exc.code == "consultation_revoked"
        else:
            raise AssertionError("a revoked consultation was readable")
        db.session.rollback()
    assert {"lending.revoked", "lending.accounts_disabled"} <= {e.action for e in _events(app, number)}


def test_two_persons_and_valid_id_numbers_required(app, world):
    archivist = client_for(app, world.archivist)
    one = register_consultation(archivist, world.file.archive_no, persons=PERSONS[:1])
    assert one.status_code == 400 and "至少两名查阅人" in one.get_data(as_text=True)
    same = register_consultation(archivist, world.file.archive_no, persons=[PERSONS[0], PERSONS[0]])
    assert same.status_code == 400
    bad = register_consultation(archivist, world.file.archive_no, persons=[PERSONS[0], ("王五", "110101199001011234")])
    assert bad.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Consultation).limit(1)) is None  # nothing half-written


def test_letter_window_and_scope_are_checked(app, world):
    archivist = client_for(app, world.archivist)
    archive_no = world.file.archive_no
    assert register_consultation(archivist, archive_no, letter=b"plain text, not a letter").status_code == 400
    assert register_consultation(archivist, archive_no, letter=b"").status_code == 400
    app.config["DANGAN_AUTHORISATION_MAX_MB"] = 0
    assert register_consultation(archivist, archive_no).status_code == 400
    app.config["DANGAN_AUTHORISATION_MAX_MB"] = 10
    backwards = register_consultation(archivist, archive_no, start=now() + dt.timedelta(hours=2),
                                      end=now() + dt.timedelta(hours=1))
    assert backwards.status_code == 400
    assert register_consultation(archivist, archive_no, start=now() - dt.timedelta(days=2),
                                 end=now() - dt.timedelta(days=1)).status_code == 400
    assert register_consultation(archivist, archive_no, start=now(), end=now() + dt.timedelta(days=40)) \
        .status_code == 400
    no_scope = register_consultation(archivist, archive_no, scope="materials")
    assert no_scope.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(LendingRequest).limit(1)) is None


def test_own_and_relative_files_are_banned(app, world, factory):
    from archive.accounts.models import UserRelative

    archivist = client_for(app, world.archivist)
    person_own = register_consultation(archivist, world.file.archive_no,
                                       persons=[PERSONS[0], ("张建国", world.file.person.id_number)])
    assert person_own.status_code == 403
    # a staff member who declared the file's person as a relative cannot consult it either
    staff = factory.user(Role.APPROVER, "德胜")
    with app.app_context():
        user = db.session.get(User, staff.id)
        user.id_number = PERSONS[1][1]
        user.relatives.append(UserRelative(id_number=world.file.person.id_number, relation="子女"))
        db.session.commit()
    assert register_consultation(archivist, world.file.archive_no).status_code == 403
    # the archivist whose own file it is cannot register or handle it
    with app.app_context():
        user = db.session.get(User, world.other_archivist.id)
        user.id_number = world.file.person.id_number
        db.session.commit()
    own = client_for(app, world.other_archivist)
    assert own.get(f"/lending/consultations/new?file={world.file.archive_no}").status_code == 403


def test_approver_who_is_the_handler_or_kin_cannot_decide(app, world, factory):
    archivist = client_for(app, world.archivist)
    number = number_of(register_consultation(archivist, world.file.archive_no))
    kin = factory.user(Role.APPROVER, "德胜")
    with app.app_context():
        user = db.session.get(User, kin.id)
        user.id_number = world.file.person.id_number
        db.session.commit()
    assert decide(client_for(app, kin), number).status_code == 403
    assert _request(app, number).status == RequestStatus.IN_REVIEW
    with app.app_context():  # the two-person rule: the handler is never the approver (the schema says so too)
        req = db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))
        assert req.handler_id == world.archivist.id
    # opening before approval is refused
    assert post(archivist, f"/lending/requests/{number}/open", f"/lending/requests/{number}").status_code == 409
