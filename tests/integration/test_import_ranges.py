"""Issue 8 item 21: the import refuses what the form refuses — 页数 beyond 0–9999, a 档号 off the pattern."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile
from archive.config import ConfigError, validate
from archive.extensions import db
from tests.integration.test_catalogue_import import CAT_HEADER, run_import, write_csv


def test_pages_beyond_the_form_limit_and_odd_archive_numbers_are_rejected(app, tmp_path):
    path = write_csv(tmp_path / "目录.csv", CAT_HEADER, [
        ["XC-R-1", "一", 1, "干部履历表", "1990", 99999, ""],
        ["!!@@##", "一", 1, "干部履历表", "1990", 2, ""],
        ["XC-R-2", "一", 1, "干部履历表", "1990", 9999, ""],
        ["西城-1985-12", "一", 1, "干部履历表", "1990", 0, ""],
    ])
    result = run_import(app, path)
    payload = json.loads(result.output)
    problems = {(e["row"], e["field"]) for e in payload["errors"]}
    assert problems == {(2, "页数"), (3, "档号")}
    assert any("0到9999" in e["message"] for e in payload["errors"])
    assert any("!!@@##" in e["message"] and "格式" in e["message"] for e in payload["errors"])
    with app.app_context():
        nos = set(db.session.scalars(select(ArchiveFile.archive_no)))
    assert {"XC-R-2", "西城-1985-12"} <= nos and not nos & {"XC-R-1", "!!@@##"}


def test_the_pattern_is_configurable_and_checked_at_start_up(app, tmp_path):
    app.config["DANGAN_ARCHIVE_NO_PATTERN"] = r"XC-\d{4}-\d{6}"
    try:
        path = write_csv(tmp_path / "目录.csv", CAT_HEADER, [
            ["XC-2020-000123", "一", 1, "干部履历表", "1990", 2, ""],
            ["XC-20-1", "一", 1, "干部履历表", "1990", 2, ""],
        ])
        payload = json.loads(run_import(app, path).output)
        assert [(e["row"], e["field"]) for e in payload["errors"]] == [(3, "档号")]
    finally:
        app.config["DANGAN_ARCHIVE_NO_PATTERN"] = ""
    with pytest.raises(ConfigError, match="DANGAN_ARCHIVE_NO_PATTERN"):
        validate({"DANGAN_ARCHIVE_NO_PATTERN": "(unclosed"})


def test_the_downloadable_template_reads_back_without_errors(app, client, factory, tmp_path):
    from archive.catalogue.sheets import read_sources
    from archive.roles import Role
    from tests.conftest import login

    login(client, factory.user(Role.ARCHIVIST).username)
    response = client.get("/catalogue/import/template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "模板.xlsx"
    path.write_bytes(response.data)
    data = read_sources([path], today=dt.date(2026, 1, 1))
    assert data.errors == [] and len(data.catalogue) == 1 and len(data.people) == 1
