"""Driving a request through its steps over HTTP, as the pages do."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.conftest import login
from tests.helpers import csrf_token

NUMBER = re.compile(r"XC-SQ-\d{4}-\d{6}")


def client_for(app, user) -> FlaskClient:  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = login(client, user.username)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def ask(client: FlaskClient, **data: object):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/my/requests/new")
    body = {"csrf_token": token, "kind": "copy", "purpose": "retirement", "delivery": "download", **data}
    return client.post("/my/requests/new", data=body, content_type="multipart/form-data")


def ask_number(client: FlaskClient, **data: object) -> str:
    response = ask(client, **data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = NUMBER.search(response.headers["Location"])
    assert match
    return match.group(0)


def prepare(client: FlaskClient, number: str, materials: list[int], **data: object):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/lending/requests/{number}")
    return client.post(f"/lending/requests/{number}/prepare",
                       data={"csrf_token": token, "materials": [str(m) for m in materials], **data})


def decide(client: FlaskClient, number: str, decision: str = "approve", reason: str = "ok"):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/lending/approvals")
    return client.post(f"/lending/requests/{number}/decision",
                       data={"csrf_token": token, "decision": decision, "reason": reason})
