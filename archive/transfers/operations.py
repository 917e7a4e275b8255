"""Transfer operations: batches, the 名册 import, relations; receiving and 转递 are re-exported from their modules.

Each operation checks first and raises :class:`TransferError` (a code and a message) before anything is
written, records its own audit event, and flushes; the request, command or job commits.  Views and
commands import from here only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive.audit import record
from archive.catalogue.models import EmployerLevel, Person
from archive.extensions import db
from archive.geo import HOME_DISTRICT
from archive.messages import Message, msg
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
from archive.transfers.outgoing import (
    chase_list,
    create_transfer,
    next_number,
    notice_no,
    receive_incoming,
    record_receipt,
    register_incoming,
    send_transfer,
)
from archive.transfers.receiving import (
    add_extra,
    close_batch,
    create_storeroom,
    next_archive_no,
    receive_entry,
    record_statement,
    suggest_slot,
    unaccounted,
)
from archive.transfers.roster import RosterData, RosterRow, RowError, read_roster

__all__ = [
    "ImportOutcome", "TransferError", "add_extra", "chase_list", "close_batch", "create_storeroom",
    "create_transfer", "import_roster", "next_archive_no", "open_batch", "receive_entry", "receive_incoming",
    "record_receipt", "record_relation", "record_statement", "register_incoming", "send_transfer", "suggest_slot",
    "unaccounted",
]

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


_BATCH_FIELDS = ("enterprise", "level", "group_name", "contact", "phone", "approval_ref", "approval_date",
                 "expected_on")


def open_batch(enterprise: str, level: EmployerLevel | str, **values: Any) -> TransferBatch:
    """Open a batch (移交批次) for an enterprise; ``values``: group, contact, phone, 核准 reference and dates."""
    enterprise = " ".join((enterprise or "").split())
    if not enterprise:
        raise TransferError("missing_enterprise", msg("The enterprise's name is empty"), "enterprise")
    unknown = set(values) - set(_BATCH_FIELDS)
    if unknown:
        raise TransferError("unknown_field", msg("Unknown field %(f)s", f=sorted(unknown)[0]))
    batch = TransferBatch(enterprise=enterprise, level=EmployerLevel(level), created_by=actor(), **values)
    db.session.add(batch)
    db.session.flush()
    record("transfers.batch.create", target_type="transfer_batch", target_id=batch.id,
           details={"after": {k: getattr(batch, k) for k in _BATCH_FIELDS}})
    return batch


def batch_for(enterprise: str, level: EmployerLevel | str) -> TransferBatch:
    """The open batch of an enterprise at this level, or a new one (the command line's ``--enterprise``)."""
    found = db.session.scalar(select(TransferBatch).where(
        TransferBatch.enterprise == " ".join(enterprise.split()), TransferBatch.level == EmployerLevel(level),
        TransferBatch.status == BatchStatus.OPEN).order_by(TransferBatch.id.desc()))
    return found or open_batch(enterprise, level)


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
    for row in data.rows:
        if row.id_number in held:
            outcome.skipped.append(RowError(row.row, "身份证号", "already_held", msg(
                "%(name)s is already held (file %(no)s): not added again", name=row.name, no=held[row.id_number])))
            continue
        wanted.add(row.id_number)
        entry = mine.get(row.id_number)
        if entry is None:
            entry = RosterEntry(batch=batch)
            db.session.add(entry)
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
    batch.roster_name = (source_name or path.name)[:200]
    db.session.flush()
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
    from archive.catalogue.models import ArchiveFile

    held: dict[str, str] = {}
    for chunk in _chunks([i for i in ids if i not in mine or mine[i].file_id is None]):
        stmt = (select(Person.id_number, ArchiveFile.archive_no)
                .outerjoin(ArchiveFile, ArchiveFile.person_id == Person.id).where(Person.id_number.in_(chunk)))
        for id_number, archive_no in db.session.execute(stmt):
            held[id_number] = archive_no or "—"
    return held


def _apply(entry: RosterEntry, row: RosterRow, batch: TransferBatch, year: int, number: int) -> int:
    """Copy a 名册 row onto its entry, (re)build its relations and its outgoing transfer; the next number."""
    routing = row.routing
    entry.row_no = row.row
    entry.name = row.name
    entry.id_number = row.id_number
    entry.sex = row.sex
    entry.birth_date = row.birth_date
    entry.retired_on = row.retired_on
    entry.hukou_district, entry.hukou_street = row.hukou.district, row.hukou.street or ""
    entry.residence_district = row.residence.district if row.residence else ""
    entry.residence_street = (row.residence.street or "") if row.residence else ""
    entry.party_member = row.party_member
    entry.volumes_original, entry.volumes_copy, entry.materials = (row.volumes_original, row.volumes_copy,
                                                                   row.materials)
    entry.archive_to, entry.party_to, entry.street = routing.archive_to, routing.party_to, routing.street
    entry.reason = routing.reason.as_json()
    entry.status = EntryStatus.ELSEWHERE if routing.routed_elsewhere else EntryStatus.EXPECTED
    targets = {RelationKind.SOCIAL_INSURANCE: routing.social_insurance_to, RelationKind.ARCHIVE: routing.archive_to,
               RelationKind.MEDICAL_INSURANCE: routing.medical_insurance_to, RelationKind.PARTY: routing.party_to}
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
        transfer.name, transfer.unit, transfer.counterpart = entry.name, batch.enterprise, routing.archive_to
        transfer.reason = routing.reason.as_json()
        transfer.volumes_original, transfer.volumes_copy = entry.volumes_original, entry.volumes_copy
        transfer.materials = entry.materials
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


_RELATION_STATES = {RelationState.RECEIVED, RelationState.PASSED_ON}


def record_relation(relation: Relation, state: RelationState | str, *, on: dt.date | None = None) -> Relation:
    """Record that a relation was received by our office, or passed on to the district it goes to."""
    state = RelationState(state)
    if state not in _RELATION_STATES:
        raise TransferError("bad_state", msg("A relation is recorded as received or as passed on"), "state")
    if relation.state is not RelationState.EXPECTED:
        raise TransferError("relation_recorded", msg("This relation was recorded already (%(state)s on %(on)s)",
                                                     state=relation.state.value, on=relation.recorded_on or "—"))
    ours = relation.to_district == HOME_DISTRICT
    if ours != (state is RelationState.RECEIVED):
        message: Message = (msg("This relation goes to %(d)s: it can only be passed on", d=relation.to_district)
                            if not ours else msg("This relation is ours: it is received, not passed on"))
        raise TransferError("wrong_direction", message, "state")
    relation.state = state
    relation.recorded_on = on or dt.date.today()
    relation.recorded_by = actor()
    db.session.flush()
    record("transfers.relation", target_type="transfer_relation", target_id=relation.id,
           file_id=relation.entry.file_id,
           details={"entry": relation.entry_id, "kind": relation.kind.value, "state": state.value,
                    "to": relation.to_district, "on": relation.recorded_on.isoformat()})
    return relation
