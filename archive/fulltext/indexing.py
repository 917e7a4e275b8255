"""Feeding the search index from committed rows, and checking it against them.

The index is derived data: it is written only after the database transaction
that created or changed the pages has committed, and ``dangan index rebuild``
recreates it from the database at any time.  A failure to index never undoes
or blocks the commit; ``dangan index check`` reports what is missing or stale.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile, Material, Person
from archive.extensions import db
from archive.pages.models import Page
from search import PageDoc, SearchIndex, open_index

__all__ = ["IndexCheck", "check_index", "get_index", "page_docs", "rebuild_index", "reindex_files"]

log = logging.getLogger(__name__)


def get_index() -> SearchIndex:
    """The app's index, opened once from ``DANGAN_SEARCH_URL``."""
    index = current_app.extensions.get("dangan.index")
    if index is None:
        index = current_app.extensions["dangan.index"] = open_index(current_app.config["DANGAN_SEARCH_URL"])
    return index


def _class_code(material: Material | None) -> str:
    if material is None:
        return ""
    return f"{material.class_no}-{material.subclass}" if material.subclass else str(material.class_no)


def page_docs(file_ids: Iterable[int] | None = None, *, batch: int = 2000) -> Iterator[PageDoc]:
    """Current pages as index documents (all of them, or those of ``file_ids``)."""
    stmt = (
        select(Page, ArchiveFile, Person, Material)
        .join(ArchiveFile, Page.file_id == ArchiveFile.id)
        .outerjoin(Person, ArchiveFile.person_id == Person.id)
        .outerjoin(Material, Page.material_id == Material.id)
        .where(Page.current.is_(True))
        .order_by(Page.id)
    )
    if file_ids is not None:
        stmt = stmt.where(Page.file_id.in_(list(file_ids)))
    for page, file, person, material in db.session.execute(stmt.execution_options(yield_per=batch)):
        yield PageDoc(
            page_id=page.id, file_id=file.id, archive_no=file.archive_no, street=file.street or "",
            person_name=person.name if person else "", id_number=(person.id_number or "") if person else "",
            employer=person.employer if person else "", class_code=_class_code(material),
            material_seq=material.seq if material else None, material_title=material.title if material else "",
            formed=(material.formed or "") if material else "", position=page.position, text=page.ocr_text or "",
        )


def reindex_files(file_ids: Iterable[int]) -> int:
    """After a commit: replace the index entries of these files with their current pages.

    Returns the number of pages indexed; failures are logged (the index is derived data and
    ``dangan index check`` finds the gap), never raised into the request that committed.
    """
    ids = sorted(set(file_ids))
    if not ids:
        return 0
    try:
        stale = list(db.session.scalars(select(Page.id).where(Page.file_id.in_(ids), Page.current.is_(False))))
        docs = list(page_docs(ids))
        if not stale and not docs:
            return 0  # catalogue-only files: nothing in the index to change
        with get_index().batch() as writer:
            for page_id in stale:
                writer.delete(page_id)
            for doc in docs:
                writer.add(doc)
        return len(docs)
    except Exception:
        log.exception("could not index files %s; run `dangan index check`", ids[:20])
        return 0


def rebuild_index(progress: Callable[[int, int], None] | None = None) -> int:
    """Clear the index and add every current page again."""
    from sqlalchemy import func

    index = get_index()
    total = db.session.scalar(select(func.count()).select_from(Page).where(Page.current.is_(True))) or 0
    index.clear()
    done = 0
    docs = page_docs()
    while True:
        chunk = [doc for _, doc in zip(range(5000), docs, strict=False)]
        if not chunk:
            break
        with index.batch() as writer:
            for doc in chunk:
                writer.add(doc)
        done += len(chunk)
        if progress:
            progress(done, total)
    # One segment per batch is what a rebuild leaves; merged, every query opens and searches one.
    index.optimize()
    return done


@dataclass
class IndexCheck:
    missing: list[int]  # current pages not in the index
    stale: list[int]  # indexed pages that are no longer current (or gone)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.stale


def check_index() -> IndexCheck:
    indexed = set(get_index().page_ids())
    current = set(db.session.scalars(select(Page.id).where(Page.current.is_(True))))
    return IndexCheck(missing=sorted(current - indexed), stale=sorted(indexed - current))
