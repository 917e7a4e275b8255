"""``dangan demo``: load a realistic synthetic data set and demo accounts.

It writes a real scan package (目录/人员 sheets and page images) under the
instance folder and imports it through the same importer the archivists use,
so the demo exercises the product rather than bypassing it.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import click
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import func, select

from archive.accounts.models import User
from archive.accounts.operations import create_user
from archive.audit import record
from archive.catalogue.importer import import_paths
from archive.catalogue.models import ArchiveFile, Custody
from archive.extensions import db
from archive.roles import Role
from archive.scanning.service import create_job, run_job

DEMO_PASSWORD = "Dangan#2020"

DEMO_ACCOUNTS = (
    # username, role, street, display name
    ("admin", Role.ADMIN, None, "系统管理员 周敏"),
    ("archivist", Role.ARCHIVIST, None, "档案管理员 李静"),
    ("desheng", Role.ARCHIVIST, "德胜", "德胜街道 档案员 王磊"),
    ("approver", Role.APPROVER, None, "审批人 陈志强"),
    ("auditor", Role.AUDITOR, None, "安全审计员 刘芳"),
)


def load_demo(people_count: int, images_for: int, seed: int, package_dir: Path) -> dict[str, object]:
    """Generate, write and import the demo data; create the demo accounts.  Flushes only."""
    from archive.demo import generate_people, write_package

    people = generate_people(people_count, seed=seed)
    if package_dir.exists():
        shutil.rmtree(package_dir)
    write_package(package_dir, people, images_for=images_for, seed=seed, workers=2)
    result = import_paths([package_dir])
    if result.errors:
        raise click.ClickException(f"demo import reported errors: {result.errors[:3]}")
    rng = random.Random(seed)
    for index, file in enumerate(db.session.scalars(select(ArchiveFile).order_by(ArchiveFile.archive_no))):
        # Most files sit in the district repository; older ones stay with their street (work plan §二(四)).
        file.custody = Custody.STREET if file.street and rng.random() < 0.2 else Custody.DISTRICT
        file.room = "A" if file.custody == Custody.DISTRICT else f"{file.street}库房"
        file.row_no = str(index // 600 + 1)
        file.rack = str(index // 60 % 10 + 1)
        file.shelf = str(index // 12 % 5 + 1)
        file.cell = str(index % 12 + 1)
        file.volumes_copy = 1 if rng.random() < 0.15 else 0
    for username, role, street, name in DEMO_ACCOUNTS:
        create_user(username, DEMO_PASSWORD, role, display_name=name, street=street)
    retiree_file = db.session.scalar(
        select(ArchiveFile).where(ArchiveFile.person_id.is_not(None)).order_by(ArchiveFile.archive_no)
    )
    create_user(
        "retiree", DEMO_PASSWORD, Role.RETIREE, display_name=retiree_file.person.name,
        person_id=retiree_file.person_id,
    )

    record("demo.load", details={"files": result.imported_files, "materials": result.imported_materials,
                                 "seed": seed})
    db.session.flush()
    return {
        "files": result.imported_files,
        "materials": result.imported_materials,
        "package": str(package_dir),
        "retiree_file": retiree_file.archive_no,
    }


def _ingest_demo(package_dir: Path) -> None:
    """Run the demo package's page images through the real pipeline, with a progress bar."""
    # In the demo story the district archivist ingests the package: the batch names her account, so pages
    # show her display name; "demo package" is a source label translated where it is shown.
    job = create_job([str(package_dir)], created_by=DEMO_ACCOUNTS[1][0], street=None, source="demo package")
    db.session.commit()
    with click.progressbar(length=1, label="ingesting demo scans (OCR)", show_pos=True, show_eta=True) as bar:

        def progress(j) -> None:  # type: ignore[no-untyped-def]
            bar.length = max(j.pages_total, 1)
            bar.update(j.pages_done - bar.pos)

        outcomes = run_job(job.id, progress=progress)
    for o in outcomes:
        click.echo(f"  {o.archive_no or o.source}: {o.status}, {o.pages} pages, {len(o.findings)} QC findings")


@click.command("demo")
@click.option("--people", "people_count", default=300, show_default=True, help="How many retirees.")
@click.option("--images", "images_for", default=2, show_default=True, help="How many files get page images.")
@click.option("--seed", default=2020, show_default=True)
@click.option("--force", is_flag=True, help="Load even if the database already has accounts.")
@click.option("--ingest/--no-ingest", default=True, show_default=True,
              help="Also ingest the scanned pages (OCR) so the page viewer has something to show.")
def demo_command(people_count: int, images_for: int, seed: int, force: bool, ingest: bool) -> None:
    """Create the schema, load synthetic retirees and demo accounts, print the log-ins."""
    upgrade()
    if db.session.scalar(select(func.count()).select_from(User)) and not force:
        click.echo("demo data already loaded (use --force on an empty database to load again)")
    else:
        package_dir = Path(current_app.instance_path) / "demo-package"
        summary = load_demo(people_count, images_for, seed, package_dir)
        db.session.commit()
        click.echo(
            f"loaded {summary['files']} files, {summary['materials']} catalogue entries; "
            f"scan package at {summary['package']}"
        )
        if ingest and images_for:
            _ingest_demo(package_dir)
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for username, role, street, name in DEMO_ACCOUNTS:
        click.echo(f"  {username:10} {role.value:10} {street or '区级 (district)':16} {name}")
    click.echo(f"  {'retiree':10} {'retiree':10} {'':16} 退休人员 self-service")
