"""The object-store contract every backend fulfils, and the key rules.

A store maps keys (``XC-2020-000001/0001.jpg``) to immutable-in-practice byte
strings plus the SHA-256 computed while they were written.  Rows in the
database keep ``StoredObject`` (backend, key, size, checksum); objects are
written before the row that points at them, so a crash leaves an orphan
object, never a row without bytes.

Public methods live here and validate their arguments once; backends implement
the ``_``-prefixed hooks and may assume the key is valid.
"""

from __future__ import annotations

import io
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import BinaryIO, TypeVar, cast

from ._errors import InvalidKey, ObjectNotFound
from ._hashing import copy_hashing, normalise_sha256

log = logging.getLogger(__name__)

MAX_KEY_BYTES = 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"

PutData = bytes | bytearray | memoryview | BinaryIO

T = TypeVar("T")


@dataclass(frozen=True)
class StoredObject:
    """What a database row keeps about an object it points at."""

    key: str
    size: int
    sha256: str
    backend: str


@dataclass(frozen=True)
class ObjectInfo:
    """What a store reports about an object.

    ``sha256`` is the checksum recorded at write time, or None when the store
    has none (an object written behind the store's back, a lost sidecar, or a
    ``list`` on a backend that cannot return metadata cheaply).  It is what was
    *recorded*, not a fresh hash: use ``verify`` to re-hash.  ``modified`` is
    timezone-aware UTC.
    """

    key: str
    size: int
    sha256: str | None
    modified: datetime


def _is_bad_char(ch: str) -> bool:
    # Control characters break logs, sidecar lines and HTTP headers; backslash is
    # a path separator somewhere and a key that means two things is a bug.
    return ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F


def _check_text(value: str, what: str) -> None:
    if not isinstance(value, str):
        raise InvalidKey(f"{what} must be a str, not {type(value).__name__}")
    if value.startswith("/"):
        raise InvalidKey(f"{what} must not start with '/': {value!r}", value)
    if any(_is_bad_char(ch) for ch in value):
        raise InvalidKey(f"{what} contains a backslash or a control character: {value!r}", value)
    try:
        encoded = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidKey(f"{what} is not valid UTF-8: {value!r}", value) from exc
    if len(encoded) > MAX_KEY_BYTES:
        raise InvalidKey(f"{what} is {len(encoded)} bytes long; the limit is {MAX_KEY_BYTES}", value)


def _check_segments(value: str, what: str) -> None:
    for segment in value.split("/"):
        # Empty, "." and ".." segments would alias or escape on a file system
        # ("a//b" is "a/b" there but not on S3), so no backend accepts them.
        if segment in ("", ".", ".."):
            raise InvalidKey(f"{what} has an empty, '.' or '..' segment: {value!r}", value)


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid object key, else raise ``InvalidKey``.

    A key is a non-empty UTF-8 string of at most 1024 bytes made of
    '/'-separated segments; no segment is empty, '.' or '..' (so no leading,
    trailing or doubled '/'); no backslash and no control character (NUL
    included).  Any other character is allowed: ``XC-2020-000001/目录.xlsx``.
    Keys are compared as exact strings: no case folding, no Unicode
    normalisation.
    """
    _check_text(key, "key")
    _check_segments(key, "key")
    return key


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if it may be passed to ``list``, else raise ``InvalidKey``.

    A prefix is a plain string prefix, as in S3: it may end in '/' or in the
    middle of a segment (``XC-2020-0000`` matches every 档号 that starts so).
    The segments before its last '/' follow the key rules.
    """
    if prefix == "":
        return prefix
    _check_text(prefix, "prefix")
    folders = prefix.rpartition("/")[0]
    if folders:
        _check_segments(folders, "prefix")
    return prefix


class SourceStream:
    """The caller's stream, wrapped so a backend can tell the caller's read errors from its own.

    A backend that turns its own ``OSError`` into ``StorageError`` must let an
    error raised while reading the caller's data through unchanged
    (``is_source_error``): a corrupt zip member in a scan package is not a
    storage failure.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            return self.raw.read(size)
        except BaseException as exc:
            self.error = exc
            raise


def is_source_error(src: object, exc: BaseException) -> bool:
    """Whether ``exc`` came from reading the caller's data rather than from the backend."""
    return isinstance(src, SourceStream) and src.error is exc


def as_stream(data: PutData) -> BinaryIO:
    """A readable binary stream over ``data``.

    Bytes-like objects become a ``BytesIO`` (shared, not copied); streams are
    wrapped in ``SourceStream``.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(data)
    if isinstance(data, str) or not callable(getattr(data, "read", None)):
        raise TypeError(f"put() takes bytes or a binary file object, not {type(data).__name__}")
    return cast(BinaryIO, SourceStream(data))


def walk_sorted(prefix: str, list_level: Callable[[str], Iterable[tuple[str, bool, T | None]]]) -> Iterator[T]:
    """Yield every object under ``prefix`` in key order, one folder level at a time.

    ``list_level(p)`` returns the entries directly below ``p`` whose names
    start with ``p``: ``(key, False, payload)`` for objects and
    ``(folder + "/", True, None)`` for folders.  Sorting each level with folders
    spelled with their trailing '/' and expanding folders in place gives global
    key order: every key inside ``folder/`` shares that spelling as a prefix, so
    it compares with the level's other entries exactly as ``folder/`` does.
    Memory is bounded by the widest level, not by the number of objects.

    Needed because a file system lists directories in no order and SeaweedFS's
    recursive S3 listing walks directories depth-first ("a/b" before "a-c"),
    while callers are promised key order.
    """
    entries = sorted(list_level(prefix), key=lambda entry: entry[0])
    for name, is_folder, payload in entries:
        if is_folder:
            yield from walk_sorted(name, list_level)
        elif payload is not None:
            yield payload


class ObjectStore(ABC):
    """An object store: keys to bytes, with a SHA-256 recorded at write time.

    Contract, shared by every backend and checked by ``tests/storage``:

    * Keys follow ``check_key``; a bad key raises ``InvalidKey`` (a
      ``StorageError``) before the backend is touched.
    * Every failure is a ``StorageError``: ``ObjectNotFound``,
      ``ObjectExists``, ``IntegrityError``, ``StorageUnavailable`` (transient:
      retrying later may work), or the base class for permanent trouble.  SDK
      and OS exceptions never escape; they are chained as ``__cause__``.
    * Objects are written whole or not at all: a reader never sees half an
      object under its key.
    * ``name`` is the backend name recorded in rows (``StoredObject.backend``).
    * Stores are safe to share between threads.  They hold connections or file
      handles only between calls; ``close`` releases pooled connections.
    """

    name: str = "abstract"

    # -- writing ---------------------------------------------------------------

    def put(
        self,
        key: str,
        data: PutData,
        *,
        overwrite: bool = False,
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> StoredObject:
        """Store ``data`` (bytes or a binary stream, read to its end) under ``key``.

        The SHA-256 is computed from the bytes as they are written, recorded
        with the object (S3 user metadata ``x-amz-meta-sha256``; a sidecar file
        locally) and returned in the ``StoredObject``.  The write is checked
        before returning: locally the data is fsync'd and renamed into place
        atomically; on S3 the object is stat'ed back and its size and recorded
        checksum compared (``IntegrityError`` on mismatch).

        An exception raised while reading ``data`` propagates unchanged (it is
        the caller's) and nothing is stored.

        With ``overwrite=False`` (the default: page images and audit anchors are
        write-once) an existing key raises ``ObjectExists`` and the existing
        object is left alone.  How strictly that holds under concurrent writers
        of the same key depends on the backend (exact locally, check-then-write
        on S3); callers should not race on one key.
        """
        check_key(key)
        return self._put(key, as_stream(data), overwrite=overwrite, content_type=content_type)

    def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is not an error (clean-up may run twice).

        The application never deletes page images; it deletes only web uploads
        (``incoming/…``) once their ingest job no longer needs them, and tests
        and orphan clean-up use it.
        """
        check_key(key)
        self._delete(key)

    # -- reading ---------------------------------------------------------------

    def get(self, key: str) -> bytes:
        """The whole object; ``ObjectNotFound`` if there is none.  Prefer ``open`` for big objects."""
        check_key(key)
        return self._get(key)

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream over the object; the caller closes it (use ``with``).

        Raises ``ObjectNotFound`` at once if there is no object.  Errors while
        reading are ``StorageError``s too (``StorageUnavailable`` when an S3
        connection drops).
        """
        check_key(key)
        return self._open(key)

    def open_with_info(self, key: str) -> tuple[BinaryIO, ObjectInfo]:
        """``open`` and ``stat`` together: the stream and what is known of the object (one request on S3).

        The info describes the bytes the stream reads, even if the object is replaced in between.
        """
        check_key(key)
        return self._open_with_info(key)

    def _open_with_info(self, key: str) -> tuple[BinaryIO, ObjectInfo]:
        info = self._stat(key)
        return self._open(key), info

    def stat(self, key: str) -> ObjectInfo:
        """Size, recorded checksum and modification time; ``ObjectNotFound`` if there is none."""
        check_key(key)
        return self._stat(key)

    def exists(self, key: str) -> bool:
        """Whether an object is stored under exactly ``key`` (a folder of other keys is not one)."""
        check_key(key)
        return self._exists(key)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, sorted by key (code-point order).

        ``prefix`` is a plain string prefix (see ``check_prefix``), validated
        when ``list`` is called; backend errors surface while iterating.
        ``sha256`` may be None in the results when the backend cannot return it
        without a request per object (S3): call ``stat`` when it matters.
        """
        check_prefix(prefix)
        return self._list(prefix)

    def verify(self, key: str, expected_sha256: str) -> bool:
        """Re-hash the stored bytes (streaming) and compare with ``expected_sha256``.

        This is the fixity check: it reads the bytes, not the recorded
        checksum, so it catches objects altered behind the store's back.
        ``ObjectNotFound`` if there is no object; ValueError if
        ``expected_sha256`` is not a hex SHA-256.
        """
        check_key(key)
        expected = normalise_sha256(expected_sha256)
        actual = self._hash(key)
        if actual != expected:
            log.warning("fixity check failed for %s on %s: sha256 %s, expected %s", key, self.name, actual, expected)
            return False
        return True

    def presigned_url(
        self,
        key: str,
        *,
        expires: timedelta,
        content_type: str | None = None,
        download_name: str | None = None,
    ) -> str | None:
        """A URL by which a client reads the object directly for ``expires``; None if the backend has none.

        The URL is a bearer credential: whoever holds it reads the bytes until it expires, so keep
        ``expires`` short.  The response carries ``content_type``, an attachment ``download_name``
        if given, and ``Cache-Control: private, no-store``.  Presigning is computed locally: it does
        not check that the object exists.
        """
        check_key(key)
        if expires <= timedelta(0) or expires > timedelta(days=7):
            raise ValueError("a presigned URL lives more than 0 s and at most 7 days")
        return self._presign(key, expires, content_type, download_name)

    def _presign(self, key: str, expires: timedelta, content_type: str | None,
                 download_name: str | None) -> str | None:
        return None

    # -- lifecycle -------------------------------------------------------------

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release pooled connections; the store must not be used afterwards."""

    def __enter__(self) -> ObjectStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- backend hooks (keys already validated) --------------------------------

    @abstractmethod
    def _put(self, key: str, src: BinaryIO, *, overwrite: bool, content_type: str) -> StoredObject: ...

    @abstractmethod
    def _open(self, key: str) -> BinaryIO: ...

    @abstractmethod
    def _stat(self, key: str) -> ObjectInfo: ...

    @abstractmethod
    def _list(self, prefix: str) -> Iterator[ObjectInfo]: ...

    @abstractmethod
    def _delete(self, key: str) -> None: ...

    def _get(self, key: str) -> bytes:
        with self._open(key) as fp:
            return fp.read()

    def _exists(self, key: str) -> bool:
        try:
            self._stat(key)
        except ObjectNotFound:
            return False
        return True

    def _hash(self, key: str) -> str:
        with self._open(key) as fp:
            return copy_hashing(fp, None)[1]
