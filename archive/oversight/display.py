"""How the auditor's tables show events: people's names, a readable target, bursts folded into one row.

Only the display changes: every event stays stored, verifiable and exported one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from archive.accounts.models import User
from archive.audit.models import AuditEvent, AuditFlag
from archive.extensions import db
from archive.idnumbers import mask_id_numbers_in_text
from archive.oversight.labels import action_label, endpoint_label
from archive.oversight.labels import gettext as _

__all__ = ["BURST_ACTIONS", "BURST_GAP", "EventRow", "Names", "display_names", "event_rows", "names_for",
           "target_label"]

# A person paging through a file's thumbnails or images makes one event per picture; shown one per row
# they bury everything else.  Consecutive ones of one person, file and outcome fold into one row.
BURST_ACTIONS = frozenset({"page.thumb", "page.image"})
BURST_GAP = dt.timedelta(minutes=5)


@dataclass
class Names:
    """People's names for one table of events: by account name, and by user id for events about accounts."""

    by_username: dict[str, str] = field(default_factory=dict)
    by_user_id: dict[int, str] = field(default_factory=dict)

    def person(self, username: str) -> str:
        return self.by_username.get(username, "")


def display_names(usernames: Iterable[str]) -> dict[str, str]:
    """Account names → the people's names (one query; none for an empty set)."""
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all())


def names_for(rows: Iterable[AuditEvent | AuditFlag]) -> Names:
    """The names behind the rows' accounts and account targets (two queries, whatever the table's length)."""
    rows = list(rows)
    usernames = {r.username for r in rows if r.username}
    target_ids = {int(r.target_id) for r in rows
                  if isinstance(r, AuditEvent) and r.target_type == "user" and r.target_id.isdigit()}
    names = Names(by_username=display_names(usernames))
    if target_ids:
        names.by_user_id = {uid: display or username for uid, username, display in db.session.execute(
            select(User.id, User.username, User.display_name).where(User.id.in_(target_ids))).all()}
    return names


def target_label(event: AuditEvent, names: Names) -> str:
    """What the event was about, in words; a file is shown by its 档号 in its own column, so it adds nothing."""
    kind, ident = event.target_type, event.target_id
    if kind in ("", "file"):
        return ""
    if kind == "endpoint":
        return endpoint_label(ident)
    if kind == "user":
        if event.user_id is not None and ident == str(event.user_id):
            return ""  # their own account (log-in, language): the user column already says who
        who = names.by_user_id.get(int(ident)) if ident.isdigit() else None
        return _("Account %(name)s", name=who or "#" + ident)
    simple = {
        "material": lambda: _("Material #%(id)s", id=ident),
        "page": lambda: _("Page #%(id)s", id=ident),
        "ingest_job": lambda: _("Scan batch #%(id)s", id=ident),
        "qc_finding": lambda: _("QC finding #%(id)s", id=ident),
        "audit_event": lambda: _("Event #%(id)s", id=ident),
        "audit_flag": lambda: _("Anomaly #%(id)s", id=ident),
        "file_timeline": lambda: _("Access history of %(no)s", no=ident),
        "user_activity": lambda: _("Activity of %(name)s", name=ident),
        "flags": lambda: _("Anomaly list"),
    }
    if kind in simple:
        return simple[kind]()
    return mask_id_numbers_in_text(f"{kind} {ident}")


@dataclass
class EventRow:
    """One row of the table: one event, or a burst of like events (newest first, as the table is)."""

    events: list[AuditEvent]

    @property
    def first(self) -> AuditEvent:
        return self.events[0]

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def label(self) -> str:
        return action_label(self.first.action)


def _same_burst(a: AuditEvent, b: AuditEvent) -> bool:
    return (a.action in BURST_ACTIONS and a.action == b.action and a.username == b.username
            and a.file_id is not None and a.file_id == b.file_id and a.outcome == b.outcome
            and abs(a.occurred_at - b.occurred_at) <= BURST_GAP)


def event_rows(events: Sequence[AuditEvent]) -> list[EventRow]:
    """The table's rows: runs of consecutive thumbnail/image views of one file by one person become one row."""
    rows: list[EventRow] = []
    for event in events:
        if rows and _same_burst(rows[-1].events[-1], event):
            rows[-1].events.append(event)
        else:
            rows.append(EventRow([event]))
    return rows
