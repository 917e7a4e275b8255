"""open_store: storage URLs to stores, and clear errors for everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

import storage
from tests.storage.weed import ACCESS_KEY, SECRET_KEY, WeedServer


def test_file_url(tmp_path: Path) -> None:
    store = storage.open_store(f"file://{tmp_path}/objects")
    assert isinstance(store, storage.LocalStore)
    assert store.root == tmp_path / "objects"
    assert store.root.is_dir()
    assert isinstance(storage.open_store(f"file://localhost{tmp_path}"), storage.LocalStore)


def test_file_url_is_percent_decoded(tmp_path: Path) -> None:
    store = storage.open_store(f"file://{tmp_path}/%E6%A1%A3%E6%A1%88%20objects")
    assert store.root == tmp_path / "档案 objects"


def test_plain_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert storage.open_store(str(tmp_path / "a")).root == tmp_path / "a"
    monkeypatch.chdir(tmp_path)
    store = storage.open_store("instance/objects")
    # Resolved once: a later chdir does not move the store.
    assert store.root == tmp_path / "instance" / "objects"


def test_memory_url() -> None:
    first, second = storage.open_store("memory://"), storage.open_store("memory://")
    assert isinstance(first, storage.MemoryStore)
    first.put("k", b"x")
    assert not second.exists("k")  # each URL opening is a fresh store


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ftp://host/x", "unsupported storage URL scheme 'ftp'"),
        ("gs://bucket", "unsupported"),
        ("file://otherhost/x", "local path"),
        ("file://relative", "local path"),
        ("file:relative/path", "absolute"),
        ("file:///x?mode=1", "no options"),
        ("memory://somewhere", "memory://"),
        ("s3://127.0.0.1:9000/bucket", "credentials"),
        ("s3://key@127.0.0.1:9000/bucket", "credentials"),
        ("s3://a:b@127.0.0.1:9000", "bucket"),
        ("s3://a:b@127.0.0.1:9000/bucket/extra", "bucket"),
        ("s3://a:b@127.0.0.1:notaport/bucket", "port"),
        ("s3://a:b@127.0.0.1:9000/bucket?secure=maybe", "boolean"),
        ("s3://a:b@127.0.0.1:9000/bucket?sekure=1", "unknown S3 URL option 'sekure'"),
        ("s3://a:b@127.0.0.1:9000/bucket?retries=-1", "negative"),
        ("s3://a:b@127.0.0.1:9000/bucket?backoff=fast", "not a number"),
        ("s3+https://a:b@127.0.0.1:9000/bucket?secure=0", "contradicts"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(storage.StorageError, match=message):
        storage.open_store(url)


def test_errors_never_show_the_secret() -> None:
    with pytest.raises(storage.StorageError) as caught:
        storage.open_store("s3://ACCESS:TOPSECRET@127.0.0.1:9000/bucket?sekure=1")
    assert "TOPSECRET" not in str(caught.value)
    assert "ACCESS:***@" in str(caught.value)
    assert storage.redact("s3://a:b%2Fc@h:1/x") == "s3://a:***@h:1/x"
    assert storage.redact("file:///srv/objects") == "file:///srv/objects"


def test_unreachable_s3_is_unavailable_not_a_hang() -> None:
    # Port 9 (discard) on localhost is closed: connection refused at once.
    with pytest.raises(storage.StorageUnavailable) as caught:
        storage.open_store("s3://a:TOPSECRET@127.0.0.1:9/bucket?retries=1&backoff=0.01&connect_timeout=1")
    assert "TOPSECRET" not in str(caught.value)


@pytest.mark.slow
def test_s3_urls(weed: WeedServer) -> None:
    url = f"s3://{ACCESS_KEY}:{SECRET_KEY}@{weed.endpoint}/url-test?secure=0&region=us-east-1&retries=2"
    with storage.open_store(url) as store:
        assert isinstance(store, storage.S3Store)
        assert (store.bucket, store.secure, store.retries, store.endpoint) == ("url-test", False, 2, weed.endpoint)
        store.put("XC-2020-000001/目录.xlsx", b"x", overwrite=True)
    # Percent-encoded secrets are decoded (SeaweedFS accepts any key, so only
    # the parsing is checked here).
    with storage.open_store(f"s3+http://{ACCESS_KEY}:se%2Fcr%2Bet@{weed.endpoint}/url-test") as store:
        assert store.get("XC-2020-000001/目录.xlsx") == b"x"
