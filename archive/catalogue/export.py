"""Export a catalogue back to the 目录 sheet layout it was imported from."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from archive.catalogue.classes import format_class
from archive.catalogue.models import ArchiveFile
from archive.spreadsheets import append_row

__all__ = ["CATALOGUE_HEADER", "catalogue_workbook", "template_workbook"]

CATALOGUE_HEADER = ("档号", "类号", "序号", "材料名称", "材料形成时间", "页数", "备注", "原类号")


def catalogue_workbook(files: Iterable[ArchiveFile]) -> Workbook:
    """A workbook with one sheet 目录 that :mod:`archive.catalogue.sheets` reads back unchanged."""
    wb = Workbook()
    ws = wb.active
    ws.title = "目录"
    ws.append(CATALOGUE_HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for file in files:
        for m in file.materials:
            append_row(
                ws,
                [
                    file.archive_no,
                    format_class(m.class_no, m.subclass),
                    m.seq,
                    m.title,
                    m.formed or "",
                    m.pages,
                    m.remarks,
                    m.original_label,
                ],
            )
    for column, width in zip("ABCDEFGH", (18, 8, 6, 40, 14, 6, 16, 8), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=2):
        row[3].alignment = Alignment(wrap_text=True)
    return wb


# One made-up example per sheet: a reader sees the formats the importer accepts (类号 as 九-2, dates as
# 1985.3 or 1985年3月, 单位层级 市属/区属/央属), and deletes the row before filling in the real ones.
_TEMPLATE_CATALOGUE_EXAMPLE = ("XC-2020-000001", "九-2", 1, "退休审批表", "2010.5", 2, "")
_TEMPLATE_PEOPLE_EXAMPLE = ("XC-2020-000001", "张建国", "男", "11010219550312001X", "1955-03-12",
                            "北京第一机床厂", "市属", "2015-03", "西城", "德胜", "西城", "德胜", "否")


def template_workbook() -> Workbook:
    """An empty 目录/人员 workbook for an import: the header rows the importer reads and one example row each."""
    from archive.catalogue.sheets import CATALOGUE_COLUMNS, PEOPLE_COLUMNS

    wb = Workbook()
    catalogue = wb.active
    catalogue.title = "目录"
    people = wb.create_sheet("人员")
    for ws, header, example in ((catalogue, CATALOGUE_COLUMNS, _TEMPLATE_CATALOGUE_EXAMPLE),
                                (people, PEOPLE_COLUMNS, _TEMPLATE_PEOPLE_EXAMPLE)):
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.append(list(example))
        for cell in ws[2]:
            cell.number_format = "@"  # text: a 身份证号 or 档号 must not become a number
        for index in range(len(header)):
            ws.column_dimensions[chr(ord("A") + index)].width = 16
    return wb
