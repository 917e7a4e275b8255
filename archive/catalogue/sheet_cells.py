"""The 目录/人员 sheets' columns, their aliases and limits, how one cell is read, and the rows and errors read.

Part of :mod:`archive.catalogue.sheets` (which reads whole sources); nothing here touches a file.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from archive.catalogue.columns import column_label
from archive.catalogue.dates import PartialDate
from archive.messages import Message, msg

CATALOGUE_SHEET = "目录"
PEOPLE_SHEET = "人员"

CATALOGUE_COLUMNS: tuple[str, ...] = ("档号", "类号", "序号", "材料名称", "材料形成时间", "页数", "备注")
CATALOGUE_REQUIRED: frozenset[str] = frozenset({"档号", "类号", "序号", "材料名称"})
PEOPLE_COLUMNS: tuple[str, ...] = (
    "档号", "姓名", "性别", "身份证号", "出生日期", "原单位", "单位层级",
    "退休时间", "户籍区", "户籍街道", "常住区", "常住街道", "党员",
)
PEOPLE_REQUIRED: frozenset[str] = frozenset({"档号", "姓名"})

Kind = Literal["catalogue", "people"]
# 原类号 is not in the package contract; export.py writes it so that an exported catalogue reads back with the
# sending unit's labels intact (类号 then holds the normalised class).
ORIGINAL_LABEL_COLUMN = "原类号"
_COLUMNS: dict[Kind, tuple[str, ...]] = {
    "catalogue": (*CATALOGUE_COLUMNS, ORIGINAL_LABEL_COLUMN),
    "people": PEOPLE_COLUMNS,
}
_REQUIRED: dict[Kind, frozenset[str]] = {"catalogue": CATALOGUE_REQUIRED, "people": PEOPLE_REQUIRED}
_KIND_BY_NAME: dict[str, Kind] = {CATALOGUE_SHEET: "catalogue", PEOPLE_SHEET: "people"}

# Other names sending units give the same columns.
_ALIASES = {
    "档案号": "档号",
    "档案编号": "档号",
    "类别号": "类号",
    "分类号": "类号",
    "材料题名": "材料名称",
    "题名": "材料名称",
    "形成时间": "材料形成时间",
    "形成日期": "材料形成时间",
    "材料形成日期": "材料形成时间",
    "身份证号码": "身份证号",
    "公民身份号码": "身份证号",
    "身份证": "身份证号",
    "出生年月": "出生日期",
    "退休日期": "退休时间",
    "原工作单位": "原单位",
    "是否党员": "党员",
}

# Column sizes in archive/catalogue/models.py; longer text would fail at insert time, far from the sheet.
_MAX_LENGTH = {
    "档号": 64,
    "类号": 32,
    "材料名称": 300,
    "备注": 300,
    "姓名": 50,
    "原单位": 200,
    "户籍区": 32,
    "户籍街道": 32,
    "常住区": 32,
    "常住街道": 32,
}

_SEX = {"男": "M", "男性": "M", "M": "M", "MALE": "M", "女": "F", "女性": "F", "F": "F", "FEMALE": "F"}
_LEVELS = {
    "央属": "central", "中央": "central", "央企": "central", "中央企业": "central", "CENTRAL": "central",
    "市属": "municipal", "市管": "municipal", "市级": "municipal", "MUNICIPAL": "municipal",
    "区属": "district", "区管": "district", "区级": "district", "DISTRICT": "district",
}
_PARTY = {
    "是": True, "Y": True, "YES": True, "1": True, "TRUE": True, "党员": True, "中共党员": True, "√": True,
    "否": False, "N": False, "NO": False, "0": False, "FALSE": False, "非党员": False, "群众": False,
    "×": False,
}

# Characters that cannot appear in a folder name on Windows or POSIX; 档号 names image folders.
_BAD_ARCHIVE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]')
_SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
_HEADER_SEARCH_ROWS = 10
_PLAIN_PEOPLE_COLUMNS = ("原单位", "户籍区", "户籍街道", "常住区", "常住街道")

_NO_SHEETS = msg("The folder holds no catalogue or people sheet (目录.xlsx, 目录.csv, 人员.xlsx, 人员.csv)")
_MISSING_ARCHIVE_NO = msg("The file no. is empty (if it is a merged cell, unmerge it and write the number on every "
                          "row)")
#: What a 档号 looks like unless ``DANGAN_ARCHIVE_NO_PATTERN`` says otherwise: letters, digits or Chinese
#: characters, joined by ``-`` ``_`` ``.`` (``XC-2020-000123``, ``西城-1985-12``); never only punctuation.
DEFAULT_ARCHIVE_NO_PATTERN = r"[0-9A-Z\u3400-\u9fff](?:[0-9A-Z\u3400-\u9fff._-]*[0-9A-Z\u3400-\u9fff])?"
MAX_PAGES = 9999  # the form's limit too (MaterialForm.pages)
_BAD_ARCHIVE_NO = '\\ / : * ? " < > |'


# -- public types ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetError:
    """One problem in one place: ``row`` and ``field`` are None when the whole sheet or file is meant."""

    sheet: str
    row: int | None
    field: str | None
    message: Message
    archive_no: str | None = None
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The four facts a report shows: sheet, row, field, message (said in the reader's language)."""
        return {"sheet": self.sheet, "row": self.row, "field": str(column_label(self.field)) if self.field else None,
                "message": str(self.message)}

    def as_json(self) -> dict[str, Any]:
        """What is stored (a job's summary): the column key and the message as code and parameters."""
        return {"sheet": self.sheet, "row": self.row, "field": self.field, "code": self.code,
                "archive_no": self.archive_no, "message": self.message.as_json()}


@dataclass(frozen=True)
class CatalogueRow:
    """One valid 目录 row: a material of a file."""

    sheet: str
    row: int
    archive_no: str
    class_no: int
    subclass: int
    original_label: str
    seq: int
    title: str
    formed: PartialDate | None
    pages: int | None
    remarks: str


@dataclass(frozen=True)
class PersonRow:
    """One valid 人员 row: the retiree a file belongs to, as the sending unit described them."""

    sheet: str
    row: int
    archive_no: str
    name: str
    sex: str | None
    id_number: str | None
    birth_date: PartialDate | None
    employer: str
    employer_level: str | None
    retired_on: PartialDate | None
    hukou_district: str
    hukou_street: str
    residence_district: str
    residence_street: str
    party_member: bool | None


# -- cells ---------------------------------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    """A cell as the user saw it: ``3.0`` from Excel is ``3``, a midnight datetime is a date."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".10g")
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


# For other domains that read spreadsheets the same way (the transfers' 名册).
cell_text = _text
is_blank_cell = _is_blank


def _collapse(text: str) -> str:
    # Alt+Enter line breaks and double spaces inside a title are layout, not content.
    return " ".join(text.split())


def _person_name(value: Any) -> str:
    text = _collapse(_text(value))
    # Two-character names are padded (张  三) to line up with three-character ones; the padding is not
    # part of the name.  Names with Latin letters keep their single spaces.
    if all(not c.isascii() or c == " " for c in text):
        text = text.replace(" ", "").replace("\u3000", "")
    return text


def _token(value: Any) -> str:
    return unicodedata.normalize("NFKC", _text(value)).replace(" ", "").upper()


def _int(value: Any, suffix: str = "") -> int:
    """A whole number from a cell; ``3.0`` and ``"3"`` are fine, ``3.5`` and ``"三"`` are not."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(value)
    text = unicodedata.normalize("NFKC", _text(value)).replace(" ", "")
    if suffix:
        text = text.removesuffix(suffix)
    match = re.fullmatch(r"([+-]?\d+)(?:\.0+)?", text)
    if match is None:
        raise ValueError(value)
    return int(match[1])


def _header_key(value: Any) -> str:
    """Canonical column name of a header cell: ``（ 档号 ）``, ``单位层级(央属/市属/区属)`` …"""
    text = unicodedata.normalize("NFKC", _text(value))
    text = "".join(text.split()).replace("【", "(").replace("】", ")")
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1]  # （序号）: the whole name in brackets
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text)  # 单位层级(央属/市属/区属): a note, not the name
    text = text.strip("*:：()[]")
    return _ALIASES.get(text, text)


def _identify(header: Sequence[Any]) -> Kind | None:
    keys = {_header_key(c) for c in header}
    catalogue = "材料名称" in keys or len(keys & {"类号", "序号", "材料形成时间", "页数"}) >= 2
    people = "姓名" in keys or "身份证号" in keys
    if catalogue == people:
        return None
    return "catalogue" if catalogue else "people"


Rows = list[tuple[int, Sequence[Any]]]
_Add = Callable[[str, str, str], None]  # records one problem of the current row: column, code, message


def _non_empty(rows: Iterable[Sequence[Any]]) -> Rows:
    """Number rows from 1 and drop the fully empty ones (trailing blank Excel rows are normal)."""
    return [(n, tuple(r)) for n, r in enumerate(rows, start=1) if not all(_is_blank(c) for c in r)]


def normalise_archive_no(value: Any) -> str:
    """档号 as compared everywhere: stripped, full-width folded to half-width, upper case."""
    return unicodedata.normalize("NFKC", _text(value)).strip().upper()
