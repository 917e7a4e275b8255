"""The planning report from the database: counts, ``dangan report planning``, the page, xlsx and PDF exports."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.roles import Role
from tests.conftest import login

PDFTOTEXT = shutil.which("pdftotext")
PDFFONTS = shutil.which("pdffonts")


def _cli(app, *args):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["report", "planning", *args])
    assert result.exit_code == 0, result.output
    return result


def _json(app, *args):  # type: ignore[no-untyped-def]
    return json.loads(_cli(app, "--json", *args).output)


def test_cli_json_has_exactly_the_documented_shape(app, stages):
    out = _json(app)
    assert set(out) == {"district", "streets", "assumptions"}
    assert set(out["district"]) == {"volumes", "area_m2"}
    assert len(out["streets"]) == 15
    assert all(set(s) == {"street", "retirees", "staff", "volumes", "area_m2"} for s in out["streets"])
    assert out["assumptions"]["source"] == "database"


def test_counts_come_from_the_files_held(app, stages):
    out = _json(app)
    streets = {s["street"]: s for s in out["streets"]}
    # 德胜: two held (the passed-on file is not ours any more); 月坛: three, one of them (2 volumes) in its own store
    assert streets["德胜"] == {"street": "德胜", "retirees": 2, "staff": 1, "volumes": 0, "area_m2": 0.0}
    assert streets["月坛"] == {"street": "月坛", "retirees": 3, "staff": 1, "volumes": 2, "area_m2": 0.1}
    a = out["assumptions"]
    assert a["held_files"] == 5 and a["held_volumes"] == 1 + 2 + 1 + 2 + 1
    # district custody: 1 + 2 (one has a copy volume) + 1 + 1, and the street's 2 volumes to be centralised
    assert a["district_base_volumes"] == 5 and out["district"] == {"volumes": 7, "area_m2": 0.1}
    assert a["volumes_per_retiree"] == 1.4  # the average file held


def test_cli_what_if_reproduces_the_work_plan(app):
    out = _json(app, "--volumes", "316700")
    assert out["district"] == {"volumes": 316_700, "area_m2": 1900.2}
    assert out["assumptions"]["source"] == "given"
    assert out["assumptions"]["work_plan"] == {"district_volumes": 316_700, "district_min_area_m2": 1900,
                                               "meets_minimum": True}


def test_cli_growth_projection(app, stages):
    out = _json(app, "--volumes", "300000", "--growth-per-year", "2000", "--years", "5",
                "--volumes-per-retiree", "1")
    a = out["assumptions"]
    assert (a["growth_per_year"], a["years"], a["new_retirees"], a["growth_volumes"]) == (2000, 5, 10_000, 10_000)
    # the given 300,000 (the whole store) + the growth
    assert out["district"]["volumes"] == 310_000 and out["district"]["area_m2"] == 1860.0
    streets = {s["street"]: s for s in out["streets"]}
    assert streets["德胜"]["retirees"] + streets["月坛"]["retirees"] == 5 + 10_000  # growth split pro rata
    assert streets["月坛"]["staff"] == 4 and streets["德胜"]["staff"] == 3  # 6,003 → 4, 4,002 → 3


def test_cli_refuses_bad_figures(app):
    for args in (["--volumes", "-5"], ["--years", "500", "--growth-per-year", "1"], ["--growth-per-year", "10"]):
        result = app.test_cli_runner().invoke(args=["report", "planning", *args])
        assert result.exit_code == 2 and "Traceback" not in result.output, args


def test_cli_run_is_audited(app):
    _cli(app, "--volumes", "10")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.planning")).first()
        assert event is not None


def test_cli_writes_xlsx_and_pdf_with_the_figures(app, tmp_path):
    if PDFTOTEXT is None or PDFFONTS is None:
        pytest.fail("pdftotext/pdffonts not found: run scripts/setup.sh --test (poppler-utils)")
    _cli(app, "--volumes", "316700", "--xlsx", str(tmp_path / "p.xlsx"), "--pdf", str(tmp_path / "p.pdf"))
    wb = load_workbook(tmp_path / "p.xlsx")
    first = [c.value for c in next(wb.worksheets[0].iter_rows(min_row=2))]
    assert first[3:5] == [316_700, 1900.2]
    text = subprocess.run([PDFTOTEXT, "-layout", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "316,700" in text and "1,900.2" in text and "西长安街" in text  # Chinese glyphs come out as text
    fonts = subprocess.run([PDFFONTS, str(tmp_path / "p.pdf")], capture_output=True, text=True, check=True).stdout
    font_lines = fonts.splitlines()[2:]
    assert font_lines and all(line.split()[-5] == "yes" for line in font_lines), fonts  # every font embedded
    assert "CJK" in fonts


def test_page_what_if_reproduces_the_work_plan(app, client, factory):
    login(client, factory.user(Role.ARCHIVIST).username)
    html = client.get("/reports/planning?volumes=316700").get_data(as_text=True)
    assert "316,700" in html and "1,900.2 m²" in html and 'data-testid="meets-minimum"' in html


def test_page_what_if_and_exports(app, client, factory, stages):
    login(client, factory.user(Role.ARCHIVIST).username)
    html = client.get("/reports/planning").get_data(as_text=True)
    assert ">7<" in html and "0.1 m²" in html  # 5 volumes in district custody, the 月坛 store's 2 to be centralised
    response = client.get("/reports/planning.xlsx?volumes=316700&growth_per_year=100&years=2")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.worksheets[0]["D2"].value == 316_700 + 280  # + 200 new retirees × 1.4 volumes
    assert [c.value for c in wb.worksheets[1]["A"]][1:] and len(list(wb.worksheets[1].iter_rows())) == 4
    pdf = client.get("/reports/planning.pdf?volumes=316700")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"


def test_page_refuses_bad_figures_in_words(app, client, factory):
    login(client, factory.user(Role.ARCHIVIST).username)
    page = client.get("/reports/planning?volumes=lots&years=500")
    assert page.status_code == 200 and 'data-testid="error-volumes"' in page.get_data(as_text=True)
    assert 'data-testid="error-years"' in page.get_data(as_text=True)
    for url in ("/reports/planning.xlsx?volumes=-1", "/reports/planning.pdf?years=abc"):
        response = client.get(url)
        assert response.status_code == 400 and 'data-testid="error-message"' in response.get_data(as_text=True)


def test_a_street_archivist_sees_their_street_only(app, client, factory, stages):
    login(client, factory.user(Role.ARCHIVIST, "月坛").username)
    html = client.get("/reports/planning").get_data(as_text=True)
    assert html.count('data-testid="planning-street"') == 1 and "德胜" not in html
    assert 'data-testid="district-volumes"' not in html
    wb = load_workbook(io.BytesIO(client.get("/reports/planning.xlsx").data))
    cells = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None}
    assert "月坛" in cells and "德胜" not in cells
