"""QC reports as xlsx (per file and per batch), in the language of whoever downloads them."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.scanning.finding_texts import finding_material, finding_text
from archive.scanning.forms import STATUS_LABELS
from archive.scanning.models import FindingStatus, QcFinding
from archive.scanning.rule_labels import rule_label
from archive.spreadsheets import append_row

__all__ = ["findings_workbook"]

HEADER = (_l("File no."), _l("Rule code"), _l("Rule"), _l("Severity"), _l("Material"), _l("Page"),
          _l("Description"), _l("Decision"), _l("Reason given"), _l("Decided by"), _l("Decided at"))
SEVERITY = {"error": lazy_pgettext("severity", "Error"), "warning": lazy_pgettext("severity", "Warning")}


def findings_workbook(findings: Iterable[QcFinding]) -> Workbook:
    findings = list(findings)
    numbers = dict(db.session.execute(select(ArchiveFile.id, ArchiveFile.archive_no).where(
        ArchiveFile.id.in_({f.file_id for f in findings}))).all()) if findings else {}
    wb = Workbook()
    ws = wb.active
    ws.title = str(_l("QC report"))
    ws.append([str(h) for h in HEADER])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for f in findings:
        append_row(ws, [numbers.get(f.file_id, ""), f.rule, rule_label(f.rule),
                   str(SEVERITY.get(f.severity, f.severity)), finding_material(f), f.page_position, finding_text(f),
                   str(STATUS_LABELS.get(FindingStatus(f.status), f.status)), f.resolution, f.resolved_by,
                   f.resolved_at.strftime("%Y-%m-%d %H:%M") if f.resolved_at else ""])
    for column, width in zip("ABCDEFGHIJK", (18, 24, 14, 6, 14, 5, 60, 10, 30, 12, 16), strict=True):
        ws.column_dimensions[column].width = width
    return wb
