"""S3-compatible object storage (MinIO, SeaweedFS, Ceph RGW) through the minio SDK.

This is the one module that talks to minio and urllib3; every error they raise
leaves it as a ``StorageError`` chained ``from`` the original:

* ``NoSuchKey`` becomes ``ObjectNotFound``;
* connection failures, timeouts, dropped connections and 5xx answers are
  retried with exponential backoff and then become ``StorageUnavailable``;
* anything else (access denied, a missing bucket, bad arguments) is a plain
  ``StorageError`` at once: retrying cannot fix configuration.

Retries live here and only here: urllib3 is told not to retry, so one policy
(``retries`` attempts after the first, sleeping ``backoff * 2**n``) bounds how
long a caller can wait, and a request body is re-sent from our own rewound
copy.  Timeouts bound each attempt, so an unreachable or hung server costs at
most about ``(retries + 1) * (timeout + …)`` seconds, never forever.

The SHA-256 travels as user metadata (``x-amz-meta-sha256``), computed before
the upload because S3 sends metadata as headers ahead of the body: streams are
spooled to a private temporary copy while hashing, so the bytes uploaded are
exactly the bytes hashed.
"""

from __future__ import annotations

import http.client
import io
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import BinaryIO, TypeVar, cast
from urllib.parse import quote

import certifi
import urllib3
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError

from ._base import ObjectInfo, ObjectStore, StoredObject, check_key, is_source_error, walk_sorted
from ._errors import IntegrityError, InvalidKey, ObjectExists, ObjectNotFound, StorageError, StorageUnavailable
from ._hashing import CHUNK_SIZE, copy_hashing, sha256_bytes
from ._s3_io import ResponseStream, metadata_sha256, status_of

log = logging.getLogger(__name__)

T = TypeVar("T")

SHA256_METADATA = "sha256"  # sent as X-Amz-Meta-Sha256; servers may echo any capitalisation

# Objects up to this size go up in one PUT (simple to retry); bigger ones are
# multipart.  Scanned pages are far below it.
PART_SIZE = 64 * 1024 * 1024
# Streams are spooled in memory up to this size, then to a temporary file.
SPOOL_MEMORY = 16 * 1024 * 1024

# S3 error codes that mean "the service is struggling", whatever the status.
_TRANSIENT_CODES = {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "OperationAborted"}
_BUCKET_TAKEN = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}






class S3Store(ObjectStore):
    """A bucket on an S3-compatible server; the bucket is created if missing.

    ``endpoint`` is ``host:port``.  ``retries`` is the number of attempts after
    the first for transient failures, sleeping ``backoff * 2**n`` seconds
    between them; ``connect_timeout`` and ``read_timeout`` bound each attempt
    (the read timeout is the longest silence tolerated, not a total).

    The constructor checks the bucket, so a wrong endpoint or credentials fail
    at start-up: ``StorageUnavailable`` if the server cannot be reached,
    ``StorageError`` otherwise.

    Write-once is check-then-write: ``put(overwrite=False)`` stats the key and
    uploads only if it is absent.  S3 had no portable put-if-absent for years
    (``If-None-Match: *`` on PUT is recent, the minio SDK's ``put_object``
    cannot send it, and SeaweedFS may not honour it), so two writers racing on
    one key can both succeed, the later one winning.  Dangan's keys are derived
    from unique catalogue identities, so such races mean a bug elsewhere; the
    read-back after upload then reports ``IntegrityError`` if the other writer's
    bytes differ.
    """

    name = "s3"

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str | None = None,
        retries: int = 4,
        backoff: float = 0.2,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
    ) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        self.secure = secure
        self.retries = max(0, retries)
        self.backoff = backoff
        self._http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            # No retries at this layer: _call owns the policy (see module docstring).
            retries=False,
            maxsize=16,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        )
        try:
            self._client = Minio(
                endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=secure,
                region=region,
                http_client=self._http,
            )
        except ValueError as exc:
            self._http.clear()
            raise StorageError(f"bad S3 endpoint {endpoint!r}: {exc}") from exc
        try:
            self._ensure_bucket()
        except BaseException:
            self._http.clear()
            raise

    def __repr__(self) -> str:
        # Never the keys: reprs end up in logs.
        scheme = "https" if self.secure else "http"
        return f"S3Store({scheme}://{self.endpoint}, bucket={self.bucket!r})"

    def close(self) -> None:
        """Close pooled connections."""
        self._http.clear()

    # -- error handling --------------------------------------------------------

    def _translate(self, op: str, key: str | None, exc: Exception) -> StorageError | None:
        """Our exception for an SDK/transport one, or None if ``exc`` is not one of those (a bug: let it fly)."""
        what = f"S3 {op} of {key!r}" if key is not None else f"S3 {op}"
        where = f"{self.endpoint}/{self.bucket}"
        if isinstance(exc, S3Error):
            if exc.code == "NoSuchKey" and key is not None:
                return ObjectNotFound(key)
            if exc.code == "NoSuchBucket":
                return StorageError(f"{what} failed: bucket {self.bucket!r} does not exist on {self.endpoint}", key)
            if exc.code in _TRANSIENT_CODES or status_of(exc) >= 500:
                return StorageUnavailable(f"{what} failed on {where}: {exc.code}: {exc.message}", key)
            return StorageError(f"{what} failed on {where}: {exc.code}: {exc.message}", key)
        if isinstance(exc, ServerError | InvalidResponseError):
            if status_of(exc) >= 500:
                return StorageUnavailable(f"{what} failed on {where}: {exc}", key)
            return StorageError(f"{what} failed on {where}: {exc}", key)
        if isinstance(exc, urllib3.exceptions.SSLError):
            return StorageError(f"{what} failed: TLS error talking to {self.endpoint}: {exc}", key)
        if isinstance(exc, urllib3.exceptions.HTTPError | http.client.HTTPException | OSError):
            return StorageUnavailable(f"{what} failed: cannot reach {self.endpoint}: {exc}", key)
        if isinstance(exc, ValueError):
            # minio validates names and metadata client-side with ValueError.
            return StorageError(f"{what} rejected: {exc}", key)
        return None

    def _call(self, op: str, key: str | None, fn: Callable[[], T]) -> T:
        """Run ``fn``, retrying transient failures; raise our exceptions only."""
        attempt = 0
        while True:
            try:
                return fn()
            except Exception as exc:
                error = self._translate(op, key, exc)
                if error is None:
                    raise
                if not isinstance(error, StorageUnavailable):
                    raise error from exc
                if attempt >= self.retries:
                    if self.retries:
                        error.args = (f"{error.args[0]} (gave up after {attempt + 1} attempts)",)
                    raise error from exc
                delay = self.backoff * 2**attempt
                log.warning(
                    "%s; attempt %d of %d, retrying in %.1f s", error.args[0], attempt + 1, self.retries + 1, delay
                )
                time.sleep(delay)
                attempt += 1

    def _ensure_bucket(self) -> None:
        if self._call("bucket check", None, lambda: self._client.bucket_exists(self.bucket)):
            return
        log.info("creating bucket %s on %s", self.bucket, self.endpoint)
        try:
            self._call("bucket creation", None, lambda: self._client.make_bucket(self.bucket))
        except StorageError as exc:
            # Another process created it between our check and our request.
            if not (isinstance(exc.__cause__, S3Error) and exc.__cause__.code in _BUCKET_TAKEN):
                raise

    # -- writing ---------------------------------------------------------------

    def _put(self, key: str, src: BinaryIO, *, overwrite: bool, content_type: str) -> StoredObject:
        if not overwrite and self._exists(key):
            raise ObjectExists(key)
        body: BinaryIO
        if isinstance(src, io.BytesIO):
            # Bytes the caller handed over (wrapped by ObjectStore.put): already
            # in memory and not going to change, no need for a second copy.
            start = src.tell()
            # Release the buffer views at once: a BytesIO with live exports
            # cannot be closed by its owner.
            with src.getbuffer() as whole, whole[start:] as view:
                size, digest = len(view), sha256_bytes(view)
            body = src
        else:
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115 - closed below
            try:
                size, digest = copy_hashing(src, spool.write)
            except OSError as exc:
                spool.close()
                if is_source_error(src, exc):
                    raise
                raise StorageError(f"cannot spool {key!r} for upload: {exc}", key) from exc
            except BaseException:
                spool.close()
                raise
            start = 0
            body = cast(BinaryIO, spool)

        def upload() -> None:
            body.seek(start)  # a retry re-sends from the start of our copy
            self._client.put_object(
                self.bucket,
                key,
                body,
                size,
                content_type=content_type,
                metadata={SHA256_METADATA: digest},
                part_size=PART_SIZE,
            )

        try:
            self._call("put", key, upload)
        finally:
            if body is not src:
                body.close()
        # Read back what the server recorded: a truncated upload or a writer
        # racing on the same key shows up here rather than at the next read.
        info = self._stat(key)
        if info.size != size or info.sha256 != digest:
            raise IntegrityError(
                key,
                digest,
                info.sha256,
                f"S3 put of {key!r}: server reports {info.size} bytes with sha256 {info.sha256}, "
                f"wrote {size} bytes with sha256 {digest}",
            )
        log.debug("stored %s (%d bytes, sha256 %s) in %s/%s", key, size, digest, self.endpoint, self.bucket)
        return StoredObject(key=key, size=size, sha256=digest, backend=self.name)

    def _delete(self, key: str) -> None:
        # S3 answers 204 for a missing key too, which is the idempotence we promise.
        self._call("delete", key, lambda: self._client.remove_object(self.bucket, key))

    # -- reading ---------------------------------------------------------------

    def _get(self, key: str) -> bytes:
        def fetch() -> bytes:
            response = self._client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return self._call("get", key, fetch)

    def _open(self, key: str) -> BinaryIO:
        response = self._call("open", key, lambda: self._client.get_object(self.bucket, key))
        return cast(BinaryIO, io.BufferedReader(ResponseStream(response, key, self.endpoint), CHUNK_SIZE))

    def _open_with_info(self, key: str) -> tuple[BinaryIO, ObjectInfo]:
        # The GET's own headers carry the size, the date and our checksum: no stat request before it.
        response = self._call("open", key, lambda: self._client.get_object(self.bucket, key))
        headers = response.headers
        modified = headers.get("Last-Modified")
        info = ObjectInfo(
            key=key,
            size=int(headers.get("Content-Length") or 0),
            sha256=metadata_sha256(cast("Mapping[str, str]", dict(headers.items()))),
            modified=parsedate_to_datetime(modified) if modified else datetime.now(UTC),
        )
        stream = cast(BinaryIO, io.BufferedReader(ResponseStream(response, key, self.endpoint), CHUNK_SIZE))
        return stream, info

    def _hash(self, key: str) -> str:
        # The whole streaming hash is one retryable unit: a connection lost
        # half-way through a 20 MB page starts over instead of failing verify.
        def run() -> str:
            response = self._client.get_object(self.bucket, key)
            try:
                return copy_hashing(cast(BinaryIO, response), None)[1]
            finally:
                response.close()
                response.release_conn()

        return self._call("verify", key, run)

    def _stat(self, key: str) -> ObjectInfo:
        obj = self._call("stat", key, lambda: self._client.stat_object(self.bucket, key))
        return ObjectInfo(
            key=key,
            size=int(obj.size or 0),
            sha256=metadata_sha256(cast("Mapping[str, str] | None", obj.metadata)),
            modified=obj.last_modified or datetime.now(UTC),
        )

    def _presign(self, key: str, expires: timedelta, content_type: str | None,
                 download_name: str | None) -> str | None:
        headers: dict[str, str | list[str] | tuple[str]] = {"response-cache-control": "private, no-store"}
        if content_type:
            headers["response-content-type"] = content_type
        if download_name:
            # RFC 6266 / 5987: an ASCII fallback and the UTF-8 name (档号 are ASCII; names may not be).
            ascii_name = download_name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
            headers["response-content-disposition"] = (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(download_name)}")
        return self._call("presign", key, lambda: self._client.presigned_get_object(
            self.bucket, key, expires=expires, response_headers=headers))

    def _level(self, prefix: str) -> list[tuple[str, bool, ObjectInfo | None]]:
        """One delimiter listing: objects and folder prefixes directly below ``prefix``."""
        objects = self._call(
            "list", prefix, lambda: list(self._client.list_objects(self.bucket, prefix=prefix, recursive=False))
        )
        entries: list[tuple[str, bool, ObjectInfo | None]] = []
        for obj in objects:
            name = cast(str, obj.object_name)
            if obj.is_dir:
                if name != prefix:
                    entries.append((name, True, None))
                continue
            try:
                check_key(name)
            except InvalidKey:
                # Folder markers ("a/") and names written by other tools.
                log.debug("skipping %r in %s: not a valid key", name, self.bucket)
                continue
            modified = obj.last_modified or datetime.now(UTC)
            entries.append((name, False, ObjectInfo(key=name, size=int(obj.size or 0), sha256=None, modified=modified)))
        return entries

    def _list(self, prefix: str) -> Iterator[ObjectInfo]:
        # SeaweedFS's recursive listing is not in key order (it walks folders
        # depth-first), so walk one delimiter level at a time and sort.
        return walk_sorted(prefix, self._level)


