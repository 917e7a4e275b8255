"""Names in a package: material folders (``四-1-2``), running numbers, catalogue workbooks."""

import html
import logging
import re
import unicodedata
import zipfile
from pathlib import Path

from ingest.sources import SNIFF_BYTES

log = logging.getLogger(__name__)


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
