"""The shared Chinese analysis: normalisation, tokens, query plans, snippets."""

from __future__ import annotations

import random

import pytest

from search.analysis import (
    FILLER,
    Phrase,
    Word,
    analyse,
    formed_key,
    index_fields,
    is_word,
    normalise,
    plan,
)
from search.base import PageDoc
from search.snippets import highlight


def test_normalise_folds_width_case_and_dashes() -> None:
    assert normalise("ＸＣ－２０２０－０００１２３") == "xc-2020-000123"
    assert normalise("XC—2020–000123") == "xc-2020-000123"
    assert normalise("１１０１０２１９５００３１２１２３Ｘ") == "11010219500312123x"
    assert normalise("　退休") == " 退休"


def test_words_hold_every_dictionary_word_and_character() -> None:
    a = analyse("经审核张建国同志符合国家规定的退休条件")
    for w in ("审核", "张建国", "建国", "同志", "国家", "规定", "退休", "条件", "张", "核"):
        assert w in a.words
    # 核张 is no word; bigrams are positional and cover every adjacent pair of the run.
    assert "核张" not in a.words and "核张" in a.gram_tokens
    assert a.gram_tokens[:3] == ["经审", "审核", "核张"]


def test_dictionary_words_are_indexed_wherever_they_occur() -> None:
    """The guarantee behind single-posting-list word queries: full mode misses no dictionary word."""
    rng = random.Random(3)
    text = "经审核该同志符合国家规定的退休条件同意退休工作中能吃苦耐劳勤勤恳恳多次超额完成生产计划受到车间表扬"
    for _ in range(200):
        i = rng.randrange(len(text) - 6)
        run = text[i:i + rng.randint(3, 12)]
        words = set(analyse(run).words)
        for a in range(len(run)):
            for b in range(a + 2, len(run) + 1):
                if is_word(run[a:b]):
                    assert run[a:b] in words, (run, run[a:b])


def test_ocr_whitespace_inside_cjk_is_joined() -> None:
    assert analyse("退 休 审\n批表").grams == analyse("退休审批表").grams
    assert set(analyse("退　休").words) >= {"退休"}


def test_latin_and_digits_stay_whole() -> None:
    a = analyse("公民身份号码　11010219500312123X，档号XC-2020-000123。")
    assert "11010219500312123x" in a.gram_tokens and "xc-2020-000123" in a.gram_tokens
    assert {"xc", "2020", "000123", "xc-2020-000123"} <= set(a.words)
    assert "1101021950" not in a.words
    assert analyse("x" * 500).gram_tokens == ["x" * 64]


def test_grams_positions_have_gaps() -> None:
    """Bigrams of a run 2 positions apart, the next run or token 3 after (fillers count, are not indexed)."""
    words, grams = analyse("退休审批，同意 1985年").joined()
    toks = grams.split()
    positions = {t: i for i, t in enumerate(toks) if t != FILLER}
    assert positions == {"退休": 0, "休审": 2, "审批": 4, "同意": 7, "1985": 10, "年": 13}


@pytest.mark.parametrize(("value", "expected"), [
    ("退休", (Word("退休"),)),
    ("档", (Word("档"),)),
    ("审批退休", (Phrase((("审批", "批退", "退休"),)),)),
    ("退 休", (Word("退休"),)),
    ("XC-2020-000123", (Word("xc-2020-000123"),)),
    ("1985年", (Phrase((("1985",),)), Word("年"))),
    ("1985年3月", (Phrase((("1985",), ("年",), ("3",))), Word("月"))),
    ("号码110102", (Phrase((("号码",), ("110102",))),)),
    ("退休，审批", (Phrase((("退休",), ("审批",))),)),
    ("<script>", (Word("script"),)),
    ("，。!!", ()),
])
def test_plan(value: str, expected: tuple) -> None:
    assert plan(value) == expected


def test_phrase_positions_name_every_other_bigram() -> None:
    (p,) = plan("无固定期限劳动合同")
    assert p.tokens == ("无固", "固定", "定期", "期限", "限劳", "劳动", "动合", "合同")
    assert p.positioned() == [(0, "无固"), (4, "定期"), (8, "限劳"), (12, "动合"), (14, "合同")]
    (p,) = plan("同意录用")
    assert p.positioned() == [(0, "同意"), (4, "录用")]
    (p, _) = plan("号码110102年")
    assert p.positioned() == [(0, "号码"), (3, "110102")]
    (p,) = plan("退休审批，同意")
    assert p.positioned() == [(0, "退休"), (4, "审批"), (7, "同意")]


def test_formed_key() -> None:
    assert formed_key("1985-03-12") == 19850312
    assert formed_key("1985-03") == 19850300
    assert formed_key("1985") == 19850000
    assert formed_key("") is None and formed_key("1985-13") is None and formed_key("八五年") is None


def test_index_fields() -> None:
    doc = PageDoc(page_id=1, file_id=2, archive_no="XC-2020-000001", street="月坛", person_name="张建国",
                  id_number="11010219500312123X", employer="北京第一机床厂", class_code="9-4", material_seq=3,
                  material_title="职工退休审批表", formed="1990-05", position=4, text="同意退休。")
    f = index_fields(doc)
    assert (f.class_major, f.decade, f.formed, f.street) == ("9", "1990s", 19900500, "月坛")
    assert "退休" in f.analysed["title"][0].split()
    assert f.analysed["id"] == ("11010219500312123x", "11010219500312123x")


def test_highlight_marks_and_escapes() -> None:
    snippet, terms = highlight("<b>申请</b>：同意退休 & 退 休", ["退休"])
    assert snippet == "&lt;b&gt;申请&lt;/b&gt;：同意<mark>退休</mark> &amp; <mark>退 休</mark>"
    assert terms == ("退休", "退", "休")


def test_highlight_window_and_full_width() -> None:
    text = "前" * 100 + "身份证号１１０１０２１９５００３１２１２３Ｘ" + "后" * 100
    snippet, terms = highlight(text, ["11010219500312123x"])
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>１１０１０２１９５００３１２１２３Ｘ</mark>" in snippet
    assert terms == ("１１０１０２１９５００３１２１２３Ｘ",)
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 82


def test_highlight_whole_tokens_only() -> None:
    assert highlight("号码 110102195003121234", ["1101021950"])[1] == ()
    assert highlight("档号 XC-2020-000123", ["000123"])[1] == ("000123",)


def test_highlight_without_match_is_the_page_start() -> None:
    snippet, terms = highlight("第一行\n第二行", ["张建国"])
    assert snippet == "第一行 第二行" and terms == ()


def test_highlight_maps_offsets_when_nfkc_changes_length() -> None:
    text = "㈱北京机床厂 退休"  # ㈱ expands to "(株)"
    snippet, terms = highlight(text, ["退休"])
    assert snippet.endswith("<mark>退休</mark>") and terms == ("退休",)
