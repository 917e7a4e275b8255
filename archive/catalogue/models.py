"""Catalogue models: the person, their file (案卷) and its materials (目录 rows).

Partial dates (材料形成时间 given to the year, month or day) are stored as ISO
prefixes (``1985``, ``1985-03``, ``1985-03-12``): they sort correctly as text and
keep the precision that the sending unit gave.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.coltypes import enum_type
from archive.extensions import db
from archive.timeutil import utcnow


class EmployerLevel(enum.StrEnum):
    """单位层级."""

    CENTRAL = "central"  # 央属
    MUNICIPAL = "municipal"  # 市属
    DISTRICT = "district"  # 区属


class Custody(enum.StrEnum):
    """Who holds the paper: the district repository or a street (docs/domain.md#custody, work plan §二(四))."""

    DISTRICT = "district"
    STREET = "street"


class FileStatus(enum.StrEnum):
    """Life of a file in the repository."""

    RECEIVED = "received"  # 已接收
    CATALOGUED = "catalogued"  # 已建库
    DIGITISED = "digitised"  # 已数字化
    ON_LOAN = "on_loan"  # 借出
    TRANSFERRED = "transferred"  # 已转出


class Person(db.Model):
    """The retiree whose personnel file this is."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    sex: Mapped[str | None] = mapped_column(String(1))
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    birth_date: Mapped[str | None] = mapped_column(String(10))
    employer: Mapped[str] = mapped_column(String(200), default="", server_default="", index=True)
    employer_level: Mapped[str | None] = mapped_column(String(16))
    retired_on: Mapped[str | None] = mapped_column(String(10))
    hukou_district: Mapped[str] = mapped_column(String(32), default="", server_default="")
    hukou_street: Mapped[str] = mapped_column(String(32), default="", server_default="")
    residence_district: Mapped[str] = mapped_column(String(32), default="", server_default="")
    residence_street: Mapped[str] = mapped_column(String(32), default="", server_default="")
    party_member: Mapped[bool | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    files: Mapped[list[ArchiveFile]] = relationship(back_populates="person")

    __table_args__ = (CheckConstraint("sex IN ('M', 'F')", name="sex"),)

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


class ArchiveFile(db.Model):
    """A personnel file (案卷), identified by its 档号.

    ``street`` is the street that serves the retiree (所属街道) and is the unit of
    staff scope; ``custody`` says whether the paper sits in the district
    repository or in that street's storeroom.
    """

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(primary_key=True)
    archive_no: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="RESTRICT"), index=True)
    volumes_original: Mapped[int] = mapped_column(default=1, server_default="1")
    volumes_copy: Mapped[int] = mapped_column(default=0, server_default="0")
    custody: Mapped[str] = mapped_column(String(16), default=Custody.DISTRICT, server_default="district")
    street: Mapped[str | None] = mapped_column(String(32), index=True)
    room: Mapped[str] = mapped_column(String(32), default="", server_default="")  # 库房
    row_no: Mapped[str] = mapped_column(String(16), default="", server_default="")  # 排
    rack: Mapped[str] = mapped_column(String(16), default="", server_default="")  # 架
    shelf: Mapped[str] = mapped_column(String(16), default="", server_default="")  # 层
    cell: Mapped[str] = mapped_column(String(16), default="", server_default="")  # 格
    status: Mapped[FileStatus] = mapped_column(enum_type(FileStatus, "file_status"), default=FileStatus.RECEIVED,
                                               server_default="received")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[Person | None] = relationship(back_populates="files")
    materials: Mapped[list[Material]] = relationship(
        back_populates="file",
        cascade="all, delete-orphan",
        order_by="(Material.class_no, Material.subclass, Material.seq)",
    )

    __table_args__ = (
        CheckConstraint("volumes_original >= 0 AND volumes_copy >= 0", name="volumes"),
        CheckConstraint("custody IN ('district', 'street')", name="custody"),
    )

    @property
    def location(self) -> str:
        parts = [self.room, self.row_no, self.rack, self.shelf, self.cell]
        return "-".join(p for p in parts if p)

    def __repr__(self) -> str:
        return f"<ArchiveFile {self.archive_no}>"


class Material(db.Model):
    """One catalogue row: a material in class ``class_no`` (1–10), sub-class 0 or 1–4."""

    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), index=True)
    class_no: Mapped[int]
    subclass: Mapped[int] = mapped_column(default=0, server_default="0")
    original_label: Mapped[str] = mapped_column(String(32), default="", server_default="")
    seq: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    formed: Mapped[str | None] = mapped_column(String(10))
    pages: Mapped[int | None]
    remarks: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Position of the row in the catalogue as the sending unit wrote it (1-based; None for rows added by hand):
    # the order the pages of a flat-numbered file were scanned in (ingest.linking).
    sheet_row: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    file: Mapped[ArchiveFile] = relationship(back_populates="materials")

    __table_args__ = (
        UniqueConstraint("file_id", "class_no", "subclass", "seq"),
        CheckConstraint("class_no BETWEEN 1 AND 10", name="class_no"),
        CheckConstraint(
            "subclass = 0 OR (class_no IN (4, 9) AND subclass BETWEEN 1 AND 4)", name="subclass"
        ),
        CheckConstraint("seq >= 1", name="seq"),
        CheckConstraint("pages IS NULL OR pages >= 0", name="pages"),
    )

    def __repr__(self) -> str:
        return f"<Material {self.file_id} {self.class_no}-{self.subclass}-{self.seq}>"
