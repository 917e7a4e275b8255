"""The audit events a scan job records, in the name of the person who started it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from archive.accounts.models import User
from archive.audit import record
from archive.extensions import db
from archive.scanning.models import IngestJob

__all__ = ["record_for_job"]


def _actor(job: IngestJob) -> Any | None:
    """The account that created the job (its events name that person, not the OS user of the worker)."""
    if not job.created_by:
        return None
    # Looked up once per job and session: a job records an event per file.
    actors: dict[int, Any] = db.session.info.setdefault("dangan.job_actors", {})
    if job.id not in actors:
        actors[job.id] = db.session.scalar(select(User).where(User.username == job.created_by))
    return actors[job.id]


def record_for_job(job: IngestJob, action: str, **kwargs: Any) -> Any:
    """Record ``action`` as done by the job's creator (its events name that person, not the worker's OS user)."""
    return record(action, user=_actor(job), **kwargs)
