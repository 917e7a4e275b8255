"""In-process backends for tests: a dict-backed store and a fault-injecting wrapper.

``MemoryStore`` fulfils the whole contract without touching disk or network,
so callers' tests run fast; ``FaultyStore`` wraps any store and fails chosen
operations with ``StorageUnavailable``, which is how tests of ingest, lending
or the consistency check prove they survive an outage (a fake backend rather
than a deep mock of the SDK).
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from ._base import ObjectInfo, ObjectStore, StoredObject, check_key
from ._errors import ObjectExists, ObjectNotFound, StorageUnavailable
from ._hashing import copy_hashing

log = logging.getLogger(__name__)

OPERATIONS = ("put", "get", "open", "stat", "exists", "list", "delete", "verify")


@dataclass(frozen=True)
class _Entry:
    data: bytes
    sha256: str
    modified: datetime


class MemoryStore(ObjectStore):
    """Objects in a dict, guarded by a lock; gone when the store is."""

    name = "memory"

    def __init__(self) -> None:
        self._objects: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._objects)} objects)"

    def corrupt(self, key: str, data: bytes) -> None:
        """Replace the bytes of ``key`` but keep its recorded checksum: bit rot, for fixity tests."""
        check_key(key)
        with self._lock:
            entry = self._objects.get(key)
            if entry is None:
                raise ObjectNotFound(key)
            self._objects[key] = _Entry(bytes(data), entry.sha256, entry.modified)

    def _put(self, key: str, src: BinaryIO, *, overwrite: bool, content_type: str) -> StoredObject:
        buffer = io.BytesIO()
        size, digest = copy_hashing(src, buffer.write)
        with self._lock:
            if not overwrite and key in self._objects:
                raise ObjectExists(key)
            self._objects[key] = _Entry(buffer.getvalue(), digest, datetime.now(UTC))
        return StoredObject(key=key, size=size, sha256=digest, backend=self.name)

    def _entry(self, key: str) -> _Entry:
        with self._lock:
            entry = self._objects.get(key)
        if entry is None:
            raise ObjectNotFound(key)
        return entry

    def _get(self, key: str) -> bytes:
        return self._entry(key).data

    def _open(self, key: str) -> BinaryIO:
        return io.BytesIO(self._entry(key).data)

    def _stat(self, key: str) -> ObjectInfo:
        entry = self._entry(key)
        return ObjectInfo(key=key, size=len(entry.data), sha256=entry.sha256, modified=entry.modified)

    def _exists(self, key: str) -> bool:
        with self._lock:
            return key in self._objects

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        with self._lock:
            snapshot = sorted((key, entry) for key, entry in self._objects.items() if key.startswith(prefix))
        for key, entry in snapshot:
            yield ObjectInfo(key=key, size=len(entry.data), sha256=entry.sha256, modified=entry.modified)

    def _delete(self, key: str) -> None:
        with self._lock:
            self._objects.pop(key, None)


FaultRule = Callable[[str, str], bool]


class FaultyStore(ObjectStore):
    """Wrap ``inner`` and raise ``StorageUnavailable`` where a rule says so.

    ``fail_on(operation, key)`` is asked before each call reaches ``inner``;
    when it returns True the call fails and ``inner`` is untouched.
    ``fail_after(operation, key)`` is asked after a call succeeded in
    ``inner``; when True the result is thrown away and the caller sees
    ``StorageUnavailable`` anyway: a lost response, which for ``put`` leaves
    an orphan object behind.  Operations are the public method names
    (``"put"``, ``"get"``, ``"open"``, ``"stat"``, ``"exists"``, ``"list"``,
    ``"delete"``, ``"verify"``); for ``list`` the key is the prefix.

    Every call is recorded in ``calls`` as ``(operation, key)``.  ``name`` is the
    inner store's, so rows written through the wrapper look like the real thing.
    """

    def __init__(self, inner: ObjectStore, *, fail_on: FaultRule, fail_after: FaultRule | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.fail_on = fail_on
        self.fail_after = fail_after
        self.calls: list[tuple[str, str]] = []

    def __repr__(self) -> str:
        return f"FaultyStore({self.inner!r})"

    def _before(self, operation: str, key: str) -> None:
        self.calls.append((operation, key))
        if self.fail_on(operation, key):
            log.debug("injecting fault before %s %r", operation, key)
            raise StorageUnavailable(f"injected fault: {operation} {key!r}", key)

    def _after(self, operation: str, key: str) -> None:
        if self.fail_after is not None and self.fail_after(operation, key):
            log.debug("injecting fault after %s %r", operation, key)
            raise StorageUnavailable(f"injected fault after {operation} {key!r}", key)

    def _put(self, key: str, src: BinaryIO, *, overwrite: bool, content_type: str) -> StoredObject:
        self._before("put", key)
        stored = self.inner.put(key, src, overwrite=overwrite, content_type=content_type)
        self._after("put", key)
        return stored

    def _get(self, key: str) -> bytes:
        self._before("get", key)
        data = self.inner.get(key)
        self._after("get", key)
        return data

    def _open(self, key: str) -> BinaryIO:
        self._before("open", key)
        stream = self.inner.open(key)
        try:
            self._after("open", key)
        except StorageUnavailable:
            stream.close()
            raise
        return stream

    def _stat(self, key: str) -> ObjectInfo:
        self._before("stat", key)
        info = self.inner.stat(key)
        self._after("stat", key)
        return info

    def _exists(self, key: str) -> bool:
        self._before("exists", key)
        found = self.inner.exists(key)
        self._after("exists", key)
        return found

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        # Not a generator: the fault fires when list() is called, like a failed request.
        self._before("list", prefix)
        items = self.inner.list(prefix)
        self._after("list", prefix)
        return items

    def _delete(self, key: str) -> None:
        self._before("delete", key)
        self.inner.delete(key)
        self._after("delete", key)

    def verify(self, key: str, expected_sha256: str) -> bool:
        """See ``ObjectStore.verify``; faults apply to the whole check."""
        check_key(key)
        self._before("verify", key)
        result = self.inner.verify(key, expected_sha256)
        self._after("verify", key)
        return result

    def close(self) -> None:
        """Close the inner store."""
        self.inner.close()
