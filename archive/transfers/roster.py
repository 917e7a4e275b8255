"""Reading a 移交名册 (xlsx, or csv in UTF-8, UTF-8 with BOM, GB18030 — even GB18030 behind a UTF-8 BOM).

Forgiving about form (header spelling and order, blank rows, ``3.0`` from Excel, padded names), strict about
content: every bad cell is a :class:`RowError` naming the spreadsheet's own row number and the column, with
a message (code + params).  Every row is routed (:mod:`archive.transfers.routing`).  Formula cells are
refused: the value a formula shows is not what the sending unit typed, and a workbook written by a program
may carry no value for it at all.  Pure: no Flask, no database (the checks against the database are in
:mod:`archive.transfers.operations`).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from archive.catalogue.dates import InvalidDate, parse_partial_date
from archive.catalogue.sheet_cells import cell_text, is_blank_cell
from archive.idnumbers import InvalidIdNumber, parse_id_number
from archive.messages import Message, msg, pmsg
from archive.transfers.routing import Place, Routing, RoutingError, parse_place, route

__all__ = ["COLUMNS", "REQUIRED", "RosterData", "RosterRow", "RowError", "read_roster", "read_rows"]

COLUMNS: tuple[str, ...] = ("姓名", "身份证号", "性别", "出生日期", "退休时间", "户籍区", "户籍街道", "常住区",
                            "常住街道", "党员", "正本卷数", "副本卷数", "材料份数")
REQUIRED = ("姓名", "身份证号", "户籍区")
_ALIASES = {"身份证号码": "身份证号", "公民身份号码": "身份证号", "身份证": "身份证号", "出生年月": "出生日期",
            "退休日期": "退休时间", "是否党员": "党员", "正本": "正本卷数", "副本": "副本卷数", "材料数": "材料份数",
            "材料份数(份)": "材料份数", "户籍所在区": "户籍区", "常住地区": "常住区"}
_ROUTING_FIELDS = {"hukou_district": "户籍区", "hukou_street": "户籍街道", "residence_district": "常住区",
                   "residence_street": "常住街道", "level": None}
_SEX = {"男": "M", "M": "M", "男性": "M", "女": "F", "F": "F", "女性": "F"}
_PARTY = {"是": True, "党员": True, "中共党员": True, "Y": True, "YES": True, "1": True, "√": True,
          "否": False, "群众": False, "非党员": False, "N": False, "NO": False, "0": False, "×": False}
_HEADER_ROWS = 10
_MAX_NAME = 50
_MAX_COUNT = 999
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` None for the whole file, ``field`` a column of :data:`COLUMNS` or None."""

    row: int | None
    field: str | None
    code: str
    message: Message

    def as_dict(self) -> dict[str, Any]:
        """What the command prints: row, field, message said in the current language."""
        return {"row": self.row, "field": self.field, "message": str(self.message)}

    def as_json(self) -> dict[str, Any]:
        """What is stored: the message as code and parameters."""
        return {"row": self.row, "field": self.field, "code": self.code, "message": self.message.as_json()}


@dataclass(frozen=True)
class RosterRow:
    """One valid, routed 名册 row."""

    row: int
    name: str
    id_number: str
    sex: str
    birth_date: str | None
    retired_on: str | None
    hukou: Place
    residence: Place | None
    party_member: bool
    volumes_original: int
    volumes_copy: int
    materials: int
    routing: Routing


@dataclass
class RosterData:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    count: int = 0  # data rows read, valid or not


def _decode(data: bytes) -> str:
    # A UTF-8 BOM in front of GB18030 bytes happens when a tool adds one to whatever it saves.
    body = data.removeprefix(_BOM)
    for encoding in ("utf-8", "gb18030"):
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ValueError("encoding")


def read_rows(path: Path) -> tuple[list[tuple[int, Sequence[Any]]], RowError | None]:
    """The non-empty rows of the first sheet (or the csv), numbered as the spreadsheet shows them."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], RowError(None, None, "unreadable_file", msg("Cannot open the file: %(e)s",
                                                               e=str(exc.strerror or exc)))
    if data.startswith(b"PK\x03\x04"):
        return _workbook_rows(path)
    try:
        text = _decode(data)
    except ValueError:
        return [], RowError(None, None, "encoding", msg("The CSV file's encoding is not recognised: save it as "
                                                        "UTF-8 or GB18030 (GBK)"))
    first = text.split("\n", 1)[0]
    delimiter = "," if "," in first else next((d for d in ("\t", ";") if d in first), ",")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        return [], RowError(None, None, "unreadable_file", msg("The CSV is malformed: %(e)s", e=str(exc)))
    return _numbered(rows), None


def _numbered(rows: Iterable[Sequence[Any]]) -> list[tuple[int, Sequence[Any]]]:
    return [(n, r) for n, r in enumerate(rows, start=1) if any(not is_blank_cell(c) for c in r)]


def _workbook_rows(path: Path) -> tuple[list[tuple[int, Sequence[Any]]], RowError | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on dropped features say nothing about the data
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except Exception:  # openpyxl raises zipfile, XML, KeyError … errors on damaged input
            return [], RowError(None, None, "unreadable_file",
                                msg("Cannot open the Excel file: it is damaged or not .xlsx"))
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()
            # Without data_only a formula comes back as its text ("=SUM(…)"), refused like "=…" typed in a csv.
            rows = list(sheet.iter_rows(values_only=True))
        except Exception:
            return [], RowError(None, None, "unreadable_file", msg("Cannot read the Excel file: it is damaged"))
        finally:
            workbook.close()
    return _numbered(rows), None


def _key(value: Any) -> str:
    text = "".join(unicodedata.normalize("NFKC", cell_text(value)).split())
    text = re.sub(r"\(.*?\)", "", text).strip("*:：")
    return _ALIASES.get(text, text)


def _header(rows: list[tuple[int, Sequence[Any]]]) -> tuple[int, dict[str, int]] | None:
    for index, (_n, cells) in enumerate(rows[:_HEADER_ROWS]):
        keys = [_key(c) for c in cells]
        if "姓名" in keys and "身份证号" in keys:
            return index, {k: i for i, k in reversed(list(enumerate(keys))) if k in COLUMNS}
    return None


def read_roster(path: Path, level: str) -> RosterData:
    """Read and route every row of a 名册 for a batch of ``level`` (a stored level value)."""
    rows, problem = read_rows(path)
    data = RosterData()
    if problem is not None:
        data.errors.append(problem)
        return data
    found = _header(rows)
    if found is None:
        data.errors.append(RowError(rows[0][0] if rows else None, None, "missing_column",
                                    msg("No header row with the columns 姓名 and 身份证号 in the first %(n)s rows",
                                        n=_HEADER_ROWS)))
        return data
    index, columns = found
    header_row = rows[index][0]
    for column in REQUIRED:
        if column not in columns:
            data.errors.append(RowError(header_row, column, "missing_column",
                                        msg("The column %(column)s is missing", column=column)))
    if data.errors:
        return data
    seen: dict[str, int] = {}
    for number, cells in rows[index + 1:]:
        data.count += 1
        values = {c: (cells[i] if i < len(cells) else None) for c, i in columns.items()}
        _row(data, number, values, level, seen)
    if data.count == 0:
        data.errors.append(RowError(None, None, "empty", msg("The list holds no rows")))
    return data


def _row(data: RosterData, number: int, values: dict[str, Any], level: str, seen: dict[str, int]) -> None:
    errors: list[RowError] = []

    def add(column: str | None, code: str, message: Message) -> None:
        errors.append(RowError(number, column, code, message))

    for column, value in values.items():
        # In a csv there are no formula cells, but "=…" is one once the file is opened in Excel again.
        if isinstance(value, str) and value.strip().startswith("="):
            add(column, "formula", msg("The cell holds a formula: enter the value itself (copy, then paste values)"))
    if errors:
        data.errors.extend(errors)
        return
    name = "".join(cell_text(values.get("姓名")).split()) if not re.search(r"[A-Za-z]", cell_text(values.get("姓名"))) \
        else " ".join(cell_text(values.get("姓名")).split())
    if not name:
        add("姓名", "missing_name", msg("The name is empty"))
    elif len(name) > _MAX_NAME:
        add("姓名", "too_long", msg("Text longer than %(max)s characters", max=_MAX_NAME))
    sex = None
    if not is_blank_cell(values.get("性别")):
        sex = _SEX.get(_key(values.get("性别")).upper())
        if sex is None:
            add("性别", "bad_sex", msg("Sex “%(value)s” is invalid: write 男 or 女 (M or F)",
                                     value=cell_text(values.get("性别"))))
    born = _date(values.get("出生日期"), "出生日期", add)
    retired = _date(values.get("退休时间"), "退休时间", add)
    if born and retired and retired < born:
        add("退休时间", "bad_date", msg("Retired “%(retired)s” is before the date of birth “%(born)s”",
                                    retired=retired, born=born))
    id_number = _id_number(values.get("身份证号"), sex, born, add)
    party = False
    if not is_blank_cell(values.get("党员")):
        value = _PARTY.get(_key(values.get("党员")).upper())
        if value is None:
            add("党员", "bad_party_member", msg("Party member “%(value)s” is invalid: write 是 or 否 (yes or no)",
                                              value=cell_text(values.get("党员"))))
        party = bool(value)
    counts = {c: _count(values.get(c), c, d, add) for c, d in (("正本卷数", 1), ("副本卷数", 0), ("材料份数", 0))}
    routing = hukou = residence = None
    try:
        hukou = parse_place(cell_text(values.get("户籍区")), cell_text(values.get("户籍街道")), field="hukou")
        residence = parse_place(cell_text(values.get("常住区")), cell_text(values.get("常住街道")), field="residence")
        routing = route(level, hukou, residence, party)
    except RoutingError as exc:
        add(_ROUTING_FIELDS.get(exc.field, "户籍区"), exc.code, exc.message)
    if routing is not None and hukou is not None:
        if hukou.is_home and hukou.street is None:
            add("户籍街道", "missing_street", msg("The household registration is in %(d)s: its street is needed",
                                                d=hukou.district))
        elif residence is not None and residence.is_home and residence.street is None and routing.street is None \
                and (not routing.routed_elsewhere or routing.party_to == residence.district):
            add("常住街道", "missing_street", msg("The usual residence is in %(d)s: its street is needed",
                                                d=residence.district))
    if id_number is not None:
        if id_number in seen:
            add("身份证号", "duplicate", msg("The same ID number is already on row %(row)s", row=seen[id_number]))
        else:
            seen[id_number] = number
    if errors:
        data.errors.extend(errors)
        return
    assert id_number is not None and routing is not None and hukou is not None
    data.rows.append(RosterRow(number, name, id_number, sex or parse_id_number(id_number).sex, born, retired, hukou,
                               residence, party, counts["正本卷数"], counts["副本卷数"], counts["材料份数"], routing))


def _date(value: Any, column: str, add: Any) -> str | None:
    if is_blank_cell(value):
        return None
    try:
        parsed = parse_partial_date(value)
    except InvalidDate as exc:
        add(column, "bad_date", exc.message)
        return None
    return parsed.iso if parsed else None


def _count(value: Any, column: str, default: int, add: Any) -> int:
    if is_blank_cell(value):
        return default
    text = unicodedata.normalize("NFKC", cell_text(value)).removesuffix("卷").removesuffix("份")
    if not re.fullmatch(r"\d+", text) or int(text) > _MAX_COUNT:
        add(column, "bad_count", msg("“%(value)s” is not a number of 0 to %(max)s", value=cell_text(value),
                                     max=_MAX_COUNT))
        return default
    return int(text)


_SEX_LABELS = {"M": pmsg("sex", "male"), "F": pmsg("sex", "female")}
_ID_REASONS = {
    "format": msg("The ID number is malformed: it must have 18 characters (the last may be X) or 15 digits"),
    "birth_date": msg("The date of birth in the ID number does not exist"),
    "check": msg("The check character of the ID number is wrong"),
}


def _id_number(raw: Any, sex: str | None, born: str | None, add: Any) -> str | None:
    if is_blank_cell(raw):
        add("身份证号", "missing_id_number", msg("The ID number is empty: the list identifies people by it"))
        return None
    if isinstance(raw, float | int) and not isinstance(raw, bool) and abs(raw) >= 2**53:
        add("身份证号", "bad_id_number", msg("Excel stored the ID number as a number and its last digits are lost: "
                                          "format the column as text and enter it again"))
        return None
    try:
        parsed = parse_id_number(cell_text(raw))
    except InvalidIdNumber as exc:
        add("身份证号", "bad_id_number", _ID_REASONS.get(exc.reason, msg("The ID number is invalid")))
        return None
    if sex is not None and parsed.sex != sex:
        add("身份证号", "id_mismatch", msg("The ID number says the sex is %(by_id)s, which disagrees with sex "
                                        "“%(given)s”", by_id=_SEX_LABELS[parsed.sex], given=_SEX_LABELS[sex]))
    if born is not None and not parsed.birth_date.isoformat().startswith(born):
        add("身份证号", "id_mismatch", msg("The date of birth in the ID number, %(by_id)s, disagrees with the date "
                                        "of birth “%(given)s”", by_id=parsed.birth_date.isoformat(), given=born))
    return parsed.number
