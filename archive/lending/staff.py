"""Staff pages: the archivist's work queue and registrations, the approver's queue, the admin's templates.

Every route checks role (declared) and street scope and the own-file ban (亲属回避) before it shows or
changes anything; every view of a request's person, pages, authorisation or document is recorded with
the request number as its reason (依据).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from archive.access import requires
from archive.audit import record
from archive.catalogue.models import ArchiveFile, Person
from archive.extensions import db
from archive.formutil import ConfirmForm, choices
from archive.lending import registrations
from archive.lending.certificates import PLACEHOLDERS
from archive.lending.forms import BindForm, CounterForm, DecisionForm, PrepareForm, TemplateForm
from archive.lending.models import (
    CertificateTemplate,
    LendingRequest,
    RegistrationStatus,
    RequestKind,
    RequestStatus,
    RetireeRegistration,
)
from archive.lending.operations import close, decide, expire_due, find_request, prepare, revoke, save_template
from archive.lending.rules import LendingError, conflict_of_interest, message
from archive.lending.views import bp, refusal, refuse
from archive.objects import serve_object
from archive.pages.models import Page
from archive.roles import Role

STAFF = (Role.ARCHIVIST, Role.APPROVER)
OPEN = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.APPROVED, RequestStatus.FULFILLED)


def staff_request(number: str) -> LendingRequest:
    """A request the current staff member may act on: 404 unknown, 403 outside scope or their own file."""
    req = find_request(number)
    if req is None:
        record("lending.view", outcome="not_found", target_type="lending_request", details={"refused": "not_found"})
        abort(404)
    if not current_user.may_see_street(req.file.street):
        raise refuse("out_of_scope", 403, req)
    if conflict_of_interest(current_user, req.file):
        raise refuse("own_file", 403, req)
    return req


def _scoped(statuses: tuple[RequestStatus, ...]) -> list[LendingRequest]:
    stmt = (select(LendingRequest).join(ArchiveFile, LendingRequest.file_id == ArchiveFile.id)
            .where(LendingRequest.status.in_(statuses)).order_by(LendingRequest.id))
    if current_user.street is not None:
        stmt = stmt.where(ArchiveFile.street == current_user.street)
    # Requests about one's own or a relative's file are somebody else's work: not even listed.
    return [r for r in db.session.scalars(stmt) if not conflict_of_interest(current_user, r.file)]


@bp.route("/lending/queue")
@requires(Role.ARCHIVIST)
def queue() -> ResponseReturnValue:
    expire_due()
    items = _scoped(OPEN)
    record("lending.list", target_type="lending_request", details={"results": len(items), "queue": "archivist"})
    return render_template("lending/queue.html", items=items, title=_("Lending requests"))


@bp.route("/lending/approvals")
@requires(Role.APPROVER)
def approvals() -> ResponseReturnValue:
    items = [r for r in _scoped((RequestStatus.IN_REVIEW,)) if r.handler_id != current_user.id]
    record("lending.list", target_type="lending_request", details={"results": len(items), "queue": "approver"})
    return render_template("lending/queue.html", items=items, title=_("Approvals"))


def _pages_by_material(req: LendingRequest) -> dict[int, list[Page]]:
    pages = db.session.scalars(select(Page).where(Page.file_id == req.file_id, Page.current.is_(True))
                               .order_by(Page.position))
    grouped: dict[int, list[Page]] = {}
    for page in pages:
        grouped.setdefault(page.material_id or 0, []).append(page)
    return grouped


def _detail(req: LendingRequest, prepare_form: PrepareForm | None = None, decision_form: DecisionForm | None = None,
            status: int = 200) -> ResponseReturnValue:
    templates = list(db.session.scalars(select(CertificateTemplate).where(CertificateTemplate.active.is_(True))
                                        .order_by(CertificateTemplate.id)))
    prepare_form = prepare_form or PrepareForm(formdata=None)
    prepare_form.template.choices = choices([(t.id, t.title) for t in templates])
    record("lending.view", file=req.file, target_type="lending_request", target_id=req.number, reason=req.number)
    return render_template("lending/detail.html", req=req, person=req.file.person, pages=_pages_by_material(req),
                           prepare_form=prepare_form, decision_form=decision_form or DecisionForm(formdata=None),
                           confirm=ConfirmForm(), chosen={rm.material_id for rm in req.materials},
                           templates=templates), status


@bp.route("/lending/requests/<number>")
@requires(*STAFF)
def detail(number: str) -> ResponseReturnValue:
    req = staff_request(number)
    expire_due(req=req)
    return _detail(req)


@bp.route("/lending/requests/<number>/prepare", methods=["POST"])
@requires(Role.ARCHIVIST)
def prepare_request(number: str) -> ResponseReturnValue:
    req = staff_request(number)
    form = PrepareForm()
    if not form.validate_on_submit():
        return _detail(req, prepare_form=form, status=400)
    template = None
    if req.kind == RequestKind.CERTIFICATE and form.template.data:
        template = db.session.get(CertificateTemplate, int(form.template.data)) if form.template.data.isdigit() \
            else None
    facts = {"参加工作时间": form.work_start.data or "", "连续工龄": form.service_years.data or "",
             "截止日期": form.cutoff.data or ""}
    try:
        prepare(req, current_user, form.materials.data or [], template=template, facts=facts)
    except LendingError as exc:
        form.form_errors.append(message(exc))
        record("lending.prepare", outcome="failed", file=req.file, target_type="lending_request",
               target_id=req.number, reason=req.number, details={"refused": exc.code})
        return _detail(req, prepare_form=form, status=exc.status)
    flash(_("Sent for approval."), "success")
    return redirect(url_for("lending.detail", number=req.number))


@bp.route("/lending/requests/<number>/decision", methods=["POST"])
@requires(Role.APPROVER)
def decision(number: str) -> ResponseReturnValue:
    req = staff_request(number)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _detail(req, decision_form=form, status=400)
    try:
        decide(req, current_user, form.decision.data == "approve", form.reason.data or "")
    except LendingError as exc:
        form.form_errors.append(message(exc))
        record("lending.decide", outcome="denied", file=req.file, target_type="lending_request",
               target_id=req.number, reason=req.number, details={"refused": exc.code})
        return _detail(req, decision_form=form, status=exc.status)
    flash(_("Approved; the copy has been made.") if req.status_enum is RequestStatus.FULFILLED
          else _("Approved.") if req.status_enum is RequestStatus.APPROVED else _("Rejected."), "success")
    return redirect(url_for("lending.detail", number=req.number))


@bp.route("/lending/requests/<number>/close", methods=["POST"])
@requires(Role.ARCHIVIST)
def close_request(number: str) -> ResponseReturnValue:
    req = staff_request(number)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        close(req, current_user)
    except LendingError as exc:
        return refusal(exc, req)
    return redirect(url_for("lending.detail", number=req.number))


@bp.route("/lending/requests/<number>/revoke", methods=["POST"])
@requires(Role.ARCHIVIST)
def revoke_request(number: str) -> ResponseReturnValue:
    req = staff_request(number)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        revoke(req, current_user, request.form.get("reason", ""))
    except LendingError as exc:
        return refusal(exc, req)
    return redirect(url_for("lending.detail", number=req.number))


@bp.route("/lending/requests/<number>/pages/<int:page_id>/thumb")
@requires(*STAFF)
def page_thumb(number: str, page_id: int) -> ResponseReturnValue:
    """A page preview while preparing or deciding: audited with the request as its reason."""
    req = staff_request(number)
    page = db.session.get(Page, page_id)
    if page is None or page.file_id != req.file_id:
        abort(404)
    record("page.thumb", file=req.file, target_type="page", target_id=page.id, reason=req.number)
    return serve_object(page.thumb_key, "image/jpeg")


@bp.route("/lending/requests/<number>/authorisation")
@requires(*STAFF)
def authorisation(number: str) -> ResponseReturnValue:
    req = staff_request(number)
    if not req.authorisation_key:
        abort(404)
    record("lending.authorisation", file=req.file, target_type="lending_request", target_id=req.number,
           reason=req.number)
    return serve_object(req.authorisation_key, req.authorisation_mime or "application/octet-stream")


@bp.route("/lending/requests/<number>/document")
@requires(*STAFF)
def document(number: str) -> ResponseReturnValue:
    """The built copy or certificate, for printing at the counter and for checking."""
    req = staff_request(number)
    if not req.output_key:
        abort(404)
    record("lending.document", file=req.file, target_type="lending_request", target_id=req.number,
           reason=req.number, details={"sha256": req.output_sha256})
    return serve_object(req.output_key, "application/pdf", download_name=f"{req.number}.pdf")


@bp.route("/lending/registrations")
@requires(Role.ARCHIVIST)
def registrations_page() -> ResponseReturnValue:
    pending = list(db.session.scalars(select(RetireeRegistration).where(
        RetireeRegistration.status == RegistrationStatus.PENDING).order_by(RetireeRegistration.id)))
    # Street archivists see the registrations that name a person of their street (or nobody known yet).
    numbers = {r.id_number for r in pending}
    streets = dict(db.session.execute(select(Person.id_number, ArchiveFile.street).join(
        ArchiveFile, ArchiveFile.person_id == Person.id).where(Person.id_number.in_(numbers))).all()) if numbers else {}
    visible = [r for r in pending if current_user.street is None or streets.get(r.id_number) == current_user.street]
    record("lending.registrations", target_type="registration", details={"results": len(visible)})
    return render_template("lending/registrations.html", items=visible, form=BindForm(formdata=None),
                           confirm=ConfirmForm())


def _registration(registration_id: int) -> RetireeRegistration:
    reg = db.session.get(RetireeRegistration, registration_id)
    if reg is None:
        abort(404)
    return reg


def _file_by_no(archive_no: str) -> ArchiveFile | None:
    return db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == archive_no.strip()))


@bp.route("/lending/registrations/<int:registration_id>/bind", methods=["POST"])
@requires(Role.ARCHIVIST)
def bind_registration(registration_id: int) -> ResponseReturnValue:
    reg = _registration(registration_id)
    form = BindForm()
    if not form.validate_on_submit():
        abort(400)
    file = _file_by_no(form.archive_no.data)
    if file is None or not current_user.may_see_street(file.street):
        # Unknown and out of scope say the same: the archive number was not found here.
        return refusal(LendingError("identity_mismatch", 409), None, "lending.bind")
    try:
        registrations.bind(reg, current_user, file)
    except LendingError as exc:
        return render_template("error.html", code=exc.status, message=message(exc)), exc.status
    flash(_("The account is now linked to file %(no)s.", no=file.archive_no), "success")
    return redirect(url_for("lending.registrations_page"))


@bp.route("/lending/registrations/<int:registration_id>/refuse", methods=["POST"])
@requires(Role.ARCHIVIST)
def refuse_registration(registration_id: int) -> ResponseReturnValue:
    reg = _registration(registration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        registrations.refuse(reg, current_user)
    except LendingError as exc:
        return refusal(exc)
    return redirect(url_for("lending.registrations_page"))


@bp.route("/lending/counter", methods=["GET", "POST"])
@requires(Role.ARCHIVIST)
def counter() -> ResponseReturnValue:
    """At the counter: the archivist checks the retiree's papers and creates their account, bound at once."""
    form = CounterForm()
    status = 200
    if form.validate_on_submit():
        file = _file_by_no(form.archive_no.data)
        if file is None or not current_user.may_see_street(file.street):
            form.archive_no.errors.append(_("No file with this number in your scope."))
            status = 404
        else:
            try:
                user = registrations.counter_account(current_user, file, mobile=form.mobile.data,
                                                     username=form.username.data, password=form.password.data)
            except LendingError as exc:
                getattr(form, exc.field or "archive_no", form.archive_no).errors.append(message(exc))
                status = exc.status
            else:
                flash(_("Account %(user)s created for file %(no)s.", user=user.username, no=file.archive_no),
                      "success")
                return redirect(url_for("lending.registrations_page"))
    elif request.method == "POST":
        status = 400
    record("lending.counter", outcome="ok" if status == 200 else "failed", target_type="registration")
    return render_template("lending/counter.html", form=form), status


@bp.route("/lending/templates")
@requires(Role.ADMIN)
def templates() -> ResponseReturnValue:
    items = list(db.session.scalars(select(CertificateTemplate).order_by(CertificateTemplate.id)))
    record("lending.templates", target_type="certificate_template", details={"results": len(items)})
    return render_template("lending/templates.html", items=items)


@bp.route("/lending/templates/<int:template_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def template_edit(template_id: int) -> ResponseReturnValue:
    template = db.session.get(CertificateTemplate, template_id)
    if template is None:
        abort(404)
    form = TemplateForm(obj=template)
    status = 200
    if form.validate_on_submit():
        try:
            save_template(current_user, template, title=form.title.data, body=form.body.data,
                          active=bool(form.active.data))
        except LendingError as exc:
            form.body.errors.append(message(exc))
            record("lending.template", outcome="failed", target_type="certificate_template", target_id=template.id,
                   details={"refused": exc.code})
            status = exc.status
        else:
            flash(_("Template saved."), "success")
            return redirect(url_for("lending.templates"))
    elif request.method == "POST":
        status = 400
    else:
        record("lending.template_view", target_type="certificate_template", target_id=template.id)
    return render_template("lending/template_form.html", form=form, template=template,
                           placeholders=PLACEHOLDERS), status
