"""``dangan storage verify``: re-hash stored page images against their rows; find missing, altered, orphaned.

Page images are primary data.  This walks every page row (current and superseded),
re-hashes its original by streaming it from the store, checks its derivatives exist,
and lists objects under the page prefixes that no row (nor an unfinished job's
checkpoint) knows: orphans left by a failed commit, to be re-linked by a retry or
examined — never deleted by this command.

It also lists web uploads (``incoming/…``) that no queued, running or failed job holds any more: a job
deletes its uploads when it ends done, and a failed one keeps them until it is resumed or abandoned, so an
upload left over is one whose deletion failed or whose job row is gone.  Uploads younger than an hour are
left out: their job may not have been created yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from archive.extensions import db
from archive.pages.models import Page
from archive.signals import app_sender, storage_claims
from storage import ObjectNotFound, ObjectStore

__all__ = ["FixityReport", "StorageClaims", "verify_storage"]

PREFIXES = ("pages/", "views/", "thumbs/")
UPLOAD_GRACE = dt.timedelta(hours=1)  # an upload in progress has objects but no job yet


@dataclass
class StorageClaims:
    """What a domain's unfinished work holds in the store, outside the page rows (see ``storage_claims``)."""

    pending: set[str] = field(default_factory=set)  # page objects written by work not yet committed
    upload_prefix: str = ""  # a prefix of uploads the domain owns ("" for none)
    held_uploads: set[str] = field(default_factory=set)  # uploads under it that unfinished work still holds


@dataclass
class FixityReport:
    pages: int = 0
    objects_checked: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)
    altered: list[dict[str, Any]] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # written by a job that has not finished yet
    leftover_uploads: list[str] = field(default_factory=list)  # incoming/ objects no unfinished job holds
    held_uploads: int = 0  # uploads kept for failed jobs, until resumed or abandoned (not a fault)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.altered or self.orphaned or self.leftover_uploads)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "pages": self.pages, "objects_checked": self.objects_checked,
                "missing": self.missing, "altered": self.altered, "orphaned": self.orphaned,
                "pending": self.pending, "leftover_uploads": self.leftover_uploads,
                "held_uploads": self.held_uploads}


def verify_storage(store: ObjectStore, *, rehash: bool = True) -> FixityReport:
    """Check every page row against the store, then look for objects no row knows."""
    report = FixityReport()
    known: set[str] = set()
    for page in db.session.scalars(select(Page).order_by(Page.id)).yield_per(1000):
        report.pages += 1
        where = {"page_id": page.id, "file_id": page.file_id, "position": page.position, "version": page.version}
        known.update((page.original_key, page.view_key, page.thumb_key))
        try:
            info = store.stat(page.original_key)
            report.objects_checked += 1
            if info.size != page.size or (rehash and not store.verify(page.original_key, page.sha256)):
                report.altered.append({**where, "key": page.original_key})
        except ObjectNotFound:
            report.missing.append({**where, "key": page.original_key})
        for key in (page.view_key, page.thumb_key):
            if not store.exists(key):
                report.missing.append({**where, "key": key, "derivative": True})
    claims = [c for _receiver, c in storage_claims.send(app_sender()) if c is not None]
    report.pending.extend(k for c in claims for k in c.pending if k not in known)
    pending = set(report.pending)
    for prefix in PREFIXES:
        for info in store.list(prefix):
            if info.key not in known and info.key not in pending:
                report.orphaned.append(info.key)
    report.pending = sorted(pending)
    for c in claims:
        if c.upload_prefix:
            _check_uploads(store, report, c)
    return report


def _check_uploads(store: ObjectStore, report: FixityReport, claims: StorageClaims) -> None:
    young = dt.datetime.now(dt.UTC) - UPLOAD_GRACE
    for info in store.list(claims.upload_prefix):
        if info.key in claims.held_uploads:
            report.held_uploads += 1
        elif _aware(info.modified) < young:
            report.leftover_uploads.append(info.key)


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
