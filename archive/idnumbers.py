"""Resident ID numbers (居民身份证号码) per GB 11643-1999.

18 characters: a 6-digit region code, an 8-digit birth date, a 3-digit sequence
(odd for men, even for women) and a check character computed over the first 17
digits.  Legacy 15-digit numbers (before 1999) carry a 2-digit year and no check
character; they convert by inserting ``19`` before the year and appending it.

Everything here is pure: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = [
    "IdNumber",
    "InvalidIdNumber",
    "check_character",
    "make_id_number",
    "mask_id_number",
    "mask_id_numbers_in_text",
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


# An ID number in free text (OCR, search snippets, logged queries and URLs): a run of exactly 18
# (17 digits + digit/X) or 15 digits, not part of a longer run of letters or digits, whose birth-date
# part is a plausible date.  The date test keeps other long digit runs (bank or phone numbers rarely
# look like a 19xx date) and never touches 档号 (XC-2020-000001: short runs) or page counts.
# Full-width digits count too; the check character is not required (OCR misreads it).
_D = "[0-9０-９]"
_ID_IN_TEXT = re.compile(
    # not glued to a letter or digit — except the hex of a %XX escape in a logged URL (身份证%3A110…)
    rf"(?:(?<=%[0-9A-Fa-f]{{2}})|(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ]))"
    rf"(?:(?P<long>{_D}{{6}}(?:18|19|20|１８|１９|２０){_D}{{2}}{_D}{{4}}{_D}{{3}}[0-9０-９XxＸｘ])"
    rf"|(?P<short>{_D}{{6}}{_D}{{2}}{_D}{{4}}{_D}{{3}}))"
    rf"(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
)


def _plausible(number: str) -> bool:
    digits = number.translate(_FOLD)
    month_day = digits[10:14] if len(digits) == 18 else digits[8:12]
    month, day = int(month_day[:2]), int(month_day[2:])
    return 1 <= month <= 12 and 1 <= day <= 31


def _mask_match(match: re.Match[str]) -> str:
    number = match.group(0)
    return mask_id_number(number) if _plausible(number) else number


def mask_id_numbers_in_text(text: str) -> str:
    """``text`` with every 18- or 15-digit ID number in it masked as by :func:`mask_id_number`.

    Works on plain text, escaped HTML (``<mark>`` around a number is fine) and JSON alike.
    """
    if not text:
        return text or ""
    return _ID_IN_TEXT.sub(_mask_match, text)
