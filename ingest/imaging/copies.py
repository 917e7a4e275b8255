"""Small grey working copies of a page (a box-filter reduce in C), on which every measure runs."""

from __future__ import annotations

from PIL import Image, ImageChops, ImageFilter

_BLANK_WIDTH = 600  # px across the page: 2.9 px/mm on A4, a 12 pt character about 12 px


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
