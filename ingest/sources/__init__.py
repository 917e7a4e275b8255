"""Reading a page's original bytes out of the package, losslessly.

A page is a whole image file (JPEG, PNG, JPEG 2000, single-page TIFF), one frame of a multi-page TIFF,
or one page of an image-only PDF.  :func:`read_page_bytes` returns the bytes that are archived as the
page's original, and their format (:func:`read_page` also the resolution a PDF states for the page):

* a single-image file comes back byte for byte;
* a TIFF frame is cut out into a single-page TIFF by copying its tags and its compressed strips (or
  tiles), so CCITT Group 4, LZW or JPEG-in-TIFF data is never decoded and re-encoded;
* a PDF page must be exactly one image covering the page (a scan); its image XObject is extracted with
  pikepdf without rasterising: DCTDecode gives the JPEG as stored, JPXDecode the JPEG 2000 codestream,
  CCITTFaxDecode a TIFF wrapped around the G4 data, Flate a PNG of the same pixels, JBIG2Decode (read by
  the ``jbig2dec`` program, which the set-up scripts install) a PNG of the same 1-bit pixels.

The package is also the one wrapper around pikepdf (in ``pdf.py``): its errors become ours (``PasswordError`` is not a
``PdfError``, so it is caught on its own).  :mod:`ingest.package` uses :func:`sniff`,
:func:`count_tiff_pages` and :func:`count_pdf_pages` to list pages when a package is opened.

One module per container: :mod:`~ingest.sources.formats` (magic bytes), :mod:`~ingest.sources.tiff`,
:mod:`~ingest.sources.pdf`.
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import CorruptImage, UnsupportedFormat
from ingest.model import PageRef
from ingest.sources.formats import IMAGE_FORMATS, SNIFF_BYTES, PageBytes, describe_unknown, sniff
from ingest.sources.pdf import _pdf_page, count_pdf_pages
from ingest.sources.tiff import _tiff_frame, count_tiff_pages, tiff_compression

__all__ = [
    "IMAGE_FORMATS",
    "SNIFF_BYTES",
    "PageBytes",
    "count_pdf_pages",
    "count_tiff_pages",
    "describe_unknown",
    "read_page",
    "read_page_bytes",
    "sniff",
    "tiff_compression",
]

def read_page(package_root: Path, ref: PageRef) -> PageBytes:
    """Return the original bytes of page ``ref`` with their format and, for a PDF page, its resolution.

    The format is ``jpeg``, ``tiff``, ``png`` or ``jp2``.  Raises an :class:`~ingest.errors.IngestError`
    naming the file and page: :class:`UnsupportedFormat`, :class:`CorruptImage` (damaged TIFF structure),
    :class:`EncryptedPdf`, :class:`BrokenPdf`, :class:`NotScannedPage` or :class:`DecompressionBomb`.
    Pixels are not decoded here, except for a Flate-compressed PDF image, which becomes a PNG of the same
    pixels.
    """
    path = Path(package_root) / ref.source
    page_no = ref.index + 1
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise UnsupportedFormat(f"文件无法读取（{exc.strerror or exc}）", ref.source) from exc
    fmt = sniff(head)
    if fmt == "pdf":
        return _pdf_page(path, ref.index, ref.source)
    if fmt == "tiff":
        return PageBytes(_tiff_frame(path, ref.index, ref.source), "tiff")
    if fmt is None:
        raise UnsupportedFormat(f"不支持的文件格式（{describe_unknown(head)}）", ref.source)
    if ref.index:
        raise CorruptImage(f"{fmt.upper()} 文件只有一页，没有第 {page_no} 页", ref.source, page_no)
    return PageBytes(path.read_bytes(), fmt)


def read_page_bytes(package_root: Path, ref: PageRef) -> tuple[bytes, str]:
    """Return the original bytes of page ``ref`` and their format; see :func:`read_page`."""
    page = read_page(package_root, ref)
    return page.data, page.format
