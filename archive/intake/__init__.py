"""Intake: ingest jobs, pages, QC findings, the page viewer and fixity checks."""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the intake blueprint and commands."""
    from archive.intake.cli import ingest_command, storage_cli, worker_command
    from archive.intake.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(ingest_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(storage_cli)
