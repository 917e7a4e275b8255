"""Reading spreadsheet files (.xlsx workbooks, .csv in UTF-8 or GB18030) into tables of cells.

Part of :mod:`archive.catalogue.sheets`; a file that cannot be read raises :class:`Unreadable` with a code
and a message, which the reader turns into one :class:`~archive.catalogue.sheet_cells.SheetError`.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from archive.catalogue.sheet_cells import (
    _HEADER_SEARCH_ROWS,
    _KIND_BY_NAME,
    _SPREADSHEET_SUFFIXES,
    Kind,
    Rows,
    _identify,
    _non_empty,
)
from archive.messages import Message, msg

log = logging.getLogger(__name__)

# -- reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    label: str
    kind: Kind | None
    rows: Rows


class Unreadable(Exception):
    """Raised inside this module for a file that yields no tables; turned into a SheetError."""

    def __init__(self, code: str, message: Message) -> None:
        super().__init__(message.text)
        self.code = code
        self.message = message


def _decode(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise Unreadable("unreadable_file", msg("This is a compressed file such as Excel, not a CSV: name it .xlsx"))
    # Excel on Chinese Windows saves CSV as GB18030 (GBK); elsewhere UTF-8, often with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # NUL never appears in a text CSV; it means UTF-16 or a binary file decoded by luck.
        if "\x00" not in text:
            return text
    raise Unreadable("encoding", msg("The CSV file's encoding is not recognised: save it as UTF-8 or GB18030 (GBK)"))


def csv_tables(path: Path, kind: Kind | None) -> list[Table]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable("unreadable_file", msg("Cannot open the file: %(e)s", e=str(exc.strerror or exc))) from exc
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    # Some tools export "CSV" with tabs or semicolons; the header line tells which.
    delimiter = ","
    if "," not in first_line:
        delimiter = next((d for d in ("\t", ";") if d in first_line), ",")
    try:
        rows = _non_empty(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise Unreadable("unreadable_file", msg("The CSV is malformed: %(e)s", e=str(exc))) from exc
    return [Table(path.name, kind or _identify_rows(rows), rows)]


def _identify_rows(rows: Rows) -> Kind | None:
    for _n, row in rows[:_HEADER_SEARCH_ROWS]:
        kind = _identify(row)
        if kind is not None:
            return kind
    return None


def workbook_tables(path: Path, kind: Kind | None) -> list[Table]:
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
            raise Unreadable("unreadable_file", msg("Cannot open the Excel file: it is damaged or not .xlsx")) from exc
        try:
            tables = _sheets_of(path, workbook, kind)
        except Exception as exc:
            log.warning("cannot read workbook %s: %r", path, exc)
            raise Unreadable("unreadable_file", msg("Cannot read the Excel file: it is damaged")) from exc
        finally:
            workbook.close()
    for warning in caught:
        log.debug("openpyxl on %s: %s", path.name, warning.message)
    return tables


def _sheet_rows(worksheet: Any) -> Rows:
    # The stored dimension tag is sometimes wrong (written by other tools); without it every row is read.
    worksheet.reset_dimensions()
    return _non_empty(worksheet.iter_rows(values_only=True))


def _sheets_of(path: Path, workbook: Any, kind: Kind | None) -> list[Table]:
    sheets = workbook.worksheets
    named = [(ws, _KIND_BY_NAME.get(ws.title.strip())) for ws in sheets]
    if any(k for _ws, k in named):
        return [Table(f"{path.name}:{ws.title}", k, _sheet_rows(ws)) for ws, k in named if k]
    tables = []
    for ws in sheets:
        rows = _sheet_rows(ws)
        tables.append(Table(f"{path.name}:{ws.title}", _identify_rows(rows), rows))
    identified = [t for t in tables if t.kind is not None]
    if kind is None or any(t.kind == kind for t in identified):
        return identified
    # A file named 目录.xlsx without a recognisable 目录 header: read its first sheet as one, so the
    # errors say which columns are missing instead of “unknown sheet”.
    return [Table(tables[0].label, kind, tables[0].rows)] if tables else []


def kind_of_name(stem: str) -> Kind | None:
    return _KIND_BY_NAME.get(unicodedata.normalize("NFKC", stem).strip())


def is_folder_candidate(path: Path) -> bool:
    # ~$目录.xlsx is Excel's lock file for an open workbook; dot-files are system litter.
    if not path.is_file() or path.name.startswith(("~$", ".")):
        return False
    suffix = path.suffix.lower()
    # An old 目录.xls is worth an error; any other .xls in the folder is none of our business.
    if suffix == ".xls":
        return kind_of_name(path.stem) is not None
    return suffix in (*_SPREADSHEET_SUFFIXES, ".csv")


