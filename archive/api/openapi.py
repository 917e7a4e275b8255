"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 document, made from the endpoints' own declarations.

Paths, methods, roles, bodies, answers and statuses all come from :data:`archive.api.framework.ENDPOINTS`
and the dataclasses the endpoints parse and return, so the document says what the code does; a test
checks that every registered ``/api/v1`` rule is in it and validates it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from archive.access import API_PREFIX
from archive.api.framework import ENDPOINTS, Endpoint, endpoint
from archive.api.schema import fields_of, schema_of
from archive.jsonerrors import ERROR_SCHEMA

__all__ = ["openapi_document"]

_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")

_STATUS_TEXT = {200: "OK", 201: "Created", 400: "Bad body or query: see error.fields",
                401: "No valid access token (missing, unknown, revoked, or its account disabled)",
                403: "Outside the caller's role or street scope, or about someone else's file",
                404: "Unknown in the caller's scope", 409: "Conflicts with a rule or the current state",
                410: "No longer available (expired)", 415: "The body is not JSON"}


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for match in _PARAM.finditer(rule):
        schema = {"type": "integer"} if match["conv"] == "int" else {"type": "string"}
        params.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
    return API_PREFIX + _PARAM.sub(lambda m: "{" + m["name"] + "}", rule), params


def _query_params(cls: type, components: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for field in fields_of(cls):
        param: dict[str, Any] = {"name": field.json, "in": "query", "required": field.required,
                                 "schema": schema_of(field.type, components)}
        if field.rules.description:
            param["description"] = field.rules.description
        if field.rules.max_length is not None:
            param["schema"]["maxLength"] = field.rules.max_length
        if field.rules.minimum is not None:
            param["schema"]["minimum"] = field.rules.minimum
        if field.rules.maximum is not None:
            param["schema"]["maximum"] = field.rules.maximum
        out.append(param)
    return out


def _operation(ep: Endpoint, components: dict[str, Any]) -> dict[str, Any]:
    _, params = _path(ep.rule)
    op: dict[str, Any] = {"operationId": ep.name, "summary": ep.summary, "tags": [ep.tag] if ep.tag else []}
    if ep.description:
        op["description"] = ep.description
    if ep.roles is None:
        op["security"] = []
        op["x-roles"] = []
    else:
        op["x-roles"] = sorted(r.value for r in ep.roles)
        op["description"] = (op.get("description", "") + "\n\nRoles: " + ", ".join(op["x-roles"])).strip()
    if ep.query is not None:
        params += _query_params(ep.query, components)
    if params:
        op["parameters"] = params
    if ep.body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": schema_of(ep.body, components)}}}
    ok: dict[str, Any] = {"description": _STATUS_TEXT.get(ep.status, "OK")}
    if ep.produces == "application/json" and ep.response is not None:
        ok["content"] = {"application/json": {"schema": schema_of(ep.response, components)}}
    elif ep.produces == "application/json":
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    else:
        ok["content"] = {ep.produces: {"schema": {"type": "string", "contentMediaType": ep.produces}}}
    responses: dict[str, Any] = {str(ep.status): ok}
    for status in ep.errors:
        responses[str(status)] = {"description": _STATUS_TEXT.get(status, "Error"),
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op["responses"] = responses
    return op


def openapi_document() -> dict[str, Any]:
    """The document for every declared endpoint (the same on every call)."""
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for ep in sorted(ENDPOINTS, key=lambda e: (e.rule, e.method)):
        path, _ = _path(ep.rule)
        paths.setdefault(path, {})[ep.method.lower()] = _operation(ep, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Dangan (档案) JSON API", "version": "1",
                 "description": "The personnel archive's API for the 政务服务平台 and staff integrations. "
                                "Authenticate with a personal access token (`dangan users token USERNAME`) as "
                                "`Authorization: Bearer dgn_…`; cookies are ignored. The caller acts with the "
                                "token's user's role and street scope, and every call is audited."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": dict(sorted(components.items())),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "A personal access token, dgn_…"}}},
        "security": [{"bearer": []}],
    }


@endpoint("GET", "/openapi.json", summary="This document", roles=None, produces="application/json",
          tag="meta")
def openapi_json() -> ResponseReturnValue:
    """Public: it describes the API, it holds no personal data."""
    document = current_app.extensions.get("dangan.openapi")
    if document is None:
        document = current_app.extensions["dangan.openapi"] = openapi_document()
    return jsonify(document)
