"""The hash chain: canonical content of an event, its SHA-256, and the walk that verifies it.

Each event's hash is SHA-256 over a canonical JSON of every stored field except
``id`` and ``hash`` — including ``seq`` and ``prev_hash``.  So editing a field
breaks that event's hash, deleting a row leaves a gap in ``seq`` and a broken
link, and inserting a row breaks the link of the event after it.  A forger who
rewrites the whole tail is caught by the anchors kept outside the database; and
since every anchor written is itself an ``audit.anchor`` event in the chain, a
forger who deletes anchor objects is caught by the events that name them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GENESIS", "HASHED_FIELDS", "Anchor", "Break", "VerifyReport", "canonical", "event_hash", "walk"]

GENESIS = "0" * 64

HASHED_FIELDS = (
    "seq", "occurred_at", "request_id", "user_id", "username", "role", "scope", "ip", "user_agent",
    "action", "outcome", "target_type", "target_id", "file_id", "person_id", "archive_no", "reason",
    "details", "prev_hash",
)


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # Fixed precision so the text is the same whichever database gave the value back.
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return value


def canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed: sorted keys, no whitespace, UTF-8."""
    content = {name: _value(row[name]) for name in HASHED_FIELDS}
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def event_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an event's canonical content."""
    return hashlib.sha256(canonical(row)).hexdigest()


@dataclass(frozen=True)
class Anchor:
    """A head (seq, hash) written to the object store at some time."""

    seq: int
    hash: str
    written_at: str
    key: str = ""


@dataclass(frozen=True)
class Break:
    """The first place where the log is not what was written."""

    seq: int | None
    event_id: int | None
    occurred_at: str | None
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "id": self.event_id, "time": self.occurred_at, "problem": self.problem}


@dataclass
class VerifyReport:
    """Result of a walk; ``ok`` only when the chain and every anchor agree."""

    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    anchors_checked: int = 0
    anchors_recorded: int = 0  # ``audit.anchor`` events in the chain: anchors that must exist
    first_break: Break | None = None
    anchor_breaks: list[Break] = field(default_factory=list)
    missing_anchors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first_break is None and not self.anchor_breaks

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"ok": self.ok, "events": self.events, "head_seq": self.head_seq,
                                  "anchors_checked": self.anchors_checked, "anchors_recorded": self.anchors_recorded}
        if self.missing_anchors:
            result["missing_anchors"] = self.missing_anchors
        broken = self.first_break or (self.anchor_breaks[0] if self.anchor_breaks else None)
        if broken is not None:
            result["first_broken"] = broken.as_dict()
        return result


def _claim(row: Mapping[str, Any]) -> Anchor | None:
    """The anchor an ``audit.anchor`` event says was written, or None."""
    if row.get("action") != "audit.anchor" or row.get("outcome") != "ok":
        return None
    try:
        data = json.loads(row["details"])
        return Anchor(int(data["seq"]), str(data["hash"]), _value(row["occurred_at"]) or "", str(data.get("key", "")))
    except (ValueError, KeyError, TypeError):
        return None


def walk(rows: Iterable[Mapping[str, Any]], anchors: Iterable[Anchor] = (), *,
         check_recorded: bool = True) -> VerifyReport:
    """Verify rows given in ``seq`` order (each with ``id`` and ``hash`` too) against the anchors.

    With ``check_recorded`` (whenever the anchors were read), every anchor an ``audit.anchor``
    event records must be among ``anchors`` with the same hash: a missing one was deleted.
    """
    report = VerifyReport()
    anchors = list(anchors)
    by_seq = {a.seq: a for a in anchors}
    by_key = {a.key: a for a in anchors if a.key}
    recorded: list[tuple[Anchor, Mapping[str, Any]]] = []
    expected_seq, prev = 1, GENESIS
    for row in rows:
        report.events += 1
        seq = row["seq"]
        when = _value(row["occurred_at"])
        if report.first_break is None:
            problem = None
            if seq != expected_seq:
                problem = (f"sequence jumps from {expected_seq - 1} to {seq}: events deleted"
                           if seq > expected_seq else f"sequence number {seq} repeated or out of order")
            elif row["prev_hash"] != prev:
                problem = "link to the previous event is broken: an event was inserted or deleted before this one"
            elif event_hash(row) != row["hash"]:
                problem = "content does not match its hash: the event was altered"
            if problem:
                report.first_break = Break(seq, row.get("id"), when, problem)
        claim = _claim(row)
        if claim is not None:
            report.anchors_recorded += 1
            recorded.append((claim, {"seq": seq, "id": row.get("id"), "time": when}))
        anchor = by_seq.get(seq)
        if anchor is not None:
            report.anchors_checked += 1
            if anchor.hash != row["hash"]:
                report.anchor_breaks.append(
                    Break(seq, row.get("id"), when,
                          f"hash differs from the anchor written {anchor.written_at}: the log was rewritten")
                )
        expected_seq, prev = seq + 1, row["hash"]
        report.head_seq, report.head_hash = seq, row["hash"]
    for anchor in sorted(by_seq.values(), key=lambda a: a.seq):
        if anchor.seq > report.head_seq:
            report.anchor_breaks.append(
                Break(anchor.seq, None, anchor.written_at,
                      f"the log ends at event {report.head_seq} but an anchor written {anchor.written_at} "
                      f"records event {anchor.seq}: the log was truncated or an old copy restored")
            )
            break
    if check_recorded:
        for claim, event in recorded:
            found = by_key.get(claim.key) if claim.key else None
            found = found or by_seq.get(claim.seq)
            name = claim.key or f"event {claim.seq}"
            if found is None:
                report.missing_anchors.append(name)
                report.anchor_breaks.append(
                    Break(event["seq"], event["id"], event["time"],
                          f"anchor {name} of event {claim.seq}, recorded by event {event['seq']}, is missing "
                          "from the anchor store: anchors were deleted"))
            elif found.hash != claim.hash:
                report.anchor_breaks.append(
                    Break(event["seq"], event["id"], event["time"],
                          f"anchor {name} of event {claim.seq} does not match what event {event['seq']} "
                          "recorded: the anchors or the log were rewritten"))
    return report
