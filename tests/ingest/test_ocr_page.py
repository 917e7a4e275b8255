"""Reading a page (issue 12): deskew, orientation, cleanup, seals — with real Tesseract on labelled pages.

The pages come from ``bench/labelled_pages.py`` (the benchmark's generator, its fonts installed by
``scripts/setup.sh --test``), so what is tested here is what the benchmark measures.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image, ImageDraw

from ingest.imaging import estimate_skew
from ingest.model import OcrWord
from ingest.ocr import OcrUnavailable, TesseractEngine, character_error_rate, normalise_text
from ingest.ocr.cleanup import despeckle, local_threshold, remove_rules
from ingest.ocr.page import PageOptions, _map_words, _rotate, recognise_page
from ingest.ocr.prepare import _binarise
from ingest.ocr.seals import find_seals, read_seals

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def labelled() -> ModuleType:
    spec = importlib.util.spec_from_file_location("labelled_pages", ROOT / "bench" / "labelled_pages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["labelled_pages"] = module
    spec.loader.exec_module(module)
    try:
        for key in module.FONTS:
            module.font_file(key)
    except RuntimeError as exc:
        pytest.skip(str(exc))
    return module


@pytest.fixture(scope="module")
def tesseract() -> TesseractEngine:
    try:
        return TesseractEngine()
    except OcrUnavailable as exc:
        pytest.skip(str(exc))


def cer(page, text: str) -> float:  # type: ignore[no-untyped-def]
    return character_error_rate(normalise_text(page.text), text)


# --- geometry: boxes come back in the original's pixels -----------------------------------------------------


@pytest.mark.parametrize("angle", [4.5, -5.0, 90.0, 180.0])
def test_word_boxes_map_back_through_a_turn(angle: float) -> None:
    image = Image.new("L", (800, 500), 255)
    ImageDraw.Draw(image).rectangle((600, 100, 640, 130), fill=0)
    turned, matrix = _rotate(image, angle, fill=255)
    left, top, right, bottom = turned.point(lambda v: 255 if v < 128 else 0).getbbox()
    (word,) = _map_words((OcrWord("字", 90.0, left, top, right - left, bottom - top),), [matrix], image.size)
    centre = (word.left + word.width / 2, word.top + word.height / 2)
    assert abs(centre[0] - 620) <= 3 and abs(centre[1] - 115) <= 3


# --- cleanup ----------------------------------------------------------------------------------------------


def test_remove_rules_keeps_characters(labelled: ModuleType) -> None:
    page = Image.new("L", (1200, 400), 255)
    draw = ImageDraw.Draw(page)
    draw.line((50, 200, 1150, 200), fill=0, width=4)
    draw.line((600, 20, 600, 380), fill=0, width=4)
    draw.text((100, 80), "姓名张建国", font=labelled._font("ming", 60), fill=0)
    cleaned = remove_rules(page, 300)
    assert cleaned.crop((300, 196, 560, 204)).getextrema()[0] > 200  # the horizontal rule is gone
    assert cleaned.crop((596, 250, 604, 380)).getextrema()[0] > 200  # the vertical rule too
    ink_before = page.crop((90, 60, 420, 160)).histogram()[0]
    assert cleaned.crop((90, 60, 420, 160)).histogram()[0] == ink_before  # the characters are untouched


def test_despeckle_drops_dust_and_keeps_punctuation(labelled: ModuleType) -> None:
    page = Image.new("L", (800, 300), 255)
    draw = ImageDraw.Draw(page)
    draw.text((50, 100), "审查。", font=labelled._font("ming", 50), fill=0)
    draw.rectangle((600, 50, 603, 53), fill=0)  # a toner speck alone
    cleaned = despeckle(page, 300)
    assert cleaned.crop((590, 40, 615, 65)).getextrema()[0] == 255
    assert cleaned.crop((40, 90, 220, 170)).histogram()[0] == page.crop((40, 90, 220, 170)).histogram()[0]


def test_local_threshold_finds_faded_ink_that_otsu_calls_blank(labelled: ModuleType) -> None:
    page = labelled.make_page("faded", 0).image.convert("RGB").getchannel("R")
    assert _binarise(page).mode != "1"  # too little contrast for the page-wide threshold: handed on grey
    binary = local_threshold(page, 300)
    ink = binary.histogram()[0] / (binary.width * binary.height)
    assert 0.005 < ink < 0.1


# --- reading: a skewed page as well as a straight one -------------------------------------------------------


@pytest.mark.slow
def test_skewed_page_reads_as_well_as_straight(labelled: ModuleType, tesseract: TesseractEngine) -> None:
    page = labelled.make_page("skew", 0)  # 4.5°
    straight = labelled.make_page("skew", 0, damage=False)
    skew = estimate_skew(page.image)
    assert skew is not None and abs(skew - 4.5) < 0.5
    as_lies = tesseract.recognise(page.image, dpi=300)
    read = recognise_page(tesseract, page.image, dpi=300, skew_deg=skew)
    flat = recognise_page(tesseract, straight.image, dpi=300, skew_deg=estimate_skew(straight.image))
    assert cer(page, as_lies.text) > 0.2  # what the pipeline stored before issue 12
    assert read.deskew_deg == skew
    assert cer(page, read.text) <= cer(page, flat.text) + 0.02, (read.text, flat.text)
    # The boxes are on the page as stored: inside it, and the first line's words near its top.
    for word in read.words:
        assert 0 <= word.left < page.image.width and 0 <= word.top < page.image.height


@pytest.mark.slow
def test_upside_down_page_is_turned_once(labelled: ModuleType, tesseract: TesseractEngine) -> None:
    page = labelled.make_page("rotated", 0)
    assert page.rotation == 180
    result = recognise_page(tesseract, page.image, dpi=300, skew_deg=estimate_skew(page.image))
    assert result.rotation == 180
    assert cer(page, result.text) < 0.05
    # Upright pages are not asked about orientation at all (it costs a second reading).
    upright = recognise_page(tesseract, labelled.make_page("hei", 0).image, dpi=300,
                             options=PageOptions(orient_below=0.0))
    assert upright.rotation == 0


# --- seals ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_seal_text_is_read_apart_from_the_body(labelled: ModuleType, tesseract: TesseractEngine) -> None:
    page = labelled.make_page("seal", 3)  # 市劳动局 over the signature block
    assert len(find_seals(page.image, 300)) == 1
    seals = read_seals(page.image, dpi=300)
    assert len(seals) == 1 and character_error_rate(page.seals[0], seals[0]) < 0.3, seals
    body = recognise_page(tesseract, page.image, dpi=300, skew_deg=estimate_skew(page.image))
    assert "劳动局" not in body.text
    assert cer(page, body.text) < 0.03


def test_no_seals_on_grey_pages(labelled: ModuleType) -> None:
    assert read_seals(labelled.make_page("hei", 0).image, dpi=300) == ()
