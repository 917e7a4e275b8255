"""The auditor's section: filters, timelines, exports, chain status, refusals."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from archive.roles import Role
from tests.conftest import login


def _activity(app, client, factory):
    file = factory.file("德胜")
    clerk = factory.user(Role.ARCHIVIST)
    login(client, clerk.username)
    client.get(f"/files/{file.id}")
    client.get("/files?name=<script>alert(1)</script>")
    client.post("/logout", data={})  # CSRF failure: a denied event
    auditor_client = client.application.test_client()
    auditor = factory.user(Role.AUDITOR)
    login(auditor_client, auditor.username)
    return file, clerk, auditor_client


def test_filters_timeline_and_user_activity(app, client, factory):
    file, clerk, auditor = _activity(app, client, factory)
    page = auditor.get(f"/audit/?user={clerk.username}&action=file.view").get_data(as_text=True)
    table = page.split('data-testid="events"')[1]
    assert file.archive_no in table and "file.search" not in table
    page = auditor.get(f"/audit/files/{file.archive_no}").get_data(as_text=True)
    assert clerk.username in page and 'data-testid="readers"' in page
    page = auditor.get(f"/audit/users/{clerk.username}").get_data(as_text=True)
    assert "file.view" in page and "access.denied" in page
    page = auditor.get("/audit/?outcome=denied").get_data(as_text=True)
    assert "access.denied" in page
    # script in logged values is shown as text, never run
    page = auditor.get("/audit/events/1").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in auditor.get("/audit/?action=file.search").get_data(as_text=True)
    assert page


def test_crafted_and_huge_filters_are_refused_and_recorded(app, client, factory):
    _, _, auditor = _activity(app, client, factory)
    for query in ("since=2026-13-01", "since=2026-02-01&until=2026-01-01", "since=2000-01-01&until=2026-01-01",
                  "outcome=ok'%20OR%201=1--", "user=" + "x" * 200, "action=file.view;DROP%20TABLE%20users"):
        response = auditor.get(f"/audit/?{query}")
        assert response.status_code == 400, query
        assert 'data-testid="filter-error"' in response.get_data(as_text=True)
    failed = auditor.get("/audit/?action=audit.search&outcome=failed").get_data(as_text=True)
    assert failed.count("audit.search") >= 6


def test_exports_stream_csv_and_xlsx(app, client, factory):
    file, clerk, auditor = _activity(app, client, factory)
    response = auditor.get(f"/audit/export.csv?user={clerk.username}", buffered=False)
    assert response.is_streamed and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    response.close()
    assert rows[0][:3] == ["seq", "时间", "用户"] and all(r[2] == clerk.username for r in rows[1:])
    assert any(r[6] == "file.view" and r[10] == file.archive_no for r in rows[1:])
    response = auditor.get(f"/audit/export.xlsx?user={clerk.username}")
    sheet = load_workbook(io.BytesIO(response.data)).active
    response.close()
    assert sheet.max_row == len(rows)


def test_chain_status_page(app, client, factory):
    _, _, auditor = _activity(app, client, factory)
    page = auditor.get("/audit/chain").get_data(as_text=True)
    assert 'data-testid="chain-verdict"' in page and "完整" in page


def test_cli_export(app, client, factory, tmp_path):
    _activity(app, client, factory)
    out = tmp_path / "audit.xlsx"
    result = app.test_cli_runner().invoke(args=["audit", "export", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).active.max_row > 3
    result = app.test_cli_runner().invoke(args=["audit", "export", "--since", "2026-99-01"])
    assert result.exit_code != 0 and "since" in result.output


def test_admin_cannot_reach_the_audit_trail_and_auditor_cannot_change_data(app, client, factory):
    admin = factory.user(Role.ADMIN)
    login(client, admin.username)
    for url in ("/audit/", "/audit/chain", "/audit/flags", "/audit/export.csv"):
        assert client.get(url).status_code == 403
    auditor = client.application.test_client()
    login(auditor, factory.user(Role.AUDITOR).username)
    for url in ("/files", "/admin/users", "/catalogue/import", "/admin/users/new"):
        assert auditor.get(url).status_code == 403
