"""Audit events (append-only, hash-chained), anomaly flags and the rule scanner's cursor.

Events carry copies (username, role, scope, 档号) rather than foreign keys: an
event must read the same in ten years whatever happened to the rows it names,
and a foreign key with ON DELETE would let a delete elsewhere rewrite the log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.extensions import db
from archive.timeutil import utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(db.Model):
    """One thing somebody did or tried to do.  ``hash`` chains it to the event before."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(index=True)
    request_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int | None] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(32))
    ip: Mapped[str] = mapped_column(String(45), index=True)
    user_agent: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(10), index=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(64))
    file_id: Mapped[int | None] = mapped_column(index=True)
    person_id: Mapped[int | None] = mapped_column(index=True)
    archive_no: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.seq} {self.action} {self.outcome} {self.username}>"


class AuditFlag(db.Model):
    """An anomaly found by a rule; the auditor acknowledges it with a note."""

    __tablename__ = "audit_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(32), index=True)
    event_seq: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int | None]
    username: Mapped[str] = mapped_column(String(64), default="", server_default="")
    ip: Mapped[str] = mapped_column(String(45), default="", server_default="")
    occurred_at: Mapped[dt.datetime]
    summary: Mapped[str] = mapped_column(String(300))  # plain fallback; shown from ``params`` when present
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the rule's figures, rendered in the reader's language
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open", index=True)
    ack_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    ack_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    ack_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<AuditFlag {self.rule} {self.event_seq} {self.status}>"


class AuditScanState(db.Model):
    """How far the anomaly rules have read the chain (one row)."""

    __tablename__ = "audit_scan_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<AuditScanState {self.last_seq}>"
