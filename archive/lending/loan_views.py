"""The archivists' loan pages: register a loan, hand the volume over, check its return, the loans out and overdue.

Approval happens in the lending approvals queue; the request's detail page includes the loan panel
(``lending/consult/_panel.html``).  The queue page shows a banner with the number of overdue loans
(:func:`overdue_loan_count`), the in-app reminder.  Every route checks role, street scope and the
own-file ban first and records its event naming the request.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from archive.access import requires
from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.lending.consult_forms import LendForm, LoanForm, ReturnForm
from archive.lending.consult_rules import loan_days, local_today
from archive.lending.consult_views import choose_file, staff_request
from archive.lending.loans import MaterialCheck, default_due, lend, loans_out, overdue_loans, register_loan, return_loan
from archive.lending.models import Purpose, RequestKind, RequestStatus
from archive.lending.rules import LendingError, message
from archive.lending.views import bp, refusal
from archive.roles import Role

STAFF = (Role.ARCHIVIST, Role.APPROVER)


@bp.app_template_global("overdue_loan_count")
def overdue_loan_count() -> int:
    """For the queue banner: overdue loans in the current staff member's scope."""
    if not current_user.is_authenticated or current_user.role_enum not in STAFF:
        return 0
    return len(overdue_loans(current_user))


@bp.route("/lending/loans/new", methods=["GET", "POST"])
@requires(Role.ARCHIVIST)
def loan_new() -> ResponseReturnValue:
    chosen = choose_file("lending.loan_form", "lending.loan_new")
    if not isinstance(chosen, ArchiveFile):
        return chosen
    file = chosen
    form = LoanForm()
    default, maximum = loan_days()
    if request.method == "GET":
        form.due_on.data = default_due()
    status = 200
    if form.validate_on_submit():
        try:
            req = register_loan(file, current_user, borrower_unit=form.borrower_unit.data or "",
                                purpose=Purpose(form.purpose.data), purpose_text=form.purpose_text.data or "",
                                wanted=form.wanted.data or "", due_on=form.due_on.data)
        except LendingError as exc:
            db.session.rollback()
            target = getattr(form, exc.field, None) if exc.field else None
            (target.errors if target is not None and isinstance(target.errors, list)
             else form.form_errors).append(message(exc))
            record("lending.loan", outcome="failed", file=file, target_type="lending_request",
                   details={"refused": exc.code})
            status = exc.status
        else:
            record("lending.loan", file=file, target_type="lending_request", target_id=req.number,
                   reason=req.number, details={"due_on": req.loan.due_on.isoformat() if req.loan and
                                               req.loan.due_on else None})
            flash(_("Loan %(number)s registered and sent for approval.", number=req.number), "success")
            return redirect(url_for("lending.detail", number=req.number))
    elif request.method == "POST":
        status = 400
    if request.method == "GET":
        record("lending.loan_form", file=file, target_type="lending_request")
    return render_template("lending/loan/new.html", form=form, file=file, maximum=maximum, default=default), status


@bp.route("/lending/requests/<number>/lend", methods=["POST"])
@requires(Role.ARCHIVIST)
def loan_lend(number: str) -> ResponseReturnValue:
    req = staff_request(number)
    form = LendForm()
    if not form.validate_on_submit():
        return refusal(LendingError("due_in_past", 400), req, "lending.fulfilled")
    try:
        lend(req, current_user, form.due_on.data)
    except LendingError as exc:
        return refusal(exc, req, "lending.fulfilled")
    flash(_("The file is now on loan until %(date)s.", date=form.due_on.data.isoformat()), "success")
    return redirect(url_for("lending.detail", number=req.number))


def _checks(materials: list[int]) -> list[MaterialCheck]:
    checks = []
    for mid in materials:
        raw = (request.form.get(f"found-{mid}") or "").strip()
        try:
            found: int | None = int(raw)
        except ValueError:
            found = None
        checks.append(MaterialCheck(material_id=mid, checked=request.form.get(f"checked-{mid}") == "1",
                                    pages_found=found, damaged=request.form.get(f"damaged-{mid}") == "1",
                                    note=(request.form.get(f"note-{mid}") or "")[:300]))
    return checks


@bp.route("/lending/requests/<number>/return", methods=["GET", "POST"])
@requires(Role.ARCHIVIST)
def loan_return(number: str) -> ResponseReturnValue:
    """The return, checked face to face: every material of the catalogue, its page count, any damage."""
    req = staff_request(number)
    if req.kind != RequestKind.LOAN or req.loan is None:
        return refusal(LendingError("not_loan", 409), req, "lending.return")
    form = ReturnForm()
    errors: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            findings = return_loan(req, current_user, returned_by=form.returned_by.data or "",
                                   checks=_checks([m.id for m in req.file.materials]))
        except LendingError as exc:
            db.session.rollback()
            errors.append(message(exc))
            record("lending.return", outcome="failed", file=req.file, target_type="lending_request",
                   target_id=req.number, reason=req.number, details={"refused": exc.code})
            status = exc.status
        else:
            flash(_("The return was recorded with %(n)s discrepancies.", n=len(findings)) if findings
                  else _("The return was recorded; everything was in order."), "warning" if findings else "success")
            return redirect(url_for("lending.detail", number=req.number))
    elif request.method == "POST":
        status = 400
    if request.method == "GET":
        if req.status_enum is not RequestStatus.FULFILLED:
            return refusal(LendingError("not_approved" if not req.is_final else "closed", 409), req,
                           "lending.return")
        record("lending.return_form", file=req.file, target_type="lending_request", target_id=req.number,
               reason=req.number)
    return render_template("lending/loan/return.html", req=req, form=form, errors=errors,
                           posted=request.form if request.method == "POST" else None), status


def _loans_page(overdue_only: bool) -> ResponseReturnValue:
    today = local_today()
    items = overdue_loans(current_user, today) if overdue_only else loans_out(current_user)
    record("lending.loans", target_type="lending_request",
           details={"results": len(items), "overdue_only": overdue_only})
    return render_template("lending/loan/list.html", items=items, today=today, overdue_only=overdue_only)


@bp.route("/lending/loans")
@requires(*STAFF)
def loans() -> ResponseReturnValue:
    return _loans_page(False)


@bp.route("/lending/loans/overdue")
@requires(*STAFF)
def loans_overdue() -> ResponseReturnValue:
    return _loans_page(True)
