"""Physical loans (借出) of a volume: registered, approved, handed over, returned and checked, chased when late.

Loans are exceptional (docs/domain.md): at most ``DANGAN_LOAN_MAX_DAYS`` (14) days, default
``DANGAN_LOAN_DEFAULT_DAYS`` (14); a file that is out, or has a loan under way, is not lent again.  The
steps, each an operation that checks before it writes and records its event with the request number
as its reason:

- :func:`register_loan` — the archivist records the borrowing unit, purpose and due date, and sends it
  for approval (submitted → in_review); approval is the lending queue's ``decide`` (approver ≠ handler);
- :func:`lend` — the volume is handed over (→ fulfilled): the file's status becomes 借出
  (``FileStatus.ON_LOAN``); the status it had is kept in the transition's parameters;
- :func:`return_loan` — the return checked face to face against the catalogue, material by material
  (page count found, damage, a note); each difference is recorded as a finding on the loan, the file
  goes back to the status it had (→ closed);
- :func:`overdue_loans` / :func:`loans_out` — what the archivists' queue banner and overdue page show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from archive.accounts.models import User
from archive.audit import record
from archive.catalogue.classes import format_class
from archive.catalogue.models import ArchiveFile, FileStatus
from archive.extensions import db
from archive.lending.consult_rules import loan_days, local_today
from archive.lending.models import LendingRequest, Loan, Purpose, RequestKind, RequestStatus
from archive.lending.operations import create_request, prepare, transition
from archive.lending.rules import LendingError, conflict_of_interest
from archive.roles import Role
from archive.timeutil import utcnow

__all__ = ["MaterialCheck", "lend", "loans_out", "overdue_loans", "register_loan", "return_loan"]

UNDER_WAY = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.APPROVED, RequestStatus.FULFILLED)


def _staff(user: User, file: ArchiveFile) -> None:
    if user.role_enum is not Role.ARCHIVIST:
        raise LendingError("not_staff", 403)
    if not user.may_see_street(file.street):
        raise LendingError("out_of_scope", 403)
    if conflict_of_interest(user, file):
        raise LendingError("own_file", 403)


def _lendable(file: ArchiveFile, except_request: LendingRequest | None = None) -> None:
    """No re-lending: the file is not out, and no other loan of it is under way."""
    if file.status == FileStatus.TRANSFERRED:
        raise LendingError("not_lendable", 409)
    if file.status == FileStatus.ON_LOAN and except_request is None:
        raise LendingError("already_on_loan", 409)
    stmt = select(LendingRequest.id).where(LendingRequest.file_id == file.id,
                                           LendingRequest.kind == RequestKind.LOAN,
                                           LendingRequest.status.in_(UNDER_WAY))
    if except_request is not None:
        stmt = stmt.where(LendingRequest.id != except_request.id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise LendingError("already_on_loan", 409)


def _check_due(due_on: dt.date, today: dt.date) -> None:
    _default, maximum = loan_days()
    if due_on <= today:
        raise LendingError("due_in_past", 400, "due_on")
    if due_on > today + dt.timedelta(days=maximum):
        raise LendingError("due_too_late", 400, "due_on", days=maximum)


def default_due(today: dt.date | None = None) -> dt.date:
    return (today or local_today()) + dt.timedelta(days=loan_days()[0])


def register_loan(file: ArchiveFile, archivist: User, *, borrower_unit: str, purpose: Purpose,
                  purpose_text: str = "", wanted: str = "", due_on: dt.date | None = None,
                  today: dt.date | None = None) -> LendingRequest:
    """A loan of the whole volume, sent for approval; the due date defaults to (and may not pass) the limit."""
    today = today or local_today()
    _staff(archivist, file)
    if not borrower_unit.strip():
        raise LendingError("borrower_required", 400, "borrower_unit")
    due_on = due_on or default_due(today)
    _check_due(due_on, today)
    _lendable(file)
    req = create_request(kind=RequestKind.LOAN, file=file, by=archivist, purpose=purpose,
                         purpose_text=purpose_text, wanted=wanted)
    req.loan = Loan(borrower_unit=borrower_unit.strip()[:200], due_on=due_on)
    db.session.flush()
    prepare(req, archivist, [])
    return req


def _loan(req: LendingRequest) -> Loan:
    if req.kind != RequestKind.LOAN or req.loan is None:
        raise LendingError("not_loan", 409)
    return req.loan


def lend(req: LendingRequest, archivist: User, due_on: dt.date | None = None,
         today: dt.date | None = None) -> LendingRequest:
    """Hand the approved volume over: the file shows 借出 until it is returned."""
    today = today or local_today()
    loan = _loan(req)
    _staff(archivist, req.file)
    if req.status_enum is not RequestStatus.APPROVED:
        raise LendingError("closed" if req.is_final else "not_approved", 409)
    due_on = due_on or loan.due_on or default_due(today)
    _check_due(due_on, today)
    _lendable(req.file, except_request=req)
    if req.file.status == FileStatus.ON_LOAN:
        raise LendingError("already_on_loan", 409)
    previous = FileStatus(req.file.status)
    loan.due_on, loan.lent_at = due_on, utcnow().replace(microsecond=0)
    req.file.status = FileStatus.ON_LOAN
    db.session.flush()
    transition(req, RequestStatus.FULFILLED, archivist, "lent", previous_status=str(previous),
               due_on=due_on.isoformat(), borrower=loan.borrower_unit)
    return req


@dataclass(frozen=True)
class MaterialCheck:
    """One catalogue line checked at the return: was it looked at, how many pages, damaged, a note."""

    material_id: int
    checked: bool
    pages_found: int | None
    damaged: bool = False
    note: str = ""


def _previous_status(req: LendingRequest) -> FileStatus:
    for step in reversed(req.transitions):
        if step.reason_code == "lent" and step.reason_params.get("previous_status"):
            return FileStatus(step.reason_params["previous_status"])
    return FileStatus.CATALOGUED


def return_loan(req: LendingRequest, archivist: User, *, returned_by: str,
                checks: Sequence[MaterialCheck]) -> list[dict[str, Any]]:
    """Record the return after checking every material; returns the findings (empty when all was in order)."""
    loan = _loan(req)
    _staff(archivist, req.file)
    if req.status_enum is not RequestStatus.FULFILLED or loan.lent_at is None:
        raise LendingError("closed" if req.is_final else "not_approved", 409)
    if not returned_by.strip():
        raise LendingError("returned_by_required", 400, "returned_by")
    by_id = {c.material_id: c for c in checks}
    findings: list[dict[str, Any]] = []
    for material in req.file.materials:
        check = by_id.get(material.id)
        if check is None or not check.checked:
            raise LendingError("check_every_material", 400, "materials")
        if check.pages_found is None or check.pages_found < 0:
            raise LendingError("bad_page_count", 400, "materials")
        expected = material.pages
        short = expected is not None and check.pages_found != expected
        if short or check.damaged:
            findings.append({"material_id": material.id,
                             "label": f"{format_class(material.class_no, material.subclass)}-{material.seq}",
                             "title": material.title, "pages_expected": expected,
                             "pages_found": check.pages_found, "damaged": check.damaged,
                             "note": check.note.strip()[:300]})
    previous = _previous_status(req)
    loan.returned_at, loan.returned_by_name = utcnow().replace(microsecond=0), returned_by.strip()[:50]
    loan.checked_by_id, loan.discrepancies = archivist.id, findings
    req.file.status = previous
    db.session.flush()
    if findings:
        record("lending.loan_discrepancy", outcome="ok", file=req.file, target_type="lending_request",
               target_id=req.number, reason=req.number, details={"findings": findings})
    transition(req, RequestStatus.CLOSED, archivist, "returned", discrepancies=len(findings),
               status=str(previous), overdue=bool(loan.due_on and local_today() > loan.due_on))
    return findings


def loans_out(user: User) -> list[LendingRequest]:
    """The volumes out on loan in the user's scope (not their own or a relative's file), earliest due first."""
    stmt = (select(LendingRequest).join(Loan, Loan.request_id == LendingRequest.id)
            .join(ArchiveFile, LendingRequest.file_id == ArchiveFile.id)
            .where(LendingRequest.kind == RequestKind.LOAN, LendingRequest.status == RequestStatus.FULFILLED)
            .order_by(Loan.due_on, LendingRequest.id))
    if user.street is not None:
        stmt = stmt.where(ArchiveFile.street == user.street)
    return [r for r in db.session.scalars(stmt) if not conflict_of_interest(user, r.file)]


def overdue_loans(user: User, today: dt.date | None = None) -> list[LendingRequest]:
    today = today or local_today()
    return [r for r in loans_out(user) if r.loan is not None and r.loan.due_on is not None and r.loan.due_on < today]
