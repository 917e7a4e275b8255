"""``dangan backup create|verify|restore`` and ``dangan export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from archive.extensions import db
from archive.safekeeping.backup import BackupRefused, create_backup, restore_backup, verify_backup
from archive.safekeeping.bag import ExportRefused, export_file
from storage import StorageError

__all__ = ["backup_cli", "export_command"]

backup_cli = AppGroup("backup", help="Back up the database and the object manifest; verify; restore.")


@backup_cli.command("create")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--with-objects", is_flag=True, help="Copy the stored objects (page images, derivatives) too.")
def create_command(folder: Path, with_objects: bool) -> None:
    """Write a consistent backup into FOLDER (new or empty); exit 1 if an object is missing or altered."""
    try:
        result = create_backup(folder, with_objects=with_objects)
    except (BackupRefused, StorageError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    copied = f", {result.bytes_copied} bytes copied" if with_objects else " (not copied)"
    click.echo(f"backup written to {folder}: {result.objects} objects{copied}, {result.anchors} anchors")
    for problem in result.problems:
        click.echo(f"  WARNING {problem}", err=True)
    if result.problems:
        sys.exit(1)


@backup_cli.command("verify")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def verify_command(folder: Path) -> None:
    """Check that FOLDER is complete and every file hashes as recorded; name each file that is not (exit 1)."""
    result = verify_backup(folder)
    if result.ok:
        click.echo(f"backup intact: {result.files} files, {len(result.manifest.get('objects', []))} objects listed, "
                   f"made {result.manifest.get('created_at')}")
        return
    for problem in result.problems:
        click.echo(f"BACKUP {problem.problem.upper()}: {problem.path}", err=True)
    sys.exit(1)


@backup_cli.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a database that holds rows / write into a store that is not empty.")
@click.option("--no-index", is_flag=True, help="Do not rebuild the search index after restoring.")
def restore_command(folder: Path, force: bool, no_index: bool) -> None:
    """Restore FOLDER into this (blank) instance, then rebuild the search index."""
    try:
        done = restore_backup(folder, force=force)
    except (BackupRefused, StorageError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"database restored (schema {done['schema_revision']}), {done['anchors']} anchors written")
    if done["with_objects"]:
        click.echo(f"{done['objects']} of {done['object_count']} objects written to the store")
    else:
        click.echo(f"the backup holds no objects: the store must already hold its {done['object_count']} objects")
    if not no_index:
        from archive.fulltext.indexing import rebuild_index

        click.echo(f"search index rebuilt: {rebuild_index()} pages")
    click.echo("next: `dangan db upgrade` (if this version is newer), `dangan audit verify`, `dangan storage verify`"
               + (", `dangan index rebuild`" if no_index else ""))


@click.command("export")
@click.argument("archive_no")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="A new folder, or FILE.zip.")
@click.option("--user", "username", required=True, help="Who exports: an administrator, or an archivist of the "
              "file's street.")
@with_appcontext
def export_command(archive_no: str, output: Path, username: str) -> None:
    """Export one file (档号) as a BagIt bag: page images of every version, 目录/人员 sheets, metadata.json."""
    try:
        result = export_file(archive_no.strip(), output, username=username)
    except (ExportRefused, StorageError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{archive_no}: {result.pages} pages ({result.layout}), {result.versions} earlier versions "
               f"→ {result.output}")
