"""The web shell: home page per role, language switch, health check."""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the shell blueprint."""
    from archive.web.views import bp

    app.register_blueprint(bp)
