"""Material classes (十大类) of a personnel file and the labels people write for them.

The cadre-file scheme (干部人事档案工作条例, 2018) sorts materials into ten classes;
classes 4 and 9 have sub-classes 1–4.  Catalogues write the class as ``4-1``,
``四-1``, ``九-2``, ``十`` and in many near spellings (full-width digits, other
dashes, ``4.1`` from a numeric Excel cell).  :func:`parse_class_label` folds them
all to ``(class_no, subclass)`` with ``subclass == 0`` for "no sub-class"; the
sending unit's original label is kept elsewhere, because old files keep their old
placement (docs/domain.md#material-classes).

Everything here is pure: no Flask, no database.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from flask import has_request_context
from flask_babel import get_locale

from archive.messages import Message, msg

__all__ = [
    "CHINESE_NUMERALS",
    "CLASS_NAMES",
    "CLASS_NAMES_EN",
    "SUBCLASS_NAMES",
    "SUBCLASS_NAMES_EN",
    "InvalidClassLabel",
    "class_name",
    "class_numeral",
    "format_class",
    "format_class_code",
    "is_valid_class",
    "parse_class_label",
    "sort_key",
]

log = logging.getLogger(__name__)

CLASS_NAMES: dict[int, str] = {
    1: "履历",
    2: "自传和思想",
    3: "考核鉴定",
    4: "学历学位、职称、学术、培训",
    5: "政审、审计和审核",
    6: "党团",
    7: "表彰奖励",
    8: "处分",
    9: "工资、任免、出国、会议代表",
    10: "其他",
}

CLASS_NAMES_EN: dict[int, str] = {
    1: "Curriculum vitae",
    2: "Autobiography and thought",
    3: "Appraisals",
    4: "Education, titles, research and training",
    5: "Political review, audit and verification",
    6: "Party and Youth League",
    7: "Commendations and awards",
    8: "Disciplinary sanctions",
    9: "Wages, appointments, travel abroad and delegates",
    10: "Other",
}

SUBCLASS_NAMES: dict[tuple[int, int], str] = {
    (4, 1): "学历学位",
    (4, 2): "专业技术职务（职称）",
    (4, 3): "科研学术",
    (4, 4): "培训",
    (9, 1): "工资",
    (9, 2): "任免（含招工、录用、调动、退休审批）",
    (9, 3): "出国（境）",
    (9, 4): "会议代表",
}

SUBCLASS_NAMES_EN: dict[tuple[int, int], str] = {
    (4, 1): "Education and degrees",
    (4, 2): "Professional titles",
    (4, 3): "Research and scholarship",
    (4, 4): "Training",
    (9, 1): "Wages",
    (9, 2): "Appointments (incl. recruitment, transfer and retirement approvals)",
    (9, 3): "Travel abroad",
    (9, 4): "Congress and conference delegates",
}

CHINESE_NUMERALS: dict[int, str] = {
    1: "一",
    2: "二",
    3: "三",
    4: "四",
    5: "五",
    6: "六",
    7: "七",
    8: "八",
    9: "九",
    10: "十",
}

# Classes that are divided into sub-classes, and the sub-classes they have.
_SUBCLASSED = frozenset({4, 9})
_MAX_SUBCLASS = 4

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}

# Everything people type between class and sub-class.  NFKC already folds the
# full-width hyphen and full stop; the typographic dashes it leaves alone.
_SEPARATORS = str.maketrans(
    {c: "-" for c in "‐‑‒–—―−﹣－~～_·・.．、之"},
)
_WRAPPERS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")"})

_NUMBER = r"[0-9]+|[〇零一二两三四五六七八九十]+"
_LABEL = re.compile(
    rf"^第?(?P<cls>{_NUMBER})类?(?:-+(?P<sub>{_NUMBER})|\((?P<psub>{_NUMBER})\))?$",
)


class InvalidClassLabel(ValueError):
    """A class label that names no class of the scheme.

    ``message`` is the whole user-facing message (a :class:`~archive.messages.Message`, said in the
    reader's language by ``str(exc)``); ``detail`` is the part after the colon, ``value`` what was given.
    """

    def __init__(self, value: object, detail: Message) -> None:
        shown = "" if value is None else str(value).strip()
        self.value = value
        self.detail = detail
        self.message = msg("Class “%(value)s” is invalid: %(detail)s", value=shown, detail=detail) if shown else detail
        super().__init__(self.message.text)

    def __str__(self) -> str:
        return str(self.message)


def class_numeral(n: int) -> str:
    """The Chinese numeral of class ``n`` (1–10): ``class_numeral(4) == "四"``."""
    try:
        return CHINESE_NUMERALS[n]
    except KeyError:
        raise InvalidClassLabel(n, msg("the class must be 1–10")) from None


def is_valid_class(class_no: int, subclass: int = 0) -> bool:
    """True for a class 1–10 with sub-class 0, or class 4/9 with sub-class 1–4."""
    if class_no not in CLASS_NAMES:
        return False
    if subclass == 0:
        return True
    return class_no in _SUBCLASSED and 1 <= subclass <= _MAX_SUBCLASS


def format_class(class_no: int, subclass: int = 0) -> str:
    """The catalogue's own spelling: ``四-1`` for (4, 1), ``十`` for (10, 0)."""
    _check(class_no, subclass, f"{class_no}-{subclass}" if subclass else class_no)
    numeral = CHINESE_NUMERALS[class_no]
    return f"{numeral}-{subclass}" if subclass else numeral


def display_class(class_no: int, subclass: int = 0) -> str:
    """A class as the reader's language writes it: ``四-1`` in Chinese, ``4-1`` in English.

    The numerals are the catalogue's own spelling (imports, exports and stored labels keep
    :func:`format_class`); an English reader is shown the digits the numerals stand for.
    """
    if not has_request_context() or str(get_locale() or "zh").startswith("zh"):
        return format_class(class_no, subclass)
    _check(class_no, subclass, f"{class_no}-{subclass}" if subclass else class_no)
    return f"{class_no}-{subclass}" if subclass else str(class_no)


def format_class_code(code: str) -> str:
    """The catalogue's spelling of a stored code: ``"9-1"`` → ``九-1``, ``"3"`` → ``三``.

    Search hits and facets carry the class as digits; people read the catalogue's
    numerals, so every screen shows this form.  A code that names no class is
    returned unchanged (it came from the index, not from the user).
    """
    try:
        return format_class(*parse_class_label(code))
    except InvalidClassLabel:
        log.warning("class code %r names no class", code)
        return code


def class_name(class_no: int, subclass: int = 0, *, english: bool = False) -> str:
    """The name of a class, or of its sub-class when ``subclass`` is given ("" when there is none)."""
    if subclass:
        return (SUBCLASS_NAMES_EN if english else SUBCLASS_NAMES).get((class_no, subclass), "")
    return (CLASS_NAMES_EN if english else CLASS_NAMES).get(class_no, "")


def sort_key(class_no: int, subclass: int | None, seq: int) -> tuple[int, int, int]:
    """Key that orders materials as a file is bound: class, then sub-class, then 序号."""
    return (class_no, subclass or 0, seq)


def _cn_number(text: str) -> int | None:
    """Value of a small Chinese numeral (一 … 九十九), or None when it is not one."""
    if all(c in _CN_DIGITS for c in text):
        # Digit-by-digit spelling such as 一〇 is not used for classes; only single digits.
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, sep, units = text.partition("十")
    if not sep or "十" in units:
        return None
    if tens and (len(tens) != 1 or tens not in _CN_DIGITS or _CN_DIGITS[tens] == 0):
        return None
    if units and (len(units) != 1 or units not in _CN_DIGITS or _CN_DIGITS[units] == 0):
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _number(token: str) -> int | None:
    return int(token) if token.isdigit() else _cn_number(token)


def _check(class_no: int, subclass: int, value: object) -> None:
    if class_no not in CLASS_NAMES:
        raise InvalidClassLabel(value, msg("the class must be 1–10"))
    if subclass == 0:
        return
    if class_no not in _SUBCLASSED:
        raise InvalidClassLabel(value, msg("class %(n)s has no sub-classes (only classes 4 and 9 have them)",
                                           n=class_no))
    if not 1 <= subclass <= _MAX_SUBCLASS:
        raise InvalidClassLabel(value, msg("the sub-classes of class %(n)s are 1–%(max)s", n=class_no,
                                           max=_MAX_SUBCLASS))


def _text_of_number(value: int | float) -> str:
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        # An Excel cell typed 4.1 arrives as the float 4.1; '.10g' gives back the
        # digits the user saw without binary noise (4.1, not 4.0999999999999996).
        return format(value, ".10g")
    return str(value)


def parse_class_label(value: object) -> tuple[int, int]:
    """Read a class label and return ``(class_no, subclass)``; ``subclass`` is 0 for none.

    Accepts ``1``, ``4-1``, ``9-2``, ``一``, ``四-1``, ``九-2``, ``十``, ``第四类``,
    ``（四）``, ``四(1)``, ``四之一``, ``4.1``, full-width digits and any dash,
    surrounding spaces, and ints or floats from spreadsheet cells (``4`` → (4, 0),
    ``4.1`` → (4, 1)).  Raises :class:`InvalidClassLabel` for anything else,
    including a sub-class on a class that has none (``3-1``) or out of range (``4-5``).
    """
    if value is None:
        raise InvalidClassLabel(value, msg("the class is empty"))
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidClassLabel(value, msg("write a class from 1 to 10, like “4-1” (Chinese numerals work too)"))
    raw = _text_of_number(value) if isinstance(value, (int, float)) else value
    text = unicodedata.normalize("NFKC", raw).translate(_WRAPPERS)
    text = "".join(text.split())
    if not text:
        raise InvalidClassLabel(value, msg("the class is empty"))
    # '（四）' and '(4-1)': a label wrapped whole in brackets.
    while text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1]
    text = text.translate(_SEPARATORS)
    match = _LABEL.match(text)
    if match is None:
        raise InvalidClassLabel(value, msg("not understood; write “4” or “4-1” (Chinese numerals work too)"))
    class_no = _number(match["cls"])
    sub_token = match["sub"] or match["psub"]
    subclass = _number(sub_token) if sub_token else 0
    if class_no is None or subclass is None:
        raise InvalidClassLabel(value, msg("a Chinese numeral that is not understood"))
    if sub_token and subclass == 0:
        raise InvalidClassLabel(value, msg("the sub-class cannot be 0"))
    _check(class_no, subclass, value)
    return class_no, subclass
