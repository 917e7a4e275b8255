"""The search page: one box, field filters, facets, hits per page grouped by file, scope applied in the engine."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from archive.access import requires
from archive.audit import record
from archive.catalogue.classes import class_name, format_class_code, parse_class_label
from archive.catalogue.scope import may_see_full_id
from archive.fulltext.errors import translate_query_error
from archive.fulltext.grouping import group_by_file
from archive.fulltext.highlight import mark_terms, query_terms
from archive.fulltext.indexing import get_index
from archive.geo import STREETS
from archive.i18n import select_locale
from archive.idnumbers import mask_id_numbers_in_text
from archive.roles import Role
from search import QueryError
from search.query import MAX_QUERY_CHARS

bp = Blueprint("fulltext", __name__)

PER_PAGE = 20
MAX_PAGE = 50  # 1,000 hits deep: beyond that, narrow the query


@bp.app_template_filter("mark_terms")
def _mark_terms_filter(text: str | Markup | None, query: str) -> Markup:
    """``{{ page.ocr_text|mark_terms(q) }}``: the text escaped, the words of ``q`` in ``<mark>``."""
    return mark_terms(text, query_terms(query or ""))


def class_label(code: str, *, with_name: bool = False) -> str:
    """A class code from the index as the catalogue writes it (``9-1`` → ``九-1``), optionally with its name."""
    label = format_class_code(code)
    if not with_name:
        return label

    try:
        class_no, subclass = parse_class_label(code)
    except ValueError:
        return label
    name = class_name(class_no, subclass, english=select_locale() != "zh_CN")
    return f"{label} {name}" if name else label


def decade_label(value: str) -> str:
    """A decade facet value (``1970s``) in the user's language: 1970年代 / 1970s."""
    digits = value[:-1] if value.endswith("s") else value
    return _("%(year)ds", year=int(digits)) if digits.isdigit() else value


def approx_count(n: int) -> str:
    """An estimated total as people say it, to two significant digits: 约 73 万 / about 730,000."""
    from archive.i18n import select_locale

    digits = len(str(max(n, 0)))
    rounded = round(n, 2 - digits) if digits > 2 else max(n, 0)
    if select_locale() == "zh_CN" and rounded >= 10_000:
        return f"{rounded / 10_000:g} 万"
    return f"{rounded:,}"


@bp.app_context_processor
def _search_labels() -> dict[str, object]:
    return {"class_label": class_label, "decade_label": decade_label, "approx_count": approx_count}


def query_too_long(q: str) -> str | None:
    """The translated reason a typed query is refused for its length (box and URL alike), or None."""
    if len(q) > MAX_QUERY_CHARS:
        return _("The query is too long: at most %(max)d characters, this one has %(n)d. Shorten it and search again.",
                 max=MAX_QUERY_CHARS, n=len(q))
    return None


def scope_streets(street: str | None = None) -> list[str] | None:
    """The streets the current user may search (None: all), narrowed by a street facet."""
    allowed = None if current_user.street is None else [current_user.street]
    if street:
        if street not in STREETS or (allowed is not None and street not in allowed):
            return []
        return [street]
    return allowed


def full_query(q: str, args: dict[str, str]) -> str:
    """The typed query plus the facet filters the user clicked, in the same syntax."""
    parts = [q] if q else []
    if args.get("class"):
        parts.append(f"类别:{args['class']}")
    if args.get("employer"):
        parts.append(f'单位:"{args["employer"]}"')
    if args.get("decade", "").isdigit():
        start = int(args["decade"])
        parts.append(f"形成时间:{start}..{start + 9}")
    return " ".join(parts)


@bp.route("/search")
@requires(Role.ARCHIVIST, Role.APPROVER)
def search() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()
    facets_in = {k: (request.args.get(k) or "").strip()[:100] for k in ("class", "employer", "street", "decade")}
    try:
        page = max(1, min(MAX_PAGE, int(request.args.get("page", "1"))))
    except ValueError:
        page = 1
    if not q and not any(facets_in.values()):
        return render_template("fulltext/search.html", q=q, results=None, error=None, groups=[], args=facets_in,
                               page=page, pages=0)
    query = full_query(q, facets_in)
    streets = scope_streets(facets_in["street"])
    error, results = query_too_long(q), None
    if error is None:
        try:
            results = get_index().search(query, streets=streets, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        except QueryError as exc:
            error = translate_query_error(str(exc))
    record("search.query", outcome="ok" if error is None else "failed",
           details={"q": q[:500], "filters": {k: v for k, v in facets_in.items() if v}, "scope": streets,
                    "total": results.total if results else None,
                    "total_exact": results.total_exact if results else None, "page": page, "error": error})
    hits = results.hits if results else ()
    if not may_see_full_id():
        hits = tuple(_masked(h) for h in hits)
    groups = group_by_file(hits)
    pages = min(MAX_PAGE, -(-results.total // PER_PAGE)) if results else 0
    return render_template("fulltext/search.html", q=q, results=results, error=error, groups=groups,
                           args=facets_in, page=page, pages=pages, Markup=Markup)


def _masked(hit) -> ResponseReturnValue:
    """A hit whose snippet (and matched words, so the viewer's marks still line up) has ID numbers masked."""
    return dataclasses.replace(hit, snippet=mask_id_numbers_in_text(hit.snippet),
                               terms=tuple(mask_id_numbers_in_text(t) for t in hit.terms))




