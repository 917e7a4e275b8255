"""The Celery queue's steps (archive/scanning/distributed.py) run by hand: each is harmless when run twice.

A broker redelivers a task whose worker died (acks_late), so every step may run again: a page task twice, the
planning task after some pages are in, a finishing task twice.  The broker itself is in test_celery_hosts.py;
here the steps' ``send`` collects what they would send.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from archive.extensions import db
from archive.pages.models import Page
from archive.scanning import failures
from archive.scanning.models import FileTask, IngestJob, PageCheckpoint
from tests.scanning.builder import CLEAN_MATERIALS, FileSpec, build

pytestmark = pytest.mark.xdist_group("celery")  # with test_celery_hosts: shared Redis databases

TEN = [(c, s, t, n) for (c, s, t, _), n in zip(CLEAN_MATERIALS, [1, 1, 2, 2, 2, 1, 1], strict=True)]


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple]] = []

    def __call__(self, name: str, args: tuple) -> None:
        self.sent.append((name, args))

    def take(self, name: str) -> list[tuple]:
        found = [args for n, args in self.sent if n == name]
        self.sent = [(n, a) for n, a in self.sent if n != name]
        return found


def _job(app, tmp_path, files: int = 2):
    from archive.scanning.service import create_job

    package = build(tmp_path / "pkg", [FileSpec(f"XC-Q-{i:06d}", materials=TEN) for i in range(1, files + 1)])
    job = create_job([str(package)], created_by="t", street=None, source="t")
    db.session.commit()
    return job.id


def _count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query) or 0


def _objects(app) -> set[str]:
    from archive.objects import get_store

    return {o.key for o in get_store().list("")}


def test_every_step_twice_changes_nothing(app, tmp_path, no_ocr):
    from archive.scanning.distributed import finish_file, run_page, start_job

    out = Outbox()
    with app.app_context():
        job_id = _job(app, tmp_path)
        assert start_job(job_id, out) == "sent 20 pages of 2 files"
        pages = out.take("page")
        assert len(pages) == 20 and not out.sent
        assert {t.expected for t in db.session.scalars(select(FileTask))} == {10}
        for args in pages[:5]:
            assert run_page(*args, out) == "done"
        objects = _objects(app)
        # the page task redelivered: no second checkpoint, no count twice, no new object
        assert run_page(*pages[0], out) == "repeat"
        assert _count(PageCheckpoint, job_id=job_id) == 5
        assert db.session.get(IngestJob, job_id).pages_done == 5
        assert _objects(app) == objects
        # the planning task redelivered after five pages: only the fifteen others are sent again
        assert start_job(job_id, out) == "sent 15 pages of 2 files"
        again = out.take("page")
        assert set(again) == set(pages[5:])
        assert db.session.get(IngestJob, job_id).pages_done == 5
        for args in again:
            run_page(*args, out)
        finishes = out.take("finish")
        assert sorted(finishes) == [(job_id, "XC-Q-000001"), (job_id, "XC-Q-000002")]
        assert finish_file(*finishes[0]) == "ingested"
        assert finish_file(*finishes[0]) == "skipped"  # a finishing task twice records the file once
        job = db.session.get(IngestJob, job_id)
        assert job.status == "running" and job.files_done == 1
        # a late page task of a recorded file sends no finishing task again
        assert run_page(*pages[0], out) == "repeat" and not out.sent
        assert finish_file(*finishes[1]) == "ingested"
        job = db.session.get(IngestJob, job_id)
        assert job.status == "done" and job.pages_done == 20 and job.files_done == 2
        assert [o["status"] for o in job.summary] == ["ingested", "ingested"]
        assert _count(Page) == 20
        assert finish_file(*finishes[1]) == "skipped"
        assert start_job(job_id, out) == "skipped" and not out.sent  # a late planning task: the job is done
        assert _count(Page) == 20 and db.session.get(IngestJob, job_id).status == "done"


def test_a_file_refused_by_its_catalogue_is_finished_without_pages(app, tmp_path, no_ocr):
    from archive.scanning.distributed import finish_file, run_page, start_job

    out = Outbox()
    with app.app_context():
        package = build(tmp_path / "pkg", [FileSpec("XC-Q-000011", materials=TEN),
                                           FileSpec("XC-Q-000012", materials=TEN, in_catalogue=False)])
        from archive.scanning.service import create_job

        job_id = create_job([str(package)], created_by="t", street=None, source="t").id
        db.session.commit()
        start_job(job_id, out)
        assert out.take("finish") == [(job_id, "XC-Q-000012")]  # nothing to OCR: finished at once
        assert finish_file(job_id, "XC-Q-000012") == "rejected"
        for args in out.take("page"):
            run_page(*args, out)
        for args in out.take("finish"):
            finish_file(*args)
        job = db.session.get(IngestJob, job_id)
        assert job.status == "done"
        assert {o["archive_no"]: o["status"] for o in job.summary} == {"XC-Q-000011": "ingested",
                                                                      "XC-Q-000012": "rejected"}


def test_broker_down_keeps_the_job_queued_and_resume_sends_it(app, tmp_path, no_ocr):
    redis = pytest.importorskip("redis")
    pytest.importorskip("celery")
    from archive.scanning.cli_celery import send_and_follow
    from archive.scanning.queue import get_queue
    from archive.scanning.service import JobFailed

    old = app.config["DANGAN_QUEUE_URL"]
    app.config["DANGAN_QUEUE_URL"] = "celery+redis://127.0.0.1:9/0"  # nothing listens on the discard port
    for key in ("dangan.queue", "dangan.celery"):
        app.extensions.pop(key, None)
    try:
        with app.app_context():
            job_id = _job(app, tmp_path, files=1)
            get_queue().enqueue(job_id)
            job = db.session.get(IngestJob, job_id)
            assert job.status == "queued" and job.failure_code == failures.BROKER_UNAVAILABLE
            assert "127.0.0.1:9/0" in job.error
            with pytest.raises(JobFailed, match="dangan ingest --resume"):
                send_and_follow(job_id, wait=False, progress=lambda _job: None)
            assert db.session.get(IngestJob, job_id).status == "queued"
        # the broker is back: --resume sends it (a worker would take it from the list)
        url = os.environ.get("DANGAN_TEST_CELERY_REDIS_URL", "redis://127.0.0.1:6379/8")
        client = redis.Redis.from_url(url)
        client.flushdb()
        app.config["DANGAN_QUEUE_URL"] = "celery+" + url
        for key in ("dangan.queue", "dangan.celery"):
            app.extensions.pop(key, None)
        with app.app_context():
            assert send_and_follow(job_id, wait=False, progress=lambda _job: None) is None
            job = db.session.get(IngestJob, job_id)
            assert job.status == "queued" and job.failure_code == ""
        assert client.llen("dangan") == 1
        client.flushdb()
    finally:
        app.config["DANGAN_QUEUE_URL"] = old
        for key in ("dangan.queue", "dangan.celery"):
            app.extensions.pop(key, None)
