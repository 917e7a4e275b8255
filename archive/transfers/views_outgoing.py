"""Transfers pages, second half: 转递, a file's transfer and relations, storerooms, the routing tool.

转递: the list, the chase list, sending, the 回执 and the notice PDF.  Same blueprint as
:mod:`archive.transfers.views`.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from archive.access import ensure_street, requires
from archive.audit import record
from archive.catalogue.scope import get_file_or_404
from archive.extensions import db
from archive.roles import Role
from archive.transfers import operations as ops
from archive.transfers.forms import (
    FileTransferForm,
    IncomingForm,
    IncomingReceiveForm,
    ReceiptForm,
    RelationForm,
    RouteForm,
    SendForm,
    StoreroomForm,
)
from archive.transfers.models import Relation, Storeroom, Transfer, TransferDirection
from archive.transfers.pdf import notice_pdf
from archive.transfers.receiving import room_use
from archive.transfers.routing import RoutingError, parse_place, route
from archive.transfers.views import STAFF, _form_errors, _is_archivist, _refused, bp


def _transfer_or_404(transfer_id: int) -> Transfer:
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None:
        abort(404)
    street = transfer.file.street if transfer.file else (transfer.entry.street if transfer.entry else None)
    ensure_street(street)
    return transfer


@bp.route("/outgoing")
@requires(*STAFF)
def outgoing() -> ResponseReturnValue:
    ensure_street(None)
    status = request.args.get("status") or ""
    stmt = select(Transfer).order_by(Transfer.id.desc()).limit(500)
    if status:
        stmt = stmt.where(Transfer.status == status)
    transfers = list(db.session.scalars(stmt))
    chase = ops.chase_list()
    record("transfers.outgoing.view", details={"shown": len(transfers), "chase": len(chase)})
    return render_template("transfers/outgoing.html", transfers=transfers, chase=chase, status=status,
                           incoming_form=IncomingForm(), can_edit=_is_archivist())


@bp.route("/incoming", methods=["POST"])
@requires(Role.ARCHIVIST)
def incoming_new() -> ResponseReturnValue:
    """An incoming 转递 announced by another holder's notice."""
    ensure_street(None)
    form = IncomingForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("transfers.outgoing"))
    try:
        created = ops.register_incoming(sender=form.sender.data or "", their_notice_no=form.their_notice_no.data or "",
                                        name=form.name.data or "", id_number=form.id_number.data or "",
                                        unit=form.unit.data or "", reason=form.reason.data or "",
                                        volumes_original=form.volumes_original.data or 0,
                                        volumes_copy=form.volumes_copy.data or 0, materials=form.materials.data or 0)
    except ops.TransferError as exc:
        _refused(exc)
        return redirect(url_for("transfers.outgoing"))
    return redirect(url_for("transfers.transfer", transfer_id=created.id))


@bp.route("/<int:transfer_id>/receive", methods=["POST"])
@requires(Role.ARCHIVIST)
def incoming_receive(transfer_id: int) -> ResponseReturnValue:
    """Receive an incoming file: a 档号, a shelf place, the serving street."""
    transfer = _transfer_or_404(transfer_id)
    form = IncomingReceiveForm()
    if form.validate_on_submit():
        try:
            ops.receive_incoming(transfer, street=form.street.data or None)
            assert transfer.file is not None
            flash(_("%(name)s received as %(no)s, place %(place)s.", name=transfer.name, no=transfer.file.archive_no,
                    place=transfer.file.location or "—"), "success")
        except ops.TransferError as exc:
            _refused(exc)
    else:
        _form_errors(form)
    return redirect(url_for("transfers.transfer", transfer_id=transfer.id))


@bp.route("/<int:transfer_id>")
@requires(*STAFF)
def transfer(transfer_id: int) -> ResponseReturnValue:
    transfer = _transfer_or_404(transfer_id)
    record("transfers.transfer.view", file=transfer.file, target_type="transfer", target_id=transfer.id)
    return render_template("transfers/transfer.html", transfer=transfer, send_form=SendForm(),
                           receipt_form=ReceiptForm(), receive_form=IncomingReceiveForm(), can_edit=_is_archivist(),
                           Direction=TransferDirection)


@bp.route("/<int:transfer_id>/send", methods=["POST"])
@requires(Role.ARCHIVIST)
def transfer_send(transfer_id: int) -> ResponseReturnValue:
    transfer = _transfer_or_404(transfer_id)
    form = SendForm()
    if form.validate_on_submit():
        try:
            ops.send_transfer(transfer, sent_on=form.sent_on.data, courier=form.courier.data or "",
                              carriers=[form.carrier1.data or "", form.carrier2.data or ""])
            flash(_("Sent: the receipt is expected back."), "success")
        except ops.TransferError as exc:
            _refused(exc)
    else:
        _form_errors(form)
    return redirect(url_for("transfers.transfer", transfer_id=transfer.id))


@bp.route("/<int:transfer_id>/receipt", methods=["POST"])
@requires(Role.ARCHIVIST)
def transfer_receipt(transfer_id: int) -> ResponseReturnValue:
    transfer = _transfer_or_404(transfer_id)
    form = ReceiptForm()
    if form.validate_on_submit():
        try:
            ops.record_receipt(transfer, on=form.returned_on.data)
            flash(_("The receipt is recorded: the transfer is closed."), "success")
        except ops.TransferError as exc:
            _refused(exc)
    else:
        _form_errors(form)
    return redirect(url_for("transfers.transfer", transfer_id=transfer.id))


@bp.route("/<int:transfer_id>/notice.pdf")
@requires(*STAFF)
def transfer_notice(transfer_id: int) -> ResponseReturnValue:
    transfer = _transfer_or_404(transfer_id)
    data = notice_pdf(transfer)
    record("transfers.notice.pdf", file=transfer.file, target_type="transfer", target_id=transfer.id,
           details={"notice_no": transfer.notice_no})
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=f"转递通知单-{transfer.id}.pdf")


@bp.route("/files/<int:file_id>/transfer", methods=["POST"])
@requires(Role.ARCHIVIST)
def file_transfer(file_id: int) -> ResponseReturnValue:
    file = get_file_or_404(file_id)  # 404/403 before anything else
    form = FileTransferForm()
    if form.validate_on_submit():
        try:
            created = ops.create_transfer(file, form.to.data or "", reason=form.reason.data or "",
                                          post=form.post.data or "")
            flash(_("Transfer %(no)s prepared.", no=created.notice_no), "success")
            return redirect(url_for("transfers.transfer", transfer_id=created.id))
        except ops.TransferError as exc:
            _refused(exc)
            record("transfers.transfer.create", outcome="failed", file=file, details={"code": exc.code})
    else:
        _form_errors(form)
        record("transfers.transfer.create", outcome="failed", file=file, details={"code": "form"})
    return redirect(url_for("catalogue.file_detail", file_id=file.id))


@bp.route("/relations/<int:relation_id>", methods=["POST"])
@requires(Role.ARCHIVIST)
def relation_record(relation_id: int) -> ResponseReturnValue:
    relation = db.session.get(Relation, relation_id)
    if relation is None:
        abort(404)
    ensure_street(relation.entry.street)
    form = RelationForm()
    if form.validate_on_submit():
        try:
            ops.record_relation(relation, form.state.data or "")
            flash(_("Recorded."), "success")
        except ops.TransferError as exc:
            _refused(exc)
    else:
        _form_errors(form)
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("transfers.batch", batch_id=relation.entry.batch_id))


@bp.route("/storerooms", methods=["GET", "POST"])
@requires(*STAFF)
def storerooms() -> ResponseReturnValue:
    ensure_street(None)
    form = StoreroomForm()
    if request.method == "POST":
        if not _is_archivist():
            abort(403)
        if form.validate_on_submit():
            try:
                ops.create_storeroom(form.name.data or "", rows=form.rows.data or 0, racks=form.racks.data or 0,
                                     shelves=form.shelves.data or 0, cells=form.cells.data or 0,
                                     cell_capacity=form.cell_capacity.data or 0, street=form.street.data or None)
                flash(_("Storeroom created."), "success")
                return redirect(url_for("transfers.storerooms"))
            except ops.TransferError as exc:
                _refused(exc)
        else:
            _form_errors(form)
    rooms = list(db.session.scalars(select(Storeroom).order_by(Storeroom.name)))
    use = {room.id: sum(room_use(room).values()) for room in rooms}
    record("transfers.storerooms.view", details={"rooms": len(rooms)})
    return render_template("transfers/storerooms.html", rooms=rooms, use=use, form=form, can_edit=_is_archivist(),
                           next_slot=ops.suggest_slot())


@bp.route("/route")
@requires(*STAFF)
def route_tool() -> ResponseReturnValue:
    form = RouteForm(request.args)
    result = error = None
    if request.args.get("hukou_district") is not None:
        try:
            result = route(form.level.data or "municipal",
                           parse_place(form.hukou_district.data, form.hukou_street.data, field="hukou"),
                           parse_place(form.residence_district.data, form.residence_street.data, field="residence"),
                           form.party.data == "yes")
        except RoutingError as exc:
            error = exc
    record("transfers.route", details={"routed": result is not None, "error": error.code if error else None})
    return render_template("transfers/route.html", form=form, result=result, error=error)
