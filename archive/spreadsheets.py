"""Writing user text into spreadsheets without it turning into formulas (CSV/formula injection).

A 材料名称, 备注 or QC 处理说明 typed as ``=HYPERLINK("http://…"&A2,"点此")`` must reach the reader of an
export as that text, never as a live formula.  Every xlsx and csv export goes through these helpers:

* xlsx: the cell keeps the exact text and is typed as a string (``data_type "s"``), so the catalogue
  export still reads back unchanged;
* csv: there are no types, so a leading apostrophe is added (what spreadsheet programs hide and treat as
  "this is text"), as OWASP recommends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = ["FORMULA_STARTS", "append_row", "csv_safe", "is_formula_like"]

#: What a spreadsheet program may read as the start of a formula (tab and CR too: some strip them first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    """Whether ``value`` is text a spreadsheet could run as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """``value`` for a CSV cell: formula-like text gets a leading apostrophe, anything else is unchanged."""
    return "'" + value if is_formula_like(value) else value


def append_row(ws: Any, values: Sequence[Any]) -> None:
    """Append ``values`` to an openpyxl worksheet (normal or write-only), formula-like text as plain text."""
    if isinstance(ws, WriteOnlyWorksheet):
        row: list[Any] = []
        for value in values:
            if is_formula_like(value):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                row.append(cell)
            else:
                row.append(value)
        ws.append(row)
        return
    ws.append(list(values))
    line = ws.max_row
    for column, value in enumerate(values, start=1):
        if is_formula_like(value):
            cell = ws.cell(row=line, column=column)
            cell.value = value
            cell.data_type = "s"
