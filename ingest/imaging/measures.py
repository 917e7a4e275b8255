"""Measures of a page: resolution, colour, blank, skew (sheared per-strip row profiles, no numpy)."""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import Image, ImageChops, ImageFilter

from ingest.imaging.copies import _MARGIN_X, _ink, _inner, _reduced, _small, _values, _working


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
