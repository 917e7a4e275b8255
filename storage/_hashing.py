"""SHA-256 helpers: every checksum in Dangan is a lowercase hex SHA-256.

Hashing always streams in 1 MiB chunks so a 20 MB TIFF or a whole-volume PDF
never has to sit in memory twice.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from typing import BinaryIO

CHUNK_SIZE = 1024 * 1024

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def sha256_bytes(data: bytes | bytearray | memoryview) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of the file at ``path``, read in chunks."""
    with open(path, "rb") as fp:
        return hash_stream(fp)[0]


def hash_stream(src: BinaryIO) -> tuple[str, int]:
    """Hex SHA-256 and length of everything left in ``src``."""
    size, digest = copy_hashing(src, None)
    return digest, size


def copy_hashing(src: BinaryIO, write: Callable[[bytes], object] | None) -> tuple[int, str]:
    """Copy ``src`` to ``write`` chunk by chunk; returns (size, hex SHA-256).

    The hash is taken from the very chunks that are written, so the checksum
    describes what went out, not a second read of the source.
    """
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = src.read(CHUNK_SIZE)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
        if write is not None:
            write(chunk)
    return size, digest.hexdigest()


def normalise_sha256(value: str) -> str:
    """Lower-case ``value`` and check that it looks like a hex SHA-256.

    Raises ValueError: a malformed expected checksum is a caller's bug, not a
    storage failure.
    """
    normalised = value.strip().lower()
    if not _SHA256_RE.fullmatch(normalised):
        raise ValueError(f"not a hex SHA-256: {value!r}")
    return normalised


def looks_like_sha256(value: str | None) -> bool:
    """Whether ``value`` is a lowercase hex SHA-256 (for metadata read back from a store)."""
    return value is not None and _SHA256_RE.fullmatch(value) is not None
