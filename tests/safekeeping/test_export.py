"""``dangan export``: a file as a BagIt bag that a blank instance ingests into the same catalogue, pages and links."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import bagit
from sqlalchemy import select

from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.roles import Role
from storage import sha256_file
from tests.factories import Factory
from tests.safekeeping.conftest import cli
from tests.safekeeping.helpers import ingest_package, snapshot

ARCHIVE_NO = "XC-2020-000101"


def _archivist(app):  # type: ignore[no-untyped-def]
    return Factory(app).user(Role.ARCHIVIST, street="德胜")


def test_export_round_trips_through_ingest(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src")
    ingest_package(src, tmp_path / "package")
    user = _archivist(src)
    bag_dir = tmp_path / "bag"
    result = cli(src, "export", ARCHIVE_NO, "-o", str(bag_dir), "--user", user.username)
    assert result.exit_code == 0, result.output

    bag = bagit.Bag(str(bag_dir))
    bag.validate()  # every payload and tag file against its SHA-256 manifest
    meta = json.loads((bag_dir / "metadata.json").read_text(encoding="utf-8"))
    assert meta["layout"] == "structured" and len(meta["pages"]) == 7
    for page in meta["pages"]:
        assert sha256_file(bag_dir / page["path"]) == page["sha256"] and page["current"]
        assert page["material"]["title"] and page["material"]["序号"] >= 1
    assert {e["action"] for e in meta["events"]["file"]} >= {"ingest.file"}
    assert (bag_dir / "data" / "目录.xlsx").is_file() and (bag_dir / "data" / "人员.xlsx").is_file()

    dst = instances("dst")
    ingested = cli(dst, "ingest", str(bag_dir / "data"))
    assert ingested.exit_code == 0, ingested.output
    assert snapshot(dst) == snapshot(src)
    again = instances("again")  # the bag folder itself is read from its data/
    ingested = cli(again, "ingest", str(bag_dir))
    assert ingested.exit_code == 0 and "rejected" not in ingested.output, ingested.output
    assert snapshot(again) == snapshot(src)


def test_zip_export_round_trips(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src")
    ingest_package(src, tmp_path / "package")
    admin = Factory(src).user(Role.ADMIN)
    out = tmp_path / "XC.zip"
    assert cli(src, "export", ARCHIVE_NO, "-o", str(out), "--user", admin.username).exit_code == 0
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    assert f"{ARCHIVE_NO}/bagit.txt" in names and f"{ARCHIVE_NO}/metadata.json" in names
    dst = instances("dst")
    ingested = cli(dst, "ingest", str(out))
    assert ingested.exit_code == 0, ingested.output
    assert snapshot(dst) == snapshot(src)


def test_superseded_versions_are_kept_and_marked(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src")
    ingest_package(src, tmp_path / "first")
    ingest_package(src, tmp_path / "second", rescan=2)  # page 3 rescanned: version 2, version 1 superseded
    user = _archivist(src)
    bag_dir = tmp_path / "bag"
    assert cli(src, "export", ARCHIVE_NO, "-o", str(bag_dir), "--user", user.username).exit_code == 0
    bagit.Bag(str(bag_dir)).validate()
    meta = json.loads((bag_dir / "metadata.json").read_text(encoding="utf-8"))
    third = [p for p in meta["pages"] if p["position"] == 3]
    assert sorted((p["version"], p["current"], p["state"]) for p in third) == [
        (1, False, "superseded"), (2, True, "current")]
    old = next(p for p in third if not p["current"])
    assert old["superseded_by"] == {"position": 3, "version": 2} and "/.versions/" in old["path"]
    assert sha256_file(bag_dir / old["path"]) == old["sha256"]
    assert len(meta["pages"]) == 8
    # the earlier version is in the bag, but an ingest of data/ takes only the current pages
    dst = instances("dst")
    assert cli(dst, "ingest", str(bag_dir / "data")).exit_code == 0
    assert snapshot(dst) == snapshot(src)


def test_unknown_archive_no_is_a_clear_error(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src")
    user = _archivist(src)
    result = cli(src, "export", "XC-NOPE-1", "-o", str(tmp_path / "out"), "--user", user.username)
    assert result.exit_code == 1 and "no file with 档号 XC-NOPE-1" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_export_is_refused_outside_role_and_scope_and_audited(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = instances("src")
    ingest_package(src, tmp_path / "package")
    factory = Factory(src)
    other_street = factory.user(Role.ARCHIVIST, street="什刹海")
    auditor = factory.user(Role.AUDITOR)
    for user in (other_street, auditor):
        result = cli(src, "export", ARCHIVE_NO, "-o", str(tmp_path / user.username), "--user", user.username)
        assert result.exit_code == 1 and "may not export" in result.output
        assert not (tmp_path / user.username).exists()
    allowed = _archivist(src)
    assert cli(src, "export", ARCHIVE_NO, "-o", str(tmp_path / "ok"), "--user", allowed.username).exit_code == 0
    with src.app_context():
        events = db.session.execute(select(AuditEvent.username, AuditEvent.outcome, AuditEvent.archive_no)
                                    .where(AuditEvent.action == "file.export").order_by(AuditEvent.seq)).all()
        db.session.remove()
    assert [tuple(e) for e in events] == [(other_street.username, "denied", ARCHIVE_NO),
                                          (auditor.username, "denied", ARCHIVE_NO),
                                          (allowed.username, "ok", ARCHIVE_NO)]


def test_a_file_with_pages_of_no_material_round_trips_in_the_flat_layout(instances, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.scanning.builder import FileSpec, PageSpec, build, default_pages

    src = instances("src")
    spec = FileSpec(ARCHIVE_NO)
    spec.pages = [*default_pages(spec), PageSpec(["多扫的一页", "无对应材料"])]  # beyond the catalogue: EXTRA_PAGES
    assert cli(src, "ingest", str(build(tmp_path / "package", [spec]))).exit_code == 0
    before = snapshot(src)
    assert before[ARCHIVE_NO]["pages"][-1][2] is None
    user = _archivist(src)
    bag_dir = tmp_path / "bag"
    assert cli(src, "export", ARCHIVE_NO, "-o", str(bag_dir), "--user", user.username).exit_code == 0
    meta = json.loads((bag_dir / "metadata.json").read_text(encoding="utf-8"))
    assert meta["layout"] == "flat" and meta["pages"][-1]["material"] is None
    assert any(f["rule"] == "EXTRA_PAGES" and f["text"] for f in meta["findings"])
    dst = instances("dst")
    cli(dst, "ingest", str(bag_dir / "data"))  # exit 1 is not asked: the file is ingested with its EXTRA_PAGES error
    assert snapshot(dst) == before
