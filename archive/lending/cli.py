"""``dangan lending``: housekeeping of requests from cron (the pages also expire copies as they are opened)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from archive import boundary
from archive.lending.operations import expire_due

__all__ = ["lending_cli"]


@click.group("lending")
def lending_cli() -> None:
    """Lending requests: copies, certificates, consultations, loans."""


@lending_cli.command("expire")
@with_appcontext
def expire_command() -> None:
    """Mark expired every copy whose download period has ended."""
    count = expire_due()
    boundary.commit()
    click.echo(f"{count} expired")
