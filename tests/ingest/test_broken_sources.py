"""Broken PDFs and TIFFs are named without server paths; JBIG2 pages are read (issue 8, item 14)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops

from ingest.errors import BrokenPdf, IngestError
from ingest.model import PageRef
from ingest.package import open_package
from ingest.sources import count_pdf_pages, read_page
from tests.ingest.helpers import page, write
from tests.ingest.jbig2 import jbig2_pdf

needs_jbig2dec = pytest.mark.skipif(shutil.which("jbig2dec") is None,
                                    reason="jbig2dec is not installed (scripts/setup.sh installs it)")


def test_pdf_errors_name_the_file_in_the_package_not_its_server_path(tmp_path: Path) -> None:
    root = tmp_path / "srv" / "work"
    write(root / "XC-1.pdf", b"%PDF-1.7\nnot really\n")
    with pytest.raises(BrokenPdf) as caught:
        count_pdf_pages(root / "XC-1.pdf", "XC-1.pdf")
    assert "XC-1.pdf" in str(caught.value) and str(tmp_path) not in str(caught.value)
    pkg = open_package([root], tmp_path / "tmp")
    (problem,) = pkg.problems
    assert problem.code == "broken_pdf" and str(tmp_path) not in problem.message  # before: qpdf's full path


def test_a_pdf_without_pages_is_a_problem(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    pikepdf.new().save(write(root / "XC-1.pdf", b""))
    pkg = open_package([root], tmp_path / "work")
    assert pkg.files == () and [(p.path, p.code) for p in pkg.problems] == [("XC-1.pdf", "broken_pdf")]


@needs_jbig2dec
def test_a_jbig2_pdf_page_is_read_losslessly(tmp_path: Path) -> None:
    image = page(dpi=150).convert("L").point(lambda v: 255 if v > 128 else 0).convert("1")
    write(tmp_path / "XC-1.pdf", jbig2_pdf(image, dpi=150))
    result = read_page(tmp_path, PageRef("XC-1", "XC-1.pdf", 1))
    assert result.format == "png" and result.dpi == 150
    with Image.open(io.BytesIO(result.data)) as decoded:
        assert ImageChops.difference(decoded.convert("L"), image.convert("L")).getbbox() is None


@needs_jbig2dec
def test_a_missing_jbig2_decoder_is_not_a_damaged_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "XC-1.pdf", jbig2_pdf(page(dpi=100), dpi=100))
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))  # fault injection: the decoder is gone
    with pytest.raises(IngestError) as caught:
        read_page(tmp_path, PageRef("XC-1", "XC-1.pdf", 1))
    assert caught.value.code == "decoder_missing"  # before: broken_pdf, "PDF 页面损坏"
    assert "jbig2dec" in str(caught.value) and "损坏（" not in str(caught.value)
