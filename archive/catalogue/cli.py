"""``dangan catalogue import|export``: 目录建库 from the shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from archive.audit import record
from archive.catalogue.export import catalogue_workbook
from archive.catalogue.models import ArchiveFile
from archive.catalogue.operations import import_catalogue
from archive.extensions import db
from archive.signals import app_sender, catalogue_committed

catalogue_cli = AppGroup("catalogue", help="Import and export catalogues (目录建库).")


@catalogue_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace catalogues of files that already have one.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_command(paths: tuple[Path, ...], replace: bool, as_json: bool) -> None:
    """Import 目录 and 人员 sheets (.xlsx/.csv, or folders holding them).

    Files with a bad row import nothing; the others import.  Exits 1 when any
    error was reported.
    """
    result = import_catalogue(paths, replace=replace, street_scope=None, sources=[str(p) for p in paths])
    db.session.commit()
    catalogue_committed.send(app_sender())
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        click.echo(f"导入案卷 {result.imported_files} 卷，材料 {result.imported_materials} 条")
        for e in result.errors:
            where = f"{e.sheet} 第{e.row}行" if e.row else e.sheet
            click.echo(f"  错误 {where} {e.field or ''}: {e.message}", err=True)
    if result.errors:
        sys.exit(1)


@catalogue_cli.command("export")
@click.argument("archive_nos", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="The .xlsx to write.")
def export_command(archive_nos: tuple[str, ...], output: Path) -> None:
    """Export the catalogues of the named files (档号) to one 目录 workbook."""
    wanted = [n.strip().upper() for n in archive_nos]
    files = list(db.session.scalars(select(ArchiveFile).where(ArchiveFile.archive_no.in_(wanted))))
    missing = sorted(set(wanted) - {f.archive_no for f in files})
    if missing:
        raise click.ClickException("unknown 档号: " + ", ".join(missing))
    files.sort(key=lambda f: wanted.index(f.archive_no))
    catalogue_workbook(files).save(output)
    for file in files:
        record("catalogue.export", file=file, details={"format": "xlsx", "output": str(output)})
    db.session.commit()
    click.echo(f"wrote {output}")
