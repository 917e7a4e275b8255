"""Anomaly rules over the audit chain (异常行为审查).

``scan()`` reads the events after the last scanned one and raises flags for
the auditor.  Each rule is a small function over events in ``seq`` order;
windowed rules also look back over the window before the first new event so
that a burst spanning two scans is still seen.  Thresholds come from the app
configuration (``DANGAN_AUDIT_*``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from archive.accounts.models import User
from archive.audit.models import AuditEvent, AuditFlag, AuditScanState
from archive.catalogue.models import Person
from archive.extensions import db

__all__ = ["RULE_LABELS", "Thresholds", "scan"]

log = logging.getLogger(__name__)

RULE_LABELS = {
    "OFF_HOURS": _l("Access to personal data outside working hours"),
    "BULK_VIEWING": _l("Many pages or files viewed in a short time"),
    "OUTSIDE_LENDING_WINDOW": _l("Access outside the approved lending window"),
    "OWN_OR_RELATIVE_FILE": _l("Staff opened their own or a relative's file"),
    "FAILED_LOGIN_BURST": _l("Burst of failed log-ins"),
    "REPEATED_DENIED": _l("Repeated denied accesses"),
    "ADMIN_SET_ACCOUNT_READ": _l("Personal data read by an account an administrator created or reset"),
}

PERSONAL = ("file.", "material.", "catalogue.", "page.", "search.", "lending.")
VIEWS = {"file.view", "material.view", "page.view", "page.thumbnails", "page.download", "catalogue.export"}
STAFF_ROLES = {"archivist", "approver", "auditor", "admin"}


@dataclass(frozen=True)
class Thresholds:
    """Configurable limits (local practice, hence settings: docs/domain.md#local-practice)."""

    work_start: int = 7
    work_end: int = 20
    bulk_views: int = 100
    bulk_minutes: int = 10
    failed_logins: int = 5
    failed_minutes: int = 10
    denied: int = 5
    denied_minutes: int = 10
    tz: str = "Asia/Shanghai"

    @classmethod
    def from_config(cls, config: Any) -> Thresholds:
        start, _, end = str(config.get("DANGAN_AUDIT_WORK_HOURS", "07-20")).partition("-")
        return cls(
            work_start=int(start), work_end=int(end or 20),
            bulk_views=int(config.get("DANGAN_AUDIT_BULK_VIEWS", 100)),
            bulk_minutes=int(config.get("DANGAN_AUDIT_BULK_MINUTES", 10)),
            failed_logins=int(config.get("DANGAN_AUDIT_FAILED_LOGINS", 5)),
            failed_minutes=int(config.get("DANGAN_AUDIT_FAILED_MINUTES", 10)),
            denied=int(config.get("DANGAN_AUDIT_DENIED", 5)),
            denied_minutes=int(config.get("DANGAN_AUDIT_DENIED_MINUTES", 10)),
            tz=str(config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")),
        )


@dataclass(frozen=True)
class Hit:
    """A rule's finding: the stored summary is the plain fallback; ``params`` let the page say it in any language."""

    rule: str
    event: AuditEvent
    summary: str
    params: dict[str, Any] = field(default_factory=dict)


def _local(event: AuditEvent, zone: ZoneInfo) -> dt.datetime:
    return event.occurred_at.replace(tzinfo=dt.UTC).astimezone(zone)


def off_hours(events: Iterable[AuditEvent], t: Thresholds) -> Iterator[Hit]:
    """Staff touching personal data before ``work_start`` or after ``work_end`` (local time); once a day."""
    zone, seen = ZoneInfo(t.tz), set()
    for e in events:
        if e.role not in STAFF_ROLES or not e.action.startswith(PERSONAL) or e.outcome != "ok":
            continue
        local = _local(e, zone)
        if t.work_start <= local.hour < t.work_end:
            continue
        key = (e.username, local.date())
        if key not in seen:
            seen.add(key)
            yield Hit("OFF_HOURS", e, f"{e.username} {e.action} {local:%Y-%m-%d %H:%M}",
                      {"action": e.action, "time": f"{local:%Y-%m-%d %H:%M}"})


def _bursts(events: Iterable[AuditEvent], keyfunc: Callable[[AuditEvent], tuple[str, str]], limit: int,
            minutes: int, rule: str, label: str) -> Iterator[Hit]:
    """More than ``limit`` matching events for one key (``(kind, who)``) within ``minutes``; one flag per burst."""
    window = dt.timedelta(minutes=minutes)
    recent: dict[tuple[str, str], deque[dt.datetime]] = defaultdict(deque)
    quiet_until: dict[tuple[str, str], dt.datetime] = {}
    for e in events:
        key = keyfunc(e)
        if not key[1]:
            continue
        times = recent[key]
        times.append(e.occurred_at)
        while times and e.occurred_at - times[0] > window:
            times.popleft()
        if len(times) > limit and e.occurred_at >= quiet_until.get(key, dt.datetime.min):
            quiet_until[key] = e.occurred_at + window
            kind, who = key
            yield Hit(rule, e, f"{kind} {who}: {len(times)} {label} / {minutes} min",
                      {"kind": kind, "who": who, "count": len(times), "minutes": minutes})


def bulk_viewing(events: Iterable[AuditEvent], t: Thresholds) -> Iterator[Hit]:
    views = (e for e in events if e.action in VIEWS and e.outcome == "ok")
    return _bursts(views, lambda e: ("user", e.username), t.bulk_views, t.bulk_minutes, "BULK_VIEWING", "views")


def failed_logins(events: Iterable[AuditEvent], t: Thresholds) -> Iterator[Hit]:
    failed = [e for e in events if e.action == "auth.login" and e.outcome == "failed"]

    def who(e: AuditEvent) -> tuple[str, str]:
        try:
            return "user", str(json.loads(e.details).get("username", ""))
        except ValueError:
            return "user", ""

    yield from _bursts(failed, who, t.failed_logins, t.failed_minutes, "FAILED_LOGIN_BURST", "failed log-ins")
    yield from _bursts(failed, lambda e: ("ip", e.ip), t.failed_logins, t.failed_minutes, "FAILED_LOGIN_BURST",
                       "failed log-ins")


def repeated_denied(events: Iterable[AuditEvent], t: Thresholds) -> Iterator[Hit]:
    denied = (e for e in events if e.outcome == "denied")

    def who(e: AuditEvent) -> tuple[str, str]:
        return ("user", e.username) if e.username else ("ip", e.ip)

    return _bursts(denied, who, t.denied, t.denied_minutes, "REPEATED_DENIED", "denied")


def outside_window(events: Iterable[AuditEvent], t: Thresholds) -> Iterator[Hit]:
    """Accesses, or refused attempts, that name a lending approval whose time window does not cover them.

    A consultation's reading room refuses every access outside its window and records the attempt with
    the window (archive.lending.reading_room): the refused attempt is flagged too, so the auditor sees
    who tried, and an access that was let through outside the window would be.
    """
    for e in events:
        if e.outcome not in ("ok", "denied") or not e.reason:
            continue
        try:
            details = json.loads(e.details)
            start = dt.datetime.fromisoformat(details["window_start"])
            end = dt.datetime.fromisoformat(details["window_end"])
        except (ValueError, KeyError, TypeError):
            continue
        if not start <= e.occurred_at <= end:
            yield Hit("OUTSIDE_LENDING_WINDOW", e, f"{e.username} {e.action} {e.archive_no} ({e.reason})",
                      {"action": e.action, "archive_no": e.archive_no, "reason": e.reason})


def own_or_relative(events: list[AuditEvent], t: Thresholds) -> Iterator[Hit]:
    """Staff opening a file whose person's ID number is their own or a declared relative's."""
    relevant = [e for e in events if e.person_id and e.user_id and e.role in STAFF_ROLES
                and e.action.startswith(PERSONAL)]
    if not relevant:
        return
    persons = dict(db.session.execute(
        select(Person.id, Person.id_number).where(Person.id.in_({e.person_id for e in relevant}))
    ).all())
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({e.user_id for e in relevant})))}
    for e in relevant:
        user, number = users.get(e.user_id), persons.get(e.person_id)
        if user is None or not number:
            continue
        if number == user.id_number:
            yield Hit("OWN_OR_RELATIVE_FILE", e, f"{e.username} {e.action} {e.archive_no}: own file",
                      {"action": e.action, "archive_no": e.archive_no, "relation": ""})
        else:
            for rel in user.relatives:
                if rel.id_number == number:
                    yield Hit("OWN_OR_RELATIVE_FILE", e,
                              f"{e.username} {e.action} {e.archive_no}: relative ({rel.relation})",
                              {"action": e.action, "archive_no": e.archive_no, "relation": rel.relation})


def _events_since(seq: int, lookback_from: dt.datetime | None) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.seq)
    if lookback_from is not None:
        stmt = stmt.where((AuditEvent.seq > seq) | (AuditEvent.occurred_at >= lookback_from))
    else:
        stmt = stmt.where(AuditEvent.seq > seq)
    return list(db.session.scalars(stmt))


def scan(*, limit: int = 200_000) -> list[AuditFlag]:
    """Flag anomalies among the events after the last scan (flushes; the caller commits)."""
    t = Thresholds.from_config(current_app.config)
    state = db.session.get(AuditScanState, 1)
    if state is None:
        state = AuditScanState(id=1, last_seq=0)
        db.session.add(state)
        db.session.flush()
    first_new = db.session.scalar(
        select(AuditEvent.occurred_at).where(AuditEvent.seq > state.last_seq).order_by(AuditEvent.seq).limit(1)
    )
    if first_new is None:
        return []
    longest = max(t.bulk_minutes, t.failed_minutes, t.denied_minutes)
    events = _events_since(state.last_seq, first_new - dt.timedelta(minutes=longest))[: limit]
    new = [e for e in events if e.seq > state.last_seq]
    hits: list[Hit] = [
        *off_hours(new, t), *outside_window(new, t), *own_or_relative(new, t),
        *bulk_viewing(events, t), *failed_logins(events, t), *repeated_denied(events, t),
        *admin_set_account_read(new, t),
    ]
    existing = set(db.session.execute(
        select(AuditFlag.rule, AuditFlag.event_seq).where(AuditFlag.event_seq > state.last_seq)
    ).all())
    flags = []
    for hit in hits:
        if hit.event.seq <= state.last_seq or (hit.rule, hit.event.seq) in existing:
            continue
        existing.add((hit.rule, hit.event.seq))
        flag = AuditFlag(rule=hit.rule, event_seq=hit.event.seq, user_id=hit.event.user_id,
                         username=hit.event.username, ip=hit.event.ip, occurred_at=hit.event.occurred_at,
                         summary=hit.summary[:300], params=hit.params)
        db.session.add(flag)
        flags.append(flag)
    state.last_seq = new[-1].seq if new else state.last_seq
    db.session.flush()
    if flags:
        log.info("anomaly scan raised %d flags", len(flags))
    return flags


# Events by which somebody other than the user chose the account's password (三员分立); a confirmed
# request counts when it was an auditor's password reset.
PASSWORD_SET_BY_OTHERS = or_(
    AuditEvent.action.in_(("user.create", "user.password_reset")),
    and_(AuditEvent.action == "user.request_confirm", AuditEvent.details.contains('"action":"reset_password"')),
)


def admin_set_account_read(events: list[AuditEvent], t: Thresholds) -> Iterator[Hit]:
    """The first personal-data read by an account after an administrator created it or reset its password.

    The administrator knew that password; even with activation by an approver and a forced
    password change, the auditor gets to look at who used such an account first, once per
    creation or reset.
    """
    reads = [e for e in events if e.user_id and e.outcome == "ok" and e.action.startswith(PERSONAL)]
    if not reads:
        return
    by_id = {e.seq: e for e in reads}
    for user_id in {e.user_id for e in reads}:
        setter = db.session.scalar(
            select(AuditEvent).where(
                PASSWORD_SET_BY_OTHERS, AuditEvent.target_type == "user",
                AuditEvent.target_id == str(user_id),
                or_(AuditEvent.user_id.is_(None), AuditEvent.user_id != user_id),  # the shell has no user
            ).order_by(AuditEvent.seq.desc()).limit(1)
        )
        if setter is None:
            continue
        first = db.session.scalar(
            select(func.min(AuditEvent.seq)).where(
                AuditEvent.user_id == user_id, AuditEvent.seq > setter.seq, AuditEvent.outcome == "ok",
                or_(*(AuditEvent.action.startswith(prefix) for prefix in PERSONAL)),
            )
        )
        if first in by_id:
            e = by_id[first]
            yield Hit("ADMIN_SET_ACCOUNT_READ", e,
                      f"{e.username} {e.action} {e.archive_no}: first read after {setter.username} "
                      f"{setter.action} #{setter.seq}",
                      {"action": e.action, "archive_no": e.archive_no, "setter": setter.username,
                       "setter_action": setter.action, "setter_seq": setter.seq})
