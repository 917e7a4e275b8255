"""Objects as files under a root folder: the embedded default (``instance/objects/``).

Layout: key ``XC-2020-000001/0001.jpg`` is the file ``<root>/XC-2020-000001/0001.jpg``
and its checksum sits beside it in ``0001.jpg.dangan.sha256``, one line in
``sha256sum`` format (``<hex>  0001.jpg``), so an operator can run
``sha256sum -c *.dangan.sha256`` in any folder without Dangan.

Durability: data goes to a temporary file in the target folder, is fsync'd,
then moved into place (``os.link`` for write-once, which fails atomically if
the name is taken; ``os.replace`` to overwrite), and the folder is fsync'd so
the new name survives a power cut.  The sidecar is written the same way, after
the object: a crash in between leaves an object without a recorded checksum
(``stat`` reports ``sha256=None``; a consistency check finds it), never a
checksum that describes other bytes.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import secrets
import stat as stat_mod
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from ._base import ObjectInfo, ObjectStore, StoredObject, check_key, is_source_error, walk_sorted
from ._errors import InvalidKey, ObjectExists, ObjectNotFound, StorageError
from ._hashing import copy_hashing, looks_like_sha256

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".dangan.sha256"
TEMP_PREFIX = ".dangan-tmp-"

# Errors from os.link on file systems without hard links (some FUSE and SMB mounts).
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV}


def _is_reserved(segment: str) -> bool:
    return segment.endswith(SIDECAR_SUFFIX) or segment.startswith(TEMP_PREFIX)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class LocalStore(ObjectStore):
    """Objects under ``root`` (created if missing), checksums in sidecar files.

    Local limits beyond the common key rules, each raising ``StorageError``:
    no key segment may end in ``.dangan.sha256`` or start with ``.dangan-tmp-``
    (sidecars and temporary files use those names; ``InvalidKey``); a key
    cannot be both an object and a folder of other keys (``a`` and ``a/b``),
    which S3 allows; a segment is limited to the file system's name length
    (255 bytes on ext4, minus the sidecar suffix).

    Write-once is exact here: of two concurrent ``put(overwrite=False)`` calls
    for one key, one wins and the other raises ``ObjectExists``.  Concurrent
    ``overwrite=True`` writers of one key are not supported (the object and the
    sidecar could come from different writers).
    """

    name = "local"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot use {self.root} as an object store: {exc}") from exc

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    # -- paths -----------------------------------------------------------------

    def _path(self, key: str) -> Path:
        segments = key.split("/")
        if any(_is_reserved(segment) for segment in segments):
            raise InvalidKey(
                f"key {key!r} uses a name reserved by the local store ({SIDECAR_SUFFIX!r} / {TEMP_PREFIX!r})", key
            )
        return self.root.joinpath(*segments)

    @staticmethod
    def _sidecar(path: Path) -> Path:
        return path.with_name(path.name + SIDECAR_SUFFIX)

    def _read_sidecar(self, path: Path) -> str | None:
        try:
            text = self._sidecar(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        fields = text.split()
        value = fields[0].lower() if fields else None
        if not looks_like_sha256(value):
            log.warning("ignoring malformed checksum sidecar of %s", path)
            return None
        return value

    # -- writing ---------------------------------------------------------------

    def _make_folders(self, folder: Path) -> None:
        """Create ``folder`` and missing parents, fsyncing each new entry's parent."""
        missing: list[Path] = []
        current = folder
        while current != self.root and not current.is_dir():
            missing.append(current)
            current = current.parent
        for path in reversed(missing):
            try:
                path.mkdir()
            except FileExistsError:
                if not path.is_dir():
                    raise StorageError(f"{path.relative_to(self.root)} is an object, not a folder") from None
                continue  # a concurrent writer made it
            _fsync_dir(path.parent)

    def _write_temp(self, folder: Path, src: BinaryIO) -> tuple[Path, int, str]:
        """Copy ``src`` into a new fsync'd temporary file in ``folder``; returns (path, size, sha256)."""
        while True:
            tmp = folder / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
            try:
                # os.open rather than mkstemp: mode 0o666 lets the umask decide,
                # as for any other file the service writes.
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                continue
            break
        try:
            with os.fdopen(fd, "wb") as fp:
                size, digest = copy_hashing(src, fp.write)
                fp.flush()
                os.fsync(fp.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp, size, digest

    def _link_exclusive(self, tmp: Path, path: Path, key: str) -> None:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise ObjectExists(key) from None
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            # No hard links here: check-then-rename, racy like S3.
            log.debug("hard links unsupported under %s (%s); falling back to rename", self.root, exc)
            if path.exists():
                raise ObjectExists(key) from None
            os.replace(tmp, path)

    def _write_sidecar(self, path: Path, digest: str) -> None:
        line = f"{digest}  {path.name}\n".encode()
        tmp, _, _ = self._write_temp(path.parent, io.BytesIO(line))
        try:
            os.replace(tmp, self._sidecar(path))
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _put(self, key: str, src: BinaryIO, *, overwrite: bool, content_type: str) -> StoredObject:
        path = self._path(key)
        try:
            if path.is_dir():
                raise StorageError(f"key {key!r} is a folder of other keys", key)
            # Cheap early answer; os.link below is the guard that holds under races.
            if not overwrite and path.exists():
                raise ObjectExists(key)
            for attempt in range(3):
                try:
                    self._make_folders(path.parent)
                    tmp, size, digest = self._write_temp(path.parent, src)
                    break
                except FileNotFoundError:
                    # A concurrent delete pruned the empty folder between the two steps.
                    if attempt == 2:
                        raise
            try:
                if overwrite:
                    # Drop the old checksum first so a crash cannot pair it with new bytes.
                    self._sidecar(path).unlink(missing_ok=True)
                    os.replace(tmp, path)
                else:
                    self._link_exclusive(tmp, path, key)
            finally:
                tmp.unlink(missing_ok=True)
            self._write_sidecar(path, digest)
            _fsync_dir(path.parent)
        except StorageError as exc:
            exc.key = exc.key or key
            raise
        except OSError as exc:
            if is_source_error(src, exc):
                raise
            raise StorageError(f"cannot write {key!r} under {self.root}: {exc}", key) from exc
        log.debug("stored %s (%d bytes, sha256 %s) under %s", key, size, digest, self.root)
        return StoredObject(key=key, size=size, sha256=digest, backend=self.name)

    def _delete(self, key: str) -> None:
        path = self._path(key)
        try:
            if path.is_dir():
                return  # a folder of other keys, not an object: nothing to delete
            try:
                path.unlink(missing_ok=True)
            except NotADirectoryError:
                return  # a parent is an object, so this key cannot exist
            self._sidecar(path).unlink(missing_ok=True)
            # Prune folders left empty so a later key may reuse the name for an object.
            folder = path.parent
            while folder != self.root:
                try:
                    folder.rmdir()
                except OSError:
                    break
                folder = folder.parent
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r} under {self.root}: {exc}", key) from exc

    # -- reading ---------------------------------------------------------------

    def _open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return open(path, "rb")  # noqa: SIM115 - the caller closes it
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise StorageError(f"cannot read {key!r} under {self.root}: {exc}", key) from exc

    def _stat(self, key: str) -> ObjectInfo:
        path = self._path(key)
        try:
            st = path.stat()
            if not stat_mod.S_ISREG(st.st_mode):
                raise ObjectNotFound(key)
            sha = self._read_sidecar(path)
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise StorageError(f"cannot stat {key!r} under {self.root}: {exc}", key) from exc
        return ObjectInfo(key=key, size=st.st_size, sha256=sha, modified=_utc(st.st_mtime))

    def _level(self, prefix: str) -> list[tuple[str, bool, ObjectInfo | None]]:
        """Entries of the folder that ``prefix`` points into, filtered by its last partial segment."""
        folder_key, _, name_prefix = prefix.rpartition("/")
        base = f"{folder_key}/" if folder_key else ""
        folder = self.root.joinpath(*folder_key.split("/")) if folder_key else self.root
        entries: list[tuple[str, bool, ObjectInfo | None]] = []
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    name = entry.name
                    if not name.startswith(name_prefix) or _is_reserved(name):
                        continue
                    key = base + name
                    try:
                        check_key(key)
                    except InvalidKey:
                        log.debug("skipping %s under %s: not a valid key", key, self.root)
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        entries.append((key + "/", True, None))
                    elif entry.is_file():
                        st = entry.stat()
                        info = ObjectInfo(
                            key=key,
                            size=st.st_size,
                            sha256=self._read_sidecar(Path(entry.path)),
                            modified=_utc(st.st_mtime),
                        )
                        entries.append((key, False, info))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return entries

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        if any(_is_reserved(segment) for segment in prefix.split("/")[:-1]):
            return
        try:
            yield from walk_sorted(prefix, self._level)
        except OSError as exc:
            raise StorageError(f"cannot list {prefix!r} under {self.root}: {exc}") from exc
