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
import unicodedata
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import InterfaceError, OperationalError

from archive.accounts.models import User
from archive.audit import record
from archive.catalogue.classes import format_class
from archive.catalogue.importer import import_paths
from archive.catalogue.models import ArchiveFile, FileStatus, Material
from archive.extensions import db
from archive.objects import get_store
from archive.pages.models import Page
from archive.scanning import failures
from archive.scanning.models import FindingStatus, IngestJob, JobStatus, PageCheckpoint, QcFinding
from archive.scanning.results import page_as_result, page_words, result_from_json, result_to_json
from archive.signals import app_sender, pages_recorded
from archive.timeutil import utcnow
from ingest.errors import IngestError, PackageError
from ingest.model import FileRef, Finding, MaterialRef, PageRef, PageResult
from ingest.package import open_package
from ingest.pipeline import PageContext, run_pages
from ingest.qc import QcSettings, findings_as_json, run_file_checks
from ingest.sources import read_page_bytes
from storage import ObjectNotFound, StorageError, sha256_bytes

__all__ = ["FileOutcome", "JobBusy", "JobFailed", "abandon_job", "create_job", "discard_uploads", "mark_interrupted",
           "run_job", "upload_name"]

log = logging.getLogger(__name__)

STORE_PREFIX = "store:"  # job paths that live in the object store (web uploads), not on this host
UPLOAD_PREFIX = "incoming/"  # where web uploads wait in the object store until their job has finished

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


@dataclass
class FileOutcome:
    """One line of ``dangan ingest --json``.

    A file (档号) of the package, or — with ``archive_no`` empty and ``source`` naming it relative to the
    package — an input that belongs to no file and could not be used (a stray text file, random bytes, a
    link): every input is accounted for, none is dropped without a word.
    """

    archive_no: str
    status: str  # ingested | unchanged | rejected
    pages: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)
    source: str = ""  # inputs outside any file: the path inside the package

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"archive_no": self.archive_no, "status": self.status, "pages": self.pages,
                               "findings": self.findings}
        if self.source:
            out["source"] = self.source
        return out

    @property
    def usable(self) -> bool:
        """The file is in the archive as the package has it (newly ingested or already there)."""
        return self.status in ("ingested", "unchanged")


ABANDONED = "已放弃：上传的文件已删除，该批次不能再运行"
UPLOADS_GONE = "该批次上传的文件已在批次完成或放弃后删除，不能再运行：请重新上传"
KEPT_PAGES = "本次扫描包中该卷没有一页可用，已入库的 {n} 页保持不变"


def _problem_finding(problem: Any, rule: str = "UNREADABLE_PAGE") -> dict[str, Any]:
    """A package problem as an outcome's finding: the file's name inside the package is in the message."""
    return {"rule": rule, "severity": "error", "material": None, "page": problem.page, "message": problem.message,
            "code": problem.code}


@dataclass
class _FilePlan:
    ref: FileRef
    file_id: int | None
    reject: str = ""  # reason, when the file cannot be ingested
    shas: dict[int, str] = field(default_factory=dict)  # position -> sha256 of the package's bytes
    todo: list[PageRef] = field(default_factory=list)  # pages to process (not reused, not checkpointed)


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
            paths = _materialise(job, Path(work))
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


def upload_name(filename: str, index: int) -> str:
    r"""The name an uploaded file is kept and opened under: the name it was given, made safe.

    The name matters: a loose ``目录.csv`` is only recognised as a catalogue by its name.  Only the last
    path component is kept (browsers on Windows send ``C:\…\x.zip``), control characters go, a leading
    dot goes (it would hide the file from the package scan and could clash with the local store's
    ``.dangan-tmp-`` files), and the name is cut to 200 bytes, keeping its extension.
    """
    name = unicodedata.normalize("NFC", filename.replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".").strip()
    if name.endswith(".dangan.sha256"):  # the local store's checksum side-car files
        name += "_"
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = name, ""
    while len(name.encode()) > 200 and stem:
        stem = stem[:-1]
        name = f"{stem}.{ext}" if ext else stem
    return name if name.strip(". ") else f"upload-{index}"


def _upload_keys(job: IngestJob) -> list[str]:
    return [p[len(STORE_PREFIX):] for p in job.paths or [] if p.startswith(STORE_PREFIX)]


def discard_uploads(job_id: int, *, reason: str, user: str | None = None) -> int:
    """Delete a job's uploaded files from the object store and forget them; returns how many went.

    Called when the job ended done, or when someone gives a failed job up.  Keys whose deletion fails stay
    in the job's paths (the job still "holds" them), so `dangan storage verify` reports them until a later
    call succeeds.  Commits.
    """
    job = db.session.get(IngestJob, job_id)
    keys = _upload_keys(job) if job is not None else []
    if not keys:
        return 0
    store = get_store()
    kept: list[str] = []
    for key in keys:
        try:
            store.delete(key)
        except StorageError as exc:
            log.warning("job %s: upload %s not deleted (%s); storage verify will list it", job_id, key, exc)
            kept.append(key)
    others = [p for p in job.paths or [] if not p.startswith(STORE_PREFIX)]
    job.paths = others + [STORE_PREFIX + k for k in kept]
    details: dict[str, Any] = {"reason": reason, "deleted": len(keys) - len(kept), "kept": len(kept)}
    if user:
        details["user"] = user
    _record(job, "ingest.uploads_deleted", outcome="ok" if not kept else "failed", target_type="ingest_job",
           target_id=job_id, details=details)
    db.session.commit()
    return len(keys) - len(kept)


class CannotAbandon(ValueError):
    """Only a failed job can be given up: a queued or running one is still at work, a done one is finished."""


def abandon_job(job_id: int, *, user: str) -> int:
    """Give a failed job up: its uploads are deleted, so it can no longer be resumed.  Commits."""
    job = db.session.get(IngestJob, job_id)
    if job is None or job.status != JobStatus.FAILED:
        raise CannotAbandon(job_id)
    job.error = (job.error + "\n" if job.error else "") + ABANDONED
    job.failure_params = {**(job.failure_params or {}), "abandoned": True}
    return discard_uploads(job_id, reason="abandoned", user=user)


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
    _record(job, "ingest.start", target_type="ingest_job", target_id=job.id, details={"source": job.source})
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
    params = params or {}
    error = error or (failures.failure_text(code, params) if code else "")
    job.status, job.error, job.finished_at, job.step = status, error[:4000], utcnow(), ""
    job.failure_code, job.failure_params = code, dict(params)
    details: dict[str, Any] = {"status": status.value, "error": error[:500], "pages": job.pages_done}
    if code:
        details["reason"] = code
    _record(job, "ingest.finish", outcome="ok" if status == JobStatus.DONE else "failed", target_type="ingest_job",
           target_id=job.id, details=details)
    db.session.commit()


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


def _materialise(job: IngestJob, work: Path) -> list[Path]:
    """Local paths of the package: web uploads are fetched from the object store first."""
    result = []
    store = None
    for index, item in enumerate(job.paths or []):
        if item.startswith(STORE_PREFIX):
            store = store or get_store()
            key = item[len(STORE_PREFIX):]
            # Side by side under their own names (目录.csv must stay 目录.csv); a name given twice gets a
            # folder of its own, so that neither overwrites the other.
            name = key.rsplit("/", 1)[-1]
            target = work / "incoming" / name
            if target.exists():
                target = work / f"incoming-{index}" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with store.open(key) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            except ObjectNotFound as exc:
                raise PackageError(UPLOADS_GONE, name) from exc
            result.append(target)
        else:
            result.append(Path(item))
    return result


def _actor(job: IngestJob) -> Any | None:
    """The account that created the job (its events name that person, not the OS user of the worker)."""
    if not job.created_by:
        return None
    # Looked up once per job and session: a job records an event per file.
    actors: dict[int, Any] = db.session.info.setdefault("dangan.job_actors", {})
    if job.id not in actors:
        actors[job.id] = db.session.scalar(select(User).where(User.username == job.created_by))
    return actors[job.id]


def _record(job: IngestJob, action: str, **kwargs: Any) -> Any:
    return record(action, user=_actor(job), **kwargs)


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
        _record(job, "catalogue.import", outcome="denied", target_type="ingest_job", target_id=job.id,
                details={**details, "out_of_scope": result.out_of_scope[:500]})
    else:
        _record(job, "catalogue.import", outcome="ok" if not real else "failed", target_type="ingest_job",
                target_id=job.id, details=details)
    db.session.commit()
    return set(result.out_of_scope)


def _plan(job: IngestJob, package: Any, refused: set[str] | None = None) -> list[_FilePlan]:
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
        plan = _FilePlan(ref, file.id if file else None)
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


def _checkpoint_pages(job: IngestJob, root: str, plans: list[_FilePlan],
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


def _material_key(m: Material) -> tuple[int, int, int]:
    return (m.class_no, m.subclass, m.seq)


def _record_files(job: IngestJob, plans: list[_FilePlan], problems: Any,
                  progress: Callable[[IngestJob], None] | None) -> list[FileOutcome]:
    _step(job, "record")
    outcomes = [FileOutcome(**o) for o in job.summary or []]
    planned = {plan.ref.archive_no for plan in plans} | {o.archive_no for o in outcomes}
    unreadable: dict[str, list[Any]] = {}
    for problem in problems:
        if problem.archive_no and problem.archive_no not in planned:
            unreadable.setdefault(problem.archive_no, []).append(problem)
    for archive_no, found in sorted(unreadable.items()):
        # a whole file that could not be opened (an encrypted or broken PDF, say): rejected, named
        _record(job, "ingest.file", outcome="failed", target_type="file", archive_no=archive_no,
               details={"job": job.id, "status": "rejected", "reasons": [p.message for p in found]})
        outcomes.append(FileOutcome(archive_no, "rejected", 0, [_problem_finding(p) for p in found]))
    # Inputs that belong to no file (a stray text file, random bytes uploaded as a package, a link at the top):
    # each gets an outcome of its own, so that nothing the archivist gave is dropped without a word.
    seen = {o.source for o in outcomes if o.source}
    loose = [p for p in problems if not p.archive_no and p.path not in seen]
    for problem in loose:
        outcomes.append(FileOutcome("", "rejected", 0, [_problem_finding(problem, "REJECTED")], source=problem.path))
    if loose:
        _record(job, "ingest.rejected_inputs", outcome="failed", target_type="ingest_job", target_id=job.id,
               details={"inputs": [{"path": p.path, "code": p.code} for p in loose][:200]})
    job.files_total = len(outcomes) + len(plans)
    job.files_done = len(outcomes)
    job.summary = [o.as_dict() for o in outcomes]
    db.session.commit()
    for plan in plans:
        outcome = _record_file(job, plan, problems)
        outcomes.append(outcome)
        job = db.session.get(IngestJob, job.id)
        job.files_done = len(outcomes)
        job.summary = [o.as_dict() for o in outcomes]
        db.session.commit()
        if progress:
            progress(job)
    return outcomes


def _record_file(job: IngestJob, plan: _FilePlan, problems: Any) -> FileOutcome:
    """One short transaction: pages, links, findings, status and the audit event of one file."""
    archive_no = plan.ref.archive_no
    if plan.reject:
        _record(job, "ingest.file", outcome="failed", target_type="file", archive_no=archive_no,
               details={"job": job.id, "status": "rejected", "reason": plan.reject})
        db.session.commit()
        finding = {"rule": "REJECTED", "severity": "error", "material": None, "page": None, "message": plan.reject}
        # …and what was wrong with its files besides, each named: the archivist fixes both at once.
        return FileOutcome(archive_no, "rejected", 0, [finding] + [
            _problem_finding(p) for p in problems if p.archive_no == archive_no])
    file = db.session.get(ArchiveFile, plan.file_id)
    current = {p.position: p for p in db.session.scalars(
        select(Page).where(Page.file_id == file.id, Page.current.is_(True)))}
    fresh = {c.position: result_from_json(c.result) for c in db.session.scalars(
        select(PageCheckpoint).where(PageCheckpoint.job_id == job.id, PageCheckpoint.archive_no == archive_no))}
    results: list[PageResult] = []
    for ref in plan.ref.pages:
        if ref.order in fresh:
            results.append(fresh[ref.order])
        elif ref.order in current and plan.shas.get(ref.order) == current[ref.order].sha256:
            results.append(page_as_result(current[ref.order], ref))
    materials = list(file.materials)
    refs = [MaterialRef(m.class_no, m.subclass, m.seq, m.title, m.pages, m.id, row=m.sheet_row) for m in materials]
    settings = QcSettings.from_mapping(current_app.config)
    party = file.person.party_member if file.person else None
    linking, findings = run_file_checks(refs, list(plan.ref.pages), results, party_member=party, settings=settings)
    for problem in problems:
        if problem.archive_no == archive_no:
            findings.append(Finding("UNREADABLE_PAGE", "error", problem.message, page=problem.page,
                                    details={"code": problem.code, "path": problem.path}))
    by_key = {_material_key(m): m for m in materials}
    links = {order: (key, n) for order, key, n in linking.assignments}
    changed = bool(fresh) or set(current) - {r.ref.order for r in results}
    if not changed and current:
        _record(job, "ingest.file", file=file, details={"job": job.id, "status": "unchanged", "pages": len(current)})
        db.session.commit()
        return FileOutcome(archive_no, "unchanged", len(current), findings_as_json(findings))
    if current and not any(r.ok for r in results):
        # Not one page of this delivery is usable: it cannot replace what the archive holds.  The stored pages,
        # their findings and the file's status stay exactly as they were; the outcome says why.
        kept = Finding("REJECTED", "error", KEPT_PAGES.format(n=len(current)))
        _record(job, "ingest.file", outcome="failed", file=file,
               details={"job": job.id, "status": "rejected", "pages_kept": len(current), "findings": len(findings)})
        db.session.commit()
        return FileOutcome(archive_no, "rejected", 0, findings_as_json([kept, *findings]))
    new_pages: dict[int, Page] = {}
    for result in results:
        order = result.ref.order
        key, n = links.get(order, (None, None))
        material = by_key.get(key) if key else None
        old = current.get(order)
        if old is not None and old.sha256 == (result.keys.sha256 if result.keys else None):
            old.material_id, old.page_in_material = (material.id if material else None), n
            continue
        if not result.ok or result.keys is None or result.metrics is None:
            continue
        page = _new_page(job, file, result, material, n, version=(old.version + 1) if old else _next_version(
            file.id, order))
        db.session.add(page)
        db.session.flush()
        new_pages[order] = page
        if old is not None:
            old.current, old.superseded_by_id = False, page.id
    positions = {r.ref.order for r in results}
    for order, old in current.items():
        if order not in positions:
            old.current = False  # the new package has no page here; the old image stays, retired
    db.session.execute(delete(QcFinding).where(QcFinding.file_id == file.id, QcFinding.status == FindingStatus.OPEN))
    page_ids = {o: p.id for o, p in current.items() if p.current} | {o: p.id for o, p in new_pages.items()}
    for f in findings:
        material = by_key.get(f.material) if f.material else None
        db.session.add(QcFinding(
            file_id=file.id, job_id=job.id, page_id=page_ids.get(f.page) if f.page else None,
            material_id=material.id if material else None, material_seq=f.material[2] if f.material else None,
            material_label=f"{format_class(f.material[0], f.material[1])} 第{f.material[2]}号" if f.material else "",
            page_position=f.page, rule=f.rule, severity=f.severity, message=f.message))
    stored = len([p for p in page_ids.values() if p])
    if stored and file.status in (FileStatus.RECEIVED, FileStatus.CATALOGUED):
        # Digitised means pages are in the archive: a package whose every page was refused changes nothing.
        file.status = FileStatus.DIGITISED
    status = "ingested" if stored else "rejected"
    _record(job, "ingest.file", outcome="ok" if stored else "failed", file=file,
           details={"job": job.id, "status": status, "pages": stored, "new_pages": len(new_pages),
                    "findings": len(findings)})
    db.session.commit()
    pages_recorded.send(app_sender(), file_ids=[file.id])  # the search index listens
    return FileOutcome(archive_no, status, stored, findings_as_json(findings))


def _next_version(file_id: int, position: int) -> int:
    from sqlalchemy import func

    latest = db.session.scalar(select(func.max(Page.version)).where(Page.file_id == file_id, Page.position == position))
    return (latest or 0) + 1


def _new_page(job: IngestJob, file: ArchiveFile, result: PageResult, material: Material | None, n: int | None,
              *, version: int) -> Page:
    m, k, ocr = result.metrics, result.keys, result.ocr
    assert m is not None and k is not None
    return Page(
        file_id=file.id, material_id=material.id if material else None, job_id=job.id,
        position=result.ref.order, page_in_material=n, version=version, current=True,
        source=result.ref.label[:500], backend=get_store().name, original_key=k.original, sha256=k.sha256,
        size=k.size, view_key=k.view, thumb_key=k.thumb, format=m.format, compression=m.compression[:16],
        width=m.width, height=m.height, dpi=m.dpi, colour=m.colour, blank=m.blank, skew=m.skew_deg,
        phash=m.phash, ocr_engine=ocr.engine if ocr else "", ocr_text=ocr.text if ocr else "",
        ocr_conf=ocr.mean_conf if ocr else None, words=page_words(ocr), seal_text="\n".join(ocr.seals) if ocr else "",
    )
