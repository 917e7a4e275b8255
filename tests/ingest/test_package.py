"""Opening scan packages: layouts, page order, catalogue sheets, problems, and safe zip extraction."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from archive.demo.package import write_package, write_zip
from archive.demo.people import generate_people
from ingest.errors import PackageError
from ingest.model import Package
from ingest.package import ZipLimits, member_name, open_package, parse_material_folder
from ingest.sources import read_page_bytes
from tests.ingest.helpers import (
    bomb_png,
    encode,
    g4_tiff,
    image_pdf,
    jpeg,
    make_zip,
    page,
    symlink_zip,
    write,
)


@pytest.fixture(scope="module")
def small_jpeg() -> bytes:
    return jpeg(page(dpi=30))


def problems(pkg: Package) -> dict[str, str]:
    return {p.path: p.code for p in pkg.problems}


def sources(pkg: Package, archive_no: str) -> list[str]:
    (file,) = [f for f in pkg.files if f.archive_no == archive_no]
    return [p.source for p in file.pages]


# --- folder names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("4-1-2", (4, 1, 2)),
        ("四-1-2", (4, 1, 2)),
        ("1-3", (1, 0, 3)),
        ("一-3", (1, 0, 3)),
        ("十-2", (10, 0, 2)),
        ("九-二-十一", (9, 2, 11)),
        ("４－１－２", (4, 1, 2)),  # full-width digits and dash
        ("4_1_2", (4, 1, 2)),
        ("XC-1", None),
        ("11-1", None),  # there are ten classes
        ("4-1-0", None),
        ("2020-15", None),
        ("附件", None),
    ],
)
def test_material_folder_names(name: str, expected: tuple[int, int, int] | None) -> None:
    assert parse_material_folder(name) == expected


# --- layouts ------------------------------------------------------------------------------------------


def test_flat_layout_in_running_number_order_gaps_kept(tmp_path: Path, small_jpeg: bytes) -> None:
    for name in ("10.jpg", "2.jpg", "1.jpg", "0005.jpg"):
        write(tmp_path / "pkg" / "XC-1" / name, small_jpeg)
    write(tmp_path / "pkg" / "XC-2" / "XC-2-0002.jpg", small_jpeg)  # 档号 + 流水号 in the name
    write(tmp_path / "pkg" / "XC-2" / "XC-2-0001.jpg", small_jpeg)
    pkg = open_package([tmp_path / "pkg"], tmp_path / "work")
    assert pkg.root == str((tmp_path / "pkg").resolve())
    assert sources(pkg, "XC-1") == ["XC-1/1.jpg", "XC-1/2.jpg", "XC-1/0005.jpg", "XC-1/10.jpg"]
    (file,) = [f for f in pkg.files if f.archive_no == "XC-1"]
    assert file.layout == "flat"
    assert [p.order for p in file.pages] == [1, 2, 3, 4]
    assert all(p.material is None and p.page_in_material is None for p in file.pages)
    assert sources(pkg, "XC-2") == ["XC-2/XC-2-0001.jpg", "XC-2/XC-2-0002.jpg"]
    assert pkg.problems == ()


def test_structured_layout_orders_by_class_subclass_seq_then_page(tmp_path: Path, small_jpeg: bytes) -> None:
    root = tmp_path / "pkg" / "XC-9"
    two_frames = g4_tiff([page(dpi=30), page(seed=2, dpi=30)], dpi=30)
    for folder, names in {
        "十-1": ["001.jpg"],
        "四-1-2": ["002.jpg", "001.jpg"],
        "4-1-1": ["001.tif"],
        "一-3": ["1.jpg", "10.jpg", "2.jpg"],
        "1-1": ["001.jpg"],
        "9-2-1": ["001.jpg"],
    }.items():
        for name in names:
            write(root / folder / name, two_frames if name.endswith(".tif") else small_jpeg)
    pkg = open_package([tmp_path / "pkg"], tmp_path / "work")
    (file,) = pkg.files
    assert file.layout == "structured"
    got = [(p.source, p.index, p.material, p.page_in_material, p.order) for p in file.pages]
    assert got == [
        ("XC-9/1-1/001.jpg", 0, (1, 0, 1), 1, 1),
        ("XC-9/一-3/1.jpg", 0, (1, 0, 3), 1, 2),
        ("XC-9/一-3/2.jpg", 0, (1, 0, 3), 2, 3),
        ("XC-9/一-3/10.jpg", 0, (1, 0, 3), 3, 4),
        ("XC-9/4-1-1/001.tif", 0, (4, 1, 1), 1, 5),  # a two-page TIFF: both frames, in order
        ("XC-9/4-1-1/001.tif", 1, (4, 1, 1), 2, 6),
        ("XC-9/四-1-2/001.jpg", 0, (4, 1, 2), 1, 7),
        ("XC-9/四-1-2/002.jpg", 0, (4, 1, 2), 2, 8),
        ("XC-9/9-2-1/001.jpg", 0, (9, 2, 1), 1, 9),
        ("XC-9/十-1/001.jpg", 0, (10, 0, 1), 1, 10),
    ]
    assert pkg.problems == ()


def test_single_multipage_pdf_and_tiff_files(tmp_path: Path) -> None:
    im = page(dpi=30)
    write(tmp_path / "pkg" / "XC-1.pdf", image_pdf(jpeg(im), im.size, dpi=30, pages=3))
    write(tmp_path / "pkg" / "XC-2.TIFF", g4_tiff([im, im], dpi=30))
    pkg = open_package([tmp_path / "pkg"], tmp_path / "work")
    by_no = {f.archive_no: f for f in pkg.files}
    assert by_no["XC-1"].layout == by_no["XC-2"].layout == "single"
    assert [(p.source, p.index, p.order) for p in by_no["XC-1"].pages] == [
        ("XC-1.pdf", 0, 1), ("XC-1.pdf", 1, 2), ("XC-1.pdf", 2, 3)]
    assert [p.label for p in by_no["XC-2"].pages] == ["XC-2.TIFF p.1", "XC-2.TIFF p.2"]


def test_demo_packages_open_and_every_page_reads(tmp_path: Path) -> None:
    people = generate_people(2, seed=11)
    flat = write_package(tmp_path / "flat", people, images_for=1, dpi=30)
    structured = write_package(tmp_path / "structured", people, images_for=1, dpi=30, layout="structured",
                               image_format="tif", sheet_format="csv")
    for folder, layout in ((flat, "flat"), (structured, "structured")):
        pkg = open_package([folder], tmp_path / "work")
        assert set(pkg.catalogue_sources) >= {f"目录.{'xlsx' if layout == 'flat' else 'csv'}"}
        (file,) = pkg.files
        assert file.archive_no == people[0].archive_no and file.layout == layout
        assert len(file.pages) == sum(m.pages for m in people[0].materials)
        assert pkg.problems == ()
        for ref in file.pages:
            read_page_bytes(Path(pkg.root), ref)


def test_a_file_folder_given_alone_is_one_file(tmp_path: Path, small_jpeg: bytes) -> None:
    write(tmp_path / "XC-7" / "0001.jpg", small_jpeg)
    pkg = open_package([tmp_path / "XC-7"], tmp_path / "work")
    assert pkg.root == str(tmp_path.resolve())
    assert [(f.archive_no, sources(pkg, f.archive_no)) for f in pkg.files] == [("XC-7", ["XC-7/0001.jpg"])]


def test_nested_batches_and_several_inputs(tmp_path: Path, small_jpeg: bytes) -> None:
    write(tmp_path / "a" / "批次1" / "XC-1" / "0001.jpg", small_jpeg)
    write(tmp_path / "b" / "XC-2" / "0001.jpg", small_jpeg)
    write(tmp_path / "b" / "目录.csv", "档号,类号\n".encode())
    zipped = make_zip(tmp_path / "c.zip", {"XC-3/0001.jpg": small_jpeg})
    pkg = open_package([tmp_path / "a", tmp_path / "b" / "XC-2", tmp_path / "b" / "目录.csv", zipped],
                       tmp_path / "work")
    root = Path(pkg.root)
    assert root.parent == tmp_path / "work"
    assert {f.archive_no: sources(pkg, f.archive_no) for f in pkg.files} == {
        "XC-1": ["a/批次1/XC-1/0001.jpg"],
        "XC-2": ["XC-2/0001.jpg"],
        "XC-3": ["c/XC-3/0001.jpg"],
    }
    assert pkg.catalogue_sources == ("目录.csv",)
    for file in pkg.files:
        assert read_page_bytes(root, file.pages[0]) == (small_jpeg, "jpeg")


# --- catalogue sheets and problems --------------------------------------------------------------------


def test_catalogue_sheets_found_by_name_or_sheet_names(tmp_path: Path, small_jpeg: bytes) -> None:
    root = tmp_path / "pkg"
    write(root / "目录.csv", "档号,类号,序号\n".encode("gb18030"))
    write(root / "人员.xlsx", b"")  # named as a catalogue: the importer will judge its content
    book = openpyxl.Workbook()
    book.active.title = "目录"
    book.create_sheet("人员")
    book.save(write(root / "批次一.xlsx", b""))
    other = openpyxl.Workbook()
    other.active.title = "Sheet1"
    other.save(write(root / "说明.xlsx", b""))
    write(root / "XC-1" / "0001.jpg", small_jpeg)
    pkg = open_package([root], tmp_path / "work")
    assert pkg.catalogue_sources == ("人员.xlsx", "批次一.xlsx", "目录.csv")
    assert problems(pkg) == {"说明.xlsx": "unsupported_format"}


def test_unsupported_and_misplaced_files_become_problems_not_exceptions(tmp_path: Path, small_jpeg: bytes) -> None:
    root = tmp_path / "pkg"
    write(root / "XC-1" / "0001.jpg", small_jpeg)
    write(root / "XC-1" / "0002.jpg", encode(page(dpi=20), "BMP"))  # a BMP renamed .jpg
    write(root / "XC-1" / "0003.gif", encode(page(dpi=20), "GIF"))
    write(root / "XC-1" / "0004.docx", b"PK\x03\x04" + b"\x00" * 40)
    write(root / "XC-1" / "0005.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 20)
    write(root / "XC-1" / "0006.jpg", b"\x13\x37 random bytes")
    write(root / "XC-1" / "扫描.jpg", small_jpeg)  # no running number: order unknown
    write(root / "XC-1" / "Thumbs.db", b"\xd0\xcf\x11\xe0junk")  # ignored silently
    write(root / "XC-1" / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(root / "._XC-1", b"\x00\x05\x16\x07")
    write(root / "stray.jpg", small_jpeg)  # a page outside any 档号 folder
    write(root / "readme.txt", "说明".encode())
    pkg = open_package([root], tmp_path / "work")
    assert sources(pkg, "XC-1") == ["XC-1/0001.jpg"]
    assert problems(pkg) == {
        "XC-1/0002.jpg": "unsupported_format",
        "XC-1/0003.gif": "unsupported_format",
        "XC-1/0004.docx": "unsupported_format",
        "XC-1/0005.heic": "unsupported_format",
        "XC-1/0006.jpg": "not_an_image",  # named a page, holds no image at all (issue 8, item 13)
        "XC-1/扫描.jpg": "bad_layout",
        "readme.txt": "unsupported_format",
        "stray.jpg": "bad_layout",
    }
    messages = {p.path: p.message for p in pkg.problems}
    assert messages["XC-1/0002.jpg"].startswith("XC-1/0002.jpg：不支持的文件格式（BMP")
    assert "HEIC" in messages["XC-1/0005.heic"]
    assert all(p.archive_no == "XC-1" for p in pkg.problems if p.path.startswith("XC-1/"))


def test_unreadable_pdfs_and_duplicate_archive_numbers(tmp_path: Path, small_jpeg: bytes) -> None:
    root = tmp_path / "pkg"
    im = page(dpi=30)
    write(root / "XC-1.pdf", image_pdf(jpeg(im), im.size, dpi=30, password="secret"))
    write(root / "XC-2.pdf", b"%PDF-1.7\nnot really\n")
    write(root / "XC-3" / "0001.jpg", small_jpeg)
    write(root / "XC-3.pdf", image_pdf(jpeg(im), im.size, dpi=30))
    write(root / "XC-4" / "一-1" / "001.jpg", small_jpeg)
    write(root / "XC-4" / "附件" / "001.jpg", small_jpeg)
    write(root / "XC-4" / "一-2" / "Thumbs.db", b"")
    pkg = open_package([root], tmp_path / "work")
    assert [f.archive_no for f in pkg.files] == ["XC-3", "XC-4"]
    assert sources(pkg, "XC-3") == ["XC-3/0001.jpg"]  # the folder came first; the PDF is the duplicate
    assert problems(pkg) == {
        "XC-1.pdf": "encrypted_pdf",
        "XC-2.pdf": "broken_pdf",
        "XC-3.pdf": "duplicate_file",
        "XC-4/附件": "bad_layout",
        "XC-4/一-2": "bad_layout",
    }


def test_missing_input_is_a_package_error(tmp_path: Path) -> None:
    with pytest.raises(PackageError) as caught:
        open_package([tmp_path / "nope"], tmp_path / "work")
    assert caught.value.code == "bad_package"
    with pytest.raises(PackageError):
        open_package([], tmp_path / "work")


# --- zips ---------------------------------------------------------------------------------------------


def test_demo_zip_is_extracted_into_the_workdir(tmp_path: Path) -> None:
    people = generate_people(1, seed=4)
    zipped = write_zip(tmp_path / "batch.zip", people, dpi=30, layout="structured")
    pkg = open_package([zipped], tmp_path / "work")
    assert Path(pkg.root).is_relative_to(tmp_path / "work")
    assert set(pkg.catalogue_sources) == {"目录.xlsx", "人员.xlsx"}
    (file,) = pkg.files
    assert len(file.pages) == sum(m.pages for m in people[0].materials)


def test_zip_with_one_top_folder_uses_it_as_root(tmp_path: Path, small_jpeg: bytes) -> None:
    zipped = make_zip(tmp_path / "b.zip", {"批次/目录.csv": b"x", "批次/XC-1/0001.jpg": small_jpeg})
    pkg = open_package([zipped], tmp_path / "work")
    assert Path(pkg.root).name == "批次"
    assert pkg.catalogue_sources == ("目录.csv",)
    assert sources(pkg, "XC-1") == ["XC-1/0001.jpg"]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_zip_names_without_the_utf8_flag_are_recovered(tmp_path: Path, small_jpeg: bytes, encoding: str) -> None:
    zipped = make_zip(tmp_path / "gbk.zip", {"西城-002/0001.jpg": small_jpeg}, name_encoding=encoding)
    with zipfile.ZipFile(zipped) as zf:
        (info,) = zf.infolist()
        assert not info.flag_bits & 0x800
        assert member_name(info) == "西城-002/0001.jpg"
    zipped = make_zip(tmp_path / "gbk.zip", {"档案/目录.csv": b"x", "档案/西城-001/四-1-2/001.jpg": small_jpeg},
                      name_encoding=encoding)
    pkg = open_package([zipped], tmp_path / "work")
    assert pkg.catalogue_sources == ("目录.csv",)
    assert sources(pkg, "西城-001") == ["西城-001/四-1-2/001.jpg"]


@pytest.mark.parametrize("name", ["../evil.jpg", "/etc/evil.jpg", "XC-1/../../evil.jpg", "C:/evil.jpg",
                                  "..\\evil.jpg"])
def test_zip_slip_is_refused_before_anything_is_written(tmp_path: Path, small_jpeg: bytes, name: str) -> None:
    zipped = make_zip(tmp_path / "in" / "slip.zip", {"XC-1/0001.jpg": small_jpeg, name: b"owned"})
    with pytest.raises(PackageError, match="evil.jpg") as caught:
        open_package([zipped], tmp_path / "work")
    assert caught.value.code == "bad_package"
    assert not list(tmp_path.rglob("evil.jpg"))
    assert not list((tmp_path / "work").rglob("*.jpg"))  # checked first, extracted after


def test_zip_symlink_member_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="符号链接"):
        open_package([symlink_zip(tmp_path / "link.zip")], tmp_path / "work")


def test_zip_bomb_ratio_is_refused_naming_the_member(tmp_path: Path) -> None:
    zipped = make_zip(tmp_path / "bomb.zip", {"XC-1/0001.png": bytes(8 << 20)}, compress=zipfile.ZIP_DEFLATED)
    with pytest.raises(PackageError, match=r"XC-1/0001\.png") as caught:
        open_package([zipped], tmp_path / "work")
    assert "压缩比" in str(caught.value)


def test_zip_limits_on_members_and_total_size(tmp_path: Path, small_jpeg: bytes) -> None:
    members = {f"XC-1/{n:04d}.jpg": small_jpeg for n in range(1, 6)}
    zipped = make_zip(tmp_path / "many.zip", members)
    with pytest.raises(PackageError, match="成员过多"):
        open_package([zipped], tmp_path / "work", limits=ZipLimits(max_members=4))
    with pytest.raises(PackageError, match=r"总大小.*XC-1/0003\.jpg"):
        open_package([zipped], tmp_path / "work", limits=ZipLimits(max_total_bytes=len(small_jpeg) * 2 + 1))
    assert len(open_package([zipped], tmp_path / "work").files[0].pages) == 5


def test_damaged_zip_is_a_package_error(tmp_path: Path) -> None:
    write(tmp_path / "bad.zip", b"PK\x03\x04 definitely not a zip")
    with pytest.raises(PackageError, match="zip"):
        open_package([tmp_path / "bad.zip"], tmp_path / "work")


def test_bomb_png_inside_a_package_is_listed_and_fails_later(tmp_path: Path) -> None:
    # Opening the package does not decode pixels: the bomb is a page like any other until decode().
    write(tmp_path / "pkg" / "XC-1" / "0001.png", bomb_png())
    pkg = open_package([tmp_path / "pkg"], tmp_path / "work")
    assert sources(pkg, "XC-1") == ["XC-1/0001.png"]
