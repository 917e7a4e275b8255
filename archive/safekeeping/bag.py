"""``dangan export``: one file (案卷) as a BagIt bag that another Dangan ingests as it is.

The bag (RFC 8493, written with the ``bagit`` library, SHA-256 manifests)::

    <档号>/bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
    <档号>/metadata.json                     the description (archive.safekeeping.metadata), a tag file
    <档号>/data/目录.xlsx, data/人员.xlsx     the catalogue in the scan-package contract
    <档号>/data/<档号>/…                      the current page images, bit for bit (archive.safekeeping.layout)
    <档号>/data/.versions/<档号>/…            superseded and retired versions, bit for bit

``data/`` is a scan package: ``dangan ingest`` of it (or of the zip) in a blank instance gives the same catalogue,
page hashes and links.  Only an administrator, or an archivist whose street scope covers the file, may export;
every export and every refusal is audited.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import bagit
from sqlalchemy import select

from archive import boundary
from archive.accounts.models import User
from archive.audit import record
from archive.catalogue.models import ArchiveFile
from archive.extensions import db
from archive.objects import get_store
from archive.pages.models import Page
from archive.roles import Role
from archive.safekeeping.layout import place_pages
from archive.safekeeping.metadata import file_metadata
from archive.safekeeping.sheets import catalogue_sheet, people_sheet
from storage import ObjectStore

__all__ = ["ExportRefused", "ExportResult", "export_file"]

_CHUNK = 1 << 20


class ExportRefused(RuntimeError):
    """The export is not allowed or not possible (the message says why, for the command line)."""


@dataclass
class ExportResult:
    output: Path
    pages: int
    versions: int
    layout: str


def _app_version() -> str:
    try:
        return importlib_metadata.version("dangan")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def _authorise(username: str, file: ArchiveFile | None, archive_no: str) -> User:
    user: User | None = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise ExportRefused(f"no active user {username!r}")
    allowed = user.role is Role.ADMIN or (user.role is Role.ARCHIVIST and (
        file is None or user.may_see_street(file.street)))
    if not allowed:
        record("file.export", outcome="denied", user=user, file=file, archive_no=archive_no,
               target_type="file", details={"why": "role or street scope"})
        boundary.commit()
        raise ExportRefused(f"{username} ({user.role}, scope {user.street or 'district'}) may not export {archive_no}: "
                            "only an administrator or an archivist of the file's street")
    return user


def export_file(archive_no: str, output: Path, *, username: str) -> ExportResult:
    """Write the bag of ``archive_no`` to ``output`` (a new folder, or a ``.zip``); recorded as ``file.export``."""
    file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.archive_no == archive_no))
    user = _authorise(username, file, archive_no)
    if file is None:
        raise ExportRefused(f"no file with 档号 {archive_no}")
    as_zip = output.suffix.lower() == ".zip"
    if output.exists() and (as_zip or any(output.iterdir())):
        raise ExportRefused(f"{output} already exists: an export goes into a new folder or zip")
    pages = list(db.session.scalars(select(Page).where(Page.file_id == file.id)
                                    .order_by(Page.position, Page.version)))
    with tempfile.TemporaryDirectory(prefix="dangan-export-", dir=output.parent if output.parent.exists()
                                     else None) as work:
        bag_dir = Path(work) / file.archive_no
        layout, placed = _write_payload(bag_dir, file, pages, get_store())  # make_bag moves it to data/
        exported_by = {"username": user.username, "role": str(user.role), "scope": user.street or ""}
        meta = file_metadata(file, layout, placed, exported_by=exported_by, app_version=_app_version())
        _make_bag(bag_dir, file, meta)
        if as_zip:
            _zip(bag_dir, output)
        else:
            output.mkdir(parents=True, exist_ok=True)
            for child in bag_dir.iterdir():
                shutil.move(str(child), output / child.name)
    current = sum(1 for p in pages if p.current)
    record("file.export", file=file, user=user,
           details={"output": str(output), "format": "bagit-zip" if as_zip else "bagit", "layout": layout,
                    "pages": current, "versions": len(pages) - current})
    boundary.commit()
    return ExportResult(output, current, len(pages) - current, layout)


def _write_payload(data: Path, file: ArchiveFile, pages: list[Page], store: ObjectStore) -> tuple[str, list[Any]]:
    """The payload, written where ``bagit.make_bag`` will find it (and move it into ``data/``)."""
    data.mkdir(parents=True)
    catalogue_sheet(file).save(data / "目录.xlsx")
    people_sheet(file).save(data / "人员.xlsx")
    layout, placed = place_pages(file.archive_no, pages, list(file.materials))
    for item in placed:
        target = data / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with store.open(item.page.original_key) as src, target.open("wb") as out:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != item.page.sha256:  # never export bytes that are not the archived ones
            raise ExportRefused(f"page {item.page.position} v{item.page.version} of {file.archive_no} does not "
                                "match its recorded SHA-256: run `dangan storage verify`")
    return layout, placed


def _make_bag(bag_dir: Path, file: ArchiveFile, meta: dict[str, Any]) -> None:
    info = {"Source-Organization": "Dangan district personnel archive", "External-Identifier": file.archive_no,
            "External-Description": "Personnel file (人事档案) exported by Dangan: see metadata.json",
            "Bag-Group-Identifier": "dangan-export/1"}
    bag = bagit.make_bag(str(bag_dir), info, checksums=["sha256"])
    (bag_dir / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    bag.save(manifests=True)  # the tag manifest now covers metadata.json


def _zip(bag_dir: Path, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_STORED) as zf:  # images do not compress
        for path in sorted(bag_dir.rglob("*")):
            if path.is_file():
                zf.write(path, f"{bag_dir.name}/{path.relative_to(bag_dir).as_posix()}")
