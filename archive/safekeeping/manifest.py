"""The backup manifest: what a backup folder must hold, with a SHA-256 of every file, and its check.

``manifest.json`` lists the dump, every stored object (key, size, SHA-256 — from the page rows for originals,
from the store for the rest), the audit anchors and chain head, the schema revision, the app version, the time,
and ``files``: the SHA-256 and size of every other file in the folder.  ``manifest.sha256`` holds the hash of
``manifest.json`` itself, so a changed manifest is told apart from a changed file.  :func:`check_backup` says
which file is missing, altered or unexpected; it never stops at the first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage import sha256_file

__all__ = ["FORMAT", "MANIFEST", "MANIFEST_HASH", "BackupProblem", "check_backup", "file_digests", "load_manifest",
           "write_manifest"]

FORMAT = "dangan-backup/1"
MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"


@dataclass(frozen=True)
class BackupProblem:
    path: str  # relative to the backup folder
    problem: str  # missing | altered | unexpected | unreadable | incomplete

    def __str__(self) -> str:
        return f"{self.problem}: {self.path}"


@dataclass
class CheckResult:
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[BackupProblem] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def file_digests(folder: Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {"sha256", "size"}}`` of every file under ``folder`` except the manifest pair."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in (MANIFEST, MANIFEST_HASH):
            out[rel] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return out


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    (folder / MANIFEST).write_bytes(body)
    (folder / MANIFEST_HASH).write_text(f"{sha256_file(folder / MANIFEST)}  {MANIFEST}\n", encoding="ascii")


def load_manifest(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))


def check_backup(folder: Path) -> CheckResult:
    """Every file the manifest names present with its hash, no file it does not name, the manifest unchanged."""
    result = CheckResult()
    if not folder.is_dir():
        result.problems.append(BackupProblem(str(folder), "missing"))
        return result
    if not (folder / MANIFEST).is_file():
        result.problems.append(BackupProblem(MANIFEST, "missing"))
        return result
    try:
        result.manifest = load_manifest(folder)
    except (ValueError, OSError):
        result.problems.append(BackupProblem(MANIFEST, "unreadable"))
        return result
    recorded = (folder / MANIFEST_HASH).read_text(encoding="ascii").split()[:1] if (
        folder / MANIFEST_HASH).is_file() else []
    if not recorded:
        result.problems.append(BackupProblem(MANIFEST_HASH, "missing"))
    elif recorded[0] != sha256_file(folder / MANIFEST):
        result.problems.append(BackupProblem(MANIFEST, "altered"))
    if result.manifest.get("format") != FORMAT or not result.manifest.get("complete"):
        result.problems.append(BackupProblem(MANIFEST, "incomplete"))
    expected: dict[str, dict[str, Any]] = result.manifest.get("files") or {}
    for rel, want in sorted(expected.items()):
        path = folder / rel
        if not path.is_file():
            result.problems.append(BackupProblem(rel, "missing"))
        elif path.stat().st_size != want.get("size") or sha256_file(path) != want.get("sha256"):
            result.problems.append(BackupProblem(rel, "altered"))
        result.files += 1
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in expected and rel not in (MANIFEST, MANIFEST_HASH):
            result.problems.append(BackupProblem(rel, "unexpected"))
    for obj in result.manifest.get("objects", []) if result.manifest.get("with_objects") else []:
        if obj.get("file") and obj["file"] not in expected:  # listed as copied, yet not among the files
            result.problems.append(BackupProblem(obj["file"], "missing"))
    return result
