"""Lending (查借阅): certified copies, certificates, consultations and loans — requested, approved, built, audited.

Views call :mod:`archive.lending.operations`; each operation flushes and records its own audit event, and
the request boundary commits.  The public surface for other callers (the JSON API, commands) is below.
"""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]

# For the JSON API and commands: archive.lending.operations (create_request, prepare, decide, open_copy,
# expire_due, close, revoke, find_request), archive.lending.registrations (register, bind, counter_account),
# archive.lending.rules (LendingError with .code/.status, message).


def init_app(app: Flask) -> None:
    """Register the lending blueprint and the ``dangan lending`` commands."""
    # Consultations, the reading room and loans add their routes to the same blueprint.
    from archive.lending import consult_views, loan_views, reading_room  # noqa: F401
    from archive.lending.cli import lending_cli
    from archive.lending.views import bp

    app.config.setdefault("DANGAN_COPY_VALID_DAYS", 30)
    app.config.setdefault("DANGAN_AUTHORISATION_MAX_MB", 10)
    app.config.setdefault("DANGAN_LENDING_ISSUER", "")
    app.config.setdefault("DANGAN_LOAN_DEFAULT_DAYS", 14)
    app.config.setdefault("DANGAN_LOAN_MAX_DAYS", 14)
    app.config.setdefault("DANGAN_CONSULT_MAX_DAYS", 30)
    app.register_blueprint(bp)
    app.cli.add_command(lending_cli)
