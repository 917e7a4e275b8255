from __future__ import annotations

import pytest

from archive.catalogue.classes import (
    CHINESE_NUMERALS,
    CLASS_NAMES,
    CLASS_NAMES_EN,
    SUBCLASS_NAMES,
    SUBCLASS_NAMES_EN,
    InvalidClassLabel,
    class_numeral,
    format_class,
    is_valid_class,
    parse_class_label,
    sort_key,
)


def test_names_cover_the_scheme():
    assert list(CLASS_NAMES) == list(range(1, 11))
    assert list(CLASS_NAMES_EN) == list(range(1, 11))
    assert CLASS_NAMES[1] == "履历"
    assert CLASS_NAMES[4] == "学历学位、职称、学术、培训"
    assert CLASS_NAMES[9] == "工资、任免、出国、会议代表"
    assert CLASS_NAMES[10] == "其他"
    expected = {(c, s) for c in (4, 9) for s in range(1, 5)}
    assert set(SUBCLASS_NAMES) == expected
    assert set(SUBCLASS_NAMES_EN) == expected
    assert SUBCLASS_NAMES[(9, 2)].startswith("任免")
    assert "".join(CHINESE_NUMERALS.values()) == "一二三四五六七八九十"


def test_class_numeral():
    assert class_numeral(4) == "四"
    assert class_numeral(10) == "十"
    with pytest.raises(InvalidClassLabel):
        class_numeral(11)


@pytest.mark.parametrize(
    ("class_no", "subclass", "text"),
    [(1, 0, "一"), (4, 1, "四-1"), (9, 4, "九-4"), (10, 0, "十"), (4, 0, "四")],
)
def test_format_class_round_trips(class_no, subclass, text):
    assert format_class(class_no, subclass) == text
    assert parse_class_label(text) == (class_no, subclass)


@pytest.mark.parametrize(("class_no", "subclass"), [(0, 0), (11, 0), (3, 1), (4, 5)])
def test_format_class_rejects_what_parse_rejects(class_no, subclass):
    with pytest.raises(InvalidClassLabel):
        format_class(class_no, subclass)


def test_every_valid_pair_round_trips():
    pairs = [(c, 0) for c in range(1, 11)] + list(SUBCLASS_NAMES)
    for class_no, subclass in pairs:
        assert is_valid_class(class_no, subclass)
        assert parse_class_label(format_class(class_no, subclass)) == (class_no, subclass)
        label = f"{class_no}-{subclass}" if subclass else str(class_no)
        assert parse_class_label(label) == (class_no, subclass)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", (1, 0)),
        ("10", (10, 0)),
        ("4-1", (4, 1)),
        ("9-2", (9, 2)),
        ("一", (1, 0)),
        ("四-1", (4, 1)),
        ("九-2", (9, 2)),
        ("十", (10, 0)),
        ("四-一", (4, 1)),
        ("４－１", (4, 1)),  # full-width digits and hyphen
        ("１０", (10, 0)),
        ("4‐1", (4, 1)),  # U+2010 hyphen
        ("4‑1", (4, 1)),  # U+2011 non-breaking hyphen
        ("4–1", (4, 1)),  # en dash
        ("4—1", (4, 1)),  # em dash
        ("4−1", (4, 1)),  # minus sign
        ("4.1", (4, 1)),
        ("4．1", (4, 1)),  # full-width full stop
        ("4_1", (4, 1)),
        ("4 - 1", (4, 1)),
        ("  9-3  ", (9, 3)),
        ("\u30004-2\u3000", (4, 2)),  # ideographic spaces
        ("（四）", (4, 0)),
        ("(四)", (4, 0)),
        ("（4-1）", (4, 1)),
        ("四(1)", (4, 1)),
        ("四（1）", (4, 1)),
        ("四之一", (4, 1)),
        ("第四类", (4, 0)),
        ("第4类", (4, 0)),
        ("第十类", (10, 0)),
        ("04-01", (4, 1)),
        (4, (4, 0)),
        (10, (10, 0)),
        (4.0, (4, 0)),
        (4.1, (4, 1)),
        (9.4, (9, 4)),
    ],
)
def test_accepted_spellings(value, expected):
    assert parse_class_label(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("十一", "大类只能是1–10"),
        ("11", "大类只能是1–10"),
        ("0", "大类只能是1–10"),
        (11, "大类只能是1–10"),
        ("4-5", "第4类的子类只能是1–4"),
        ("4-7", "第4类的子类只能是1–4"),
        ("9-0", "子类不能是0"),
        ("3-1", "第3类没有子类"),
        ("十-1", "第10类没有子类"),
        (3.1, "第3类没有子类"),
        (4.5, "第4类的子类只能是1–4"),
        ("", "类号为空"),
        ("   ", "类号为空"),
        (None, "类号为空"),
        ("abc", "无法识别"),
        ("4-", "无法识别"),
        ("-4", "无法识别"),
        ("4-1-2", "无法识别"),
        ("一〇", "无法识别的中文数字"),
        (True, "应为1–10"),
        (-4, "无法识别"),
        (float("nan"), "无法识别"),
    ],
)
def test_rejections(value, fragment):
    with pytest.raises(InvalidClassLabel) as exc:
        parse_class_label(value)
    assert fragment in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_message_names_the_label():
    with pytest.raises(InvalidClassLabel) as exc:
        parse_class_label("4-7")
    assert str(exc.value) == "类号“4-7”无效：第4类的子类只能是1–4"
    assert str(exc.value.detail) == "第4类的子类只能是1–4"
    assert exc.value.value == "4-7"


def test_is_valid_class():
    assert is_valid_class(4, 4)
    assert not is_valid_class(4, 5)
    assert not is_valid_class(5, 1)
    assert not is_valid_class(0)


def test_sort_key_orders_as_bound():
    labels = [("十", 1), ("四-2", 1), ("一", 2), ("四", 1), ("四-1", 3), ("一", 1), ("四-1", 1), ("九-4", 1)]
    ordered = sorted(labels, key=lambda item: sort_key(*parse_class_label(item[0]), item[1]))
    assert ordered == [
        ("一", 1), ("一", 2), ("四", 1), ("四-1", 1), ("四-1", 3), ("四-2", 1), ("九-4", 1), ("十", 1),
    ]
    assert sort_key(4, None, 2) == (4, 0, 2)
