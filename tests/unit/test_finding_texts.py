"""QC finding texts: the web app renders every code of ingest.qc.texts, in Chinese with ingest's own words."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from archive.scanning.finding_texts import ERROR_NAMES, ITEMS, PLURALS, TEXTS, finding_material, finding_text
from ingest import errors
from ingest.qc.catalogue_rules import REQUIRED_ITEMS
from ingest.qc.texts import ERROR_NAMES_ZH, ITEMS_ZH, TEXTS_ZH, finding, render_zh

CJK = re.compile(r"[\u3400-\u9fff]")

MATERIAL = [4, 1, 2, "Diploma"]
# Parameters for every code, as the rules write them (structure, not values, is what matters here).
SAMPLES: dict[str, dict[str, object]] = {
    "unreadable": {"page": 3, "error": "corrupt_image", "source": "XC-1/0003.jpg"},
    "unreadable_decoder": {"page": 3, "error": "decoder_missing", "source": "XC-1/0003.jp2"},
    "unreadable_file": {"source": "XC-1/notes.docx", "error": "unsupported_format"},
    "duplicate_same": {"page": 4, "first": 2},
    "duplicate_similar": {"page": 4, "first": 2, "distance": 3},
    "blank": {"page": 7},
    "dpi_unknown": {"page": 1},
    "dpi_error": {"page": 1, "dpi": "150", "limit": "200"},
    "dpi_warning": {"page": 1, "dpi": "240", "limit": "300"},
    "skew_error": {"page": 2, "angle": "4.5", "limit": "3"},
    "skew_warning": {"page": 2, "angle": "1.2", "limit": "1"},
    "low_conf": {"page": 5, "conf": "41", "threshold": "60"},
    "formats_file": {"formats": [["JPEG", 12], ["TIFF", 1]]},
    "formats_batch": {"parts": [["JPEG", 120, 12, []], ["TIFF", 30, 11, [f"XC-{n}" for n in range(10)]],
                                ["PNG", 2, 1, ["XC-99"]]]},
    "seq_missing": {"cls": [9, 2], "missing": [3, 5, 6, 7]},
    "seq_repeat": {"cls": [1, 0], "seq": 2, "count": 2},
    "required": {"item": "labour_contract"},
    "count_more": {"scanned": 14, "expected": 12, "diff": 2,
                   "then": [["count_blank", {"n": 1}], ["count_unknown", {"n": 2}], ["count_shifted", {}]]},
    "count_less": {"scanned": 10, "expected": 12, "diff": 2, "then": [["count_blank", {"n": 3}]]},
    "count_blank": {"n": 1},
    "count_unknown": {"n": 1},
    "count_shifted": {},
    "count_material": {"material": MATERIAL, "expected": 3, "scanned": 2},
    "not_scanned": {"material": [1, 0, 1, ""], "expected": None},
    "extra_folder": {"page": 9, "folder": [5, 0, 3]},
    "extra_loose": {"page": 9},
    "extra_beyond": {"page": 9},
    "title": {"page": 6, "heading": "Wage table", "material": MATERIAL, "looks_like": [9, 1, 4, "Wages"]},
    "kept_pages": {"n": 5},
}


def test_every_code_has_a_sample_and_an_app_text():
    assert set(SAMPLES) == set(TEXTS_ZH)
    assert set(TEXTS) | PLURALS == set(TEXTS_ZH)
    assert set(ERROR_NAMES) == set(ERROR_NAMES_ZH)
    assert set(ITEMS) == set(ITEMS_ZH) == {item.key for item in REQUIRED_ITEMS}


def test_every_ingest_error_code_has_a_name():
    codes = {cls.code for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.IngestError)}
    assert codes - set(ERROR_NAMES) == set()


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_chinese_is_what_ingest_says(app, code):
    with app.test_request_context(), force_locale("zh_CN"):
        assert finding_text({"text": code, "params": SAMPLES[code], "message": "x"}) == render_zh(code, SAMPLES[code])


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_english_has_no_chinese(app, code):
    with app.test_request_context(), force_locale("en"):
        text = finding_text({"text": code, "params": SAMPLES[code], "message": "中文"})
    assert text and not CJK.search(text), text


@pytest.mark.parametrize("error", sorted(ERROR_NAMES_ZH))
def test_error_names_in_both_languages(app, error):
    params = {"page": 1, "error": error, "source": "a.jpg"}
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert finding_text({"text": "unreadable", "params": params}) == render_zh("unreadable", params)
        with force_locale("en"):
            assert not CJK.search(finding_text({"text": "unreadable", "params": params}))


@pytest.mark.parametrize("item", sorted(ITEMS_ZH))
def test_checklist_items_in_both_languages(app, item):
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert finding_text({"text": "required", "params": {"item": item}}) == render_zh("required", {"item": item})
        with force_locale("en"):
            assert not CJK.search(finding_text({"text": "required", "params": {"item": item}}))


def test_plurals_and_material_labels_in_english(app):
    with app.test_request_context(), force_locale("en"):
        assert finding_text({"text": "count_blank", "params": {"n": 1}}) == ", plus 1 blank page not counted"
        assert finding_text({"text": "count_blank", "params": {"n": 2}}) == ", plus 2 blank pages not counted"
        assert finding_material({"text": "count_material", "params": SAMPLES["count_material"]}) == "4-1 No. 2"
        assert finding_text({"text": "seq_missing", "params": SAMPLES["seq_missing"]}) == \
            "9-2 numbering has gaps: Nos. 3, 5–7 missing"
    with app.test_request_context(), force_locale("zh_CN"):
        assert finding_material({"text": "count_material", "params": SAMPLES["count_material"]}) == "四-1 第2号"


def test_old_rows_and_unknown_codes_show_the_stored_message(app):
    with app.test_request_context(), force_locale("en"):
        assert finding_text({"text": "", "params": {}, "message": "旧的消息"}) == "旧的消息"
        assert finding_text({"text": "from_a_newer_version", "params": {}, "message": "新的"}) == "新的"
        assert finding_text({"text": "dpi_error", "params": {"page": 1}, "message": "缺参数"}) == "缺参数"


def test_the_message_keeps_the_tools_words_for_the_command_line():
    f = finding("UNREADABLE_PAGE", "error", "unreadable",
                {"page": 2, "error": "corrupt_image", "source": "a.jpg", "detail": "a.jpg：文件被截断"}, page=2)
    assert f.message == "第2页无法读取，需重扫：a.jpg：文件被截断"
    assert f.text == "unreadable" and f.params["page"] == 2
