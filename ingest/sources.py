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

This module is also the one wrapper around pikepdf: its errors become ours (``PasswordError`` is not a
``PdfError``, so it is caught on its own).  :mod:`ingest.package` uses :func:`sniff`,
:func:`count_tiff_pages` and :func:`count_pdf_pages` to list pages when a package is opened.
"""

from __future__ import annotations

import io
import logging
import math
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import pikepdf
from PIL import Image, UnidentifiedImageError

from ingest.errors import (
    BrokenPdf,
    CorruptImage,
    DecompressionBomb,
    EncryptedPdf,
    IngestError,
    MissingDecoder,
    NotScannedPage,
    UnsupportedFormat,
)
from ingest.model import PageRef

__all__ = [
    "IMAGE_FORMATS",
    "PageBytes",
    "count_pdf_pages",
    "count_tiff_pages",
    "describe_unknown",
    "read_page",
    "read_page_bytes",
    "sniff",
    "tiff_compression",
]

log = logging.getLogger(__name__)

#: Formats a page's original may have (what :func:`read_page_bytes` returns).
IMAGE_FORMATS = ("jpeg", "tiff", "png", "jp2")

# How many bytes of a file :func:`sniff` needs: PDF allows junk before ``%PDF-`` within the first 1 KiB.
SNIFF_BYTES = 1024


# --- format by magic bytes ----------------------------------------------------------------------------


def sniff(head: bytes) -> str | None:
    """Return ``jpeg``, ``tiff``, ``png``, ``jp2``, ``pdf`` or ``None`` from a file's first bytes.

    The extension is never trusted: scanners and users rename files, and a ``.jpg`` that is really a
    BMP must be rejected rather than stored as a JPEG.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    # JP2 file (signature box) or a raw J2K codestream (SOC + SIZ markers).
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return "jp2"
    if b"%PDF-" in head[:SNIFF_BYTES]:
        return "pdf"
    return None


def describe_unknown(head: bytes) -> str:
    """Name, in Chinese, what an unsupported file probably is, for the rejection message."""
    if not head:
        return "空文件"
    if head.startswith(b"BM"):
        return "BMP 位图"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF 图像"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif"):
        return "HEIC/HEIF 图像"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP 图像"
    if head.startswith(b"PK\x03\x04"):
        return "Office 文档、OFD 或压缩包"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "旧版 Office 文档（doc/xls）"
    if head.startswith(b"{\\rtf"):
        return "RTF 文档"
    if head.startswith((b"Rar!", b"7z\xbc\xaf")):
        return "压缩包"
    return "无法识别的文件"


# --- TIFF: pages and frames ---------------------------------------------------------------------------

# Size in bytes of each TIFF field type (1 BYTE … 13 IFD, 16–18 BigTIFF 8-byte types).
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}
_INT_FORMATS = {1: "B", 3: "H", 4: "I", 13: "I", 16: "Q"}
_NEW_SUBFILE_TYPE = 254
_COMPRESSION = 259
_STRIP_OFFSETS, _STRIP_BYTE_COUNTS = 273, 279
_TILE_OFFSETS, _TILE_BYTE_COUNTS = 324, 325
# Tags that point at other structures in the file; a cut-out frame cannot keep them.
_POINTER_TAGS = frozenset({288, 289, 330, 513, 514, 34665, 34853, 40965})
_MAX_IFDS = 100_000  # a loop or a forged chain must not keep us reading forever

#: TIFF Compression tag values, named as :class:`ingest.model.PageMetrics` spells them.
TIFF_COMPRESSION_NAMES = {
    1: "raw", 2: "ccitt_rle", 3: "group3", 4: "group4", 5: "lzw", 6: "jpeg", 7: "jpeg", 8: "deflate",
    32946: "deflate", 32773: "packbits", 34712: "jpx", 34925: "lzma", 50000: "zstd", 50001: "webp",
}


class _TiffEntry:
    """One IFD entry with its value bytes (inline or fetched from the offset)."""

    __slots__ = ("count", "data", "tag", "type")

    def __init__(self, tag: int, type_: int, count: int, data: bytes) -> None:
        self.tag, self.type, self.count, self.data = tag, type_, count, data


class _Tiff:
    """A minimal TIFF reader over a file: byte order, IFD chain and entries; no pixel decoding."""

    def __init__(self, fh: BinaryIO, source: str) -> None:
        self.fh, self.source = fh, source
        fh.seek(0, io.SEEK_END)
        self.size = fh.tell()
        fh.seek(0)
        header = fh.read(16)
        if header[:2] not in (b"II", b"MM") or len(header) < 8:
            raise CorruptImage("TIFF 文件头损坏", source)
        self.endian = "<" if header[:2] == b"II" else ">"
        (magic,) = struct.unpack(self.endian + "H", header[2:4])
        self.big = magic == 43
        if self.big:
            (self.first,) = struct.unpack(self.endian + "Q", header[8:16])
        else:
            (self.first,) = struct.unpack(self.endian + "I", header[4:8])

    def _read(self, offset: int, size: int) -> bytes:
        if offset < 0 or offset + size > self.size:
            raise CorruptImage("TIFF 文件被截断或结构损坏", self.source)
        self.fh.seek(offset)
        return self.fh.read(size)

    def ifd_offsets(self) -> list[int]:
        """Offsets of every IFD in the main chain (not SubIFDs)."""
        offsets: list[int] = []
        seen: set[int] = set()
        offset = self.first
        count_fmt, count_size, entry_size, next_fmt = (
            ("Q", 8, 20, "Q") if self.big else ("H", 2, 12, "I"))
        while offset:
            if offset in seen or len(offsets) >= _MAX_IFDS:
                raise CorruptImage("TIFF 的页面链成环或过长", self.source)
            seen.add(offset)
            offsets.append(offset)
            (n,) = struct.unpack(self.endian + count_fmt, self._read(offset, count_size))
            raw = self._read(offset + count_size + n * entry_size, 8 if self.big else 4)
            (offset,) = struct.unpack(self.endian + next_fmt, raw)
        if not offsets:
            raise CorruptImage("TIFF 中没有图像", self.source)
        return offsets

    def entries(self, ifd: int) -> dict[int, _TiffEntry]:
        """The entries of the IFD at ``ifd``, values resolved; unknown field types are skipped."""
        e = self.endian
        if self.big:
            (n,) = struct.unpack(e + "Q", self._read(ifd, 8))
            body, start, entry_size, inline = self._read(ifd + 8, n * 20), 0, 20, 8
        else:
            (n,) = struct.unpack(e + "H", self._read(ifd, 2))
            body, start, entry_size, inline = self._read(ifd + 2, n * 12), 0, 12, 4
        out: dict[int, _TiffEntry] = {}
        for i in range(n):
            raw = body[start + i * entry_size: start + (i + 1) * entry_size]
            if self.big:
                tag, type_, count = struct.unpack(e + "HHQ", raw[:12])
                value = raw[12:20]
            else:
                tag, type_, count = struct.unpack(e + "HHI", raw[:8])
                value = raw[8:12]
            if type_ not in _TYPE_SIZES:
                continue
            size = _TYPE_SIZES[type_] * count
            if size <= inline:
                data = value[:size]
            else:
                (pointer,) = struct.unpack(e + ("Q" if self.big else "I"), value)
                data = self._read(pointer, size)
            out[tag] = _TiffEntry(tag, type_, count, data)
        return out

    def ints(self, entry: _TiffEntry) -> list[int]:
        """An integer-valued entry as a list (BYTE, SHORT, LONG, IFD, LONG8)."""
        fmt = _INT_FORMATS.get(entry.type)
        if fmt is None:
            raise CorruptImage(f"TIFF 标签 {entry.tag} 的类型异常", self.source)
        return list(struct.unpack(f"{self.endian}{entry.count}{fmt}", entry.data))

    def page_ifds(self) -> list[int]:
        """IFDs that are pages: reduced-resolution copies (thumbnails, NewSubfileType bit 0) are skipped."""
        pages = []
        for offset in self.ifd_offsets():
            kind = self.entries(offset).get(_NEW_SUBFILE_TYPE)
            if kind is not None and self.ints(kind)[0] & 1:
                continue
            pages.append(offset)
        return pages


def count_tiff_pages(path: Path, source: str = "") -> int:
    """Number of pages in a TIFF file (thumbnail IFDs not counted); :class:`CorruptImage` when unreadable."""
    with open(path, "rb") as fh:
        try:
            return len(_Tiff(fh, source or path.name).page_ifds())
        except struct.error as exc:
            raise CorruptImage("TIFF 结构损坏", source or path.name) from exc


def tiff_compression(data: bytes) -> str | None:
    """Name of the compression of the first page of TIFF ``data`` (``group4``, ``lzw`` …), if readable."""
    try:
        tiff = _Tiff(io.BytesIO(data), "")
        entry = tiff.entries(tiff.first).get(_COMPRESSION)
        code = tiff.ints(entry)[0] if entry is not None else 1
    except (IngestError, struct.error):
        return None
    return TIFF_COMPRESSION_NAMES.get(code, f"tiff-{code}")


def _tiff_frame(path: Path, index: int, source: str) -> bytes:
    """Frame ``index`` (0-based page) of a TIFF file as a single-page TIFF, compressed data copied as is."""
    with open(path, "rb") as fh:
        try:
            tiff = _Tiff(fh, source)
            all_ifds = tiff.ifd_offsets()
            pages = tiff.page_ifds()
            if not 0 <= index < len(pages):
                raise CorruptImage(f"TIFF 只有 {len(pages)} 页，没有第 {index + 1} 页", source, index + 1)
            if len(all_ifds) == 1:
                fh.seek(0)
                return fh.read()  # a single-image file is its own original
            entries = tiff.entries(pages[index])
            if tiff.big or 513 in entries:
                # BigTIFF or old-style JPEG: pointer structures we do not rewrite; let Pillow re-save.
                return _tiff_frame_by_pillow(path, all_ifds.index(pages[index]), source, index)
            return _copy_frame(tiff, entries, source, index)
        except struct.error as exc:
            raise CorruptImage("TIFF 结构损坏", source, index + 1) from exc


def _copy_frame(tiff: _Tiff, entries: dict[int, _TiffEntry], source: str, index: int) -> bytes:
    """Write a classic TIFF holding one IFD: the frame's tags, its strips or tiles copied byte for byte."""
    e = tiff.endian
    if _STRIP_OFFSETS in entries and _STRIP_BYTE_COUNTS in entries:
        offsets_tag, counts_tag = _STRIP_OFFSETS, _STRIP_BYTE_COUNTS
    elif _TILE_OFFSETS in entries and _TILE_BYTE_COUNTS in entries:
        offsets_tag, counts_tag = _TILE_OFFSETS, _TILE_BYTE_COUNTS
    else:
        raise CorruptImage("TIFF 页面缺少图像数据的位置", source, index + 1)
    offsets = tiff.ints(entries[offsets_tag])
    counts = tiff.ints(entries[counts_tag])
    if len(offsets) != len(counts):
        raise CorruptImage("TIFF 页面的数据块表不一致", source, index + 1)
    chunks = [tiff._read(off, n) for off, n in zip(offsets, counts, strict=True)]

    kept = [en for tag, en in sorted(entries.items())
            if tag not in _POINTER_TAGS and en.type <= 12 and tag not in (offsets_tag, counts_tag)]
    # Offsets and counts are rewritten as LONG: their values change, their meaning does not.
    kept.append(_TiffEntry(counts_tag, 4, len(counts), struct.pack(f"{e}{len(counts)}I", *counts)))
    kept.append(_TiffEntry(offsets_tag, 4, len(offsets), b""))  # filled in below
    kept.sort(key=lambda en: en.tag)

    ifd_size = 2 + 12 * len(kept) + 4
    cursor = 8 + ifd_size
    external: dict[int, int] = {}
    for en in kept:
        size = 4 * en.count if en.tag == offsets_tag else len(en.data)
        if size > 4:
            cursor += cursor & 1  # values start on a word boundary
            external[en.tag] = cursor
            cursor += size
    data_start = cursor + (cursor & 1)
    strip_offsets, pos = [], data_start
    for chunk in chunks:
        strip_offsets.append(pos)
        pos += len(chunk)
    if pos >= 2**32:
        raise CorruptImage("TIFF 页面过大，无法单独取出", source, index + 1)

    out = io.BytesIO()
    out.write((b"II" if e == "<" else b"MM") + struct.pack(e + "HI", 42, 8))
    out.write(struct.pack(e + "H", len(kept)))
    for en in kept:
        if en.tag == offsets_tag:
            en.data = struct.pack(f"{e}{len(strip_offsets)}I", *strip_offsets)
        value = struct.pack(e + "I", external[en.tag]) if en.tag in external else en.data.ljust(4, b"\x00")
        out.write(struct.pack(e + "HHI", en.tag, en.type, en.count) + value)
    out.write(struct.pack(e + "I", 0))
    for en in kept:
        if en.tag in external:
            out.write(b"\x00" * (external[en.tag] - out.tell()))
            out.write(en.data)
    out.write(b"\x00" * (data_start - out.tell()))
    for chunk in chunks:
        out.write(chunk)
    return out.getvalue()


def _rational(value: float, endian: str) -> bytes:
    return struct.pack(endian + "II", round(value * 100), 100)


def _tiff_with_dpi(data: bytes, dpi: float) -> bytes:
    """Rewrite the one-IFD TIFF ``data`` (pikepdf's CCITT wrapper) to state ``dpi``; the strips are untouched."""
    tiff = _Tiff(io.BytesIO(data), "")
    entries = tiff.entries(tiff.first)
    e = tiff.endian
    entries[282] = _TiffEntry(282, 5, 1, _rational(dpi, e))
    entries[283] = _TiffEntry(283, 5, 1, _rational(dpi, e))
    entries[296] = _TiffEntry(296, 3, 1, struct.pack(e + "H", 2))  # ResolutionUnit: inch
    return _copy_frame(tiff, entries, "", 0)


def _png_with_dpi(data: bytes, dpi: float) -> bytes:
    """Insert (or replace) the pHYs chunk of PNG ``data``: pixels per metre, as PNG states resolution."""
    ppm = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", ppm, ppm, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body))
    out, pos = [data[:8]], 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if kind != b"pHYs":
            out.append(data[pos:end])
        if kind == b"IHDR":
            out.append(chunk)
        pos = end
    return b"".join(out)


def _tiff_frame_by_pillow(path: Path, ifd_index: int, source: str, index: int) -> bytes:
    """Fallback for BigTIFF/old-JPEG frames: decode and re-save with the same compression where lossless."""
    try:
        with Image.open(path) as im:
            im.seek(ifd_index)
            compression = im.info.get("compression", "raw")
            if compression in ("jpeg", "tiff_jpeg"):
                log.warning("%s p.%d: JPEG-in-TIFF frame re-encoded (BigTIFF/old-style JPEG)", source, index + 1)
                compression = "jpeg"
            out = io.BytesIO()
            im.save(out, "TIFF", compression=compression, dpi=im.info.get("dpi", (0, 0)))
            return out.getvalue()
    except (OSError, EOFError, ValueError, UnidentifiedImageError) as exc:
        raise CorruptImage("TIFF 页面无法读取", source, index + 1) from exc


# --- PDF: opening, checking a page is a scan, extracting its image ------------------------------------


def _why(exc: BaseException, path: Path, source: str) -> str:
    """An error's text with the file's server path replaced by its name in the package.

    qpdf (through pikepdf) starts its messages with the path it opened, ``/srv/…/tmp/XC-1.pdf: …``: that
    path means nothing to an archivist and tells anyone who reads the QC report where the server works.
    """
    text = str(exc)
    for where in {str(path.resolve()), str(path)}:
        text = text.replace(where, source)
    return text


@contextmanager
def _open_pdf(path: Path, source: str) -> Iterator[pikepdf.Pdf]:
    """Open a PDF read-only, translating pikepdf's errors into ours."""
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as exc:  # not a PdfError: catch it first and on its own
        raise EncryptedPdf("PDF 已加密，需要密码才能打开", source) from exc
    except pikepdf.PdfError as exc:
        raise BrokenPdf(f"PDF 已损坏，无法打开（{_why(exc, path, source)}）", source) from exc
    except (OSError, ValueError) as exc:
        raise BrokenPdf(f"PDF 无法读取（{_why(exc, path, source)}）", source) from exc
    try:
        yield pdf
    finally:
        pdf.close()


def count_pdf_pages(path: Path, source: str = "") -> int:
    """Number of pages of a PDF; :class:`EncryptedPdf` or :class:`BrokenPdf` when it cannot be read."""
    source = source or path.name
    with _open_pdf(path, source) as pdf:
        try:
            return len(pdf.pages)
        except pikepdf.PdfError as exc:
            raise BrokenPdf(f"PDF 页面树损坏（{_why(exc, path, source)}）", source) from exc


_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_TEXT_SHOW = frozenset({"Tj", "TJ", "'", '"'})
_PATH_PAINT = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"})
_INVISIBLE_TEXT = (3, 7)  # render modes that paint nothing (an OCR text layer, a text clip)
_MAX_FORM_DEPTH = 8
# An image "covers the page" when it covers this share of the page box and is not much larger than it.
_MIN_COVER, _MAX_OVERSIZE = 0.90, 1.10


def _mul(m: _Matrix, n: _Matrix) -> _Matrix:
    """Matrix product m × n in PDF's row-vector convention (``cm`` pre-multiplies the CTM)."""
    a, b, c, d, e, f = m
    aa, bb, cc, dd, ee, ff = n
    return (a * aa + b * cc, a * bb + b * dd, c * aa + d * cc, c * bb + d * dd,
            e * aa + f * cc + ee, e * bb + f * dd + ff)


class _Drawn:
    """What a page's content draws: image XObjects with their CTM, and what else (the reasons it is no scan)."""

    def __init__(self) -> None:
        self.images: list[tuple[pikepdf.Object, _Matrix]] = []
        self.other: list[str] = []


def _walk(content: pikepdf.Object | pikepdf.Page, resources: pikepdf.Object | None, ctm: _Matrix,
          drawn: _Drawn, depth: int) -> None:
    """Follow a content stream's graphics state; record images and anything else that paints."""
    stack: list[tuple[_Matrix, int]] = []
    render_mode = 0
    for instruction in pikepdf.parse_content_stream(content):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            drawn.other.append("内嵌图像")
            continue
        op = str(instruction.operator)
        operands = instruction.operands
        if op == "q":
            stack.append((ctm, render_mode))
        elif op == "Q":
            if stack:
                ctm, render_mode = stack.pop()
        elif op == "cm" and len(operands) == 6:
            ctm = _mul(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif op == "Tr" and operands:
            render_mode = int(operands[0])
        elif op in _TEXT_SHOW:
            if render_mode not in _INVISIBLE_TEXT:
                drawn.other.append("文字")
        elif op in _PATH_PAINT:
            drawn.other.append("矢量图形")
        elif op == "sh":
            drawn.other.append("渐变填充")
        elif op == "Do" and operands:
            _draw_xobject(operands[0], resources, ctm, drawn, depth)


def _draw_xobject(name: pikepdf.Object, resources: pikepdf.Object | None, ctm: _Matrix, drawn: _Drawn,
                  depth: int) -> None:
    xobjects = resources.get("/XObject") if resources is not None else None
    xobject = xobjects.get(str(name)) if xobjects is not None else None
    if xobject is None:
        drawn.other.append(f"缺失的对象 {name}")
        return
    subtype = xobject.get("/Subtype")
    if subtype == "/Image":
        drawn.images.append((xobject, ctm))
    elif subtype == "/Form":
        if depth >= _MAX_FORM_DEPTH:
            drawn.other.append("嵌套过深的表单对象")
            return
        matrix = xobject.get("/Matrix")
        form_ctm = _mul(tuple(float(v) for v in matrix), ctm) if matrix is not None else ctm  # type: ignore[arg-type]
        # A form without its own resources inherits those of the page that draws it.
        _walk(xobject, xobject.get("/Resources", resources), form_ctm, drawn, depth + 1)
    else:
        drawn.other.append(f"未知对象 {subtype}")


def _box(array: pikepdf.Object) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in array)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _image_box(ctm: _Matrix) -> tuple[float, float, float, float]:
    """Where the unit square an image is painted into lands on the page."""
    a, b, c, d, e, f = ctm
    xs = [e, a + e, c + e, a + c + e]
    ys = [f, b + f, d + f, b + d + f]
    return min(xs), min(ys), max(xs), max(ys)


def _scan_image(page: pikepdf.Page, source: str, page_no: int) -> tuple[pikepdf.Object, _Matrix]:
    """The one image a scanned page consists of, and where it is painted; :class:`NotScannedPage` otherwise."""
    drawn = _Drawn()
    _walk(page, page.obj.get("/Resources"), _IDENTITY, drawn, 0)
    if drawn.other:
        kinds = "、".join(dict.fromkeys(drawn.other))
        raise NotScannedPage(f"该页不是扫描图像：含有{kinds}", source, page_no)
    if len(drawn.images) != 1:
        what = "没有图像" if not drawn.images else f"含有 {len(drawn.images)} 幅图像"
        raise NotScannedPage(f"该页不是扫描图像：{what}（应恰好一幅覆盖整页的图像）", source, page_no)
    image, ctm = drawn.images[0]
    px0, py0, px1, py1 = _box(page.cropbox)
    ix0, iy0, ix1, iy1 = _image_box(ctm)
    page_area = (px1 - px0) * (py1 - py0)
    overlap = max(0.0, min(px1, ix1) - max(px0, ix0)) * max(0.0, min(py1, iy1) - max(py0, iy0))
    image_area = (ix1 - ix0) * (iy1 - iy0)
    if page_area <= 0 or overlap < _MIN_COVER * page_area or image_area > _MAX_OVERSIZE * page_area:
        raise NotScannedPage("该页不是扫描图像：图像没有覆盖整个页面", source, page_no)
    rotation = int(page.obj.get("/Rotate", 0)) % 360
    turned = abs(ctm[1]) > 1e-6 or abs(ctm[2]) > 1e-6 or ctm[0] < 0 or ctm[3] < 0
    if rotation or turned:
        # The extracted image keeps its stored orientation; the page shows it turned.
        log.warning("%s p.%d: PDF page shows its image rotated (/Rotate %d, matrix %s); kept as stored",
                    source, page_no, rotation, tuple(round(v, 3) for v in ctm[:4]))
    return image, ctm


# Scanner resolutions: a PDF page size rounded to whole points gives 300.1 dpi where 300 was scanned.
_STANDARD_DPI = (72, 96, 100, 120, 150, 200, 240, 250, 254, 300, 320, 360, 400, 600, 1200)


def _pdf_dpi(width: int, height: int, ctm: _Matrix) -> float | None:
    """Resolution of an image painted with ``ctm``: its pixels over the length (in inches) it is drawn at."""
    a, b, c, d = ctm[:4]
    across, down = math.hypot(a, b), math.hypot(c, d)
    if across <= 0 or down <= 0 or width <= 0 or height <= 0:
        return None
    dpi = (width * 72 / across + height * 72 / down) / 2
    near = min(_STANDARD_DPI, key=lambda v: abs(v - dpi))
    return float(near) if abs(near - dpi) <= 0.01 * near else round(dpi, 1)


_EXTENSION_FORMATS = {".jpg": "jpeg", ".jp2": "jp2", ".tif": "tiff", ".png": "png"}


def _pdf_page(path: Path, index: int, source: str) -> PageBytes:
    page_no = index + 1
    with _open_pdf(path, source) as pdf:
        try:
            if not 0 <= index < len(pdf.pages):
                raise BrokenPdf(f"PDF 只有 {len(pdf.pages)} 页", source, page_no)
            image, ctm = _scan_image(pdf.pages[index], source, page_no)
            pim = pikepdf.PdfImage(cast(pikepdf.Stream, image))  # _scan_image checked /Subtype /Image
            out = io.BytesIO()
            # apply_mask=False: the scan is the base image; a soft mask would need compositing (transcoding).
            ext = pim.extract_to(stream=out, apply_mask=False)
            dpi = _pdf_dpi(pim.width, pim.height, ctm)
        except IngestError:
            raise
        except pikepdf.PasswordError as exc:
            raise EncryptedPdf("PDF 已加密", source, page_no) from exc
        except Image.DecompressionBombError as exc:  # pikepdf's bomb errors subclass Pillow's
            raise DecompressionBomb(f"PDF 中的图像像素过多（{exc}）", source, page_no) from exc
        except (pikepdf.NotExtractableError, pikepdf.UnsupportedImageTypeError, pikepdf.InvalidPdfImageError) as exc:
            raise UnsupportedFormat(f"PDF 中的图像无法无损取出（{_why(exc, path, source)}）", source, page_no) from exc
        except pikepdf.DependencyError as exc:  # a decoder missing on this server (jbig2dec): the page is not at fault
            raise MissingDecoder(f"服务器缺少读取该页所需的解码程序（{exc}），页面本身未必损坏",
                                 source, page_no) from exc
        except pikepdf.PikepdfError as exc:  # PdfError, DataDecodingError, ImageDecompressionError …
            raise BrokenPdf(f"PDF 页面损坏（{_why(exc, path, source)}）", source, page_no) from exc
        except (ValueError, TypeError, OSError, struct.error) as exc:  # malformed numbers or streams
            raise BrokenPdf(f"PDF 页面无法解析（{_why(exc, path, source)}）", source, page_no) from exc
    fmt = _EXTENSION_FORMATS.get(ext)
    if fmt is None:
        raise UnsupportedFormat(f"PDF 中的图像格式 {ext} 不受支持", source, page_no)
    data = out.getvalue()
    # The TIFF around CCITT data and the PNG of Flate pixels are our own wrappers: let them state the
    # resolution the PDF gives.  A JPEG or JPEG 2000 stays byte for byte; its resolution travels beside it.
    if dpi is not None and fmt == "tiff":
        data = _tiff_with_dpi(data, dpi)
    elif dpi is not None and fmt == "png":
        data = _png_with_dpi(data, dpi)
    return PageBytes(data, fmt, dpi)


# --- the entry point ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageBytes:
    """A page's original bytes, their format, and the resolution its container states (PDF pages)."""

    data: bytes
    format: str
    dpi: float | None = None  # image pixels over drawn size for a PDF page; None: ask the image itself


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
