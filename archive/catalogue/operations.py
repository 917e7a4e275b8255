"""Catalogue operations on files and materials.  Each records its own audit event and flushes; the boundary commits.

A refused change raises :class:`CatalogueError` before anything is written, so the caller
has nothing to undo; the event names the file, the row and what changed (before/after).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from archive.audit import record
from archive.catalogue.importer import ImportResult, import_paths
from archive.catalogue.models import ArchiveFile, Material, Person
from archive.extensions import db

__all__ = [
    "CatalogueError",
    "add_material",
    "create_file",
    "person_by_id_number",
    "delete_material",
    "import_catalogue",
    "move_material",
    "next_seq",
    "update_file",
    "update_material",
]

# What an event shows of a file and of a material (before/after).
FILE_FIELDS = ("volumes_original", "volumes_copy", "custody", "street", "status", "room", "row_no", "rack", "shelf",
               "cell", "notes")
MATERIAL_FIELDS = ("class_no", "subclass", "seq", "title", "formed", "pages", "remarks", "original_label")

log = logging.getLogger(__name__)

# Above any real 序号: a parking value while two rows swap places under the unique constraint.
_PARKING_SEQ = 1_000_000


class CatalogueError(ValueError):
    """A refused catalogue change; ``field`` names the form field it concerns."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


def next_seq(file: ArchiveFile, class_no: int, subclass: int) -> int:
    """The next free 序号 at the end of a class."""
    current = db.session.scalar(
        select(func.max(Material.seq)).where(
            Material.file_id == file.id, Material.class_no == class_no, Material.subclass == subclass
        )
    )
    return (current or 0) + 1


def _seq_taken(file: ArchiveFile, class_no: int, subclass: int, seq: int, exclude: int | None) -> bool:
    stmt = select(Material.id).where(
        Material.file_id == file.id,
        Material.class_no == class_no,
        Material.subclass == subclass,
        Material.seq == seq,
    )
    if exclude is not None:
        stmt = stmt.where(Material.id != exclude)
    return db.session.scalar(stmt) is not None


def add_material(
    file: ArchiveFile,
    *,
    class_no: int,
    subclass: int,
    title: str,
    seq: int | None = None,
    formed: str | None = None,
    pages: int | None = None,
    remarks: str = "",
    original_label: str = "",
) -> Material:
    """Add a catalogue row; ``seq=None`` appends it at the end of its class."""
    if seq is None:
        seq = next_seq(file, class_no, subclass)
    elif _seq_taken(file, class_no, subclass, seq, None):
        raise CatalogueError("seq_taken", "seq")
    material = Material(
        file=file,
        class_no=class_no,
        subclass=subclass,
        seq=seq,
        title=title.strip(),
        formed=formed,
        pages=pages,
        remarks=remarks.strip(),
        original_label=original_label.strip(),
    )
    db.session.add(material)
    db.session.flush()
    record("material.create", file=file, target_type="material", target_id=material.id,
           details={"after": _snapshot(material, MATERIAL_FIELDS)})
    return material


def _snapshot(row: object, fields: tuple[str, ...]) -> dict[str, object]:
    return {k: getattr(row, k) for k in fields}


PERSON_FIELDS = ("name", "sex", "id_number", "birth_date", "employer", "employer_level", "retired_on",
                 "hukou_district", "hukou_street", "residence_district", "residence_street", "party_member")


def person_by_id_number(id_number: str) -> Person | None:
    """The person held under an 18-character ID number, if any."""
    return db.session.scalar(select(Person).where(Person.id_number == id_number))


def create_file(archive_no: str, *, person: dict[str, Any], **values: Any) -> ArchiveFile:
    """Create a file (案卷) under a new 档号 with its person (a received transfer, 目录建库 follows).

    ``person`` holds :data:`PERSON_FIELDS`; a person already held under that ID number is reused (their
    data as held is kept), so one person never has two rows.  ``values`` are :data:`FILE_FIELDS`.
    """
    if db.session.scalar(select(ArchiveFile.id).where(ArchiveFile.archive_no == archive_no)) is not None:
        raise CatalogueError("archive_no_taken", "archive_no")
    unknown = (set(person) - set(PERSON_FIELDS)) | (set(values) - set(FILE_FIELDS))
    if unknown:
        raise CatalogueError("unknown_field", sorted(unknown)[0])
    held = person_by_id_number(person["id_number"]) if person.get("id_number") else None
    if held is None:
        held = Person(**person)
        db.session.add(held)
        db.session.flush()
    file = ArchiveFile(archive_no=archive_no, person_id=held.id, **values)
    db.session.add(file)
    db.session.flush()
    record("file.create", file=file, details={"after": _snapshot(file, FILE_FIELDS), "person_id": held.id})
    return file


def update_file(file: ArchiveFile, **values: Any) -> dict[str, tuple[object, object]]:
    """Change a file's holding data (volumes, custody, street, location, notes); returns what changed."""
    before = _snapshot(file, FILE_FIELDS)
    for field, value in values.items():
        if field not in FILE_FIELDS:
            raise CatalogueError("unknown_field", field)
        setattr(file, field, value)
    db.session.flush()
    after = _snapshot(file, FILE_FIELDS)
    changes = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
    record("file.update", file=file, details={"before": {k: v[0] for k, v in changes.items()},
                                              "after": {k: v[1] for k, v in changes.items()}})
    return changes


def update_material(material: Material, **values: Any) -> dict[str, tuple[object, object]]:
    """Change fields of a row; returns ``{field: (before, after)}`` of what changed."""
    class_no = int(values.get("class_no", material.class_no))
    subclass = int(values.get("subclass", material.subclass))
    if "seq" in values and values["seq"] is None:
        values["seq"] = (
            material.seq
            if (class_no, subclass) == (material.class_no, material.subclass)
            else next_seq(material.file, class_no, subclass)
        )
    seq = int(values.get("seq", material.seq))
    if _seq_taken(material.file, class_no, subclass, seq, material.id):
        raise CatalogueError("seq_taken", "seq")
    changes: dict[str, tuple[object, object]] = {}
    for field, value in values.items():
        if getattr(material, field) != value:
            changes[field] = (getattr(material, field), value)
            setattr(material, field, value)
    db.session.flush()
    record("material.update", file=material.file, target_type="material", target_id=material.id,
           details={"before": {k: v[0] for k, v in changes.items()}, "after": {k: v[1] for k, v in changes.items()}})
    return changes


def _siblings(material: Material) -> list[Material]:
    return list(
        db.session.scalars(
            select(Material)
            .where(
                Material.file_id == material.file_id,
                Material.class_no == material.class_no,
                Material.subclass == material.subclass,
            )
            .order_by(Material.seq)
        )
    )


def move_material(material: Material, direction: str) -> bool:
    """Swap a row with its neighbour in the same class (``up`` or ``down``); False at an end (still recorded)."""
    before = material.seq
    moved = _swap(material, direction)
    record("material.move", file=material.file, target_type="material", target_id=material.id,
           details={"direction": direction, "moved": moved, "before": {"seq": before},
                    "after": {"seq": material.seq}})
    return moved


def _swap(material: Material, direction: str) -> bool:
    rows = _siblings(material)
    index = rows.index(material)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(rows):
        return False
    other = rows[other_index]
    mine, theirs = material.seq, other.seq
    material.seq = _PARKING_SEQ + material.id
    db.session.flush()
    other.seq = mine
    db.session.flush()
    material.seq = theirs
    db.session.flush()
    return True


def delete_material(material: Material) -> None:
    """Delete a row and close the gap it leaves in its class's 序号."""
    record("material.delete", file=material.file, target_type="material", target_id=material.id,
           details={"before": _snapshot(material, MATERIAL_FIELDS)})
    siblings = [m for m in _siblings(material) if m.id != material.id]
    db.session.delete(material)
    db.session.flush()
    for number, row in enumerate(siblings, start=1):
        if row.seq != number:
            row.seq = number
            db.session.flush()


def import_catalogue(paths: Iterable[Path], *, replace: bool, street_scope: str | None,
                     sources: list[str]) -> ImportResult:
    """Import 目录/人员 sheets, on record: what was imported, what was refused and why.

    Rows of a file outside ``street_scope`` refuse the whole import before anything is written;
    the event then says which files (``denied``).
    """
    result = import_paths(paths, replace=replace, street_scope=street_scope)
    summary = {"files": result.imported_files, "materials": result.imported_materials,
               "errors": len(result.errors), "archive_nos": result.archive_nos[:500], "sources": sources[:20],
               "replace": replace}
    if result.out_of_scope:
        db.session.rollback()  # nothing was written; make sure nothing half-done is either
        record("catalogue.import", outcome="denied", details={**summary, "out_of_scope": result.out_of_scope[:500]})
    else:
        record("catalogue.import", outcome="ok" if result.ok else "failed", details=summary)
    return result
