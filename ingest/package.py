"""Opening a scan package: find its catalogue sheets and, for every file (案卷), its pages in order.

A package (docs/scan-package.md) is a folder, a .zip, or several files and folders.  It holds
``目录.xlsx|csv`` and ``人员.xlsx|csv`` (or any workbook with sheets 目录/人员) and page images per file
in one of three layouts:

* flat — ``<档号>/0001.jpg, 0002.jpg …``: pages in running-number order (``<档号>-0001.jpg`` is read the
  same way); gaps in the numbering are kept as given, QC reports them;
* structured — ``<档号>/<类号>-<序号>/001.tif …``, the folder naming the material: ``4-1-2``, ``四-1-2``,
  ``1-3``, ``一-3``; pages ordered by class, sub-class, 序号, then file name;
* single — one multi-page ``<档号>.pdf`` or ``<档号>.tif``.

Folders may nest (a batch folder holding 档号 folders).  Formats are told by their bytes, never by their
extension; a multi-page TIFF or PDF is counted when the package is opened, so each of its pages gets a
:class:`~ingest.model.PageRef`.  Whatever cannot be a page becomes a :class:`~ingest.model.PackageProblem`
rather than an exception; codes:

``unsupported_format``
    a file of a type we do not keep (a .docx, .odt, .bmp, .gif, .heic, a stray text file);
``not_an_image``
    a file named as a page (``.jpg``, ``.tif``, ``.png``, ``.jp2``, ``.pdf``) whose bytes are no image at all
    (text, random bytes, an Office document renamed);
``empty_file``
    a file of 0 bytes;
``symlink_refused``
    a symbolic link inside the package: never followed, whatever it points at (a link could reach any
    file on the server);
``encrypted_pdf``, ``broken_pdf``, ``corrupt_image``
    a PDF or TIFF whose pages cannot even be counted;
``bad_layout``
    a file in the wrong place (an image outside a 档号 folder, a page file without a running number, a
    folder whose name is not ``类号-序号``, an empty material folder);
``duplicate_file``
    a second file with a 档号 already seen (the first one is kept).

Only an unusable package as a whole raises (:class:`~ingest.errors.PackageError`): a missing path, a
damaged zip, or a zip that is unsafe to extract — absolute or ``..`` member paths (zip-slip), symbolic
links, too many members, too many bytes in all, or a member compressed more than 200:1 (a zip bomb).
Zips made on Chinese Windows store GBK names without the UTF-8 flag; those names are recovered.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import IngestError, PackageError
from ingest.model import FileRef, Package, PackageProblem, PageRef
from ingest.sources import SNIFF_BYTES, count_pdf_pages, count_tiff_pages, describe_unknown, sniff

__all__ = ["ZipLimits", "member_name", "open_package", "parse_material_folder"]

log = logging.getLogger(__name__)


# --- zip extraction -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZipLimits:
    """What a zip may hold before it is refused as a whole."""

    max_members: int = 200_000
    max_total_bytes: int = 50 * 2**30  # 50 GiB uncompressed
    max_ratio: float = 200.0  # uncompressed/compressed, per member …
    ratio_floor: int = 1 << 20  # … checked on members of at least 1 MiB (tiny members prove nothing)


_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_UNICODE_PATH_EXTRA = 0x7075  # Info-ZIP Unicode Path extra field
_COPY_CHUNK = 1 << 20


def _unicode_path(info: zipfile.ZipInfo, raw_name: bytes) -> str | None:
    """The UTF-8 name in an Info-ZIP Unicode Path extra field, if present and matching the header name."""
    extra, pos = info.extra, 0
    while pos + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[pos:pos + 4])
        body = extra[pos + 4:pos + 4 + size]
        pos += 4 + size
        if kind == _UNICODE_PATH_EXTRA and len(body) > 5 and body[0] == 1:
            (crc,) = struct.unpack("<I", body[1:5])
            if crc == zlib.crc32(raw_name):  # a stale field (name changed since) is ignored, as the spec says
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
    return None


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as its author wrote it.

    Without the UTF-8 flag, zipfile decodes names as CP437.  Zips made by Windows Explorer on a Chinese
    system store GBK there, and Linux tools often store UTF-8 without setting the flag: the CP437 text is
    turned back into its bytes and read as UTF-8, then GB18030 (a superset of GBK), before CP437 is
    accepted as meant.
    """
    if info.flag_bits & _UTF8_FLAG:
        return info.orig_filename
    try:
        raw = info.orig_filename.encode("cp437")
    except UnicodeEncodeError:  # already decoded otherwise (e.g. from a Unicode extra field)
        return info.orig_filename
    unicode_name = _unicode_path(info, raw)
    if unicode_name:
        return unicode_name
    if raw.isascii():
        return info.orig_filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.orig_filename


def _safe_parts(name: str, zip_label: str) -> list[str]:
    """Path components of a member name; :class:`PackageError` for absolute or escaping paths."""
    normal = name.replace("\\", "/")
    if normal.startswith("/") or re.match(r"^[A-Za-z]:", normal):
        raise PackageError(f"压缩包成员使用了绝对路径，拒绝解压：{name}", zip_label)
    parts = [p for p in normal.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise PackageError(f"压缩包成员路径含有“..”，可能写到解压目录之外（zip-slip），拒绝解压：{name}", zip_label)
    if any("\x00" in p for p in parts):
        raise PackageError(f"压缩包成员名称含有空字符：{name!r}", zip_label)
    return [unicodedata.normalize("NFC", p) for p in parts]


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _plan_zip(zf: zipfile.ZipFile, zip_label: str, limits: ZipLimits) -> list[tuple[zipfile.ZipInfo, list[str]]]:
    """Check every member before anything is written; return the members to extract with their paths."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise PackageError(f"压缩包成员过多（{len(infos):,} 个，上限 {limits.max_members:,} 个）", zip_label)
    plan: list[tuple[zipfile.ZipInfo, list[str]]] = []
    seen: set[tuple[str, ...]] = set()
    total = 0
    for info in infos:
        name = member_name(info)
        parts = _safe_parts(name, zip_label)
        if _is_symlink(info):
            raise PackageError(f"压缩包中含有符号链接，拒绝解压：{name}", zip_label)
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise PackageError(f"压缩包成员已加密，无法解压：{name}", zip_label)
        if not parts or parts[0] == "__MACOSX":  # macOS resource forks: not part of the package
            continue
        total += info.file_size
        if total > limits.max_total_bytes:
            raise PackageError(
                f"压缩包解压后总大小超过上限 {limits.max_total_bytes / 2**30:g} GiB（在成员 {name} 处）", zip_label)
        if info.file_size >= limits.ratio_floor and (
                info.file_size > limits.max_ratio * max(1, info.compress_size)):
            ratio = info.file_size / max(1, info.compress_size)
            raise PackageError(
                f"压缩包成员压缩比异常（{ratio:,.0f}:1，上限 {limits.max_ratio:g}:1），疑似压缩炸弹：{name}", zip_label)
        if info.is_dir():
            continue
        key = tuple(parts)
        if key in seen:
            raise PackageError(f"压缩包中有重名成员：{name}", zip_label)
        seen.add(key)
        plan.append((info, parts))
    return plan


def _extract_zip(zip_path: Path, dest: Path, limits: ZipLimits) -> None:
    """Extract ``zip_path`` into the empty folder ``dest``, refusing unsafe or oversized archives."""
    zip_label = zip_path.name
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"不是有效的 zip 压缩包（{exc}）", zip_label) from exc
    with zf:
        plan = _plan_zip(zf, zip_label, limits)
        root = dest.resolve()
        for info, parts in plan:
            target = dest.joinpath(*parts)
            # Belt and braces: the parts were checked, but the resolved path must still lie inside dest.
            if root not in target.resolve().parents:
                raise PackageError(f"压缩包成员将写到解压目录之外：{'/'.join(parts)}", zip_label)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(_COPY_CHUNK):
                        written += len(chunk)
                        if written > info.file_size:  # never trust the header over the data
                            raise PackageError(f"压缩包成员实际大小超过声明：{'/'.join(parts)}", zip_label)
                        out.write(chunk)
            except PackageError:
                raise
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise PackageError(f"压缩包成员已损坏：{'/'.join(parts)}（{exc}）", zip_label) from exc
            except NotImplementedError as exc:
                raise PackageError(f"压缩包成员使用了不支持的压缩方法：{'/'.join(parts)}", zip_label) from exc
            except OSError as exc:
                raise PackageError(f"无法解压成员 {'/'.join(parts)}（{exc.strerror or exc}）", zip_label) from exc
    log.info("extracted %s: %d files into %s", zip_label, len(plan), dest)


# --- names --------------------------------------------------------------------------------------------

_IGNORED = frozenset({"thumbs.db", "desktop.ini", "__macosx", "$recycle.bin", "system volume information"})
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_NUMBER = r"(\d+|[〇零一二两三四五六七八九十]+)"
_SEP = r"\s*[-_.—–~·]\s*"
_MATERIAL_RE = re.compile(rf"^{_NUMBER}{_SEP}{_NUMBER}(?:{_SEP}{_NUMBER})?$")


def _ignored(name: str) -> bool:
    """Dot-files (.DS_Store, ._x), Office lock files (~$x.xlsx), Thumbs.db and the like: skipped silently."""
    return name.startswith((".", "~$")) or name.casefold() in _IGNORED


def _chinese_number(text: str) -> int | None:
    """一 … 九十九 (and 〇-style digit strings like 一〇); ``None`` when it is not one."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        if all(c in _CN_DIGITS for c in text):
            return int("".join(str(_CN_DIGITS[c]) for c in text))
        return None
    tens, _, ones = text.partition("十")
    if "十" in ones or (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def parse_material_folder(name: str) -> tuple[int, int, int] | None:
    """``(class_no, subclass, seq)`` from a structured-layout folder name, ``subclass`` 0 when absent.

    ``4-1-2`` and ``四-1-2`` are class 4, sub-class 1, 序号 2; ``1-3`` and ``一-3`` class 1, 序号 3.
    Full-width digits and dashes are folded first.  A class outside 1–10 or a zero 序号 is no material.
    """
    folded = unicodedata.normalize("NFKC", name).strip()
    match = _MATERIAL_RE.match(folded)
    if not match:
        return None
    parsed = [_chinese_number(g) for g in match.groups() if g is not None]
    numbers = [n for n in parsed if n is not None]
    if len(numbers) != len(parsed):
        return None
    if len(numbers) == 2:
        class_no, seq = numbers
        subclass = 0
    else:
        class_no, subclass, seq = numbers
    if not 1 <= class_no <= 10 or seq < 1 or subclass < 0:
        return None
    return class_no, subclass, seq


def _natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort ``2.tif`` before ``10.tif``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold())
                 for part in re.split(r"(\d+)", unicodedata.normalize("NFKC", name)) if part)


def _running_number(stem: str, archive_no: str) -> int | None:
    """The running number of a flat-layout page file: ``0003`` or ``<档号>-0003``."""
    stem = unicodedata.normalize("NFKC", stem).strip()
    if stem.isascii() and stem.isdigit():
        return int(stem)
    match = re.match(rf"^{re.escape(archive_no)}\s*[-_ .]?\s*(\d+)$", stem)
    return int(match.group(1)) if match else None


_CATALOGUE_STEMS = ("目录", "人员")
_WORKBOOK_SHEET_RE = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"")


def _workbook_sheets(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return []
    return [html.unescape(m.decode("utf-8", "replace")) for m in _WORKBOOK_SHEET_RE.findall(xml)]


def _is_catalogue(path: Path) -> bool:
    stem = unicodedata.normalize("NFC", path.stem).strip()
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".csv") and stem in _CATALOGUE_STEMS:
        return True
    return suffix in (".xlsx", ".xlsm") and any(s.strip() in _CATALOGUE_STEMS for s in _workbook_sheets(path))


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except OSError:
        return b""


# --- scanning -----------------------------------------------------------------------------------------


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
        if child.is_dir():
            out.append(_Entry(child, True))
        elif child.is_file():
            head = _head(child)
            out.append(_Entry(child, False, sniff(head), head))
        else:
            out.append(_Entry(child, False, special=True))
    return out


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


# --- the entry point ----------------------------------------------------------------------------------


def _fresh_dir(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        candidate = parent / (name if n == 1 else f"{name}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise PackageError(f"工作目录中无法创建解压目录：{parent}")


def _is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def _stem(path: Path) -> str:
    return unicodedata.normalize("NFC", path.stem).strip() or "package"


def _unwrap(folder: Path) -> Path:
    """A zip often holds one top folder around everything: make that folder the root (if not a 档号 folder)."""
    children = [c for c in folder.iterdir() if not _ignored(c.name)]
    if len(children) == 1 and children[0].is_dir() and not children[0].is_symlink():
        only = children[0]
        probe = _Scan(only)
        if _layout(only, _entries(only, probe)) == "container":
            return only
    return folder


def open_package(paths: Sequence[str | Path], workdir: Path, *, limits: ZipLimits | None = None) -> Package:
    """Open a scan package given as one folder, one .zip, or several files and folders.

    Zips are extracted (safely, see :class:`ZipLimits`) into a new folder under ``workdir``.  The
    package root is the folder itself for a single folder, the extraction folder for a single zip, the
    common parent for several plain files or folders side by side, and otherwise a new folder under
    ``workdir`` linking the inputs in.  All paths in the result are relative to ``Package.root``:
    ``PageRef.source``, ``Package.catalogue_sources`` and ``PackageProblem.path``.

    Raises :class:`~ingest.errors.PackageError` when the package as a whole cannot be used; anything
    wrong with single files is reported in ``Package.problems``.
    """
    limits = limits or ZipLimits()
    workdir = Path(workdir)
    inputs = [Path(p) for p in paths]
    if not inputs:
        raise PackageError("没有给出扫描包")
    for p in inputs:
        if not p.exists():
            raise PackageError("找不到扫描包", str(p))

    if len(inputs) == 1 and inputs[0].is_dir():
        return _open_folder(inputs[0].resolve())
    if len(inputs) == 1 and _is_zip(inputs[0]):
        dest = _fresh_dir(workdir, "zip") / _stem(inputs[0])
        dest.mkdir()
        _extract_zip(inputs[0], dest, limits)
        return _open_folder(_unwrap(dest))

    resolved = [p.resolve() for p in inputs]
    parents = {p.parent for p in resolved}
    if not any(_is_zip(p) for p in resolved) and len(parents) == 1:
        root = parents.pop()
        return _open_entries(root, [p.name for p in resolved])
    # Inputs from several places, or zips among them: gather them under one new root.
    root = _fresh_dir(workdir, "package")
    names: list[str] = []
    for p in resolved:
        if _is_zip(p):
            dest = _fresh_dir(root, _stem(p))
            _extract_zip(p, dest, limits)
            names.append(dest.name)
        else:
            link = root / p.name
            if link.exists() or link.is_symlink():
                link = _fresh_dir(root, p.stem)  # same name twice: keep both apart
                shutil.rmtree(link)
            os.symlink(p, link, target_is_directory=p.is_dir())
            names.append(link.name)
    return _open_entries(root, names)


def _open_folder(folder: Path) -> Package:
    """A folder is either a package of files or itself one file's folder (then its parent is the root)."""
    probe = _Scan(folder)
    if _layout(folder, _entries(folder, probe)) != "container":
        return _open_entries(folder.parent, [folder.name])
    scan = _Scan(folder)
    _container(_entries(folder, scan), scan, 0)
    return _finish(scan)


def _open_entries(root: Path, names: list[str]) -> Package:
    """Scan the named entries of ``root`` as the contents of a container (symlinks at this level followed)."""
    scan = _Scan(root)
    entries: list[_Entry] = []
    for name in sorted(names, key=_natural_key):
        path = root / name
        if path.is_dir():
            entries.append(_Entry(path, True))
        elif path.is_file():
            head = _head(path)
            entries.append(_Entry(path, False, sniff(head), head))
        else:
            entries.append(_Entry(path, False, special=True))
    _container(entries, scan, 0)
    return _finish(scan)


def _finish(scan: _Scan) -> Package:
    pages = sum(len(f.pages) for f in scan.files)
    log.info("package %s: %d files, %d pages, %d catalogue sheets, %d problems",
             scan.root, len(scan.files), pages, len(scan.catalogues), len(scan.problems))
    return Package(root=str(scan.root), files=tuple(scan.files), catalogue_sources=tuple(scan.catalogues),
                   problems=tuple(scan.problems))
