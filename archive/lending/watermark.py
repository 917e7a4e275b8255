"""The consulting person's watermark burnt into the page image: their name and the time, across the page.

The reading-room page also lays the same words over the image in CSS, but a screenshot of the image
alone, or the image saved from the browser, would lose that; so the image itself is served marked.
It is cheap — one decode and one encode of the viewing JPEG (≈ 0.1 s for a 300-dpi page) — and made
per request, never stored.  The text is drawn with the CJK font the PDFs embed (names are Chinese);
without it, Pillow's built-in font still marks the time and the request number.
"""

from __future__ import annotations

import functools
import io
import os

from PIL import Image, ImageDraw, ImageFont

from archive.lending.pdffont import DEFAULT_FONT

__all__ = ["watermark_jpeg"]

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.lru_cache(maxsize=16)
def _font(size: int) -> Font:
    spec = os.environ.get("DANGAN_PDF_FONT") or DEFAULT_FONT
    path, _, index = spec.partition("#")
    try:
        return ImageFont.truetype(path, size, index=int(index or 0))
    except OSError:
        return ImageFont.load_default()


def watermark_jpeg(data: bytes, text: str, quality: int = 85) -> bytes:
    """``data`` (a JPEG) with ``text`` tiled diagonally over it, semi-transparent; a JPEG again."""
    with Image.open(io.BytesIO(data)) as source:
        page = source.convert("RGB")
    width, height = page.size
    size = max(10, min(width, height) // 24)
    font = _font(size)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = (int(v) for v in probe.textbbox((0, 0), text, font=font))
    tw, th = max(1, right - left), max(1, bottom - top)
    tile = Image.new("L", (tw + size * 2, th + size * 2), 0)
    ImageDraw.Draw(tile).text((size - left, size - top), text, fill=96, font=font)
    tile = tile.rotate(30, expand=True)
    mask = Image.new("L", page.size, 0)
    step_x, step_y = max(1, tile.width), max(1, tile.height // 2 + size)
    for row, y in enumerate(range(-tile.height // 2, height, step_y)):
        offset = (row % 2) * step_x // 2
        for x in range(-tile.width + offset, width, step_x):
            mask.paste(tile, (x, y), tile)
    ink = Image.new("RGB", page.size, (180, 30, 30))
    page.paste(ink, (0, 0), mask)
    out = io.BytesIO()
    page.save(out, "JPEG", quality=quality)
    return out.getvalue()
