"""Broken PDFs and TIFFs are rejected, not "unchanged"; JBIG2 PDFs are ingested (issue 8, item 14)."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.pages.models import Page
from archive.scanning.models import IngestJob, QcFinding
from tests.ingest.jbig2 import jbig2_pdf
from tests.scanning.builder import FileSpec, PageSpec, build, render
from tests.scanning.test_input_outcomes import run

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _replace_pages(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()


def test_a_file_whose_only_tiff_is_broken_is_rejected(app, tmp_path, no_ocr):
    root = build(tmp_path / "pkg", [FileSpec("XC-B-000001")])
    _replace_pages(root / "XC-B-000001")
    (root / "XC-B-000001" / "0001.tif").write_bytes(b"II*\x00\x08\x00\x00\x00truncated")
    code, outcomes = run(app, root)
    (outcome,) = outcomes
    # before: {"status": "unchanged", "pages": 0} and exit 0
    assert outcome["status"] == "rejected" and outcome["pages"] == 0 and code == 1
    unreadable = [f for f in outcome["findings"] if f["rule"] == "UNREADABLE_PAGE"]
    assert [f["code"] for f in unreadable] == ["corrupt_image"] and "XC-B-000001/0001.tif" in unreadable[0]["message"]
    with app.app_context():
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == "XC-B-000001"))
        stored = list(db.session.scalars(select(QcFinding.message).where(QcFinding.file_id == file.id)))
    assert any("0001.tif" in m for m in stored)


def test_broken_pdfs_are_rejected_without_server_paths_in_any_message(app, tmp_path, no_ocr):
    root = build(tmp_path / "pkg", [FileSpec("XC-B-000002"), FileSpec("XC-B-000003")])
    for name in ("XC-B-000002", "XC-B-000003"):
        _replace_pages(root / name)
        (root / name).rmdir()
    (root / "XC-B-000002.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ngarbage")
    pikepdf.new().save(root / "XC-B-000003.pdf")  # opens, but has no page
    code, outcomes = run(app, root)
    assert code == 1
    assert {o["archive_no"]: o["status"] for o in outcomes} == {"XC-B-000002": "rejected", "XC-B-000003": "rejected"}
    with app.app_context():
        job = db.session.scalar(select(IngestJob).order_by(IngestJob.id.desc()))
        texts = [json.dumps(outcomes, ensure_ascii=False), json.dumps(job.summary, ensure_ascii=False), job.error,
                 *db.session.scalars(select(QcFinding.message))]
    assert "XC-B-000002.pdf" in texts[0] and "XC-B-000003.pdf" in texts[1]
    for text in texts:
        assert not re.search(r"(/tmp|/work|/srv|/home|/var)/", text), text  # relative names only


@pytest.mark.skipif(shutil.which("jbig2dec") is None, reason="jbig2dec is not installed (scripts/setup.sh installs it)")
def test_a_jbig2_pdf_is_ingested(app, tmp_path, no_ocr):
    spec = FileSpec("XC-B-000004", materials=[("一", 1, "干部履历表", 1)])
    root = build(tmp_path / "pkg", [spec])
    _replace_pages(root / spec.archive_no)
    (root / spec.archive_no).rmdir()
    scan = Image.open(io.BytesIO(render(PageSpec(["干部履历表", "姓名：张建国"]), seed=3)))
    (root / f"{spec.archive_no}.pdf").write_bytes(jbig2_pdf(scan, dpi=300))
    code, outcomes = run(app, root)
    (outcome,) = outcomes
    # before: UNREADABLE_PAGE "PDF 页面损坏（jbig2dec - not installed or not found）"
    assert outcome["status"] == "ingested" and outcome["pages"] == 1, json.dumps(outcome, ensure_ascii=False)
    assert "UNREADABLE_PAGE" not in {f["rule"] for f in outcome["findings"]}
    with app.app_context():
        (stored,) = db.session.scalars(select(Page))
    assert (stored.format, stored.colour, stored.dpi, stored.width) == ("png", "bitonal", 300, scan.width)


def test_setup_installs_the_jbig2_decoder():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    (line,) = [line for line in setup.splitlines() if line.startswith("packages=(")]
    assert "jbig2dec" in line.split()
