"""Transfer operations: batches and relations here; the 名册 import, receiving and 转递 re-exported from theirs.

Each operation checks first and raises :class:`TransferError` (a code and a message) before anything is
written, records its own audit event, and flushes; the request, command or job commits.  Views and
commands import from here only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from archive.audit import record
from archive.catalogue.models import EmployerLevel
from archive.extensions import db
from archive.geo import HOME_DISTRICT
from archive.messages import Message, msg
from archive.transfers.errors import TransferError, actor
from archive.transfers.importing import ImportOutcome, import_roster
from archive.transfers.models import BatchStatus, Relation, RelationState, TransferBatch
from archive.transfers.outgoing import (
    chase_list,
    create_transfer,
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

__all__ = [
    "ImportOutcome", "TransferError", "add_extra", "chase_list", "close_batch", "create_storeroom",
    "create_transfer", "import_roster", "next_archive_no", "open_batch", "receive_entry", "receive_incoming",
    "record_receipt", "record_relation", "record_statement", "register_incoming", "send_transfer", "suggest_slot",
    "unaccounted", "batch_for",
]

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
