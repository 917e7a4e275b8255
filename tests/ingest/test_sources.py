"""Reading page originals: file bytes unchanged, TIFF frames cut out losslessly, PDF images extracted."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops, features

from ingest.errors import BrokenPdf, CorruptImage, EncryptedPdf, NotScannedPage, UnsupportedFormat
from ingest.model import PageRef
from ingest.sources import (
    count_pdf_pages,
    count_tiff_pages,
    read_page,
    read_page_bytes,
    sniff,
    tiff_compression,
)
from tests.ingest.helpers import (
    INVISIBLE_TEXT_OPS,
    OTHER_LINES,
    PATH_OPS,
    TEXT_OPS,
    bitonal,
    encode,
    g4_tiff,
    image_pdf,
    jpeg,
    page,
    write,
)


def ref(source: str, index: int = 0) -> PageRef:
    return PageRef("XC-1", source, index + 1, index=index)


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    a, b = a.convert("L"), b.convert("L")
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def test_sniff_goes_by_bytes_not_names() -> None:
    assert sniff(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff(b"II*\x00") == sniff(b"MM\x00*") == "tiff"
    assert sniff(b"\x89PNG\r\n\x1a\n") == "png"
    assert sniff(b"\x00\x00\x00\x0cjP  \r\n\x87\n") == sniff(b"\xff\x4f\xff\x51") == "jp2"
    assert sniff(b"junk%PDF-1.7") == "pdf"
    assert sniff(b"BM6\x00") is None
    assert sniff(b"PK\x03\x04") is None


@pytest.mark.parametrize("fmt", ["jpeg", "png", "jp2"])
def test_single_image_files_come_back_byte_for_byte(tmp_path: Path, fmt: str) -> None:
    if fmt == "jp2" and not features.check("jpg_2000"):
        pytest.skip("Pillow built without OpenJPEG")
    pillow = {"jpeg": "JPEG", "png": "PNG", "jp2": "JPEG2000"}[fmt]
    data = encode(page(dpi=100), pillow)
    write(tmp_path / "XC-1" / "0001.img", data)  # the extension says nothing; the bytes do
    assert read_page_bytes(tmp_path, ref("XC-1/0001.img")) == (data, fmt)


def test_unsupported_bytes_are_refused(tmp_path: Path) -> None:
    write(tmp_path / "XC-1" / "0001.jpg", encode(page(dpi=50), "BMP"))
    with pytest.raises(UnsupportedFormat, match="BMP"):
        read_page_bytes(tmp_path, ref("XC-1/0001.jpg"))


# --- TIFF ---------------------------------------------------------------------------------------------


def test_g4_frames_stay_group4_with_identical_pixels(tmp_path: Path) -> None:
    pages = [page(seed=s, dpi=100) for s in (1, 2, 3)]
    data = g4_tiff(pages, dpi=100)
    path = write(tmp_path / "XC-1.tif", data)
    assert count_tiff_pages(path) == 3
    for i, original in enumerate(pages):
        frame, fmt = read_page_bytes(tmp_path, ref("XC-1.tif", i))
        assert fmt == "tiff"
        assert tiff_compression(frame) == "group4"
        with Image.open(io.BytesIO(frame)) as im:
            assert getattr(im, "n_frames", 1) == 1
            assert im.info["compression"] == "group4"
            assert im.info["dpi"] == (100, 100)
            assert same_pixels(im, bitonal(original))
        with Image.open(path) as whole:
            whole.seek(i)
            strip = frame[-len(frame) // 2:]
            assert strip in data  # the compressed strip is copied, never re-encoded
            assert same_pixels(whole, Image.open(io.BytesIO(frame)))


def test_jpeg_in_tiff_frame_is_copied_not_recompressed(tmp_path: Path) -> None:
    pages = [page(seed=s, dpi=80, colour=True) for s in (1, 2)]
    out = io.BytesIO()
    pages[0].save(out, "TIFF", compression="jpeg", save_all=True, append_images=pages[1:], dpi=(80, 80))
    write(tmp_path / "XC-2.tif", out.getvalue())
    frame, _ = read_page_bytes(tmp_path, ref("XC-2.tif", 1))
    assert tiff_compression(frame) == "jpeg"
    with Image.open(tmp_path / "XC-2.tif") as whole:
        whole.seek(1)
        assert same_pixels(whole, Image.open(io.BytesIO(frame)))


def test_single_page_tiff_is_returned_unchanged(tmp_path: Path) -> None:
    data = g4_tiff([page(dpi=80)], dpi=80)
    write(tmp_path / "XC-1" / "0001.tif", data)
    assert read_page_bytes(tmp_path, ref("XC-1/0001.tif")) == (data, "tiff")


def test_missing_tiff_frame_and_truncated_tiff_are_corrupt(tmp_path: Path) -> None:
    data = g4_tiff([page(dpi=60), page(seed=2, dpi=60)], dpi=60)
    write(tmp_path / "a.tif", data)
    with pytest.raises(CorruptImage, match=r"a\.tif p\.3"):
        read_page_bytes(tmp_path, ref("a.tif", 2))
    write(tmp_path / "b.tif", data[:40])
    with pytest.raises(CorruptImage):
        count_tiff_pages(tmp_path / "b.tif")


# --- PDF ----------------------------------------------------------------------------------------------


def test_pdf_jpeg_is_extracted_byte_for_byte_with_its_resolution(tmp_path: Path) -> None:
    im = page(dpi=100)
    data = jpeg(im, dpi=None)  # the JPEG itself states no resolution …
    write(tmp_path / "XC-1.pdf", image_pdf(data, im.size, dpi=100, pages=2))
    assert count_pdf_pages(tmp_path / "XC-1.pdf") == 2
    got = read_page(tmp_path, ref("XC-1.pdf", 1))
    assert (got.data, got.format) == (data, "jpeg")
    assert got.dpi == 100  # … the PDF does: pixels over the size the image is drawn at


def test_pillow_made_pdf_gives_its_embedded_jpeg(tmp_path: Path) -> None:
    im = page(dpi=100)
    im.save(tmp_path / "XC-1.pdf", resolution=100)
    with pikepdf.open(tmp_path / "XC-1.pdf") as pdf:
        (image,) = pdf.pages[0].Resources.XObject.values()
        embedded = image.read_raw_bytes()
    got = read_page(tmp_path, ref("XC-1.pdf"))
    assert got.format == "jpeg" and got.data == embedded and got.dpi == 100


def test_pdf_ccitt_becomes_a_group4_tiff_with_the_same_pixels(tmp_path: Path) -> None:
    im = bitonal(page(dpi=100))
    im.save(tmp_path / "XC-1.pdf", resolution=100)
    data, fmt = read_page_bytes(tmp_path, ref("XC-1.pdf"))
    assert fmt == "tiff" and tiff_compression(data) == "group4"
    with Image.open(io.BytesIO(data)) as out:
        assert same_pixels(out, im)
        assert out.info["dpi"] == (100, 100)


def test_pdf_flate_image_becomes_a_png_with_the_same_pixels(tmp_path: Path) -> None:
    im = page(dpi=60).convert("L")
    write(tmp_path / "XC-1.pdf", image_pdf(zlib.compress(im.tobytes()), im.size, dpi=60, filter_="/FlateDecode"))
    data, fmt = read_page_bytes(tmp_path, ref("XC-1.pdf"))
    assert fmt == "png"
    with Image.open(io.BytesIO(data)) as out:
        assert same_pixels(out, im)
        assert round(out.info["dpi"][0]) == 60


@pytest.mark.skipif(not features.check("jpg_2000"), reason="Pillow built without OpenJPEG")
def test_pdf_jpx_is_extracted_as_is(tmp_path: Path) -> None:
    im = page(dpi=60).convert("L")
    data = encode(im, "JPEG2000")
    write(tmp_path / "XC-1.pdf", image_pdf(data, im.size, dpi=60, filter_="/JPXDecode"))
    assert read_page_bytes(tmp_path, ref("XC-1.pdf")) == (data, "jp2")


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"after": TEXT_OPS}, "文字"),
        ({"before": PATH_OPS}, "矢量图形"),
        ({"images": 2}, "2 幅图像"),
        ({"images": 0}, "没有图像"),
        ({"cover": 0.5}, "没有覆盖整个页面"),
    ],
)
def test_pdf_pages_that_are_not_one_full_page_image_are_refused(tmp_path: Path, kwargs: dict[str, object],
                                                                 why: str) -> None:
    im = page(dpi=40)
    write(tmp_path / "XC-1.pdf", image_pdf(jpeg(im), im.size, dpi=40, **kwargs))  # type: ignore[arg-type]
    with pytest.raises(NotScannedPage, match=why) as caught:
        read_page_bytes(tmp_path, ref("XC-1.pdf"))
    assert caught.value.code == "not_scanned_pdf_page"
    assert str(caught.value).startswith("XC-1.pdf p.1：")


def test_an_invisible_ocr_text_layer_does_not_make_a_scan_a_document(tmp_path: Path) -> None:
    im = page(dpi=40)
    data = jpeg(im)
    write(tmp_path / "XC-1.pdf", image_pdf(data, im.size, dpi=40, after=INVISIBLE_TEXT_OPS))
    assert read_page_bytes(tmp_path, ref("XC-1.pdf")) == (data, "jpeg")


def test_encrypted_pdf(tmp_path: Path) -> None:
    im = page(dpi=40)
    write(tmp_path / "XC-1.pdf", image_pdf(jpeg(im), im.size, dpi=40, password="secret"))
    with pytest.raises(EncryptedPdf) as caught:
        read_page_bytes(tmp_path, ref("XC-1.pdf"))
    assert caught.value.code == "encrypted_pdf"
    with pytest.raises(EncryptedPdf):
        count_pdf_pages(tmp_path / "XC-1.pdf")


def test_broken_pdf_and_missing_page(tmp_path: Path) -> None:
    write(tmp_path / "bad.pdf", b"%PDF-1.7\nthis is not a PDF body\n")
    with pytest.raises(BrokenPdf):
        read_page_bytes(tmp_path, ref("bad.pdf"))
    im = page(OTHER_LINES, dpi=40)
    write(tmp_path / "one.pdf", image_pdf(jpeg(im), im.size, dpi=40))
    with pytest.raises(BrokenPdf, match="只有 1 页"):
        read_page_bytes(tmp_path, ref("one.pdf", 4))
