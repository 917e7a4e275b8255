"""Transfers pages: batches, the 名册 import, receiving, the 签收单; 转递 pages are in :mod:`.views_outgoing`.

Every view declares its roles and checks the street scope of what it addresses before acting: batches span
streets, so their pages are for district staff; a 名册 row is checked in by staff of its street.  Changes go
through :mod:`archive.transfers.operations`, which record their events; reads record theirs here.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from archive.access import ensure_street, requires
from archive.audit import record
from archive.extensions import db
from archive.formutil import ConfirmForm
from archive.messages import Message
from archive.pagination import paginate
from archive.roles import Role
from archive.transfers import operations as ops
from archive.transfers.forms import (
    ENTRY_LABELS,
    LEVEL_LABELS,
    RELATION_LABELS,
    RELATION_OFFICES,
    STATE_LABELS,
    TRANSFER_LABELS,
    BatchForm,
    ExtraForm,
    ReceiveForm,
    RelationForm,
    RosterForm,
    StatementForm,
)
from archive.transfers.models import EntryStatus, RosterEntry, Transfer, TransferBatch
from archive.transfers.pdf import receipt_pdf

bp = Blueprint("transfers", __name__, url_prefix="/transfers")

STAFF = (Role.ARCHIVIST, Role.APPROVER)


@bp.app_context_processor
def _labels() -> dict[str, object]:
    return {"ENTRY_LABELS": ENTRY_LABELS, "BATCH_LEVELS": LEVEL_LABELS, "RELATION_LABELS": RELATION_LABELS,
            "RELATION_OFFICES": RELATION_OFFICES, "RELATION_STATE_LABELS": STATE_LABELS,
            "TRANSFER_LABELS": TRANSFER_LABELS}


@bp.app_template_filter("said")
def _said(data: dict[str, Any] | None) -> str:
    """A stored message (code + params) in the reader's language."""
    return str(Message.from_json(data)) if data else ""


def _batch_or_404(batch_id: int) -> TransferBatch:
    ensure_street(None)  # a batch spans streets: district staff only
    batch = db.session.get(TransferBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


def _refused(exc: ops.TransferError) -> None:
    flash(str(exc.message), "danger")


def _form_errors(form: Any) -> None:
    for name, errors in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        flash(f"{label.text if label else name}: {'; '.join(str(e) for e in errors)}", "danger")


@bp.route("/")
@requires(*STAFF)
def index() -> ResponseReturnValue:
    ensure_street(None)
    counts = dict(db.session.execute(select(RosterEntry.batch_id, func.count()).group_by(RosterEntry.batch_id)).all())
    batches = list(db.session.scalars(select(TransferBatch).order_by(TransferBatch.id.desc()).limit(200)))
    record("transfers.batches.view", details={"shown": len(batches)})
    return render_template("transfers/index.html", batches=batches, counts=counts, form=BatchForm(),
                           chase=len(ops.chase_list()))


@bp.route("/batches", methods=["POST"])
@requires(Role.ARCHIVIST)
def batch_new() -> ResponseReturnValue:
    ensure_street(None)
    form = BatchForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("transfers.index"))
    try:
        batch = ops.open_batch(form.enterprise.data or "", form.level.data or "", group_name=form.group_name.data or "",
                               contact=form.contact.data or "", phone=form.phone.data or "",
                               approval_ref=form.approval_ref.data or "", approval_date=form.approval_date.data,
                               expected_on=form.expected_on.data)
    except ops.TransferError as exc:
        _refused(exc)
        return redirect(url_for("transfers.index"))
    flash(_("Batch %(id)s opened.", id=batch.id), "success")
    return redirect(url_for("transfers.batch", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>")
@requires(*STAFF)
def batch(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    status = request.args.get("status") or ""
    stmt = select(RosterEntry).where(RosterEntry.batch_id == batch.id)
    if status in {s.value for s in EntryStatus}:
        stmt = stmt.where(RosterEntry.status == status)
    page = paginate(stmt.order_by(RosterEntry.extra, RosterEntry.row_no, RosterEntry.id),
                    per_page=current_app.config["DANGAN_PAGE_SIZE"] * 4)
    totals = dict(db.session.execute(select(RosterEntry.status, func.count()).where(RosterEntry.batch_id == batch.id)
                                     .group_by(RosterEntry.status)).all())
    record("transfers.batch.view", target_type="transfer_batch", target_id=batch.id,
           details={"page": page.page, "shown": len(page.items)})
    return render_template("transfers/batch.html", batch=batch, page=page, totals=totals, status=status,
                           roster_form=RosterForm(), receive_form=ReceiveForm(), extra_form=ExtraForm(),
                           statement_form=StatementForm(), confirm=ConfirmForm(),
                           unaccounted=len(ops.unaccounted(batch)), can_edit=_is_archivist())


def _is_archivist() -> bool:
    from flask_login import current_user

    return bool(current_user.role_enum is Role.ARCHIVIST)


@bp.route("/batches/<int:batch_id>/import", methods=["POST"])
@requires(Role.ARCHIVIST)
def batch_import(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    form = RosterForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("transfers.batch", batch_id=batch.id))
    upload = form.roster.data
    name = Path((upload.filename or "roster").replace("\\", "/")).name
    suffix = ".xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    with tempfile.TemporaryDirectory(prefix="dangan-roster-") as tmp:
        path = Path(tmp) / f"roster{suffix}"
        upload.save(path)
        try:
            outcome = ops.import_roster(batch, path, source_name=name)
        except ops.TransferError as exc:
            _refused(exc)
            return redirect(url_for("transfers.batch", batch_id=batch.id))
    if outcome.ok:
        flash(_("Imported %(rows)s rows: %(ours)s files expected here, %(elsewhere)s routed to other districts.",
                rows=outcome.rows, ours=outcome.expected_files, elsewhere=outcome.routed_elsewhere), "success")
    else:
        flash(_("Nothing was imported: %(n)s problems in the list. Correct them and import it again.",
                n=len(outcome.errors)), "danger")
    return render_template("transfers/import_result.html", batch=batch, outcome=outcome, source=name)


@bp.route("/entries/<int:entry_id>/receive", methods=["POST"])
@requires(Role.ARCHIVIST)
def entry_receive(entry_id: int) -> ResponseReturnValue:
    entry = db.session.get(RosterEntry, entry_id)
    if entry is None:
        abort(404)
    ensure_street(entry.street)
    form = ReceiveForm()
    back = url_for("transfers.batch", batch_id=entry.batch_id, status=request.args.get("status") or None)
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(back)
    try:
        ops.receive_entry(entry, form.outcome.data or "", volumes_original=form.volumes_original.data,
                          volumes_copy=form.volumes_copy.data, materials=form.materials.data,
                          note=form.note.data or "")
    except ops.TransferError as exc:
        _refused(exc)
        return redirect(back)
    if entry.file is not None:
        flash(_("%(name)s received as %(no)s, place %(place)s.", name=entry.name, no=entry.file.archive_no,
                place=entry.file.location or "—"), "success")
    else:
        flash(_("%(name)s recorded: %(state)s.", name=entry.name, state=ENTRY_LABELS[entry.status]), "success")
    return redirect(back)


@bp.route("/entries/<int:entry_id>")
@requires(*STAFF)
def entry(entry_id: int) -> ResponseReturnValue:
    """One 名册 row: its routing and its relations, which each office records here."""
    entry = db.session.get(RosterEntry, entry_id)
    if entry is None:
        abort(404)
    ensure_street(entry.street)
    transfers = list(db.session.scalars(select(Transfer).where(Transfer.entry_id == entry.id)))
    record("transfers.entry.view", file=entry.file, target_type="transfer_entry", target_id=entry.id,
           details={"full_id_shown": _is_archivist()})
    return render_template("transfers/entry.html", e=entry, transfers=transfers, full_id=_is_archivist(),
                           relation_form=RelationForm(), can_edit=_is_archivist())


@bp.route("/batches/<int:batch_id>/extra", methods=["POST"])
@requires(Role.ARCHIVIST)
def batch_extra(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    form = ExtraForm()
    if form.validate_on_submit():
        try:
            ops.add_extra(batch, name=form.name.data or "", id_number=form.id_number.data or "",
                          volumes_original=form.volumes_original.data, volumes_copy=form.volumes_copy.data,
                          materials=form.materials.data, note=form.note.data or "")
            flash(_("The extra file was recorded."), "success")
        except ops.TransferError as exc:
            _refused(exc)
    else:
        _form_errors(form)
    return redirect(url_for("transfers.batch", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>/statement", methods=["POST"])
@requires(Role.ARCHIVIST)
def batch_statement(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    form = StatementForm()
    if form.validate_on_submit():
        upload = form.upload.data
        data = upload.read() if upload and getattr(upload, "filename", "") else None
        try:
            ops.record_statement(batch, form.text.data or "", data=data,
                                 filename=Path((upload.filename or "").replace("\\", "/")).name if data else "")
            flash(_("The statement was saved."), "success")
        except ops.TransferError as exc:
            _refused(exc)
    else:
        _form_errors(form)
    return redirect(url_for("transfers.batch", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>/close", methods=["POST"])
@requires(Role.ARCHIVIST)
def batch_close(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    if ConfirmForm().validate_on_submit():
        try:
            ops.close_batch(batch)
            flash(_("The batch is closed: print the receipt for both sides to sign."), "success")
        except ops.TransferError as exc:
            _refused(exc)
    return redirect(url_for("transfers.batch", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>/receipt.pdf")
@requires(*STAFF)
def batch_receipt(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    data = receipt_pdf(batch)
    record("transfers.receipt.pdf", target_type="transfer_batch", target_id=batch.id,
           details={"entries": len(batch.entries), "closed": batch.closed_at is not None})
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False,
                     download_name=f"签收单-{batch.id}.pdf")
