"""Running an ingest job: the job-level table of contents.

Slow work first, outside any long transaction: the package is opened, pages are
decoded, measured, stored and OCR'd in worker processes, each finished page is
checkpointed in its own tiny commit.  Then each file is recorded in **one short
transaction** — its pages linked to the catalogue, its QC findings, its status and
its audit event — so a file is either fully recorded or not at all.  A job that
dies (crash, storage or database outage) is run again with the same id and
finishes the remaining pages without redoing or duplicating any.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from archive.catalogue.importer import import_paths
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.pages.models import Page
from archive.scanning import failures
from archive.scanning.job_events import record_for_job
from archive.scanning.models import IngestJob, JobStatus, PageCheckpoint
from archive.scanning.recording import FileOutcome, FilePlan, problem_finding, record_file
from archive.scanning.results import result_to_json
from archive.scanning.uploads import UPLOADS_GONE, discard_uploads, materialise
from archive.timeutil import utcnow
from ingest.errors import IngestError, PackageError
from ingest.model import PageResult
from ingest.package import open_package
from ingest.pipeline import PageContext, run_pages
from ingest.qc import QcSettings
from ingest.sources import read_page_bytes
from storage import StorageError, sha256_bytes

__all__ = ["JobBusy", "JobFailed", "create_job", "mark_interrupted", "run_job"]

log = logging.getLogger(__name__)


# Uploads are kept exactly as long as a job may still need them (README, "Uploads"):
# * a job that ends done deletes its uploads at once (discard_uploads);
# * a failed job keeps them, so that `dangan ingest --resume JOB` can run it again — until it ends done,
#   or is given up with `dangan ingest --abandon JOB` (or the job page's button), which deletes them;
# * `dangan storage verify` lists upload objects that no queued, running or failed job holds any more.


class JobFailed(RuntimeError):
    """The job stopped for a reason outside the package (storage or database outage); run it again."""


class JobBusy(JobFailed):
    """The job is running in another live process on this host: it is not claimed a second time."""


class _SettingsInvalid(ValueError):
    """A DANGAN_QC_* value does not parse: the job fails with the setting named, before any page is read."""


def create_job(paths: list[str], *, created_by: str, street: str | None, source: str, workers: int = 0) -> IngestJob:
    """A queued job (flushed; the caller commits and enqueues its id)."""
    job = IngestJob(created_by=created_by, street=street, source=source[:500], paths=list(paths),
                    workers=workers, status=JobStatus.QUEUED)
    db.session.add(job)
    db.session.flush()
    return job


def run_job(job_id: int, *, workers: int | None = None,
            progress: Callable[[IngestJob], None] | None = None) -> list[FileOutcome]:
    """Run (or resume) a job to the end; raises :class:`JobFailed` when it must be retried.

    Whatever stops the job, it ends ``failed`` with a named reason (``failures``), never ``running``: a package
    that cannot be used, an object-store or database outage, a dead pool worker, an invalid setting, or any
    other error (its traceback goes to the log, not to the user).
    """
    job = _claim(job_id, workers)
    try:
        _check_settings()
        with tempfile.TemporaryDirectory(prefix=f"dangan-job{job_id}-") as work:
            paths = materialise(job, Path(work))
            _step(job, "open package")
            package = open_package(paths, Path(work) / "package")
            refused = _import_catalogue(job, [Path(package.root) / s for s in package.catalogue_sources])
            plans = _plan(job, package, refused)
            _checkpoint_pages(job, package.root, plans, progress)
            outcomes = _record_files(job, plans, package.problems, progress)
        if not any(o.usable for o in outcomes):
            # Not one file could be ingested: the batch failed, and says so, rather than end "done 0/0".
            if outcomes:
                _fail(job_id, failures.NOTHING_USABLE, {"n": len(outcomes)})
            else:
                _fail(job_id, failures.EMPTY_PACKAGE, {})
            return outcomes
        _finish(job_id, JobStatus.DONE)
    except IngestError as exc:  # the package as a whole is unusable: a result, not a retry
        _fail(job_id, failures.PACKAGE_REFUSED, {"detail": str(exc)})
        raise
    except (StorageError, JobFailed) as exc:
        _fail(job_id, failures.STORAGE_UNAVAILABLE, {"detail": str(exc)},
              error=f"{exc} — run the job again to finish it")
        raise JobFailed(str(exc)) from exc
    except _SettingsInvalid as exc:
        log.error("ingest job %s: invalid configuration: %s", job_id, exc)
        _fail(job_id, failures.CONFIG_INVALID, {"detail": str(exc)})
        raise JobFailed(failures.failure_text(failures.CONFIG_INVALID, {"detail": str(exc)})) from exc
    except BrokenProcessPool as exc:  # a pool worker was killed (out of memory, kill -9)
        log.exception("ingest job %s: a page worker process died", job_id)
        _fail(job_id, failures.WORKER_DIED, {})
        raise JobFailed(failures.failure_text(failures.WORKER_DIED, {})) from exc
    except (OperationalError, InterfaceError) as exc:  # the database went away
        log.exception("ingest job %s: database unavailable", job_id)
        _fail(job_id, failures.DATABASE_UNAVAILABLE, {})
        raise JobFailed(failures.failure_text(failures.DATABASE_UNAVAILABLE, {})) from exc
    except Exception as exc:
        log.exception("ingest job %s stopped by an internal error", job_id)
        params = {"kind": type(exc).__name__}
        _fail(job_id, failures.INTERNAL_ERROR, params)
        raise JobFailed(failures.failure_text(failures.INTERNAL_ERROR, params)) from exc
    discard_uploads(job_id, reason="done")
    return outcomes


# --- steps -----------------------------------------------------------------------------------------


def _claim(job_id: int, workers: int | None) -> IngestJob:
    job = db.session.get(IngestJob, job_id)
    if job is None:
        raise JobFailed(f"no ingest job {job_id}")
    if not job.paths:
        # A web batch whose uploads were deleted when it ended (done or abandoned): nothing to run, and the
        # job keeps the status it ended with.
        raise PackageError(UPLOADS_GONE)
    if job.status == JobStatus.RUNNING and failures.owner_alive(job) and not failures.owner_is_this_process(job):
        db.session.rollback()
        raise JobBusy(f"job {job_id} is running in process {job.worker}")
    job.status, job.error, job.failure_code, job.failure_params = JobStatus.RUNNING, "", "", {}
    job.started_at = job.started_at or utcnow()
    job.heartbeat_at = utcnow()
    job.owner_host, job.owner_pid, job.owner_token = failures.this_process()
    job.worker = f"{job.owner_host}:{job.owner_pid}"[:100]
    if workers is not None:
        job.workers = workers
    record_for_job(job, "ingest.start", target_type="ingest_job", target_id=job.id, details={"source": job.source})
    db.session.commit()
    return job


def _step(job: IngestJob, step: str) -> None:
    job.step, job.heartbeat_at = step, utcnow()
    db.session.commit()


def _check_settings() -> None:
    try:
        QcSettings.from_mapping(current_app.config)
    except ValueError as exc:
        raise _SettingsInvalid(str(exc)) from exc


def _finish(job_id: int, status: JobStatus, code: str = "", params: dict[str, Any] | None = None,
            error: str = "") -> None:
    """End the job (done, or failed with a reason code and its parameters) with its ``ingest.finish`` event."""
    db.session.rollback()
    job = db.session.get(IngestJob, job_id)
    if job is None:
        return
    finish_in_session(job, status, code, params, error)
    db.session.commit()


def finish_in_session(job: IngestJob, status: JobStatus, code: str = "", params: dict[str, Any] | None = None,
                      error: str = "") -> None:
    """:func:`_finish` inside the caller's transaction (the Celery finishing task ends the job with its last file)."""
    params = params or {}
    error = error or (failures.failure_text(code, params) if code else "")
    job.status, job.error, job.finished_at, job.step = status, error[:4000], utcnow(), ""
    job.failure_code, job.failure_params = code, dict(params)
    details: dict[str, Any] = {"status": status.value, "error": error[:500], "pages": job.pages_done}
    if code:
        details["reason"] = code
    record_for_job(job, "ingest.finish", outcome="ok" if status == JobStatus.DONE else "failed",
                   target_type="ingest_job", target_id=job.id, details=details)


def _fail(job_id: int, code: str, params: dict[str, Any], *, error: str = "") -> bool:
    """Mark the job failed; while the database is unreachable, try again with backoff.

    Returns False when it could not be marked within ``DANGAN_JOB_FAIL_RETRY_SECONDS``: the job then stays
    ``running`` with an owner that will be gone, and start-up recovery (``queue.recover_interrupted``) marks it.
    """
    deadline = time.monotonic() + float(current_app.config.get("DANGAN_JOB_FAIL_RETRY_SECONDS", 60))
    delay = float(current_app.config.get("DANGAN_JOB_FAIL_RETRY_FIRST", 0.5))
    while True:
        try:
            _finish(job_id, JobStatus.FAILED, code, params, error)
            return True
        except (OperationalError, InterfaceError) as exc:
            with contextlib.suppress(Exception):
                db.session.rollback()
            if time.monotonic() + delay > deadline:
                log.error("ingest job %s could not be marked failed (%s): the database is still unavailable; "
                          "start-up recovery will mark it", job_id, exc)
                return False
            log.warning("ingest job %s: database unavailable, marking it failed again in %.1f s", job_id, delay)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


def mark_interrupted(job_id: int, owner: str) -> None:
    """A job left ``running`` by a process that is gone: failed, "interrupted by restart", resumable."""
    _finish(job_id, JobStatus.FAILED, failures.INTERRUPTED, {"owner": owner})


def _import_catalogue(job: IngestJob, sources: list[Path]) -> set[str]:
    """Import the package's 目录/人员 for files that have no catalogue yet (existing ones are kept).

    A job created by a street-scoped archivist imports within that street only, judged before the
    import (:func:`archive.catalogue.importer.import_sheets`); if any file is outside it, nothing of the
    sheets is imported and those 档号 are returned, so that their pages are refused too.
    """
    if not sources:
        return set()

    _step(job, "import catalogue")
    result = import_paths(sources, replace=False, street_scope=job.street)
    real = [e for e in result.errors if e.code != "catalogue_exists"]
    details: dict[str, Any] = {"files": result.imported_files, "materials": result.imported_materials,
                               "archive_nos": result.archive_nos[:500], "errors": [e.as_json() for e in real][:50]}
    if result.out_of_scope:  # nothing was written: the import refuses before its first change
        log.warning("job %s: catalogue import refused, files outside street %s: %s", job.id, job.street,
                    ", ".join(result.out_of_scope[:20]))
        record_for_job(job, "catalogue.import", outcome="denied", target_type="ingest_job", target_id=job.id,
                       details={**details, "out_of_scope": result.out_of_scope[:500]})
    else:
        record_for_job(job, "catalogue.import", outcome="ok" if not real else "failed", target_type="ingest_job",
                       target_id=job.id, details=details)
    db.session.commit()
    return set(result.out_of_scope)


def _plan(job: IngestJob, package: Any, refused: set[str] | None = None) -> list[FilePlan]:
    """Which files can be ingested, and which of their pages still need the pipeline."""
    _step(job, "plan")
    done_summary = {o["archive_no"] for o in job.summary or []}
    checkpointed = {(c.archive_no, c.position) for c in db.session.scalars(
        select(PageCheckpoint).where(PageCheckpoint.job_id == job.id))}
    plans = []
    for ref in package.files:
        if ref.archive_no in done_summary:
            continue  # recorded before the job was interrupted
        file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == ref.archive_no))
        plan = FilePlan(ref, file.id if file else None)
        plans.append(plan)
        if refused and ref.archive_no in refused:
            plan.reject = f"档号 {ref.archive_no} 的目录/人员会使其不属于 {job.street} 街道：目录导入被拒绝，无权导入"
            continue
        if file is None:
            plan.reject = f"档号 {ref.archive_no} 不在目录中：请先导入其目录（目录.xlsx）"
            continue
        if job.street and file.street != job.street:
            plan.reject = f"档号 {ref.archive_no} 不属于 {job.street} 街道，无权导入"
            continue
        if not file.materials:
            plan.reject = f"档号 {ref.archive_no} 没有目录：扫描包中也没有目录表"
            continue
        current = {p.position: p.sha256 for p in db.session.scalars(
            select(Page).where(Page.file_id == file.id, Page.current.is_(True)))}
        for page in ref.pages:
            try:
                data, _fmt = read_page_bytes(Path(package.root), page)
                plan.shas[page.order] = sha256_bytes(data)
            except IngestError:
                pass  # the pipeline reports it as the page's finding
            sha = plan.shas.get(page.order)
            if sha is not None and current.get(page.order) == sha:
                continue  # this exact page is already stored at this position
            if (ref.archive_no, page.order) in checkpointed:
                continue
            plan.todo.append(page)
    job.files_total = len(package.files)
    job.pages_total = sum(len(p.ref.pages) for p in plans if not p.reject)
    job.pages_done = job.pages_total - sum(len(p.todo) for p in plans)
    db.session.commit()
    return plans


def _checkpoint_pages(job: IngestJob, root: str, plans: list[FilePlan],
                      progress: Callable[[IngestJob], None] | None) -> None:
    todo = [page for plan in plans if not plan.reject for page in plan.todo]
    if not todo:
        return
    _step(job, "OCR")
    config = current_app.config
    ctx = PageContext(package_root=root, store_url=config["DANGAN_STORAGE_URL"],
                      ocr_engine=config.get("DANGAN_OCR_ENGINE", "tesseract") or None,
                      max_pixels=int(config.get("DANGAN_MAX_PIXELS", 200_000_000)))
    outage: list[str] = []

    def checkpoint(result: PageResult) -> None:
        if result.error == "storage_unavailable":
            outage.append(result.message)
            return
        db.session.add(PageCheckpoint(job_id=job.id, archive_no=result.ref.archive_no,
                                      position=result.ref.order, result=result_to_json(result)))
        job.pages_done += 1
        job.heartbeat_at = utcnow()
        db.session.commit()
        if progress:
            progress(job)

    workers = job.workers or int(config.get("DANGAN_INGEST_WORKERS", 0) or os.cpu_count() or 1)
    run_pages(todo, ctx, workers=workers, on_result=checkpoint, should_stop=lambda: bool(outage))
    if outage:
        raise JobFailed(f"object store unavailable: {outage[0]}")


def _record_files(job: IngestJob, plans: list[FilePlan], problems: Any,
                  progress: Callable[[IngestJob], None] | None) -> list[FileOutcome]:
    _step(job, "record")
    outcomes = record_package_problems(job, plans, problems)
    for plan in plans:
        outcome = record_file(job, plan, problems)
        outcomes.append(outcome)
        job = db.session.get(IngestJob, job.id)
        job.files_done = len(outcomes)
        job.summary = [o.as_dict() for o in outcomes]
        db.session.commit()
        if progress:
            progress(job)
    return outcomes


def record_package_problems(job: IngestJob, plans: list[FilePlan], problems: Any) -> list[FileOutcome]:
    """The outcomes before any planned file: those recorded before an interruption, unreadable files, loose inputs.

    Commits the job's file counters and summary with them; the planned files follow, one transaction each.
    """
    outcomes = [FileOutcome(**o) for o in job.summary or []]
    planned = {plan.ref.archive_no for plan in plans} | {o.archive_no for o in outcomes}
    unreadable: dict[str, list[Any]] = {}
    for problem in problems:
        if problem.archive_no and problem.archive_no not in planned:
            unreadable.setdefault(problem.archive_no, []).append(problem)
    for archive_no, found in sorted(unreadable.items()):
        # a whole file that could not be opened (an encrypted or broken PDF, say): rejected, named
        record_for_job(job, "ingest.file", outcome="failed", target_type="file", archive_no=archive_no,
                       details={"job": job.id, "status": "rejected", "reasons": [p.message for p in found]})
        outcomes.append(FileOutcome(archive_no, "rejected", 0, [problem_finding(p) for p in found]))
    # Inputs that belong to no file (a stray text file, random bytes uploaded as a package, a link at the top):
    # each gets an outcome of its own, so that nothing the archivist gave is dropped without a word.
    seen = {o.source for o in outcomes if o.source}
    loose = [p for p in problems if not p.archive_no and p.path not in seen]
    for problem in loose:
        outcomes.append(FileOutcome("", "rejected", 0, [problem_finding(problem, "REJECTED")], source=problem.path))
    if loose:
        record_for_job(job, "ingest.rejected_inputs", outcome="failed", target_type="ingest_job", target_id=job.id,
                       details={"inputs": [{"path": p.path, "code": p.code} for p in loose][:200]})
    job.files_total = len(outcomes) + len(plans)
    job.files_done = len(outcomes)
    job.summary = [o.as_dict() for o in outcomes]
    db.session.commit()
    return outcomes
