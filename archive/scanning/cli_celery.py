"""``dangan ingest`` with a Celery queue: send the job to the workers and follow its progress in the database."""

from __future__ import annotations

import time
from collections.abc import Callable

from archive.extensions import db
from archive.scanning import failures
from archive.scanning.models import IngestJob, JobStatus
from archive.scanning.recording import FileOutcome
from archive.scanning.service import JobFailed

__all__ = ["send_and_follow"]


def send_and_follow(job_id: int, *, wait: bool, progress: Callable[[IngestJob], None],
                    poll: float = 1.0) -> list[FileOutcome] | None:
    """Send (or, for ``--resume``, send again) a job; with ``wait``, return its outcomes once it ended.

    Raises :class:`JobFailed` when the broker cannot be reached (the job stays queued) or the job failed.
    """
    from archive.scanning.queue import get_queue

    job = db.session.get(IngestJob, job_id)
    if job is None:
        raise JobFailed(f"no ingest job {job_id}")
    if job.status == JobStatus.DONE:
        raise JobFailed(f"job {job_id} is done already")
    if job.status == JobStatus.FAILED:
        job.status = JobStatus.QUEUED  # its checkpoints and recorded files stay: only the rest is done
    job.failure_code, job.failure_params, job.error = "", {}, ""
    db.session.commit()
    get_queue().enqueue(job_id)
    db.session.expire_all()
    job = db.session.get(IngestJob, job_id)
    if job is not None and job.failure_code == failures.BROKER_UNAVAILABLE:
        raise JobFailed(f"{job.error} (job {job_id})")
    if not wait:
        return None
    while True:
        db.session.rollback()
        job = db.session.get(IngestJob, job_id)
        if job is None:
            raise JobFailed(f"job {job_id} was deleted")
        progress(job)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            break
        time.sleep(poll)
    outcomes = [FileOutcome(**o) for o in job.summary or []]
    if job.status == JobStatus.FAILED and job.failure_code not in (failures.NOTHING_USABLE, failures.EMPTY_PACKAGE):
        raise JobFailed(job.error or job.failure_code)
    return outcomes
