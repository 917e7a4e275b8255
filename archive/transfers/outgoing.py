"""转递: outgoing transfers with their numbered notice and 回执, the chase list, incoming transfers.

Rules (条例 art.25, docs/domain.md#transfers-between-holders): by confidential courier (机要) or two staff, never
by the person; the receiver returns the 回执 at once; one not back within ``DANGAN_TRANSFER_CHASE_DAYS`` is
chased.  A file on loan is not transferred; a transferred file stays in the catalogue as 已转出, never deleted.
Part of :mod:`archive.transfers.operations`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from archive.audit import record
from archive.boundary import after_commit
from archive.catalogue.models import ArchiveFile, Custody, FileStatus
from archive.catalogue.operations import CatalogueError, create_file, update_file
from archive.extensions import db
from archive.geo import HOME_DISTRICT
from archive.idnumbers import InvalidIdNumber, parse_id_number
from archive.messages import Message, msg
from archive.signals import app_sender, file_transferred
from archive.transfers.errors import TransferError, actor, setting
from archive.transfers.models import (
    RelationKind,
    RelationState,
    Transfer,
    TransferDirection,
    TransferStatus,
)
from archive.transfers.receiving import next_archive_no, suggest_slot

__all__ = ["chase_list", "create_transfer", "next_number", "notice_no", "receive_incoming", "record_receipt",
           "register_incoming", "send_transfer", "typed_reason"]


def notice_no(number: int) -> str:
    """``西人档转字第N号`` (the prefix is ``DANGAN_TRANSFER_NOTICE_PREFIX``)."""
    return f"{setting('DANGAN_TRANSFER_NOTICE_PREFIX')}第{number}号"


def next_number(year: int, direction: TransferDirection = TransferDirection.OUT) -> int:
    """The next notice number (numbers run on across years, so a number names one notice)."""
    del year  # kept on the row; the sequence does not restart
    return 1 + (db.session.scalar(select(func.max(Transfer.number)).where(Transfer.direction == direction)) or 0)


def typed_reason(text: str) -> Message:
    """A reason typed by staff, kept as written (personal text is not translated)."""
    return Message("%(reason)s", {"reason": text.strip()})


def _notify(file_ids: list[int], direction: str) -> None:
    app = app_sender()
    after_commit(lambda: file_transferred.send(app, file_ids=file_ids, direction=direction))


def create_transfer(file: ArchiveFile, to: str, *, reason: str, unit: str = "", post: str = "") -> Transfer:
    """Prepare the 转递 of a catalogued file to another holder (``to``: a district or an office)."""
    to = " ".join(to.split())
    if not to or to == HOME_DISTRICT:
        raise TransferError("bad_target", msg("Name the district or office the file goes to"), "to")
    if not reason.strip():
        raise TransferError("missing_reason", msg("Give the reason for the transfer"), "reason")
    _transferable(file)
    if db.session.scalar(select(Transfer.id).where(Transfer.file_id == file.id,
                                                   Transfer.status == TransferStatus.PREPARED)) is not None:
        raise TransferError("transfer_open", msg("A transfer of this file is prepared already"))
    number = next_number(dt.date.today().year)
    person = file.person
    transfer = Transfer(direction=TransferDirection.OUT, year=dt.date.today().year, number=number,
                        notice_no=notice_no(number), file=file, name=person.name if person else file.archive_no,
                        id_number=person.id_number if person else None,
                        unit=unit.strip() or (person.employer if person else ""), post=post.strip(), counterpart=to,
                        reason=typed_reason(reason).as_json(), volumes_original=file.volumes_original,
                        volumes_copy=file.volumes_copy, materials=len(file.materials), created_by=actor(),
                        carriers=[])
    db.session.add(transfer)
    db.session.flush()
    record("transfers.transfer.create", file=file, target_type="transfer", target_id=transfer.id,
           details={"notice_no": transfer.notice_no, "to": to})
    return transfer


def _transferable(file: ArchiveFile) -> None:
    if file.status is FileStatus.ON_LOAN:
        raise TransferError("on_loan", msg("The file is on loan: it can be transferred once it is back"))
    if file.status is FileStatus.TRANSFERRED:
        raise TransferError("transferred", msg("The file was transferred already"))


def send_transfer(transfer: Transfer, *, sent_on: dt.date | None = None, courier: str = "",
                  carriers: Sequence[str] = ()) -> Transfer:
    """Record the sending: by a courier (机要交通), or by exactly two named staff."""
    if transfer.direction is not TransferDirection.OUT:
        raise TransferError("not_outgoing", msg("Only an outgoing transfer is sent"))
    if transfer.status is not TransferStatus.PREPARED:
        raise TransferError("sent_already", msg("This transfer was sent already on %(on)s",
                                                on=transfer.sent_on or "—"))
    people = [" ".join(c.split()) for c in carriers if c and c.strip()]
    courier = " ".join(courier.split())
    if bool(courier) == bool(people) or (people and (len(people) != 2 or people[0] == people[1])):
        raise TransferError("bad_carriers", msg("Give the courier, or the two staff who carry the file (not both)"),
                            "courier")
    if transfer.name in people:
        raise TransferError("carried_by_person", msg("A file is never carried by the person it is about"), "carriers")
    if transfer.file is not None:
        _transferable(transfer.file)
    transfer.status, transfer.sent_on = TransferStatus.SENT, sent_on or dt.date.today()
    transfer.courier, transfer.carriers = courier, people
    moved: list[int] = []
    if transfer.file is not None:
        update_file(transfer.file, status=FileStatus.TRANSFERRED)  # kept, readable, never deleted
        moved.append(transfer.file.id)
    if transfer.entry is not None:
        for relation in transfer.entry.relations:
            if relation.kind is RelationKind.ARCHIVE and relation.state is RelationState.EXPECTED:
                relation.state, relation.recorded_on, relation.recorded_by = (RelationState.PASSED_ON,
                                                                              transfer.sent_on, actor())
    db.session.flush()
    record("transfers.transfer.send", file=transfer.file, target_type="transfer", target_id=transfer.id,
           details={"notice_no": transfer.notice_no, "to": transfer.counterpart,
                    "sent_on": transfer.sent_on.isoformat(), "courier": courier, "carriers": people})
    if moved:
        _notify(moved, "out")
    return transfer


def record_receipt(transfer: Transfer, *, on: dt.date | None = None) -> Transfer:
    """Record the returned 回执: the transfer is closed.  A second time is refused."""
    if transfer.status is TransferStatus.RETURNED:
        raise TransferError("receipt_recorded", msg("The receipt was recorded already on %(on)s",
                                                    on=transfer.returned_on or "—"))
    if transfer.status is not TransferStatus.SENT:
        raise TransferError("not_sent", msg("The transfer has not been sent yet"))
    on = on or dt.date.today()
    if transfer.sent_on and on < transfer.sent_on:
        raise TransferError("receipt_before_sending", msg("The receipt cannot be dated before the sending"), "on")
    transfer.status, transfer.returned_on, transfer.returned_by = TransferStatus.RETURNED, on, actor()
    db.session.flush()
    record("transfers.transfer.receipt", file=transfer.file, target_type="transfer", target_id=transfer.id,
           details={"notice_no": transfer.notice_no, "on": on.isoformat()})
    return transfer


def chase_list(today: dt.date | None = None) -> list[Transfer]:
    """Outgoing transfers whose 回执 is not back ``DANGAN_TRANSFER_CHASE_DAYS`` after sending, oldest first."""
    limit = (today or dt.date.today()) - dt.timedelta(days=int(setting("DANGAN_TRANSFER_CHASE_DAYS")))  # type: ignore[call-overload]
    return list(db.session.scalars(select(Transfer).where(
        Transfer.direction == TransferDirection.OUT, Transfer.status == TransferStatus.SENT,
        Transfer.sent_on <= limit).order_by(Transfer.sent_on, Transfer.id)))


def register_incoming(*, sender: str, their_notice_no: str, name: str, id_number: str, unit: str = "",
                      post: str = "", reason: str = "", volumes_original: int = 1, volumes_copy: int = 0,
                      materials: int = 0) -> Transfer:
    """An incoming 转递 announced by another holder's notice; it is received with :func:`receive_incoming`."""
    if not sender.strip() or not name.strip() or not their_notice_no.strip():
        raise TransferError("missing", msg("Give the sender, their notice number and the name"))
    try:
        number = parse_id_number(id_number.strip()).number
    except InvalidIdNumber as exc:
        raise TransferError("bad_id_number", msg("The ID number is invalid"), "id_number") from exc
    transfer = Transfer(direction=TransferDirection.IN, year=dt.date.today().year,
                        number=next_number(0, TransferDirection.IN), notice_no=their_notice_no.strip()[:64],
                        name=name.strip(), id_number=number, unit=unit.strip(), post=post.strip(),
                        counterpart=sender.strip(), reason=typed_reason(reason).as_json(),
                        volumes_original=volumes_original, volumes_copy=volumes_copy, materials=materials,
                        status=TransferStatus.SENT, created_by=actor(), carriers=[])
    db.session.add(transfer)
    db.session.flush()
    record("transfers.incoming.create", target_type="transfer", target_id=transfer.id,
           details={"notice_no": transfer.notice_no, "from": transfer.counterpart})
    return transfer


def receive_incoming(transfer: Transfer, *, street: str | None, place: tuple[str, ...] | None = None,
                     **person: Any) -> Transfer:
    """Receive an incoming file the same way as a batch's: a 档号, a place, and our 回执 recorded as returned."""
    if transfer.direction is not TransferDirection.IN:
        raise TransferError("not_incoming", msg("Only an incoming transfer is received"))
    if transfer.status is TransferStatus.RETURNED:
        raise TransferError("received_already", msg("This file was received already"))
    room, row_no, rack, shelf, cell = place or suggest_slot(street) or ("", "", "", "", "")
    try:
        file = create_file(next_archive_no(), person={"name": transfer.name, "id_number": transfer.id_number,
                                                      "employer": transfer.unit, **person},
                           volumes_original=transfer.volumes_original, volumes_copy=transfer.volumes_copy,
                           custody=Custody.DISTRICT, street=street, room=room, row_no=row_no, rack=rack, shelf=shelf,
                           cell=cell)
    except CatalogueError as exc:
        raise TransferError(exc.code, msg("The file could not be catalogued (%(code)s)", code=exc.code)) from exc
    transfer.file, transfer.status = file, TransferStatus.RETURNED
    transfer.returned_on, transfer.returned_by = dt.date.today(), actor()
    db.session.flush()
    record("transfers.incoming.receive", file=file, target_type="transfer", target_id=transfer.id,
           details={"notice_no": transfer.notice_no, "from": transfer.counterpart})
    _notify([file.id], "in")
    return transfer
