"""``GET /api/v1/search?q=…``: the search page's results as JSON, with its scope, masking and event.

It calls the functions the search page calls (:mod:`archive.fulltext.views`): the same query with
the same facet filters, the street scope inside the engine, ID numbers masked in snippets outside
need-to-know, and the same ``search.query`` event.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from flask import url_for

from archive.api.framework import api_record, endpoint, refuse
from archive.api.schema import prop
from archive.catalogue.classes import format_class_code
from archive.catalogue.scope import may_see_full_id
from archive.fulltext.errors import translate_query_error
from archive.fulltext.grouping import group_by_file
from archive.fulltext.indexing import get_index
from archive.fulltext.views import MAX_PAGE, PER_PAGE, full_query, scope_streets
from archive.idnumbers import mask_id_numbers_in_text
from archive.roles import Role
from search import Hit, QueryError
from search.query import MAX_QUERY_CHARS

__all__ = ["SearchOut", "SearchQuery"]


@dataclass(frozen=True)
class SearchQuery:
    """The search box and the facet filters of the search page."""

    q: str = prop("", max_length=MAX_QUERY_CHARS, description="The query, in the search page's syntax.")
    class_filter: str = prop("", name="class", max_length=100, description="A class facet, e.g. 9-2.")
    employer: str = prop("", max_length=100, description="An employer facet (原单位).")
    street: str = prop("", max_length=100, description="A street facet; outside the caller's scope: no hits.")
    decade: str = prop("", max_length=100, description="A decade facet of 材料形成时间: 1970.")
    page: int = prop(1, minimum=1, maximum=MAX_PAGE, description=f"{PER_PAGE} hits a page.")

    def check(self) -> dict[str, str]:
        from flask_babel import gettext as _

        if not (self.q or self.class_filter or self.employer or self.street or self.decade):
            return {"q": _("is required (or a facet filter)")}
        return {}


@dataclass(frozen=True)
class HitLinks:
    """The audited page routes of a hit (a logged-in session opens them)."""

    viewer: str
    image: str
    thumb: str


@dataclass(frozen=True)
class HitOut:
    """One matching page."""

    page_id: int
    position: int
    class_code: str = prop(description="9-2")
    class_label: str = prop(description="九-2")
    material_seq: int | None = prop()
    snippet: str = prop(description="HTML-escaped text around the match, matched words in <mark>; ID numbers "
                                    "masked outside need-to-know.")
    links: HitLinks = prop()


@dataclass(frozen=True)
class FileHits:
    """The hits of one file, in rank order."""

    archive_no: str
    name: str | None = prop(description="The person's name.")
    street: str | None = prop()
    hits: list[HitOut] = prop()


@dataclass(frozen=True)
class SearchOut:
    """A page of results, grouped by file in rank order."""

    q: str
    total: int = prop(description="Pages matching, over the caller's scope.")
    total_exact: bool = prop(description="False when the total is an estimate from a sample (约 …).")
    page: int = prop()
    pages: int = prop(description=f"Result pages available (at most {MAX_PAGE}).")
    per_page: int = prop()
    facets: dict[str, dict[str, int]] = prop(description="class, employer, street, decade → value → pages.")
    files: list[FileHits] = prop()


def _hit_out(hit: Hit, q: str, full_id: bool) -> HitOut:
    if not full_id:
        hit = dataclasses.replace(hit, snippet=mask_id_numbers_in_text(hit.snippet))
    links = HitLinks(viewer=url_for("pages.viewer", page_id=hit.page_id, q=q or None),
                     image=url_for("pages.page_image", page_id=hit.page_id),
                     thumb=url_for("pages.page_thumb", page_id=hit.page_id))
    return HitOut(page_id=hit.page_id, position=hit.position, class_code=hit.class_code,
                  class_label=format_class_code(hit.class_code), material_seq=hit.material_seq, snippet=hit.snippet,
                  links=links)


def _grouped(hits: tuple[Hit, ...], q: str) -> list[FileHits]:
    full_id = may_see_full_id()
    return [FileHits(archive_no=file.archive_no, name=person.name if person else None, street=file.street,
                     hits=[_hit_out(h, q, full_id) for h in file_hits])
            for file, person, file_hits in group_by_file(hits)]


@endpoint("GET", "/search", summary="Full-text and catalogue search, as on the search page",
          roles=(Role.ARCHIVIST, Role.APPROVER), query=SearchQuery, response=SearchOut, tag="search")
def search(query: SearchQuery) -> SearchOut:
    """The street scope is applied inside the search engine, so totals and facets are the caller's."""
    facets_in = {"class": query.class_filter, "employer": query.employer, "street": query.street,
                 "decade": query.decade}
    streets = scope_streets(query.street)
    try:
        results = get_index().search(full_query(query.q, facets_in), streets=streets, limit=PER_PAGE,
                                     offset=(query.page - 1) * PER_PAGE)
    except QueryError as exc:
        refuse(400, "invalid_query", fields={"q": translate_query_error(str(exc))})
    api_record("search.query", details={"q": query.q[:500], "filters": {k: v for k, v in facets_in.items() if v},
                                        "scope": streets, "total": results.total,
                                        "total_exact": results.total_exact, "page": query.page, "error": None})
    return SearchOut(q=query.q, total=results.total, total_exact=results.total_exact, page=query.page,
                     pages=min(MAX_PAGE, -(-results.total // PER_PAGE)), per_page=PER_PAGE,
                     facets={k: dict(v) for k, v in results.facets.items()}, files=_grouped(results.hits, query.q))
