"""Validate an API answer against the OpenAPI document's schema for its endpoint and status."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator


def operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The operation of ``document`` whose path template matches ``path`` (without the query)."""
    path = path.split("?", 1)[0]
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def check_answer(document: dict[str, Any], method: str, path: str, response: Any) -> None:
    """The status is declared for the endpoint and a JSON body matches its schema."""
    op = operation(document, method, path)
    declared = op["responses"].get(str(response.status_code))
    assert declared is not None, f"{method} {path} answered {response.status_code}, not declared in the document"
    content = declared.get("content", {})
    if "application/json" in content:
        assert response.is_json, f"{method} {path} {response.status_code} is not JSON"
        schema = {**content["application/json"]["schema"], "components": document["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()), key=str)
        assert errors == [], f"{method} {path} {response.status_code}: {[e.message for e in errors[:5]]}"
    else:
        (media,) = content
        assert response.mimetype == media
