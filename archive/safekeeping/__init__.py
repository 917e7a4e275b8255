"""Safekeeping: backup and restore of an instance, and the export of one file as a self-describing package.

Above every domain it reads (catalogue, pages, scanning, fulltext, audit); nothing imports it but the
composition root.  ``dangan backup create|verify|restore`` (:mod:`.backup`) and ``dangan export`` (:mod:`.bag`).
"""

from __future__ import annotations

from flask import Flask

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the ``backup`` and ``export`` commands."""
    from archive.safekeeping.cli import backup_cli, export_command

    app.cli.add_command(backup_cli)
    app.cli.add_command(export_command)
