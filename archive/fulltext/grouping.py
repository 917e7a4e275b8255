"""Search hits grouped by file, in rank order, with each file's person: what the search page and the API show."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from archive.catalogue.models import ArchiveFile, Person
from archive.extensions import db
from search import Hit

__all__ = ["group_by_file"]


def group_by_file(hits: Iterable[Hit]) -> list[tuple[ArchiveFile, Person | None, list[Hit]]]:
    """``[(file, person, hits), …]`` in the order of each file's best hit; files gone from the catalogue drop out."""
    order: list[int] = []
    by_file: dict[int, list[Hit]] = {}
    for hit in hits:
        if hit.file_id not in by_file:
            order.append(hit.file_id)
            by_file[hit.file_id] = []
        by_file[hit.file_id].append(hit)
    rows = {f.id: (f, p) for f, p in db.session.execute(
        select(ArchiveFile, Person).outerjoin(Person, ArchiveFile.person_id == Person.id)
        .where(ArchiveFile.id.in_(order)))}
    return [(rows[i][0], rows[i][1], by_file[i]) for i in order if i in rows]
