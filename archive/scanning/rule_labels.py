"""QC rule names in the reader's language (Babel), keyed by the rule codes ingest.qc reports and rows store."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["RULE_LABELS", "rule_label"]

RULE_LABELS = {
    "PAGE_COUNT_MISMATCH": _l("Page count differs from catalogue"),
    "MATERIAL_NOT_SCANNED": _l("Material not scanned"),
    "EXTRA_PAGES": _l("Extra pages"),
    "TITLE_MISMATCH": _l("Page heading names another material"),
    "UNREADABLE_PAGE": _l("Unreadable page"),
    "DUPLICATE_PAGE": _l("Duplicate page"),
    "BLANK_PAGE": _l("Blank page"),
    "LOW_RESOLUTION": _l("Resolution too low"),
    "SKEW": _l("Skewed page"),
    "LOW_OCR_CONFIDENCE": _l("Low OCR confidence"),
    "MIXED_FORMATS": _l("Mixed storage formats"),
    "SEQUENCE_GAP": _l("Gap in catalogue numbering"),
    "REQUIRED_MATERIAL_MISSING": _l("Expected material missing"),
}


def rule_label(code: str) -> str:
    """The rule's name in the reader's language; an unknown code as stored."""
    label = RULE_LABELS.get(code)
    return str(label) if label is not None else code
