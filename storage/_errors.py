"""The storage package's one exception hierarchy.

Callers catch these and nothing else: every SDK, urllib3 or OS error is re-raised
as one of them ``from`` the original, so the cause stays in the traceback while
the type says what the caller can do about it.  Mapping to an HTTP status or an
exit code happens at the edge (``archive/``), not here.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class; also raised for configuration mistakes and permanent failures.

    ``key`` names the object concerned, when there is one.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class InvalidKey(StorageError):
    """The key breaks the key rules (see ``storage.check_key``)."""


class ObjectNotFound(StorageError):
    """No object under this key."""

    def __init__(self, key: str, message: str | None = None) -> None:
        super().__init__(message or f"no object {key!r}", key)


class ObjectExists(StorageError):
    """A write-once ``put`` (``overwrite=False``) found the key already taken."""

    def __init__(self, key: str, message: str | None = None) -> None:
        super().__init__(message or f"object {key!r} already exists", key)


class IntegrityError(StorageError):
    """Stored bytes do not match the checksum they were written with.

    ``expected`` is the SHA-256 the writer computed, ``actual`` what the store
    reported or what re-hashing produced (None when the store had none).
    """

    def __init__(self, key: str, expected: str, actual: str | None, message: str | None = None) -> None:
        super().__init__(message or f"object {key!r}: sha256 {actual} does not match {expected}", key)
        self.expected = expected
        self.actual = actual


class StorageUnavailable(StorageError):
    """The backend could not be reached or kept failing after retries; try again later."""
