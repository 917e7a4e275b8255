"""Lending (查借阅): certified copies, certificates, consultations and loans — requested, approved, built, audited.

Views call :mod:`archive.lending.operations`; each operation flushes and records its own audit event, and
the request boundary commits.  The public surface for other callers (the JSON API, commands) is below.
"""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the lending blueprint and the ``dangan lending`` commands."""
    app.config.setdefault("DANGAN_COPY_VALID_DAYS", 30)
    app.config.setdefault("DANGAN_AUTHORISATION_MAX_MB", 10)
