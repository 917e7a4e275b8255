"""Receiving (接收): checking arriving files against the 名册, 档号 and shelf places, the statement, closing.

A received file of ours becomes a catalogue file (:func:`archive.catalogue.operations.create_file`) under the
next 档号 and in the suggested next free place of a storeroom, ready for 目录建库; its 档案关系 is received
with it.  A file routed to another district is checked in and waits for its 转递.  A batch closes (签收单)
only when no row is left unaccounted for.  Part of :mod:`archive.transfers.operations`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from sqlalchemy import func, select

from archive.audit import record
from archive.catalogue.models import ArchiveFile, Custody
from archive.catalogue.operations import CatalogueError, create_file
from archive.extensions import db
from archive.geo import HOME_DISTRICT
from archive.idnumbers import InvalidIdNumber, parse_id_number
from archive.messages import msg
from archive.timeutil import utcnow
from archive.transfers.errors import TransferError, actor, setting
from archive.transfers.models import (
    BatchStatus,
    EntryStatus,
    RelationKind,
    RelationState,
    RosterEntry,
    Storeroom,
    TransferBatch,
)

__all__ = ["OUTCOMES", "add_extra", "close_batch", "create_storeroom", "next_archive_no", "receive_entry",
           "record_statement", "suggest_slot", "unaccounted"]

OUTCOMES = ("received", "damaged", "missing")
Slot = tuple[str, str, str, str, str]  # room, 排, 架, 层, 格


def _open(batch: TransferBatch) -> None:
    if batch.status is not BatchStatus.OPEN:
        raise TransferError("batch_closed", msg("The batch is closed: its receipt has been issued"))


def next_archive_no(year: int | None = None) -> str:
    """The next free 档号 of the configured form (``DANGAN_ARCHIVE_NO_FORMAT``, e.g. ``XC-{year}-{seq:06d}``)."""
    form = str(setting("DANGAN_ARCHIVE_NO_FORMAT"))
    year = year or dt.date.today().year
    prefix = form.split("{seq", 1)[0].format(year=year)
    numbers = db.session.scalars(select(ArchiveFile.archive_no).where(ArchiveFile.archive_no.startswith(prefix)))
    seq = 1 + max((int(m[1]) for n in numbers if (m := re.match(r"(\d+)", n[len(prefix):]))), default=0)
    return form.format(year=year, seq=seq).upper()


def create_storeroom(name: str, *, rows: int, racks: int, shelves: int, cells: int, cell_capacity: int,
                     street: str | None = None) -> Storeroom:
    """A storeroom (库房) of 排 × 架 × 层 × 格 places, each holding ``cell_capacity`` files."""
    name = name.strip()
    sizes = (rows, racks, shelves, cells, cell_capacity)
    if not name or any(n < 1 for n in sizes):
        raise TransferError("bad_storeroom", msg("A storeroom needs a name and sizes of at least 1"))
    if db.session.scalar(select(Storeroom.id).where(Storeroom.name == name)) is not None:
        raise TransferError("storeroom_exists", msg("A storeroom named %(name)s exists already", name=name), "name")
    room = Storeroom(name=name, rows=rows, racks=racks, shelves=shelves, cells=cells, cell_capacity=cell_capacity,
                     street=street)
    db.session.add(room)
    db.session.flush()
    record("transfers.storeroom.create", target_type="storeroom", target_id=room.id,
           details={"name": name, "sizes": list(sizes), "street": street})
    return room


def room_use(room: Storeroom) -> dict[tuple[str, str, str, str], int]:
    """Files per place of a storeroom."""
    stmt = (select(ArchiveFile.row_no, ArchiveFile.rack, ArchiveFile.shelf, ArchiveFile.cell, func.count())
            .where(ArchiveFile.room == room.name)
            .group_by(ArchiveFile.row_no, ArchiveFile.rack, ArchiveFile.shelf, ArchiveFile.cell))
    return {(a, b, c, d): n for a, b, c, d, n in db.session.execute(stmt)}


def suggest_slot(street: str | None = None, *, taken: dict[Slot, int] | None = None) -> Slot | None:
    """The next free place: the district store's rooms first (central holding, work plan §二(四)).

    ``taken`` counts places handed out in this transaction but not yet flushed into files.
    """
    rooms = list(db.session.scalars(select(Storeroom).order_by(Storeroom.street.is_not(None), Storeroom.name)))
    for room in rooms:
        if room.street is not None and room.street != street:
            continue
        use = room_use(room)
        for r in range(1, room.rows + 1):
            for k in range(1, room.racks + 1):
                for s in range(1, room.shelves + 1):
                    for c in range(1, room.cells + 1):
                        place = (str(r), str(k), str(s), str(c))
                        extra = (taken or {}).get((room.name, *place), 0)
                        if use.get(place, 0) + extra < room.cell_capacity:
                            return (room.name, *place)
    return None


def _count(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise TransferError("bad_count", msg("“%(value)s” is not a number of 0 or more", value=value), name)
    return number


def receive_entry(entry: RosterEntry, outcome: str, *, volumes_original: Any = None, volumes_copy: Any = None,
                  materials: Any = None, note: str = "", place: Slot | None = None) -> RosterEntry:
    """Check one arriving file against its 名册 row: ``received``, ``damaged`` (received, damaged) or ``missing``.

    Counts left empty are taken as listed.  A received file of ours gets its 档号 and a place (``place``, else
    the suggested next free one); the place may be none when no storeroom has room (it is set later).
    """
    _open(entry.batch)
    if outcome not in OUTCOMES:
        raise TransferError("bad_outcome", msg("Choose received, damaged or missing"), "outcome")
    if entry.checked_at is not None or entry.status in (EntryStatus.RECEIVED, EntryStatus.MISSING):
        raise TransferError("checked_already", msg("%(name)s was checked in already", name=entry.name))
    counts = {k: _count(v, k) for k, v in (("volumes_original", volumes_original), ("volumes_copy", volumes_copy),
                                            ("materials", materials))}
    entry.checked_at, entry.checked_by, entry.note = utcnow(), actor(), note.strip()
    file = None
    if outcome == "missing":
        entry.status = EntryStatus.MISSING
    else:
        entry.damaged = outcome == "damaged"
        entry.received_volumes_original = _or(counts["volumes_original"], entry.volumes_original)
        entry.received_volumes_copy = _or(counts["volumes_copy"], entry.volumes_copy)
        entry.received_materials = _or(counts["materials"], entry.materials)
        if entry.archive_to == HOME_DISTRICT:
            entry.status = EntryStatus.RECEIVED
            file = _catalogue(entry, place or suggest_slot(entry.street))
    db.session.flush()
    record("transfers.receive", file=file, target_type="transfer_entry", target_id=entry.id,
           details={"batch": entry.batch_id, "outcome": outcome, "differences": entry.differences,
                    "archive_no": file.archive_no if file else None, "elsewhere": entry.archive_to != HOME_DISTRICT})
    return entry


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _catalogue(entry: RosterEntry, place: Slot | None) -> ArchiveFile:
    notes = " ".join(x for x in ("破损" if entry.damaged else "", entry.note) if x)
    room, row_no, rack, shelf, cell = place or ("", "", "", "", "")
    person = {"name": entry.name, "sex": entry.sex, "id_number": entry.id_number, "birth_date": entry.birth_date,
              "employer": entry.batch.enterprise, "employer_level": entry.batch.level.value,
              "retired_on": entry.retired_on, "hukou_district": entry.hukou_district,
              "hukou_street": entry.hukou_street, "residence_district": entry.residence_district,
              "residence_street": entry.residence_street, "party_member": entry.party_member}
    try:
        file = create_file(next_archive_no(), person=person, volumes_original=entry.received_volumes_original or 0,
                           volumes_copy=entry.received_volumes_copy or 0, custody=Custody.DISTRICT,
                           street=entry.street, room=room, row_no=row_no, rack=rack, shelf=shelf, cell=cell,
                           notes=notes[:2000])
    except CatalogueError as exc:  # a 档号 taken between the look-up and the insert: say so, do not crash
        raise TransferError(exc.code, msg("The file could not be catalogued (%(code)s): try again",
                                          code=exc.code)) from exc
    entry.file_id = file.id
    for relation in entry.relations:
        if relation.kind is RelationKind.ARCHIVE and relation.state is RelationState.EXPECTED:
            relation.state, relation.recorded_on, relation.recorded_by = (RelationState.RECEIVED, dt.date.today(),
                                                                          actor())
    return file


def add_extra(batch: TransferBatch, *, name: str, id_number: str, volumes_original: Any = 1,
              volumes_copy: Any = 0, materials: Any = 0, note: str = "") -> RosterEntry:
    """Record a file that arrived but is not on the 名册 (多出): listed on the 签收单, not catalogued."""
    _open(batch)
    name = " ".join(name.split())
    if not name:
        raise TransferError("missing_name", msg("The name is empty"), "name")
    try:
        number = parse_id_number(id_number.strip()).number
    except InvalidIdNumber as exc:
        raise TransferError("bad_id_number", msg("The ID number is invalid"), "id_number") from exc
    if db.session.scalar(select(RosterEntry.id).where(RosterEntry.id_number == number)) is not None:
        raise TransferError("duplicate", msg("This person is already on a list: check the file in there"),
                            "id_number")
    entry = RosterEntry(batch=batch, name=name, id_number=number, sex=parse_id_number(number).sex, extra=True,
                        archive_to=HOME_DISTRICT, status=EntryStatus.RECEIVED, checked_at=utcnow(),
                        checked_by=actor(), note=note.strip(), reason=msg("Not on the list").as_json(),
                        received_volumes_original=_count(volumes_original, "volumes_original"),
                        received_volumes_copy=_count(volumes_copy, "volumes_copy"),
                        received_materials=_count(materials, "materials"), volumes_original=0, volumes_copy=0,
                        materials=0)
    db.session.add(entry)
    db.session.flush()
    record("transfers.extra", target_type="transfer_entry", target_id=entry.id, details={"batch": batch.id})
    return entry


def record_statement(batch: TransferBatch, text: str, *, data: bytes | None = None, filename: str = "") -> None:
    """The enterprise's written statement on missing materials: its text, and its scan or PDF if uploaded."""
    from archive.objects import get_store

    _open(batch)
    batch.statement_text = text.strip()
    if data:
        sha = hashlib.sha256(data).hexdigest()
        suffix = re.sub(r"[^a-z0-9]", "", filename.rsplit(".", 1)[-1].lower())[:5] if "." in filename else "bin"
        key = f"transfers/statements/{batch.id}/{sha}.{suffix or 'bin'}"
        store = get_store()
        if not store.exists(key):
            store.put(key, data)
        batch.statement_key, batch.statement_name = key, filename[:200]
    db.session.flush()
    record("transfers.statement", target_type="transfer_batch", target_id=batch.id,
           details={"chars": len(batch.statement_text), "upload": batch.statement_name or None})


def unaccounted(batch: TransferBatch) -> list[RosterEntry]:
    """Rows neither received nor reported missing (files routed elsewhere count once checked in)."""
    return [e for e in batch.entries if e.checked_at is None and e.status in (EntryStatus.EXPECTED,
                                                                                EntryStatus.ELSEWHERE)]


def close_batch(batch: TransferBatch) -> TransferBatch:
    """Close the batch (签收单); refused while any row is unaccounted for."""
    _open(batch)
    left = unaccounted(batch)
    if not batch.entries:
        raise TransferError("empty_batch", msg("The batch has no list yet: import its transfer list first"))
    if left:
        raise TransferError("unaccounted", msg("%(n)s files are not accounted for (e.g. %(name)s): record each as "
                                               "received or missing first", n=len(left), name=left[0].name))
    batch.status, batch.closed_at, batch.closed_by = BatchStatus.CLOSED, utcnow(), actor()
    db.session.flush()
    counts = {s.value: sum(1 for e in batch.entries if e.status is s) for s in EntryStatus}
    record("transfers.batch.close", target_type="transfer_batch", target_id=batch.id,
           details={**counts, "extra": sum(1 for e in batch.entries if e.extra)})
    return batch
