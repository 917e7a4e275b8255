"""Export a catalogue back to the 目录 sheet layout it was imported from."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from archive.catalogue.classes import format_class
from archive.catalogue.models import ArchiveFile
from archive.spreadsheets import append_row

__all__ = ["CATALOGUE_HEADER", "catalogue_workbook"]

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
