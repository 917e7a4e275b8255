"""Ingest into a real S3 server (SeaweedFS), and an S3 outage in the middle of a job.

With the ``app`` fixture these run on SQLite and, in CI, on PostgreSQL: the
district deployment's PostgreSQL + S3 combination.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.extensions import db
from archive.pages.models import Page
from archive.scanning.models import IngestJob
from storage import open_store
from tests.scanning.builder import FileSpec, build
from tests.storage.weed import WeedServer, find_weed

pytestmark = [pytest.mark.slow, pytest.mark.skipif(find_weed() is None, reason="weed not installed")]


@pytest.fixture
def weed(tmp_path):
    server = WeedServer(tmp_path / "weed")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_app(app, weed):
    """The app writing page images to the S3 server instead of the local folder."""
    url = weed.url("dangan-pages")
    old_url, old_store = app.config["DANGAN_STORAGE_URL"], app.extensions.get("dangan.store")
    app.config["DANGAN_STORAGE_URL"] = url
    app.extensions["dangan.store"] = open_store(url)
    app.config["DANGAN_OCR_ENGINE"], old_ocr = "", app.config.get("DANGAN_OCR_ENGINE")
    yield app
    app.config.update(DANGAN_STORAGE_URL=old_url, DANGAN_OCR_ENGINE=old_ocr)
    app.extensions["dangan.store"] = old_store


def test_demo_package_ingests_into_s3(s3_app, tmp_path):
    from archive.demo import generate_people, write_package

    people = generate_people(1, seed=3)
    package = write_package(tmp_path / "demo", people, images_for=1, dpi=150)  # smaller pages, same layout
    runner = s3_app.test_cli_runner()
    result = runner.invoke(args=["ingest", "--json", "--workers", "2", str(package)])
    outcomes = json.loads(result.output)
    assert outcomes[0]["status"] == "ingested" and outcomes[0]["pages"] == people[0].page_count
    # 150 dpi pages: the resolution rule says so, and nothing is lost
    assert "LOW_RESOLUTION" in {f["rule"] for f in outcomes[0]["findings"]}
    result = runner.invoke(args=["storage", "verify", "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["ok"] and report["pages"] == people[0].page_count


def test_s3_outage_mid_job_then_retry_completes_without_loss_or_duplicates(s3_app, weed, tmp_path):
    from archive.scanning.service import JobFailed, create_job, run_job

    package = build(tmp_path / "pkg", [FileSpec("XC-S3-000001"), FileSpec("XC-S3-000002")])
    with s3_app.app_context():
        job = create_job([str(package)], created_by="t", street=None, source="t")
        db.session.commit()
        job_id = job.id

    def stop_weed_after_four(job: IngestJob) -> None:
        if job.step == "OCR" and job.pages_done == 4 and weed.process is not None:
            weed.stop(grace=0.5)

    with s3_app.app_context(), pytest.raises(JobFailed):
        run_job(job_id, progress=stop_weed_after_four)
    with s3_app.app_context():
        failed = db.session.get(IngestJob, job_id)
        assert failed.status == "failed" and "run the job again" in failed.error
        assert db.session.scalar(select(func.count()).select_from(Page)) == 0  # nothing half-recorded
    # the store comes back (same data, new port) and the job is run again
    weed.start()
    url = weed.url("dangan-pages")
    s3_app.config["DANGAN_STORAGE_URL"] = url
    s3_app.extensions["dangan.store"] = open_store(url)
    result = s3_app.test_cli_runner().invoke(args=["ingest", "--json", "--resume", str(job_id)])
    outcomes = json.loads(result.output)
    assert result.exit_code == 0 and [o["status"] for o in outcomes] == ["ingested", "ingested"]
    with s3_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Page)) == 14
        keys = list(db.session.scalars(select(Page.original_key)))
        assert len(set(keys)) == 14
    result = s3_app.test_cli_runner().invoke(args=["storage", "verify", "--json"])
    report = json.loads(result.output)
    assert report["ok"] and report["missing"] == [] and report["orphaned"] == [], report
    assert Path(tmp_path).exists()
