"""The Celery queue: ``DANGAN_QUEUE_URL=celery+redis://host:6379/N`` or ``celery+amqp://user:pw@host:5672//``.

A job is cut into page tasks (archive/scanning/distributed.py) that any ``dangan worker`` on any host takes:
each host needs the database, the object store and the broker, nothing else.  The settings that make a dead
worker harmless:

* ``task_acks_late`` + ``task_reject_on_worker_lost``: a task is acknowledged only when it ended, so a worker
  killed mid-page (its process, or the whole host) gives the page back to the broker, and another worker does
  it; the steps are idempotent, so a page done twice is stored and counted once.
* ``worker_prefetch_multiplier=1``: a worker holds one page per process, not a backlog a dead host would take
  with it until the visibility timeout.
* Redis: ``visibility_timeout`` (``DANGAN_CELERY_VISIBILITY_SECONDS``, 3600) is how long an unacknowledged page
  waits before the broker gives it to another worker; it must be longer than the slowest page, or a slow page
  is run twice (harmless, but wasted).  RabbitMQ gives a dead connection's pages back at once.
* Outages of the object store or the database are retried with exponential back-off
  (``DANGAN_CELERY_RETRIES``, 6; first after ``DANGAN_CELERY_RETRY_SECONDS``, 2 s, at most 5 minutes apart);
  after the last, the job fails with the reason named and ``dangan ingest --resume`` sends it again.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from celery import Celery, Task
from celery.signals import worker_process_init
from flask import Flask

from archive.extensions import db
from ingest.errors import IngestError
from ingest.lifeline import die_with_parent
from storage import StorageError

__all__ = ["broker_url", "celery_for", "run_celery_worker", "send_job"]

log = logging.getLogger(__name__)

QUEUE = "dangan"
PREFIX = "celery+"


def broker_url(queue_url: str) -> str:
    """The broker's own URL: ``celery+redis://…`` → ``redis://…``."""
    return queue_url[len(PREFIX):] if queue_url.startswith(PREFIX) else queue_url


def celery_for(app: Flask) -> Celery:
    """The app's Celery instance with its three tasks, created on first use."""
    celery: Celery | None = app.extensions.get("dangan.celery")
    if celery is None:
        celery = _make(app)
        app.extensions["dangan.celery"] = celery
    return celery


def send_job(app: Flask, job_id: int) -> None:
    """Send a job's planning task; raises when the broker cannot be reached (after a short retry)."""
    celery_for(app).send_task("dangan.job", args=(job_id,), queue=QUEUE)


def _make(app: Flask) -> Celery:
    config = app.config
    celery = Celery("dangan", broker=broker_url(config["DANGAN_QUEUE_URL"]), set_as_current=False)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_ignore_result=True,  # progress and outcomes are in the database, not in a result backend
        task_serializer="json",
        accept_content=["json"],
        # Redis: every worker looks for pages unacknowledged longer than the visibility timeout (a dead host's)
        # every unacked_restore_interval seconds, not kombu's default of every 10 × 10 s.
        broker_transport_options={"visibility_timeout": int(config.get("DANGAN_CELERY_VISIBILITY_SECONDS", 3600)),
                                  "unacked_restore_interval": 10, "unacked_restore_throttle": 1},
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        # A submission while the broker is down fails after about two seconds (the job stays queued and the
        # user is told) rather than hanging the request.
        task_publish_retry=True,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1},
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
    )
    retries = int(config.get("DANGAN_CELERY_RETRIES", 6))
    first = float(config.get("DANGAN_CELERY_RETRY_SECONDS", 2))

    def send(name: str, args: tuple[Any, ...]) -> None:
        celery.send_task(f"dangan.{name}", args=args, queue=QUEUE)

    class AppTask(Task):
        """Runs in the Flask app's context; outages retried with back-off, then the job failed with the reason."""

        max_retries = retries

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    return self._guarded(args)
                finally:
                    db.session.remove()

        def _guarded(self, args: tuple[Any, ...]) -> Any:
            from sqlalchemy.exc import InterfaceError, OperationalError

            from archive.scanning.distributed import fail_job

            job_id = int(args[0])
            try:
                return self.run(*args)
            except (StorageError, OperationalError, InterfaceError) as exc:
                db.session.rollback()
                if self.request.retries < retries:
                    delay = min(first * 2 ** self.request.retries, 300.0)
                    log.warning("%s%s: %s; again in %.0f s", self.name, args, exc, delay)
                    raise self.retry(exc=exc, countdown=delay) from exc
                log.error("%s%s: %s; retries spent, the job fails", self.name, args, exc)
                fail_job(job_id, exc)
            except IngestError as exc:  # the package (or this file of it) cannot be used: a result, not a retry
                fail_job(job_id, exc)
            except Exception as exc:
                log.exception("%s%s stopped by an internal error", self.name, args)
                fail_job(job_id, exc)
            return None

    @celery.task(name="dangan.job", base=AppTask, bind=True)  # type: ignore[untyped-decorator]
    def job_task(self: Task, job_id: int) -> str:
        from archive.scanning.distributed import start_job

        return start_job(job_id, send)

    @celery.task(name="dangan.page", base=AppTask, bind=True)  # type: ignore[untyped-decorator]
    def page_task(self: Task, job_id: int, archive_no: str, position: int) -> str:
        from archive.scanning.distributed import run_page

        return run_page(job_id, archive_no, position, send)

    @celery.task(name="dangan.finish", base=AppTask, bind=True)  # type: ignore[untyped-decorator]
    def finish_task(self: Task, job_id: int, archive_no: str) -> str:
        from archive.scanning.distributed import finish_file

        return finish_file(job_id, archive_no)

    return celery


def _after_fork(app: Flask) -> None:
    # A prefork child: its own database connections (never the parent's sockets), tesseract on one thread, and
    # it dies with the worker that forked it rather than run pages nobody acknowledges.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    with app.app_context():
        db.engine.dispose(close=False)
    die_with_parent(os.getppid())


def resend_waiting(app: Flask) -> list[int]:
    """Send again the queued jobs whose submission found the broker down (failure code ``broker_unavailable``)."""
    from sqlalchemy import select

    from archive.scanning import failures
    from archive.scanning.models import IngestJob, JobStatus

    with app.app_context():
        waiting = list(db.session.scalars(select(IngestJob.id).where(
            IngestJob.status == JobStatus.QUEUED, IngestJob.failure_code == failures.BROKER_UNAVAILABLE)))
        db.session.rollback()
        for job_id in waiting:
            send_job(app, job_id)
        db.session.remove()
    return waiting


def run_celery_worker(app: Flask, *, concurrency: int, name: str = "") -> None:
    """``dangan worker`` on a Celery queue: a prefork worker of ``concurrency`` processes (blocks)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by every child: tesseract single-threaded per process
    celery = celery_for(app)
    worker_process_init.connect(lambda **_: _after_fork(app), weak=False)
    resent = resend_waiting(app)
    if resent:
        log.warning("sent again jobs %s that were queued while the broker was down", resent)
    with app.app_context():
        db.engine.dispose()  # the children open their own connections
    worker = celery.Worker(
        concurrency=concurrency, pool="prefork", queues=[QUEUE], loglevel="INFO",
        hostname=name or f"dangan-{os.getpid()}@{socket.gethostname()}",
        without_mingle=True, without_gossip=True, optimization="fair",
    )
    worker.start()
