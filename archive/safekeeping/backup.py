"""``backup create|verify|restore``: the operations behind the commands (flush and commit as a command does).

A backup folder holds the database dump, ``anchors/`` (the audit anchors, always: they are small and the chain
cannot be verified without them), ``objects/<key>`` with ``--with-objects``, and the manifest
(:mod:`archive.safekeeping.manifest`).  The search index is derived data and is rebuilt after a restore.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from flask import current_app

from archive import boundary
from archive.audit import record
from archive.audit.anchors import PREFIX as ANCHOR_PREFIX
from archive.audit.anchors import anchor_now, anchor_read_store, anchor_store
from archive.objects import get_store
from archive.safekeeping.dump import DumpError, database_is_blank, dump_database, restore_database
from archive.safekeeping.manifest import FORMAT, CheckResult, check_backup, file_digests, write_manifest
from storage import ObjectExists, ObjectNotFound, ObjectStore, StorageError

__all__ = ["BackupRefused", "CreateResult", "create_backup", "restore_backup", "verify_backup"]

OBJECTS = "objects"
ANCHORS = "anchors"
_CHUNK = 1 << 20


class BackupRefused(RuntimeError):
    """The backup cannot be made or restored as asked (the message says why)."""


@dataclass
class CreateResult:
    folder: Path
    objects: int = 0
    bytes_copied: int = 0
    anchors: int = 0
    problems: list[str] = field(default_factory=list)  # objects missing from the store or not matching their row


def _app_version() -> str:
    try:
        return metadata.version("dangan")
    except metadata.PackageNotFoundError:
        return "unknown"


def create_backup(folder: Path, *, with_objects: bool) -> CreateResult:
    """Dump the database, list (and with ``with_objects`` copy) the objects, copy the anchors, write the manifest."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupRefused(f"{folder} is not empty: a backup goes into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    # The event and a fresh anchor go in first, so that the dump holds them and the anchor covers the dump.
    record("backup.create", target_type="backup", target_id=folder.name,
           details={"folder": str(folder), "with_objects": with_objects})
    try:
        anchor_now(force=True)
    except StorageError as exc:
        raise BackupRefused(f"the anchor store is unreachable: {exc}") from exc
    boundary.commit()
    try:
        state = dump_database(folder)
    except DumpError as exc:
        raise BackupRefused(str(exc)) from exc
    result = CreateResult(folder)
    store = get_store()
    objects = _objects(store, state.pages, folder if with_objects else None, result)
    anchors = _copy_anchors(anchor_read_store(), folder / ANCHORS)
    result.objects, result.anchors = len(objects), len(anchors)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "complete": True,
        "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "app_version": _app_version(),
        "schema_revision": state.revision,
        "database": {"dialect": state.dialect, "file": state.file, "format": state.format},
        "audit": {"head": state.head, "anchors": anchors},
        "with_objects": with_objects,
        "objects": objects,
        "problems": result.problems,
        "search_index": "left out: derived data, rebuilt by `dangan index rebuild`",
        "files": file_digests(folder),
    }
    write_manifest(folder, manifest)
    return result


def _objects(store: ObjectStore, pages: list[tuple[str, str, str, int, str]], copy_to: Path | None,
             result: CreateResult) -> list[dict[str, Any]]:
    """Every object of the store (anchors apart) with its size and SHA-256; originals checked against their row."""
    rows = {original: (size, sha) for original, _view, _thumb, size, sha in pages}
    listed: list[dict[str, Any]] = []
    seen: set[str] = set()
    for info in store.list(""):
        if info.key.startswith(ANCHOR_PREFIX):
            continue
        seen.add(info.key)
        entry: dict[str, Any] = {"key": info.key, "size": info.size, "sha256": info.sha256,
                                 "page": info.key in rows}
        if info.key in rows:
            entry["row_size"], entry["row_sha256"] = rows[info.key]
        if copy_to is not None:
            entry["file"] = f"{OBJECTS}/{info.key}"
            entry["size"], entry["sha256"] = _copy_object(store, info.key, copy_to / entry["file"])
            result.bytes_copied += entry["size"]
        elif entry["sha256"] is None:
            entry["sha256"] = store.stat(info.key).sha256  # S3 lists without the recorded checksum
        if info.key in rows and (entry["size"], entry["sha256"]) != rows[info.key]:
            result.problems.append(f"altered in the store: {info.key}")
        listed.append(entry)
    result.problems.extend(f"missing from the store: {key}" for key in sorted(set(rows) - seen))
    return listed


def _copy_object(store: ObjectStore, key: str, target: Path) -> tuple[int, str]:
    """Stream one object to ``target``, hashing as it goes: its size and SHA-256 as read."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with store.open(key) as src, target.open("wb") as out:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def _copy_anchors(store: ObjectStore, target: Path) -> list[dict[str, Any]]:
    target.mkdir(parents=True, exist_ok=True)
    anchors = []
    for info in store.list(ANCHOR_PREFIX):
        name = info.key.removeprefix(ANCHOR_PREFIX)
        (target / name).write_bytes(store.get(info.key))
        anchors.append({"key": info.key, "file": f"{ANCHORS}/{name}", "size": info.size})
    return anchors


def verify_backup(folder: Path) -> CheckResult:
    return check_backup(folder)


def _store_is_blank(store: ObjectStore) -> bool:
    return next(iter(store.list("")), None) is None


def restore_backup(folder: Path, *, force: bool) -> dict[str, Any]:
    """Check the backup, then restore the database, the anchors and (when present) the objects.

    Refused unless the instance is blank (no row in any table, no object in the store) or ``force``.
    """
    check = check_backup(folder)
    if not check.ok:
        raise BackupRefused("the backup does not verify: " + "; ".join(str(p) for p in check.problems[:20]))
    manifest = check.manifest
    store = get_store()
    blank, filled = database_is_blank()
    if not force and not blank:
        raise BackupRefused(f"the database is not empty (rows in {', '.join(filled[:8])}); "
                            "restore into a blank instance, or give --force to replace it")
    if not force and not _store_is_blank(store):
        raise BackupRefused("the object store is not empty; restore into a blank store, or give --force")
    _check_revision(manifest.get("schema_revision", ""))
    try:
        restore_database(folder, manifest["database"]["dialect"])
    except DumpError as exc:
        raise BackupRefused(str(exc)) from exc
    anchors = _put_all(anchor_store(), ((a["key"], folder / a["file"]) for a in manifest["audit"]["anchors"]))
    objects = 0
    if manifest.get("with_objects"):
        objects = _put_all(store, ((o["key"], folder / o["file"]) for o in manifest["objects"]))
    record("backup.restore", target_type="backup", target_id=folder.name,
           details={"folder": str(folder), "created_at": manifest["created_at"], "objects": objects,
                    "anchors": anchors, "schema_revision": manifest["schema_revision"], "forced": force})
    boundary.commit()
    return {"objects": objects, "anchors": anchors, "with_objects": bool(manifest.get("with_objects")),
            "schema_revision": manifest["schema_revision"], "object_count": len(manifest["objects"])}


def _check_revision(revision: str) -> None:
    """A dump of a schema this release does not know (made by a newer one) is not restored under it."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    directory = current_app.extensions["migrate"].directory
    try:
        known = revision and ScriptDirectory(directory).get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupRefused(f"the backup's schema revision {revision!r} is unknown to this release: "
                            "restore it with the release that made it (see manifest.json app_version)")


def _put_all(store: ObjectStore, items: Any) -> int:
    written = 0
    for key, path in items:
        try:
            with path.open("rb") as fh:
                store.put(key, fh)
            written += 1
        except ObjectExists:  # a forced restore over a store that already holds it: content-addressed, kept
            pass
        except ObjectNotFound as exc:  # pragma: no cover - the check above found every file
            raise BackupRefused(f"cannot read {path}: {exc}") from exc
    return written
