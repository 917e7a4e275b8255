"""Scanning operations: queue a batch, decide QC findings, draw and record spot checks.

Each records its own audit event and flushes; the boundary (request, command, job) commits.
Handing a batch to the queue waits for that commit (:func:`archive.boundary.after_commit`),
because the worker reads the job on its own connection.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select

from archive.audit import record
from archive.boundary import after_commit
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.pages.models import Page
from archive.scanning.models import FindingStatus, IngestJob, JobStatus, QcFinding, SpotCheck, SpotCheckResult
from archive.timeutil import utcnow

__all__ = ["ScanningError", "accept_findings", "decide_finding", "draw_spot_check", "queue_batch", "record_spot_check",
           "refuse_decision", "resume_batch"]


class ScanningError(ValueError):
    """A refused scanning change (``code``); nothing was written."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _enqueue_after_commit(job_id: int) -> None:
    from archive.scanning.queue import get_queue

    after_commit(lambda: get_queue().enqueue(job_id))


def queue_batch(paths: list[str], *, created_by: str, street: str | None, names: list[str]) -> IngestJob:
    """A new batch of uploaded files, queued once the request commits."""
    from archive.scanning.service import create_job

    job = create_job(paths, created_by=created_by, street=street, source=", ".join(names))
    record("ingest.upload", target_type="ingest_job", target_id=job.id, details={"files": names})
    _enqueue_after_commit(job.id)
    return job


def resume_batch(job: IngestJob) -> None:
    """Run a failed batch again (its finished pages are not redone)."""
    reason = job.failure_code
    job.status = JobStatus.QUEUED
    db.session.flush()
    record("ingest.resume", target_type="ingest_job", target_id=job.id, details={"reason": reason})
    _enqueue_after_commit(job.id)


def decide_finding(finding: QcFinding, file: ArchiveFile, *, status: str, resolution: str, by: str) -> None:
    """An archivist's decision on one finding (accepted, rescanned, …)."""
    before = finding.status
    finding.status, finding.resolution = FindingStatus(status), resolution.strip()
    finding.resolved_by, finding.resolved_at = by, utcnow()
    db.session.flush()
    record("qc.decision", file=file, target_type="qc_finding", target_id=finding.id,
           details={"rule": finding.rule, "before": {"status": before},
                    "after": {"status": finding.status, "resolution": finding.resolution}})


def refuse_decision(file: ArchiveFile, wanted: Iterable[int], errors: Sequence[str]) -> None:
    """A refused bulk decision changes nothing, but the attempt is on record like any other refused action."""
    record("qc.decision", file=file, outcome="failed",
           details={"bulk": True, "findings": sorted(wanted), "error": list(errors)})


def accept_findings(file: ArchiveFile, wanted: set[int], *, resolution: str, by: str) -> list[QcFinding]:
    """Accept the file's open findings among ``wanted`` with one reason; one event per finding."""
    findings = list(db.session.scalars(select(QcFinding).where(
        QcFinding.file_id == file.id, QcFinding.id.in_(wanted), QcFinding.status == FindingStatus.OPEN)
        .order_by(QcFinding.id)))
    resolution, now = resolution.strip(), utcnow()
    for finding in findings:
        finding.status, finding.resolution = FindingStatus.ACCEPTED, resolution
        finding.resolved_by, finding.resolved_at = by, now
        record("qc.decision", file=file, target_type="qc_finding", target_id=finding.id,
               details={"rule": finding.rule, "bulk": True, "before": {"status": FindingStatus.OPEN.value},
                        "after": {"status": FindingStatus.ACCEPTED.value, "resolution": resolution}})
    db.session.flush()
    return findings


def draw_spot_check(job: IngestJob, share: float) -> tuple[list[int], int]:
    """Draw the acceptance sample (≥ ``share`` of the batch's pages, at least one); returns (sample, pages)."""
    if db.session.scalar(select(func.count()).select_from(SpotCheck).where(SpotCheck.job_id == job.id)):
        raise ScanningError("already_drawn")
    pages = list(db.session.scalars(select(Page.id).where(Page.job_id == job.id).order_by(Page.id)))
    size = min(len(pages), max(1, -(-len(pages) * share // 1))) if pages else 0
    sample = sorted(random.SystemRandom().sample(pages, int(size))) if size else []
    for page_id in sample:
        db.session.add(SpotCheck(job_id=job.id, page_id=page_id))
    db.session.flush()
    record("qc.spot_check_draw", target_type="ingest_job", target_id=job.id,
           details={"pages": len(pages), "sample": sample})
    return sample, len(pages)


def record_spot_check(check: SpotCheck, file: ArchiveFile, *, result: str, note: str, by: str) -> None:
    """The result of checking one sampled page against its paper."""
    if result not in (SpotCheckResult.PASS, SpotCheckResult.FAIL):
        raise ScanningError("bad_result")
    check.result, check.note = SpotCheckResult(result), note.strip()[:2000]
    check.checked_by, check.checked_at = by, utcnow()
    db.session.flush()
    record("qc.spot_check", file=file, target_type="page", target_id=check.page_id,
           details={"job": check.job_id, "result": result, "note": check.note})
