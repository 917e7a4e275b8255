"""The 名册 import: read, check against the database, route, and write a batch's rows — all of them or none.

New rows are written in bulk (one multi-row INSERT per table: entries, their relations, their outgoing
transfers), since a 名册 holds thousands of people; rows already on the batch (a corrected 名册 imported
again) are updated through the ORM.  Part of :mod:`archive.transfers.operations`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from archive.audit import record
from archive.catalogue.models import ArchiveFile, Person
from archive.extensions import db
from archive.messages import msg
from archive.timeutil import utcnow
from archive.transfers.errors import TransferError, actor
from archive.transfers.models import (
    BatchStatus,
    EntryStatus,
    Relation,
    RelationKind,
    RelationState,
    RosterEntry,
    Transfer,
    TransferBatch,
    TransferDirection,
    TransferStatus,
)
from archive.transfers.outgoing import next_number, notice_no
from archive.transfers.roster import RosterData, RosterRow, RowError, read_roster
from archive.transfers.routing import Routing

__all__ = ["ImportOutcome", "import_roster"]

_CHUNK = 900  # ids per IN (…): below SQLite's and PostgreSQL's parameter limits


@dataclass
class ImportOutcome:
    """What one 名册 import did; ``errors`` non-empty means nothing was imported."""

    batch_id: int
    rows: int = 0
    expected_files: int = 0
    routed_elsewhere: int = 0
    updated: int = 0
    removed: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)  # people already held: reported, not added

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """The command's JSON: the issue's keys, plus ``skipped`` (people already held)."""
        return {"batch": self.batch_id, "rows": self.rows, "expected_files": self.expected_files,
                "routed_elsewhere": self.routed_elsewhere, "errors": [e.as_dict() for e in self.errors],
                "skipped": [e.as_dict() for e in self.skipped]}



def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def import_roster(batch: TransferBatch, path: Path, *, source_name: str = "") -> ImportOutcome:
    """Read, check and route a 名册; all rows or none.

    A corrected 名册 imported again updates the batch's expected rows (people matched by 身份证号) and
    removes rows no longer on it that are still only expected; nobody is added twice.  People already held
    in the catalogue are reported in ``skipped`` and not added; people on another batch's 名册 are errors.
    """
    outcome = ImportOutcome(batch.id)
    if batch.status is not BatchStatus.OPEN:
        raise TransferError("batch_closed", msg("The batch is closed: its receipt has been issued"))
    data = read_roster(path, batch.level.value)
    outcome.rows = data.count
    outcome.errors.extend(data.errors)
    ids = [r.id_number for r in data.rows]
    mine = {e.id_number: e for e in db.session.scalars(
        select(RosterEntry).where(RosterEntry.batch_id == batch.id).options(selectinload(RosterEntry.relations)))}
    _check_elsewhere(batch, data, ids, outcome)
    held = _held(ids, mine)
    summary: dict[str, Any] = {"source": source_name or path.name, "rows": outcome.rows}
    if outcome.errors:
        outcome.errors.sort(key=lambda e: (e.row or 0, e.field or ""))
        record("transfers.import", outcome="failed", target_type="transfer_batch", target_id=batch.id,
               details={**summary, "errors": len(outcome.errors),
                        "first_errors": [e.as_json() for e in outcome.errors[:50]]})
        return outcome
    year = dt.date.today().year
    number = next_number(year)
    wanted = set()
    fresh: list[RosterRow] = []
    for row in data.rows:
        if row.id_number in held:
            outcome.skipped.append(RowError(row.row, "身份证号", "already_held", msg(
                "%(name)s is already held (file %(no)s): not added again", name=row.name, no=held[row.id_number])))
            continue
        wanted.add(row.id_number)
        entry = mine.get(row.id_number)
        if entry is None:
            fresh.append(row)
        elif entry.status not in (EntryStatus.EXPECTED, EntryStatus.ELSEWHERE) or entry.extra:
            continue  # already checked in: the 名册 no longer decides
        else:
            outcome.updated += 1
            number = _apply(entry, row, batch, year, number)
        if row.routing.routed_elsewhere:
            outcome.routed_elsewhere += 1
        else:
            outcome.expected_files += 1
    for id_number, entry in mine.items():
        if id_number not in wanted and id_number not in held and not entry.extra and entry.status in (
                EntryStatus.EXPECTED, EntryStatus.ELSEWHERE) and _prepared_only(entry):
            _drop(entry)
            outcome.removed += 1
    _insert(batch, fresh, year, number)
    batch.roster_name = (source_name or path.name)[:200]
    db.session.flush()
    db.session.expire(batch, ["entries"])
    record("transfers.import", target_type="transfer_batch", target_id=batch.id,
           details={**summary, "expected_files": outcome.expected_files, "routed_elsewhere": outcome.routed_elsewhere,
                    "updated": outcome.updated, "removed": outcome.removed, "skipped": len(outcome.skipped)})
    return outcome


def _check_elsewhere(batch: TransferBatch, data: RosterData, ids: list[str], outcome: ImportOutcome) -> None:
    """People on another batch's 名册 are errors: one person is expected once."""
    rows = {r.id_number: r for r in data.rows}
    for chunk in _chunks(ids):
        stmt = (select(RosterEntry.id_number, RosterEntry.row_no, TransferBatch.id, TransferBatch.enterprise)
                .join(TransferBatch, RosterEntry.batch_id == TransferBatch.id)
                .where(RosterEntry.id_number.in_(chunk), RosterEntry.batch_id != batch.id))
        for id_number, row_no, other_id, enterprise in db.session.execute(stmt):
            outcome.errors.append(RowError(rows[id_number].row, "身份证号", "duplicate_batch", msg(
                "This person is already on the list of batch %(batch)s (%(enterprise)s), row %(row)s",
                batch=other_id, enterprise=enterprise, row=row_no or "—")))


def _held(ids: list[str], mine: dict[str, RosterEntry]) -> dict[str, str]:
    """ID number → 档号 of people the catalogue already holds (not through this batch's own entries)."""
    held: dict[str, str] = {}
    for chunk in _chunks([i for i in ids if i not in mine or mine[i].file_id is None]):
        stmt = (select(Person.id_number, ArchiveFile.archive_no)
                .outerjoin(ArchiveFile, ArchiveFile.person_id == Person.id).where(Person.id_number.in_(chunk)))
        for id_number, archive_no in db.session.execute(stmt):
            if id_number:
                held[id_number] = archive_no or "—"
    return held


def _apply(entry: RosterEntry, row: RosterRow, batch: TransferBatch, year: int, number: int) -> int:
    """Copy a 名册 row onto its entry, (re)build its relations and its outgoing transfer; the next number."""
    routing = row.routing
    for name, value in _entry_values(row).items():
        setattr(entry, name, value)
    targets = _targets(routing)
    have = {r.kind: r for r in entry.relations}
    for kind, to in targets.items():
        relation = have.get(kind)
        if relation is not None and relation.state is not RelationState.EXPECTED:
            continue  # recorded already: history is not rewritten by a corrected list
        if to is None:
            if relation is not None:
                entry.relations.remove(relation)
        elif relation is None:
            entry.relations.append(Relation(kind=kind, to_district=to))
        else:
            relation.to_district = to
    transfer = _prepared_transfer(entry) if entry.id is not None else None
    if routing.routed_elsewhere:
        if transfer is None:
            transfer = Transfer(direction=TransferDirection.OUT, year=year, number=number, entry=entry,
                                notice_no=notice_no(number), created_by=actor(), carriers=[])
            db.session.add(transfer)
            number += 1
        for name, value in _transfer_values(row, batch).items():
            setattr(transfer, name, value)
    elif transfer is not None:
        db.session.delete(transfer)
    return number


def _prepared_transfer(entry: RosterEntry) -> Transfer | None:
    return db.session.scalar(select(Transfer).where(Transfer.entry_id == entry.id,
                                                    Transfer.status == TransferStatus.PREPARED))


def _prepared_only(entry: RosterEntry) -> bool:
    """Nothing happened to the entry yet: no relation recorded, no 转递 sent."""
    if any(r.state is not RelationState.EXPECTED for r in entry.relations):
        return False
    sent = db.session.scalar(select(Transfer.id).where(Transfer.entry_id == entry.id,
                                                       Transfer.status != TransferStatus.PREPARED))
    return sent is None


def _drop(entry: RosterEntry) -> None:
    transfer = _prepared_transfer(entry)
    if transfer is not None:
        db.session.delete(transfer)
    db.session.delete(entry)


def _entry_values(row: RosterRow) -> dict[str, Any]:
    routing = row.routing
    return {"row_no": row.row, "name": row.name, "id_number": row.id_number, "sex": row.sex,
            "birth_date": row.birth_date, "retired_on": row.retired_on, "hukou_district": row.hukou.district,
            "hukou_street": row.hukou.street or "",
            "residence_district": row.residence.district if row.residence else "",
            "residence_street": (row.residence.street or "") if row.residence else "",
            "party_member": row.party_member, "volumes_original": row.volumes_original,
            "volumes_copy": row.volumes_copy, "materials": row.materials, "archive_to": routing.archive_to,
            "party_to": routing.party_to, "street": routing.street, "reason": routing.reason.as_json(),
            "status": EntryStatus.ELSEWHERE if routing.routed_elsewhere else EntryStatus.EXPECTED}


def _targets(routing: Routing) -> dict[RelationKind, str | None]:
    return {RelationKind.SOCIAL_INSURANCE: routing.social_insurance_to, RelationKind.ARCHIVE: routing.archive_to,
            RelationKind.MEDICAL_INSURANCE: routing.medical_insurance_to, RelationKind.PARTY: routing.party_to}


def _transfer_values(row: RosterRow, batch: TransferBatch) -> dict[str, Any]:
    return {"name": row.name, "id_number": row.id_number, "unit": batch.enterprise,
            "counterpart": row.routing.archive_to, "reason": row.routing.reason.as_json(),
            "volumes_original": row.volumes_original, "volumes_copy": row.volumes_copy, "materials": row.materials}


def _insert(batch: TransferBatch, rows: list[RosterRow], year: int, number: int) -> None:
    """New rows in bulk: multi-row INSERTs for entries, then their relations and transfers."""
    if not rows:
        return
    now, who = utcnow(), actor()
    stamps = {"created_at": now, "updated_at": now}
    db.session.execute(insert(RosterEntry), [{"batch_id": batch.id, **_entry_values(row), **stamps} for row in rows])
    # Ids by ID number rather than INSERT … RETURNING: SQLAlchemy splices returned batches together at a cost
    # that grows with the square of the rows (seconds for a 5,000-row 名册).
    by_number = dict(db.session.execute(select(RosterEntry.id_number, RosterEntry.id)
                                        .where(RosterEntry.batch_id == batch.id)).all())
    ids = [by_number[row.id_number] for row in rows]
    relations = [{"entry_id": entry_id, "kind": kind, "to_district": to, "state": RelationState.EXPECTED, **stamps}
                 for entry_id, row in zip(ids, rows, strict=True) for kind, to in _targets(row.routing).items() if to]
    db.session.execute(insert(Relation), relations)
    transfers = []
    for entry_id, row in zip(ids, rows, strict=True):
        if row.routing.routed_elsewhere:
            transfers.append({"direction": TransferDirection.OUT, "year": year, "number": number,
                              "notice_no": notice_no(number), "entry_id": entry_id, "created_by": who, "carriers": [],
                              "status": TransferStatus.PREPARED, **_transfer_values(row, batch), **stamps})
            number += 1
    if transfers:
        db.session.execute(insert(Transfer), transfers)
