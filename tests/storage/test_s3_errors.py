"""S3Store's error translation, against a scripted fake S3 server.

SeaweedFS will not answer 503 or cut a download short on request, so a tiny
HTTP server plays those parts: the real minio SDK and urllib3 talk to it, and
we check what the caller sees.  No weed needed, so these are not slow.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3
from minio.error import InvalidResponseError, S3Error, ServerError

import storage

BUCKET = "fake-bucket"
KEY = "XC-2020-000001/0001.jpg"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def error_xml(code: str) -> bytes:
    return f"<Error><Code>{code}</Code><Message>{code} says the fake</Message></Error>".encode()


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    send_only: int | None = None  # bytes of the body actually sent before hanging up


class FakeS3(ThreadingHTTPServer):
    """Answers from ``script[(method, path)]`` in order; the last reply repeats."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: dict[tuple[str, str], list[Reply]] = {("HEAD", f"/{BUCKET}"): [Reply(200)]}
        self.seen: list[tuple[str, str]] = []

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def on(self, method: str, key: str, *replies: Reply) -> None:
        self.script[(method, f"/{BUCKET}/{key}")] = list(replies)

    def count(self, method: str, key: str) -> int:
        return self.seen.count((method, f"/{BUCKET}/{key}"))


class _Handler(BaseHTTPRequestHandler):
    server: FakeS3

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def _answer(self) -> None:
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.seen.append((self.command, path))
        replies = self.server.script.get((self.command, path)) or [Reply(404, error_xml("NoSuchKey"))]
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        self.send_response(reply.status)
        headers = {"Content-Type": "application/xml" if reply.status >= 300 else "application/octet-stream"}
        headers["Content-Length"] = str(len(reply.body))
        headers.update(reply.headers)  # a HEAD reply may declare a length it does not send
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body[: reply.send_only] if reply.send_only is not None else reply.body)

    do_GET = do_PUT = do_HEAD = do_DELETE = _answer  # noqa: N815 - http.server's naming


@pytest.fixture
def fake() -> Iterator[FakeS3]:
    server = FakeS3()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def store(fake: FakeS3) -> Iterator[storage.S3Store]:
    # region given, so minio does not ask the fake for the bucket location.
    with storage.S3Store(fake.endpoint, "a", "b", BUCKET, region="us-east-1", retries=2, backoff=0.01) as s3:
        yield s3


def test_5xx_is_retried_then_unavailable(fake: FakeS3, store: storage.S3Store) -> None:
    fake.on("HEAD", KEY, Reply(503))
    with pytest.raises(storage.StorageUnavailable) as caught:
        store.stat(KEY)
    assert fake.count("HEAD", KEY) == 3
    assert isinstance(caught.value.__cause__, ServerError)
    assert caught.value.key == KEY


def test_transient_s3_codes_are_retried_until_success(fake: FakeS3, store: storage.S3Store) -> None:
    fake.on("GET", KEY, Reply(503, error_xml("SlowDown")), Reply(500, error_xml("InternalError")), Reply(200, b"scan"))
    assert store.get(KEY) == b"scan"
    assert fake.count("GET", KEY) == 3


def test_proxy_error_page_is_transient(fake: FakeS3, store: storage.S3Store) -> None:
    fake.on("GET", KEY, Reply(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}))
    with pytest.raises(storage.StorageUnavailable) as caught:
        store.get(KEY)
    assert isinstance(caught.value.__cause__, InvalidResponseError)


def test_access_denied_is_permanent(fake: FakeS3, store: storage.S3Store) -> None:
    fake.on("GET", KEY, Reply(403, error_xml("AccessDenied")))
    with pytest.raises(storage.StorageError, match="AccessDenied") as caught:
        store.get(KEY)
    assert type(caught.value) is storage.StorageError
    assert isinstance(caught.value.__cause__, S3Error)
    assert fake.count("GET", KEY) == 1


def test_missing_key_is_object_not_found(fake: FakeS3, store: storage.S3Store) -> None:
    with pytest.raises(storage.ObjectNotFound):
        store.get(KEY)
    with pytest.raises(storage.ObjectNotFound):
        store.stat(KEY)
    assert not store.exists(KEY)
    assert fake.count("GET", KEY) == 1  # not retried


def test_missing_bucket_is_a_configuration_error(fake: FakeS3, store: storage.S3Store) -> None:
    fake.on("GET", KEY, Reply(404, error_xml("NoSuchBucket")))
    with pytest.raises(storage.StorageError, match="does not exist") as caught:
        store.get(KEY)
    assert not isinstance(caught.value, storage.ObjectNotFound | storage.StorageUnavailable)


def test_download_cut_short_while_streaming(fake: FakeS3, store: storage.S3Store) -> None:
    fake.on("GET", KEY, Reply(200, b"x" * 100_000, send_only=10))
    stream = store.open(KEY)
    with stream, pytest.raises(storage.StorageUnavailable) as caught:
        stream.read()
    assert isinstance(caught.value.__cause__, urllib3.exceptions.HTTPError)
    assert stream.closed


def test_get_and_verify_retry_a_cut_download(fake: FakeS3, store: storage.S3Store) -> None:
    data = b"page" * 10_000
    fake.on("GET", KEY, Reply(200, data, send_only=100), Reply(200, data))
    assert store.verify(KEY, sha(data))
    fake.on("GET", KEY, Reply(200, data, send_only=100), Reply(200, data))
    assert store.get(KEY) == data


def test_put_checks_what_the_server_recorded(fake: FakeS3, store: storage.S3Store) -> None:
    """A server that loses the metadata (or the bytes) fails the put with IntegrityError."""
    fake.on("HEAD", KEY, Reply(404), Reply(200, headers={"Content-Length": "4"}))
    fake.on("PUT", KEY, Reply(200, headers={"ETag": '"x"'}))
    with pytest.raises(storage.IntegrityError) as caught:
        store.put(KEY, b"scan")
    assert caught.value.expected == sha(b"scan")
    assert caught.value.actual is None


def test_put_succeeds_when_the_server_echoes_the_checksum(fake: FakeS3, store: storage.S3Store) -> None:
    recorded = {"X-AMZ-META-SHA256": sha(b"scan").upper(), "Content-Length": "4"}
    fake.on("HEAD", KEY, Reply(404), Reply(200, headers=recorded))
    fake.on("PUT", KEY, Reply(503, error_xml("SlowDown")), Reply(200, headers={"ETag": '"x"'}))
    stored = store.put(KEY, b"scan")
    assert stored.sha256 == sha(b"scan")
    assert fake.count("PUT", KEY) == 2  # the retry re-sent the body
