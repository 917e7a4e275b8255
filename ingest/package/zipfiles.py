"""Extracting a zip package safely: no zip-slip, no links, no bombs; GBK names from Chinese Windows recovered."""

import logging
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import PackageError

log = logging.getLogger(__name__)



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
