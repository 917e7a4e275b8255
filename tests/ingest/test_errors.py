"""The ingest exception hierarchy: stable codes, messages naming file and page, picklable."""

from __future__ import annotations

import pickle

import pytest

from ingest import errors

CODES = {
    errors.PackageError: "bad_package",
    errors.UnsupportedFormat: "unsupported_format",
    errors.CorruptImage: "corrupt_image",
    errors.DecompressionBomb: "decompression_bomb",
    errors.EncryptedPdf: "encrypted_pdf",
    errors.BrokenPdf: "broken_pdf",
    errors.NotScannedPage: "not_scanned_pdf_page",
}


@pytest.mark.parametrize(("cls", "code"), CODES.items())
def test_codes_are_stable_and_share_a_base(cls: type[errors.IngestError], code: str) -> None:
    assert issubclass(cls, errors.IngestError)
    assert cls.code == code
    assert cls("x").code == code


def test_message_names_file_and_page_like_page_labels() -> None:
    assert str(errors.NotScannedPage("含有文字", "XC-1.pdf", 3)) == "XC-1.pdf p.3：含有文字"
    assert str(errors.CorruptImage("已损坏", "XC-1/0003.jpg")) == "XC-1/0003.jpg：已损坏"
    assert str(errors.PackageError("没有给出扫描包")) == "没有给出扫描包"


def test_errors_survive_pickling_for_worker_processes() -> None:
    exc = errors.EncryptedPdf("PDF 已加密", "XC-1.pdf", 2)
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is errors.EncryptedPdf
    assert (back.detail, back.source, back.page, back.code) == ("PDF 已加密", "XC-1.pdf", 2, "encrypted_pdf")
    assert str(back) == str(exc)
