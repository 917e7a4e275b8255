"""A JBIG2-compressed, image-only PDF made here, without a JBIG2 encoder.

No JBIG2 encoder is packaged for Debian (``jbig2enc`` is not), but a JBIG2 *generic region* may be coded
with MMR, which is exactly CCITT T.6 (Group 4) — and Pillow writes Group 4 TIFFs.  So the page is thresholded
to 1 bit, Group 4-coded by Pillow, and the strip is wrapped in the three segments of an embedded JBIG2
stream (PDF's ``JBIG2Decode``, ISO 32000 §7.4.7; ITU-T T.88 §7.2–7.4): page information, an immediate
lossless generic region with MMR set, end of page.
"""

from __future__ import annotations

import io
import struct

import pikepdf
from PIL import Image, ImageOps

__all__ = ["jbig2_pdf", "jbig2_stream"]

_PAGE_INFO, _IMMEDIATE_LOSSLESS_GENERIC, _END_OF_PAGE = 48, 39, 49


def _group4(image: Image.Image) -> bytes:
    """T.6-coded rows of a 1-bit image, 1 meaning black (as JBIG2 has it), in one strip."""
    # A mode-"1" TIFF is written MinIsBlack (1 = white); coding the inverse makes the 1 bits the black ones.
    inverse = ImageOps.invert(image.convert("L")).convert("1")
    out = io.BytesIO()
    inverse.save(out, "TIFF", compression="group4", strip_size=1 << 30)
    tiff = Image.open(io.BytesIO(out.getvalue()))
    offsets, counts = tiff.tag_v2[273], tiff.tag_v2[279]
    assert len(offsets) == 1, "one strip: T.6 cannot be continued across strips"
    return out.getvalue()[offsets[0]:offsets[0] + counts[0]]


def _segment(number: int, kind: int, data: bytes) -> bytes:
    # number, flags (type; 1-byte page association), no referred-to segments, page 1, data length
    return struct.pack(">IBBBI", number, kind, 0, 1, len(data)) + data


def jbig2_stream(image: Image.Image, dpi: int = 300) -> bytes:
    """An embedded JBIG2 stream of ``image`` (thresholded to 1 bit)."""
    bitonal = image if image.mode == "1" else image.convert("L").point(lambda v: 255 if v > 128 else 0).convert("1")
    width, height = bitonal.size
    ppm = round(dpi / 0.0254)
    page = struct.pack(">IIIIBH", width, height, ppm, ppm, 0, 0)
    region = struct.pack(">IIIIB", width, height, 0, 0, 0) + bytes([1]) + _group4(bitonal)  # flags: MMR
    return (_segment(0, _PAGE_INFO, page) + _segment(1, _IMMEDIATE_LOSSLESS_GENERIC, region)
            + _segment(2, _END_OF_PAGE, b""))


def jbig2_pdf(image: Image.Image, dpi: int = 300) -> bytes:
    """A one-page PDF whose page is ``image``, JBIG2-compressed, drawn over the whole page at ``dpi``."""
    bitonal = image.convert("L").point(lambda v: 255 if v > 128 else 0).convert("1")
    width, height = bitonal.size
    pdf = pikepdf.new()
    xobject = pikepdf.Stream(pdf, jbig2_stream(bitonal, dpi), Type=pikepdf.Name.XObject,
                             Subtype=pikepdf.Name.Image, Width=width, Height=height,
                             ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=1,
                             Filter=pikepdf.Name.JBIG2Decode)
    w, h = width * 72 / dpi, height * 72 / dpi
    pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, w, h],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject)),
        Contents=pikepdf.Stream(pdf, f"q {w} 0 0 {h} 0 0 cm /Im0 Do Q".encode()))))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
