"""Materials named the way the catalogue names them: 类号 (any spelling the import accepts) and 序号.

For callers that do not know material ids — the JSON API's ``{"materials": [{"class": "9-2", "seq": 3}]}``
— :func:`resolve_materials` turns references into the file's material ids, refusing (400) a reference that
is not understood or names no material of the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from archive.catalogue.classes import InvalidClassLabel, parse_class_label
from archive.catalogue.models import ArchiveFile, Material
from archive.extensions import db
from archive.lending.rules import LendingError

__all__ = ["resolve_materials"]


def resolve_materials(file: ArchiveFile, refs: Iterable[Mapping[str, Any] | int]) -> list[int]:
    """Material ids for ``refs``: ints are ids of the file's materials, mappings ``{"class", "seq"}``."""
    ids: list[int] = []
    for ref in refs:
        if isinstance(ref, int) and not isinstance(ref, bool):
            material_id = db.session.scalar(select(Material.id).where(Material.id == ref,
                                                                      Material.file_id == file.id))
        else:
            try:
                class_no, subclass = parse_class_label(ref.get("class") if isinstance(ref, Mapping) else None)
                seq = int(ref["seq"]) if isinstance(ref, Mapping) else 0
            except (InvalidClassLabel, KeyError, TypeError, ValueError) as exc:
                raise LendingError("foreign_material", 400, "materials") from exc
            material_id = db.session.scalar(select(Material.id).where(
                Material.file_id == file.id, Material.class_no == class_no, Material.subclass == subclass,
                Material.seq == seq))
        if material_id is None:
            raise LendingError("foreign_material", 400, "materials")
        ids.append(material_id)
    return ids
