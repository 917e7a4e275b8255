"""metadata.json of an exported file: the description half of the package (DA/T 48 封装包, an Archivematica AIP).

One JSON document: the file and its person (the ID number only in 人员.xlsx), the catalogue, every page of every
version with its SHA-256, position, version, current flag, material, the path of its bytes in the bag, the QC
findings (rule, severity, text code and params, as stored), and the file's event history from the audit log (its
own events: ingest, reads, lending; and the archive-wide fixity checks since its first page was stored).
docs/export-package.md maps the fields onto DA/T 48 and the AIP.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import or_, select

from archive.audit.models import AuditEvent
from archive.catalogue.classes import format_class
from archive.catalogue.models import ArchiveFile, Material
from archive.extensions import db
from archive.pages.models import Page
from archive.safekeeping.layout import Placed
from archive.scanning.models import QcFinding

__all__ = ["FORMAT", "file_metadata"]

FORMAT = "dangan-export/1"
FIXITY_ACTIONS = ("storage.verify",)
_MAX_FIXITY = 200


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _material(m: Material | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {"类号": format_class(m.class_no, m.subclass), "class_no": m.class_no, "subclass": m.subclass,
            "序号": m.seq, "title": m.title}


def _page(placed: Placed, materials: dict[int, Material], pages: dict[int, Page]) -> dict[str, Any]:
    p = placed.page
    successor = pages.get(p.superseded_by_id) if p.superseded_by_id is not None else None
    state = "current" if p.current else ("superseded" if successor is not None else "retired")
    return {
        "path": f"data/{placed.path}", "sha256": p.sha256, "size": p.size, "format": p.format,
        "position": p.position, "version": p.version, "current": p.current, "state": state,
        "superseded_by": {"position": successor.position, "version": successor.version} if successor else None,
        "material": _material(materials.get(p.material_id) if p.material_id is not None else None),
        "page_in_material": p.page_in_material, "width": p.width, "height": p.height, "dpi": p.dpi,
        "colour": p.colour, "blank": p.blank, "ocr_engine": p.ocr_engine, "ocr_conf": p.ocr_conf,
        "source": p.source, "ingest_job": p.job_id, "stored_at": _iso(p.created_at),
    }


def _findings(file: ArchiveFile) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(QcFinding).where(QcFinding.file_id == file.id).order_by(QcFinding.id))
    return [{"rule": f.rule, "severity": f.severity, "text": f.text, "params": f.params, "message": f.message,
             "page_position": f.page_position, "material_seq": f.material_seq, "material_label": f.material_label,
             "status": str(f.status), "resolution": f.resolution, "found_at": _iso(f.created_at)} for f in rows]


def _event(e: AuditEvent) -> dict[str, Any]:
    try:
        details = json.loads(e.details) if e.details else {}
    except ValueError:
        details = {"raw": e.details}
    return {"seq": e.seq, "at": _iso(e.occurred_at), "action": e.action, "outcome": e.outcome,
            "user": e.username, "role": e.role, "reason": e.reason, "details": details, "hash": e.hash}


def _events(file: ArchiveFile, since: dt.datetime | None) -> dict[str, list[dict[str, Any]]]:
    own = db.session.scalars(select(AuditEvent).where(
        or_(AuditEvent.file_id == file.id, AuditEvent.archive_no == file.archive_no)).order_by(AuditEvent.seq))
    fixity: list[AuditEvent] = []
    if since is not None:
        fixity = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(FIXITY_ACTIONS), AuditEvent.occurred_at >= since)
            .order_by(AuditEvent.seq.desc()).limit(_MAX_FIXITY)))
    return {"file": [_event(e) for e in own], "fixity": [_event(e) for e in reversed(fixity)]}


def file_metadata(file: ArchiveFile, layout: str, placed: list[Placed], *, exported_by: dict[str, Any],
                  app_version: str) -> dict[str, Any]:
    materials = {m.id: m for m in file.materials}
    pages = {pl.page.id: pl.page for pl in placed}
    first = min((p.created_at for p in pages.values()), default=None)
    person = file.person
    return {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "app_version": app_version,
        "exported_by": exported_by,
        "file": {"archive_no": file.archive_no, "status": str(file.status), "street": file.street,
                 "custody": file.custody, "volumes_original": file.volumes_original,
                 "volumes_copy": file.volumes_copy, "location": file.location, "notes": file.notes},
        "person": None if person is None else {"name": person.name, "sex": person.sex,
                                                "birth_date": person.birth_date, "employer": person.employer,
                                                "sheet": "data/人员.xlsx"},
        "catalogue": {"sheet": "data/目录.xlsx", "materials": [
            {**(_material(m) or {}), "formed": m.formed, "pages": m.pages, "remarks": m.remarks,
             "original_label": m.original_label, "sheet_row": m.sheet_row} for m in file.materials]},
        "layout": layout,
        "pages": [_page(pl, materials, pages) for pl in placed],
        "findings": _findings(file),
        "events": _events(file, first),
    }
