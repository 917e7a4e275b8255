"""The API's one blueprint and its endpoint declaration: route, roles, body, answer and statuses in one place.

``@endpoint("GET", "/files/<archive_no>", roles=…, response=FileOut, errors=(404,))`` registers the
Flask route, declares its roles for the access check that runs before every view
(:mod:`archive.security`), parses the body or query into its dataclass (400 with field messages),
dumps the view's dataclass answer as JSON, and keeps the declaration for the OpenAPI document
(:mod:`archive.api.openapi`) — so the document lists what the code does.

A refusal is :func:`refuse` (a :class:`~archive.jsonerrors.JsonError`).  When a view refuses after
it began changing rows, the wrapper rolls them back and records the refusal as the call's event,
so nothing half-written commits and the attempt is still on record.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from flask import Blueprint, Response, g, jsonify, request

from archive.access import API_PREFIX, public, requires
from archive.api.schema import BodyErrors, dump, parse, parse_query
from archive.audit import record
from archive.extensions import db
from archive.jsonerrors import JsonError
from archive.roles import Role

__all__ = ["ENDPOINTS", "Endpoint", "KeptRefusal", "api_record", "bp", "endpoint", "refuse"]

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One declared endpoint, as the OpenAPI document describes it."""

    method: str
    rule: str  # Flask's, relative to the prefix: /files/<archive_no>
    name: str  # the view's endpoint name, without "api."
    summary: str
    description: str
    roles: frozenset[Role] | None  # None: public
    body: type | None
    query: type | None
    response: type | None
    status: int
    errors: tuple[int, ...]
    produces: str
    tag: str


ENDPOINTS: list[Endpoint] = []


def refuse(status: int, code: str | None = None, message: str | None = None,
           fields: Mapping[str, str] | None = None) -> NoReturn:
    """Stop the call with a JSON error (403s are audited as denied accesses, as for pages)."""
    if message is None and fields:
        from flask_babel import gettext as _

        message = _("Some fields are not right; each is named in “fields”.")
    raise JsonError(status, code, message, fields)


class KeptRefusal(JsonError):
    """A refusal after which what the operation wrote stays, unlike other refusals, whose changes roll back.

    E.g. a copy found expired: the expiry and the refused download stay on record.
    """


def api_record(action: str, **kwargs: Any) -> None:
    """``record(...)`` for an API view: the same event as the page's, marked as made through the API."""
    details = dict(kwargs.pop("details", None) or {})
    details["via"] = "api"
    if g.get("api_token_id"):
        details["token"] = g.api_token_id
    record(action, details=details, **kwargs)


def _json_body() -> Any:
    if request.mimetype != "application/json":
        refuse(415)
    data = request.get_json(silent=True)
    if data is None:
        refuse(400, "invalid_json", fields={"body": _not_json()})
    return data


def _not_json() -> str:
    from flask_babel import gettext as _

    return str(_("must be a JSON object"))


def _refused_after_start(exc: JsonError) -> None:
    """A view refused: drop what it flushed and the events of it, and record the refusal instead."""
    if not isinstance(exc, KeptRefusal):
        db.session.rollback()
        g.pop("audit_events", None)
    if exc.code == 403:
        return  # the error handler records the denied access (record_denied), as for every 403
    record("api.refused", outcome="not_found" if exc.code == 404 else "failed", target_type="endpoint",
           target_id=request.endpoint or "",
           details={"status": exc.code, "code": exc.error_code, "fields": sorted(exc.fields), "via": "api",
                    "method": request.method, "path": request.path[:500],
                    "query": request.query_string.decode("utf-8", "replace")[:500],
                    **({"token": g.api_token_id} if g.get("api_token_id") else {})})


def endpoint(method: str, rule: str, *, summary: str, roles: tuple[Role, ...] | None, response: type | None = None,
             status: int = 200, body: type | None = None, query: type | None = None, errors: tuple[int, ...] = (),
             produces: str = "application/json", tag: str = "", description: str = "") -> Callable[..., Any]:
    """Declare and register an endpoint; the view gets ``body=``/``query=`` and returns ``response`` (or a Response)."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def call(**path: Any) -> Any:
            kwargs: dict[str, Any] = dict(path)
            try:
                try:
                    if body is not None:
                        kwargs["body"] = parse(body, _json_body())
                    if query is not None:
                        kwargs["query"] = parse_query(query, request.args)
                except BodyErrors as exc:
                    refuse(400, "invalid_body" if body is not None else "invalid_query", fields=exc.fields)
                result = view(**kwargs)
            except JsonError as exc:
                _refused_after_start(exc)
                raise
            if isinstance(result, Response):
                return result
            answer = jsonify(dump(result))
            answer.status_code = status
            return answer

        guarded = public(call) if roles is None else requires(*roles)(call)
        all_errors = {*errors, *((400,) if body is not None or query is not None else ()),
                      *((415,) if body is not None else ()),
                      *(() if roles is None else (401, 403))}
        ENDPOINTS.append(Endpoint(method=method, rule=rule, name=view.__name__, summary=summary,
                                  description=description or (view.__doc__ or "").strip(),
                                  roles=None if roles is None else frozenset(roles), body=body, query=query,
                                  response=response, status=status, errors=tuple(sorted(all_errors)),
                                  produces=produces, tag=tag))
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=guarded, methods=[method])
        return guarded

    return register
