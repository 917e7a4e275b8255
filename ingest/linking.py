"""挂接: assign the pages of one file (案卷) to the materials of its catalogue (目录).

Two ways to know which page belongs to which material:

* **Structured** packages (``<档号>/<类号>-<序号>/001.tif …``): the folder names the
  material, so :class:`~ingest.model.PageRef` carries ``material``.  A page goes to
  the material its folder names; a folder naming a material the catalogue lacks
  yields pages with no material, which QC reports as EXTRA_PAGES.
* **Flat** (``<档号>/0001.jpg …``) and **single** (one multi-page PDF/TIFF)
  packages: DA/T 31 names single-page images 档号 + running page number, and the
  materials are found by cumulative 页数.  Materials are taken in catalogue order
  (class, sub-class, 序号) and each consumes as many pages as its 页数 says;
  materials whose 页数 is empty or 0 consume none; pages beyond the catalogue's
  total belong to no material.

A consequence of the flat rule worth knowing: one miscounted 页数 early in the
catalogue (or one missing or extra scan early in the file) shifts every later page
onto the wrong material, and nothing in the pages themselves can tell.  The
file-level PAGE_COUNT_MISMATCH finding of :mod:`ingest.qc` (scanned total vs the
catalogue's total) is what surfaces it; the archivist then corrects the 页数 or the
scan and links again.

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.model import MaterialRef, PageRef

__all__ = ["Assignment", "Linking", "MaterialKey", "link_pages", "material_key"]

MaterialKey = tuple[int, int, int]
"""``(class_no, subclass, seq)``; ``subclass`` is 0 for a class without sub-classes."""

Assignment = tuple[int, MaterialKey | None, int | None]
"""``(page order, material key or None when extra, page number within the material or None)``."""


def material_key(material: MaterialRef) -> MaterialKey:
    """The key that names ``material`` and orders it as the file is bound (class, sub-class, 序号)."""
    return (material.class_no, material.subclass or 0, material.seq)


@dataclass(frozen=True)
class Linking:
    """The result of linking one file's pages to its catalogue.

    ``assignments`` has one entry per page, in page order.  ``material_pages``
    counts the pages linked to each catalogue material and has an entry (possibly
    0) for every material of the catalogue, so "not scanned" is ``== 0``.
    ``structured`` tells whether folders named the materials (then a per-material
    page count can be compared with 页数; in the flat layout it cannot, because the
    count is what decided the linking).  ``unknown_folders`` maps the order of each
    page whose folder names a material the catalogue lacks to that folder's key, so
    the EXTRA_PAGES message can say which folder it was.
    """

    assignments: tuple[Assignment, ...]
    # dicts are unhashable: keep them out of the generated __hash__ (equality still compares them).
    material_pages: dict[MaterialKey, int] = field(default_factory=dict, hash=False)
    structured: bool = False
    unknown_folders: dict[int, MaterialKey] = field(default_factory=dict, hash=False)

    @property
    def page_count(self) -> int:
        """Number of scanned pages in the file."""
        return len(self.assignments)

    @property
    def extra(self) -> tuple[int, ...]:
        """Orders of the pages linked to no material (多扫 candidates)."""
        return tuple(order for order, key, _ in self.assignments if key is None)

    def material_of(self, order: int) -> MaterialKey | None:
        """The material page ``order`` is linked to, or None (extra page or no such page)."""
        for page_order, key, _ in self.assignments:
            if page_order == order:
                return key
        return None


def link_pages(materials: Sequence[MaterialRef], pages: Sequence[PageRef]) -> Linking:
    """Link ``pages`` (one file) to ``materials`` (its catalogue rows).

    The layout is structured when any page names its material (the package reader
    sets ``PageRef.material`` only for ``<类号>-<序号>`` folders); otherwise pages are
    linked by cumulative 页数 as the module docstring describes.  Pages are taken in
    ``PageRef.order``; the page number within a material is the running position
    (1, 2, 3 …) in that order, so it is contiguous even when file names skip.
    """
    ordered = sorted(pages, key=lambda p: p.order)
    counts: dict[MaterialKey, int] = {material_key(m): 0 for m in materials}
    if any(p.material is not None for p in ordered):
        return _link_structured(ordered, counts)
    return _link_cumulative(materials, ordered, counts)


def _link_structured(pages: list[PageRef], counts: dict[MaterialKey, int]) -> Linking:
    assignments: list[Assignment] = []
    unknown: dict[int, MaterialKey] = {}
    for page in pages:
        folder = page.material
        if folder is not None:
            # Folder names such as "4-1-2" and "四-1-2" both reach us as (4, 1, 2); "1-3" as (1, 0, 3).
            folder = (folder[0], folder[1] or 0, folder[2])
        if folder is None or folder not in counts:
            # A stray file beside the folders, or a folder the catalogue does not list.
            if folder is not None:
                unknown[page.order] = folder
            assignments.append((page.order, None, None))
            continue
        counts[folder] += 1
        assignments.append((page.order, folder, counts[folder]))
    return Linking(tuple(assignments), counts, structured=True, unknown_folders=unknown)


def _link_cumulative(materials: Sequence[MaterialRef], pages: list[PageRef], counts: dict[MaterialKey, int]) -> Linking:
    # Each material claims the next 页数 pages.  sorted() is stable, so two rows with
    # the same key (a catalogue error SEQUENCE_GAP reports) keep their sheet order;
    # a typo such as 页数 = 10000 simply swallows the rest of the file.
    assignments: list[Assignment] = []
    remaining = iter(pages)
    for material in sorted(materials, key=material_key):
        key = material_key(material)
        for _ in range(max(material.pages or 0, 0)):
            page = next(remaining, None)
            if page is None:
                return Linking(tuple(assignments), counts, structured=False)
            counts[key] += 1
            assignments.append((page.order, key, counts[key]))
    # Whatever is left lies beyond the catalogue's total: extra pages.
    assignments.extend((page.order, None, None) for page in remaining)
    return Linking(tuple(assignments), counts, structured=False)
