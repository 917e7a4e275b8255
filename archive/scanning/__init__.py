"""Scanning: ingest jobs and their queue, QC findings and their review, spot checks, ``dangan ingest``."""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the scanning blueprint and commands, and answer the pages domain's questions."""
    from archive.scanning import listeners
    from archive.scanning.cli import ingest_command, worker_command
    from archive.scanning.views import bp

    listeners.connect()
    app.register_blueprint(bp)
    app.cli.add_command(ingest_command)
    app.cli.add_command(worker_command)
