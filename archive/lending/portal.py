"""The retirees' portal: register, ask for a copy or a certificate, follow it, download the copy.

Made for elderly users on a phone: one question per block, large type, plain words, three steps at
most.  A retiree never sees their file or its pages (条例 art.31) — only their requests and, once
approved, the copy.  Any request number that is not the retiree's own answers 404, exactly as an unknown
one does.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select

from archive.access import public, requires
from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.i18n import select_locale
from archive.lending.forms import RegisterForm, RequestForm
from archive.lending.models import Delivery, LendingRequest, Purpose, RequestKind
from archive.lending.operations import OnBehalf, create_request, expire_due, open_copy, revoke
from archive.lending.registrations import find_user_registration, register
from archive.lending.rules import LendingError, message
from archive.lending.views import bp, load_for_retiree, refusal
from archive.objects import serve_object
from archive.roles import Role


@bp.route("/register", methods=["GET", "POST"])
@public
def register_page() -> ResponseReturnValue:
    """Self-registration: the account waits, unbound, for an archivist to check who it is."""
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            reg = register(name=form.name.data, id_number=form.id_number.data, mobile=form.mobile.data,
                           username=form.username.data, password=form.password.data,
                           locale=select_locale())  # the language chosen before registering stays
        except LendingError as exc:
            getattr(form, exc.field or "id_number", form.id_number).errors.append(message(exc))
            record("lending.register", outcome="failed", target_type="registration", details={"refused": exc.code})
            status = 400
        else:
            login_user(reg.user)
            flash(_("Your account is ready. The archive will check your identity and link it to your file."),
                  "success")
            return redirect(url_for("lending.my_requests"))
    elif request.method == "POST":
        status = 400
    return render_template("lending/register.html", form=form), status


def _own_file() -> ArchiveFile | None:
    if current_user.person_id is None:
        return None
    return db.session.scalar(select(ArchiveFile).where(ArchiveFile.person_id == current_user.person_id)
                             .order_by(ArchiveFile.id).limit(1))


@bp.route("/my/requests")
@requires(Role.RETIREE)
def my_requests() -> ResponseReturnValue:
    expire_due()
    requests = list(db.session.scalars(select(LendingRequest).where(LendingRequest.requester_id == current_user.id)
                                       .order_by(LendingRequest.id.desc())))
    file = _own_file()
    record("lending.list", target_type="lending_request", file=file,
           details={"results": len(requests), "self_service": True})
    registration = find_user_registration(current_user) if current_user.person_id is None else None
    return render_template("lending/my_requests.html", requests=requests, file=file, registration=registration)


def _on_behalf(form: RequestForm) -> OnBehalf | None:
    if not form.on_behalf.data:
        return None
    upload = form.authorisation.data
    data = b""
    if upload:
        try:  # one byte over the limit is enough to refuse it
            data = upload.read(int(current_app.config["DANGAN_AUTHORISATION_MAX_MB"]) * 1024 * 1024 + 1)
        finally:
            upload.close()  # large uploads are temporary files: close them now, not at exit
    return OnBehalf(name=form.relative_name.data or "", id_number=form.relative_id_number.data or "",
                    relation=form.relative_relation.data or "", authorisation=data)


@bp.route("/my/requests/new", methods=["GET", "POST"])
@requires(Role.RETIREE)
def new_request() -> ResponseReturnValue:
    file = _own_file()
    if file is None:
        return refusal(LendingError("unbound", 403))
    form = RequestForm()
    status = 200
    if form.validate_on_submit():
        if form.on_behalf.data and not (form.relative_name.data or "").strip():
            form.relative_name.errors.append(_("Enter your name."))
        else:
            try:
                req = create_request(kind=RequestKind(form.kind.data), file=file, by=current_user,
                                     purpose=Purpose(form.purpose.data), purpose_text=form.purpose_text.data or "",
                                     wanted=form.wanted.data or "", wanted_classes=form.wanted_classes.data or [],
                                     delivery=Delivery(form.delivery.data), on_behalf=_on_behalf(form))
            except LendingError as exc:
                target = getattr(form, exc.field, None) if exc.field else None
                (target.errors if target is not None else form.form_errors).append(message(exc))
                record("lending.create", outcome="failed", file=file, target_type="lending_request",
                       details={"refused": exc.code})
            else:
                flash(_("Your request %(number)s has been received.", number=req.number), "success")
                return redirect(url_for("lending.my_request", number=req.number))
        status = 400
    elif request.method == "POST":
        status = 400
    if request.method == "GET":
        record("lending.form", file=file, target_type="lending_request", details={"self_service": True})
    return render_template("lending/new_request.html", form=form), status


@bp.route("/my/requests/<number>")
@requires(Role.RETIREE)
def my_request(number: str) -> ResponseReturnValue:
    req = load_for_retiree(number)
    expire_due(req=req)
    record("lending.view", file=req.file, target_type="lending_request", target_id=req.number, reason=req.number,
           details={"self_service": True})
    return render_template("lending/my_request.html", req=req)


@bp.route("/my/requests/<number>/withdraw", methods=["POST"])
@requires(Role.RETIREE)
def my_request_withdraw(number: str) -> ResponseReturnValue:
    req = load_for_retiree(number)
    try:
        revoke(req, current_user, "")
    except LendingError as exc:
        return refusal(exc, req)
    flash(_("The request was withdrawn."), "info")
    return redirect(url_for("lending.my_request", number=req.number))


@bp.route("/my/requests/<number>/copy/<token>")
@requires(Role.RETIREE)
def my_copy(number: str, token: str) -> ResponseReturnValue:
    """The approved copy, streamed from the store; a dead link after the validity (410), 404 for a wrong one."""
    req = load_for_retiree(number)
    try:
        key = open_copy(req, current_user, token)
    except LendingError as exc:
        if exc.status == 410:
            return render_template("lending/expired.html", req=req, message=message(exc)), 410
        return refusal(exc, req, "lending.download")
    return serve_object(key, "application/pdf", download_name=f"{req.number}.pdf", etag=req.output_sha256)
