"""LocalStore specifics: sidecars, temporary files, reserved names, crash leftovers."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from pathlib import Path

import pytest

import storage


@pytest.fixture
def local(tmp_path: Path) -> storage.LocalStore:
    return storage.LocalStore(tmp_path / "objects")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_layout_and_sha256sum_compatible_sidecar(local: storage.LocalStore) -> None:
    local.put("XC-2020-000001/目录.xlsx", b"catalogue")
    folder = local.root / "XC-2020-000001"
    assert (folder / "目录.xlsx").read_bytes() == b"catalogue"
    sidecar = folder / "目录.xlsx.dangan.sha256"
    assert sidecar.read_text(encoding="utf-8") == f"{sha(b'catalogue')}  目录.xlsx\n"
    # An operator can check fixity without Dangan.
    result = subprocess.run(["sha256sum", "-c", sidecar.name], cwd=folder, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["目录.xlsx", "目录.xlsx.dangan.sha256"]


def test_files_honour_the_umask(local: storage.LocalStore) -> None:
    local.put("a/b", b"x")
    mode = (local.root / "a" / "b").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_list_ignores_sidecars_and_temporary_files(local: storage.LocalStore) -> None:
    local.put("XC-2020-000001/0001.jpg", b"x")
    folder = local.root / "XC-2020-000001"
    (folder / ".dangan-tmp-deadbeef").write_bytes(b"left by a crash")
    (folder / "orphan.jpg.dangan.sha256").write_text("0" * 64 + "  orphan.jpg\n")
    assert [info.key for info in local.list()] == ["XC-2020-000001/0001.jpg"]


def test_object_without_sidecar(local: storage.LocalStore) -> None:
    """A crash between writing the object and its sidecar: readable, checksum unknown."""
    stored = local.put("XC-2020-000001/0001.jpg", b"scan")
    (local.root / "XC-2020-000001" / "0001.jpg.dangan.sha256").unlink()
    info = local.stat("XC-2020-000001/0001.jpg")
    assert (info.size, info.sha256) == (4, None)
    assert [i.sha256 for i in local.list()] == [None]
    assert local.verify("XC-2020-000001/0001.jpg", stored.sha256)


def test_malformed_sidecar_is_ignored(local: storage.LocalStore, caplog: pytest.LogCaptureFixture) -> None:
    local.put("k", b"x")
    (local.root / "k.dangan.sha256").write_text("garbage\n")
    assert local.stat("k").sha256 is None
    assert "malformed checksum sidecar" in caplog.text


def test_files_dropped_in_by_hand_are_listed(local: storage.LocalStore) -> None:
    (local.root / "manual").mkdir()
    (local.root / "manual" / "scan.tif").write_bytes(b"tiff")
    assert [(i.key, i.size, i.sha256) for i in local.list()] == [("manual/scan.tif", 4, None)]


@pytest.mark.parametrize("key", ["a.dangan.sha256", "x/.dangan-tmp-1/y", "folder.dangan.sha256/a"])
def test_reserved_names_are_rejected(local: storage.LocalStore, key: str) -> None:
    with pytest.raises(storage.InvalidKey, match="reserved"):
        local.put(key, b"x")
    with pytest.raises(storage.InvalidKey):
        local.get(key)


def test_sidecar_cannot_be_read_as_an_object(local: storage.LocalStore) -> None:
    local.put("a", b"x")
    with pytest.raises(storage.InvalidKey):
        local.get("a.dangan.sha256")
    assert list(local.list("a.dangan")) == []


def test_key_and_folder_clash(local: storage.LocalStore) -> None:
    local.put("XC-2020-000001/0001.jpg", b"x")
    with pytest.raises(storage.StorageError, match="folder") as caught:
        local.put("XC-2020-000001", b"y")
    assert caught.value.key == "XC-2020-000001"
    local.put("plain", b"x")
    with pytest.raises(storage.StorageError) as caught:
        local.put("plain/below", b"y")
    assert caught.value.key == "plain/below"
    assert [info.key for info in local.list()] == ["XC-2020-000001/0001.jpg", "plain"]


def test_delete_prunes_empty_folders(local: storage.LocalStore) -> None:
    local.put("a/b/c", b"x")
    local.put("a/d", b"y")
    local.delete("a/b/c")
    assert not (local.root / "a" / "b").exists()
    assert (local.root / "a" / "d").exists()
    local.delete("a/d")
    assert list(local.root.iterdir()) == []
    local.put("a", b"now an object")  # the name is free again
    local.delete("a/b")  # below an object: nothing there, not an error


def test_failed_write_leaves_nothing_behind(local: storage.LocalStore) -> None:
    class Broken:
        def read(self, size: int = -1) -> bytes:
            raise RuntimeError("scanner unplugged")

    with pytest.raises(RuntimeError):
        local.put("XC-2020-000001/0001.jpg", Broken())  # type: ignore[arg-type]
    leftovers = [p for p in local.root.rglob("*") if p.is_file()]
    assert leftovers == []


def test_write_once_holds_under_concurrent_writers(local: storage.LocalStore) -> None:
    results: list[str] = []
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        barrier.wait()
        try:
            local.put("XC-2020-000001/0001.jpg", f"writer {n}".encode() * 10_000)
            results.append(f"won {n}")
        except storage.ObjectExists:
            results.append("exists")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [r for r in results if r.startswith("won")]
    assert len(winners) == 1 and results.count("exists") == 7
    data = local.get("XC-2020-000001/0001.jpg")
    assert data == f"writer {winners[0].split()[1]}".encode() * 10_000
    assert local.verify("XC-2020-000001/0001.jpg", local.stat("XC-2020-000001/0001.jpg").sha256 or "")


def test_unwritable_root_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(storage.StorageError):
        storage.LocalStore(blocker / "objects")


def test_repr(local: storage.LocalStore) -> None:
    assert repr(local) == f"LocalStore({str(local.root)!r})"


def test_hash_helpers(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc" * 1_000_000)
    assert storage.sha256_file(path) == sha(b"abc" * 1_000_000) == storage.sha256_bytes(b"abc" * 1_000_000)
