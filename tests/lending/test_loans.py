"""Physical loans (借出): approval, the due-date limit, no re-lending, the checked return, the overdue list."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from archive.accounts.models import User
from archive.audit.models import AuditEvent
from archive.catalogue.models import ArchiveFile, FileStatus
from archive.extensions import db
from archive.lending.models import LendingRequest, RequestStatus
from archive.roles import Role
from tests.lending.consult_helpers import number_of, post
from tests.lending.helpers import client_for, decide


def _today() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()  # Beijing


def _register(client, archive_no: str, **data: object):  # type: ignore[no-untyped-def]
    path = f"/lending/loans/new?file={archive_no}"
    body = {"borrower_unit": "区委组织部干部一科", "purpose": "appointment", **data}
    return post(client, path, path, **body)


def _request(app, number: str) -> LendingRequest:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.expire_all()
        req = db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))
        _ = req.loan, req.file
        return req


def _file_status(app, file_id: int) -> FileStatus:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.expire_all()
        return FileStatus(db.session.get(ArchiveFile, file_id).status)


def _lent(app, world, archivist=None):  # type: ignore[no-untyped-def]
    archivist = archivist or client_for(app, world.archivist)
    number = number_of(_register(archivist, world.file.archive_no))
    assert decide(client_for(app, world.approver), number).status_code == 302
    assert _request(app, number).status == RequestStatus.APPROVED
    due = (_today() + dt.timedelta(days=10)).isoformat()
    assert post(archivist, f"/lending/requests/{number}/lend", f"/lending/requests/{number}",
                due_on=due).status_code == 302
    return archivist, number


def _return_form(world, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"returned_by": "组织部 孙干事"}
    for m in world.file.materials:
        data[f"checked-{m.id}"], data[f"found-{m.id}"] = "1", str(m.pages)
    data.update(overrides)
    return data


def test_loan_lent_and_returned_with_a_discrepancy(app, world):
    with app.app_context():
        db.session.get(ArchiveFile, world.file.id).status = FileStatus.DIGITISED
        db.session.commit()
    archivist, number = _lent(app, world)
    req = _request(app, number)
    assert req.status == RequestStatus.FULFILLED and req.loan is not None and req.loan.lent_at
    assert req.loan.due_on == _today() + dt.timedelta(days=10)
    assert _file_status(app, world.file.id) is FileStatus.ON_LOAN
    detail = archivist.get(f"/lending/requests/{number}").get_data(as_text=True)
    assert 'data-testid="record-return"' in detail
    # the generic revoke cannot end a loan while the volume is out
    assert post(archivist, f"/lending/requests/{number}/revoke", f"/lending/requests/{number}",
                reason="x").status_code == 409

    second, third = world.file.materials[1], world.file.materials[2]
    unchecked = _return_form(world, **{f"checked-{second.id}": ""})
    path = f"/lending/requests/{number}/return"
    refused = post(archivist, path, path, **unchecked)
    assert refused.status_code == 400 and _file_status(app, world.file.id) is FileStatus.ON_LOAN
    returned = post(archivist, path, path, **_return_form(
        world, **{f"found-{second.id}": "1", f"note-{second.id}": "缺第2页", f"damaged-{third.id}": "1"}))
    assert returned.status_code == 302
    req = _request(app, number)
    assert req.status == RequestStatus.CLOSED and req.loan is not None
    assert req.loan.returned_by_name == "组织部 孙干事" and req.loan.checked_by_id == world.archivist.id
    findings = {d["material_id"]: d for d in req.loan.discrepancies}
    assert set(findings) == {second.id, third.id}
    assert findings[second.id]["pages_expected"] == 2 and findings[second.id]["pages_found"] == 1
    assert findings[second.id]["note"] == "缺第2页" and findings[third.id]["damaged"] is True
    assert _file_status(app, world.file.id) is FileStatus.DIGITISED  # back to what it was
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.reason == number)))
    assert {"lending.submitted", "lending.in_review", "lending.approved", "lending.fulfilled",
            "lending.loan_discrepancy", "lending.closed"} <= {e.action for e in events}
    assert all(e.file_id == world.file.id for e in events)
    discrepancy = next(e for e in events if e.action == "lending.loan_discrepancy")
    assert len(json.loads(discrepancy.details)["findings"]) == 2
    page = archivist.get(f"/lending/requests/{number}").get_data(as_text=True)
    assert page.count('data-testid="discrepancy"') == 2


def test_a_file_is_not_lent_twice(app, world):
    archivist = client_for(app, world.archivist)
    first = number_of(_register(archivist, world.file.archive_no))
    assert _register(archivist, world.file.archive_no).status_code == 409  # a loan is under way
    assert decide(client_for(app, world.approver), first).status_code == 302
    assert post(archivist, f"/lending/requests/{first}/lend", f"/lending/requests/{first}",
                due_on=(_today() + dt.timedelta(days=3)).isoformat()).status_code == 302
    assert _register(archivist, world.file.archive_no).status_code == 409  # it is out
    with app.app_context():
        assert len(list(db.session.scalars(select(LendingRequest.id)))) == 1


def test_due_date_defaults_to_and_may_not_pass_fourteen_days(app, world):
    archivist = client_for(app, world.archivist)
    form = archivist.get(f"/lending/loans/new?file={world.file.archive_no}").get_data(as_text=True)
    assert (_today() + dt.timedelta(days=14)).isoformat() in form
    late = _register(archivist, world.file.archive_no, due_on=(_today() + dt.timedelta(days=15)).isoformat())
    assert late.status_code == 400 and "借出期限最长为 14 天" in late.get_data(as_text=True)
    past = _register(archivist, world.file.archive_no, due_on=_today().isoformat())
    assert past.status_code == 400
    number = number_of(_register(archivist, world.file.archive_no))
    assert _request(app, number).loan.due_on == _today() + dt.timedelta(days=14)  # type: ignore[union-attr]
    assert decide(client_for(app, world.approver), number).status_code == 302
    too_long = post(archivist, f"/lending/requests/{number}/lend", f"/lending/requests/{number}",
                    due_on=(_today() + dt.timedelta(days=20)).isoformat())
    assert too_long.status_code == 400 and _file_status(app, world.file.id) is not FileStatus.ON_LOAN


def test_overdue_list_and_the_queue_banner(app, world):
    archivist, number = _lent(app, world)
    assert 'data-testid="overdue-banner"' not in archivist.get("/lending/queue").get_data(as_text=True)
    assert number not in archivist.get("/lending/loans/overdue").get_data(as_text=True)
    assert number in archivist.get("/lending/loans").get_data(as_text=True)
    with app.app_context():
        req = db.session.scalar(select(LendingRequest).where(LendingRequest.number == number))
        req.loan.due_on = _today() - dt.timedelta(days=3)
        db.session.commit()
    queue = archivist.get("/lending/queue").get_data(as_text=True)
    assert 'data-testid="overdue-banner"' in queue and "有 1 件借出档案已逾期" in queue
    overdue = archivist.get("/lending/loans/overdue").get_data(as_text=True)
    assert number in overdue and "逾期 3 天" in overdue
    assert number in client_for(app, world.approver).get("/lending/loans/overdue").get_data(as_text=True)


def test_own_file_and_handler_rules(app, world, factory):
    with app.app_context():
        user = db.session.get(User, world.other_archivist.id)
        user.id_number = world.file.person.id_number
        db.session.commit()
    own = client_for(app, world.other_archivist)
    assert own.get(f"/lending/loans/new?file={world.file.archive_no}").status_code == 403
    archivist = client_for(app, world.archivist)
    number = number_of(_register(archivist, world.file.archive_no))
    assert own.get(f"/lending/requests/{number}").status_code == 403
    assert decide(client_for(app, factory.user(Role.APPROVER, "西长安街")), number).status_code == 403  # scope
    assert decide(client_for(app, world.approver), number).status_code == 302
    lent = post(own, f"/lending/requests/{number}/lend", f"/lending/requests/{number}",
                due_on=(_today() + dt.timedelta(days=3)).isoformat())
    assert lent.status_code == 403 and _request(app, number).status == RequestStatus.APPROVED
