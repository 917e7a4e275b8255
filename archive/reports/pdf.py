"""The planning report as a PDF (A4), with a Chinese font embedded (subset), in the reader's language.

fpdf2 writes it; the font is ``DANGAN_REPORTS_PDF_FONT`` or the first Noto CJK / WenQuanYi / AR PL font found
(``fonts-noto-cjk`` is installed by ``scripts/setup.sh``).  In a ``.ttc`` collection the Simplified Chinese
face is picked by its name, not by a position that differs between font releases.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from archive.reports.planning import PlanningReport

__all__ = ["FONT_CANDIDATES", "PdfFontError", "find_font", "planning_pdf"]

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


class PdfFontError(RuntimeError):
    """No font with Chinese glyphs was found: install fonts-noto-cjk or set DANGAN_REPORTS_PDF_FONT."""


@cache
def _face_index(path: str) -> int:
    """The index of the Simplified Chinese face in a font collection (0 for a single font)."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            family = str(font["name"].getDebugName(1) or "")
            if family.endswith(" SC") or "SC " in family or "GB" in family:
                return index
    finally:
        collection.close()
    return 0


def find_font(configured: str = "") -> tuple[str, int]:
    """(path, face index) of the font the PDF embeds."""
    for candidate in ([configured] if configured else list(FONT_CANDIDATES)):
        if Path(candidate).is_file():
            return candidate, _face_index(candidate)
    raise PdfFontError(configured or ", ".join(FONT_CANDIDATES))


def _number(value: float) -> str:
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def planning_pdf(report: PlanningReport, *, font: str = "", show_district: bool = True,
                 today: dt.date | None = None) -> bytes:
    """The §六 planning report: the district store, each street's staff and store, the projection."""
    path, index = find_font(font)
    pdf = FPDF(format="A4")
    pdf.set_title(_("Planning report (work plan §6)"))
    pdf.set_creator("Dangan")
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.set_margins(16, 16)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.cell(text=_("Planning report (work plan §6)"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    a = report.assumptions
    source = _("counts from the database") if a["source"] == "database" else _("figures given for a what-if")
    pdf.cell(text=_("As of %(date)s, %(source)s", date=format_date(today or dt.date.today()), source=source),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    heading = FontFace(fill_color=(240, 242, 245))  # the CJK font has no bold face
    if show_district:
        pdf.set_font("cjk", size=11)
        minimum = a["work_plan"]["district_min_area_m2"]
        shown = _number(minimum)
        verdict = (_("meets the work plan's minimum of %(area)s m²", area=shown) if
                   report.district.area_m2 >= minimum else
                   _("below the work plan's minimum of %(area)s m²", area=shown))
        pdf.multi_cell(0, 7, _("District store: %(volumes)s volumes need %(area)s m² of usable area (%(verdict)s).",
                               volumes=_number(report.district.volumes), area=_number(report.district.area_m2),
                               verdict=verdict), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.set_font("cjk", size=9)
    with pdf.table(col_widths=(40, 28, 28, 28, 34), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   headings_style=heading, line_height=6) as table:
        table.row([_("Street"), _("Retirees"), _("Service staff"), _("Volumes"), _("Usable area (m²)")])
        for s in report.streets:
            table.row([s.street, f"{s.retirees:,}", f"{s.staff:,}", f"{s.volumes:,}", _number(s.area_m2)])
        if show_district:
            table.row([_("All streets"), f"{report.total_retirees:,}", f"{report.total_staff:,}",
                       f"{sum(s.volumes for s in report.streets):,}",
                       _number(round(sum(s.area_m2 for s in report.streets), 1))])
    if show_district and len(report.projection) > 1:
        pdf.ln(4)
        pdf.set_font("cjk", size=11)
        pdf.cell(text=_("Growth projection: %(num)s new retirees a year", num=_number(a["growth_per_year"])),
                 new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=9)
        with pdf.table(col_widths=(20, 30, 30, 30, 34, 26), text_align="RIGHT", headings_style=heading,
                       line_height=6) as table:
            table.row([_("Year"), _("New retirees"), _("Retirees"), _("Volumes"), _("Usable area (m²)"),
                       _("Service staff")])
            for p in report.projection:
                table.row([str(p.year), f"{p.new_retirees:,}", f"{p.retirees:,}", f"{p.district_volumes:,}",
                           _number(p.district_area_m2), f"{p.staff:,}"])
    pdf.ln(4)
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(0, 5, _("Rules of the work plan §6: %(area)s m² of usable area per 10,000 volumes; one "
                           "full-time service worker per %(per)s retirees. Volumes per new retiree: %(vpr)s.",
                           area=a["m2_per_10000_volumes"], per=_number(a["retirees_per_staff"]),
                           vpr=a["volumes_per_retiree"]), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
