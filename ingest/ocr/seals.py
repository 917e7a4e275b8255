"""Reading the red seals (公章) and stamps of a page, apart from its body text.

The body text is read through the red channel, where red ink is paper (:mod:`ingest.ocr.page`), so a
seal neither garbles the lines under it nor adds its own words to them.  But the seal names the unit
that issued or certified the material, which archivists search for: :func:`read_seals` finds the red
blobs of seal size, unrolls the ring of characters of a round seal into a straight line (a polar
unwrap: the ring's gap, where no characters are, becomes the two ends of the line), and reads it, and
the horizontal band across the middle, with Tesseract as single lines.

Pillow only: the red mask is channel arithmetic, blobs are found on a coarse grid, the unwrap is one
``Image.transform`` with a mesh of small quads.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable

from PIL import Image, ImageChops

from ingest.ocr.base import OcrEngine, OcrError
from ingest.ocr.text import normalise_text

log = logging.getLogger(__name__)

__all__ = ["find_seals", "read_seals"]

_RED = 60  # red above the brighter of green and blue: red ink, not yellowed paper or black ink
_CELL_MM = 3.0
_CELL_SHARE = 0.04  # share of red pixels that marks a grid cell as part of a seal
_SEAL_MM = (18.0, 70.0)  # a seal's diameter: smaller is a red tick, larger a red heading rule
_MAX_ASPECT = 1.8  # round and oval seals; a red heading rule is far longer than high


def _red_mask(image: Image.Image) -> Image.Image | None:
    """255 where the pixel is red ink; ``None`` for images without colour."""
    if image.mode not in ("RGB", "RGBA", "P"):
        return None
    r, g, b = image.convert("RGB").split()[:3]
    redness = ImageChops.subtract(r, ImageChops.lighter(g, b))
    return redness.point(lambda v: 255 if v > _RED else 0)


def _components(cells: list[list[bool]]) -> Iterable[tuple[int, int, int, int]]:
    """Bounding boxes (col0, row0, col1, row1, inclusive) of 8-connected marked cells."""
    rows, cols = len(cells), len(cells[0]) if cells else 0
    seen = [[False] * cols for _ in range(rows)]
    for y in range(rows):
        for x in range(cols):
            if not cells[y][x] or seen[y][x]:
                continue
            stack, box = [(y, x)], [x, y, x, y]
            seen[y][x] = True
            while stack:
                cy, cx = stack.pop()
                box = [min(box[0], cx), min(box[1], cy), max(box[2], cx), max(box[3], cy)]
                for ny in range(max(0, cy - 1), min(rows, cy + 2)):
                    for nx in range(max(0, cx - 1), min(cols, cx + 2)):
                        if cells[ny][nx] and not seen[ny][nx]:
                            seen[ny][nx] = True
                            stack.append((ny, nx))
            yield box[0], box[1], box[2], box[3]


def find_seals(image: Image.Image, dpi: float | None) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom, in ``image``'s pixels) of the red seals on the page."""
    mask = _red_mask(image)
    if mask is None:
        return []
    px_per_mm = (dpi or 300) / 25.4
    cell = max(2, round(_CELL_MM * px_per_mm))
    grid = mask.reduce(cell) if min(mask.size) > 2 * cell else mask
    width, height = grid.size
    data = grid.tobytes()
    floor = round(255 * _CELL_SHARE)
    cells = [[data[y * width + x] > floor for x in range(width)] for y in range(height)]
    boxes = []
    for c0, r0, c1, r1 in _components(cells):
        w_mm, h_mm = (c1 - c0 + 1) * _CELL_MM, (r1 - r0 + 1) * _CELL_MM
        if not (_SEAL_MM[0] <= max(w_mm, h_mm) <= _SEAL_MM[1]) or max(w_mm, h_mm) > _MAX_ASPECT * min(w_mm, h_mm):
            continue
        boxes.append((max(0, (c0 - 1) * cell), max(0, (r0 - 1) * cell),
                      min(image.width, (c1 + 2) * cell), min(image.height, (r1 + 2) * cell)))
    return boxes


def _unwrap(ink: Image.Image, start_deg: float, r_in: float, r_out: float, steps: int = 120) -> Image.Image:
    """The ring ``r_in``–``r_out`` around the centre of ``ink`` as a straight strip, clockwise from ``start_deg``.

    Angles are screen angles (0° = right, 90° = down).  A character of the ring stands upright in the
    strip: its top, outward on the seal, is the top of the strip.
    """
    cx, cy = ink.width / 2, ink.height / 2
    length = max(steps, round(2 * math.pi * (r_in + r_out) / 2))
    height = max(8, round(r_out - r_in))

    def at(angle_deg: float, radius: float) -> tuple[float, float]:
        a = math.radians(angle_deg)
        return cx + radius * math.cos(a), cy + radius * math.sin(a)

    mesh = []
    for i in range(steps):
        x0, x1 = round(length * i / steps), round(length * (i + 1) / steps)
        a0, a1 = start_deg + 360 * i / steps, start_deg + 360 * (i + 1) / steps
        quad = (*at(a0, r_out), *at(a0, r_in), *at(a1, r_in), *at(a1, r_out))
        mesh.append(((x0, 0, x1, height), quad))
    return ink.transform((length, height), Image.Transform.MESH, mesh, resample=Image.Resampling.BILINEAR,
                         fillcolor=255)


_SEAL_CHARS = re.compile(r"[\u4e00-\u9fff0-9]")
_RING_SHARE = 0.5  # a row of the unrolled seal this full of ink is one of its rings, not characters
_TEXT_SHARE = 0.03


def _text_rows(strip: Image.Image) -> tuple[int, int]:
    """Rows (top, bottom) of the unrolled seal that hold its ring of characters: the inkiest run between rings."""
    shares = [1 - v / 255 for v in strip.resize((1, strip.height), Image.Resampling.BOX).tobytes()]
    best, best_ink, start, ink = (0, strip.height), 0.0, None, 0.0
    for row, share in enumerate([*shares, 1.0]):
        if _TEXT_SHARE < share <= _RING_SHARE:
            if start is None:
                start, ink = row, 0.0
            ink += share
            continue
        if start is not None and ink > best_ink and row - start >= 4:
            best, best_ink = (start, row), ink
        start = None
    return best


def _gap_middle(strip: Image.Image) -> float:
    """Angle (degrees along the strip from its start) of the middle of the widest run without ink."""
    bins = 72
    column = strip.resize((bins, 1), Image.Resampling.BOX).tobytes()
    empty = [v > 250 for v in column]
    best_len, best_mid = 0, 90.0
    for start in range(bins):
        if not empty[start] or empty[start - 1]:
            continue
        run = 0
        while run < bins and empty[(start + run) % bins]:
            run += 1
        if run > best_len:
            best_len, best_mid = run, (start + run / 2) * 360 / bins
    return best_mid


def _read_line(engine: OcrEngine, image: Image.Image) -> str:
    try:
        result = engine.recognise(image, dpi=None)
    except OcrError as exc:
        log.debug("seal: line not read (%s)", exc)
        return ""
    return "".join(result.text.split())


_engines: list[OcrEngine] = []


def _line_engine() -> OcrEngine:
    """Tesseract reading one line (built once per process: its constructor asks for the languages)."""
    if not _engines:
        from ingest.ocr.tesseract import TesseractEngine

        _engines.append(TesseractEngine(psm=7, drop_red=False))
    return _engines[0]


def read_seals(image: Image.Image, *, dpi: float | None = None, engine: OcrEngine | None = None) -> tuple[str, ...]:
    """The text of each red seal on ``image`` (ring text, then the band across it), in page order.

    ``engine`` reads one line at a time (default: Tesseract chi_sim, ``--psm 7``).  A seal whose text
    cannot be read gives nothing rather than an error: the body text matters more.
    """
    boxes = find_seals(image, dpi)
    if not boxes:
        return ()
    engine = engine or _line_engine()
    mask = _red_mask(image)
    assert mask is not None
    texts = []
    for box in sorted(boxes, key=lambda b: (b[1], b[0])):
        red = mask.crop(box)
        tight = red.getbbox()
        if tight is None:
            continue
        ink = ImageChops.invert(red.crop(tight))  # the seal's strokes black on white, the outer ring at the edge
        radius = min(ink.size) / 2
        # Unroll everything between the star and the outer ring, find the band of rows that holds the
        # ring of characters (seals differ: it may sit close to the ring or well inside it), then the
        # gap in that band, and unroll again from the gap.
        inner, outer = radius * 0.3, radius * 0.99
        first = _unwrap(ink, 0.0, inner, outer)
        top, bottom = _text_rows(first)
        gap = _gap_middle(first.crop((0, top, first.width, bottom)))
        line = _unwrap(ink, gap, inner, outer).crop((0, max(0, top - 3), first.width, min(first.height, bottom + 3)))
        # The gap sits at the bottom (90°) of an upright seal: turning by the difference puts the band level.
        turned = ink.rotate(gap - 90.0, resample=Image.Resampling.BILINEAR, fillcolor=255)
        cx, cy = turned.width / 2, turned.height / 2
        band = turned.crop((round(cx - radius * 0.6), round(cy + radius * 0.1),
                            round(cx + radius * 0.6), round(cy + radius * 0.45)))
        # A seal carries Han characters and digits only: the rest is the rings and the star read as marks.
        text = "".join(_SEAL_CHARS.findall(normalise_text(_read_line(engine, line) + _read_line(engine, band))))
        if text:
            texts.append(text)
    return tuple(texts)
