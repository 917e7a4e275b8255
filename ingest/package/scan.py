"""Walking a package's folders: the three layouts, page counting, and a problem for whatever is not a page."""

import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import IngestError
from ingest.model import FileRef, PackageProblem, PageRef
from ingest.package.names import _head, _ignored, _is_catalogue, _natural_key, _running_number, parse_material_folder
from ingest.sources import count_pdf_pages, count_tiff_pages, describe_unknown, sniff

log = logging.getLogger(__name__)



@dataclass
class _Entry:
    """A visible file or folder with what its bytes say it is."""

    path: Path
    is_dir: bool
    fmt: str | None = None  # sniffed page format for files
    head: bytes = b""
    symlink: bool = False  # a link inside the package: listed so that it is reported, never read
    special: bool = False  # a device, pipe or socket: reported, never opened (reading a pipe would block)


@dataclass
class _Scan:
    """What a package walk collects."""

    root: Path
    files: list[FileRef] = field(default_factory=list)
    catalogues: list[str] = field(default_factory=list)
    problems: list[PackageProblem] = field(default_factory=list)
    archive_sources: dict[str, str] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def problem(self, path: Path, code: str, message: str, archive_no: str | None = None) -> None:
        rel = self.rel(path)
        self.problems.append(PackageProblem(rel, code, f"{rel}：{message}", archive_no))
        log.info("package problem %s: %s (%s)", code, rel, message)

    def add_file(self, ref: FileRef, where: Path) -> None:
        first = self.archive_sources.get(ref.archive_no)
        if first is not None:
            self.problem(where, "duplicate_file", f"档号 {ref.archive_no} 已出现在 {first}，此处的文件未采用",
                         ref.archive_no)
            return
        self.archive_sources[ref.archive_no] = self.rel(where)
        self.files.append(ref)


_MAX_DEPTH = 12


def _entries(folder: Path, scan: _Scan) -> list[_Entry]:
    """Visible children of ``folder`` in natural order, files sniffed; nested symlinks are not followed."""
    out: list[_Entry] = []
    try:
        children = sorted(folder.iterdir(), key=lambda p: _natural_key(p.name))
    except OSError as exc:
        scan.problem(folder, "bad_layout", f"无法读取文件夹（{exc.strerror or exc}）")
        return out
    for child in children:
        if _ignored(child.name):
            continue
        if child.is_symlink():
            # Not followed, not even sniffed: the file it names may lie anywhere on the server.  Kept as an
            # entry so that the folder's layout and archive number decide whom the refusal is reported to.
            out.append(_Entry(child, False, symlink=True))
            continue
        out.append(entry_for(child))
    return out


def entry_for(path: Path) -> _Entry:
    """The entry of a folder, a file (sniffed by its first bytes) or anything else (a device, a socket)."""
    if path.is_dir():
        return _Entry(path, True)
    if path.is_file():
        head = _head(path)
        return _Entry(path, False, sniff(head), head)
    return _Entry(path, False, special=True)


def _layout(folder: Path, entries: list[_Entry]) -> str:
    """``flat``, ``structured`` or ``container`` for a folder, from what it holds."""
    archive_no = unicodedata.normalize("NFC", folder.name)
    if any(not e.is_dir and e.fmt and _running_number(e.path.stem, archive_no) is not None for e in entries):
        return "flat"
    if any(e.is_dir and parse_material_folder(e.path.name) for e in entries):
        return "structured"
    # A folder of numbered files none of which is a usable page (0001.gif, an empty 0002.jpg, a link) is still
    # a file's folder: its files are rejected as that file's, not scattered as stray files of the package.
    if entries and not any(e.is_dir for e in entries) and any(
            _running_number(e.path.stem, archive_no) is not None for e in entries):
        return "flat"
    return "container"


def _count_pages(entry: _Entry, scan: _Scan, archive_no: str) -> int:
    """Pages in one page file (0 when it cannot be counted: the problem is recorded)."""
    rel = scan.rel(entry.path)
    count = 1
    try:
        if entry.fmt == "tiff":
            count = count_tiff_pages(entry.path, rel)
        elif entry.fmt == "pdf":
            count = count_pdf_pages(entry.path, rel)
    except IngestError as exc:
        scan.problem(entry.path, exc.code, exc.detail, archive_no)
        return 0
    if entry.fmt in ("tiff", "pdf") and count == 0:
        scan.problem(entry.path, "corrupt_image" if entry.fmt == "tiff" else "broken_pdf", "文件中没有页面",
                     archive_no)
    return count


# Extensions that promise a page image: a file so named whose bytes are no image is "not an image".
_PAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".png", ".jp2", ".j2k", ".jpx", ".jpf",
                            ".pdf"})
_OTHER_IMAGES = ("BMP", "GIF", "HEIC", "WebP")  # what describe_unknown names that is an image, of a kind we refuse


def _refusal(entry: _Entry) -> tuple[str, str]:
    """The code and message for a file that cannot be a page, from its name and first bytes."""
    if entry.symlink:
        return "symlink_refused", "符号链接（快捷方式）不会被跟随，未采用：请放入文件本身"
    if entry.special:
        return "unsupported_format", "不是普通文件（设备、管道或套接字），未采用"
    what = describe_unknown(entry.head)
    if not entry.head:
        try:
            empty = entry.path.stat().st_size == 0
        except OSError:
            empty = True
        if empty:
            return "empty_file", "空文件（0 字节），未采用"
    if entry.path.suffix.lower() in _PAGE_SUFFIXES and not what.startswith(_OTHER_IMAGES):
        return "not_an_image", f"文件名是 {entry.path.suffix} 但内容不是页面图像（{what}），未采用"
    return "unsupported_format", f"不支持的文件格式（{what}），只接受 JPEG、TIFF、PNG、JPEG 2000 和纯图像 PDF"


def _other_file(entry: _Entry, scan: _Scan, archive_no: str | None, misplaced: str) -> None:
    """A file that is not a page here: a catalogue, a misplaced page file, or something refused."""
    if not (entry.symlink or entry.special) and _is_catalogue(entry.path):
        scan.catalogues.append(scan.rel(entry.path))
    elif entry.fmt is not None:
        scan.problem(entry.path, "bad_layout", misplaced, archive_no)
    else:
        scan.problem(entry.path, *_refusal(entry), archive_no)


def _pages_of(entry: _Entry, scan: _Scan, archive_no: str, order: int,
              material: tuple[int, int, int] | None = None, first_in_material: int = 1) -> list[PageRef]:
    count = _count_pages(entry, scan, archive_no)
    rel = scan.rel(entry.path)
    return [PageRef(archive_no, rel, order + i, index=i, material=material,
                    page_in_material=first_in_material + i if material else None) for i in range(count)]


def _flat(folder: Path, entries: list[_Entry], scan: _Scan) -> None:
    archive_no = unicodedata.normalize("NFC", folder.name).strip()
    numbered: list[tuple[int, str, _Entry]] = []
    for e in entries:
        if e.is_dir:
            scan.problem(e.path, "bad_layout", "按流水号排列的档案文件夹中不应再有子文件夹，其中的文件未采用",
                         archive_no)
            continue
        number = _running_number(e.path.stem, archive_no) if e.fmt else None
        if number is None:
            _other_file(e, scan, archive_no, "文件名不是流水号（如 0001.jpg），无法确定页序，未采用")
        else:
            numbered.append((number, e.path.name, e))
    numbered.sort(key=lambda t: (t[0], _natural_key(t[1])))
    pages: list[PageRef] = []
    for _, _, e in numbered:
        pages += _pages_of(e, scan, archive_no, len(pages) + 1)
    scan.add_file(FileRef(archive_no, "flat", tuple(pages)), folder)


def _structured(folder: Path, entries: list[_Entry], scan: _Scan) -> None:
    archive_no = unicodedata.normalize("NFC", folder.name).strip()
    materials: list[tuple[tuple[int, int, int], _Entry]] = []
    for e in entries:
        if e.is_dir:
            key = parse_material_folder(e.path.name)
            if key is None:
                scan.problem(e.path, "bad_layout", "文件夹名不是“类号-序号”（如 4-1-2、一-3），其中的文件未采用",
                             archive_no)
            else:
                materials.append((key, e))
        else:
            _other_file(e, scan, archive_no, "页面文件应放在“类号-序号”材料文件夹中，未采用")
    materials.sort(key=lambda t: (t[0], _natural_key(t[1].path.name)))
    pages: list[PageRef] = []
    for key, e in materials:
        in_material: list[PageRef] = []
        for page_file in _entries(e.path, scan):
            if page_file.is_dir:
                scan.problem(page_file.path, "bad_layout", "材料文件夹中不应再有子文件夹，其中的文件未采用", archive_no)
            elif page_file.fmt is None or _is_catalogue(page_file.path):
                _other_file(page_file, scan, archive_no, "")
            else:
                in_material += _pages_of(page_file, scan, archive_no, len(pages) + len(in_material) + 1,
                                         key, len(in_material) + 1)
        if not in_material:
            scan.problem(e.path, "bad_layout", "材料文件夹中没有页面", archive_no)
        pages += in_material
    scan.add_file(FileRef(archive_no, "structured", tuple(pages)), folder)


def _single(entry: _Entry, scan: _Scan) -> None:
    archive_no = unicodedata.normalize("NFC", entry.path.stem).strip()
    pages = _pages_of(entry, scan, archive_no, 1)
    if pages:
        scan.add_file(FileRef(archive_no, "single", tuple(pages)), entry.path)


def _folder(folder: Path, scan: _Scan, depth: int) -> None:
    """Scan one folder: a file folder (flat or structured) or a container of more."""
    entries = _entries(folder, scan)
    layout = _layout(folder, entries)
    if layout == "flat":
        _flat(folder, entries, scan)
    elif layout == "structured":
        _structured(folder, entries, scan)
    else:
        _container(entries, scan, depth)


def _container(entries: list[_Entry], scan: _Scan, depth: int) -> None:
    for e in entries:
        if e.is_dir:
            if depth >= _MAX_DEPTH:
                scan.problem(e.path, "bad_layout", "文件夹嵌套过深，未扫描")
            else:
                _folder(e.path, scan, depth + 1)
        elif e.fmt in ("pdf", "tiff") and not _is_catalogue(e.path):
            _single(e, scan)
        else:
            _other_file(e, scan, None, "单页图像应放在以档号命名的文件夹中（如 档号/0001.jpg），未采用")
