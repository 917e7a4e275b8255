"""The OpenAPI document: valid OpenAPI 3.1, public, and listing exactly the registered /api/v1 routes."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from archive.access import API_PREFIX, view_policy


def test_the_document_is_valid_openapi(api):
    response = api.get("/openapi.json")  # public: no token needed, no personal data in it
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")


def _registered(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX + "/"):
            path = re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", rule.rule)
            found.update((path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"})
    return found


def test_every_registered_api_rule_is_documented_and_nothing_else(app, api):
    document = api.get("/openapi.json").get_json()
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert _registered(app) == documented
    assert len(documented) >= 3


def test_documented_roles_are_the_ones_enforced(app, api):
    document = api.get("/openapi.json").get_json()
    by_operation = {op["operationId"]: op for item in document["paths"].values() for op in item.values()}
    for endpoint, view in app.view_functions.items():
        if not endpoint.startswith("api."):
            continue
        op = by_operation[endpoint.removeprefix("api.")]
        policy = view_policy(view)
        if policy == "public":
            assert op["x-roles"] == [] and op["security"] == []
        else:
            assert op["x-roles"] == sorted(r.value for r in policy)
            assert {"401", "403"} <= set(op["responses"])  # every guarded endpoint documents its refusals


def test_every_schema_reference_resolves(api):
    document = api.get("/openapi.json").get_json()
    text = str(document)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in document["components"]["schemas"], name
