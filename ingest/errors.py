"""The ingest exception hierarchy: one base class, one stable ``code`` per kind of failure.

Every wrapper around an external tool (Pillow, pikepdf, zipfile) translates that tool's errors into
these, so the pipeline catches :class:`IngestError` alone and records ``exc.code`` and ``str(exc)`` on the
page.  Codes are stable strings stored in the database and mapped to HTTP statuses or exit codes only at
the edge; messages are Chinese (they are shown to archivists) and name the file and page.

The exceptions pickle with their file and page, because pages are processed in worker processes.
"""

from __future__ import annotations

__all__ = [
    "BrokenPdf",
    "CorruptImage",
    "DecompressionBomb",
    "EncryptedPdf",
    "IngestError",
    "MissingDecoder",
    "NotScannedPage",
    "PackageError",
    "UnsupportedFormat",
]


class IngestError(Exception):
    """Base of all ingest failures.

    ``detail`` says what is wrong; ``source`` is the file (relative to the package root, or a zip member)
    and ``page`` the 1-based page of a multi-page TIFF or PDF, so ``str(exc)`` reads
    ``XC-1.pdf p.3：该页含有文字或矢量图形…`` — the same spelling as :attr:`ingest.model.PageRef.label`.
    """

    code = "ingest_error"

    def __init__(self, detail: str, source: str = "", page: int | None = None) -> None:
        # Positional args only, kept in ``self.args``: that is what pickling replays.
        super().__init__(detail, source, page)
        self.detail = detail
        self.source = source
        self.page = page

    @property
    def where(self) -> str:
        """The file and page the error is about (empty when unknown)."""
        if self.source and self.page is not None:
            return f"{self.source} p.{self.page}"
        return self.source

    def __str__(self) -> str:
        return f"{self.where}：{self.detail}" if self.where else self.detail


class PackageError(IngestError):
    """The package as a whole cannot be opened (unsafe or oversized zip, missing path)."""

    code = "bad_package"


class UnsupportedFormat(IngestError):
    """The bytes are not one of the page formats we keep (JPEG, TIFF, PNG, JPEG 2000, image-only PDF)."""

    code = "unsupported_format"


class CorruptImage(IngestError):
    """The image claims a supported format but cannot be decoded completely (truncated, damaged)."""

    code = "corrupt_image"


class DecompressionBomb(IngestError):
    """The image declares more pixels than we are willing to decode."""

    code = "decompression_bomb"


class EncryptedPdf(IngestError):
    """The PDF needs a password to be opened."""

    code = "encrypted_pdf"


class BrokenPdf(IngestError):
    """The PDF cannot be parsed (damaged file, missing page, unreadable content stream)."""

    code = "broken_pdf"


class NotScannedPage(IngestError):
    """A PDF page that is not exactly one image covering the page (text, vector drawing, several images)."""

    code = "not_scanned_pdf_page"


class MissingDecoder(IngestError):
    """The page needs a decoder this server lacks (``jbig2dec`` for JBIG2 in a PDF): not a damaged page.

    Install the decoder and run the job again; the page itself is probably fine.
    """

    code = "decoder_missing"
