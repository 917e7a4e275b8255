"""``dangan report planning``: the §六 planning figures from the shell, from the database or a what-if."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from archive.audit import record
from archive.extensions import db
from archive.reports.counts import planning_inputs
from archive.reports.planning import PlanningReport, compute
from archive.reports.settings import settings_from

report_cli = AppGroup("report", help="Reports: the §六 planning figures (规划).")


def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")).date()


def _print(report: PlanningReport) -> None:
    click.echo(f"区级库房 district store: {report.district.volumes:,} 卷 → {report.district.area_m2:,.1f} m²"
               f" (≥ {report.assumptions['work_plan']['district_min_area_m2']:,} m²: "
               f"{'yes' if report.assumptions['work_plan']['meets_minimum'] else 'no'})")
    click.echo(f"{'街道 street':<12} {'退休人员':>8} {'专职人员':>8} {'卷数':>8} {'面积 m²':>10}")
    for s in report.streets:
        click.echo(f"{s.street:<12} {s.retirees:>10,} {s.staff:>10,} {s.volumes:>10,} {s.area_m2:>12,.1f}")
    if len(report.projection) > 1:
        click.echo("projection:")
        for p in report.projection:
            click.echo(f"  {p.year}: +{p.new_retirees:,} retirees, {p.district_volumes:,} 卷, "
                       f"{p.district_area_m2:,.1f} m², {p.staff:,} staff")


def _write(report: PlanningReport, xlsx_path: Path | None, pdf_path: Path | None, locale: str, font: str) -> None:
    """The exports, in ``locale`` (there is no request whose language to follow)."""
    from archive.reports.exports import planning_workbook
    from archive.reports.pdf import PdfFontError, planning_pdf

    with force_locale(locale):
        if xlsx_path is not None:
            planning_workbook(report).save(xlsx_path)
        if pdf_path is not None:
            try:
                pdf_path.write_bytes(planning_pdf(report, font=font, today=_today()))
            except PdfFontError as exc:
                raise click.ClickException(f"no font with Chinese characters for the PDF ({exc}): "
                                           "install fonts-noto-cjk or set DANGAN_REPORTS_PDF_FONT") from exc


@report_cli.command("planning")
@click.option("--volumes", type=click.IntRange(0, 100_000_000), default=None,
              help="What-if: volumes of the district store instead of the database's count.")
@click.option("--growth-per-year", type=click.IntRange(0, 10_000_000), default=None,
              help="New retirees a year (default DANGAN_REPORTS_GROWTH_PER_YEAR, 0).")
@click.option("--years", type=click.IntRange(0, 100), default=None,
              help="Years of growth ahead (default DANGAN_REPORTS_YEARS, 0).")
@click.option("--volumes-per-retiree", type=click.FloatRange(0, 100), default=None,
              help="Volumes a new retiree's file brings (default: the average file held).")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report as .xlsx.")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report as .pdf.")
@click.option("--locale", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True,
              help="Language of the .xlsx and .pdf.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def planning_command(volumes: int | None, growth_per_year: int | None, years: int | None,
                     volumes_per_retiree: float | None, xlsx_path: Path | None, pdf_path: Path | None,
                     locale: str, as_json: bool) -> None:
    """Storeroom area (60 m² per 10,000 volumes) and staff (one per 2,000 retirees) of the work plan §六."""
    if (growth_per_year is None) != (years is None) and (growth_per_year or years):
        raise click.UsageError("--growth-per-year and --years go together")
    settings = settings_from(current_app.config)
    inputs = planning_inputs(settings, growth_per_year=growth_per_year, years=years,
                             volumes_per_retiree=volumes_per_retiree, start_year=_today().year)
    if volumes is not None:
        inputs = inputs.what_if(given_volumes=volumes)
    report = compute(inputs)
    _write(report, xlsx_path, pdf_path, locale, settings.pdf_font)
    record("report.planning", target_type="report", target_id="planning",
           details={"what_if": {"volumes": volumes, "growth_per_year": growth_per_year, "years": years,
                                "volumes_per_retiree": volumes_per_retiree},
                    "district": report.district.as_dict(),
                    "outputs": [str(p) for p in (xlsx_path, pdf_path) if p is not None]})
    db.session.commit()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        _print(report)
