"""The derivatives shown in the UI: a view JPEG and a thumbnail, never the original."""

from __future__ import annotations

import io

from PIL import Image

from ingest.imaging.copies import _grey

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
