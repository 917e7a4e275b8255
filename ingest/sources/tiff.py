"""TIFF: counting pages and cutting one frame out into a single-page TIFF without re-encoding it."""

from __future__ import annotations

import io
import logging
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from ingest.errors import (
    CorruptImage,
    IngestError,
)

log = logging.getLogger(__name__)

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
