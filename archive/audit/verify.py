"""Verify the audit chain and its anchors: used by ``dangan audit verify`` and the auditor's chain status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from archive.audit.anchors import read_anchors
from archive.audit.chain import HASHED_FIELDS, VerifyReport, walk
from archive.audit.models import AuditEvent
from archive.extensions import db
from storage import ObjectStore

__all__ = ["verify_log"]

_COLUMNS = [getattr(AuditEvent, name) for name in ("id", "hash", *HASHED_FIELDS)]


def _rows(batch: int) -> Iterator[dict[str, Any]]:
    # Stream in seq order without loading the log into memory (a district log has millions of events).
    result = db.session.execute(
        select(*_COLUMNS).order_by(AuditEvent.seq).execution_options(yield_per=batch, stream_results=True)
    )
    for row in result:
        yield row._asdict()


def verify_log(store: ObjectStore | None, *, batch: int = 5000) -> VerifyReport:
    """Walk every event in order and check it against the anchors in ``store`` (if given)."""
    anchors = list(read_anchors(store)) if store is not None else []
    return walk(_rows(batch), anchors, check_recorded=store is not None)
