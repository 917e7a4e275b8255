"""The hand-written query parser: trees for good input, a message for bad input."""

from __future__ import annotations

import contextlib

import pytest

from search.base import QueryError
from search.query import MAX_LIMIT, And, Exact, Not, Or, Range, Term, check_paging, needles, parse


def test_terms_and_implicit_and() -> None:
    assert parse("张建国") == Term("张建国")
    assert parse("张建国 退休") == And((Term("张建国"), Term("退休")))
    assert parse('"退休 审批表"') == Term("退休 审批表", quoted=True)
    assert parse("“退休审批表”") == Term("退休审批表", quoted=True)
    assert parse("「退休」") == Term("退休", quoted=True)


def test_operators_and_precedence() -> None:
    a, b, c = Term("甲乙"), Term("丙丁"), Term("戊己")
    assert parse("甲乙 OR 丙丁 戊己") == Or((a, And((b, c))))
    assert parse("(甲乙 OR 丙丁) 戊己") == And((Or((a, b)), c))
    assert parse("甲乙 AND NOT 丙丁") == And((a, Not(b)))
    assert parse("甲乙 -丙丁") == And((a, Not(b)))
    assert parse("甲乙 && 丙丁 || 戊己") == Or((And((a, b)), c))
    assert parse("甲乙 and 丙丁") == And((a, Term("and"), b))  # lower case is a word, as in Lucene


def test_fields() -> None:
    assert parse("姓名:张建国") == Term("张建国", "name")
    assert parse("姓名： 张建国") == Term("张建国", "name")
    assert parse('单位:"第一 机床厂"') == Term("第一 机床厂", "employer", quoted=True)
    assert parse("材料:登记表") == Term("登记表", "title")
    assert parse("档号:XC-2020-000123") == Term("XC-2020-000123", "archive")
    assert parse("身份证:11010219500312123X") == Term("11010219500312123X", "id")
    assert parse("街道:月坛") == Exact("street", "月坛")
    assert parse("name:张建国") == Term("张建国", "name")
    assert parse("http://x") == Term("http://x")  # not a field: searched as text


@pytest.mark.parametrize(("value", "expected"), [
    ("9", Exact("class_major", "9")),
    ("9-2", Exact("class_code", "9-2")),
    ("九-2", Exact("class_code", "9-2")),
    ("十", Exact("class_major", "10")),
    ("４－１", Exact("class_code", "4-1")),
])
def test_class(value: str, expected: Exact) -> None:
    assert parse(f"类别:{value}") == expected


@pytest.mark.parametrize(("value", "lo", "hi"), [
    ("1985", 19850000, 19859999),
    ("1985-03", 19850300, 19850399),
    ("1985年3月", 19850300, 19850399),
    ("1985-03-12", 19850312, 19850312),
    ("1980..1990", 19800000, 19909999),
    ("1980-1990", 19800000, 19909999),
    ("1980至1990", 19800000, 19909999),
    ("1980..", 19800000, 99999999),
    ("..1990", 0, 19909999),
    ("1985-03..1985-06", 19850300, 19850699),
])
def test_formed(value: str, lo: int, hi: int) -> None:
    assert parse(f"形成时间:{value}") == Range("formed", lo, hi)


@pytest.mark.parametrize(("query", "message"), [
    ("", "请输入检索词"),
    ("   ", "请输入检索词"),
    ("AND", "AND 前面缺少检索词"),
    ("退休 AND", "AND 后面缺少检索词"),
    ("OR 退休", "OR 前面缺少检索词"),
    ("退休 OR", "OR 后面缺少检索词"),
    ("NOT", "NOT 后面缺少要排除的词"),
    ("NOT 退休", "NOT 只能排除"),
    ("退休 OR NOT 病退", "OR 的每一边"),
    ("-退休", "NOT 只能排除"),
    ("档" * 10_000, "检索式太长"),
    ("*", "不支持通配符"),
    ("张?", "不支持通配符"),
    ("姓名:张*", "不支持通配符"),
    ("(退休", "括号不配对"),
    ("退休)", "括号不配对"),
    ("()", "括号里没有检索词"),
    ("(" * 9 + "退休" + ")" * 9, "括号嵌套太深"),
    ("姓名:", "姓名: 后面要写检索内容"),
    ("类别:abc", "类别请写成"),
    ("形成时间:1985-13", "不是有效日期"),
    ("形成时间:1990..1980", "起始晚于结束"),
    ("，。！", "没有可检索的文字"),
    (" ".join(["词"] * 21), "检索词太多"),
])
def test_bad_input(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(query)


def test_lenient_cases() -> None:
    assert parse('"张建国') == Term("张建国", quoted=True)  # an unclosed quote ends the query
    assert parse("退休 NOT <>") == Term("退休")  # an excluded term with nothing searchable is dropped
    assert parse("<script>alert(1)</script>") == And((Term("<script>alert"), Term("1"), Term("</script>")))


def test_needles_are_the_positive_terms() -> None:
    assert needles(parse("张建国 (退休 OR 姓名:李秀英) NOT 病退 类别:9")) == ["张建国", "退休", "李秀英"]


def test_check_paging() -> None:
    assert check_paging(1000, 0) == (MAX_LIMIT, 0)
    assert check_paging(20, 10_000) == (20, 10_000)
    with pytest.raises(QueryError):
        check_paging(20, 10_001)
    with pytest.raises(QueryError):
        check_paging(-1, 0)


ALPHABET = ['"', "“", "”", "「", "(", ")", ":", "：", "-", "*", "?", " ", " ", " ", "AND", "OR", "NOT", "姓名",
            "类别", "形成时间", "档号", "街道", "身份证", "9", "-2", "1985", "..", "退", "休", "张建国", "x", "<", ">",
            "&", "\\", "\u3000", "\n", "\x00", "é", "𠀋", "ｘ", "１", "~", "至", "年", "月", "|", "||", "&&", "'"]


def test_fuzz_only_query_errors() -> None:
    import random

    rng = random.Random(11)
    for _ in range(3000):
        q = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
        with contextlib.suppress(QueryError):
            parse(q)
