"""A copy from request to download over HTTP, and the rules on the way (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.lending.models import LendingRequest, RequestStatus
from archive.roles import Role
from tests.lending.helpers import ask_number, client_for, decide, prepare


def _request(app, number: str) -> LendingRequest:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.expire_all()
        return db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))


def _events(app, reason: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.reason == reason)
                                       .order_by(AuditEvent.seq)))


def test_copy_from_request_to_download_and_expiry(app, world):
    retiree = client_for(app, world.retiree)
    number = ask_number(retiree, wanted_classes=["9-2"], wanted="招工审批表")
    page = retiree.get(f"/my/requests/{number}")
    assert page.status_code == 200 and "XC-SQ" in page.get_data(as_text=True)

    archivist = client_for(app, world.archivist)
    assert number in archivist.get("/lending/queue").get_data(as_text=True)
    material = world.file.materials[0].id
    thumb = archivist.get(f"/lending/requests/{number}/pages/{world.pages[0]}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert prepare(archivist, number, [material]).status_code == 302
    assert _request(app, number).status == RequestStatus.IN_REVIEW

    approver = client_for(app, world.approver)
    assert number in approver.get("/lending/approvals").get_data(as_text=True)
    assert decide(approver, number).status_code == 302
    req = _request(app, number)
    assert req.status == RequestStatus.FULFILLED and req.download_token and req.valid_until
    assert req.valid_until - req.decided_at == dt.timedelta(days=30)

    download = retiree.get(f"/my/requests/{number}/copy/{req.download_token}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    with pikepdf.open(io.BytesIO(download.data)) as pdf:
        assert len(pdf.pages) == 1 + 3  # cover sheet and the material's three pages

    # every view and download under the request names it as its reason (依据), with the file
    actions = {e.action for e in _events(app, number)}
    assert {"lending.submitted", "lending.view", "page.thumb", "lending.in_review", "lending.approved",
            "lending.build", "lending.fulfilled", "lending.download"} <= actions
    assert all(e.file_id == world.file.id for e in _events(app, number))

    with app.app_context():  # a month later
        row = db.session.get(LendingRequest, req.id)
        row.valid_until = dt.datetime(2020, 1, 1)
        db.session.commit()
    dead = retiree.get(f"/my/requests/{number}/copy/{req.download_token}")
    assert dead.status_code == 410
    assert "expired" in dead.get_data(as_text=True) or "过期" in dead.get_data(as_text=True)
    assert _request(app, number).status == RequestStatus.EXPIRED
    assert retiree.get(f"/my/requests/{number}/copy/{req.download_token}").status_code == 410


def _in_review(app, world) -> str:  # type: ignore[no-untyped-def]
    number = ask_number(client_for(app, world.retiree))
    archivist = client_for(app, world.archivist)
    assert prepare(archivist, number, [world.file.materials[0].id]).status_code == 302
    return number


def test_two_person_rule_and_deciding_twice(app, world, factory):
    number = _in_review(app, world)
    with app.app_context():  # the handler holds the approver role too (a small street office)
        req = db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))
        req.handler_id = world.approver.id
        db.session.commit()
    approver = client_for(app, world.approver)
    refused = decide(approver, number)
    assert refused.status_code == 409
    assert "another approver" in refused.get_data(as_text=True) or "审批" in refused.get_data(as_text=True)
    assert _request(app, number).status == RequestStatus.IN_REVIEW
    second_approver = client_for(app, factory.user(Role.APPROVER, "德胜"))
    assert decide(second_approver, number).status_code == 302
    again = decide(client_for(app, factory.user(Role.APPROVER, "德胜")), number, "reject", "no")
    assert again.status_code == 409
    req = _request(app, number)
    assert req.status == RequestStatus.FULFILLED and req.approver_id != req.handler_id


def test_reject_needs_a_reason_and_is_final(app, world):
    number = _in_review(app, world)
    approver = client_for(app, world.approver)
    assert decide(approver, number, "reject", "").status_code == 400
    assert _request(app, number).status == RequestStatus.IN_REVIEW
    assert decide(approver, number, "reject", "材料不符").status_code == 302
    req = _request(app, number)
    assert req.status == RequestStatus.REJECTED and req.download_token is None
    retiree = client_for(app, world.retiree)
    assert "材料不符" in retiree.get(f"/my/requests/{number}").get_data(as_text=True)
    assert decide(approver, number).status_code == 409


def test_own_file_ban_for_handler_and_approver(app, world, factory):
    number = ask_number(client_for(app, world.retiree))
    with app.app_context():
        from archive.accounts.models import User, UserRelative

        own = db.session.get(User, world.other_archivist.id)
        own.id_number = world.file.person.id_number
        relative = factory.user(Role.APPROVER, "德胜")
        row = db.session.get(User, relative.id)
        row.relatives.append(UserRelative(id_number=world.file.person.id_number, relation="配偶"))
        db.session.commit()
    mine = client_for(app, world.other_archivist)
    assert number not in mine.get("/lending/queue").get_data(as_text=True)
    assert mine.get(f"/lending/requests/{number}").status_code == 403
    assert prepare(mine, number, [world.file.materials[0].id]).status_code == 403
    assert mine.get(f"/lending/requests/{number}/pages/{world.pages[0]}/thumb").status_code == 403
    assert prepare(client_for(app, world.archivist), number, [world.file.materials[0].id]).status_code == 302
    spouse = client_for(app, relative)
    assert decide(spouse, number).status_code == 403
    assert _request(app, number).status == RequestStatus.IN_REVIEW
    denied = [e for e in _events(app, number) if e.outcome == "denied"]
    assert denied, "the refused attempts are on record"


def test_guessed_numbers_and_links_say_nothing(app, world, factory):
    number = ask_number(client_for(app, world.retiree))
    stranger_file = factory.file("德胜")
    stranger = client_for(app, factory.user(Role.RETIREE, person=stranger_file.person))
    for path in (f"/my/requests/{number}", f"/my/requests/{number}/copy/whatever", "/my/requests/XC-SQ-2026-999999"):
        response = stranger.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 404
        assert world.file.person.name not in body and world.file.archive_no not in body and number not in body
    staff = client_for(app, world.archivist)
    assert staff.get("/lending/requests/XC-SQ-2026-999999").status_code == 404
    other_street = client_for(app, factory.user(Role.ARCHIVIST, "月坛"))
    response = other_street.get(f"/lending/requests/{number}")
    assert response.status_code == 403 and world.file.person.name not in response.get_data(as_text=True)
    # the requester with a wrong token
    retiree = client_for(app, world.retiree)
    assert retiree.get(f"/my/requests/{number}/copy/guess").status_code == 404


def test_retiree_asks_for_own_file_only(app, world, factory):
    from archive.lending.models import Purpose, RequestKind
    from archive.lending.operations import create_request
    from archive.lending.rules import LendingError

    other = factory.file("德胜")
    with app.app_context():
        from archive.accounts.models import User
        from archive.catalogue.models import ArchiveFile

        try:
            create_request(kind=RequestKind.COPY, file=db.session.get(ArchiveFile, other.id),
                           by=db.session.get(User, world.retiree.id), purpose=Purpose.RETIREMENT)
        except LendingError as exc:
            assert exc.code == "not_own_file" and exc.status == 403
        else:
            raise AssertionError("a retiree asked about somebody else's file")
        assert db.session.scalar(select(LendingRequest.id)) is None


def test_purpose_other_needs_text(app, world):
    from tests.lending.helpers import ask

    response = ask(client_for(app, world.retiree), purpose="other", purpose_text="")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(LendingRequest.id)) is None


def test_catalogue_edits_keep_what_was_approved(app, world):
    """A chosen material deleted from the catalogue later: the request still says what was copied."""
    number = _in_review(app, world)
    archivist = client_for(app, world.archivist)
    material = world.file.materials[0]
    from tests.helpers import csrf_token

    token = csrf_token(archivist, f"/files/{world.file.id}")
    assert archivist.post(f"/materials/{material.id}/delete", data={"csrf_token": token}).status_code == 302
    req = _request(app, number)
    with app.app_context():
        row = db.session.get(LendingRequest, req.id)
        chosen = row.materials[0]
        assert chosen.material_id is None and chosen.title == material.title and chosen.label == "一-1"
    assert number in archivist.get(f"/lending/requests/{number}").get_data(as_text=True)
