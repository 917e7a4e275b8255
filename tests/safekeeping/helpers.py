"""Data for the safekeeping tests, and what two instances must agree on after a restore or an export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.pages.models import Page
from tests.safekeeping.conftest import cli
from tests.scanning.builder import FileSpec, PageSpec, build, default_pages

SEARCHES = ["履历表", "北京第一机床厂", "张建国", "毕业证书"]


def ingest_package(app: Flask, root: Path, archive_no: str = "XC-2020-000101", *, rescan: int | None = None) -> Path:
    """A real small ingest: a flat package of one seven-page file (OCR off); ``rescan`` re-renders one page."""
    spec = FileSpec(archive_no)
    pages = default_pages(spec)
    if rescan is not None:
        pages[rescan] = PageSpec([*pages[rescan].lines, "重新扫描"])
    spec.pages = pages
    package = build(root, [spec])
    result = cli(app, "ingest", str(package))
    assert result.exit_code == 0, result.output
    return package


def populate(app: Flask, tmp: Path) -> None:
    """Factory files with page texts (for search) and one real ingest."""
    from tests.factories import Factory

    factory = Factory(app)
    for texts in (["干部履历表 第一页", "北京第一机床厂 工资"], ["转正定级表", "履历表 续页"]):
        file = factory.file()
        factory.ingested(file, pages=len(texts), texts=texts)
    ingest_package(app, tmp / "package")


def snapshot(app: Flask) -> dict[str, Any]:
    """Catalogue, people and current pages (hash, position, link) of every file, keyed by 档号."""
    out: dict[str, Any] = {}
    with app.app_context():
        for file in db.session.scalars(select(ArchiveFile).order_by(ArchiveFile.archive_no)):
            p = file.person
            materials = {m.id: (m.class_no, m.subclass, m.seq) for m in file.materials}
            pages = db.session.scalars(select(Page).where(Page.file_id == file.id, Page.current.is_(True))
                                       .order_by(Page.position))
            out[file.archive_no] = {
                "street": file.street,
                "catalogue": [(m.class_no, m.subclass, m.seq, m.title, m.formed, m.pages, m.remarks,
                               m.original_label) for m in file.materials],
                "person": None if p is None else (p.name, p.sex, p.id_number, p.birth_date, p.employer,
                                                  p.employer_level, p.retired_on, p.hukou_district, p.hukou_street,
                                                  p.residence_district, p.residence_street, p.party_member),
                "pages": [(pg.position, pg.sha256, materials.get(pg.material_id) if pg.material_id else None,
                           pg.page_in_material) for pg in pages],
            }
        db.session.remove()
    return out


def search_hits(app: Flask) -> dict[str, list[tuple[str, int, Any]]]:
    import json

    hits = {}
    for query in SEARCHES:
        result = cli(app, "search", query, "--json")
        assert result.exit_code == 0, result.output
        hits[query] = sorted((h["archive_no"], h["page"], h["material"]) for h in json.loads(result.output)["hits"])
    return hits
