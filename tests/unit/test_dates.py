from __future__ import annotations

import datetime as dt
import pickle

import pytest

from archive.catalogue.dates import MIN_YEAR, InvalidDate, PartialDate, parse_partial_date

TODAY = dt.date(2024, 6, 15)


def parse(value):
    return parse_partial_date(value, today=TODAY)


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("1985-03-12", "1985-03-12"),
        ("1985.03.12", "1985-03-12"),
        ("1985.3.12", "1985-03-12"),
        ("1985/3/12", "1985-03-12"),
        ("1985/03/12", "1985-03-12"),
        ("1985-3", "1985-03"),
        ("1985.3", "1985-03"),
        ("1985.03", "1985-03"),
        ("1985.10", "1985-10"),  # text keeps the zero a numeric cell would lose
        ("1985.1", "1985-01"),
        ("1985年3月12日", "1985-03-12"),
        ("1985年3月12号", "1985-03-12"),
        ("1985年3月12", "1985-03-12"),
        ("1985年03月", "1985-03"),
        ("1985年3月份", "1985-03"),
        ("1985年", "1985"),
        ("1985 年 3 月", "1985-03"),
        ("19850312", "1985-03-12"),
        ("198503", "1985-03"),
        ("1985", "1985"),
        ("  1985-03-12  ", "1985-03-12"),
        ("１９８５－０３－１２", "1985-03-12"),  # full-width digits and hyphen
        ("１９８５年３月", "1985-03"),
        ("１９８５．３", "1985-03"),
        ("一九八五年三月十二日", "1985-03-12"),
        ("一九八五年三月", "1985-03"),
        ("一九八五年", "1985"),
        ("二〇〇八年十二月三十一日", "2008-12-31"),
        ("二○○八年十月二十日", "2008-10-20"),
        ("一九八五年元月", "1985-01"),
        ("1985-03-12 00:00:00", "1985-03-12"),
        ("1985-03-12T08:30", "1985-03-12"),
        ("1988-02-29", "1988-02-29"),
        ("2000-02-29", "2000-02-29"),
        (dt.date(1985, 3, 12), "1985-03-12"),
        (dt.datetime(1985, 3, 12, 14, 5), "1985-03-12"),
        (1985, "1985"),
        (198503, "1985-03"),
        (19850312, "1985-03-12"),
        (1985.0, "1985"),
        (19850312.0, "1985-03-12"),
        (1985.3, "1985-03"),
        (1985.12, "1985-12"),
        (1985.05, "1985-05"),
        (1985.1, "1985-01"),  # a cell typed 1985.10 arrives as 1985.1: read as January (documented)
        ("2024-06-15", "2024-06-15"),  # today itself is fine
        ("2024-06", "2024-06"),  # this month: its first day is not after today
        ("2024", "2024"),
        ("1880", "1880"),
    ],
)
def test_accepted_spellings(value, iso):
    result = parse(value)
    assert result is not None
    assert result.iso == iso


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_empty_is_none(value):
    assert parse(value) is None


@pytest.mark.parametrize(
    ("value", "reason", "fragment"),
    [
        ("1985-13", "month", "月份只能是1–12"),
        ("1985-00", "month", "月份只能是1–12"),
        ("1985年13月", "month", "月份只能是1–12"),
        ("198513", "month", "月份只能是1–12"),
        (1985.13, "month", "月份只能是1–12"),
        ("1985-02-30", "day", "1985年2月没有30日"),
        ("1985-02-29", "day", "1985年2月没有29日"),
        ("1900-02-29", "day", "1900年2月没有29日"),
        ("1985-04-31", "day", "1985年4月没有31日"),
        ("19850230", "day", "1985年2月没有30日"),
        ("1985-03-00", "day", "没有0日"),
        ("1879", "too_early", f"早于{MIN_YEAR}"),
        ("1066-10-14", "too_early", f"早于{MIN_YEAR}"),
        ("2024-06-16", "future", "晚于今天"),
        ("2024-07", "future", "晚于今天"),
        ("2025", "future", "晚于今天"),
        ("3000", "future", "晚于今天"),
        ("abc", "format", "无法识别"),
        ("85.3.12", "format", "无法识别"),
        ("1985-3.12", "format", "无法识别"),
        ("1985.3.", "format", "无法识别"),
        ("12/03/1985", "format", "无法识别"),
        ("1985年3月12日上午", "format", "无法识别"),
        ("1985031", "format", "应为4位年份"),
        ("不详", "format", "无法识别"),
        (31120, "format", "应为4位年份"),  # an Excel serial number that lost its date format
        (1985.123, "format", "请把日期写成文本"),
        (True, "format", "不是日期"),
        (float("nan"), "format", "不是日期"),
        (dt.time(8, 30), "format", "不是日期"),
        ([1985], "format", "不是日期"),
    ],
)
def test_rejections(value, reason, fragment):
    with pytest.raises(InvalidDate) as exc:
        parse(value)
    assert exc.value.reason == reason
    assert fragment in str(exc.value)
    assert fragment in str(exc.value.detail) or fragment in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_message_quotes_the_value():
    with pytest.raises(InvalidDate) as exc:
        parse("1985-02-30")
    assert str(exc.value) == "日期“1985-02-30”无效：1985年2月没有30日（该月只有28天）"


def test_today_defaults_to_the_real_today():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(InvalidDate):
        parse_partial_date(tomorrow.isoformat())
    assert parse_partial_date(dt.date.today()) == PartialDate.from_date(dt.date.today())


def test_precision_and_forms():
    day = PartialDate(1985, 3, 12)
    month = PartialDate(1985, 3)
    year = PartialDate(1985)
    assert (day.precision, month.precision, year.precision) == ("day", "month", "year")
    assert (day.iso, month.iso, year.iso) == ("1985-03-12", "1985-03", "1985")
    assert str(day) == "1985-03-12"
    assert [d.display_zh() for d in (day, month, year)] == ["1985年3月12日", "1985年3月", "1985年"]
    assert [d.display_en() for d in (day, month, year)] == ["12 March 1985", "March 1985", "1985"]
    assert day.as_date_floor() == dt.date(1985, 3, 12)
    assert month.as_date_floor() == dt.date(1985, 3, 1)
    assert year.as_date_floor() == dt.date(1985, 1, 1)
    assert PartialDate(1988, 2).as_date_ceiling() == dt.date(1988, 2, 29)
    assert year.as_date_ceiling() == dt.date(1985, 12, 31)
    assert month.covers(dt.date(1985, 3, 31))
    assert not month.covers(dt.date(1985, 4, 1))


@pytest.mark.parametrize("iso", ["1985", "1985-03", "1985-03-12", "2000-02-29"])
def test_from_iso_round_trips(iso):
    assert PartialDate.from_iso(iso).iso == iso


@pytest.mark.parametrize("text", ["", "85", "1985-3", "1985/03", "1985-02-30", "1985-13", None])
def test_from_iso_rejects(text):
    with pytest.raises(InvalidDate):
        PartialDate.from_iso(text)


def test_constructor_validates():
    with pytest.raises(InvalidDate):
        PartialDate(1985, 13)
    with pytest.raises(InvalidDate):
        PartialDate(1985, None, 12)
    with pytest.raises(InvalidDate):
        PartialDate(1985, 2, 30)
    with pytest.raises(TypeError):
        PartialDate("1985")  # type: ignore[arg-type]


def test_ordering_puts_the_less_precise_first():
    dates = [PartialDate(1985, 3, 12), PartialDate(1985), PartialDate(1984, 12, 31), PartialDate(1985, 3)]
    assert [d.iso for d in sorted(dates)] == ["1984-12-31", "1985", "1985-03", "1985-03-12"]
    assert PartialDate(1985) < PartialDate(1985, 1)
    assert PartialDate(1985, 1) < PartialDate(1985, 1, 1)
    assert PartialDate(1985, 3) >= PartialDate(1985, 3)
    assert PartialDate(1986) > PartialDate(1985, 12, 31)
    assert PartialDate(1985) <= PartialDate(1985)
    # The order agrees with sorting the stored ISO strings.
    assert sorted(d.iso for d in dates) == [d.iso for d in sorted(dates)]
    with pytest.raises(TypeError):
        _ = PartialDate(1985) < "1985"  # type: ignore[operator]


def test_equality_hashing_and_pickling():
    assert PartialDate(1985, 3) == PartialDate(1985, 3, None)
    assert PartialDate(1985, 3) != PartialDate(1985, 3, 1)
    assert len({PartialDate(1985), PartialDate(1985), PartialDate(1985, 1)}) == 2
    assert pickle.loads(pickle.dumps(PartialDate(1985, 3, 12))) == PartialDate(1985, 3, 12)
    with pytest.raises(AttributeError):
        PartialDate(1985).year = 1986  # type: ignore[misc]
