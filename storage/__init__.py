"""Object storage for page images, derivatives and audit anchors.

Pure: no Flask, no database.  Callers get an ``ObjectStore`` from
``open_store(url)`` (the URL comes from ``DANGAN_STORAGE_URL`` at the edge),
write with ``put`` (which returns the ``StoredObject`` a row keeps: backend,
key, size, SHA-256), read with ``get``/``open``, and check fixity with
``verify``.  Every failure is a ``StorageError``; see ``ObjectStore`` for the
contract all backends share.

Backends: ``LocalStore`` (a folder, the embedded default), ``S3Store`` (MinIO,
SeaweedFS, Ceph through the minio SDK), ``MemoryStore`` and ``FaultyStore``
(tests).
"""

from __future__ import annotations

from ._base import ObjectInfo, ObjectStore, StoredObject, check_key, check_prefix
from ._errors import (
    IntegrityError,
    InvalidKey,
    ObjectExists,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from ._hashing import sha256_bytes, sha256_file
from ._local import LocalStore
from ._memory import FaultyStore, MemoryStore
from ._s3 import S3Store
from ._url import open_store, redact

__all__ = [
    "FaultyStore",
    "IntegrityError",
    "InvalidKey",
    "LocalStore",
    "MemoryStore",
    "ObjectExists",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "S3Store",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "check_key",
    "check_prefix",
    "open_store",
    "redact",
    "sha256_bytes",
    "sha256_file",
]
