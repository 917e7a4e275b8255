"""Transfer models: batches (移交批次) and their 名册 rows, relations per retiree, 转递 and storerooms.

A :class:`RosterEntry` is one person of a batch's 移交名册: the file we expect, routed by the work plan's
rules, then received (with its 档号 once it is catalogued), missing, or passed on.  Each entry carries its
relations (:class:`Relation`: 社保, 档案, 医保, and 党员 for members).  A :class:`Transfer` is one 转递 of a
file between holders, outgoing or incoming, numbered per year (西人档转字第N号).  Reasons are stored as
messages (code + params, JSON) and said in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.catalogue.models import ArchiveFile, EmployerLevel
from archive.coltypes import JSON, enum_type
from archive.extensions import db
from archive.timeutil import utcnow


class BatchStatus(enum.StrEnum):
    """A batch is open while files are checked in; closed with its 签收单."""

    OPEN = "open"  # 接收中
    CLOSED = "closed"  # 已签收


class EntryStatus(enum.StrEnum):
    """Where one 名册 row stands."""

    EXPECTED = "expected"  # 待接收
    RECEIVED = "received"  # 已接收
    MISSING = "missing"  # 未到
    ELSEWHERE = "elsewhere"  # 转外区 (routed to another district: an outgoing transfer)


class RelationKind(enum.StrEnum):
    """The relations the work plan moves, with the office that records each (§三(二))."""

    SOCIAL_INSURANCE = "social_insurance"  # 社保关系 — 区人力社保局
    ARCHIVE = "archive"  # 档案关系 — 区人力社保局
    MEDICAL_INSURANCE = "medical_insurance"  # 医疗保险关系 — 区医保局
    PARTY = "party"  # 党员组织关系 — 街道工委


class RelationState(enum.StrEnum):
    EXPECTED = "expected"  # 待接收
    RECEIVED = "received"  # 已接收
    PASSED_ON = "passed_on"  # 已转出


class TransferDirection(enum.StrEnum):
    OUT = "out"  # 转出
    IN = "in"  # 转入


class TransferStatus(enum.StrEnum):
    PREPARED = "prepared"  # 待转递
    SENT = "sent"  # 已寄出, 回执 outstanding
    RETURNED = "returned"  # 回执已收 (outgoing) / 已接收 (incoming)


class TransferBatch(db.Model):
    """One enterprise's (or, for incoming 转递, one district's) delivery of files."""

    __tablename__ = "transfer_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise: Mapped[str] = mapped_column(String(200), index=True)
    level: Mapped[EmployerLevel] = mapped_column(enum_type(EmployerLevel, "batch_level"))
    group_name: Mapped[str] = mapped_column(String(200), default="", server_default="")  # 集团
    contact: Mapped[str] = mapped_column(String(50), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    approval_ref: Mapped[str] = mapped_column(String(100), default="", server_default="")  # 核准文号
    approval_date: Mapped[dt.date | None]
    expected_on: Mapped[dt.date | None]
    status: Mapped[BatchStatus] = mapped_column(enum_type(BatchStatus, "batch_status"), default=BatchStatus.OPEN,
                                                server_default="open")
    roster_name: Mapped[str] = mapped_column(String(200), default="", server_default="")  # the 名册 file last read
    statement_text: Mapped[str] = mapped_column(Text, default="", server_default="")  # 缺失材料说明
    statement_key: Mapped[str] = mapped_column(String(300), default="", server_default="")  # its scan (object key)
    statement_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    closed_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    closed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    entries: Mapped[list[RosterEntry]] = relationship(back_populates="batch", order_by="RosterEntry.id")

    def __repr__(self) -> str:
        return f"<TransferBatch {self.id} {self.enterprise}>"


class RosterEntry(db.Model):
    """One person of a 名册 (``row_no`` None: an extra file that was not on it), routed and checked in."""

    __tablename__ = "transfer_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("transfer_batches.id", ondelete="RESTRICT"), index=True)
    row_no: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)  # one person, one entry, across batches
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[str | None] = mapped_column(String(10))
    retired_on: Mapped[str | None] = mapped_column(String(10))
    hukou_district: Mapped[str] = mapped_column(String(32), default="", server_default="")
    hukou_street: Mapped[str] = mapped_column(String(32), default="", server_default="")
    residence_district: Mapped[str] = mapped_column(String(32), default="", server_default="")
    residence_street: Mapped[str] = mapped_column(String(32), default="", server_default="")
    party_member: Mapped[bool] = mapped_column(default=False, server_default="0")
    volumes_original: Mapped[int] = mapped_column(default=1, server_default="1")
    volumes_copy: Mapped[int] = mapped_column(default=0, server_default="0")
    materials: Mapped[int] = mapped_column(default=0, server_default="0")
    archive_to: Mapped[str] = mapped_column(String(32))
    party_to: Mapped[str | None] = mapped_column(String(32))
    street: Mapped[str | None] = mapped_column(String(32), index=True)
    reason: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    status: Mapped[EntryStatus] = mapped_column(enum_type(EntryStatus, "entry_status"),
                                                default=EntryStatus.EXPECTED, server_default="expected")
    extra: Mapped[bool] = mapped_column(default=False, server_default="0")  # 多出: not on the 名册
    damaged: Mapped[bool] = mapped_column(default=False, server_default="0")
    received_volumes_original: Mapped[int | None]
    received_volumes_copy: Mapped[int | None]
    received_materials: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="RESTRICT"), index=True)
    checked_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    checked_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    batch: Mapped[TransferBatch] = relationship(back_populates="entries")
    file: Mapped[ArchiveFile | None] = relationship()
    relations: Mapped[list[Relation]] = relationship(back_populates="entry", cascade="all, delete-orphan",
                                                     order_by="Relation.id")

    __table_args__ = (
        CheckConstraint("volumes_original >= 0 AND volumes_copy >= 0 AND materials >= 0", name="counts"),
        CheckConstraint("sex IS NULL OR sex IN ('M', 'F')", name="sex"),
    )

    @property
    def differences(self) -> dict[str, tuple[int, int]]:
        """Counts received that differ from the 名册: ``{field: (listed, received)}``."""
        pairs = {"volumes_original": (self.volumes_original, self.received_volumes_original),
                 "volumes_copy": (self.volumes_copy, self.received_volumes_copy),
                 "materials": (self.materials, self.received_materials)}
        return {k: (a, b) for k, (a, b) in pairs.items() if b is not None and a != b and not self.extra}

    def __repr__(self) -> str:
        return f"<RosterEntry {self.id} {self.name}>"


class Relation(db.Model):
    """One relation of a retiree: expected, then received by our office or passed on to ``to_district``."""

    __tablename__ = "transfer_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("transfer_entries.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RelationKind] = mapped_column(enum_type(RelationKind, "relation_kind", length=20))
    to_district: Mapped[str] = mapped_column(String(32))
    state: Mapped[RelationState] = mapped_column(enum_type(RelationState, "relation_state"),
                                                 default=RelationState.EXPECTED, server_default="expected")
    recorded_on: Mapped[dt.date | None]
    recorded_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    entry: Mapped[RosterEntry] = relationship(back_populates="relations")

    __table_args__ = (UniqueConstraint("entry_id", "kind"),)

    def __repr__(self) -> str:
        return f"<Relation {self.entry_id} {self.kind} {self.state}>"


class Transfer(db.Model):
    """One 转递 of one person's file (``entry`` for a 名册 row, ``file`` for a catalogued file)."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[TransferDirection] = mapped_column(enum_type(TransferDirection, "transfer_direction"))
    year: Mapped[int]
    number: Mapped[int]  # N of 西人档转字第N号, per year (outgoing); the sender's number (incoming)
    notice_no: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("transfer_entries.id", ondelete="RESTRICT"), index=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str | None] = mapped_column(String(18))
    unit: Mapped[str] = mapped_column(String(200), default="", server_default="")
    post: Mapped[str] = mapped_column(String(100), default="", server_default="")
    counterpart: Mapped[str] = mapped_column(String(100))  # 收件单位 (out) / 来件单位 (in)
    reason: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    volumes_original: Mapped[int] = mapped_column(default=1, server_default="1")
    volumes_copy: Mapped[int] = mapped_column(default=0, server_default="0")
    materials: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[TransferStatus] = mapped_column(enum_type(TransferStatus, "transfer_status"),
                                                   default=TransferStatus.PREPARED, server_default="prepared")
    sent_on: Mapped[dt.date | None]
    courier: Mapped[str] = mapped_column(String(100), default="", server_default="")  # 机要交通
    carriers: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")  # or the two staff
    returned_on: Mapped[dt.date | None]
    returned_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    entry: Mapped[RosterEntry | None] = relationship()
    file: Mapped[ArchiveFile | None] = relationship()

    __table_args__ = (UniqueConstraint("direction", "year", "number"),)

    def __repr__(self) -> str:
        return f"<Transfer {self.notice_no}>"


class Storeroom(db.Model):
    """A storeroom (库房) with 排 × 架 × 层 × 格 places of ``cell_capacity`` files each."""

    __tablename__ = "storerooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)  # the ArchiveFile.room value
    street: Mapped[str | None] = mapped_column(String(32))  # None: the district store
    rows: Mapped[int]
    racks: Mapped[int]
    shelves: Mapped[int]
    cells: Mapped[int]
    cell_capacity: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("rows > 0 AND racks > 0 AND shelves > 0 AND cells > 0 AND cell_capacity > 0", name="sizes"),
    )

    @property
    def capacity(self) -> int:
        return self.rows * self.racks * self.shelves * self.cells * self.cell_capacity

    def __repr__(self) -> str:
        return f"<Storeroom {self.name}>"
