"""The certified copy and the certificate as PDF: deterministic, the CJK font embedded, the watermark on every page."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pikepdf
import pytest
from PIL import Image

from archive.lending.pdfbuild import (
    CertificateSheet,
    CopySheet,
    MaterialLine,
    PageImage,
    build_certificate,
    build_copy,
    watermark_text,
)


def _jpeg(shade: int, size: tuple[int, int] = (600, 848)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (shade, shade, 250)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


SHEET = CopySheet(number="XC-SQ-2026-000042", person="张建国", archive_no="T-000042", purpose="退休待遇",
                  date="2026年12月8日", handler="王档案", approver="李审批",
                  materials=[MaterialLine("九-2-1", "招工审批表", "1970.03.12", 2),
                             MaterialLine("一-1", "职工登记表" * 8, "1985", 1)],
                  issuer="西城区人力资源和社会保障局")
PAGES = [PageImage(_jpeg(200 + n), 595.0, 842.0) for n in range(3)]


def test_same_request_twice_gives_the_same_bytes_but_the_date():
    first = build_copy(SHEET, PAGES, created=dt.datetime(2026, 12, 8, 9, 0, 0))
    again = build_copy(SHEET, PAGES, created=dt.datetime(2026, 12, 8, 9, 0, 0))
    later = build_copy(SHEET, PAGES, created=dt.datetime(2027, 1, 3, 17, 45, 12))
    assert first == again
    assert len(first) == len(later)
    differing = [i for i, (a, b) in enumerate(zip(first, later, strict=True)) if a != b]
    stamp = first.index(b"D:20261208090000Z")
    assert differing and all(stamp <= i < stamp + 17 for i in differing), "only /CreationDate may differ"
    other = build_copy(SHEET, PAGES[:2], created=dt.datetime(2026, 12, 8, 9, 0, 0))
    assert other != first  # and the bytes do depend on the content


def test_cover_sheet_pages_and_watermark():
    data = build_copy(SHEET, PAGES, created=dt.datetime(2026, 12, 8))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1 + len(PAGES)
        for page in pdf.pages[1:]:
            images = list(page.Resources.XObject.values())
            assert len(images) == 1 and images[0].Filter == pikepdf.Name.DCTDecode  # the JPEG as stored
            assert b"/GS0 gs" in page.Contents.read_bytes()  # the translucent watermark over it
    size = sum(len(p.jpeg) for p in PAGES)
    assert len(data) <= size * 1.1 + 120_000  # the images, the cover sheet and a font subset


@pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                    reason="poppler-utils not installed")
def test_font_is_embedded_and_text_is_real_characters(tmp_path):
    path = tmp_path / "copy.pdf"
    path.write_bytes(build_copy(SHEET, PAGES, created=dt.datetime(2026, 12, 8)))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(row[-5] == "yes" and row[-4] == "yes" for row in rows), fonts  # emb, sub
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("XC-SQ-2026-000042", "张建国", "退休待遇", "招工审批表", "经核对与原件一致", "王档案", "李审批",
                     "盖章"):
        assert expected in text
    assert _page_texts(path.read_bytes(), 1) == [watermark_text("退休待遇", "XC-SQ-2026-000042", "2026年12月8日")] * 3


def _page_texts(data: bytes, index: int) -> list[str]:
    """The strings shown on a page, decoded through the font's ToUnicode map (rotated text defeats pdftotext)."""
    import re

    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[index]
        cmap = page.Resources.Font.F1.ToUnicode.read_bytes().decode()
        chars = {int(cid, 16): bytes.fromhex(uni).decode("utf-16-be")
                 for cid, uni in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)}
        shown = []
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) == "Tj":
                raw = bytes(operands[0])
                shown.append("".join(chars[int.from_bytes(raw[i:i + 2], "big")] for i in range(0, len(raw), 2)))
        return shown


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_certificate(tmp_path):
    sheet = CertificateSheet(number="XC-SQ-2026-000043", title="工龄证明",
                             body="兹证明张建国连续工龄三十年。\n特此证明。", date="2026年12月8日", handler="王档案",
                             approver="李审批", issuer="西城区人力资源和社会保障局", valid_until="2027年1月7日")
    data = build_certificate(sheet, created=dt.datetime(2026, 12, 8))
    assert data == build_certificate(sheet, created=dt.datetime(2026, 12, 8))
    path = tmp_path / "cert.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "工龄证明" in text and "连续工龄三十年" in text and "XC-SQ-2026-000043" in text
