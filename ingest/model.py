"""Typed, frozen, picklable values passed between ingest steps (the pipeline's contract).

No Flask, no database: the archive app turns these into rows.  Every step takes
one of these and returns the next, so a step can run in a worker process and a
job can be resumed from what was already produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FileRef",
    "Finding",
    "MaterialRef",
    "OcrResult",
    "OcrWord",
    "Package",
    "PackageProblem",
    "PageMetrics",
    "PageRef",
    "PageResult",
    "StoredKeys",
]


@dataclass(frozen=True)
class PageRef:
    """Where one page comes from inside a package.

    ``source`` is a path relative to the package root (a zip is extracted first);
    ``index`` is the frame of a multi-page TIFF or the page of a PDF (0-based).
    ``order`` is the page's running position in its file (1-based, package order:
    flat ``0001.jpg…`` order, or structured class/序号/page order, or PDF page order).
    In the structured layout the folder names the material: ``material`` is
    ``(class_no, subclass, seq)`` and ``page_in_material`` the 1-based page in it.
    """

    archive_no: str
    source: str
    order: int
    index: int = 0
    material: tuple[int, int, int] | None = None
    page_in_material: int | None = None

    @property
    def label(self) -> str:
        """``XC-1/0003.jpg`` or ``XC-1.pdf p.3``: how messages name the page."""
        multi = self.source.lower().endswith((".pdf", ".tif", ".tiff"))
        return f"{self.source} p.{self.index + 1}" if multi else self.source


@dataclass(frozen=True)
class FileRef:
    """The pages found for one 档号, in order; ``layout`` is ``flat``, ``structured`` or ``single``."""

    archive_no: str
    layout: str
    pages: tuple[PageRef, ...]


@dataclass(frozen=True)
class PackageProblem:
    """Something in the package that is not a usable page (wrong format, stray file, bad zip member)."""

    path: str
    code: str
    message: str
    archive_no: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class Package:
    """A scan package opened for reading: its root folder, its files and the catalogue sheets it carries."""

    root: str
    files: tuple[FileRef, ...]
    catalogue_sources: tuple[str, ...]
    problems: tuple[PackageProblem, ...] = ()


@dataclass(frozen=True)
class PageMetrics:
    """What was measured on the decoded image."""

    format: str  # jpeg, tiff, png, jp2
    compression: str  # e.g. jpeg, group4, lzw, raw, jpx
    width: int
    height: int
    dpi: float | None  # None when the file does not say
    colour: str  # bitonal, grey, colour
    blank: bool
    skew_deg: float | None  # estimated deskew angle; None when it cannot be estimated (blank page)
    phash: str  # 16 hex digits (64-bit perceptual hash)


@dataclass(frozen=True)
class OcrWord:
    """One recognised word (or CJK run) with its confidence (0–100) and box in original-image pixels."""

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class OcrResult:
    """Recognised text of a page; ``text`` is normalised (no spaces between CJK characters).

    ``rotation`` (0/90/180/270, clockwise) and ``deskew_deg`` say how the page was turned before it was
    read (word boxes are in the original's pixels all the same); ``seals`` holds the text read from the
    page's red seals and stamps, which is kept out of ``text``.
    """

    engine: str
    text: str
    mean_conf: float
    words: tuple[OcrWord, ...] = ()
    seconds: float = 0.0
    rotation: int = 0
    deskew_deg: float = 0.0
    seals: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredKeys:
    """Object-store keys of a page: the original bytes and its derivatives, with the original's SHA-256."""

    original: str
    sha256: str
    size: int
    view: str
    thumb: str


@dataclass(frozen=True)
class PageResult:
    """Everything the pipeline produced for one page, or why it could not.

    ``error`` is a stable code (``corrupt_image``, ``decompression_bomb``, ``unsupported_format``,
    ``not_scanned_pdf_page``, ``encrypted_pdf``, ``storage_unavailable`` …) and ``message`` says it
    in words naming the file and page.  A page with an error has no metrics or OCR.
    """

    ref: PageRef
    keys: StoredKeys | None = None
    metrics: PageMetrics | None = None
    ocr: OcrResult | None = None
    error: str | None = None
    message: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class MaterialRef:
    """A catalogue row as QC sees it (from the database or the package's 目录).

    ``row`` is the row's position in the catalogue as the sending unit wrote it (1-based), ``None`` when
    unknown (a row added by hand, a catalogue imported before the position was kept).
    """

    class_no: int
    subclass: int
    seq: int
    title: str
    pages: int | None
    material_id: int | None = None
    row: int | None = None


@dataclass(frozen=True)
class Finding:
    """One QC finding: stable ``rule`` code, ``severity`` error|warning, where, and a message."""

    rule: str
    severity: str
    message: str
    material: tuple[int, int, int] | None = None  # (class_no, subclass, seq)
    page: int | None = None  # page order in the file
    details: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    # What it says as a stable code and JSON parameters (ingest.qc.texts), rendered in the reader's language.
    text: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
