"""Issue 9: in English, QC findings, import errors and class names read in English (no CJK outside personal data).

A package with planted defects is ingested (without OCR: the findings under test do not need it); an archivist
switches to English and walks the batch page, the file's QC report, the page viewer, the file page and a failed
catalogue import.  Personal data may be Chinese — names, material titles, headings read from a page — so text
inside quotation marks (“…”) and the person's name are set aside before looking for CJK characters.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in
from tests.scanning.builder import FileSpec, PageSpec, build, default_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

CJK = re.compile(r"[\u3400-\u9fff]")
QUOTED = re.compile(r"“[^”]*”")
ARCHIVE_NO = "XC-EN-000001"
NAME = "钱学英"


def _chinese(texts: list[str]) -> list[str]:
    """The texts that still hold CJK once quoted personal data and the person's name are removed."""
    return [t for t in texts if CJK.search(QUOTED.sub("", t).replace(NAME, ""))]


@pytest.fixture
def defective_batch(live_app, tmp_path):  # type: ignore[no-untyped-def]
    """A file with a duplicate, a low-resolution, a skewed, a corrupt and a PNG page, a numbering gap,
    a missing checklist item and a page more than its catalogue; and a stray file the package cannot use."""
    from sqlalchemy import select

    from archive.catalogue.models import ArchiveFile
    from archive.extensions import db
    from archive.scanning.models import IngestJob

    materials = [("一", 1, "干部履历表", 1), ("四-1", 1, "毕业证书", 1), ("九-1", 1, "转正定级表", 1),
                 ("九-1", 3, "工资变动审批表", 1), ("九-2", 1, "招工审批表", 1), ("九-2", 3, "退休审批表", 1)]
    spec = FileSpec(ARCHIVE_NO, name=NAME, materials=materials)
    pages = default_pages(spec)
    pages[1].dpi = 150
    pages[2].skew = 4.5
    pages[3].fmt = "png"
    pages += [PageSpec([], same_as=0), PageSpec(["多出的一页"], corrupt=True)]
    spec.pages = pages
    root = build(tmp_path / "pkg", [spec])
    (root / ARCHIVE_NO / "notes.docx").write_bytes(b"PK\x03\x04 not a page")
    old = live_app.config.get("DANGAN_OCR_ENGINE")
    live_app.config["DANGAN_OCR_ENGINE"] = ""
    try:
        result = live_app.test_cli_runner().invoke(args=["ingest", "--json", "--workers", "0", str(root)])
    finally:
        live_app.config["DANGAN_OCR_ENGINE"] = old
    assert result.exit_code in (0, 1), result.output
    with live_app.app_context():
        file_id = db.session.scalar(select(ArchiveFile.id).where(ArchiveFile.archive_no == ARCHIVE_NO))
        job_id = db.session.scalar(select(IngestJob.id).order_by(IngestJob.id.desc()))
    return {"file": file_id, "job": job_id}


@pytest.fixture
def english_archivist(live_app, page):  # type: ignore[no-untyped-def]
    from archive.accounts.operations import create_user
    from archive.extensions import db
    from archive.roles import Role
    from tests.conftest import TEST_PASSWORD

    with live_app.app_context():
        create_user("en_walker", TEST_PASSWORD, Role.ARCHIVIST, display_name="Walker")
        db.session.commit()
    log_in(page, "en_walker", TEST_PASSWORD)
    page.click("[data-testid=lang-en]")
    page.wait_for_selector("html[lang=en]")
    return page


def test_qc_findings_classes_and_import_errors_read_in_english(english_archivist, defective_batch, tmp_path):
    page = english_archivist

    page.goto(f"/files/{defective_batch['file']}/qc")
    rows = page.locator("[data-testid=finding]")
    rules = set(rows.evaluate_all("(els) => els.map((e) => e.dataset.rule)"))
    # the planted defects were found (otherwise the walk proves nothing)
    assert {"DUPLICATE_PAGE", "LOW_RESOLUTION", "SKEW", "MIXED_FORMATS", "UNREADABLE_PAGE", "SEQUENCE_GAP",
            "REQUIRED_MATERIAL_MISSING", "EXTRA_PAGES", "PAGE_COUNT_MISMATCH"} <= rules, rules
    texts = page.locator("[data-testid=finding-text]").all_inner_texts()
    assert texts and not _chinese(texts), _chinese(texts)
    cells = rows.evaluate_all("(els) => els.map((e) => e.innerText)")
    assert not _chinese(cells), _chinese(cells)
    assert any("Nos. 2" in t or "No. 2" in t for t in texts), texts  # 九-1 第2号 missing, said in English
    assert any("at 150 dpi" in t for t in texts), texts

    page.goto(f"/ingest/jobs/{defective_batch['job']}")
    page.wait_for_selector("[data-testid=outcomes]")
    outcome = page.locator("[data-testid=outcomes]").inner_text()
    assert not _chinese([outcome]), outcome

    page.goto(f"/files/{defective_batch['file']}/qc")
    page.locator("[data-testid=finding] a[href*='/pages/']").first.click()
    page.wait_for_selector("[data-testid=page-image]")
    noted = page.locator("[data-testid=page-findings] li").all_inner_texts()
    assert not _chinese(noted), noted

    page.goto(f"/files/{defective_batch['file']}")
    headings = page.locator("tr.classrow th, tr.subclassrow th").all_inner_texts()
    assert headings and not _chinese(headings), headings
    assert any(h.startswith("9-1 ") for h in headings), headings

    bad = tmp_path / "目录.csv"
    bad.write_text("档号,类号,序号,材料名称,材料形成时间,页数,备注\nXC-EN-000002,十一,1,表,1980.13,x,\n",
                   encoding="utf-8")
    page.goto("/catalogue/import")
    page.set_input_files("[data-testid=import-files]", str(bad))
    page.click("[data-testid=import-submit]")
    errors = page.locator("[data-testid=import-error-message]").all_inner_texts()
    assert errors and not _chinese(errors), errors
