"""The uploaded authorisation (委托书): PDF, JPEG or PNG only, by content, under a size limit, readable.

The browser's file name and content type are not believed: the bytes are sniffed and then opened —
a PDF with pikepdf (an encrypted or broken one is refused), an image with Pillow within a pixel limit
(a decompression bomb is refused, not decoded).  What passes is stored by its SHA-256 before any row
names it; the staff view streams it back with the sniffed type.
"""

from __future__ import annotations

import io
import warnings

import pikepdf
from PIL import Image

from archive.lending.rules import LendingError
from storage import ObjectStore, sha256_bytes

__all__ = ["MIME_TYPES", "store_authorisation", "sniff"]

MIME_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
MAX_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 Mpx
MAX_PDF_PAGES = 50


def sniff(data: bytes) -> str:
    """``pdf``, ``jpeg`` or ``png`` for a file that is one and opens; else :class:`LendingError` (400)."""
    if data.startswith(b"%PDF-"):
        kind = "pdf"
    elif data.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    else:
        raise LendingError("bad_upload", 400, "authorisation")
    try:
        if kind == "pdf":
            with pikepdf.open(io.BytesIO(data)) as pdf:
                if not 1 <= len(pdf.pages) <= MAX_PDF_PAGES:
                    raise LendingError("corrupt_upload", 400, "authorisation")
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as im:
                    if im.width * im.height > MAX_PIXELS:
                        raise LendingError("corrupt_upload", 400, "authorisation")
                    im.load()  # a truncated image fails here, not when an archivist opens it
    except LendingError:
        raise
    except pikepdf.PasswordError as exc:  # not a PdfError
        raise LendingError("corrupt_upload", 400, "authorisation") from exc
    except (pikepdf.PdfError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise LendingError("corrupt_upload", 400, "authorisation") from exc
    return kind


def store_authorisation(store: ObjectStore, data: bytes, max_bytes: int) -> tuple[str, str, str]:
    """Check and store the upload; returns ``(key, mime type, sha256)``."""
    if not data:
        raise LendingError("upload_required", 400, "authorisation")
    if len(data) > max_bytes:
        raise LendingError("upload_too_large", 400, "authorisation", mb=max_bytes // (1024 * 1024))
    kind = sniff(data)
    sha = sha256_bytes(data)
    key = f"lending/authorisations/{sha[:2]}/{sha}.{'jpg' if kind == 'jpeg' else kind}"
    if not store.exists(key):
        store.put(key, data, content_type=MIME_TYPES[kind])
    return key, MIME_TYPES[kind], sha
