"""Small helpers for tests that talk to the app through HTTP."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """GET ``path`` and return the CSRF token of its first form."""
    response = client.get(path)
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def post_form(client: FlaskClient, form_path: str, action: str | None = None, **data: object):  # type: ignore[no-untyped-def]
    """Submit a form the way a browser does: token from ``form_path``, POST to ``action``."""
    token = csrf_token(client, form_path)
    return client.post(action or form_path, data={"csrf_token": token, **data})
