"""Where each page image of an exported file goes in the bag's ``data/`` folder.

Current pages are laid out so that ``dangan ingest`` of ``data/`` stores the same pages at the same positions,
linked to the same materials:

* **structured** (``<档号>/<类号>-<序号>/0001.jpg``, class and 序号 as digits, ``4-1-2`` for a sub-class) when
  every page is linked and the pages run in material order — the folder names the link, exactly;
* **flat** (``<档号>/0001.jpg``) otherwise (pages of no material, or a file linked by hand out of class order):
  positions are kept, and the ingest links by 页数 over the 目录 rows in their sheet order, as the first ingest did.

Superseded and retired versions go under ``.versions/<档号>/`` (a dot-folder: every package reader skips it, so
an ingest of ``data/`` takes only the current pages), named by position and version; metadata.json marks them.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.catalogue.models import Material
from archive.pages.models import Page

__all__ = ["VERSIONS", "Placed", "place_pages"]

VERSIONS = ".versions"
_EXTENSIONS = {"jpeg": "jpg", "tiff": "tif", "png": "png", "jp2": "jp2"}


@dataclass(frozen=True)
class Placed:
    page: Page
    path: str  # relative to data/


def _ext(page: Page) -> str:
    return _EXTENSIONS.get(page.format, page.format or "bin")


def _folder(material: Material) -> str:
    if material.subclass:
        return f"{material.class_no}-{material.subclass}-{material.seq}"
    return f"{material.class_no}-{material.seq}"


def _material_order(page: Page, materials: dict[int, Material]) -> tuple[int, int, int, int]:
    m = materials[page.material_id] if page.material_id is not None else None
    if m is None:
        return (99, 0, 0, page.position)
    return (m.class_no, m.subclass, m.seq, page.page_in_material or page.position)


def place_pages(archive_no: str, pages: list[Page], materials: list[Material]) -> tuple[str, list[Placed]]:
    """The layout chosen and every page's path (all versions), current pages first in position order."""
    by_id = {m.id: m for m in materials}
    current = sorted((p for p in pages if p.current), key=lambda p: p.position)
    linked = all(p.material_id in by_id for p in current)
    structured = bool(current) and linked and (
        sorted(current, key=lambda p: _material_order(p, by_id)) == current)
    placed: list[Placed] = []
    for index, page in enumerate(current, start=1):
        name = f"{index:04d}.{_ext(page)}"  # positions renumbered as the ingest numbers them: 1, 2, 3 …
        if structured and page.material_id is not None:
            placed.append(Placed(page, f"{archive_no}/{_folder(by_id[page.material_id])}/{name}"))
        else:
            placed.append(Placed(page, f"{archive_no}/{name}"))
    for page in sorted((p for p in pages if not p.current), key=lambda p: (p.position, p.version)):
        placed.append(Placed(page, f"{VERSIONS}/{archive_no}/p{page.position:04d}-v{page.version}.{_ext(page)}"))
    return ("structured" if structured else "flat"), placed
