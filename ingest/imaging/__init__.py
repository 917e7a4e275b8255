"""Decoding page images safely and measuring them: resolution, colour, blank, skew, perceptual hash.

The one wrapper around Pillow's decoders: :func:`decode` refuses images that declare too many pixels
before their pixels are read, forces a full decode so that a truncated file fails here rather than later,
and turns every Pillow failure into an :class:`~ingest.errors.IngestError`.

The analyses work on small grey copies made with :meth:`PIL.Image.Image.reduce` (a box filter in C), never
on the full 300 dpi page: blank detection and the perceptual hash at about 600 px wide, the skew search
at about 1200 px.  Everything is Pillow and pure Python (no numpy): the skew search shears a narrow image
of per-strip row profiles instead of rotating the page, and the 32×32 DCT of the hash is separable and
only computes the 8×8 coefficients it keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from ingest.imaging.copies import _BLANK_WIDTH, _grey, _normalised, _reduced
from ingest.imaging.decoding import DEFAULT_MAX_PIXELS, decode
from ingest.imaging.derivatives import make_thumb, make_view
from ingest.imaging.hashing import _phash_of, hamming, phash
from ingest.imaging.measures import (
    _SKEW_WIDTH,
    _blank,
    _colour_from,
    _skew,
    classify_colour,
    estimate_skew,
    image_dpi,
    is_blank,
)
from ingest.model import PageMetrics
from ingest.sources import tiff_compression

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "classify_colour",
    "decode",
    "estimate_skew",
    "hamming",
    "image_dpi",
    "is_blank",
    "make_thumb",
    "make_view",
    "page_metrics",
    "phash",
]


# --- everything at once -------------------------------------------------------------------------------

_COMPRESSION_BY_FORMAT = {"jpeg": "jpeg", "png": "deflate", "jp2": "jpx"}


def _compression(image: Image.Image, fmt: str, data: bytes) -> str:
    if fmt == "tiff":
        named = tiff_compression(data)
        if named:
            return named
        pillow = str(image.info.get("compression", "raw"))
        return {"tiff_lzw": "lzw", "tiff_adobe_deflate": "deflate", "tiff_deflate": "deflate",
                "tiff_jpeg": "jpeg", "tiff_ccitt": "ccitt_rle", "tiff_raw_16": "raw"}.get(pillow, pillow)
    return _COMPRESSION_BY_FORMAT.get(fmt, fmt)


@dataclass(frozen=True)
class _Copies:
    small: Image.Image  # ~600 px wide, grey
    mid: Image.Image  # ~1200 px wide, grey


def _copies(image: Image.Image) -> tuple[_Copies, Image.Image]:
    mid_any = _reduced(image, _SKEW_WIDTH)
    factor = max(1, mid_any.width // _BLANK_WIDTH)
    small_any = _normalised(mid_any.reduce(factor) if factor > 1 else mid_any, _BLANK_WIDTH)
    return _Copies(small=_grey(small_any), mid=_grey(mid_any)), small_any


def page_metrics(image: Image.Image, fmt: str, data: bytes, *, dpi: float | None = None) -> PageMetrics:
    """Measure a decoded page: format, compression, size, resolution, colour, blank, skew and hash.

    ``dpi`` overrides the resolution the image states: a PDF page's resolution is its image's pixels over
    the size it is drawn at (:attr:`ingest.sources.PageBytes.dpi`), whatever the embedded JPEG says.
    """
    copies, small_any = _copies(image)
    blank = _blank(copies.small)
    return PageMetrics(
        format=fmt,
        compression=_compression(image, fmt, data),
        width=image.width,
        height=image.height,
        dpi=dpi if dpi is not None else image_dpi(image),
        colour=_colour_from(image, small_any),
        blank=blank,
        skew_deg=None if blank else _skew(copies.mid),
        phash=_phash_of(copies.small),
    )
