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

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from archive.catalogue.columns import column_label, sheet_label
from archive.catalogue.sheet_cells import (
    _COLUMNS,
    _HEADER_SEARCH_ROWS,
    _NO_SHEETS,
    _REQUIRED,
    _SPREADSHEET_SUFFIXES,
    CATALOGUE_COLUMNS,
    CATALOGUE_REQUIRED,
    CATALOGUE_SHEET,
    DEFAULT_ARCHIVE_NO_PATTERN,
    MAX_PAGES,
    ORIGINAL_LABEL_COLUMN,
    PEOPLE_COLUMNS,
    PEOPLE_REQUIRED,
    PEOPLE_SHEET,
    CatalogueRow,
    Kind,
    PersonRow,
    SheetError,
    _header_key,
    _identify,
    _is_blank,
    normalise_archive_no,
)
from archive.catalogue.sheet_files import (
    Table,
    Unreadable,
    csv_tables,
    is_folder_candidate,
    kind_of_name,
    workbook_tables,
)
from archive.catalogue.sheet_rows import RowChecks
from archive.messages import Message, msg

__all__ = [
    "CATALOGUE_COLUMNS",
    "DEFAULT_ARCHIVE_NO_PATTERN",
    "MAX_PAGES",
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

@dataclass(frozen=True)
class SheetData:
    """Everything read from the sources: valid rows and the problems found."""

    catalogue: list[CatalogueRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    errors: list[SheetError] = field(default_factory=list)

    def error_archive_nos(self) -> set[str]:
        """档号 of every file with at least one row error."""
        return {e.archive_no for e in self.errors if e.archive_no}


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


class _Reader(RowChecks):
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
        files = sorted(p for p in folder.iterdir() if is_folder_candidate(p))
        # 目录.xlsx beside 目录.csv: read the workbook, and say so, rather than report every row twice.
        preference = {".xlsx": 0, ".xlsm": 1, ".csv": 2, ".xls": 3}
        chosen: dict[Kind, Path] = {}
        for p in sorted(files, key=lambda p: preference[p.suffix.lower()]):
            kind = kind_of_name(p.stem)
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
        kind = kind_of_name(path.stem)
        try:
            if suffix in _SPREADSHEET_SUFFIXES:
                tables = workbook_tables(path, kind)
            elif suffix == ".csv":
                tables = csv_tables(path, kind)
            elif suffix == ".xls":
                raise Unreadable("unreadable_file",
                                  msg("Old Excel files (.xls) are not read: save it as .xlsx or CSV"))
            else:
                raise Unreadable("unreadable_file", msg("Not a spreadsheet: only .xlsx and .csv files are read"))
        except Unreadable as exc:
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

    def _read_table(self, table: Table) -> None:
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

