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
            frames = int(getattr(image, "n_frames", 1))
            if frames > 1:
                log.info("%s: image has %d frames; the first is the page", source, frames)
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
        top = 65535 if image.mode.startswith("I;16") else max(1, image.getextrema()[1])
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


def _normalised(reduced: Image.Image, width: int) -> Image.Image:
    """Bring a reduced copy to exactly ``width`` px wide, so that sizes in pixels mean millimetres."""
    if reduced.width == width:
        return reduced
    height = max(1, round(reduced.height * width / reduced.width))
    return reduced.resize((width, height), Image.Resampling.BOX)


def _small(image: Image.Image) -> Image.Image:
    """The grey copy exactly 600 px wide used for blank detection and the perceptual hash."""
    return _grey(_normalised(_reduced(image, _BLANK_WIDTH), _BLANK_WIDTH))


def _darkness(grey: Image.Image) -> Image.Image:
    """How much darker than the local paper each pixel is (0 = paper).

    The paper's brightness is taken from a coarse grid of block means, each replaced by the brightest of
    its neighbours (text pulls a block mean down, paper does not), then blown back up smoothly: this
    follows yellowing, blotches, shadows and uneven scanner light without a per-pixel window.
    """
    cells_w, cells_h = max(3, grey.width // 24), max(3, grey.height // 24)
    paper = grey.resize((cells_w, cells_h), Image.Resampling.BOX).filter(ImageFilter.MaxFilter(3))
    paper = paper.resize(grey.size, Image.Resampling.BILINEAR)
    return ImageChops.subtract(paper, grey)


def _ink(grey: Image.Image, threshold: int) -> Image.Image:
    """Pixels darker than the local paper by more than ``threshold`` as 255, the rest 0."""
    return _darkness(grey).point(lambda v: 255 if v > threshold else 0)


# Margins left out of the analyses: binding holes (punched about 1 cm from the spine), scanner edges and
# the shadow of the board.  Wider at the sides, where the holes are.
_MARGIN_X, _MARGIN_Y = 0.06, 0.05


def _inner(image: Image.Image) -> Image.Image:
    dx, dy = round(image.width * _MARGIN_X), round(image.height * _MARGIN_Y)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def _values(image: Image.Image) -> list[float]:
    """Pixel values as a flat list (``get_flattened_data`` from Pillow 12.1, ``getdata`` before)."""
    getter = getattr(image, "get_flattened_data", None) or image.getdata
    return list(getter())


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
    """Classify a page as ``bitonal``, ``grey`` or ``colour``.

    ``bitonal``: mode ``1`` or only two grey levels; ``grey``: grey, or colour whose channels are nearly
    equal (yellowed paper included); ``colour``: a seal, a red heading, a photo, which DA/T 31 wants kept
    in colour.
    """
    return _colour_from(image, _reduced(image, 600))


# --- blank pages --------------------------------------------------------------------------------------

_BLANK_WIDTH = 600  # px across the page: 2.9 px/mm on A4, a 12 pt character about 12 px
_BLANK_INK = 40  # grey levels below the local paper that count as ink
_BLANK_GROW = 5  # px: ink is grown by this window, so the strokes of a character merge into one blob
_CELL = 8  # px (about 2.8 mm): a grown character covers at least one whole cell
_CELL_FULL = 217  # "whole": 85 % of the cell
_CELL_SPILL = 85  # a third of a neighbouring cell
# A 3×3 neighbourhood sum over 0/255 cells, scaled by 9: at least two such cells (the cell and a
# neighbour) reach 2·255/9.
_NEIGHBOURS = ImageFilter.Kernel((3, 3), [1] * 9, scale=9)
_TWO_OF_NINE = 56


def _inked_cells(small_grey: Image.Image) -> int:
    """Cells that hold writing on the normalised ~600 px grey copy.

    Ink is grown by 5 px and measured in 8 px cells.  A cell counts when grown ink covers it wholly and
    fills a third of a neighbour too: a character (about 4 mm, grown to 16 px) always does; a speck
    or dust grain (up to about 1.5 mm, grown to at most 9 px) may fill one cell but barely touches the
    next; a hair or a fold line is too thin to fill a cell at all.
    """
    ink = _ink(_inner(small_grey), _BLANK_INK)
    grown = ink.filter(ImageFilter.MaxFilter(_BLANK_GROW))
    if min(grown.size) < 3 * _CELL:
        return 0
    # Whole cells only: reduce() would average a partial last row or column over fewer pixels.
    cells = grown.crop((0, 0, grown.width - grown.width % _CELL, grown.height - grown.height % _CELL)).reduce(_CELL)
    full = cells.point(lambda v: 255 if v >= _CELL_FULL else 0)
    spread = cells.point(lambda v: 255 if v >= _CELL_SPILL else 0).filter(_NEIGHBOURS)
    spread = spread.point(lambda v: 255 if v >= _TWO_OF_NINE else 0)
    return ImageChops.darker(full, spread).histogram()[255]


def _blank(small_grey: Image.Image) -> bool:
    return _inked_cells(small_grey) == 0


def is_blank(image: Image.Image) -> bool:
    """True for a page with no writing: paper tone, specks, noise, binding holes at the edge.

    The page is brought to 600 px wide, a margin of 5–6 % is ignored, pixels well darker than the local paper
    are ink, and ink is grown by 5 px so that the strokes of a character run together.  The page has
    writing when grown ink covers a whole 8 px cell (about 3 mm) and reaches well into the next: a single
    character does; a speck, a hair or scanner noise, being small or thin, does not.
    """
    return _blank(_small(image))


# --- skew ---------------------------------------------------------------------------------------------

_SKEW_WIDTH = 1200
_SKEW_INK = 50
_SKEW_STRIPS = 48  # vertical strips whose row profiles are shifted against each other
_SKEW_RANGE = 6.0  # degrees searched each way (the contract is ±5°, with room for the peak's flanks)
_SKEW_COARSE, _SKEW_FINE = 0.5, 0.1  # 33 + 11 profile scores; the parabola refines the last step
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
    values = _values(sheared.resize((1, rows), Image.Resampling.BOX))
    return sum((b - a) * (b - a) for a, b in zip(values, values[1:], strict=False))


def _skew_profiles(grey: Image.Image) -> Image.Image | None:
    ink = _ink(_inner(grey), _SKEW_INK)
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
    width = grey.width - 2 * round(grey.width * _MARGIN_X)

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
    if _blank(_small(image)):
        return None
    return _skew(_working(image, _SKEW_WIDTH))


# --- perceptual hash ----------------------------------------------------------------------------------

_HASH_SIZE = 32
_HASH_KEEP = 8
_HASH_INK = 40  # darkness below this is paper, grain or blotches: left out of the hash
_HASH_SPREAD = 2.2  # the hashed window spans the ink's mean ± this many standard deviations


def _dct_table(n: int, keep: int) -> list[list[float]]:
    return [[math.cos(math.pi * (2 * x + 1) * k / (2 * n)) for x in range(n)] for k in range(keep)]


_COS = _dct_table(_HASH_SIZE, _HASH_KEEP)


def _dct_hash(tiny: Image.Image) -> str:
    """The 8×8 lowest DCT-II frequencies of a 32×32 image against their median, as 64 bits."""
    pixels = _values(tiny)
    rows = [pixels[y * _HASH_SIZE:(y + 1) * _HASH_SIZE] for y in range(_HASH_SIZE)]
    # Separable DCT, computing only the kept coefficients: rows first, then the 8 kept columns.
    row_coefs = [[sum(c * v for c, v in zip(cos_k, row, strict=True)) for cos_k in _COS] for row in rows]
    coefs = [sum(cos_k[y] * row_coefs[y][u] for y in range(_HASH_SIZE)) for cos_k in _COS for u in range(_HASH_KEEP)]
    ac = sorted(coefs[1:])  # the DC term only says how much ink there is
    median = ac[len(ac) // 2]
    bits = 0
    for value in coefs:
        bits = (bits << 1) | (value > median)
    return f"{bits:016x}"


def _mean_spread(profile: list[float]) -> tuple[float, float]:
    total = sum(profile)
    if total <= 0:
        return len(profile) / 2, 0.0
    mean = sum(i * v for i, v in enumerate(profile)) / total
    spread = math.sqrt(sum((i - mean) ** 2 * v for i, v in enumerate(profile)) / total)
    return mean + 0.5, spread  # + 0.5: the centre of pixel i is at i + 0.5


def _phash_of(small_grey: Image.Image) -> str:
    # Hash the ink, not the paper: a rescan's paper tone, blotches and grain differ, its ink does not.
    dark = _darkness(_inner(small_grey)).point(lambda v: v if v > _HASH_INK else 0).convert("F")
    cx, sx = _mean_spread(_values(dark.resize((dark.width, 1), Image.Resampling.BOX)))
    cy, sy = _mean_spread(_values(dark.resize((1, dark.height), Image.Resampling.BOX)))
    if sx < 1 or sy < 1:  # no ink to speak of (a blank page): hash the whole inner page
        return _dct_hash(dark.resize((_HASH_SIZE, _HASH_SIZE), Image.Resampling.BOX))
    # A window set by the ink's own mean and spread: shifts and margins of another scan cancel out, and
    # the writing fills the 32×32 grid, so pages whose text differs differ in more bits.
    pad = max(dark.size)
    padded = ImageOps.expand(dark, border=pad, fill=0)
    box = (cx - _HASH_SPREAD * sx + pad, cy - _HASH_SPREAD * sy + pad,
           cx + _HASH_SPREAD * sx + pad, cy + _HASH_SPREAD * sy + pad)
    return _dct_hash(padded.resize((_HASH_SIZE, _HASH_SIZE), Image.Resampling.BOX, box=box))


def phash(image: Image.Image) -> str:
    """64-bit DCT perceptual hash of the page's writing, as 16 hex digits; compare with :func:`hamming`.

    The classic hash (low frequencies of a 32×32 grey copy against their median) sees mostly paper on a
    document page: two scans of one page differ by their paper tone, and two pages of one form look
    alike.  Here the paper is taken out first (darkness against the local paper, below 40 levels
    dropped), and the 32×32 grid spans the ink's mean ± 2.2 standard deviations each way, so the hash
    follows the text and ignores where on the glass the page lay.  Re-saved or shifted copies of a page
    differ by a few bits; pages with other text by many more, pages of one printed form by fewer.
    """
    return _phash_of(_small(image))


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
        # Box-reduce by the whole factor (it averages every pixel: no aliasing), then a bilinear step
        # of less than 2×.  A third of the time of a Lanczos resize, which was the largest non-OCR
        # cost of a page (bench/ingest.py).
        factor = int(1 / scale)
        if factor >= 2:
            image = image.reduce(factor)
        image = image.resize(size, Image.Resampling.BILINEAR)
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
