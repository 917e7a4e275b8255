from __future__ import annotations

import datetime as dt

import pytest

from archive.idnumbers import (
    InvalidIdNumber,
    check_character,
    make_id_number,
    mask_id_number,
    parse_id_number,
)


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


def _sequence_with_check(char: str) -> str:
    """A valid number born 1985-03-12 in 110102 whose check character is ``char``."""
    for sequence in range(1000):
        number = make_id_number("110102", dt.date(1985, 3, 12), sequence)
        if number[-1] == char:
            return number
    raise AssertionError(f"no sequence gives check character {char}")


def test_known_number_from_the_standard_example():
    # GB 11643-1999 appendix example: 11010519491231002X.
    assert check_character("11010519491231002") == "X"
    parsed = parse_id_number("11010519491231002X")
    assert parsed.number == "11010519491231002X"
    assert parsed.region == "110105"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sequence == 2
    assert parsed.sex == "F"
    assert not parsed.converted_from_15


def test_valid_18_digit_number_round_trips():
    number = make_id_number("110102", dt.date(1956, 7, 1), 123)
    parsed = parse_id_number(number)
    assert parsed.number == number
    assert parsed.birth_date == dt.date(1956, 7, 1)
    assert parsed.sequence == 123
    assert parsed.sex == "M"


def test_check_character_x_accepted_in_any_case_and_width():
    number = _sequence_with_check("X")
    assert parse_id_number(number).number == number
    assert parse_id_number(number[:-1] + "x").number == number
    assert parse_id_number(number[:-1] + "ｘ").number == number
    assert parse_id_number(number[:-1] + "Ｘ").number == number


def test_full_width_digits_and_spaces_are_folded():
    number = make_id_number("110104", dt.date(1960, 1, 31), 44)
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    parsed = parse_id_number(f"  {wide} ")
    assert parsed.number == number
    assert parsed.sex == "F"


def test_15_digit_number_is_converted():
    parsed = parse_id_number("110102560701123")
    assert parsed.converted_from_15
    assert parsed.number == _with_check("11010219560701123")
    assert len(parsed.number) == 18
    assert parsed.birth_date == dt.date(1956, 7, 1)
    assert parsed.sex == "M"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("1101021985031212", "format"),  # 16 digits
        ("11010219850312123", "format"),  # 17 digits
        ("1101021985031212345", "format"),  # 19 digits
        ("11010219850312X234", "format"),  # X not last
        ("11010A198503121234", "format"),
        ("11010285031212X", "format"),  # 15 with X
        ("110102850230123", "birth_date"),  # 15-digit, 1985-02-30
    ],
)
def test_rejections(value, reason):
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(value)
    assert exc.value.reason == reason
    assert str(exc.value) == reason


def test_wrong_check_character():
    number = make_id_number("110102", dt.date(1985, 3, 12), 17)
    wrong = "0" if number[-1] != "0" else "1"
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(number[:-1] + wrong)
    assert exc.value.reason == "check"


def test_transposed_digits_fail_the_check():
    number = make_id_number("110102", dt.date(1985, 3, 12), 135)
    swapped = number[:14] + number[15] + number[14] + number[16:]
    assert swapped != number
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(swapped)
    assert exc.value.reason == "check"


@pytest.mark.parametrize("birth", ["19850230", "19851301", "19850001", "18700101", "29990101"])
def test_impossible_birth_dates(birth):
    # A correct check character must not save a number whose birth date cannot be.
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(_with_check(f"110102{birth}123"))
    assert exc.value.reason == "birth_date"


def test_leap_day_is_a_birth_date():
    assert parse_id_number(_with_check("11010219880229123")).birth_date == dt.date(1988, 2, 29)


def test_check_character_rejects_bad_input():
    with pytest.raises(InvalidIdNumber):
        check_character("1234")
    with pytest.raises(InvalidIdNumber):
        check_character("1101021985031212A")


def test_make_id_number_rejects_bad_parts():
    with pytest.raises(ValueError):
        make_id_number("11010", dt.date(1985, 3, 12), 1)
    with pytest.raises(ValueError):
        make_id_number("110102", dt.date(1985, 3, 12), 1000)


def test_mask_id_number():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("110102560701123") == "110102*****1123"
    assert mask_id_number("1234567890") == "**********"
    assert mask_id_number(None) == ""
    assert mask_id_number("") == ""
