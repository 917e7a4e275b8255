"""``open_store(url)``: the one place a storage URL becomes a store.

Settings are read once at the edge (``DANGAN_STORAGE_URL``) and handed here.
Error messages never repeat the secret key.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal, TypedDict
from urllib.parse import parse_qsl, unquote, urlsplit

from ._base import ObjectStore
from ._errors import StorageError
from ._local import LocalStore
from ._memory import MemoryStore
from ._s3 import S3Store

log = logging.getLogger(__name__)

_S3_SCHEMES = {"s3": False, "s3+http": False, "s3+https": True}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_S3_OPTIONS = {"secure", "region", "retries", "backoff", "connect_timeout", "read_timeout"}


class _S3Tuning(TypedDict, total=False):
    """The optional keyword arguments of :class:`S3Store` that a URL may set."""

    retries: int
    backoff: float
    connect_timeout: float
    read_timeout: float


USAGE = (
    "use file:///absolute/path (or a plain path), s3://ACCESS:SECRET@host:port/bucket?secure=0, "
    "s3+https://ACCESS:SECRET@host:port/bucket, or memory://"
)


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    return parts._replace(netloc=f"{user}:***@{netloc[2]}").geturl()


def open_store(url: str) -> ObjectStore:
    """The store a URL names.

    * ``file:///srv/dangan/objects`` or a plain path (``instance/objects``) →
      ``LocalStore``; the folder is created if missing.
    * ``s3://ACCESS:SECRET@host:port/bucket`` → ``S3Store`` over plain HTTP;
      ``s3+https://…`` (or ``?secure=1``) over HTTPS.  Percent-encode '/', '+',
      ':' and '@' in the keys (``%2F`` …).  Optional query parameters:
      ``secure``, ``region``, ``retries``, ``backoff``, ``connect_timeout``,
      ``read_timeout``.
    * ``memory://`` → a fresh ``MemoryStore`` (tests and demos).

    Anything else raises ``StorageError`` saying what is accepted.
    """
    if not isinstance(url, str) or not url.strip():
        raise StorageError(f"empty storage URL; {USAGE}")
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise StorageError(f"cannot parse storage URL {redact(url)!r}: {exc}; {USAGE}") from exc
    scheme = parts.scheme.lower()
    if scheme == "":
        return LocalStore(Path(url))
    if scheme == "file":
        return _local_from_url(url, parts.netloc, parts.path, parts.query, parts.fragment)
    if scheme == "memory":
        if parts.netloc or parts.path.strip("/") or parts.query:
            raise StorageError(f"memory:// takes no host, path or options: {url!r}")
        return MemoryStore()
    if scheme in _S3_SCHEMES:
        return _s3_from_url(url, scheme)
    raise StorageError(f"unsupported storage URL scheme {parts.scheme!r} in {redact(url)!r}; {USAGE}")


def _local_from_url(url: str, netloc: str, path: str, query: str, fragment: str) -> LocalStore:
    if netloc not in ("", "localhost"):
        raise StorageError(f"file URL must name a local path (file:///path), not host {netloc!r}: {url!r}")
    if query or fragment:
        raise StorageError(f"file URL takes no options: {url!r}")
    local = Path(unquote(path))
    if not local.is_absolute():
        raise StorageError(f"file URL needs an absolute path (file:///path): {url!r}")
    return LocalStore(local)


def _flag(name: str, value: str, url: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise StorageError(f"{name}={value!r} is not a boolean (1/0, true/false) in {redact(url)!r}")


def _number(name: str, value: str, url: str, kind: type[int] | type[float]) -> float:
    try:
        number = kind(value)
    except ValueError:
        raise StorageError(f"{name}={value!r} is not a number in {redact(url)!r}") from None
    if number < 0:
        raise StorageError(f"{name} must not be negative in {redact(url)!r}")
    return number


def _s3_from_url(url: str, scheme: str) -> S3Store:
    parts = urlsplit(url)
    shown = redact(url)
    if parts.username is None or parts.password is None:
        raise StorageError(f"S3 URL needs credentials (s3://ACCESS:SECRET@host:port/bucket): {shown!r}")
    endpoint = parts.netloc.rpartition("@")[2]
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError as exc:
        raise StorageError(f"bad port in S3 URL {shown!r}: {exc}") from exc
    if not parts.hostname:
        raise StorageError(f"S3 URL needs a host: {shown!r}")
    bucket = parts.path.strip("/")
    if not bucket or "/" in bucket:
        raise StorageError(f"S3 URL path must be exactly one bucket name (…/bucket): {shown!r}")
    if parts.fragment:
        raise StorageError(f"S3 URL takes no fragment: {shown!r}")

    options: dict[str, str] = {}
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError as exc:
        raise StorageError(f"bad query string in S3 URL {shown!r}: {exc}") from exc
    for name, value in pairs:
        if name not in _S3_OPTIONS:
            raise StorageError(f"unknown S3 URL option {name!r} in {shown!r}; known: {', '.join(sorted(_S3_OPTIONS))}")
        options[name] = value

    secure = _S3_SCHEMES[scheme]
    if "secure" in options:
        wanted = _flag("secure", options["secure"], url)
        if scheme != "s3" and wanted != secure:
            raise StorageError(f"{scheme}:// contradicts secure={options['secure']} in {shown!r}")
        secure = wanted
    kwargs: _S3Tuning = {}
    if "retries" in options:
        kwargs["retries"] = int(_number("retries", options["retries"], url, int))
    seconds: tuple[Literal["backoff", "connect_timeout", "read_timeout"], ...] = (
        "backoff", "connect_timeout", "read_timeout")
    for name in seconds:
        if name in options:
            kwargs[name] = _number(name, options[name], url, float)
    return S3Store(
        endpoint,
        unquote(parts.username),
        unquote(parts.password),
        bucket,
        secure=secure,
        region=options.get("region") or None,
        **kwargs,
    )
