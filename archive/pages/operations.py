"""Page operations: an archivist corrects a page's recognised text.

The engine's text (``ocr_text``) is never changed: the correction is kept beside it, with who and when, and
the search index reads the corrected text from then on (the index feeder sees the page change at commit).
Each operation records its own audit event and flushes; the boundary commits.
"""

from __future__ import annotations

import hashlib

from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.pages.models import Page
from archive.timeutil import utcnow

__all__ = ["MAX_TEXT", "PageError", "correct_text"]

MAX_TEXT = 20_000  # characters; a dense A4 page holds about 2,000


class PageError(ValueError):
    """A refused page change (``code``); nothing was written."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def correct_text(page: Page, file: ArchiveFile, text: str, *, by: str) -> bool:
    """Keep ``text`` as the page's corrected text; returns False when it says what the page already says.

    Line ends are normalised and trailing blanks dropped; an empty correction is allowed (a page the engine
    misread as text).  Restoring the engine's exact text removes the correction.  The audit event names the
    page and carries the lengths and digests of both texts, not the text itself (it may hold ID numbers).
    """
    if not page.current:
        raise PageError("superseded")
    cleaned = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()
    if len(cleaned) > MAX_TEXT:
        raise PageError("too_long")
    before = page.text
    if cleaned == before.strip():
        return False
    restored = cleaned == (page.ocr_text or "").strip()
    page.corrected_text = None if restored else cleaned
    page.corrected_by, page.corrected_at = ("", None) if restored else (by, utcnow())
    db.session.flush()
    record("page.correct_text", file=file, target_type="page", target_id=page.id,
           details={"position": page.position, "version": page.version, "restored": restored,
                    "before": {"chars": len(before), "sha256": _digest(before)},
                    "after": {"chars": len(cleaned), "sha256": _digest(cleaned)}})
    return True
