"""Auditor filters: parsed and bounded here, applied as bound parameters (never pasted into SQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from archive.audit.models import AuditEvent
from archive.oversight.labels import ACTION_LABELS

__all__ = ["ACTIONS", "OUTCOMES", "EventFilter", "FilterError", "parse_filter"]

OUTCOMES = ("ok", "denied", "failed", "error", "not_found")

# Known actions (the select box); the column accepts any, so new modules need no migration.
ACTIONS = tuple(ACTION_LABELS)


class FilterError(ValueError):
    """A filter value refused with a reason the auditor can read (``field``, ``message`` key)."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True)
class EventFilter:
    """What the auditor asked for; dates are local (Asia/Shanghai) calendar days, inclusive."""

    since: dt.date | None = None
    until: dt.date | None = None
    username: str = ""
    action: str = ""
    archive_no: str = ""
    outcome: str = ""
    ip: str = ""
    file_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in self.__dict__.items() if v not in (None, "", {})}

    def statement(self, tz: str = "Asia/Shanghai") -> Select[Any]:
        """The filtered, newest-first select over events."""
        stmt = select(AuditEvent)
        zone = ZoneInfo(tz)
        if self.since:
            stmt = stmt.where(AuditEvent.occurred_at >= _utc(self.since, zone))
        if self.until:
            stmt = stmt.where(AuditEvent.occurred_at < _utc(self.until + dt.timedelta(days=1), zone))
        if self.username:
            stmt = stmt.where(AuditEvent.username == self.username)
        if self.action:
            stmt = stmt.where(AuditEvent.action == self.action)
        if self.archive_no:
            stmt = stmt.where(AuditEvent.archive_no == self.archive_no)
        if self.outcome:
            stmt = stmt.where(AuditEvent.outcome == self.outcome)
        if self.ip:
            stmt = stmt.where(AuditEvent.ip == self.ip)
        if self.file_id is not None:
            stmt = stmt.where(AuditEvent.file_id == self.file_id)
        return stmt.order_by(AuditEvent.seq.desc())


def _utc(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _date(raw: str, name: str) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise FilterError(name, "bad_date") from exc
    if not dt.date(2000, 1, 1) <= day <= dt.date.today() + dt.timedelta(days=1):
        raise FilterError(name, "date_out_of_range")
    return day


def _text(raw: str | None, name: str, limit: int) -> str:
    value = (raw or "").strip()
    if len(value) > limit or any(ord(c) < 32 for c in value):
        raise FilterError(name, "bad_value")
    return value


def parse_filter(args: Mapping[str, str], *, max_days: int = 3660) -> EventFilter:
    """Validate the query string of the auditor's pages (or CLI options)."""
    since = _date(args.get("since", ""), "since")
    until = _date(args.get("until", ""), "until")
    if since and until:
        if since > until:
            raise FilterError("until", "range_reversed")
        if (until - since).days > max_days:
            raise FilterError("since", "range_too_long")
    outcome = _text(args.get("outcome"), "outcome", 10)
    if outcome and outcome not in OUTCOMES:
        raise FilterError("outcome", "bad_value")
    action = _text(args.get("action"), "action", 40)
    if action and not all(c.isalnum() or c in "._" for c in action):
        raise FilterError("action", "bad_value")
    return EventFilter(
        since=since,
        until=until,
        username=_text(args.get("user"), "user", 64).lower(),
        action=action,
        archive_no=_text(args.get("archive_no"), "archive_no", 64).upper(),
        outcome=outcome,
        ip=_text(args.get("ip"), "ip", 45),
    )
