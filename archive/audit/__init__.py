"""Audit trail: every read and write recorded, hash-chained, anchored, reviewable by auditors.

Public surface: :func:`record` for every module.  This package is below every domain (it imports
none of them): the request hooks that write the fallback event of each request live in
:mod:`archive.request_audit`, the auditor's own pages and rules in :mod:`archive.oversight`.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event

from archive.audit.models import AuditEvent, AuditFlag, AuditScanState
from archive.audit.recorder import AuditWriteRefused, install, record, request_id

__all__ = ["AuditEvent", "AuditFlag", "AuditScanState", "AuditWriteRefused", "record", "request_id"]

log = logging.getLogger(__name__)


@event.listens_for(AuditEvent, "before_update")
def _no_update(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise AuditWriteRefused(f"audit event {target.seq} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise AuditWriteRefused(f"audit event {target.seq} cannot be deleted")


install()  # events join the chain when their transaction commits
