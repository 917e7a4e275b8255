"""Pages: the scanned page images (primary data), their viewer and image routes, and their fixity check."""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the pages blueprint and ``dangan storage``."""
    from archive.pages.cli import storage_cli
    from archive.pages.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(storage_cli)
