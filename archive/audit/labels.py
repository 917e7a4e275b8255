"""Readable labels for the audit log's stored codes (outcomes), translated when shown; the codes stay as stored."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["OUTCOME_LABELS", "outcome_label"]

OUTCOME_LABELS = {
    "ok": _l("Succeeded"),
    "denied": _l("Denied"),
    "failed": _l("Failed"),
    "error": _l("Error"),
    "not_found": _l("Not found"),
}


def outcome_label(code: str) -> str:
    """The outcome in the reader's language; an unknown code as stored."""
    label = OUTCOME_LABELS.get(code)
    return str(label) if label is not None else code
