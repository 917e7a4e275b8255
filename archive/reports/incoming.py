"""What the transfers domain tells the reports: files still expected from batches, and storeroom use.

Kept in one module so that the reports read ``archive.transfers`` in one place only.  Each function answers
with grouped counts (one GROUP BY query), never with one row per file.

A 名册 row is *outstanding* while it is ours (routed to this district, not passed on), not an extra file, and
not received: ``expected``, or checked in as ``missing`` (still owed by the enterprise).  A received row has
become a catalogue file and is counted there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from archive.catalogue.models import ArchiveFile, FileStatus
from archive.extensions import db
from archive.transfers.models import BatchStatus, EntryStatus, RosterEntry, Storeroom, TransferBatch

__all__ = ["ExpectedGroup", "StoreroomUse", "expected_outstanding", "storeroom_use"]


@dataclass(frozen=True)
class ExpectedGroup:
    """Files listed in the 名册 of batches, routed to this district and not received yet."""

    level: str | None
    street: str | None
    employer: str
    files: int
    volumes: int


@dataclass(frozen=True)
class StoreroomUse:
    """One storeroom (库房): its places for files and how many hold one."""

    name: str
    street: str | None  # None: the district store
    capacity: int
    used: int


def expected_outstanding(street: str | None = None, *, open_only: bool = False) -> list[ExpectedGroup]:
    """Outstanding 名册 rows grouped by level, street and enterprise (``street``: only that street's rows).

    ``open_only``: only batches still open (the planning report: what is still coming); else every batch (the
    dashboard: a closed batch with missing files still owes them).
    """
    volumes = func.coalesce(func.sum(RosterEntry.volumes_original + RosterEntry.volumes_copy), 0)
    stmt = (select(TransferBatch.level, RosterEntry.street, TransferBatch.enterprise, func.count(), volumes)
            .join(TransferBatch, TransferBatch.id == RosterEntry.batch_id)
            .where(RosterEntry.status.in_((EntryStatus.EXPECTED, EntryStatus.MISSING)),
                   RosterEntry.extra.is_(False), RosterEntry.file_id.is_(None))
            .group_by(TransferBatch.level, RosterEntry.street, TransferBatch.enterprise))
    if open_only:
        stmt = stmt.where(TransferBatch.status == BatchStatus.OPEN)
    if street is not None:
        stmt = stmt.where(RosterEntry.street == street)
    return [ExpectedGroup(level=str(level) if level is not None else None, street=s, employer=enterprise or "",
                          files=int(files), volumes=int(vols))
            for level, s, enterprise, files, vols in db.session.execute(stmt).all()]


def storeroom_use(street: str | None = None) -> list[StoreroomUse]:
    """Capacity and use of each storeroom (``street``: that street's storerooms only), the district's first."""
    rooms = select(Storeroom).order_by(Storeroom.street.is_not(None), Storeroom.street, Storeroom.name)
    if street is not None:
        rooms = rooms.where(Storeroom.street == street)
    found = list(db.session.scalars(rooms))
    if not found:
        return []
    used = dict(db.session.execute(
        select(ArchiveFile.room, func.count())
        .where(ArchiveFile.room.in_([r.name for r in found]), ArchiveFile.status != FileStatus.TRANSFERRED)
        .group_by(ArchiveFile.room)).all())
    return [StoreroomUse(name=r.name, street=r.street, capacity=r.capacity, used=int(used.get(r.name, 0)))
            for r in found]
