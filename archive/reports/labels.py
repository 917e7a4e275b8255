"""Words for the reports' codes (levels, stages, deadline states), translated when shown.

English msgids without Chinese in them, so the English UI shows no Chinese outside names and places.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

__all__ = ["LEVEL_LABELS", "LEVEL_SHORT", "STAGE_LABELS", "STATE_LABELS", "level_label"]

LEVEL_LABELS = {
    "central": _l("Central state enterprises"),
    "municipal": _l("Municipal state enterprises"),
    "district": _l("District state enterprises"),
}

#: For narrow columns and chart labels: 央属, 市属, 区属.
LEVEL_SHORT = {
    "central": lazy_pgettext("level", "Central"),
    "municipal": lazy_pgettext("level", "Municipal"),
    "district": lazy_pgettext("level", "District"),
}

STAGE_LABELS = {
    "expected": _l("Expected"),
    "received": _l("Received"),
    "catalogued": _l("Catalogued"),
    "digitised": _l("Digitised"),
    "accepted": _l("Accepted"),
    "transferred": _l("Passed on"),
}

STATE_LABELS = {
    "done": _l("Done"),
    "overdue": _l("Overdue"),
    "behind": _l("Behind schedule"),
    "on_track": _l("On schedule"),
}


def level_label(level: str | None, *, short: bool = False) -> str:
    """The level's words; a file whose person names no level reads "Level not given"."""
    labels = LEVEL_SHORT if short else LEVEL_LABELS
    if level in labels:
        return str(labels[level])
    return str(_l("Level not given"))
