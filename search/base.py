"""The search facade's contract: what is indexed, what a search returns, what every backend does.

The index is derived data.  It is fed only with committed pages, written through
``SearchIndex.batch()`` (which commits only when the block ends without an
exception), and can be rebuilt from the database at any time.  Street scope is
a filter applied inside the engine, so totals, facets and pages are right for
each user.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

__all__ = ["Batch", "Hit", "PageDoc", "QueryError", "Results", "SearchIndex"]


@dataclass(frozen=True)
class PageDoc:
    """One page as the index sees it (built by the app from committed rows)."""

    page_id: int
    file_id: int
    archive_no: str
    street: str  # the file's street ("" when no street serves it): the scope filter
    person_name: str
    id_number: str
    employer: str
    class_code: str  # "4-1", "9", "1" … ("" when the page is linked to no material)
    material_seq: int | None
    material_title: str
    formed: str  # ISO partial date of the material: "1985", "1985-03", "1985-03-12" or ""
    position: int  # page order in the file
    text: str  # normalised OCR text
    seal_text: str = ""  # the text of the page's red seals and stamps (the stamping unit), kept out of ``text``


@dataclass(frozen=True)
class Hit:
    """One matching page."""

    page_id: int
    file_id: int
    archive_no: str
    position: int
    class_code: str
    material_seq: int | None
    score: float
    snippet: str  # HTML-escaped text around the match with <mark>…</mark> around matched words
    terms: tuple[str, ...]  # matched surface strings, for highlighting word boxes on the page image


@dataclass(frozen=True)
class Results:
    """A page of hits, the total, and facet counts over all hits (not just this page).

    Queries that would cost too much over every page (a phrase of common characters over a million pages)
    are answered from a sample of the index (:mod:`search.estimate`): ``total_exact`` is then False and
    ``total`` an estimate to show as "约 …", and the hits are the best of the sample.  ``facets_exact`` is
    False when the facets were counted on a sample and scaled.  Both backends apply the same rule.
    """

    total: int
    hits: tuple[Hit, ...]
    took_ms: float
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # "class", "employer", "street", "decade"
    total_exact: bool = True
    facets_exact: bool = True


class QueryError(ValueError):
    """A query that cannot be run; ``str()`` is a user-facing message (Chinese)."""


class Batch(ABC):
    """Writes collected inside ``SearchIndex.batch()``; nothing is visible until the block ends."""

    @abstractmethod
    def add(self, doc: PageDoc) -> None:
        """Add or replace the page ``doc.page_id``."""

    @abstractmethod
    def delete(self, page_id: int) -> None:
        """Remove a page (superseded by a rescan, or gone)."""


class SearchIndex(ABC):
    """A full-text index of pages.  Backends: whoosh (pure Python, the default) and tantivy."""

    name: str

    @abstractmethod
    def batch(self) -> AbstractContextManager[Batch]:
        """A write batch that commits when the ``with`` block ends normally and is discarded otherwise."""

    @abstractmethod
    def search(self, query: str, *, streets: Sequence[str] | None = None, limit: int = 20, offset: int = 0,
               facets: bool = True) -> Results:
        """Run ``query`` (see :mod:`search.query` for the syntax).

        ``streets``: ``None`` searches everything; otherwise only pages whose street is in the list
        (an empty list finds nothing).  Raises :class:`QueryError` for queries that cannot run.
        Time and result size are bounded: ``limit`` ≤ 100, ``offset`` ≤ 10,000.
        """

    @abstractmethod
    def page_ids(self) -> Iterator[int]:
        """Every indexed page id (for ``dangan index check``)."""

    @abstractmethod
    def count(self) -> int:
        """Number of indexed pages."""

    @abstractmethod
    def clear(self) -> None:
        """Remove everything (``dangan index rebuild`` starts here)."""

    def optimize(self) -> None:  # noqa: B027 - optional for backends
        """Merge the index's segments into one (after a bulk rebuild): fewer files to open and search."""

    def close(self) -> None:  # noqa: B027 - optional for backends
        """Release files and threads."""
