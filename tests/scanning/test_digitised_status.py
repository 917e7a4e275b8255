"""A file is marked 已数字化 only when pages of it are in the archive (issue 8, item 15).

Before, a package whose every page was refused still set the file to 已数字化 — its page list said
"该卷尚未入库任何页面" and the home page's digitised count went up.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.roles import Role
from tests.conftest import login
from tests.scanning.builder import FileSpec, PageSpec, build, default_pages
from tests.scanning.test_input_outcomes import run

pytestmark = pytest.mark.slow


def _status(app, archive_no: str) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(ArchiveFile.status).where(ArchiveFile.archive_no == archive_no))


def _digitised_on_home(client) -> int:  # type: ignore[no-untyped-def]
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'data-testid="status-digitised"><div class="num">(\d+)<', page)
    return int(match.group(1)) if match else 0


def test_a_package_whose_pages_are_all_refused_leaves_the_file_undigitised(app, client, factory, tmp_path, no_ocr):
    spec = FileSpec("XC-D-000001")
    spec.pages = [PageSpec(p.lines, corrupt=True) for p in default_pages(spec)]
    code, outcomes = run(app, build(tmp_path / "bad", [spec]))
    assert code == 1 and outcomes[0]["status"] == "rejected" and outcomes[0]["pages"] == 0
    assert _status(app, spec.archive_no) == "catalogued"  # before: digitised

    login(client, factory.user(Role.ARCHIVIST).username)
    with app.app_context():
        file_id = db.session.scalar(select(ArchiveFile.id).where(ArchiveFile.archive_no == spec.archive_no))
    detail = client.get(f"/files/{file_id}").get_data(as_text=True)
    assert "status-catalogued" in detail and "status-digitised" not in detail
    assert 'data-testid="thumb"' not in client.get(f"/files/{file_id}/pages").get_data(as_text=True)
    assert _digitised_on_home(client) == 0

    # The same file scanned again, readable this time: now it is digitised, and the home page counts it.
    good = FileSpec("XC-D-000001")
    code, outcomes = run(app, build(tmp_path / "good", [good]))
    assert code == 0 and outcomes[0]["status"] == "ingested"
    assert _status(app, spec.archive_no) == "digitised"
    assert "status-digitised" in client.get(f"/files/{file_id}").get_data(as_text=True)
    assert _digitised_on_home(client) == 1
