"""Pages: the scanned page images of a file, the archive's primary data.

Page images are primary data: a rescanned page supersedes the old row (``current``
false, ``superseded_by_id`` set) and the old object stays in the store for ever.
Objects are content-addressed (``pages/ab/cd/<sha256>.jpg``), so writing the same
page twice writes nothing and a resumed job duplicates nothing.  The scan job that
stored a page (``job_id``) is the scanning domain's; this one only names its table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.coltypes import JSON
from archive.extensions import db
from archive.timeutil import utcnow

__all__ = ["Page"]


class Page(db.Model):
    """One scanned page of a file, linked (挂接) to a catalogue material."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="RESTRICT"), index=True)
    material_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id", ondelete="SET NULL"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_jobs.id", ondelete="SET NULL"), index=True)
    position: Mapped[int]  # page order in the file
    page_in_material: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    current: Mapped[bool] = mapped_column(default=True, server_default="1", index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(500), default="", server_default="")
    backend: Mapped[str] = mapped_column(String(16))
    original_key: Mapped[str] = mapped_column(String(300), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    view_key: Mapped[str] = mapped_column(String(300))
    thumb_key: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(8))
    compression: Mapped[str] = mapped_column(String(16), default="", server_default="")
    width: Mapped[int]
    height: Mapped[int]
    dpi: Mapped[float | None] = mapped_column(Float)
    colour: Mapped[str] = mapped_column(String(8))
    blank: Mapped[bool] = mapped_column(default=False, server_default="0")
    skew: Mapped[float | None] = mapped_column(Float)
    phash: Mapped[str] = mapped_column(String(16))
    ocr_engine: Mapped[str] = mapped_column(String(16), default="", server_default="")
    ocr_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    ocr_conf: Mapped[float | None] = mapped_column(Float)
    # The text of the page's red seals and stamps, one per line: kept out of ocr_text, searchable on its own.
    seal_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The OCR words with their boxes on the stored image: [[text, conf, left, top, width, height], …].
    words: Mapped[list[list[Any]]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    material = relationship("Material")

    __table_args__ = (UniqueConstraint("file_id", "position", "version"),)

    def __repr__(self) -> str:
        return f"<Page {self.file_id}#{self.position} v{self.version}>"
