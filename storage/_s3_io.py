"""Helpers of the S3 store that read minio's answers: the SHA-256 header, the status, a streamed body.

Kept apart from :mod:`storage._s3` so that module stays the policy (retries, translation of errors) and
this one the plumbing of what comes back.
"""

from __future__ import annotations

import http.client
import io
from collections.abc import Mapping
from typing import Any

import urllib3
from minio.error import InvalidResponseError, S3Error, ServerError

from ._errors import StorageUnavailable
from ._hashing import looks_like_sha256

__all__ = ["ResponseStream", "metadata_sha256", "status_of"]

_SHA256_HEADER = "x-amz-meta-sha256"  # SHA256_METADATA as the header; servers may echo any capitalisation


def metadata_sha256(headers: Mapping[str, str] | None) -> str | None:
    """The recorded checksum from response headers, looked up case-insensitively."""
    for name, value in (headers or {}).items():
        if name.lower() == _SHA256_HEADER:
            value = value.strip().lower()
            return value if looks_like_sha256(value) else None
    return None


def status_of(exc: Exception) -> int:
    """HTTP status carried by a minio exception, or 0."""
    if isinstance(exc, S3Error):
        response = getattr(exc, "response", None)
        return int(getattr(response, "status", 0) or 0)
    if isinstance(exc, ServerError):
        return exc.status_code
    if isinstance(exc, InvalidResponseError):
        return int(getattr(exc, "_code", 0) or 0)  # minio keeps the status private
    return 0


class ResponseStream(io.RawIOBase):
    """A raw stream over a urllib3 response that raises our errors and frees the connection on close."""

    def __init__(self, response: Any, key: str, endpoint: str) -> None:
        super().__init__()
        self._response = response
        self._key = key
        self._endpoint = endpoint

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._response.read(len(buffer))
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
            raise StorageUnavailable(f"reading {self._key!r} from {self._endpoint} failed: {exc}", self._key) from exc
        size = len(data)
        buffer[:size] = data
        return size

    def close(self) -> None:
        if not self.closed:
            try:
                self._response.close()
                self._response.release_conn()
            finally:
                super().close()
