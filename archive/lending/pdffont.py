"""The CJK font of certified copies and certificates: Noto Sans CJK SC, subset to the characters used, embedded.

A PDF viewer on a clerk's machine may have no Chinese font, and a copy must read the same in ten years,
so the font travels inside the PDF.  The whole font is 16 MB; a copy uses a few hundred characters, so
fontTools cuts it down to those (tens of kilobytes) and the CFF outlines are embedded as a CID-keyed
Type 0 font (``/FontFile3 /CIDFontType0C``, ``Identity-H``): each character is written as its CID, which
is the number in the subset glyph's name (``cid12345``).  Subsetting keeps the original CIDs, so the same
characters give the same bytes every time (the copies are deterministic).

The font file is found at ``DANGAN_PDF_FONT`` (a ``.ttc`` with its index after ``#``) or the Debian
package fonts-noto-cjk's path; the parsed font is kept per process because reading it takes a second.
"""

from __future__ import annotations

import functools
import io
import os
import threading
from dataclasses import dataclass

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont

__all__ = ["DEFAULT_FONT", "FontError", "SubsetFont", "embed_font", "subset_font"]

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2"  # index 2: Noto Sans CJK SC

_lock = threading.Lock()
_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "vhea", "vmtx", "VORG", "DSIG")


class FontError(RuntimeError):
    """The CJK font cannot be read (not installed, not a CID-keyed CFF font)."""


@dataclass(frozen=True)
class SubsetFont:
    """A subset ready to embed: the CFF bytes, the CID of each character and each CID's advance (1/1000 em)."""

    name: str
    cff: bytes
    cids: dict[str, int]
    widths: dict[int, int]
    ascent: int
    descent: int

    def encode(self, text: str) -> bytes:
        """``text`` as two-byte CIDs (Identity-H); characters the font lacks become CID 0 (a blank box)."""
        return b"".join(self.cids.get(ch, 0).to_bytes(2, "big") for ch in text)

    def width(self, text: str, size: float) -> float:
        """The advance of ``text`` at ``size`` points."""
        return sum(self.widths.get(self.cids.get(ch, 0), 1000) for ch in text) * size / 1000


def _font_path(spec: str | None) -> tuple[str, int]:
    spec = spec or os.environ.get("DANGAN_PDF_FONT") or DEFAULT_FONT
    path, _, index = spec.partition("#")
    return path, int(index or 0)


@functools.cache
def _font_bytes(path: str, index: int) -> bytes:
    """The font (one member of a collection) as a standalone OpenType file, read once per process."""
    try:
        font = TTFont(path, fontNumber=index, lazy=False)
        # The text is laid out character by character, horizontally: the shaping and vertical tables are dead
        # weight, and decompiling them was half the time of every subset.
        for tag in _UNUSED_TABLES:
            if tag in font:
                del font[tag]
        out = io.BytesIO()
        font.save(out)
    except Exception as exc:  # fontTools raises TTLibError, struct errors, OSError… for a bad or missing file
        raise FontError(f"cannot read the PDF font {path}#{index}: {exc}") from exc
    if "CFF " not in font or not hasattr(font["CFF "].cff[0], "ROS"):
        raise FontError(f"{path}#{index} is not a CID-keyed CFF font")
    return out.getvalue()


@functools.lru_cache(maxsize=64)
def _subset(path: str, index: int, chars: str) -> SubsetFont:
    data = _font_bytes(path, index)
    font = TTFont(io.BytesIO(data))
    options = subset.Options()
    options.layout_features = []  # no shaping tables: the text is laid out character by character
    options.name_IDs = []
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    cmap = font.getBestCmap()
    cids: dict[str, int] = {}
    for ch in chars:
        glyph = cmap.get(ord(ch))
        if glyph and glyph.startswith("cid"):
            cids[ch] = int(glyph[3:])
    hmtx = font["hmtx"]
    widths = {int(g[3:]): hmtx[g][0] for g in font.getGlyphOrder() if g.startswith("cid")}
    widths[0] = hmtx[".notdef"][0] if ".notdef" in hmtx.metrics else 1000
    cff = io.BytesIO()
    font["CFF "].cff.compile(cff, font)
    os2 = font["OS/2"]
    name = font["CFF "].cff.fontNames[0]
    return SubsetFont(name=name, cff=cff.getvalue(), cids=cids, widths=widths,
                      ascent=os2.sTypoAscender, descent=os2.sTypoDescender)


def subset_font(text: str, spec: str | None = None) -> SubsetFont:
    """The font cut down to the characters of ``text`` (thread-safe; identical input, identical bytes)."""
    path, index = _font_path(spec)
    chars = "".join(sorted((set(text) | set(" 0123456789")) - {"\n", "\r", "\t"}))
    with _lock:
        return _subset(path, index, chars)


def _tag(sub: SubsetFont) -> str:
    # PDF subset fonts carry a six-letter tag; derived from the characters so that it is stable.
    import hashlib

    digest = hashlib.sha256("".join(sorted(sub.cids)).encode()).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def embed_font(pdf: pikepdf.Pdf, sub: SubsetFont) -> pikepdf.Object:
    """Add the subset to ``pdf`` as a Type 0 font and return its dictionary (for a page's /Font resources)."""
    base = pikepdf.Name(f"/{_tag(sub)}+{sub.name}")
    stream = pikepdf.Stream(pdf, sub.cff)
    stream.Subtype = pikepdf.Name.CIDFontType0C
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=base, Flags=4,
        FontBBox=[-1000, sub.descent - 100, 3000, sub.ascent + 100], ItalicAngle=0, Ascent=sub.ascent,
        Descent=sub.descent, CapHeight=733, StemV=80, FontFile3=pdf.make_indirect(stream)))
    w: list[object] = []
    for cid in sorted(sub.widths):
        w.extend([cid, [sub.widths[cid]]])
    cid_font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType0, BaseFont=base,
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                         Supplement=0),
        FontDescriptor=descriptor, DW=1000, W=pikepdf.Array(w)))
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=base, Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=[cid_font], ToUnicode=pdf.make_indirect(pikepdf.Stream(pdf, _to_unicode(sub)))))


def _to_unicode(sub: SubsetFont) -> bytes:
    """A ToUnicode CMap, so that text copied out of the PDF (or searched in it) is the real characters."""
    pairs = sorted((cid, ch) for ch, cid in sub.cids.items())
    lines = ["/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
             "1 begincodespacerange <0000> <FFFF> endcodespacerange"]
    for start in range(0, len(pairs), 100):
        chunk = pairs[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines.extend(f"<{cid:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for cid, ch in chunk)
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode("ascii")
