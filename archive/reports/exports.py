"""The reports as xlsx, in the language of whoever downloads them.

Names that came from outside (an employer, a street) go through :func:`archive.spreadsheets.append_row`, so a
name typed as ``=HYPERLINK(…)`` stays text in the reader's spreadsheet.  Figures are numbers, not text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from archive.reports.labels import STAGE_LABELS, STATE_LABELS, level_label
from archive.reports.planning import PlanningReport
from archive.reports.progress import STAGES, Counts, Dashboard
from archive.spreadsheets import append_row

__all__ = ["dashboard_workbook", "planning_workbook"]


def _sheet(wb: Workbook, title: str, header: Sequence[str], widths: Sequence[int], *, first: bool = False
           ) -> Worksheet:
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]  # Excel's limit
    ws.append(list(header))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    return ws


def _thousands(value: int) -> str:
    return f"{value:,}"


def _stage_header() -> list[str]:
    return [str(STAGE_LABELS[s]) for s in (*STAGES, "transferred")]


def _stage_values(counts: Counts) -> list[int]:
    return [getattr(counts, s) for s in (*STAGES, "transferred")]


def planning_workbook(report: PlanningReport, *, show_district: bool = True) -> Workbook:
    """Sheets: the district store and each street (§六), the year-by-year projection, the assumptions."""
    wb = Workbook()
    ws = _sheet(wb, _("Planning (§6)"), [_("Store"), _("Retirees"), _("Service staff"), _("Volumes"),
                                        _("Usable area (m²)")], (22, 12, 14, 12, 18), first=True)
    if show_district:
        append_row(ws, [_("District store"), report.total_retirees, report.total_staff, report.district.volumes,
                        report.district.area_m2])
    for s in report.streets:
        append_row(ws, [s.street, s.retirees, s.staff, s.volumes, s.area_m2])
    if show_district:
        ws.append([])
        minimum = _thousands(report.assumptions["work_plan"]["district_min_area_m2"])
        ws.append([_("The work plan asks for at least %(area)s m² for the district store.", area=minimum)])
        projection = _sheet(wb, _("Projection"), [_("Year"), _("New retirees"), _("Retirees"), _("Volumes"),
                                                  _("Usable area (m²)"), _("Service staff")], (8, 14, 12, 12, 18, 14))
        for p in report.projection:
            projection.append([p.year, p.new_retirees, p.retirees, p.district_volumes, p.district_area_m2, p.staff])
    assumptions = _sheet(wb, _("Assumptions"), [_("Setting"), _("Value")], (34, 20))
    for key, value in _flat(report.assumptions):
        append_row(assumptions, [key, value])
    return wb


def _flat(values: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in values.items():
        if isinstance(value, dict):
            out.extend(_flat(value, f"{prefix}{key}."))
        else:
            out.append((f"{prefix}{key}", value if isinstance(value, int | float | str) else str(value)))
    return out


def dashboard_workbook(board: Dashboard) -> Workbook:
    """Sheets: by level against the plan and its deadline, by street, by enterprise."""
    from flask_babel import format_date

    wb = Workbook()
    levels = _sheet(wb, _("By level"), [_("Level"), *_stage_header(), _("Work plan figure"), _("Deadline"),
                                        _("Days left"), _("Received of plan"), _("State")],
                    (28, 10, 10, 10, 10, 10, 10, 14, 14, 10, 14, 16), first=True)
    for lp in board.levels:
        append_row(levels, [level_label(lp.level), *_stage_values(lp.counts), lp.target, format_date(lp.deadline),
                            lp.days_left, round(lp.received_share, 4), str(STATE_LABELS[lp.state])])
    if any(_stage_values(board.unknown_level)):
        append_row(levels, [level_label(None), *_stage_values(board.unknown_level)])
    append_row(levels, [_("Total"), *_stage_values(board.total)])
    streets = _sheet(wb, _("By street"), [_("Street"), *_stage_header()], (16, 10, 10, 10, 10, 10, 10))
    for street, counts in board.street_rows():
        append_row(streets, [street or _("No street"), *_stage_values(counts)])
    enterprises = _sheet(wb, _("By enterprise"), [_("Enterprise"), _("Level"), *_stage_header()],
                         (36, 28, 10, 10, 10, 10, 10, 10))
    for employer, level, counts in board.enterprises:
        append_row(enterprises, [employer or _("Employer not given"), level_label(level), *_stage_values(counts)])
    return wb
