"""Files that cannot be pages are each reported with a reason code, in the file they belong to (issue 8, item 13).

Unsupported types, empty files, text named ``.jpg``, links and special files are never dropped in silence,
and a link inside the package is never followed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.model import Package
from ingest.package import open_package
from tests.ingest.helpers import encode, jpeg, page, write


@pytest.fixture(scope="module")
def small_jpeg() -> bytes:
    return jpeg(page(dpi=30))


def problems(pkg: Package) -> dict[str, tuple[str, str | None]]:
    return {p.path: (p.code, p.archive_no) for p in pkg.problems}


def test_a_file_folder_of_unusable_files_is_still_that_file(tmp_path: Path, small_jpeg: bytes) -> None:
    outside = write(tmp_path / "elsewhere" / "secret.jpg", small_jpeg)  # a real JPEG, outside the package
    root = tmp_path / "pkg"
    write(root / "XC-1" / "0001.gif", encode(page(dpi=20), "GIF"))
    write(root / "XC-1" / "0002.fli", b"\x12\xaf" + b"\x00" * 60)
    write(root / "XC-1" / "0003.odt", b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.text")
    write(root / "XC-1" / "0004.jpg", b"")
    write(root / "XC-1" / "0005.jpg", "这不是图像，是一段文字".encode())
    os.symlink(outside, root / "XC-1" / "0006.jpg")
    write(root / "XC-1" / "说明.odt", b"PK\x03\x04")
    pkg = open_package([root], tmp_path / "work")
    # Before: a folder without one readable page was taken for a container, its files stray and unnamed by 档号.
    assert [(f.archive_no, f.pages) for f in pkg.files] == [("XC-1", ())]
    assert problems(pkg) == {
        "XC-1/0001.gif": ("unsupported_format", "XC-1"),
        "XC-1/0002.fli": ("unsupported_format", "XC-1"),
        "XC-1/0003.odt": ("unsupported_format", "XC-1"),
        "XC-1/0004.jpg": ("empty_file", "XC-1"),
        "XC-1/0005.jpg": ("not_an_image", "XC-1"),
        "XC-1/0006.jpg": ("symlink_refused", "XC-1"),
        "XC-1/说明.odt": ("unsupported_format", "XC-1"),
    }
    for problem in pkg.problems:
        assert problem.message.startswith(problem.path + "："), problem
        assert str(tmp_path) not in problem.message  # relative names only, never a server path


def test_links_are_refused_at_every_level_and_never_read(tmp_path: Path, small_jpeg: bytes) -> None:
    outside = write(tmp_path / "elsewhere" / "0001.jpg", small_jpeg)
    root = tmp_path / "pkg"
    write(root / "XC-1" / "0001.jpg", small_jpeg)
    os.symlink(outside, root / "XC-1" / "0002.jpg")  # a page linked in from outside
    write(root / "XC-2" / "一-1" / "001.jpg", small_jpeg)
    os.symlink(outside, root / "XC-2" / "一-1" / "002.jpg")
    os.symlink(outside.parent, root / "XC-3")  # a whole file's folder linked in
    os.symlink(outside, root / "XC-4.pdf")
    pkg = open_package([root], tmp_path / "work")
    assert {f.archive_no: [p.source for p in f.pages] for f in pkg.files} == {
        "XC-1": ["XC-1/0001.jpg"], "XC-2": ["XC-2/一-1/001.jpg"]}
    assert problems(pkg) == {
        "XC-1/0002.jpg": ("symlink_refused", "XC-1"),
        "XC-2/一-1/002.jpg": ("symlink_refused", "XC-2"),
        "XC-3": ("symlink_refused", None),
        "XC-4.pdf": ("symlink_refused", None),
    }


def test_special_files_are_reported_without_being_opened(tmp_path: Path, small_jpeg: bytes) -> None:
    root = tmp_path / "pkg"
    write(root / "XC-1" / "0001.jpg", small_jpeg)
    os.mkfifo(root / "XC-1" / "0002.jpg")  # reading it would block for ever
    pkg = open_package([root], tmp_path / "work")
    assert problems(pkg) == {"XC-1/0002.jpg": ("unsupported_format", "XC-1")}


def test_random_bytes_given_as_the_package_are_named(tmp_path: Path) -> None:
    data = write(tmp_path / "in" / "scan.pdf", os.urandom(4096).replace(b"%PDF-", b"%PDX-"))
    pkg = open_package([data], tmp_path / "work")
    assert pkg.files == ()
    assert problems(pkg) == {"scan.pdf": ("not_an_image", None)}
