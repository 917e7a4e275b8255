"""The ObjectStore contract, run against every backend (local, memory, real S3)."""

from __future__ import annotations

import hashlib
import io
import os
import time
from datetime import UTC, datetime, timedelta

import pytest

import storage
from tests.storage.conftest import Backend

CATALOGUE_KEY = "XC-2020-000001/目录.xlsx"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BrokenStream(io.RawIOBase):
    """Yields some bytes, then fails like an unreadable zip member."""

    def __init__(self) -> None:
        self.sent = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if not self.sent:
            self.sent = True
            return b"x" * 1000
        raise OSError("source went away")


class OneWayStream:
    """A non-seekable stream (a pipe, a socket, a zip member)."""

    def __init__(self, data: bytes, chunk: int = 7) -> None:
        self._data = data
        self._chunk = chunk

    def read(self, size: int = -1) -> bytes:
        size = self._chunk if size < 0 else min(size, self._chunk)
        head, self._data = self._data[:size], self._data[size:]
        return head


def test_put_get_round_trip_with_chinese_key(backend: Backend) -> None:
    data = "档号,类号,序号,材料名称\n".encode() * 50
    stored = backend.store.put(CATALOGUE_KEY, data, content_type="text/csv")
    assert stored == storage.StoredObject(CATALOGUE_KEY, len(data), sha(data), backend.name)
    assert backend.store.name == backend.name
    assert backend.store.get(CATALOGUE_KEY) == data


@pytest.mark.parametrize(
    "make",
    [
        lambda data: data,
        lambda data: bytearray(data),
        lambda data: memoryview(data),
        lambda data: io.BytesIO(data),
        lambda data: OneWayStream(data),
    ],
    ids=["bytes", "bytearray", "memoryview", "bytesio", "one-way-stream"],
)
def test_put_accepts_bytes_and_streams(store: storage.ObjectStore, make) -> None:
    data = os.urandom(1000)
    stored = store.put("XC-2020-000001/0001.jpg", make(data))
    assert (stored.size, stored.sha256) == (len(data), sha(data))
    assert store.get("XC-2020-000001/0001.jpg") == data


def test_put_reads_stream_from_its_current_position(store: storage.ObjectStore) -> None:
    src = io.BytesIO(b"headerPAYLOAD")
    src.seek(6)
    stored = store.put("k", src)
    assert store.get("k") == b"PAYLOAD"
    assert stored.sha256 == sha(b"PAYLOAD")


def test_empty_object(store: storage.ObjectStore) -> None:
    stored = store.put("empty", b"")
    assert (stored.size, stored.sha256) == (0, sha(b""))
    assert store.get("empty") == b""
    assert store.stat("empty").size == 0


def test_put_rejects_text(store: storage.ObjectStore) -> None:
    with pytest.raises(TypeError):
        store.put("k", "not bytes")  # type: ignore[arg-type]
    assert not store.exists("k")


def test_error_reading_source_propagates_and_stores_nothing(store: storage.ObjectStore) -> None:
    with pytest.raises(OSError, match="source went away") as caught:
        store.put("XC-2020-000001/0001.jpg", BrokenStream())
    assert not isinstance(caught.value, storage.StorageError)
    assert not store.exists("XC-2020-000001/0001.jpg")
    assert list(store.list()) == []


def test_stat_and_exists(store: storage.ObjectStore) -> None:
    data = b"page image"
    before = datetime.now(UTC) - timedelta(minutes=5)
    store.put("XC-2020-000001/0001.jpg", data)
    info = store.stat("XC-2020-000001/0001.jpg")
    assert (info.key, info.size, info.sha256) == ("XC-2020-000001/0001.jpg", len(data), sha(data))
    assert info.modified.tzinfo is not None
    assert before < info.modified < datetime.now(UTC) + timedelta(minutes=5)
    assert store.exists("XC-2020-000001/0001.jpg")
    assert not store.exists("XC-2020-000001/0002.jpg")
    # A folder of keys is not an object.
    assert not store.exists("XC-2020-000001")


def test_list_is_sorted_and_filtered_by_prefix(store: storage.ObjectStore) -> None:
    # Chosen so that file-system order and a depth-first folder walk both get
    # it wrong: '-' and '.' sort before '/', and '/' before '0'.
    keys = [
        "XC-2020-000001/0002.jpg",
        "XC-2020-000001/目录.xlsx",
        "XC-2020-000001/0001.jpg",
        "XC-2020-000001/1-1/001.tif",
        "XC-2020-000001-x/0001.jpg",
        "XC-2020-000001.pdf",
        "XC-2020-0000010/0001.jpg",
        "XC-2020-000002/0001.jpg",
        "人员.csv",
        "YB/1",
    ]
    for i, key in enumerate(keys):
        store.put(key, f"object {i}".encode())
    assert [info.key for info in store.list()] == sorted(keys)
    assert [info.key for info in store.list("XC-2020-000001/")] == [
        "XC-2020-000001/0001.jpg",
        "XC-2020-000001/0002.jpg",
        "XC-2020-000001/1-1/001.tif",
        "XC-2020-000001/目录.xlsx",
    ]
    # A prefix may stop in the middle of a segment, as in S3.
    assert [info.key for info in store.list("XC-2020-000001")] == [
        "XC-2020-000001-x/0001.jpg",
        "XC-2020-000001.pdf",
        "XC-2020-000001/0001.jpg",
        "XC-2020-000001/0002.jpg",
        "XC-2020-000001/1-1/001.tif",
        "XC-2020-000001/目录.xlsx",
        "XC-2020-0000010/0001.jpg",
    ]
    assert [info.key for info in store.list("XC-2020-000001/1")] == ["XC-2020-000001/1-1/001.tif"]
    assert list(store.list("nothing/here/")) == []
    assert list(store.list("XC-2020-000001/0001.jpg/")) == []


def test_list_reports_sizes_and_checksums_when_known(store: storage.ObjectStore) -> None:
    store.put("a/1", b"one")
    store.put("a/2", b"three")
    infos = list(store.list("a/"))
    assert [(info.key, info.size) for info in infos] == [("a/1", 3), ("a/2", 5)]
    for info, data in zip(infos, [b"one", b"three"], strict=True):
        assert info.sha256 in (None, sha(data))  # S3 listings carry no user metadata
        assert info.modified.tzinfo is not None


def test_write_once(store: storage.ObjectStore) -> None:
    first = store.put("XC-2020-000001/0001.jpg", b"first")
    with pytest.raises(storage.ObjectExists) as caught:
        store.put("XC-2020-000001/0001.jpg", b"second")
    assert caught.value.key == "XC-2020-000001/0001.jpg"
    assert store.get("XC-2020-000001/0001.jpg") == b"first"
    assert store.stat("XC-2020-000001/0001.jpg").sha256 == first.sha256


def test_overwrite(store: storage.ObjectStore) -> None:
    store.put("XC-2020-000001/0001.jpg", b"first")
    second = store.put("XC-2020-000001/0001.jpg", b"second, longer", overwrite=True)
    assert second.sha256 == sha(b"second, longer")
    assert store.get("XC-2020-000001/0001.jpg") == b"second, longer"
    info = store.stat("XC-2020-000001/0001.jpg")
    assert (info.size, info.sha256) == (len(b"second, longer"), second.sha256)
    # overwrite=True on a new key is a plain write.
    assert store.put("new", b"x", overwrite=True).size == 1


def test_missing_objects(store: storage.ObjectStore) -> None:
    for call in (store.get, store.stat, store.open, lambda key: store.verify(key, sha(b""))):
        with pytest.raises(storage.ObjectNotFound) as caught:
            call("XC-2020-000001/0404.jpg")
        assert caught.value.key == "XC-2020-000001/0404.jpg"
        assert isinstance(caught.value, storage.StorageError)


def test_delete_is_idempotent(store: storage.ObjectStore) -> None:
    store.put("XC-2020-000001/0001.jpg", b"x")
    store.put("XC-2020-000001/0002.jpg", b"y")
    store.delete("XC-2020-000001/0001.jpg")
    assert not store.exists("XC-2020-000001/0001.jpg")
    store.delete("XC-2020-000001/0001.jpg")
    assert [info.key for info in store.list()] == ["XC-2020-000001/0002.jpg"]
    # The key is free again, even for a write-once put.
    store.put("XC-2020-000001/0001.jpg", b"again")
    assert store.get("XC-2020-000001/0001.jpg") == b"again"


BAD_KEYS = [
    "",
    "/XC-2020-000001/0001.jpg",
    "XC-2020-000001/../secret",
    "..",
    "a/./b",
    "a//b",
    "a/",
    "a\\b",
    "a\x00b",
    "a\nb",
    "a\x7fb",
    "\ud800",
    "x" * 1025,
    "档" * 342,  # 1026 bytes in UTF-8
]


@pytest.mark.parametrize("key", BAD_KEYS, ids=range(len(BAD_KEYS)))
def test_bad_keys_are_rejected(store: storage.ObjectStore, key: str) -> None:
    calls = [
        lambda: store.put(key, b"x"),
        lambda: store.get(key),
        lambda: store.open(key),
        lambda: store.stat(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: store.verify(key, sha(b"x")),
    ]
    for call in calls:
        with pytest.raises(storage.InvalidKey):
            call()
    assert list(store.list()) == []


def test_non_string_key_is_rejected(store: storage.ObjectStore) -> None:
    with pytest.raises(storage.StorageError):
        store.put(b"bytes-key", b"x")  # type: ignore[arg-type]


@pytest.mark.parametrize("prefix", ["/a", "../", "a/../b/", "a//", "a\\b", "a\x00"])
def test_bad_prefixes_are_rejected(store: storage.ObjectStore, prefix: str) -> None:
    with pytest.raises(storage.InvalidKey):
        store.list(prefix)


def test_long_and_unusual_keys(store: storage.ObjectStore) -> None:
    # 5 segments of 60 CJK characters: 904 bytes, under the 1024-byte limit and
    # under a file system's 255 bytes per name.
    long_key = "/".join(["档" * 60] * 5)
    unusual = "XC 2020#1/材料 (复印件) & 附件+1%.jpg"
    for key in (long_key, unusual, ".hidden/x"):
        store.put(key, key.encode())
        assert store.get(key) == key.encode()
    assert [info.key for info in store.list()] == sorted([long_key, unusual, ".hidden/x"])


def test_verify_detects_altered_bytes(backend: Backend) -> None:
    store = backend.store
    stored = store.put("XC-2020-000001/0001.jpg", b"original scan")
    assert store.verify("XC-2020-000001/0001.jpg", stored.sha256)
    assert store.verify("XC-2020-000001/0001.jpg", stored.sha256.upper())
    assert not store.verify("XC-2020-000001/0001.jpg", sha(b"something else"))

    backend.tamper("XC-2020-000001/0001.jpg", b"altered scan!")
    # The recorded checksum still claims the original; only re-hashing tells.
    assert store.stat("XC-2020-000001/0001.jpg").sha256 == stored.sha256
    assert not store.verify("XC-2020-000001/0001.jpg", stored.sha256)


def test_verify_rejects_malformed_checksum(store: storage.ObjectStore) -> None:
    store.put("k", b"x")
    with pytest.raises(ValueError):
        store.verify("k", "not-a-checksum")


def test_streaming_a_20_mb_object(store: storage.ObjectStore, tmp_path) -> None:
    data = os.urandom(20 * 1024 * 1024)
    source = tmp_path / "big.tif"
    source.write_bytes(data)
    started = time.monotonic()
    with source.open("rb") as fp:
        stored = store.put("XC-2020-000001/big.tif", fp)
    assert (stored.size, stored.sha256) == (len(data), sha(data))

    digest = hashlib.sha256()
    chunks = 0
    with store.open("XC-2020-000001/big.tif") as stream:
        assert stream.readable()
        while chunk := stream.read(256 * 1024):
            digest.update(chunk)
            chunks += 1
    assert digest.hexdigest() == stored.sha256
    assert chunks >= 80  # read in pieces, not handed over whole
    assert store.verify("XC-2020-000001/big.tif", stored.sha256)
    assert time.monotonic() - started < 20


def test_open_is_a_context_manager_that_closes(store: storage.ObjectStore) -> None:
    store.put("k", b"abc")
    with store.open("k") as stream:
        assert stream.read(1) == b"a"
        assert stream.read() == b"bc"
    assert stream.closed


def test_store_is_a_context_manager(backend: Backend) -> None:
    with backend.store as same:
        assert same is backend.store


def test_open_with_info_reads_the_bytes_it_describes(store: storage.ObjectStore) -> None:
    data = b"page image " * 1000
    stored = store.put("pages/ow/in/fo.jpg", data)
    stream, info = store.open_with_info("pages/ow/in/fo.jpg")
    with stream:
        assert stream.read() == data
    assert (info.key, info.size, info.sha256) == ("pages/ow/in/fo.jpg", len(data), stored.sha256)
    assert info.modified.tzinfo is not None
    with pytest.raises(storage.ObjectNotFound):
        store.open_with_info("pages/no/ne/x.jpg")
