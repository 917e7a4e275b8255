"""The auditor's one change: acknowledging an anomaly flag, with a note.  Records its event and flushes."""

from __future__ import annotations

from archive.audit import record
from archive.audit.models import AuditFlag
from archive.extensions import db
from archive.timeutil import utcnow

__all__ = ["acknowledge_flag"]


def acknowledge_flag(flag: AuditFlag, note: str, *, by: str) -> bool:
    """Mark the flag acknowledged with what the auditor found; False if it already was (nothing changes)."""
    if flag.status == "acknowledged":
        return False
    flag.status, flag.ack_note, flag.ack_by, flag.ack_at = "acknowledged", note, by, utcnow()
    db.session.flush()
    record("audit.flag_ack", target_type="audit_flag", target_id=flag.id,
           details={"rule": flag.rule, "event_seq": flag.event_seq, "note": note})
    return True
