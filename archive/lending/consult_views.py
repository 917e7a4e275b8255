"""The archivists' consultation pages: register one from the unit's letter, open it, end it, show the letter.

Approval happens in the lending approvals queue (``lending.detail`` / ``lending.decision``), whose
detail page includes this domain's panel (``lending/consult/_panel.html``).  Every route declares its
role and checks street scope and the own-file ban before it shows or changes anything; each records
its event naming the request (依据).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from archive.access import requires
from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.formutil import ConfirmForm, choices
from archive.lending.consult_forms import ConsultationForm, RevokeForm
from archive.lending.consult_rules import to_utc
from archive.lending.consultations import (
    ConsultationInput,
    NamedPerson,
    letter_mime,
    open_consultation,
    register_consultation,
    revoke_consultation,
    window_details,
)
from archive.lending.models import Purpose
from archive.lending.rules import LendingError, conflict_of_interest, message
from archive.lending.staff import staff_request
from archive.lending.views import bp, refusal
from archive.objects import serve_object
from archive.roles import Role

STAFF = (Role.ARCHIVIST, Role.APPROVER)


def file_for_request(archive_no: str) -> ArchiveFile | None:
    """The file named by 档号 if the archivist may see it; unknown and out of scope look the same."""
    file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == archive_no.strip()[:64]))
    if file is None or not current_user.may_see_street(file.street):
        return None
    return file


def read_upload(upload: FileStorage | None, limit_mb: int) -> bytes:
    """At most one byte over the limit, so that the operation can refuse a large file without reading it all."""
    if not upload:
        return b""
    try:
        return upload.read(limit_mb * 1024 * 1024 + 1)
    finally:
        upload.close()


def choose_file(action: str, endpoint: str) -> ResponseReturnValue | ArchiveFile:
    """Step one of a registration: the 档号.  Returns the file, or the page asking for it."""
    archive_no = (request.args.get("file") or "").strip()
    file = file_for_request(archive_no) if archive_no else None
    if file is None:
        status = 404 if archive_no else 200
        record(action, outcome="not_found" if archive_no else "ok", target_type="lending_request",
               details={"step": "file"})
        return render_template("lending/consult/choose_file.html", endpoint=endpoint, archive_no=archive_no,
                               not_found=bool(archive_no)), status
    if conflict_of_interest(current_user, file):
        return refusal(LendingError("own_file", 403), None, action)
    return file


@bp.route("/lending/consultations/new", methods=["GET", "POST"])
@requires(Role.ARCHIVIST)
def consultation_new() -> ResponseReturnValue:
    chosen = choose_file("lending.consultation_form", "lending.consultation_new")
    if not isinstance(chosen, ArchiveFile):
        return chosen
    file = chosen
    form = ConsultationForm()
    form.materials.choices = choices([(m.id, m.title) for m in file.materials])
    status = 200
    if form.validate_on_submit():
        data = ConsultationInput(
            unit=form.unit.data or "", handler_name=form.handler_name.data or "",
            letter=read_upload(form.letter.data, int(current_app.config["DANGAN_AUTHORISATION_MAX_MB"])),
            handler_id_number=form.handler_id_number.data or "",
            persons=[NamedPerson(e.form.data["name"] or "", e.form.data["id_number"] or "") for e in form.persons],
            purpose=Purpose(form.purpose.data), purpose_text=form.purpose_text.data or "",
            whole_file=form.scope.data == "whole", material_ids=form.materials.data or [],
            window_start=to_utc(form.window_start.data) if form.window_start.data else None,
            window_end=to_utc(form.window_end.data) if form.window_end.data else None,
            print_allowed=bool(form.print_allowed.data), download_allowed=bool(form.download_allowed.data))
        try:
            req = register_consultation(file, current_user, data)
        except LendingError as exc:
            db.session.rollback()  # nothing of a refused registration is kept; its refusal is
            target = getattr(form, exc.field, None) if exc.field else None
            errors = target.errors if target is not None and isinstance(target.errors, list) else form.form_errors
            errors.append(message(exc))
            record("lending.consultation", outcome="failed", file=file, target_type="lending_request",
                   details={"refused": exc.code})
            status = exc.status
        else:
            flash(_("Consultation %(number)s registered and sent for approval.", number=req.number), "success")
            return redirect(url_for("lending.detail", number=req.number))
    elif request.method == "POST":
        status = 400
    if request.method == "GET":
        record("lending.consultation_form", file=file, target_type="lending_request")
    return render_template("lending/consult/new.html", form=form, file=file), status


@bp.route("/lending/requests/<number>/open", methods=["POST"])
@requires(Role.ARCHIVIST)
def consultation_open(number: str) -> ResponseReturnValue:
    """Open an approved consultation; the one-time passwords are on this response only (no-store, no redirect)."""
    req = staff_request(number)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        issued = open_consultation(req, current_user)
    except LendingError as exc:
        return refusal(exc, req, "lending.accounts")
    return render_template("lending/consult/accounts.html", req=req, issued=issued)


@bp.route("/lending/requests/<number>/end", methods=["POST"])
@requires(Role.ARCHIVIST)
def consultation_end(number: str) -> ResponseReturnValue:
    req = staff_request(number)
    form = RevokeForm()
    if not form.validate_on_submit():
        return refusal(LendingError("reason_required", 400), req, "lending.revoked")
    try:
        revoke_consultation(req, current_user, form.reason.data or "")
    except LendingError as exc:
        return refusal(exc, req, "lending.revoked")
    flash(_("The consultation was ended and its accounts disabled."), "success")
    return redirect(url_for("lending.detail", number=req.number))


@bp.route("/lending/requests/<number>/letter")
@requires(*STAFF)
def consultation_letter(number: str) -> ResponseReturnValue:
    req = staff_request(number)
    consultation = req.consultation
    if consultation is None or not consultation.letter_key:
        return refusal(LendingError("not_consultation", 409), req, "lending.letter")
    record("lending.letter", file=req.file, target_type="lending_request", target_id=req.number,
           reason=req.number, details=window_details(consultation))
    return serve_object(consultation.letter_key, letter_mime(consultation.letter_key))
