"""目录.xlsx and 人员.xlsx of an exported file, in the scan-package contract (docs/scan-package.md).

目录 comes from :func:`archive.catalogue.export.catalogue_workbook`; its rows are written in the order the file's
catalogue was read (``sheet_row``, then class order), so that the flat layout links the same pages on ingest.
人员 is written here in the columns :mod:`archive.catalogue.sheets` reads back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from openpyxl import Workbook
from openpyxl.styles import Font

from archive.catalogue.export import catalogue_workbook
from archive.catalogue.models import ArchiveFile, Material, Person
from archive.catalogue.sheet_cells import PEOPLE_COLUMNS
from archive.spreadsheets import append_row

__all__ = ["catalogue_sheet", "people_sheet", "sheet_order"]

_SEX = {"M": "男", "F": "女"}
_LEVEL = {"central": "央属", "municipal": "市属", "district": "区属"}


def sheet_order(materials: list[Material]) -> list[Material]:
    """The catalogue's rows as the sending unit wrote them; rows of unknown position last, in class order."""
    return sorted(materials, key=lambda m: (m.sheet_row is None, m.sheet_row or 0, m.class_no, m.subclass, m.seq))


@dataclass
class _Rows:
    """What catalogue_workbook reads of a file, with the materials in sheet order."""

    archive_no: str
    materials: list[Material]


def catalogue_sheet(file: ArchiveFile) -> Workbook:
    rows = _Rows(file.archive_no, sheet_order(list(file.materials)))
    return catalogue_workbook([cast(ArchiveFile, rows)])


def people_sheet(file: ArchiveFile) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "人员"
    ws.append(list(PEOPLE_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    person: Person | None = file.person
    if person is not None:
        party = "" if person.party_member is None else ("是" if person.party_member else "否")
        append_row(ws, [file.archive_no, person.name, _SEX.get(person.sex or "", ""), person.id_number or "",
                        person.birth_date or "", person.employer, _LEVEL.get(person.employer_level or "", ""),
                        person.retired_on or "", person.hukou_district, person.hukou_street,
                        person.residence_district, person.residence_street, party])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"  # text: a 身份证号 must not become a number
    return wb
