"""A job cut into page tasks, for several worker hosts (the Celery queue, archive/scanning/celery_app.py).

Three steps, each safe to run twice — a broker redelivers a task whose worker died (``acks_late``):

* :func:`start_job` plans the job as ``run_job`` does (catalogue import, which pages still need the pipeline),
  writes one :class:`FileTask` per file (its plan and how many page checkpoints it waits for), and sends a page
  task per page to do, or the file's finishing task at once when it has none.
* :func:`run_page` runs one page through ``ingest.pipeline.process_page`` and commits its checkpoint together
  with the job's ``pages_done`` (the job page's live progress).  A page already checkpointed is not redone:
  the unique checkpoint (job, 档号, position) and the content-addressed objects make a repeat harmless.  The
  task that finds the file's last checkpoint in sends the finishing task.
* :func:`finish_file` records the file — QC rules, pages, links, findings, audit event — in the one short
  transaction of ``record_file``, with the file marked recorded and the job's summary and counters in that same
  transaction, under a lock on the job's row; the file that completes the job ends it there too.

Every host opens the package itself (uploads are fetched from the object store; a path given on the command
line must be the same path on every host, e.g. a shared mount).  The functions raise on outages
(:class:`storage.StorageError`, SQLAlchemy ``OperationalError``); the Celery layer retries with back-off and,
once retries are spent, fails the job with the reason named (:func:`fail_job`).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from archive.extensions import db
from archive.scanning import failures
from archive.scanning.models import FileTask, IngestJob, JobStatus, PageCheckpoint
from archive.scanning.recording import FileOutcome, FilePlan, record_file
from archive.scanning.results import result_to_json
from archive.scanning.service import (
    _check_settings,
    _claim,
    _fail,
    _import_catalogue,
    _plan,
    finish_in_session,
    record_package_problems,
)
from archive.scanning.uploads import discard_uploads, materialise
from archive.timeutil import utcnow
from ingest.errors import IngestError
from ingest.model import PageRef
from ingest.package import open_package
from ingest.pipeline import PageContext, process_page
from storage import StorageError

__all__ = ["Send", "fail_job", "finish_file", "run_page", "start_job"]

log = logging.getLogger(__name__)

Send = Callable[[str, tuple[Any, ...]], None]
"""How a step hands on work: ``send("page", (job_id, archive_no, position))`` or ``send("finish", (…))``."""

# --- the package, opened once per worker process and job ------------------------------------------------


@dataclass
class _Opened:
    work: str
    package: Any
    refs: dict[tuple[str, int], PageRef]


_opened: OrderedDict[int, _Opened] = OrderedDict()
_KEEP = 2  # packages kept open per process: the jobs in flight, not every job the worker ever saw


def _package(job: IngestJob) -> _Opened:
    found = _opened.get(job.id)
    if found is not None:
        _opened.move_to_end(job.id)
        return found
    work = tempfile.mkdtemp(prefix=f"dangan-job{job.id}-")
    try:
        package = open_package(materialise(job, Path(work)), Path(work) / "package")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    refs = {(f.archive_no, p.order): p for f in package.files for p in f.pages}
    _opened[job.id] = found = _Opened(work, package, refs)
    while len(_opened) > _KEEP:
        _forget(next(iter(_opened)))
    return found


def _forget(job_id: int) -> None:
    opened = _opened.pop(job_id, None)
    if opened is not None:
        shutil.rmtree(opened.work, ignore_errors=True)


# --- the steps -----------------------------------------------------------------------------------------------


def start_job(job_id: int, send: Send) -> str:
    """Plan the job and send its page (and finishing) tasks; returns what it did, for the log."""
    job = db.session.get(IngestJob, job_id)
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        db.session.rollback()
        return "skipped"  # done, failed or gone: a late duplicate of the message changes nothing
    job = _claim(job_id, None)
    # Not owned by one process: its pages run on every host.  Liveness is the heartbeat each page updates.
    job.owner_host, job.owner_pid, job.owner_token, job.worker = "", None, "", "celery"
    db.session.commit()
    _check_settings()
    opened = _package(job)
    package = opened.package
    refused = _import_catalogue(job, [Path(package.root) / s for s in package.catalogue_sources])
    plans = _plan(job, package, refused)
    known = {t.archive_no: t for t in db.session.scalars(select(FileTask).where(FileTask.job_id == job_id))}
    done: dict[str, int] = {no: n for no, n in db.session.execute(
        select(PageCheckpoint.archive_no, func.count()).where(PageCheckpoint.job_id == job_id)
        .group_by(PageCheckpoint.archive_no))}
    for plan in plans:
        task = known.get(plan.ref.archive_no) or FileTask(job_id=job_id, archive_no=plan.ref.archive_no)
        task.file_id, task.reject = plan.file_id, plan.reject
        task.shas = {str(k): v for k, v in plan.shas.items()}
        task.expected = 0 if plan.reject else len(plan.todo) + done.get(plan.ref.archive_no, 0)
        db.session.add(task)
    job = db.session.get_one(IngestJob, job_id)
    job.step = "OCR"
    outcomes = record_package_problems(job, plans, package.problems)  # commits the tasks with the counters
    if not plans:
        _end_in_session(job, outcomes)
        db.session.commit()
        _after_end(job)
        return "ended"
    sent = 0
    for plan in plans:
        pages = [] if plan.reject else plan.todo
        for page in pages:
            send("page", (job_id, plan.ref.archive_no, page.order))
            sent += 1
        if not pages:
            send("finish", (job_id, plan.ref.archive_no))
    return f"sent {sent} pages of {len(plans)} files"


def run_page(job_id: int, archive_no: str, position: int, send: Send) -> str:
    """One page through the pipeline and its checkpoint; ``"repeat"`` when it was done already."""
    job = db.session.get(IngestJob, job_id)
    if job is None or job.status != JobStatus.RUNNING:
        db.session.rollback()
        return "skipped"  # the job failed meanwhile (resume sends its pages again) or was ended
    if _checkpointed(job_id, archive_no, position):
        db.session.rollback()
        _send_finish_when_complete(job_id, archive_no, send)
        return "repeat"
    opened = _package(job)
    ref = opened.refs.get((archive_no, position))
    if ref is None:
        raise IngestError(f"档号 {archive_no} 第 {position} 页不在扫描包中")
    config = current_app.config
    ctx = PageContext(package_root=str(opened.package.root), store_url=config["DANGAN_STORAGE_URL"],
                      ocr_engine=config.get("DANGAN_OCR_ENGINE", "tesseract") or None,
                      max_pixels=int(config.get("DANGAN_MAX_PIXELS", 200_000_000)))
    db.session.rollback()  # no transaction held open while the page is OCR'd
    result = process_page(ref, ctx)
    if result.error == "storage_unavailable":
        raise StorageError(result.message)  # retried with back-off; the objects written so far are reused
    try:
        db.session.add(PageCheckpoint(job_id=job_id, archive_no=archive_no, position=position,
                                      result=result_to_json(result)))
        db.session.flush()
        db.session.execute(update(IngestJob).where(IngestJob.id == job_id).values(
            pages_done=IngestJob.pages_done + 1, heartbeat_at=utcnow()))
        db.session.commit()
    except IntegrityError:
        # Another worker checkpointed this page meanwhile (a redelivered message): its checkpoint stands.
        db.session.rollback()
        _send_finish_when_complete(job_id, archive_no, send)
        return "repeat"
    _send_finish_when_complete(job_id, archive_no, send)
    return "done"


def finish_file(job_id: int, archive_no: str) -> str:
    """Record one file whose pages are all in; ends the job with its last file."""
    job = db.session.scalars(select(IngestJob).where(IngestJob.id == job_id).with_for_update()).first()
    task = db.session.scalars(select(FileTask).where(
        FileTask.job_id == job_id, FileTask.archive_no == archive_no).with_for_update()).first()
    if job is None or task is None or task.recorded or job.status != JobStatus.RUNNING:
        db.session.rollback()
        return "skipped"
    if _checkpoints(job_id, archive_no) < task.expected:
        db.session.rollback()
        return "waiting"  # a finishing task sent too early (cannot happen unless checkpoints were deleted)
    opened = _package(job)
    ref = next((f for f in opened.package.files if f.archive_no == archive_no), None)
    if ref is None:
        raise IngestError(f"档号 {archive_no} 不在扫描包中")
    plan = FilePlan(ref, task.file_id, reject=task.reject, shas={int(k): v for k, v in (task.shas or {}).items()})
    ended: list[bool] = []

    def with_file(outcome: FileOutcome) -> None:
        # Inside record_file's transaction: the file, its mark and the job's progress commit together.
        task.recorded = True
        outcomes = [FileOutcome(**o) for o in job.summary or []] + [outcome]
        job.summary = [o.as_dict() for o in outcomes]
        job.files_done = len(outcomes)
        job.heartbeat_at = utcnow()
        if job.files_done >= job.files_total:
            _end_in_session(job, outcomes)
            ended.append(True)

    outcome = record_file(job, plan, opened.package.problems, before_commit=with_file)
    if ended:
        _after_end(job)
    return outcome.status


def fail_job(job_id: int, exc: BaseException) -> None:
    """Fail the job with the reason of ``exc`` (a task's retries are spent, or the package is unusable)."""
    db.session.rollback()
    if isinstance(exc, IngestError):
        code, params = failures.PACKAGE_REFUSED, {"detail": str(exc)}
    elif isinstance(exc, StorageError):
        code, params = failures.STORAGE_UNAVAILABLE, {"detail": str(exc)}
    elif isinstance(exc, OperationalError | InterfaceError):
        code, params = failures.DATABASE_UNAVAILABLE, {}
    else:
        code, params = failures.INTERNAL_ERROR, {"kind": type(exc).__name__}
    job = db.session.get(IngestJob, job_id)
    if job is None or job.status == JobStatus.DONE:
        db.session.rollback()
        return
    _fail(job_id, code, params)
    _forget(job_id)


# --- helpers -------------------------------------------------------------------------------------------------


def _checkpointed(job_id: int, archive_no: str, position: int) -> bool:
    return db.session.scalar(select(PageCheckpoint.id).where(
        PageCheckpoint.job_id == job_id, PageCheckpoint.archive_no == archive_no,
        PageCheckpoint.position == position)) is not None


def _checkpoints(job_id: int, archive_no: str) -> int:
    return db.session.scalar(select(func.count()).select_from(PageCheckpoint).where(
        PageCheckpoint.job_id == job_id, PageCheckpoint.archive_no == archive_no)) or 0


def _send_finish_when_complete(job_id: int, archive_no: str, send: Send) -> None:
    """Send the file's finishing task once all its checkpoints are in (twice is harmless: it locks and checks)."""
    task = db.session.scalars(select(FileTask).where(
        FileTask.job_id == job_id, FileTask.archive_no == archive_no)).first()
    complete = task is not None and not task.recorded and _checkpoints(job_id, archive_no) >= task.expected
    db.session.rollback()
    if complete:
        send("finish", (job_id, archive_no))


def _end_in_session(job: IngestJob, outcomes: list[FileOutcome]) -> None:
    if any(o.usable for o in outcomes):
        finish_in_session(job, JobStatus.DONE)
    elif outcomes:
        finish_in_session(job, JobStatus.FAILED, failures.NOTHING_USABLE, {"n": len(outcomes)})
    else:
        finish_in_session(job, JobStatus.FAILED, failures.EMPTY_PACKAGE, {})


def _after_end(job: IngestJob) -> None:
    job_id, status = job.id, job.status
    _forget(job_id)
    if status == JobStatus.DONE:
        discard_uploads(job_id, reason="done")
    log.info("ingest job %s ended %s", job_id, status)
