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

import io
import logging
import math
import struct
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageOps, UnidentifiedImageError

from ingest.errors import CorruptImage, DecompressionBomb, UnsupportedFormat
from ingest.model import PageMetrics
from ingest.sources import SNIFF_BYTES, describe_unknown, sniff, tiff_compression

__all__ = [
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

log = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 200_000_000

# Pillow plugins allowed for each sniffed format: a file is decoded as what its bytes say it is.
_PIL_FORMATS = {"jpeg": ("JPEG", "MPO"), "tiff": ("TIFF",), "png": ("PNG",), "jp2": ("JPEG2000",)}


# --- decoding -----------------------------------------------------------------------------------------


def decode(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, source: str = "") -> Image.Image:
    """Decode a page image completely and turn it upright (EXIF orientation).

    Raises :class:`UnsupportedFormat` for bytes that are not JPEG, TIFF, PNG or JPEG 2000,
    :class:`DecompressionBomb` when the image declares more than ``max_pixels`` pixels (checked from the
    header, before any pixel is decoded) and :class:`CorruptImage` when it cannot be decoded to the end.
    ``source`` names the page in messages (``XC-1/0003.jpg``, ``XC-1.pdf p.3``).

    Pillow's own bomb limit (``Image.MAX_IMAGE_PIXELS``) is left alone, so an image beyond twice that
    limit is refused by Pillow whatever ``max_pixels`` says; its warning below that is silenced here
    because ``max_pixels`` is the limit that counts.
    """
    fmt = sniff(data[:SNIFF_BYTES])
    if fmt is None or fmt == "pdf":
        what = "PDF（应先取出页面图像）" if fmt == "pdf" else describe_unknown(data[:16])
        raise UnsupportedFormat(f"不支持的图像格式（{what}）", source)
    try:
        # record=True keeps warnings local to this block (nothing is printed, nothing escalates under
        # ``-W error``); what Pillow warned about is logged instead.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            image = Image.open(io.BytesIO(data), formats=_PIL_FORMATS[fmt])
            pixels = image.width * image.height
            if pixels > max_pixels:
                raise DecompressionBomb(
                    f"图像声明的尺寸 {image.width}×{image.height} 超过上限 {max_pixels:,} 像素", source)
            if getattr(image, "n_frames", 1) > 1:
                log.info("%s: image has %d frames; the first is the page", source, image.n_frames)
            image.load()
        for warning in caught:
            if not issubclass(warning.category, Image.DecompressionBombWarning):
                log.warning("%s: %s", source, warning.message)
    except DecompressionBomb:
        raise
    except Image.DecompressionBombError as exc:
        raise DecompressionBomb(f"图像像素过多（{exc}）", source) from exc
    except UnidentifiedImageError as exc:
        raise CorruptImage(f"{fmt.upper()} 图像无法识别，文件可能已损坏", source) from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error) as exc:
        raise CorruptImage(f"{fmt.upper()} 图像已损坏或不完整（{exc}）", source) from exc
    except MemoryError as exc:
        raise DecompressionBomb("解码图像所需内存过多", source) from exc
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except (OSError, ValueError, SyntaxError, struct.error) as exc:
        log.warning("%s: EXIF orientation unreadable, kept as stored (%s)", source, exc)
    return image


# --- working copies -----------------------------------------------------------------------------------


def _grey(image: Image.Image) -> Image.Image:
    """An 8-bit grey version of any mode (16-bit grey is scaled, not clipped)."""
    if image.mode == "L":
        return image
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        top = 65535 if image.mode.startswith("I;16") else max(1, image.getextrema()[1])  # type: ignore[index]
        return image.convert("I").point(lambda v: v * (255 / top)).convert("L")  # type: ignore[operator]
    if image.mode == "F":
        return image.convert("L")
    if image.mode in ("1", "LA", "RGB"):
        return image.convert("L")
    return image.convert("RGB").convert("L")


def _reduced(image: Image.Image, target: int) -> Image.Image:
    """Box-reduce by the integer factor that brings the width nearest ``target`` without going below it."""
    if image.mode not in ("L", "RGB"):
        image = _grey(image) if image.mode in ("1", "I;16", "I;16L", "I;16B", "I;16N", "I", "F", "LA") else (
            image.convert("RGB"))
    factor = max(1, image.width // target)
    return image.reduce(factor) if factor > 1 else image


def _working(image: Image.Image, target: int) -> Image.Image:
    """A small grey copy about ``target`` pixels wide, for the analyses."""
    return _grey(_reduced(image, target))


def _ink(grey: Image.Image, threshold: int) -> Image.Image:
    """Pixels darker than the local paper by more than ``threshold`` as 255, the rest 0.

    The paper's brightness is taken from a coarse grid of block means, each replaced by the brightest of
    its neighbours (text pulls a block mean down, paper does not), then blown back up smoothly: this
    follows yellowing, shadows and uneven scanner light without a per-pixel window.
    """
    cells_w, cells_h = max(3, grey.width // 24), max(3, grey.height // 24)
    paper = grey.resize((cells_w, cells_h), Image.Resampling.BOX).filter(ImageFilter.MaxFilter(3))
    paper = paper.resize(grey.size, Image.Resampling.BILINEAR)
    return ImageChops.subtract(paper, grey).point(lambda v: 255 if v > threshold else 0)


def _crop_margin(image: Image.Image, fraction: float) -> Image.Image:
    dx, dy = round(image.width * fraction), round(image.height * fraction)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


# --- resolution and colour ----------------------------------------------------------------------------


def image_dpi(image: Image.Image) -> float | None:
    """The resolution the file states, in dots per inch; ``None`` when it states none.

    Pillow reads JFIF density, EXIF, TIFF X/YResolution, PNG pHYs and JPEG 2000 capture resolution and
    already converts dots per centimetre to dots per inch.  ``(1, 1)`` and ``(72, 72)`` without a unit
    are what writers put when they know nothing; Pillow reports the former, which is read as unknown.
    """
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        x, y = (float(v) for v in dpi)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(x) and math.isfinite(y)) or x <= 1 or y <= 1:
        return None
    value = (x + y) / 2
    # 299.9994 from PNG's pixels-per-metre is 300.
    return float(round(value)) if abs(value - round(value)) < 0.01 else round(value, 2)


# A pixel is "coloured" when its channels spread by more than this; yellowed paper and JPEG chroma noise
# stay well below, red seals and headers far above.
_CHROMA = 48
_COLOUR_SHARE = 0.0005  # share of coloured pixels (after reduction) that makes a page colour


def _colour_from(image: Image.Image, small: Image.Image) -> str:
    """Classify with the full image (for exact grey levels) and a reduced copy (for chroma)."""
    if image.mode == "1":
        return "bitonal"
    if small.mode == "RGB":
        r, g, b = small.split()
        spread = ImageChops.subtract(ImageChops.lighter(ImageChops.lighter(r, g), b),
                                     ImageChops.darker(ImageChops.darker(r, g), b))
        histogram = spread.histogram()
        coloured = sum(histogram[_CHROMA + 1:])
        if coloured > _COLOUR_SHARE * small.width * small.height:
            return "colour"
        colours = image.getcolors(2) if image.mode in ("RGB", "RGBA", "P") else None
        return "bitonal" if colours is not None else "grey"
    if image.mode in ("L", "P", "LA"):
        levels = image.getcolors(2) if image.mode != "L" else [c for c in image.histogram() if c]
        return "bitonal" if levels is not None and len(levels) <= 2 else "grey"
    return "grey"


def classify_colour(image: Image.Image) -> str:
    """``bitonal`` (mode ``1`` or only two grey levels), ``grey`` (grey, or colour with nearly equal
    channels), or ``colour`` (a seal, a red heading, a photo: DA/T 31 wants those kept in colour)."""
    return _colour_from(image, _reduced(image, 600))


# --- blank pages --------------------------------------------------------------------------------------

_BLANK_WIDTH = 600  # px: enough for 12 pt characters (about 12 px tall), few enough to be fast
_BLANK_MARGIN = 0.05  # binding holes, scanner edges and the shadow of the board stay outside
_BLANK_INK = 40  # grey levels below the local paper that count as ink
_CELL = 8  # px: an ink cell is about 3 mm square at 600 px for A4
_CELL_INK = 0.12  # share of a cell that must be ink: a speck fills a few pixels, a character far more
_BLANK_MAX_CELLS = 2  # inked cells a page may have and still be blank (a fold, a large speck)


def _inked_cells(small_grey: Image.Image) -> int:
    ink = _ink(_crop_margin(small_grey, _BLANK_MARGIN), _BLANK_INK)
    cells = ink.reduce(_CELL) if min(ink.size) >= _CELL else ink
    histogram = cells.histogram()
    return sum(histogram[round(_CELL_INK * 255) + 1:])


def _blank(small_grey: Image.Image) -> bool:
    return _inked_cells(small_grey) <= _BLANK_MAX_CELLS


def is_blank(image: Image.Image) -> bool:
    """True for a page with no writing: paper tone, specks, noise, binding holes at the edge.

    The page is reduced to about 600 px wide, a 5 % margin is ignored, pixels well darker than the local
    paper are ink, and ink is counted in cells of about 3 mm: a speck dirties a few pixels of a cell,
    while even one short line of text fills several cells.
    """
    return _blank(_working(image, _BLANK_WIDTH))


# --- skew ---------------------------------------------------------------------------------------------

_SKEW_WIDTH = 1200
_SKEW_INK = 50
_SKEW_STRIPS = 48  # vertical strips whose row profiles are shifted against each other
_SKEW_RANGE = 8.0  # degrees searched each way (the contract is ±5°, with room for the peak's flanks)
_SKEW_COARSE, _SKEW_FINE = 0.5, 0.05
_SKEW_MIN_INK = 0.002  # share of ink below which there is nothing to measure


def _profile_score(profiles: Image.Image, page_width: int, angle: float) -> float:
    """Sharpness of the row profile of the page turned back by ``angle`` degrees.

    ``profiles`` holds one column per vertical strip of a ``page_width`` px wide page: the share of ink in
    each row of that strip.  A counter-clockwise turn by a small angle lifts the page at horizontal offset
    ``x`` from the centre by ``x·tan(angle)``, so shearing this narrow image the other way and averaging
    its columns gives the row profile of the straightened page, at a tiny fraction of the cost of
    rotating it.  Aligned text lines give tall, narrow peaks: the sum of squared differences between
    neighbouring rows is largest there.
    """
    strips, rows = profiles.size
    tan = math.tan(math.radians(angle))
    step = page_width / strips
    # Output (u, v) samples input row v - x·tan, x the strip centre's offset from the page centre.
    sheared = profiles.transform(
        profiles.size, Image.Transform.AFFINE,
        (1, 0, 0, -tan * step, 1, tan * (page_width / 2 - step / 2)), resample=Image.Resampling.BILINEAR)
    values = list(sheared.resize((1, rows), Image.Resampling.BOX).getdata())
    return sum((b - a) * (b - a) for a, b in zip(values, values[1:], strict=False))


def _skew_profiles(grey: Image.Image) -> Image.Image | None:
    ink = _ink(_crop_margin(grey, _BLANK_MARGIN), _SKEW_INK)
    if ink.histogram()[255] < _SKEW_MIN_INK * ink.width * ink.height:
        return None
    return ink.resize((_SKEW_STRIPS, ink.height), Image.Resampling.BOX).convert("F")


def _search(score: Callable[[float], float], centre: float, half: float, step: float) -> float:
    """Best angle on a grid, refined by a parabola through it and its neighbours."""
    count = round(half / step)
    angles = [centre + step * k for k in range(-count, count + 1)]
    scores = [score(a) for a in angles]
    best = max(range(len(angles)), key=scores.__getitem__)
    angle = angles[best]
    if 0 < best < len(angles) - 1:
        left, mid, right = scores[best - 1], scores[best], scores[best + 1]
        curvature = left - 2 * mid + right
        if curvature < 0:
            angle += step * 0.5 * (left - right) / curvature
    return angle


def _skew(grey: Image.Image) -> float | None:
    profiles = _skew_profiles(grey)
    if profiles is None:
        return None
    width = grey.width - 2 * round(grey.width * _BLANK_MARGIN)

    def score(angle: float) -> float:
        return _profile_score(profiles, width, angle)

    coarse = _search(score, 0.0, _SKEW_RANGE, _SKEW_COARSE)
    return round(_search(score, coarse, _SKEW_COARSE, _SKEW_FINE), 2)


def estimate_skew(image: Image.Image) -> float | None:
    """Angle in degrees by which the page's text is turned, positive counter-clockwise; ``None`` if blank.

    ``image.rotate(-angle)`` straightens the page.  Accurate to about ±0.3° within ±5°; searched over ±8°.
    Projection profiles on a binarised copy about 1200 px wide: a coarse 0.5° grid, then 0.05° steps,
    then a parabola through the best three.
    """
    small = _working(image, _BLANK_WIDTH)
    if _blank(small):
        return None
    return _skew(_working(image, _SKEW_WIDTH))


# --- perceptual hash ----------------------------------------------------------------------------------

_HASH_SIZE = 32
_HASH_KEEP = 8


def _dct_table(n: int, keep: int) -> list[list[float]]:
    return [[math.cos(math.pi * (2 * x + 1) * k / (2 * n)) for x in range(n)] for k in range(keep)]


_COS = _dct_table(_HASH_SIZE, _HASH_KEEP)


def _phash_of(grey: Image.Image) -> str:
    tiny = grey.resize((_HASH_SIZE, _HASH_SIZE), Image.Resampling.BOX)
    pixels = list(tiny.getdata())
    rows = [pixels[y * _HASH_SIZE:(y + 1) * _HASH_SIZE] for y in range(_HASH_SIZE)]
    # Separable DCT-II, keeping only the lowest 8×8 frequencies: rows first, then the 8 kept columns.
    row_coefs = [[sum(c * v for c, v in zip(cos_k, row, strict=True)) for cos_k in _COS] for row in rows]
    coefs = [sum(cos_k[y] * row_coefs[y][u] for y in range(_HASH_SIZE)) for cos_k in _COS for u in range(_HASH_KEEP)]
    # The DC term says only how dark the page is on average; the median of the others splits the bits.
    median = sorted(coefs[1:])[len(coefs[1:]) // 2]
    bits = 0
    for value in coefs:
        bits = (bits << 1) | (value > median)
    return f"{bits:016x}"


def phash(image: Image.Image) -> str:
    """64-bit DCT perceptual hash as 16 hex digits: low frequencies of a 32×32 grey copy against their median.

    Near-identical scans of the same page (another JPEG quality, a shift of a few millimetres) differ in a
    few bits; different pages in many more.  Compare with :func:`hamming`.
    """
    return _phash_of(_working(image, _BLANK_WIDTH))


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


# --- derivatives --------------------------------------------------------------------------------------

VIEW_SIZE, VIEW_QUALITY = 1600, 80
THUMB_SIZE, THUMB_QUALITY = 240, 75


def _derivative(image: Image.Image, long_side: int, quality: int) -> bytes:
    if image.mode not in ("L", "RGB"):
        image = _grey(image) if image.mode in ("1", "I;16", "I;16L", "I;16B", "I;16N", "I", "F") else (
            image.convert("RGBA").convert("RGB") if image.mode in ("P", "LA", "RGBA", "PA") else (
                image.convert("RGB")))
    scale = long_side / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        # reducing_gap lets Pillow box-reduce first and resample only the last step: fast and sharp.
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=False, progressive=False)
    return out.getvalue()


def make_view(image: Image.Image) -> bytes:
    """A JPEG for reading on screen: long side 1600 px, quality 80, no metadata."""
    return _derivative(image, VIEW_SIZE, VIEW_QUALITY)


def make_thumb(image: Image.Image) -> bytes:
    """A JPEG thumbnail: long side 240 px."""
    return _derivative(image, THUMB_SIZE, THUMB_QUALITY)


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
    small_any = mid_any.reduce(factor) if factor > 1 else mid_any
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
