"""``dangan backup create|verify|restore``: a restore into a blank instance gives back the same archive."""

from __future__ import annotations

import json
from pathlib import Path

from tests.safekeeping.conftest import cli
from tests.safekeeping.helpers import populate, search_hits, snapshot


def test_backup_restore_round_trip(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src")
    populate(src, tmp_path)
    assert cli(src, "index", "rebuild").exit_code == 0
    before, hits = snapshot(src), search_hits(src)
    assert sum(len(f["pages"]) for f in before.values()) == 11 and all(hits.values())

    backup = tmp_path / "backup"
    made = cli(src, "backup", "create", str(backup), "--with-objects")
    assert made.exit_code == 0, made.output
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_revision"] and manifest["audit"]["anchors"] and manifest["audit"]["head"]["seq"] > 0
    originals = [o for o in manifest["objects"] if o["page"]]
    distinct = {page[1] for f in before.values() for page in f["pages"]}  # the factory's pages share bytes
    assert len(originals) == len(distinct) and all(o["sha256"] == o["row_sha256"] for o in originals)
    assert cli(src, "backup", "verify", str(backup)).exit_code == 0

    dst = instances("dst")
    restored = cli(dst, "backup", "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "search index rebuilt" in restored.output
    assert snapshot(dst) == before
    assert search_hits(dst) == hits
    audit = cli(dst, "audit", "verify")
    assert audit.exit_code == 0, audit.output
    fixity = cli(dst, "storage", "verify")
    assert fixity.exit_code == 0, fixity.output
    assert cli(dst, "index", "rebuild").exit_code == 0
    log = cli(dst, "audit", "export", "--format", "csv")
    assert "backup.create" in log.output and "backup.restore" in log.output


def test_backup_without_objects_restores_onto_the_same_store(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src")
    populate(src, tmp_path)
    backup = tmp_path / "backup"
    assert cli(src, "backup", "create", str(backup)).exit_code == 0
    assert not (backup / "objects").exists()
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert len([o for o in manifest["objects"] if o["page"]]) == 9 and not manifest["with_objects"]
    # the database is lost; the store (a replicated S3 bucket, say) survives
    dst = instances("dst", migrated=False)
    dst.config["DANGAN_STORAGE_URL"] = src.config["DANGAN_STORAGE_URL"]
    refused = cli(dst, "backup", "restore", str(backup))
    assert refused.exit_code == 1 and "object store is not empty" in refused.output
    done = cli(dst, "backup", "restore", str(backup), "--force")
    assert done.exit_code == 0, done.output
    assert snapshot(dst) == snapshot(src)
    assert cli(dst, "storage", "verify").exit_code == 0
    assert cli(dst, "audit", "verify").exit_code == 0


def test_verify_names_the_tampered_missing_and_unexpected_files(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src")
    populate(src, tmp_path)
    backup = tmp_path / "backup"
    assert cli(src, "backup", "create", str(backup), "--with-objects").exit_code == 0
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    dump = backup / manifest["database"]["file"]
    original = next(o for o in manifest["objects"] if o["page"])
    anchor = manifest["audit"]["anchors"][0]["file"]

    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    (backup / original["file"]).unlink()
    (backup / anchor).write_text("{}", encoding="utf-8")
    (backup / "stray.txt").write_text("x", encoding="utf-8")

    result = cli(src, "backup", "verify", str(backup))
    assert result.exit_code == 1
    assert f"BACKUP ALTERED: {manifest['database']['file']}" in result.output
    assert f"BACKUP MISSING: {original['file']}" in result.output
    assert f"BACKUP ALTERED: {anchor}" in result.output
    assert "BACKUP UNEXPECTED: stray.txt" in result.output

    dst = instances("dst")
    refused = cli(dst, "backup", "restore", str(backup))
    assert refused.exit_code == 1 and "does not verify" in refused.output


def test_an_incomplete_or_edited_manifest_is_named(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src")
    backup = tmp_path / "backup"
    assert cli(src, "backup", "create", str(backup)).exit_code == 0
    manifest = (backup / "manifest.json").read_text(encoding="utf-8")
    (backup / "manifest.json").write_text(manifest.replace('"complete": true', '"complete": false'),
                                          encoding="utf-8")
    result = cli(src, "backup", "verify", str(backup))
    assert result.exit_code == 1
    assert "BACKUP ALTERED: manifest.json" in result.output and "BACKUP INCOMPLETE: manifest.json" in result.output
    (backup / "manifest.json").unlink()
    result = cli(src, "backup", "verify", str(backup))
    assert result.exit_code == 1 and "BACKUP MISSING: manifest.json" in result.output


def test_restore_into_a_database_with_rows_is_refused_unless_forced(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import Factory

    src = instances("src")
    populate(src, tmp_path)
    backup = tmp_path / "backup"
    assert cli(src, "backup", "create", str(backup), "--with-objects").exit_code == 0
    dst = instances("dst")
    kept = Factory(dst).file(archive_no="KEEP-1", materials=1)
    refused = cli(dst, "backup", "restore", str(backup))
    assert refused.exit_code == 1 and "database is not empty" in refused.output
    assert "KEEP-1" in snapshot(dst) and kept.archive_no == "KEEP-1"
    forced = cli(dst, "backup", "restore", str(backup), "--force")
    assert forced.exit_code == 0, forced.output
    assert snapshot(dst) == snapshot(src)


def test_backup_into_a_folder_that_holds_files_is_refused(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src")
    folder = tmp_path / "used"
    folder.mkdir()
    (folder / "old.txt").write_text("x", encoding="utf-8")
    result = cli(src, "backup", "create", str(folder))
    assert result.exit_code == 1 and "not empty" in result.output


def test_a_backup_of_an_unknown_schema_revision_is_not_restored(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from archive.safekeeping.manifest import file_digests, load_manifest, write_manifest

    src = instances("src")
    backup = tmp_path / "backup"
    assert cli(src, "backup", "create", str(backup)).exit_code == 0
    manifest = load_manifest(backup)
    manifest["schema_revision"] = "0099_from_the_future"
    manifest["files"] = file_digests(backup)
    write_manifest(backup, manifest)  # a consistent backup, made by a newer release
    dst = instances("dst")
    refused = cli(dst, "backup", "restore", str(backup))
    assert refused.exit_code == 1 and "0099_from_the_future" in refused.output and "unknown" in refused.output
