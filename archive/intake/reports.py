"""QC reports as xlsx (per file and per batch)."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.intake.models import QcFinding
from archive.spreadsheets import append_row
from ingest.qc import RULE_NAMES_ZH

__all__ = ["findings_workbook"]

HEADER = ("档号", "规则代码", "规则", "级别", "材料", "页", "说明", "处理状态", "处理说明", "处理人", "处理时间")
SEVERITY = {"error": "错误", "warning": "警告"}
STATUS = {"open": "待处理", "fixed": "已修正", "accepted": "已接受", "rescan": "退回重扫"}


def findings_workbook(findings: Iterable[QcFinding]) -> Workbook:
    findings = list(findings)
    numbers = dict(db.session.execute(select(ArchiveFile.id, ArchiveFile.archive_no).where(
        ArchiveFile.id.in_({f.file_id for f in findings}))).all()) if findings else {}
    wb = Workbook()
    ws = wb.active
    ws.title = "质检报告"
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for f in findings:
        append_row(ws, [numbers.get(f.file_id, ""), f.rule, RULE_NAMES_ZH.get(f.rule, f.rule),
                   SEVERITY.get(f.severity, f.severity), f.material_label, f.page_position, f.message,
                   STATUS.get(f.status, f.status), f.resolution, f.resolved_by,
                   f.resolved_at.strftime("%Y-%m-%d %H:%M") if f.resolved_at else ""])
    for column, width in zip("ABCDEFGHIJK", (18, 24, 14, 6, 14, 5, 60, 10, 30, 12, 16), strict=True):
        ws.column_dimensions[column].width = width
    return wb
