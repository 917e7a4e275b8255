"""``record(action, …)``: the one call every module makes to write an audit event.

The event belongs to the current session's transaction, so a change and its event
commit or roll back together.  It joins the chain when that transaction commits: a
``before_commit`` hook takes the chain lock — ``pg_advisory_xact_lock`` on PostgreSQL;
on SQLite every transaction already begins IMMEDIATE (see :mod:`archive.database`) —
reads the head, numbers and hashes the transaction's events in the order they were
recorded, and flushes them.  Concurrent writers therefore form one line, never a fork,
and the lock is held only for the commit, not while a page renders after its read was
recorded (a request commits once, at its end).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from archive.audit.chain import GENESIS, HASHED_FIELDS, event_hash
from archive.audit.models import AuditEvent
from archive.extensions import db
from archive.idnumbers import mask_id_numbers_in_text
from archive.timeutil import utcnow

__all__ = ["anchor_due", "install", "pending_events", "record", "request_id"]

log = logging.getLogger(__name__)

# Arbitrary constant naming the audit chain's advisory lock on PostgreSQL.
CHAIN_LOCK_KEY = 0x44414E47  # "DANG"

# Set when an event's seq is a multiple of DANGAN_AUDIT_ANCHOR_EVERY: wakes the scheduler, which anchors
# the committed head at once (outside the request, so recording stays cheap; see archive.scheduler).
anchor_due = threading.Event()

# The session.info key of the events recorded in the open transaction, in order.
_PENDING = "dangan_audit_pending"

# Details beyond this are cut: an event must stay small whatever a caller passes.
_MAX_DETAILS = 20_000


class AuditWriteRefused(RuntimeError):
    """Raised when code tries to change or delete an event (SQLite has no trigger to stop it)."""


def request_id() -> str:
    """Return this request's id, generated here: ids sent by clients are never trusted."""
    if not has_request_context():
        return _cli_request_id()
    rid = g.get("request_id")
    if rid is None:
        rid = g.request_id = uuid.uuid4().hex
    return str(rid)


_cli_rid: str | None = None


def _cli_request_id() -> str:
    global _cli_rid
    if _cli_rid is None:
        _cli_rid = uuid.uuid4().hex
    return _cli_rid


def _who(user: Any | None) -> dict[str, Any]:
    from flask_login import current_user

    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    if user is not None:
        return {"user_id": user.id, "username": user.username, "role": user.role, "scope": user.street or ""}
    if has_request_context():
        return {"user_id": None, "username": "", "role": "anonymous", "scope": ""}
    return {"user_id": None, "username": os.environ.get("USER", "system"), "role": "cli", "scope": ""}


def _where() -> dict[str, str]:
    if has_request_context():
        return {"ip": (request.remote_addr or "")[:45], "user_agent": (request.user_agent.string or "")[:300]}
    return {"ip": "cli", "user_agent": "dangan-cli"}


def _lock_and_head(session: Session) -> tuple[int, str]:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    head = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


def record(
    action: str,
    *,
    outcome: str = "ok",
    target_type: str = "",
    target_id: object = "",
    file: Any | None = None,
    person_id: int | None = None,
    file_id: int | None = None,
    archive_no: str = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    user: Any | None = None,
) -> AuditEvent:
    """Record one event; it is numbered, chained and written when the transaction commits.

    ``file`` (an :class:`~archive.catalogue.models.ArchiveFile`) fills file, person
    and 档号; ``reason`` says why the access was allowed (a lending request, a
    purpose); ``details`` is any JSON-able data, e.g. ``{"before": …, "after": …}``.
    """
    body = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    # ID numbers typed into searches or carried in URLs are masked before the event exists: nobody who
    # reads the log (the auditor, its exports) has a need to know them, and an event can never be edited.
    body = mask_id_numbers_in_text(body)
    if len(body) > _MAX_DETAILS:
        body = json.dumps({"truncated": True, "head": body[:_MAX_DETAILS]}, ensure_ascii=False)
    row: dict[str, Any] = {
        "occurred_at": utcnow(),
        "request_id": request_id(),
        **_who(user),
        **_where(),
        "action": action,
        "outcome": outcome,
        "target_type": target_type or ("file" if file is not None else ""),
        "target_id": mask_id_numbers_in_text(
            str(target_id if target_id != "" else (file.id if file is not None else "")))[:64],
        "file_id": file.id if file is not None else file_id,
        "person_id": file.person_id if file is not None else person_id,
        "archive_no": file.archive_no if file is not None else archive_no,
        "reason": mask_id_numbers_in_text(reason)[:200],
        "details": body,
    }
    event = AuditEvent(**row)
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, even before any query, forgets this event
    session.info.setdefault(_PENDING, []).append(event)
    if has_request_context():
        g.setdefault("audit_events", []).append(row)
    return event


def pending_events(session: Session) -> list[AuditEvent]:
    """The events recorded in the session's open transaction, not yet on the chain."""
    return list(session.info.get(_PENDING, ()))


def _append_to_chain(session: Session) -> None:
    """Before a commit: number, chain and write the transaction's events under the chain lock.

    A savepoint's release is not the commit: its events wait for the transaction's.
    """
    if session.in_nested_transaction():
        return
    events = session.info.pop(_PENDING, None)
    if not events:
        return
    last_seq, last_hash = _lock_and_head(session)
    every = int(current_app.config.get("DANGAN_AUDIT_ANCHOR_EVERY", 100) or 0) if has_app_context() else 0
    for pending in events:
        pending.seq, pending.prev_hash = last_seq + 1, last_hash
        pending.hash = event_hash({c: getattr(pending, c) for c in HASHED_FIELDS})
        last_seq, last_hash = pending.seq, pending.hash
        if every > 0 and pending.seq % every == 0:
            anchor_due.set()
    session.add_all(events)
    session.flush()


def _forget(session: Session) -> None:
    """After the transaction rolled back, its events are gone with it.

    A savepoint's rollback keeps them: the attempt is still an event of the transaction around it.
    """
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


def install(session_class: type[Session] = Session) -> None:
    """Hook the chain onto every session's commit (once per process)."""
    if getattr(session_class, "_dangan_audit_hooks", False):
        return
    event.listen(session_class, "before_commit", _append_to_chain)
    event.listen(session_class, "after_rollback", _forget)
    session_class._dangan_audit_hooks = True  # type: ignore[attr-defined]
