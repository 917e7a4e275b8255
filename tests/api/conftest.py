"""Helpers for the API's tests: tokens made by the real operation, calls with a bearer header."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from archive.accounts.models import User
from archive.extensions import db


def make_token(app: Flask, user: User, name: str = "test") -> str:
    """A real token for ``user`` (committed), as ``dangan users token`` makes it."""
    from archive.accounts.tokens import create_token

    with app.app_context():
        _, token = create_token(db.session.get(User, user.id), name, by="test")
        db.session.commit()
    return token


class Api:
    """Calls /api/v1 with a token; returns the response (JSON checked to be JSON)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()

    def call(self, method: str, path: str, token: str | None = None, *, json: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("/api/") else "/api/v1" + path
        if json is not None:
            kwargs["json"] = json
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, path: str, token: str | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.call("GET", path, token, **kwargs)

    def post(self, path: str, token: str | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.call("POST", path, token, **kwargs)


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app)


def events(app: Flask, request_id: str) -> list[Any]:
    """The audit events a response's request left."""
    from sqlalchemy import select

    from archive.audit.models import AuditEvent

    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id)
                                       .order_by(AuditEvent.seq)))
