"""The job queue behind ingest: in-process by default, Redis for a district deployment.

``DANGAN_QUEUE_URL``:

* ``embedded://`` (default) — a worker thread inside the web process; no service needed.
* ``inline://`` — run the job at once in the caller (tests, scripts).
* ``celery+redis://host:port/db`` or ``celery+amqp://user:pw@host:5672//`` — Celery: a job is cut into page
  tasks that ``dangan worker`` processes on every host share (archive/scanning/celery_app.py).  A job whose
  submission finds the broker down stays ``queued`` with the reason shown; a worker starting up, or
  ``dangan ingest --resume``, sends it again.
* ``redis://host:port/db`` — the older whole-job queue, kept as it was: jobs go to a Redis list;
  ``dangan worker`` on any host that reaches the
  database and the object store takes them.  A job whose worker died stops sending heartbeats; a
  worker starting up re-queues jobs whose heartbeat is older than ``DANGAN_JOB_STALE_MINUTES`` (10),
  and the page checkpoints make running them again safe.

Only job ids travel through the queue; workers load everything else from the database.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Protocol

from flask import Flask, current_app

from archive.extensions import db
from archive.timeutil import utcnow

__all__ = ["CeleryQueue", "JobQueue", "get_queue", "recover_interrupted", "run_worker"]

log = logging.getLogger(__name__)

REDIS_KEY = "dangan:ingest:queue"


class JobQueue(Protocol):
    """Where job ids wait.  ``enqueue`` must not block on the job itself (except ``inline``)."""

    def enqueue(self, job_id: int) -> None: ...


def _run(app: Flask, job_id: int) -> None:
    from archive.scanning.service import run_job

    with app.app_context():
        try:
            run_job(job_id)
        except Exception:
            log.exception("ingest job %s stopped", job_id)
        finally:
            db.session.remove()


class InlineQueue:
    """Runs the job in the caller: the simplest thing for tests and scripts."""

    def enqueue(self, job_id: int) -> None:
        from archive.scanning.service import run_job

        try:
            run_job(job_id)
        except Exception:
            log.exception("ingest job %s stopped", job_id)


class EmbeddedQueue:
    """One background thread in this process works through the jobs in order.

    The queue lives in memory, so a restart of the server loses it: on start-up it first recovers what the
    previous process left (:func:`recover_interrupted`), then starts its thread.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.jobs: queue.Queue[int] = queue.Queue()
        self.interrupted, queued = recover_interrupted(app)
        for job_id in queued:
            self.jobs.put(job_id)
        self.thread = threading.Thread(target=self._loop, name="dangan-ingest", daemon=True)
        self.thread.start()

    def enqueue(self, job_id: int) -> None:
        self.jobs.put(job_id)

    def _loop(self) -> None:
        while True:
            _run(self.app, self.jobs.get())


class RedisQueue:
    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def enqueue(self, job_id: int) -> None:
        self.redis.lpush(REDIS_KEY, job_id)

    def take(self, timeout: float) -> int | None:
        item = self.redis.brpop([REDIS_KEY], timeout)
        return int(item[1]) if item is not None else None


class CeleryQueue:
    """Jobs go to a Celery broker; never raises: a broker that is down leaves the job queued, and says so."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def enqueue(self, job_id: int) -> None:
        from archive.scanning.celery_app import broker_url, send_job

        try:
            send_job(self.app, job_id)
        except Exception as exc:  # kombu's OperationalError, a refused socket, a DNS failure: all "not reachable"
            log.error("ingest job %s could not be sent to the task queue (%s): it stays queued", job_id, exc)
            _mark_unsent(job_id, broker_url(self.app.config["DANGAN_QUEUE_URL"]))


def _mark_unsent(job_id: int, broker: str) -> None:
    from flask import flash, has_request_context
    from flask_babel import gettext

    from archive.scanning import failures
    from archive.scanning.models import IngestJob, JobStatus

    shown = broker.rsplit("@", 1)[-1]  # never a password in the message
    job = db.session.get(IngestJob, job_id)
    if job is not None and job.status == JobStatus.QUEUED:
        params = {"broker": shown}
        job.failure_code, job.failure_params = failures.BROKER_UNAVAILABLE, params
        job.error = failures.failure_text(failures.BROKER_UNAVAILABLE, params)
        db.session.commit()
    if has_request_context():
        flash(gettext("The task queue (%(broker)s) could not be reached: the batch is kept as queued and is sent "
                      "again when a worker starts, or with dangan ingest --resume.", broker=shown), "warning")


def requeue_stale(q: JobQueue, stale_minutes: float) -> list[int]:
    """Enqueue again the running jobs whose worker stopped sending heartbeats."""
    import datetime as dt

    from sqlalchemy import select

    from archive.scanning.models import IngestJob, JobStatus

    limit = utcnow() - dt.timedelta(minutes=stale_minutes)
    stale = list(db.session.scalars(select(IngestJob.id).where(
        IngestJob.status == JobStatus.RUNNING, IngestJob.heartbeat_at < limit)))
    for job_id in stale:
        q.enqueue(job_id)
    db.session.rollback()
    return stale


def recover_interrupted(app: Flask) -> tuple[list[int], list[int]]:
    """Start-up recovery of the embedded queue; returns (jobs marked interrupted, queued jobs to run).

    A job ``running`` whose owner process is gone — the server was restarted or killed mid-job, or a
    ``dangan ingest`` died, possibly while the database was down so that it could not record its failure — is
    marked failed with the reason "interrupted by restart"; its checkpoints stay, so ``dangan ingest --resume``
    finishes it.  A job whose owner runs on another host (or that predates owners) is judged by its
    heartbeat (``DANGAN_JOB_STALE_MINUTES``).  Uploaded batches still ``queued`` were waiting in the lost
    in-memory queue: they are queued again.
    """
    import datetime as dt

    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from archive.scanning.failures import owner_alive
    from archive.scanning.models import IngestJob, JobStatus
    from archive.scanning.service import mark_interrupted
    from archive.scanning.uploads import STORE_PREFIX

    interrupted: list[int] = []
    with app.app_context():
        try:
            limit = utcnow() - dt.timedelta(minutes=float(app.config.get("DANGAN_JOB_STALE_MINUTES", 10)))
            running = list(db.session.scalars(select(IngestJob).where(IngestJob.status == JobStatus.RUNNING)))
            for job in running:
                alive = owner_alive(job)
                if alive is None:
                    alive = job.heartbeat_at is not None and job.heartbeat_at >= limit
                if alive:
                    continue
                log.warning("ingest job %s was left running by %s, which is gone: marked interrupted",
                            job.id, job.worker or "an unknown process")
                mark_interrupted(job.id, job.worker or "?")
                interrupted.append(job.id)
            queued = [job.id for job in db.session.scalars(
                select(IngestJob).where(IngestJob.status == JobStatus.QUEUED).order_by(IngestJob.id))
                if any(p.startswith(STORE_PREFIX) for p in job.paths or [])]
            db.session.rollback()
        except SQLAlchemyError:
            # The database is not there yet: the server still starts; the next start-up recovers these jobs.
            log.exception("start-up recovery of ingest jobs failed")
            db.session.rollback()
            return interrupted, []
    return interrupted, queued


def get_queue() -> JobQueue:
    """The app's queue, created on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    q = app.extensions.get("dangan.queue")
    if q is None:
        url = app.config.get("DANGAN_QUEUE_URL", "embedded://")
        if url.startswith("inline:"):
            q = InlineQueue()
        elif url.startswith("celery+"):
            q = CeleryQueue(app)
        elif url.startswith("redis"):
            q = RedisQueue(url)
        else:
            q = EmbeddedQueue(app)
        app.extensions["dangan.queue"] = q
    return q


def run_worker(app: Flask, *, once: bool = False, timeout: float = 5.0) -> int:
    """``dangan worker``: take job ids from Redis and run them; returns how many ran."""
    url = app.config.get("DANGAN_QUEUE_URL", "")
    if not url.startswith("redis"):
        raise RuntimeError(
            "dangan worker needs DANGAN_QUEUE_URL=redis://… (the embedded queue runs in the web process)"
        )
    rq = RedisQueue(url)
    with app.app_context():
        recovered = requeue_stale(rq, float(app.config.get("DANGAN_JOB_STALE_MINUTES", 10)))
    if recovered:
        log.warning("re-queued jobs %s left by crashed workers", recovered)
    ran = 0
    while True:
        job_id = rq.take(timeout)
        if job_id is None:
            if once:
                return ran
            continue
        _run(app, job_id)
        ran += 1
        if once:
            return ran
