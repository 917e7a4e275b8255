"""The JSON API at ``/api/v1``: personal access tokens, JSON errors, the same rules and audit as the pages.

One blueprint (:mod:`archive.api.framework`); endpoints declare their roles, bodies and answers once, and
the OpenAPI document (``/api/v1/openapi.json``) is made from those declarations.  Authentication is by
bearer token only (:mod:`archive.accounts.tokens`); the session cookie is neither read nor written under
the prefix (:mod:`archive.security`), which is why the blueprint is exempt from CSRF.
"""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the API blueprint with every endpoint module."""
    from archive.api import files, openapi, request_steps, requests, search  # noqa: F401  (they register endpoints)
    from archive.api.framework import bp
    from archive.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
