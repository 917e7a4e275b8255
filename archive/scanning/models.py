"""Ingest jobs (批次), QC findings, spot checks and per-page checkpoints.

The pages a job stores are :class:`archive.pages.models.Page` rows; this module holds the work around them.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.coltypes import JSON, enum_type
from archive.extensions import db
from archive.timeutil import utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class IngestJob(db.Model):
    """One scan package (a batch) going through the pipeline."""

    __tablename__ = "ingest_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    street: Mapped[str | None] = mapped_column(String(32))  # scope of the archivist who started it
    source: Mapped[str] = mapped_column(String(500))  # what was uploaded or given on the command line
    paths: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")  # local paths or store keys
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus, "job_status"), default=JobStatus.QUEUED,
                                              server_default="queued", index=True)
    step: Mapped[str] = mapped_column(String(200), default="", server_default="")
    workers: Mapped[int] = mapped_column(default=0, server_default="0")
    files_total: Mapped[int] = mapped_column(default=0, server_default="0")
    files_done: Mapped[int] = mapped_column(default=0, server_default="0")
    pages_total: Mapped[int] = mapped_column(default=0, server_default="0")
    pages_done: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    worker: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # The process running the job (host, pid and a token of that process's start, so a reused pid is not taken
    # for it): a job `running` whose owner is gone was interrupted, and start-up recovery marks it failed.
    owner_host: Mapped[str] = mapped_column(String(100), default="", server_default="")
    owner_pid: Mapped[int | None]
    owner_token: Mapped[str] = mapped_column(String(64), default="", server_default="")
    error: Mapped[str] = mapped_column(Text, default="", server_default="")  # plain text, for the command line
    # Why a job failed, as a stable code and its parameters (JSON), translated when shown
    # (archive/scanning/failures.py); the traceback, if any, is in the log only.
    failure_code: Mapped[str] = mapped_column(String(32), default="", server_default="")
    failure_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    summary: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")  # per-file outcome

    def __repr__(self) -> str:
        return f"<IngestJob {self.id} {self.status} {self.pages_done}/{self.pages_total}>"


class PageCheckpoint(db.Model):
    """A page the pipeline finished in a job (its PageResult as JSON), committed as it completes.

    A job that dies resumes from here: finished pages are not processed again.
    """

    __tablename__ = "ingest_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("ingest_jobs.id", ondelete="CASCADE"), index=True)
    archive_no: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    result: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("job_id", "archive_no", "position"),)

    def __repr__(self) -> str:
        return f"<PageCheckpoint {self.job_id} {self.archive_no} {self.position}>"


class FileTask(db.Model):
    """A file of a job fanned out to Celery page tasks: its plan, and the page checkpoints it waits for.

    The finishing task of the file (archive/scanning/distributed.py) records it once ``expected`` checkpoints
    are in; ``recorded`` makes a second finishing task (a redelivery) a no-op.
    """

    __tablename__ = "ingest_file_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("ingest_jobs.id", ondelete="CASCADE"), index=True)
    archive_no: Mapped[str] = mapped_column(String(64))
    file_id: Mapped[int | None]
    reject: Mapped[str] = mapped_column(Text, default="", server_default="")
    shas: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")  # position -> sha256
    expected: Mapped[int] = mapped_column(default=0, server_default="0")
    recorded: Mapped[bool] = mapped_column(default=False, server_default="0")

    __table_args__ = (UniqueConstraint("job_id", "archive_no"),)

    def __repr__(self) -> str:
        return f"<FileTask {self.job_id} {self.archive_no} {self.expected} {self.recorded}>"


class FindingStatus(enum.StrEnum):
    OPEN = "open"
    FIXED = "fixed"
    ACCEPTED = "accepted"
    RESCAN = "rescan"


class QcFinding(db.Model):
    """A QC finding of a file; the archivist marks it fixed, accepted (with a reason) or sent back for rescanning."""

    __tablename__ = "qc_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="RESTRICT"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_jobs.id", ondelete="SET NULL"), index=True)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="SET NULL"), index=True)
    material_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id", ondelete="SET NULL"))
    material_seq: Mapped[int | None]
    material_label: Mapped[str] = mapped_column(String(32), default="", server_default="")
    page_position: Mapped[int | None]
    rule: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)  # the Chinese as recorded (the command line's words)
    # What it says as a code and its parameters (ingest.qc.texts), rendered in the reader's language when shown;
    # rows recorded before these columns have text "" and are shown by their message.
    text: Mapped[str] = mapped_column(String(32), default="", server_default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    status: Mapped[FindingStatus] = mapped_column(enum_type(FindingStatus, "finding_status"),
                                                  default=FindingStatus.OPEN, server_default="open", index=True)
    resolution: Mapped[str] = mapped_column(Text, default="", server_default="")
    resolved_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    resolved_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<QcFinding {self.rule} {self.severity} {self.status}>"


class SpotCheckResult(enum.StrEnum):
    PENDING = "pending"
    PASS = "pass"
    FAIL = "fail"


class SpotCheck(db.Model):
    """A page drawn for the batch's acceptance sample (≥ 5 %), recorded pass or fail."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("ingest_jobs.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    result: Mapped[SpotCheckResult] = mapped_column(enum_type(SpotCheckResult, "spot_check_result", length=8),
                                                    default=SpotCheckResult.PENDING, server_default="pending")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    checked_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    checked_at: Mapped[dt.datetime | None]

    page = relationship("Page")

    __table_args__ = (UniqueConstraint("job_id", "page_id"),)

    def __repr__(self) -> str:
        return f"<SpotCheck {self.job_id} {self.page_id} {self.result}>"
