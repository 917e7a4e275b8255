"""S3Store against a real SeaweedFS: metadata on the wire, error translation, outages."""

from __future__ import annotations

import hashlib
import io
import signal
import time

import pytest
import urllib3
from minio.error import MinioException, S3Error

import storage
from tests.storage.conftest import new_bucket
from tests.storage.weed import ACCESS_KEY, SECRET_KEY, WeedServer

pytestmark = pytest.mark.slow


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_checksum_travels_as_user_metadata(weed: WeedServer) -> None:
    bucket = new_bucket()
    with storage.open_store(weed.url(bucket)) as store:
        stored = store.put("XC-2020-000001/0001.jpg", b"scan", content_type="image/jpeg")
    stat = weed.client().stat_object(bucket, "XC-2020-000001/0001.jpg")
    headers = {name.lower(): value for name, value in stat.metadata.items()}
    assert headers["x-amz-meta-sha256"] == stored.sha256
    assert stat.content_type == "image/jpeg"


def test_object_without_metadata(weed: WeedServer) -> None:
    """Objects written by other tools have no recorded checksum; verify still works."""
    bucket = new_bucket()
    with storage.open_store(weed.url(bucket)) as store:
        weed.client().put_object(bucket, "foreign.bin", io.BytesIO(b"foreign"), 7)
        info = store.stat("foreign.bin")
        assert (info.size, info.sha256) == (7, None)
        assert store.verify("foreign.bin", sha(b"foreign"))


def test_bucket_is_created_and_reused(weed: WeedServer) -> None:
    bucket = new_bucket()
    assert not weed.client().bucket_exists(bucket)
    with storage.open_store(weed.url(bucket)) as first:
        first.put("k", b"v")
    assert weed.client().bucket_exists(bucket)
    with storage.open_store(weed.url(bucket)) as second:
        assert second.get("k") == b"v"


def test_invalid_bucket_name_is_a_storage_error(weed: WeedServer) -> None:
    with pytest.raises(storage.StorageError, match="bucket") as caught:
        storage.S3Store(weed.endpoint, ACCESS_KEY, SECRET_KEY, "Not_A_Bucket")
    assert not isinstance(caught.value, storage.StorageUnavailable)
    # Refused by minio's client-side check or by the server, never a raw minio error.
    assert isinstance(caught.value.__cause__, ValueError | S3Error)


def test_repr_hides_the_secret(weed: WeedServer) -> None:
    with storage.open_store(weed.url(new_bucket())) as store:
        assert SECRET_KEY not in repr(store)
        assert weed.endpoint in repr(store)


def test_outage_raises_storage_unavailable_quickly(weed_server: WeedServer) -> None:
    """The server dies mid-session: callers get StorageUnavailable, not a minio error or a hang."""
    with storage.open_store(weed_server.url()) as store:
        assert not store.exists("XC-2020-000001/0001.jpg")  # the server is up

        weed_server.kill()
        started = time.monotonic()
        with pytest.raises(storage.StorageUnavailable) as caught:
            store.put("XC-2020-000001/0001.jpg", b"scan")
        elapsed = time.monotonic() - started

        # Default policy: 4 retries, 0.2 s doubling: about 3 s of back-off.
        assert elapsed < 15
        assert caught.value.key == "XC-2020-000001/0001.jpg"
        assert "gave up after 5 attempts" in str(caught.value)
        assert isinstance(caught.value.__cause__, urllib3.exceptions.HTTPError)
        assert not isinstance(caught.value, MinioException)

        # Every operation, reads included, fails the same way.
        store.retries = 0
        for call in (store.get, store.stat, store.exists, store.open, store.delete):
            with pytest.raises(storage.StorageUnavailable):
                call("XC-2020-000001/0001.jpg")
        with pytest.raises(storage.StorageUnavailable):
            list(store.list("XC-2020-000001/"))

    # A store cannot even be opened while the server is down; the message keeps the secret.
    started = time.monotonic()
    with pytest.raises(storage.StorageUnavailable) as caught:
        storage.open_store(weed_server.url() + "&retries=1&backoff=0.05")
    assert time.monotonic() - started < 5
    assert SECRET_KEY not in str(caught.value)


def test_hung_server_times_out(weed_server: WeedServer) -> None:
    """A frozen server accepts connections but never answers: the read timeout bounds the wait."""
    store = storage.S3Store(
        weed_server.endpoint,
        ACCESS_KEY,
        SECRET_KEY,
        "frozen",
        retries=1,
        backoff=0.05,
        connect_timeout=1,
        read_timeout=1,
    )
    with store:
        assert weed_server.process is not None
        weed_server.process.send_signal(signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(storage.StorageUnavailable) as caught:
            store.get("XC-2020-000001/0001.jpg")
        assert time.monotonic() - started < 6
        assert isinstance(caught.value.__cause__, urllib3.exceptions.HTTPError)
    weed_server.kill()  # SIGKILL works on a stopped process; SIGTERM would wait for SIGCONT
