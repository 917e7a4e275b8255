"""Read the 目录 (catalogue) and 人员 (people) sheets of a scan package.

A scan package (docs/scan-package.md#catalogue-sheets) carries its catalogue as ``目录.xlsx``
or ``目录.csv`` and optionally its people as ``人员.xlsx`` / ``人员.csv``, or one
workbook with sheets named 目录 and 人员.  Sending units fill these by hand, so
:func:`read_sources` is forgiving about form (header spelling and order, date and
class spellings, CSV encoding) and strict about content: every bad cell becomes a
:class:`SheetError` naming the sheet, the spreadsheet's own 1-based row number and
the column, with a Chinese message and a stable ``code``.  A row with any error is
not returned, and the caller can refuse the affected files with
:meth:`SheetData.error_archive_nos`.

Nothing here raises on bad input: a file that cannot be read becomes one error
with code ``unreadable_file`` (or ``encoding`` for a CSV in neither UTF-8 nor
GB18030).  Error codes:

============================  ======================================================
``unreadable_file``           missing file, not a spreadsheet, corrupt workbook
``encoding``                  CSV bytes valid in neither UTF-8 nor GB18030
``unknown_sheet``             a file whose name and header say neither 目录 nor 人员
``no_sheets``                 a folder holding no 目录/人员 file
``ambiguous_source``          a folder holding e.g. both 目录.xlsx and 目录.csv
``empty_sheet``               a 目录 sheet without even a header row
``missing_column``            a required column is absent (reported on the header row)
``duplicate_column``          a column appears twice in the header
``missing_archive_no``        a row with cells but no 档号
``bad_archive_no``            a 档号 that cannot serve as a folder name
``bad_class``                 类号 empty or not a class of the scheme
``bad_seq``                   序号 empty or not a positive integer
``missing_title``             材料名称 empty
``bad_date``                  材料形成时间, 出生日期 or 退休时间 unreadable or impossible
``bad_pages``                 页数 not a non-negative integer
``missing_name``              姓名 empty
``bad_sex``                   性别 not 男/女
``bad_id_number``             身份证号 malformed, impossible birth date, wrong check character
``id_mismatch``               身份证号 disagrees with 出生日期 or 性别
``bad_employer_level``        单位层级 not 央属/市属/区属
``bad_party_member``          党员 not 是/否
``too_long``                  text longer than the database column holds
``duplicate``                 repeated (档号, 类号, 序号), 档号 in 人员, or 身份证号
============================  ======================================================

Everything here is pure: no Flask, no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import openpyxl

from archive.catalogue.classes import InvalidClassLabel, parse_class_label
from archive.catalogue.columns import column_label, sheet_label
from archive.catalogue.dates import InvalidDate, PartialDate, parse_partial_date
from archive.idnumbers import InvalidIdNumber, parse_id_number
from archive.messages import Message, msg, pmsg

__all__ = [
    "CATALOGUE_COLUMNS",
    "CATALOGUE_REQUIRED",
    "CATALOGUE_SHEET",
    "PEOPLE_COLUMNS",
    "PEOPLE_REQUIRED",
    "PEOPLE_SHEET",
    "ORIGINAL_LABEL_COLUMN",
    "CatalogueRow",
    "PersonRow",
    "SheetData",
    "SheetError",
    "normalise_archive_no",
    "read_sources",
]

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class SheetData:
    """Everything read from the sources: valid rows and the problems found."""

    catalogue: list[CatalogueRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    errors: list[SheetError] = field(default_factory=list)

    def error_archive_nos(self) -> set[str]:
        """档号 of every file with at least one row error."""
        return {e.archive_no for e in self.errors if e.archive_no}


def normalise_archive_no(value: Any) -> str:
    """档号 as compared everywhere: stripped, full-width folded to half-width, upper case."""
    return unicodedata.normalize("NFKC", _text(value)).strip().upper()


def read_sources(
    paths: Iterable[Path | str], *, today: dt.date | None = None, archive_no_pattern: str | None = None
) -> SheetData:
    """Read 目录 and 人员 sheets from files, workbooks or folders; never raises on bad input.

    Each path is a ``目录``/``人员`` .xlsx or .csv, any .xlsx/.csv whose header says
    which it is, a workbook with sheets named 目录 and/or 人员 (other sheets are
    ignored), or a folder whose spreadsheets directly inside are read the same way.
    Duplicates are found across all sources together.  ``today`` bounds dates
    (tests pass a fixed day).  ``archive_no_pattern`` is the regular expression a whole 档号 must match
    (after folding to upper case); :data:`DEFAULT_ARCHIVE_NO_PATTERN` when None.
    """
    reader = _Reader(today or dt.date.today(), archive_no_pattern or DEFAULT_ARCHIVE_NO_PATTERN)
    for path in paths:
        reader.add(Path(path))
    data = SheetData(reader.catalogue, reader.people, reader.errors)
    log.info(
        "read %d catalogue rows and %d people with %d errors", len(data.catalogue), len(data.people),
        len(data.errors),
    )
    return data


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


# -- reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    label: str
    kind: Kind | None
    rows: Rows


class _Unreadable(Exception):
    """Raised inside this module for a file that yields no tables; turned into a SheetError."""

    def __init__(self, code: str, message: Message) -> None:
        super().__init__(message.text)
        self.code = code
        self.message = message


def _decode(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise _Unreadable("unreadable_file", msg("This is a compressed file such as Excel, not a CSV: name it .xlsx"))
    # Excel on Chinese Windows saves CSV as GB18030 (GBK); elsewhere UTF-8, often with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # NUL never appears in a text CSV; it means UTF-16 or a binary file decoded by luck.
        if "\x00" not in text:
            return text
    raise _Unreadable("encoding", msg("The CSV file's encoding is not recognised: save it as UTF-8 or GB18030 (GBK)"))


def _csv_tables(path: Path, kind: Kind | None) -> list[_Table]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Unreadable("unreadable_file", msg("Cannot open the file: %(e)s", e=str(exc.strerror or exc))) from exc
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    # Some tools export "CSV" with tabs or semicolons; the header line tells which.
    delimiter = ","
    if "," not in first_line:
        delimiter = next((d for d in ("\t", ";") if d in first_line), ",")
    try:
        rows = _non_empty(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _Unreadable("unreadable_file", msg("The CSV is malformed: %(e)s", e=str(exc))) from exc
    return [_Table(path.name, kind or _identify_rows(rows), rows)]


def _identify_rows(rows: Rows) -> Kind | None:
    for _n, row in rows[:_HEADER_SEARCH_ROWS]:
        kind = _identify(row)
        if kind is not None:
            return kind
    return None


def _workbook_tables(path: Path, kind: Kind | None) -> list[_Table]:
    # openpyxl warns about features it drops (data validation, unknown extensions); those say nothing
    # about the data, and under pytest's filterwarnings=error they would masquerade as corrupt files.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # openpyxl raises zipfile, XML, KeyError, ValueError … on bad input, and a sheet's XML can be
        # corrupt even when the workbook opened; the technical detail goes to the log, not the user.
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            log.warning("cannot open workbook %s: %r", path, exc)
            raise _Unreadable("unreadable_file", msg("Cannot open the Excel file: it is damaged or not .xlsx")) from exc
        try:
            tables = _sheets_of(path, workbook, kind)
        except Exception as exc:
            log.warning("cannot read workbook %s: %r", path, exc)
            raise _Unreadable("unreadable_file", msg("Cannot read the Excel file: it is damaged")) from exc
        finally:
            workbook.close()
    for warning in caught:
        log.debug("openpyxl on %s: %s", path.name, warning.message)
    return tables


def _sheet_rows(worksheet: Any) -> Rows:
    # The stored dimension tag is sometimes wrong (written by other tools); without it every row is read.
    worksheet.reset_dimensions()
    return _non_empty(worksheet.iter_rows(values_only=True))


def _sheets_of(path: Path, workbook: Any, kind: Kind | None) -> list[_Table]:
    sheets = workbook.worksheets
    named = [(ws, _KIND_BY_NAME.get(ws.title.strip())) for ws in sheets]
    if any(k for _ws, k in named):
        return [_Table(f"{path.name}:{ws.title}", k, _sheet_rows(ws)) for ws, k in named if k]
    tables = []
    for ws in sheets:
        rows = _sheet_rows(ws)
        tables.append(_Table(f"{path.name}:{ws.title}", _identify_rows(rows), rows))
    identified = [t for t in tables if t.kind is not None]
    if kind is None or any(t.kind == kind for t in identified):
        return identified
    # A file named 目录.xlsx without a recognisable 目录 header: read its first sheet as one, so the
    # errors say which columns are missing instead of “unknown sheet”.
    return [_Table(tables[0].label, kind, tables[0].rows)] if tables else []


def _kind_of_name(stem: str) -> Kind | None:
    return _KIND_BY_NAME.get(unicodedata.normalize("NFKC", stem).strip())


def _is_folder_candidate(path: Path) -> bool:
    # ~$目录.xlsx is Excel's lock file for an open workbook; dot-files are system litter.
    if not path.is_file() or path.name.startswith(("~$", ".")):
        return False
    suffix = path.suffix.lower()
    # An old 目录.xls is worth an error; any other .xls in the folder is none of our business.
    if suffix == ".xls":
        return _kind_of_name(path.stem) is not None
    return suffix in (*_SPREADSHEET_SUFFIXES, ".csv")


class _Reader:
    """Accumulates rows and errors over all sources; duplicate checks span them all."""

    def __init__(self, today: dt.date, archive_no_pattern: str = DEFAULT_ARCHIVE_NO_PATTERN) -> None:
        self.today = today
        self.archive_no_re = re.compile(archive_no_pattern)
        self.catalogue: list[CatalogueRow] = []
        self.people: list[PersonRow] = []
        self.errors: list[SheetError] = []
        self._seen: set[Path] = set()
        self._yielded: set[Path] = set()  # files that held (or were named as) a 目录 or 人员 sheet
        self._material_at: dict[tuple[str, int, int, int], tuple[str, int]] = {}
        self._person_at: dict[str, tuple[str, int]] = {}
        self._id_at: dict[str, tuple[str, str, int]] = {}

    def error(
        self, sheet: str, code: str, message: Message, row: int | None = None, column: str | None = None
    ) -> None:
        """Record a problem of a whole file, sheet or header (no 档号 to blame)."""
        self.errors.append(SheetError(sheet, row, column, message, None, code))

    # -- sources -------------------------------------------------------------------------------------

    def add(self, path: Path) -> None:
        key = path.resolve()
        if key in self._seen:
            return
        self._seen.add(key)
        if path.is_dir():
            self._add_folder(path)
        elif not path.is_file():
            self.error(path.name or str(path), "unreadable_file", msg("The file does not exist"))
        elif self._add_file(path, in_folder=False):
            self._yielded.add(key)

    def _add_folder(self, folder: Path) -> None:
        files = sorted(p for p in folder.iterdir() if _is_folder_candidate(p))
        # 目录.xlsx beside 目录.csv: read the workbook, and say so, rather than report every row twice.
        preference = {".xlsx": 0, ".xlsm": 1, ".csv": 2, ".xls": 3}
        chosen: dict[Kind, Path] = {}
        for p in sorted(files, key=lambda p: preference[p.suffix.lower()]):
            kind = _kind_of_name(p.stem)
            if kind is None:
                continue
            if kind in chosen:
                first = chosen[kind].name
                self.error(p.name, "ambiguous_source",
                           msg("The same sheet as %(first)s: only %(first)s is read", first=first))
                self._seen.add(p.resolve())
            else:
                chosen[kind] = p
        found = False
        for p in files:
            key = p.resolve()
            if key in self._seen:
                found = found or key in self._yielded  # already read as an explicit path
                continue
            self._seen.add(key)
            if self._add_file(p, in_folder=True):
                self._yielded.add(key)
                found = True
        if not found:
            self.error(folder.name, "no_sheets", _NO_SHEETS)

    def _add_file(self, path: Path, *, in_folder: bool) -> bool:
        """Read one file; True when it held (or was named as) a 目录 or 人员 sheet."""
        suffix = path.suffix.lower()
        kind = _kind_of_name(path.stem)
        try:
            if suffix in _SPREADSHEET_SUFFIXES:
                tables = _workbook_tables(path, kind)
            elif suffix == ".csv":
                tables = _csv_tables(path, kind)
            elif suffix == ".xls":
                raise _Unreadable("unreadable_file",
                                  msg("Old Excel files (.xls) are not read: save it as .xlsx or CSV"))
            else:
                raise _Unreadable("unreadable_file", msg("Not a spreadsheet: only .xlsx and .csv files are read"))
        except _Unreadable as exc:
            log.warning("cannot read %s: %s (%s)", path, exc.message, exc.code)
            self.error(path.name, exc.code, exc.message)
            return True
        tables = [t for t in tables if t.kind is not None]
        if not tables:
            if in_folder:
                log.info("ignoring %s: neither a 目录 nor a 人员 sheet", path)
                return False
            self.error(path.name, "unknown_sheet",
                       msg("Not recognised: neither the file name nor the header is that of a catalogue or people "
                           "sheet"))
            return True
        for table in tables:
            self._read_table(table)
        return True

    # -- tables --------------------------------------------------------------------------------------

    def _read_table(self, table: _Table) -> None:
        kind = table.kind
        if kind is None:
            return
        if not table.rows:
            if kind == "catalogue":
                self.error(table.label, "empty_sheet", msg("The catalogue sheet is empty: it has no header"))
            return
        # A title row (e.g. “某某公司职工档案目录”) may sit above the header.
        candidates = enumerate(table.rows[:_HEADER_SEARCH_ROWS])
        header_at = next((i for i, (_n, row) in candidates if _identify(row) == kind), 0)
        header_row, header = table.rows[header_at]
        columns: dict[str, int] = {}
        known = _COLUMNS[kind]
        for index, cell in enumerate(header):
            key = _header_key(cell)
            if key not in known:
                continue
            if key in columns:
                message = msg("The header has the “%(column)s” column twice: only the first is read",
                              column=column_label(key))
                self.error(table.label, "duplicate_column", message, header_row, key)
                continue
            columns[key] = index
        missing = [c for c in known if c in _REQUIRED[kind] and c not in columns]
        for column in missing:
            message = msg("The %(sheet)s sheet has no “%(column)s” column", sheet=sheet_label(kind),
                          column=column_label(column))
            self.error(table.label, "missing_column", message, header_row, column)
        if missing:
            return
        handle = self._catalogue_row if kind == "catalogue" else self._person_row
        count = 0
        for number, row in table.rows[header_at + 1 :]:
            cells = {key: row[i] if i < len(row) else None for key, i in columns.items()}
            if all(_is_blank(v) for v in cells.values()):
                continue  # only ignored columns had anything: not a row of ours
            handle(table.label, number, cells)
            count += 1
        log.info("%s: %d %s rows", table.label, count, kind)

    def _row_start(
        self, sheet: str, number: int, cells: dict[str, Any]
    ) -> tuple[str | None, list[SheetError], _Add]:
        """Read 档号 and give back an error recorder bound to this row."""
        problems: list[SheetError] = []
        archive_no = normalise_archive_no(cells.get("档号")) or None

        def add(column: str, code: str, message: Message) -> None:
            problems.append(SheetError(sheet, number, column, message, archive_no, code))

        if archive_no is None:
            add("档号", "missing_archive_no", _MISSING_ARCHIVE_NO)
        elif _BAD_ARCHIVE_CHARS.search(archive_no) or archive_no in (".", ".."):
            add("档号", "bad_archive_no",
                msg("File no. “%(no)s” holds a space or a character that no folder name may hold (%(chars)s)",
                    no=archive_no, chars=_BAD_ARCHIVE_NO))
        elif len(archive_no) > _MAX_LENGTH["档号"]:
            add("档号", "bad_archive_no",
                msg("File no. “%(no)s” is too long (at most %(max)s characters)", no=archive_no,
                    max=_MAX_LENGTH["档号"]))
        elif not self.archive_no_re.fullmatch(archive_no):
            add("档号", "bad_archive_no", msg("File no. “%(no)s” is not in the form of a file no. (letters, digits or "
                                             "Chinese characters joined by - _ .)", no=archive_no))
        return archive_no, problems, add

    def _date(self, cells: dict[str, Any], column: str, add: _Add) -> PartialDate | None:
        value = cells.get(column)
        try:
            return parse_partial_date(value, today=self.today)
        except InvalidDate as exc:
            add(column, "bad_date", msg("%(column)s “%(value)s” is invalid: %(detail)s", column=column_label(column),
                                       value=_text(value), detail=exc.detail))
            return None

    @staticmethod
    def _check_length(column: str, text: str, add: _Add) -> None:
        limit = _MAX_LENGTH.get(column)
        if limit is not None and len(text) > limit:
            add(column, "too_long", msg("%(column)s is too long (%(n)s characters, at most %(max)s)",
                                       column=column_label(column), n=len(text), max=limit))

    def _catalogue_row(self, sheet: str, number: int, cells: dict[str, Any]) -> None:
        archive_no, problems, add = self._row_start(sheet, number, cells)

        raw_class = cells.get("类号")
        original_label = _text(cells.get(ORIGINAL_LABEL_COLUMN)) or _text(raw_class)
        class_no = subclass = None
        try:
            class_no, subclass = parse_class_label(raw_class)
        except InvalidClassLabel as exc:
            add("类号", "bad_class", exc.message)
        if len(original_label) > _MAX_LENGTH["类号"]:
            column = ORIGINAL_LABEL_COLUMN if _text(cells.get(ORIGINAL_LABEL_COLUMN)) else "类号"
            add(column, "too_long", msg("%(column)s is too long (at most %(max)s characters)",
                                       column=column_label(column), max=_MAX_LENGTH["类号"]))

        raw_seq = cells.get("序号")
        seq = None
        if _is_blank(raw_seq):
            add("序号", "bad_seq", msg("The No. is empty"))
        else:
            try:
                seq = _int(raw_seq)
            except ValueError:
                add("序号", "bad_seq", msg("No. “%(value)s” is invalid: it must be a positive whole number",
                                        value=_text(raw_seq)))
            else:
                if seq < 1:
                    add("序号", "bad_seq", msg("No. “%(value)s” is invalid: it must be a positive whole number",
                                        value=_text(raw_seq)))
                    seq = None

        title = _collapse(_text(cells.get("材料名称")))
        if not title:
            add("材料名称", "missing_title", msg("The title is empty"))
        self._check_length("材料名称", title, add)

        formed = self._date(cells, "材料形成时间", add)

        raw_pages = cells.get("页数")
        pages = None
        if not _is_blank(raw_pages):
            try:
                pages = _int(raw_pages, suffix="页")
            except ValueError:
                add("页数", "bad_pages", msg("Pages “%(value)s” is invalid: it must be 0 or a positive whole number",
                                           value=_text(raw_pages)))
            else:
                if pages < 0:
                    add("页数", "bad_pages",
                        msg("Pages “%(value)s” is invalid: it cannot be negative", value=_text(raw_pages)))
                    pages = None
                elif pages > MAX_PAGES:
                    add("页数", "bad_pages", msg("Pages “%(value)s” is out of range: it must be 0 to %(max)s",
                                               value=_text(raw_pages), max=MAX_PAGES))
                    pages = None

        remarks = _collapse(_text(cells.get("备注")))
        self._check_length("备注", remarks, add)

        if archive_no and class_no is not None and subclass is not None and seq is not None:
            key = (archive_no, class_no, subclass, seq)
            earlier = self._material_at.get(key)
            if earlier is None:
                self._material_at[key] = (sheet, number)
            else:
                where = _where(earlier, sheet)
                message = msg("File %(no)s has class “%(label)s” No. %(seq)s twice (already in %(where)s)",
                              no=archive_no, label=original_label, seq=seq, where=where)
                add("序号", "duplicate", message)

        self.errors.extend(problems)
        if problems:
            return
        assert archive_no is not None and class_no is not None and subclass is not None and seq is not None
        self.catalogue.append(
            CatalogueRow(
                sheet=sheet,
                row=number,
                archive_no=archive_no,
                class_no=class_no,
                subclass=subclass,
                original_label=original_label,
                seq=seq,
                title=title,
                formed=formed,
                pages=pages,
                remarks=remarks,
            )
        )

    def _person_row(self, sheet: str, number: int, cells: dict[str, Any]) -> None:
        archive_no, problems, add = self._row_start(sheet, number, cells)

        name = _person_name(cells.get("姓名"))
        if not name:
            add("姓名", "missing_name", msg("The name is empty"))
        self._check_length("姓名", name, add)

        raw_sex = cells.get("性别")
        sex = None
        if not _is_blank(raw_sex):
            sex = _SEX.get(_token(raw_sex))
            if sex is None:
                add("性别", "bad_sex", msg("Sex “%(value)s” is invalid: write 男 or 女 (M or F)", value=_text(raw_sex)))

        birth_date = self._date(cells, "出生日期", add)
        retired_on = self._date(cells, "退休时间", add)
        if birth_date and retired_on and retired_on.as_date_ceiling() < birth_date.as_date_floor():
            add("退休时间", "bad_date", msg("Retired “%(retired)s” is before the date of birth “%(born)s”",
                                             retired=retired_on.iso, born=birth_date.iso))

        id_number = self._id_number(cells.get("身份证号"), sex, birth_date, add)

        raw_level = cells.get("单位层级")
        level = None
        if not _is_blank(raw_level):
            level = _LEVELS.get(_token(raw_level))
            if level is None:
                message = msg("Employer level “%(value)s” is invalid: write 央属, 市属 or 区属 (central, municipal "
                              "or district)", value=_text(raw_level))
                add("单位层级", "bad_employer_level", message)

        raw_party = cells.get("党员")
        party = None
        if not _is_blank(raw_party):
            party = _PARTY.get(_token(raw_party))
            if party is None:
                add("党员", "bad_party_member", msg("Party member “%(value)s” is invalid: write 是 or 否 (yes or no)",
                                                   value=_text(raw_party)))

        texts = {c: _collapse(_text(cells.get(c))) for c in _PLAIN_PEOPLE_COLUMNS}
        for column, text in texts.items():
            self._check_length(column, text, add)

        if archive_no:
            earlier = self._person_at.get(archive_no)
            if earlier is None:
                self._person_at[archive_no] = (sheet, number)
            else:
                add("档号", "duplicate", msg("File %(no)s is twice in the people sheet (already in %(where)s)",
                                            no=archive_no, where=_where(earlier, sheet)))
            if id_number:
                owner = self._id_at.get(id_number)
                if owner is None:
                    self._id_at[id_number] = (archive_no, sheet, number)
                elif owner[0] != archive_no:
                    add("身份证号", "duplicate",
                        msg("The ID number is that of file %(no)s (%(where)s): one person cannot have two files",
                            no=owner[0], where=_where(owner[1:], sheet)))

        self.errors.extend(problems)
        if problems:
            return
        assert archive_no is not None
        self.people.append(
            PersonRow(
                sheet=sheet,
                row=number,
                archive_no=archive_no,
                name=name,
                sex=sex,
                id_number=id_number,
                birth_date=birth_date,
                employer=texts["原单位"],
                employer_level=level,
                retired_on=retired_on,
                hukou_district=texts["户籍区"],
                hukou_street=texts["户籍街道"],
                residence_district=texts["常住区"],
                residence_street=texts["常住街道"],
                party_member=party,
            )
        )

    @staticmethod
    def _id_number(
        raw: Any, sex: str | None, birth_date: PartialDate | None, add: _Add
    ) -> str | None:
        """Validate 身份证号 and check it against 性别 and 出生日期; the 18-character form or None."""
        if _is_blank(raw):
            return None
        text = _text(raw)
        if isinstance(raw, float):
            # A double holds integers exactly only below 2**53 (16 digits): a legacy 15-digit number
            # survives a numeric cell, an 18-digit one has lost its last digits, and the check
            # character could pass by chance (1 in 11), so it is never trusted.
            if not raw.is_integer() or abs(raw) >= 2**53:
                add("身份证号", "bad_id_number", _ID_AS_NUMBER)
                return None
            text = str(int(raw))
        try:
            parsed = parse_id_number(text)
        except InvalidIdNumber as exc:
            add("身份证号", "bad_id_number", _ID_REASONS.get(exc.reason, msg("The ID number is invalid")))
            return None
        if sex is not None and parsed.sex != sex:
            add("身份证号", "id_mismatch",
                msg("The ID number says the sex is %(by_id)s, which disagrees with sex “%(given)s”",
                    by_id=_SEX_LABELS[parsed.sex], given=_SEX_LABELS[sex]))
        if birth_date is not None and not birth_date.covers(parsed.birth_date):
            add("身份证号", "id_mismatch",
                msg("The date of birth in the ID number, %(by_id)s, disagrees with the date of birth “%(given)s”",
                    by_id=parsed.birth_date.isoformat(), given=birth_date.iso))
        return parsed.number


_ID_AS_NUMBER = msg("Excel stored the ID number as a number and its last digits are lost: format the column as text "
                    "and enter it again")
_ID_REASONS = {
    "format": msg("The ID number is malformed: it must have 18 characters (the last may be X) or 15 digits"),
    "birth_date": msg("The date of birth in the ID number does not exist"),
    "check": msg("The check character of the ID number is wrong"),
}
_SEX_LABELS = {"M": pmsg("sex", "male"), "F": pmsg("sex", "female")}


def _where(place: tuple[str, int], current_sheet: str) -> Message:
    sheet, row = place
    return msg("row %(row)s", row=row) if sheet == current_sheet else msg("%(sheet)s, row %(row)s", sheet=sheet,
                                                                            row=row)
