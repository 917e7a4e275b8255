"""``dangan storage verify``: the fixity check of the page images, from the command line."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from archive import boundary
from archive.audit import record
from archive.extensions import db
from archive.objects import get_store
from archive.pages.fixity import verify_storage
from storage import StorageError

__all__ = ["storage_cli"]

storage_cli = AppGroup("storage", help="Object storage: fixity checks.")


@storage_cli.command("verify")
@click.option("--json", "as_json", is_flag=True)
@click.option("--quick", is_flag=True, help="Check sizes only, do not re-hash.")
def storage_verify_command(as_json: bool, quick: bool) -> None:
    """Re-hash page images against their rows; report missing, altered, orphaned objects and leftover uploads.

    Exit 1 if there is any.
    """
    try:
        report = verify_storage(get_store(), rehash=not quick)
    except StorageError as exc:
        raise click.ClickException(f"object store unavailable: {exc}") from exc
    db.session.rollback()
    record("storage.verify", outcome="ok" if report.ok else "failed",
           details={"pages": report.pages, "missing": len(report.missing), "altered": len(report.altered),
                    "orphaned": len(report.orphaned), "leftover_uploads": len(report.leftover_uploads)})
    boundary.commit()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        click.echo(f"{report.pages} pages, {report.objects_checked} originals checked: {len(report.missing)} missing, "
                   f"{len(report.altered)} altered, {len(report.orphaned)} orphaned, {len(report.pending)} pending")
        click.echo(f"uploads: {len(report.leftover_uploads)} left over, {report.held_uploads} kept for failed jobs "
                   "(`dangan ingest --resume JOB` or `--abandon JOB`)")
        for key in report.leftover_uploads[:20]:
            click.echo(f"  left over: {key}")
    if not report.ok:
        sys.exit(1)
