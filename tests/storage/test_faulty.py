"""FaultyStore: the fault injector other packages' tests use."""

from __future__ import annotations

import pytest

import storage


def test_fails_chosen_operations_before_touching_the_inner_store() -> None:
    inner = storage.MemoryStore()
    store = storage.FaultyStore(inner, fail_on=lambda op, key: op == "put" and key.endswith("0002.jpg"))
    assert store.name == "memory"

    store.put("XC-2020-000001/0001.jpg", b"one")
    with pytest.raises(storage.StorageUnavailable) as caught:
        store.put("XC-2020-000001/0002.jpg", b"two")
    assert caught.value.key == "XC-2020-000001/0002.jpg"
    assert not inner.exists("XC-2020-000001/0002.jpg")
    assert store.get("XC-2020-000001/0001.jpg") == b"one"
    assert store.calls == [
        ("put", "XC-2020-000001/0001.jpg"),
        ("put", "XC-2020-000001/0002.jpg"),
        ("get", "XC-2020-000001/0001.jpg"),
    ]


@pytest.mark.parametrize("operation", ["get", "open", "stat", "exists", "delete", "verify"])
def test_every_read_operation_can_fail(operation: str) -> None:
    inner = storage.MemoryStore()
    stored = inner.put("k", b"data")
    store = storage.FaultyStore(inner, fail_on=lambda op, key: op == operation)
    calls = {
        "get": lambda: store.get("k"),
        "open": lambda: store.open("k"),
        "stat": lambda: store.stat("k"),
        "exists": lambda: store.exists("k"),
        "delete": lambda: store.delete("k"),
        "verify": lambda: store.verify("k", stored.sha256),
    }
    with pytest.raises(storage.StorageUnavailable):
        calls[operation]()
    assert inner.exists("k")


def test_list_fails_when_called_not_when_iterated() -> None:
    store = storage.FaultyStore(storage.MemoryStore(), fail_on=lambda op, key: op == "list" and key == "XC/")
    with pytest.raises(storage.StorageUnavailable):
        store.list("XC/")
    assert list(store.list("other/")) == []


def test_fail_after_models_a_lost_response_and_leaves_an_orphan() -> None:
    inner = storage.MemoryStore()
    store = storage.FaultyStore(inner, fail_on=lambda op, key: False, fail_after=lambda op, key: op == "put")
    with pytest.raises(storage.StorageUnavailable):
        store.put("XC-2020-000001/0001.jpg", b"scan")
    # The caller saw a failure, yet the object is there: the orphan a clean-up job must find.
    assert inner.get("XC-2020-000001/0001.jpg") == b"scan"


def test_keys_are_still_validated() -> None:
    store = storage.FaultyStore(storage.MemoryStore(), fail_on=lambda op, key: False)
    with pytest.raises(storage.InvalidKey):
        store.put("../escape", b"x")
    assert store.calls == []


def test_wraps_any_backend(tmp_path) -> None:
    with storage.FaultyStore(storage.LocalStore(tmp_path), fail_on=lambda op, key: op == "stat") as store:
        assert store.name == "local"
        store.put("a/b", b"x")
        with pytest.raises(storage.StorageUnavailable):
            store.stat("a/b")
        assert store.verify("a/b", storage.sha256_bytes(b"x"))
