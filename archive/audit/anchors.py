"""Chain anchors: the head (seq, hash) written to the object store, outside the database.

An anchor is a small write-once object.  A verifier reads all of them: an
event whose hash differs from its anchor means the log was rewritten; an
anchor beyond the database's last event means the log was truncated or an
older copy of the database restored.  Anchors are written on demand
(``dangan audit anchor``) and by the scheduler of ``dangan serve``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from sqlalchemy import func, select

from archive.audit.chain import Anchor
from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.timeutil import utcnow
from storage import ObjectExists, ObjectStore, StorageError

__all__ = ["PREFIX", "read_anchors", "write_anchor"]

log = logging.getLogger(__name__)

PREFIX = "audit/anchors/"


def write_anchor(store: ObjectStore) -> Anchor | None:
    """Anchor the current head; ``None`` when the log is empty.  Raises StorageError on outage."""
    head = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    if head is None:
        return None
    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    written_at = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    key = f"{PREFIX}{head.seq:012d}-{head.hash[:16]}.json"
    body = json.dumps({"seq": head.seq, "hash": head.hash, "count": count, "written_at": written_at},
                      sort_keys=True).encode()
    try:
        store.put(key, body, content_type="application/json")
    except ObjectExists:
        log.info("head %s already anchored", head.seq)
    return Anchor(head.seq, head.hash, written_at, key)


def read_anchors(store: ObjectStore) -> Iterator[Anchor]:
    """Every anchor in the store; unreadable ones raise StorageError (a verifier must not skip them)."""
    for info in store.list(PREFIX):
        try:
            data = json.loads(store.get(info.key))
            yield Anchor(int(data["seq"]), str(data["hash"]), str(data.get("written_at", "")), info.key)
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"anchor {info.key} is unreadable: {exc}") from exc
