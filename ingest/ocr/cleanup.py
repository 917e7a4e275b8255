"""Cleaning the image handed to an OCR engine: per-region threshold, table-rule removal.

These work on the copy the engine reads, never on the stored original.  Pillow only (no numpy): every
step is a reduction, a filter or a point map done in C, so a 300 dpi A4 page costs a few hundredths of
a second.  Which of them are on by default is decided by ``bench/ocr_accuracy.py`` (README, OCR).
"""

from __future__ import annotations

from PIL import Image, ImageChops, ImageFilter

_BLOCK_MM = 8.0  # region of the per-region threshold: about two characters of body text
_MIN_CONTRAST = 40  # distance of Otsu's class means of darkness below which there is no ink
_MIN_DARKNESS = 24  # grey levels under the local paper that may count as ink at all


def local_threshold(grey: Image.Image, dpi: float | None) -> Image.Image:
    """A bitonal (``L``, 0/255) copy of ``grey``, thresholded against the paper *around* each pixel.

    One Otsu threshold for the page fails where the tone changes across it (a water stain, a faded
    half, the grey edge of a photocopy) and where faded ink is barely darker than yellowed paper: the
    dark half's paper turns to ink, or the whole page is judged to have no ink at all.  Here the paper
    level is estimated per ~8 mm region (the brightest block means around it), each pixel's darkness
    is measured against its own region's paper, and Otsu's threshold is taken over those darknesses —
    with a floor, so that a region of grain alone stays paper.
    """
    block = max(4, round((dpi or 300) / 25.4 * _BLOCK_MM))
    small = grey.reduce(block) if min(grey.size) > 4 * block else grey.copy()
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.BoxBlur(2))
    darkness = ImageChops.subtract(paper.resize(grey.size, Image.Resampling.BILINEAR), grey)
    threshold, spread = _otsu(darkness)
    if spread < _MIN_CONTRAST:
        return Image.new("L", grey.size, 255)  # nothing darker than its paper: a blank page
    threshold = max(threshold, _MIN_DARKNESS)
    return darkness.point(lambda v: 0 if v > threshold else 255)


def _otsu(grey: Image.Image) -> tuple[int, float]:
    from ingest.ocr.prepare import _otsu_threshold

    return _otsu_threshold(grey)


def _runs_mask(ink: Image.Image, length: int) -> Image.Image:
    """Pixels of ``ink`` (255 = ink) on horizontal runs of at least about ``length`` px of solid ink."""
    width, height = ink.size
    mask = Image.new("L", ink.size, 0)
    if width < 2 * length:
        return mask
    for offset in range(0, length, max(1, length // 4)):
        cells = (width - offset) // length
        if cells < 1:
            continue
        band = ink.crop((offset, 0, offset + cells * length, height))
        # One pixel per ``length`` px window: the share of ink along it.  A rule fills its windows;
        # a character (at most a third of ``length`` wide) never does.
        full = band.resize((cells, height), Image.Resampling.BOX).point(lambda v: 255 if v >= 235 else 0)
        mask.paste(ImageChops.lighter(mask.crop((offset, 0, offset + cells * length, height)),
                                      full.resize(band.size, Image.Resampling.NEAREST)), (offset, 0))
    # The windows leave up to a quarter of ``length`` at each end of a rule: grow the mask along the
    # rows by that much (blocks of a quarter, and their neighbours); only ink under it is removed.
    quarter = max(1, length // 4)
    blocks = mask.resize((max(1, width // quarter), height), Image.Resampling.BOX).point(lambda v: 255 if v else 0)
    grown = blocks.filter(ImageFilter.MaxFilter(3)).resize(ink.size, Image.Resampling.NEAREST)
    return ImageChops.darker(grown, _on_runs(ink, mask))


def _on_runs(ink: Image.Image, mask: Image.Image) -> Image.Image:
    """Ink on the rows the mask marks anywhere: the stubs continue the rule on its own rows."""
    rows = mask.resize((1, mask.height), Image.Resampling.BOX).point(lambda v: 255 if v else 0)
    return ImageChops.darker(ink, rows.resize(mask.size, Image.Resampling.NEAREST))


def remove_rules(binary: Image.Image, dpi: float | None) -> Image.Image:
    """``binary`` (``L`` or ``1``, ink dark) with long horizontal and vertical rules turned to paper.

    A ruled 登记表 puts a rule under and between every field; the engine then reads the rules as
    ``一``, ``|`` or ``l``, or splits a line of text at them.  A run of solid ink longer than three
    characters (≈ 15 mm) is a rule, not writing.
    """
    grey = binary.convert("L")
    ink = ImageChops.invert(grey)
    length = max(24, round((dpi or 300) / 25.4 * 15))
    horizontal = _runs_mask(ink, length)
    vertical = _runs_mask(ink.transpose(Image.Transpose.TRANSPOSE), length).transpose(Image.Transpose.TRANSPOSE)
    # Grow the mask by a pixel so that the anti-aliased edge of a rule goes too, but only over ink.
    rules = ImageChops.lighter(horizontal, vertical).filter(ImageFilter.MaxFilter(3))
    return ImageChops.lighter(grey, ImageChops.darker(rules, ink))


_SPECK_WINDOW_MM = 2.6  # the neighbourhood in which a speck is alone
_SPECK_DENSITY = 12  # of 255: ink share (≈ 5 %) below which ink is a speck, not writing


def despeckle(binary: Image.Image, dpi: float | None) -> Image.Image:
    """``binary`` (``L`` 0/255, ink dark) without isolated specks: toner dust, mould, scanner dirt.

    Ink counts as a speck when the ink share of the ~2.6 mm around it is under about 5 %: a toner
    dot alone in its window is; a stroke of a character, or a ``。`` beside it, never is.  Tesseract
    reads dust as ``.`` and ``、`` or, worse, lets it start a line of junk (photocopies: issue 12).
    """
    radius = max(2, round((dpi or 300) / 25.4 * _SPECK_WINDOW_MM / 2))
    ink = ImageChops.invert(binary.convert("L"))
    density = ink.filter(ImageFilter.BoxBlur(radius))
    alone = density.point(lambda v: 255 if v < _SPECK_DENSITY else 0)
    return ImageChops.lighter(binary.convert("L"), alone)
