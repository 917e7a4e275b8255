"""Full-text search over OCR text and catalogue data.  Pure: no Flask, no database.

Public surface: :class:`SearchIndex` and its values (:mod:`search.base`) and
:func:`open_index` (``whoosh:///path`` or ``tantivy:///path``).
"""

from __future__ import annotations

from search.base import Batch, Hit, PageDoc, QueryError, Results, SearchIndex

__all__ = ["Batch", "Hit", "PageDoc", "QueryError", "Results", "SearchIndex", "open_index"]


def open_index(url: str) -> SearchIndex:
    """Open (creating if needed) the index at ``url``."""
    from search.registry import open_index as _open

    return _open(url)
