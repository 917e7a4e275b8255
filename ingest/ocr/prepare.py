"""Image preparation before recognition: flatten, grey, binarise, a plausible resolution."""

from __future__ import annotations

from typing import cast

from PIL import Image

from ingest.ocr.base import OcrError


def _flatten(image: Image.Image) -> Image.Image:
    """Composite transparency onto white: a transparent pixel of a scan is paper, not ink."""
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _to_grey(image: Image.Image, *, drop_red: bool) -> Image.Image:
    """An 8-bit grey (``L``) or bitonal (``1``) version of ``image``; never the same object."""
    mode = image.mode
    if mode in ("1", "L"):
        return image.copy()
    if mode in ("I", "F") or mode.startswith("I;16"):
        # 16-bit and float greys: stretch the used range to 0–255 (Pillow's own conversion clips).
        fimg = image.convert("F")
        lo, hi = cast(tuple[float, float], fimg.getextrema())  # one (min, max) pair: a single-band image
        scale = 255.0 / (hi - lo) if hi > lo else 1.0
        return fimg.point(lambda v: (v - lo) * scale).convert("L")
    if "A" in image.getbands() or (mode == "P" and "transparency" in image.info):
        image = _flatten(image)
    rgb = image.convert("RGB")
    if drop_red:
        # The red channel renders red ink (seals, red headings) as paper and keeps black and blue
        # ink dark: a seal printed over a signature line otherwise garbles the text under it.
        return rgb.getchannel("R")
    return rgb.convert("L")


def _otsu_threshold(grey: Image.Image) -> tuple[int, float]:
    """Otsu's threshold of an ``L`` image, and the distance between the two class means (0–255)."""
    hist = grey.histogram()
    total = sum(hist)
    sum_all = sum(i * c for i, c in enumerate(hist))
    weight_b = sum_b = 0
    best, threshold, spread = -1.0, 127, 0.0
    for t, count in enumerate(hist):
        weight_b += count
        if not weight_b:
            continue
        weight_f = total - weight_b
        if not weight_f:
            break
        sum_b += t * count
        mean_b = sum_b / weight_b
        mean_f = (sum_all - sum_b) / weight_f
        between = weight_b * weight_f * (mean_b - mean_f) ** 2
        if between > best:
            best, threshold, spread = between, t, mean_f - mean_b
    return threshold, spread


# Below this distance between the dark and light class means a page has no ink worth the name
# (blank paper, grain only): Otsu would still split it, turning the grain into a field of specks.
_MIN_INK_CONTRAST = 60.0


def _binarise(grey: Image.Image) -> Image.Image:
    """Global Otsu binarisation of an ``L`` image; low-contrast pages are returned grey.

    Why here and not inside Tesseract: Tesseract binarises only to find the layout; its LSTM reads
    the *grey* image it is given, and on aged paper with grain and uneven tone it reads much worse
    than from a clean bitonal page (demo pages, ``bench/ocr_engines.py``: CER 0.13 grey vs 0.07
    bitonal, and 0.81 vs 0.70 s/page).
    """
    if grey.mode == "1":
        return grey
    threshold, spread = _otsu_threshold(grey)
    if spread < _MIN_INK_CONTRAST:
        return grey
    return grey.point(lambda v: 255 if v > threshold else 0, mode="1")


_MAX_PAGE_INCHES = 30  # longer than A2: no personnel-file sheet is that large


def _image_dpi(image: Image.Image, dpi: float | None) -> float | None:
    """The resolution to tell the engine: the caller's, else the file's if plausible, else None."""
    if dpi is None:
        info = image.info.get("dpi")
        try:
            dpi = float(info[0]) if isinstance(info, tuple) and info else None
        except (TypeError, ValueError):
            dpi = None
        # A 2480-px page "at 72 dpi" would be 87 cm long: the writer's default, not the scan's.
        if dpi and max(image.size) / dpi > _MAX_PAGE_INCHES:
            dpi = None
    if dpi is None or not 50 <= dpi <= 2400:  # 0 or 1 "dpi" is how some writers say "unknown"
        return None
    return dpi


def _check_size(image: Image.Image) -> None:
    if image.width < 1 or image.height < 1:
        raise OcrError(f"cannot recognise an empty image ({image.width}×{image.height} px)")
