"""Partial dates: a year, a month or a day, kept at the precision that was written.

Catalogues give 材料形成时间 to the day, the month or only the year, and in many
spellings (``1985-03-12``, ``1985.3``, ``1985年3月12日``, ``19850312``,
``一九八五年三月``).  Guessing a missing month or day would invent facts that a
certified copy might later repeat, so :class:`PartialDate` keeps ``None`` for what
was not given and its ISO form keeps only the given parts (``1985``, ``1985-03``,
``1985-03-12``); these strings sort correctly as text, which is how the database
stores them.

Numbers from spreadsheet cells are read too.  A numeric cell typed ``1985.10``
reaches us as the float ``1985.1`` — the trailing zero is gone before we see it —
so it is read as January 1985.  That ambiguity cannot be resolved here; catalogues
should keep dates in text cells, which :func:`parse_partial_date` reads exactly.

Everything here is pure: no Flask, no database.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from archive.messages import Message, msg

__all__ = [
    "MIN_YEAR",
    "InvalidDate",
    "PartialDate",
    "parse_partial_date",
]

log = logging.getLogger(__name__)

# No retiree's file holds material signed before this year; anything earlier is a typo.
MIN_YEAR = 1880

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


class InvalidDate(ValueError):
    """A date that cannot be read or cannot be true.

    ``message`` is the whole user-facing message (a :class:`~archive.messages.Message`, said in the
    reader's language by ``str(exc)``); ``detail`` is the part after the colon (so callers can name
    the column instead of “date”), ``reason`` a stable key: ``format``, ``month``, ``day``,
    ``too_early`` or ``future``.
    """

    def __init__(self, value: object, detail: Message, reason: str = "format") -> None:
        self.value = value
        self.detail = detail
        self.reason = reason
        self.message = msg("Date “%(value)s” is invalid: %(detail)s", value=_shown(value), detail=detail)
        super().__init__(self.message.text)

    def __str__(self) -> str:
        return str(self.message)


def _shown(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day.

    Ordering compares the earliest day each value can mean, so ``1985`` sorts
    before ``1985-01`` and ``1985-01-01`` sorts before ``1985-01-02``; equal
    floors are broken by precision (less precise first).  ``dataclass(order=True)``
    cannot do this because it would compare ``None`` with ``int``.
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        for name in ("year", "month", "day"):
            part = getattr(self, name)
            if part is not None and (isinstance(part, bool) or not isinstance(part, int)):
                raise TypeError(f"PartialDate.{name} must be an int, not {type(part).__name__}")
        if not 1 <= self.year <= 9999:
            raise InvalidDate(self.year, msg("the year is out of range"), "format")
        if self.month is None:
            if self.day is not None:
                raise InvalidDate(f"{self.year}-?-{self.day}", msg("a day without a month"), "format")
            return
        if not 1 <= self.month <= 12:
            raise InvalidDate(f"{self.year}-{self.month}", msg("the month must be 1–12"), "month")
        if self.day is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise InvalidDate(
                    f"{self.year}-{self.month}-{self.day}",
                    msg("%(year)s-%(month)s has no day %(day)s (that month has %(last)s days)", year=self.year,
                        month=self.month, day=self.day, last=last),
                    "day",
                )

    # -- forms -----------------------------------------------------------------

    @classmethod
    def from_iso(cls, text: str) -> PartialDate:
        """Inverse of :attr:`iso`: ``1985``, ``1985-03`` or ``1985-03-12``."""
        match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", (text or "").strip())
        if match is None:
            raise InvalidDate(text, msg("write YYYY, YYYY-MM or YYYY-MM-DD"))
        year, month, day = match.groups()
        return cls(int(year), int(month) if month else None, int(day) if day else None)

    @classmethod
    def from_date(cls, value: dt.date) -> PartialDate:
        """A day-precision value from a :class:`datetime.date` (or datetime, time dropped)."""
        if isinstance(value, dt.datetime):
            value = value.date()
        return cls(value.year, value.month, value.day)

    @property
    def iso(self) -> str:
        """``1985``, ``1985-03`` or ``1985-03-12``: only the parts that were given."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def precision(self) -> str:
        """``"year"``, ``"month"`` or ``"day"``."""
        if self.month is None:
            return "year"
        return "month" if self.day is None else "day"

    def display_zh(self) -> str:
        """``1985年3月12日``, ``1985年3月`` or ``1985年``."""
        text = f"{self.year}年"
        if self.month is not None:
            text += f"{self.month}月"
        if self.day is not None:
            text += f"{self.day}日"
        return text

    def display_en(self) -> str:
        """``12 March 1985``, ``March 1985`` or ``1985``."""
        if self.month is None:
            return str(self.year)
        if self.day is None:
            return f"{_MONTHS_EN[self.month - 1]} {self.year}"
        return f"{self.day} {_MONTHS_EN[self.month - 1]} {self.year}"

    def as_date_floor(self) -> dt.date:
        """The earliest day this value can mean (``1985`` → 1985-01-01)."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def as_date_ceiling(self) -> dt.date:
        """The latest day this value can mean (``1985-02`` → 1985-02-28)."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def covers(self, day: dt.date) -> bool:
        """True when ``day`` is one of the days this value can mean."""
        return self.as_date_floor() <= day <= self.as_date_ceiling()

    def __str__(self) -> str:
        return self.iso

    # -- ordering ----------------------------------------------------------------

    def _key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() < other._key()

    def __le__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() <= other._key()

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() > other._key()

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._key() >= other._key()


# -- parsing -------------------------------------------------------------------

_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}

_SEPARATED = re.compile(r"(\d{4})(?:([-./])(\d{1,2})(?:\2(\d{1,2}))?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})?(\d{2})?")
_CN_PART = r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
_CHINESE = re.compile(
    rf"(?P<y>[0-9]{{4}}|[〇○零O一二三四五六七八九]{{4}})年"
    rf"(?:(?P<m>{_CN_PART}|元)月(?:份)?(?:(?P<d>{_CN_PART})[日号]?)?)?",
)
# A time of day after the date, as exported by spreadsheets and databases.
_TIME_SUFFIX = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$")


def _cn_small(text: str) -> int | None:
    """1–99 written in Chinese (三, 十二, 二十, 三十一), or digits."""
    if text.isdigit():
        return int(text)
    if text == "元":
        return 1
    tens, sep, units = text.partition("十")
    if not sep:
        return _CN_DIGIT.get(text) if len(text) == 1 else None
    if any(len(part) > 1 or (part and part not in _CN_DIGIT) for part in (tens, units)):
        return None
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[units] if units else 0)


def _from_parts(value: object, year: int, month: int | None, day: int | None) -> PartialDate:
    # Re-raise constructor errors with the caller's original value in the message.
    try:
        return PartialDate(year, month, day)
    except InvalidDate as exc:
        raise InvalidDate(value, exc.detail, exc.reason) from None


def _parse_digits(value: object, digits: str) -> PartialDate:
    """``1985``, ``198503`` or ``19850312``."""
    match = _COMPACT.fullmatch(digits)
    if match is None:
        raise InvalidDate(value, msg("write a 4-digit year, 6 digits for year and month or 8 for a day"))
    year, month, day = match.groups()
    return _from_parts(value, int(year), int(month) if month else None, int(day) if day else None)


def _parse_float(value: float) -> PartialDate:
    if value.is_integer():
        return _parse_digits(value, str(int(value)))
    # '.10g' gives back the digits the user saw (1985.3), not binary noise.
    text = format(value, ".10g")
    whole, _, frac = text.partition(".")
    if len(whole) != 4 or not whole.isdigit() or len(frac) not in (1, 2):
        raise InvalidDate(value, msg("a number that is not understood as a date; write the date as text, like "
                                      "“1985.03.12”"))
    # 1985.1 may have been typed 1985.10: the cell lost the zero, and January is all we can read.
    return _from_parts(value, int(whole), int(frac), None)


def _parse_text(value: object, raw: str) -> PartialDate:
    text = unicodedata.normalize("NFKC", raw).strip()
    text = _TIME_SUFFIX.sub("", text)
    text = "".join(text.split())
    if text.isdigit():
        return _parse_digits(value, text)
    match = _SEPARATED.fullmatch(text)
    if match is not None:
        year, _sep, month, day = match.groups()
        return _from_parts(value, int(year), int(month) if month else None, int(day) if day else None)
    match = _CHINESE.fullmatch(text)
    if match is not None:
        ytext = match["y"]
        year = int(ytext) if ytext.isdigit() else int("".join(str(_CN_DIGIT[c]) for c in ytext))
        month = _cn_small(match["m"]) if match["m"] else None
        day = _cn_small(match["d"]) if match["d"] else None
        if (match["m"] and month is None) or (match["d"] and day is None):
            raise InvalidDate(value, msg("a Chinese numeral that is not understood"))
        return _from_parts(value, year, month, day)
    raise InvalidDate(value, msg("a way of writing a date that is not understood; write it like “1985-03-12”, "
                                  "“1985.3” or “1985”"))


def parse_partial_date(value: Any, *, today: dt.date | None = None) -> PartialDate | None:
    """Read a date cell or text at the precision given; ``None`` for an empty value.

    Accepts ``1985-03-12``, ``1985.03.12``, ``1985.3``, ``1985/3/12``, ``1985-3``,
    ``1985年3月12日``, ``1985年3月``, ``1985年``, ``19850312``, ``198503``,
    ``1985``, full-width digits, Chinese numerals (``一九八五年三月十二日``),
    :class:`datetime.date` / :class:`datetime.datetime` (day precision), ints
    (``1985``, ``198503``, ``19850312``) and floats from numeric cells
    (``1985.3`` → 1985-03, ``1985.12`` → 1985-12; ``1985.1`` is January, see the
    module docstring).  Raises :class:`InvalidDate` for impossible dates (month 13,
    30 February), years before :data:`MIN_YEAR` and dates after ``today``.
    """
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, dt.datetime | dt.date):
        result = PartialDate.from_date(value)
    elif isinstance(value, bool):
        raise InvalidDate(value, msg("not a date"))
    elif isinstance(value, int):
        result = _parse_digits(value, str(value))
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidDate(value, msg("not a date"))
        result = _parse_float(value)
    elif isinstance(value, str):
        result = _parse_text(value, value)
    else:
        raise InvalidDate(value, msg("not a date"))
    if result.year < MIN_YEAR:
        raise InvalidDate(value, msg("the year is before %(min)s", min=MIN_YEAR), "too_early")
    today = today or dt.date.today()
    if result.as_date_floor() > today:
        raise InvalidDate(value, msg("it is after today (%(today)s)", today=today.isoformat()), "future")
    return result
