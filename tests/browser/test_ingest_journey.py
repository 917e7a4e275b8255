"""Upload a scan package in Chromium, watch the job finish, look at the pages."""

from __future__ import annotations

import zipfile

import pytest

from tests.browser.conftest import log_in
from tests.scanning.builder import FileSpec, build

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def test_upload_follow_progress_and_view_a_page(page, tmp_path):
    spec = FileSpec("XC-B-000001", name="李秀英")
    spec.materials = spec.materials[:3]
    folder = build(tmp_path / "pkg", [spec])
    zipped = tmp_path / "扫描包.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    log_in(page, "archivist")
    page.click("nav.mainnav >> text=扫描件入库")
    page.set_input_files("[data-testid=ingest-files]", str(zipped))
    page.click("[data-testid=ingest-submit]")
    page.wait_for_selector("[data-testid=job-status][data-value=done]", timeout=120_000)
    done, total = (page.locator(f"[data-testid=pages-{w}]").inner_text() for w in ("done", "total"))
    assert done == total
    assert page.locator("[data-testid=outcome][data-archive-no=XC-B-000001]").count() == 1
    page.click("[data-testid=outcome] >> text=页面图像")
    assert page.locator("[data-testid=thumb]").count() == 3
    page.locator("[data-testid=thumb]").first.click()
    page.wait_for_selector("[data-testid=page-image]")
    assert page.evaluate("document.querySelector('[data-testid=page-image]').naturalWidth") > 0
    assert "干部履历表" in page.locator("[data-testid=ocr-text]").inner_text()
    page.click("[data-testid=rotate]")
    assert "rotate(90deg)" in page.evaluate("document.querySelector('.canvas').style.transform")
    page.click("[data-testid=next]")
    page.wait_for_selector("[data-testid=prev]")
