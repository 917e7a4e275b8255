"""Resident ID numbers (居民身份证号码) per GB 11643-1999.

18 characters: a 6-digit region code, an 8-digit birth date, a 3-digit sequence
(odd for men, even for women) and a check character computed over the first 17
digits.  Legacy 15-digit numbers (before 1999) carry a 2-digit year and no check
character; they convert by inserting ``19`` before the year and appending it.

Everything here is pure: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = [
    "IdNumber",
    "InvalidIdNumber",
    "check_character",
    "make_id_number",
    "mask_id_number",
    "parse_id_number",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

# Full-width digits and X are common in typed-in spreadsheets; fold them.
_FOLD = str.maketrans("０１２３４５６７８９Ｘｘx", "0123456789XXX")


class InvalidIdNumber(ValueError):
    """An ID number that is not well formed; ``str(exc)`` is a user-facing reason key."""

    def __init__(self, reason: str, value: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value


@dataclass(frozen=True)
class IdNumber:
    """A validated 18-character ID number and what it encodes."""

    number: str
    region: str
    birth_date: dt.date
    sequence: int
    converted_from_15: bool = False

    @property
    def sex(self) -> str:
        """``"M"`` or ``"F"``: the sequence is odd for men."""
        return "M" if self.sequence % 2 == 1 else "F"


def check_character(first17: str) -> str:
    """Return the check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise InvalidIdNumber("format", first17)
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def _birth(text: str, value: str) -> dt.date:
    try:
        born = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise InvalidIdNumber("birth_date", value) from exc
    if born.year < 1880 or born > dt.date.today():
        raise InvalidIdNumber("birth_date", value)
    return born


def parse_id_number(value: str) -> IdNumber:
    """Validate ``value`` and return it as an :class:`IdNumber` (15-digit input is converted).

    Raises :class:`InvalidIdNumber` with ``reason`` one of ``empty``, ``format``,
    ``birth_date`` or ``check``.
    """
    text = (value or "").strip().translate(_FOLD)
    if not text:
        raise InvalidIdNumber("empty", value)
    if len(text) == 15:
        if not text.isdigit():
            raise InvalidIdNumber("format", value)
        first17 = text[:6] + "19" + text[6:]
        born = _birth(first17[6:14], value)
        number = first17 + check_character(first17)
        return IdNumber(number, number[:6], born, int(number[14:17]), converted_from_15=True)
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise InvalidIdNumber("format", value)
    born = _birth(text[6:14], value)
    if check_character(text[:17]) != text[17]:
        raise InvalidIdNumber("check", value)
    return IdNumber(text, text[:6], born, int(text[14:17]))


def make_id_number(region: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid 18-character number (used by the demo data and tests)."""
    if len(region) != 6 or not region.isdigit() or not 0 <= sequence <= 999:
        raise ValueError("region must be 6 digits and sequence 0..999")
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def mask_id_number(number: str | None) -> str:
    """Mask the birth date and sequence: ``110102********123X`` keeps region and last four."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
