"""Chain anchors: the head (seq, hash) written outside the database, to a sink the app cannot rewrite.

An anchor is a small write-once object.  Each one written is also recorded in the
chain as an ``audit.anchor`` event carrying the anchored seq, hash and key, so
the chain itself says which anchors must exist.  A verifier reads them all back:
an event whose hash differs from its anchor means the log was rewritten; an
anchor beyond the database's last event means the log was truncated or an older
copy restored; an anchor the chain names but the sink lacks means anchors were
deleted (see :func:`archive.audit.chain.walk`).

Anchors are written every ``DANGAN_AUDIT_ANCHOR_EVERY`` events and every
``DANGAN_AUDIT_ANCHOR_MINUTES`` by the scheduler of ``dangan serve``, and on
demand (``dangan audit anchor``).  They go to ``DANGAN_AUDIT_ANCHOR_URL`` (default:
the page store under ``audit/anchors/``) and are read back from
``DANGAN_AUDIT_ANCHOR_READ_URL`` (default: the same), so the writing credentials
may be write-only or the bucket object-locked (README, "Where audit anchors are kept").
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

from flask import current_app
from sqlalchemy import select

from archive.audit.chain import Anchor
from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.objects import get_store
from archive.timeutil import utcnow
from storage import ObjectExists, ObjectStore, StorageError, open_store

__all__ = ["PREFIX", "anchor_now", "anchor_read_store", "anchor_store", "read_anchors", "write_anchor"]

log = logging.getLogger(__name__)

PREFIX = "audit/anchors/"


def _configured_store(key: str, setting: str, fallback: Callable[[], ObjectStore]) -> ObjectStore:
    """The store ``setting`` names (opened once per app, kept as extension ``key``), else ``fallback()``."""
    store = current_app.extensions.get(key)
    if store is None:
        url = current_app.config.get(setting) or ""
        if not url:
            return fallback()
        store = current_app.extensions[key] = open_store(url)
    return store


def anchor_store() -> ObjectStore:
    """Where anchors are written: ``DANGAN_AUDIT_ANCHOR_URL``, else the page store."""
    return _configured_store("dangan.anchor_store", "DANGAN_AUDIT_ANCHOR_URL", get_store)


def anchor_read_store() -> ObjectStore:
    """Where anchors are read back for verification: ``DANGAN_AUDIT_ANCHOR_READ_URL``, else the write sink."""
    return _configured_store("dangan.anchor_read_store", "DANGAN_AUDIT_ANCHOR_READ_URL", anchor_store)


def write_anchor(store: ObjectStore) -> Anchor | None:
    """Anchor the current head; ``None`` when the log is empty.  Raises StorageError on outage."""
    head = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    if head is None:
        return None
    written_at = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    key = f"{PREFIX}{head.seq:012d}-{head.hash[:16]}.json"
    body = json.dumps({"seq": head.seq, "hash": head.hash, "written_at": written_at}, sort_keys=True).encode()
    try:
        store.put(key, body, content_type="application/json")
    except ObjectExists:
        log.info("head %s already anchored", head.seq)
    return Anchor(head.seq, head.hash, written_at, key)


def anchor_now(*, force: bool = False) -> Anchor | None:
    """Anchor the committed head and record it as an ``audit.anchor`` event (flushed, not committed).

    Cheap when nothing happened: if the head is itself the last anchor's event, nothing is written
    (unless ``force``).  Raises StorageError when the sink is unreachable.
    """
    from archive.audit.recorder import record

    head = db.session.execute(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)).first()
    if head is None or (head.action == "audit.anchor" and not force):
        return None
    anchor = write_anchor(anchor_store())
    if anchor is not None:
        record("audit.anchor", target_type="audit_event", target_id=anchor.seq,
               details={"seq": anchor.seq, "hash": anchor.hash, "key": anchor.key})
    return anchor


def read_anchors(store: ObjectStore) -> Iterator[Anchor]:
    """Every anchor in the store; unreadable ones raise StorageError (a verifier must not skip them)."""
    for info in store.list(PREFIX):
        try:
            data = json.loads(store.get(info.key))
            yield Anchor(int(data["seq"]), str(data["hash"]), str(data.get("written_at", "")), info.key)
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"anchor {info.key} is unreadable: {exc}") from exc
