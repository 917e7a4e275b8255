"""The scanning domain's answers to the pages domain's questions (signals in :mod:`archive.signals`).

``page_notes``: the QC findings of a page, shown in the viewer.

``storage_claims``: what scan jobs hold in the object store outside the page rows, for ``dangan storage verify``.

An unfinished job has written page objects that no page row names yet (its checkpoints know them), and a
queued, running or failed job keeps its web uploads (``incoming/…``) until it ends done, is resumed or is
abandoned.  Neither is an orphan; the fixity check in :mod:`archive.pages.fixity` asks through the
``storage_claims`` signal, and this module answers.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from archive.extensions import db
from archive.pages.fixity import StorageClaims
from archive.pages.models import Page
from archive.scanning.models import IngestJob, JobStatus, PageCheckpoint, QcFinding
from archive.scanning.uploads import STORE_PREFIX, UPLOAD_PREFIX
from archive.signals import page_notes, storage_claims

__all__ = ["connect", "qc_findings_of", "scan_job_claims"]


def qc_findings_of(_sender: Any, *, page: Page, **_kw: Any) -> list[QcFinding]:
    """The QC findings recorded against a page."""
    return list(db.session.scalars(select(QcFinding).where(QcFinding.page_id == page.id).order_by(QcFinding.id)))


def scan_job_claims(_sender: Any, **_kw: Any) -> StorageClaims:
    """The page objects of unfinished jobs' checkpoints, and the uploads that unfinished jobs still hold."""
    claims = StorageClaims(upload_prefix=UPLOAD_PREFIX)
    unfinished = select(IngestJob.id).where(IngestJob.status != JobStatus.DONE)
    for result in db.session.scalars(select(PageCheckpoint.result).where(PageCheckpoint.job_id.in_(unfinished))):
        keys = json.loads(result).get("keys") or {}
        claims.pending.update(k for k in (keys.get("original"), keys.get("view"), keys.get("thumb")) if k)
    holding = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED)
    for paths in db.session.scalars(select(IngestJob.paths).where(IngestJob.status.in_(holding))):
        claims.held_uploads.update(p[len(STORE_PREFIX):] for p in paths or [] if p.startswith(STORE_PREFIX))
    return claims


def connect() -> None:
    """Answer the pages domain's questions (idempotent: blinker keeps one connection per receiver)."""
    page_notes.connect(qc_findings_of)
    storage_claims.connect(scan_job_claims)
