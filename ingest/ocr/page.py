"""Reading one page: turn it upright, straighten it, clean it, hand it to the engine, map the words back.

The engines (:mod:`ingest.ocr.tesseract`, :mod:`ingest.ocr.rapid`) read whatever image they are given.
A page tilted by 4.5° came out of tesseract at a character error rate of 36 % against 1–2 % straight
(issue 12), although ingest had measured the skew: :func:`recognise_page` uses that measure.  The
steps, each on the copy handed to the engine (the stored original is never changed):

1. **Colour → grey**, through the red channel when ``drop_red``: red seals and stamps become paper,
   black and blue ink stay dark (:func:`ingest.ocr.prepare._to_grey`).
2. **Orientation**, decided once for the whole page: when the first reading is poor (mean confidence
   below ``orient_below``), tesseract's orientation detector (``--psm 0``, the ``osd`` model) is asked
   on a reduced copy; if it says the page is turned by 90°, 180° or 270°, the page is turned back and
   read again, and the better of the two readings (by confidence) is kept.  Asking only when the first
   reading is poor keeps the cost (≈ 0.3 s) off the upright pages, which are nearly all of them.
3. **Deskew** by the measured skew (``skew_deg``, positive counter-clockwise, as
   :func:`ingest.imaging.estimate_skew` gives it) when it exceeds ``min_skew``.
4. **Threshold** per region (:func:`ingest.ocr.cleanup.local_threshold`), or one Otsu threshold for the
   page, or none (RapidOCR reads the grey page best).
5. **Despeckle** when the page is dusty — a photocopy of a photocopy — and only then
   (:func:`ingest.ocr.cleanup.despeckle`; ``despeckle_above``).
6. **Rule removal** (off: measured, it broke the text of ruled forms): long table rules turned to paper
   (:func:`ingest.ocr.cleanup.remove_rules`).

Word boxes come back in the pixels of the image as given (the contract of :class:`OcrEngine`), so
search hits still highlight the right place on the stored page.
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, replace

from PIL import Image

from ingest.imaging.measures import estimate_skew
from ingest.model import OcrResult, OcrWord
from ingest.ocr.base import OcrEngine, OcrError
from ingest.ocr.cleanup import despeckle, local_threshold, remove_rules
from ingest.ocr.prepare import _binarise, _image_dpi, _to_grey

log = logging.getLogger(__name__)

__all__ = ["PageOptions", "recognise_page"]


@dataclass(frozen=True)
class PageOptions:
    """What :func:`recognise_page` does before the engine reads; the defaults are the benchmark's choice."""

    deskew: bool = True
    min_skew: float = 1.0  # degrees: below this (QC's SKEW warning) tesseract reads as well; turning costs 0.1 s
    orient: bool = True
    # Mean confidence under which orientation is checked: with tesseract, pages lying sideways or upside
    # down read at 5–20, upright ones at 60–95 (sparse forms lowest).
    orient_below: float = 50.0
    threshold: str = "local"  # "local" (per region), "otsu" (one per page) or "none" (grey to the engine)
    remove_rules: bool = False
    # Despeckle when that removes at least this share of the ink: photocopies lose 7–9 %, every other kind
    # of page of the labelled set at most 1.1 %, and despeckling those cost accuracy (明体's thin strokes).
    # 0 despeckles always, above 1 never.
    despeckle_above: float = 0.03
    drop_red: bool = True

    @classmethod
    def for_engine(cls, name: str) -> PageOptions:
        """The benchmark's choice for the engine ``name``: RapidOCR reads the grey page, Tesseract a bitonal one."""
        if name in ("rapidocr", "ppocr"):
            # RapidOCR reads an upright page at 97–100 and one upside down at 64–69 (it still finds "text").
            return cls(threshold="none", orient_below=90.0)
        return cls()


def _affine_back(size: tuple[int, int], angle: float) -> tuple[tuple[float, ...], tuple[int, int]]:
    """The map from pixels of ``image.rotate(angle, expand=True)`` back to ``image``, and the new size.

    The same arithmetic as Pillow's ``Image.rotate`` (which builds exactly this inverse matrix), so
    boxes map back to where the characters are on the original.
    """
    w, h = size
    a = -math.radians(angle)
    m = [round(math.cos(a), 15), round(math.sin(a), 15), 0.0, round(-math.sin(a), 15), round(math.cos(a), 15), 0.0]

    def apply(x: float, y: float) -> tuple[float, float]:
        return m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]

    cx, cy = w / 2, h / 2
    m[2], m[5] = apply(-cx, -cy)
    m[2] += cx
    m[5] += cy
    xs, ys = [], []
    for x, y in ((0, 0), (w, 0), (w, h), (0, h)):
        # Forward map of the corners: the inverse of the matrix is its transpose (a pure rotation).
        dx, dy = x - cx, y - cy
        xs.append(m[0] * dx + m[3] * dy)
        ys.append(m[1] * dx + m[4] * dy)
    nw = math.ceil(max(xs)) - math.floor(min(xs))
    nh = math.ceil(max(ys)) - math.floor(min(ys))
    m[2], m[5] = apply(-(nw - w) / 2.0, -(nh - h) / 2.0)
    return tuple(m), (nw, nh)


def _rotate(image: Image.Image, angle: float, fill: int) -> tuple[Image.Image, tuple[float, ...]]:
    """``image`` turned by ``angle`` degrees counter-clockwise (canvas grown), and the map back."""
    matrix, size = _affine_back(image.size, angle)
    turned = image.transform(size, Image.Transform.AFFINE, matrix, resample=Image.Resampling.BILINEAR,
                             fillcolor=fill)
    return turned, matrix


def _map_words(words: tuple[OcrWord, ...], matrices: list[tuple[float, ...]], size: tuple[int, int]) -> tuple[
        OcrWord, ...]:
    """Word boxes of the prepared image in the pixels of the original (``size``), through ``matrices``."""
    if not matrices:
        return words
    width, height = size
    out = []
    for word in words:
        corners: list[tuple[float, float]] = [(word.left, word.top), (word.left + word.width, word.top),
                   (word.left, word.top + word.height), (word.left + word.width, word.top + word.height)]
        for m in reversed(matrices):  # the last turn is undone first
            corners = [(m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]) for x, y in corners]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        left = max(0, min(width - 1, math.floor(min(xs))))
        top = max(0, min(height - 1, math.floor(min(ys))))
        right = max(left + 1, min(width, math.ceil(max(xs))))
        bottom = max(top + 1, min(height, math.ceil(max(ys))))
        out.append(replace(word, left=left, top=top, width=right - left, height=bottom - top))
    return tuple(out)


_OSD_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_OSD_CONF = re.compile(r"Orientation confidence:\s*([\d.]+)")
_OSD_WIDTH = 1000  # px: orientation needs the shape of lines, not the strokes
_OSD_MIN_CONF = 2.0


def detect_orientation(grey: Image.Image) -> int:
    """Degrees (0, 90, 180, 270) to turn ``grey`` *clockwise* to make it upright, by tesseract's OSD.

    0 when the detector is unsure, finds too little text, or is not installed: a wrong turn would do
    more harm than none.
    """
    import pytesseract

    factor = max(1, grey.width // _OSD_WIDTH, grey.height // _OSD_WIDTH)
    small = grey.reduce(factor) if factor > 1 else grey
    small = _binarise(small).convert("L")
    small.format = "BMP"
    try:
        out = pytesseract.image_to_osd(small, config="--psm 0", timeout=30)
    except Exception as exc:  # too few characters, no osd model, a timeout: no decision
        log.debug("orientation: no decision (%s)", exc)
        return 0
    rotate, conf = _OSD_ROTATE.search(out), _OSD_CONF.search(out)
    if rotate is None or conf is None or float(conf.group(1)) < _OSD_MIN_CONF:
        return 0
    return int(rotate.group(1)) % 360


def _prepare(grey: Image.Image, dpi: float | None, options: PageOptions) -> Image.Image:
    binary = local_threshold(grey, dpi) if options.threshold == "local" or options.despeckle_above <= 1 else None
    if binary is not None and options.despeckle_above <= 1 and _speck_share(binary, dpi) >= options.despeckle_above:
        cleaned = despeckle(binary, dpi)
        return remove_rules(cleaned, dpi) if options.remove_rules else cleaned
    if options.threshold == "local":
        assert binary is not None
        page = binary
    elif options.threshold == "otsu":
        page = _binarise(grey).convert("L")
    else:
        page = grey
    if options.remove_rules and options.threshold != "none":
        page = remove_rules(page, dpi)
    return page


def _speck_share(binary: Image.Image, dpi: float | None) -> float:
    """Share of the ink that :func:`despeckle` would remove, judged on a half-size copy (4 × cheaper)."""
    # A 2×2 block with any ink is ink: thin strokes stay joined, as they are at full size.
    half = binary.reduce(2).point(lambda v: 0 if v < 250 else 255) if min(binary.size) > 400 else binary
    ink = half.histogram()[0]
    if not ink:
        return 0.0
    share = (ink - despeckle(half, dpi / 2 if dpi else 150).histogram()[0]) / ink
    log.debug("specks: %.1f %% of the ink", 100 * share)
    return share


def _read(
    engine: OcrEngine, grey: Image.Image, dpi: float | None, skew_deg: float | None, options: PageOptions,
    matrices: list[tuple[float, ...]], size: tuple[int, int],
) -> tuple[OcrResult, float]:
    """Deskew ``grey``, prepare and read it; words mapped through ``matrices`` into a ``size`` image."""
    turned = grey
    applied = 0.0
    if options.deskew and skew_deg is not None and abs(skew_deg) >= options.min_skew:
        # Paper colour for the corners the turn uncovers: the brightest common grey of the page.
        turned, matrix = _rotate(grey, -skew_deg, fill=_paper_level(grey))
        matrices = [*matrices, matrix]
        applied = skew_deg
    prepared = _prepare(turned, dpi, options)
    if options.threshold != "none" and prepared.mode == "L":
        # Bitonal as such: the engine's own binarisation is then a no-op, and tesseract's temporary BMP 8 × smaller.
        prepared = prepared.convert("1", dither=Image.Dither.NONE)
    result = engine.recognise(prepared, dpi=dpi)
    return replace(result, words=_map_words(result.words, matrices, size)), applied


def _paper_level(grey: Image.Image) -> int:
    hist = grey.reduce(8).histogram() if min(grey.size) > 64 else grey.histogram()
    return max(range(128, 256), key=hist.__getitem__)


def recognise_page(
    engine: OcrEngine,
    image: Image.Image,
    *,
    dpi: float | None = None,
    skew_deg: float | None = None,
    options: PageOptions | None = None,
) -> OcrResult:
    """Read ``image`` with ``engine`` after the steps of the module docstring; words in ``image``'s pixels.

    ``skew_deg`` is the page's measured skew (:attr:`PageMetrics.skew_deg`); ``None`` means not measured,
    and then the page is read as it lies.  Raises only :class:`OcrError` (from the engine).
    """
    options = options or PageOptions()
    started = time.perf_counter()
    if image.width < 1 or image.height < 1:
        raise OcrError(f"cannot recognise an empty image ({image.width}×{image.height} px)")
    dpi = _image_dpi(image, dpi)
    grey = _to_grey(image, drop_red=options.drop_red)
    result, applied = _read(engine, grey, dpi, skew_deg, options, [], image.size)
    rotation = 0
    if options.orient and result.mean_conf < options.orient_below:
        clockwise = detect_orientation(grey)
        if clockwise:
            upright, matrix = _rotate(grey, -clockwise, fill=_paper_level(grey))
            # The measured skew was of the page as it lay; measure the upright page again.
            second, applied2 = _read(engine, upright, dpi, estimate_skew(upright), options, [matrix], image.size)
            log.debug("orientation: turned %d° clockwise, conf %.1f → %.1f", clockwise, result.mean_conf,
                      second.mean_conf)
            if second.mean_conf > result.mean_conf:
                result, applied, rotation = second, applied2, clockwise
    return replace(result, seconds=time.perf_counter() - started, rotation=rotation, deskew_deg=applied)
