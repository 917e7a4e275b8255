"""Report pages: the progress dashboard (进度) and the §六 planning report, with their exports.

Staff only (archivists and approvers); a street-scoped account sees its own street's figures and nothing of the
other streets, in the pages and in the exports alike.  Every page and export is an audit event.  The what-if
figures of the planning report travel in the query string (a GET form: nothing is changed, so no CSRF token).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from typing import Any

from flask import Blueprint, current_app, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from archive.access import requires
from archive.audit import record
from archive.reports.charts import BarRow, Series, cumulative_bars
from archive.reports.counts import planning_inputs
from archive.reports.exports import dashboard_workbook, planning_workbook
from archive.reports.forms import PlanningForm
from archive.reports.incoming import storeroom_use
from archive.reports.labels import LEVEL_LABELS, STAGE_LABELS, STATE_LABELS, level_label
from archive.reports.pdf import PdfFontError, planning_pdf
from archive.reports.planning import PlanningReport, compute
from archive.reports.progress import STAGES, Dashboard, dashboard
from archive.reports.settings import settings_from
from archive.roles import Role

bp = Blueprint("reports", __name__, url_prefix="/reports")

STAFF = (Role.ARCHIVIST, Role.APPROVER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Light to dark: each stage is drawn over the one before it.
STAGE_COLOURS = {"expected": "#d8dee4", "received": "#f2b8b5", "catalogued": "#e07a70", "digitised": "#b3261e",
                 "accepted": "#5c120c"}
TOP_ENTERPRISES = 15


def _today() -> dt.date:
    return dt.datetime.now(get_timezone()).date()


def _scope() -> str | None:
    return current_user.street  # type: ignore[no-any-return]


def _board() -> Dashboard:
    return dashboard(settings_from(current_app.config), street=_scope(), today=_today())


def _charts(board: Dashboard) -> dict[str, Any]:
    series = [Series(str(STAGE_LABELS[s]), STAGE_COLOURS[s]) for s in STAGES]

    def values(counts: Any) -> list[int]:
        return [getattr(counts, s) for s in STAGES]

    levels = [BarRow(level_label(lp.level), values(lp.counts), lp.target) for lp in board.levels]
    streets = [BarRow(street or _("No street"), values(c)) for street, c in board.street_rows()]
    enterprises = [BarRow(employer or _("Employer not given"), values(c))
                   for employer, _level, c in board.enterprises[:TOP_ENTERPRISES]]
    rooms = storeroom_use(_scope())
    fill = [BarRow(r.name, [r.used], r.capacity) for r in rooms]
    return {
        "levels": cumulative_bars(levels, series, label=_("Files by level against the work plan"),
                                  testid="chart-levels", target_name=_("Work plan figure")),
        "streets": cumulative_bars(streets, series, label=_("Files by street"), testid="chart-streets"),
        "enterprises": cumulative_bars(enterprises, series, label=_("Files by enterprise"),
                                       testid="chart-enterprises"),
        "storerooms": cumulative_bars(fill, [Series(_("Places in use"), STAGE_COLOURS["digitised"])],
                                      label=_("Storeroom fill"), testid="chart-storerooms",
                                      target_name=_("Capacity")) if rooms else None,
        "rooms": rooms,
    }


@bp.route("/progress")
@requires(*STAFF)
def progress() -> ResponseReturnValue:
    board = _board()
    record("report.view", target_type="report", target_id="progress",
           details={"street": board.street_scope, "totals": board.total.as_dict()})
    return render_template("reports/progress.html", board=board, charts=_charts(board), STAGES=STAGES,
                           STAGE_LABELS=STAGE_LABELS, STATE_LABELS=STATE_LABELS, LEVEL_LABELS=LEVEL_LABELS,
                           level_label=level_label)


@bp.route("/progress.xlsx")
@requires(*STAFF)
def progress_export() -> ResponseReturnValue:
    board = _board()
    buffer = io.BytesIO()
    dashboard_workbook(board).save(buffer)
    record("report.export", target_type="report", target_id="progress",
           details={"format": "xlsx", "street": board.street_scope, "totals": board.total.as_dict()})
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX, as_attachment=True,
                     download_name=f"progress-{board.today.isoformat()}.xlsx")


def _planning(form: PlanningForm) -> PlanningReport:
    """The report for the form's figures; a street-scoped user gets their street only."""
    settings = settings_from(current_app.config)
    inputs = planning_inputs(settings, growth_per_year=form.growth_per_year.data, years=form.years.data,
                             volumes_per_retiree=form.volumes_per_retiree.data, start_year=_today().year)
    if form.volumes.data is not None:
        inputs = inputs.what_if(given_volumes=form.volumes.data)
    report = compute(inputs)
    if _scope() is not None:
        report = replace(report, streets=[s for s in report.streets if s.street == _scope()])
    return report


def _planning_form() -> PlanningForm:
    form = PlanningForm(request.args)
    if request.args and not form.validate():
        form.bad = True
    return form


def _what_if(form: PlanningForm) -> dict[str, Any]:
    return {name: getattr(form, name).data for name in ("volumes", "growth_per_year", "years",
                                                           "volumes_per_retiree")}


@bp.route("/planning")
@requires(*STAFF)
def planning() -> ResponseReturnValue:
    form = _planning_form()
    report = _planning(PlanningForm() if form.bad else form)
    record("report.view", target_type="report", target_id="planning",
           details={"street": _scope(), "what_if": {} if form.bad else _what_if(form),
                    "district": report.district.as_dict()})
    return render_template("reports/planning.html", form=form, report=report, show_district=_scope() is None,
                           query=request.query_string.decode("ascii", "replace"))


def _refusal(form: PlanningForm) -> ResponseReturnValue:
    """A what-if with figures that do not parse: say which, in the reader's language, and export nothing."""
    message = _("The figures of the what-if are not valid: %(errors)s",
                errors="; ".join(f"{getattr(form, name).label.text}: {e}"
                                 for name, errors in form.errors.items() for e in errors))
    return render_template("error.html", code=400, message=message), 400


@bp.route("/planning.xlsx")
@requires(*STAFF)
def planning_xlsx() -> ResponseReturnValue:
    form = _planning_form()
    if form.bad:
        return _refusal(form)
    report = _planning(form)
    buffer = io.BytesIO()
    planning_workbook(report, show_district=_scope() is None).save(buffer)
    record("report.export", target_type="report", target_id="planning",
           details={"format": "xlsx", "street": _scope(), "what_if": _what_if(form)})
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=f"planning-{_today().isoformat()}.xlsx")


@bp.route("/planning.pdf")
@requires(*STAFF)
def planning_pdf_export() -> ResponseReturnValue:
    form = _planning_form()
    if form.bad:
        return _refusal(form)
    report = _planning(form)
    try:
        data = planning_pdf(report, font=settings_from(current_app.config).pdf_font,
                            show_district=_scope() is None, today=_today())
    except PdfFontError as exc:
        current_app.logger.error("no CJK font for the planning PDF: %s", exc)
        return render_template("error.html", code=503, message=_(
            "No font with Chinese characters is installed for the PDF: install fonts-noto-cjk.")), 503
    record("report.export", target_type="report", target_id="planning",
           details={"format": "pdf", "street": _scope(), "what_if": _what_if(form)})
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"planning-{_today().isoformat()}.pdf")
