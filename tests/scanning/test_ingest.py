"""Ingest end to end through ``dangan ingest``: clean packages, planted defects, bad input, re-runs, rescans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.pages.models import Page
from archive.scanning.models import IngestJob, QcFinding
from tests.scanning.builder import FileSpec, PageSpec, build, default_pages

pytestmark = pytest.mark.slow


def ingest(app, *paths: Path, workers: int = 0, extra: tuple[str, ...] = ()):
    result = app.test_cli_runner().invoke(
        args=["ingest", "--json", "--workers", str(workers), *extra, *map(str, paths)])
    try:
        return result.exit_code, json.loads(result.output)
    except ValueError:
        raise AssertionError(result.output) from result.exception


def rules(outcome: dict) -> set[str]:
    return {f["rule"] for f in outcome["findings"]}


def test_clean_package_with_real_ocr_flags_nothing(app, tmp_path):
    package = build(tmp_path / "pkg", [FileSpec("XC-T-000001", name="张建国")])
    code, outcomes = ingest(app, package)
    assert code == 0, outcomes
    assert outcomes == [{"archive_no": "XC-T-000001", "status": "ingested", "pages": 7, "findings": []}]
    with app.app_context():
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == "XC-T-000001"))
        pages = list(db.session.scalars(select(Page).where(Page.file_id == file.id).order_by(Page.position)))
        assert [p.material.title for p in pages] == [m[2] for m in FileSpec("x").materials]
        assert all(p.dpi == 300 and p.ocr_engine == "tesseract" for p in pages)
        assert "张建国" in pages[0].ocr_text and "干部履历表" in pages[0].ocr_text
        assert file.status == "digitised"
    # the same package again changes nothing and says so
    code, again = ingest(app, package)
    assert code == 0 and again[0]["status"] == "unchanged"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Page)) == 7


def test_planted_defects_are_all_caught(app, tmp_path, no_ocr):
    spec = FileSpec("XC-T-000002")
    spec.materials = [("一", 1, "干部履历表", 2), ("一", 3, "职工登记表", 1),  # 序号 gap: no 2
                      ("四-1", 1, "毕业证书", 1), ("九-1", 1, "转正定级表", 1), ("九-2", 1, "招工审批表", 1),
                      ("九-2", 2, "劳动合同书", 1), ("九-2", 3, "退休审批表", 1)]  # 工资 missing
    pages = default_pages(spec)
    pages[1] = PageSpec(pages[1].lines, dpi=150)            # LOW_RESOLUTION (error)
    pages[2] = PageSpec(pages[2].lines, skew=4.0)            # SKEW (error)
    pages.insert(3, PageSpec([], blank=True))                # BLANK_PAGE (a verso: 页数 does not count it)
    pages[4] = PageSpec(pages[4].lines, corrupt=True)        # UNREADABLE_PAGE
    pages.append(PageSpec([], same_as=0))                    # DUPLICATE_PAGE + EXTRA_PAGES + PAGE_COUNT_MISMATCH
    pages[5] = PageSpec(pages[5].lines, fmt="png")           # MIXED_FORMATS
    spec.pages = pages
    package = build(tmp_path / "pkg", [spec])
    code, outcomes = ingest(app, package)
    assert code == 0
    found = rules(outcomes[0])
    assert {"LOW_RESOLUTION", "SKEW", "BLANK_PAGE", "UNREADABLE_PAGE", "DUPLICATE_PAGE", "EXTRA_PAGES",
            "PAGE_COUNT_MISMATCH", "MIXED_FORMATS", "SEQUENCE_GAP", "REQUIRED_MATERIAL_MISSING"} <= found
    with app.app_context():
        stored = db.session.scalars(select(QcFinding.rule)).all()
        assert set(stored) == found


def test_missing_material_is_reported(app, tmp_path, no_ocr):
    spec = FileSpec("XC-T-000003")
    spec.pages = default_pages(spec)[:-2]  # the last two materials were not scanned
    code, outcomes = ingest(app, build(tmp_path / "pkg", [spec]))
    assert code == 0 and {"MATERIAL_NOT_SCANNED", "PAGE_COUNT_MISMATCH"} <= rules(outcomes[0])


def test_unknown_file_and_package_without_catalogue_are_rejected(app, tmp_path, no_ocr):
    package = build(tmp_path / "pkg", [FileSpec("XC-T-000004"), FileSpec("XC-T-000005", in_catalogue=False)])
    code, outcomes = ingest(app, package)
    assert code == 1
    by_no = {o["archive_no"]: o for o in outcomes}
    assert by_no["XC-T-000004"]["status"] == "ingested"
    assert by_no["XC-T-000005"]["status"] == "rejected"
    assert "不在目录中" in by_no["XC-T-000005"]["findings"][0]["message"]
    bare = build(tmp_path / "bare", [FileSpec("XC-T-000006")], catalogue=False)
    code, outcomes = ingest(app, bare)
    assert code == 1 and outcomes[0]["status"] == "rejected"
    with app.app_context():
        assert db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == "XC-T-000006")) is None


def test_rescan_supersedes_and_keeps_the_old_version(app, tmp_path, no_ocr):
    spec = FileSpec("XC-T-000007")
    package = build(tmp_path / "v1", [spec])
    assert ingest(app, package)[0] == 0
    spec.pages = default_pages(spec)
    spec.pages[2] = PageSpec(spec.pages[2].lines + ["（重扫）"])
    code, outcomes = ingest(app, build(tmp_path / "v2", [spec]))
    assert code == 0 and outcomes[0]["status"] == "ingested"
    with app.app_context():
        versions = list(db.session.scalars(select(Page).where(Page.position == 3).order_by(Page.version)))
        assert [(p.version, p.current) for p in versions] == [(1, False), (2, True)]
        assert versions[0].superseded_by_id == versions[1].id
        assert db.session.scalar(select(func.count()).select_from(Page).where(Page.current.is_(True))) == 7
    result = app.test_cli_runner().invoke(args=["storage", "verify", "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["pages"] == 8 and report["ok"] is True


def test_storage_verify_reports_missing_altered_and_orphaned(app, tmp_path, no_ocr):
    assert ingest(app, build(tmp_path / "pkg", [FileSpec("XC-T-000008")]))[0] == 0
    from archive.objects import get_store

    with app.app_context():
        store = get_store()
        pages = list(db.session.scalars(select(Page).order_by(Page.position)))
        root = Path(store.root)
    (root / pages[0].original_key).unlink()
    altered = root / pages[1].original_key
    altered.write_bytes(altered.read_bytes()[:-10] + b"0123456789")
    store.put("pages/ff/ff/stray.jpg", b"not known to any row")
    result = app.test_cli_runner().invoke(args=["storage", "verify", "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["ok"] is False
    assert [m["key"] for m in report["missing"]] == [pages[0].original_key]
    assert [a["key"] for a in report["altered"]] == [pages[1].original_key]
    assert report["orphaned"] == ["pages/ff/ff/stray.jpg"]


def test_crash_mid_job_resumes_without_duplicates(app, tmp_path, no_ocr):
    from archive.scanning.service import create_job, run_job

    package = build(tmp_path / "pkg", [FileSpec("XC-T-000009"), FileSpec("XC-T-000010")])
    with app.app_context():
        job = create_job([str(package)], created_by="t", street=None, source="t")
        db.session.commit()
        job_id = job.id

    class Crash(BaseException):
        pass

    def crash_after_five(job: IngestJob) -> None:
        if job.pages_done >= 5 and job.step == "OCR":
            raise Crash()

    with app.app_context(), pytest.raises(Crash):
        run_job(job_id, progress=crash_after_five)
    with app.app_context():
        job = db.session.get(IngestJob, job_id)
        assert job.status == "running" and job.pages_done == 5
        assert db.session.scalar(select(func.count()).select_from(Page)) == 0  # nothing half-recorded
    code, outcomes = ingest(app, extra=("--resume", str(job_id)))
    assert code == 0 and [o["status"] for o in outcomes] == ["ingested", "ingested"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Page)) == 14
        assert db.session.get(IngestJob, job_id).status == "done"


def test_worker_processes(app, tmp_path, no_ocr):
    code, outcomes = ingest(app, build(tmp_path / "pkg", [FileSpec("XC-T-000011")]), workers=2)
    assert code == 0 and outcomes[0]["pages"] == 7


def test_scheduled_storage_verify_records_its_result(app, tmp_path, no_ocr):
    from archive.audit.models import AuditEvent
    from archive.scheduler import verify_storage_once

    assert ingest(app, build(tmp_path / "pkg", [FileSpec("XC-T-000012")]))[0] == 0
    verify_storage_once(app)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "storage.verify"))
        assert event.outcome == "ok" and json.loads(event.details)["pages"] == 7


def test_skewed_and_sealed_pages_read_straight_with_seals_apart(app, tmp_path):
    # Issue 12: the skew was measured but the page read as it lay; a seal's words went into the body text.
    spec = FileSpec("XC-T-000012", name="王秀兰")
    pages = default_pages(spec)
    pages[0] = PageSpec(pages[0].lines, skew=4.5)
    pages[2] = PageSpec(pages[2].lines, seal="北京第一机床厂革命委员会")
    spec.pages = pages
    code, outcomes = ingest(app, build(tmp_path / "pkg", [spec]))
    assert code == 0, outcomes
    with app.app_context():
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == "XC-T-000012"))
        stored = list(db.session.scalars(select(Page).where(Page.file_id == file.id).order_by(Page.position)))
        assert "王秀兰" in stored[0].ocr_text and "干部履历表" in stored[0].ocr_text
        assert "革命委员会" not in stored[2].ocr_text
        assert "机床厂" in stored[2].seal_text or "委员会" in stored[2].seal_text, stored[2].seal_text
        assert all(p.seal_text == "" for i, p in enumerate(stored) if i != 2)


def test_flat_file_links_in_catalogue_row_order_and_checks_headings(app, tmp_path):
    # Issue 12: the sending unit's 目录 lists 九-2 before 一; the scanner followed the list, not class order.
    spec = FileSpec("XC-T-000013")
    spec.materials = [("九-2", 1, "招工审批表", 1), ("一", 1, "干部履历表", 2), ("四-1", 1, "毕业证书", 1)]
    pages = default_pages(spec)
    # …and one page of 干部履历表 went in front of the 招工审批表: 招工审批表 is one page late.
    pages[0], pages[1] = pages[1], pages[0]
    spec.pages = pages
    code, outcomes = ingest(app, build(tmp_path / "pkg", [spec]))
    assert code == 0, outcomes
    with app.app_context():
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == "XC-T-000013"))
        assert [m.sheet_row for m in file.materials] == [2, 3, 1]  # class order, each with its row as sent
        stored = list(db.session.scalars(select(Page).where(Page.file_id == file.id).order_by(Page.position)))
        assert [p.material.title for p in stored] == ["招工审批表", "干部履历表", "干部履历表", "毕业证书"]
    mismatched = [f for f in outcomes[0]["findings"] if f["rule"] == "TITLE_MISMATCH"]
    assert [f["page"] for f in mismatched] == [1, 2], outcomes
    assert "干部履历表" in mismatched[0]["message"] and "招工审批表" in mismatched[0]["message"]
