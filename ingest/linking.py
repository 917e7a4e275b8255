"""挂接: assign the pages of one file (案卷) to the materials of its catalogue (目录).

Two ways to know which page belongs to which material:

* **Structured** packages (``<档号>/<类号>-<序号>/001.tif …``): the folder names the
  material, so :class:`~ingest.model.PageRef` carries ``material``.  A page goes to
  the material its folder names; a folder naming a material the catalogue lacks
  yields pages with no material, which QC reports as EXTRA_PAGES.
* **Flat** (``<档号>/0001.jpg …``) and **single** (one multi-page PDF/TIFF)
  packages: DA/T 31 names single-page images 档号 + running page number, and the
  materials are found by cumulative 页数.  Materials are taken in the order of the
  catalogue's rows as the sending unit wrote them (:attr:`MaterialRef.row`) — the
  scanner works down the 目录 it was handed, which need not be class order — and in
  class order (class, sub-class, 序号) only when that order is not known.  Each
  material consumes as many pages *with writing* as its 页数 says (页数 counts only
  those: docs/domain.md#catalogue-columns); a blank page (a verso, a blank cover)
  stays with the material of the page before it and consumes nothing.  Materials
  whose 页数 is empty or 0 consume none; pages beyond the catalogue's total belong to
  no material.

A consequence of the flat rule worth knowing: one miscounted 页数 early in the
catalogue (or one missing or extra scan early in the file) shifts every later page
onto the wrong material, and nothing in the pages themselves can tell.  The
file-level PAGE_COUNT_MISMATCH finding of :mod:`ingest.qc` (scanned total vs the
catalogue's total) is what surfaces it; the archivist then corrects the 页数 or the
scan and links again.

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ingest.model import MaterialRef, PageRef

__all__ = ["Assignment", "Linking", "MaterialKey", "catalogue_order", "link_pages", "material_key"]

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
    the EXTRA_PAGES message can say which folder it was.  ``material_pages`` counts
    pages with writing only; ``blank`` holds the orders of the blank pages (linked,
    but not counted).  ``by_row`` tells whether the flat layout followed the
    catalogue's row order (else class order).
    """

    assignments: tuple[Assignment, ...]
    # dicts are unhashable: keep them out of the generated __hash__ (equality still compares them).
    material_pages: dict[MaterialKey, int] = field(default_factory=dict, hash=False)
    structured: bool = False
    unknown_folders: dict[int, MaterialKey] = field(default_factory=dict, hash=False)
    blank: frozenset[int] = frozenset()
    by_row: bool = False

    @property
    def page_count(self) -> int:
        """Number of scanned pages in the file, blank ones included."""
        return len(self.assignments)

    @property
    def written_count(self) -> int:
        """Number of scanned pages with writing: what the catalogue's 页数 counts."""
        return sum(1 for order, _key, _n in self.assignments if order not in self.blank)

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


def link_pages(
    materials: Sequence[MaterialRef], pages: Sequence[PageRef], *, blank: Iterable[int] = ()
) -> Linking:
    """Link ``pages`` (one file) to ``materials`` (its catalogue rows).

    The layout is structured when any page names its material (the package reader
    sets ``PageRef.material`` only for ``<类号>-<序号>`` folders); otherwise pages are
    linked by cumulative 页数 as the module docstring describes.  Pages are taken in
    ``PageRef.order``; the page number within a material is the running position
    (1, 2, 3 …) in that order, so it is contiguous even when file names skip.
    ``blank`` is the orders of the pages without writing (``PageMetrics.blank``).
    """
    ordered = sorted(pages, key=lambda p: p.order)
    counts: dict[MaterialKey, int] = {material_key(m): 0 for m in materials}
    blanks = frozenset(blank)
    if any(p.material is not None for p in ordered):
        return _link_structured(ordered, counts, blanks)
    return _link_cumulative(materials, ordered, counts, blanks)


def catalogue_order(materials: Sequence[MaterialRef]) -> tuple[list[MaterialRef], bool]:
    """The materials in the order their pages were scanned, and whether that is the sheet's row order.

    Row order when every row knows its position in the catalogue as sent; otherwise class order,
    the order DA/T 22 binds a file in.  ``sorted`` is stable, so two rows with one key keep theirs.
    """
    if materials and all(m.row is not None for m in materials):
        return sorted(materials, key=lambda m: (m.row or 0, material_key(m))), True
    return sorted(materials, key=material_key), False


def _link_structured(pages: list[PageRef], counts: dict[MaterialKey, int], blank: frozenset[int]) -> Linking:
    assignments: list[Assignment] = []
    unknown: dict[int, MaterialKey] = {}
    within: dict[MaterialKey, int] = {}
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
        if page.order not in blank:
            counts[folder] += 1
        within.setdefault(folder, 0)
        within[folder] += 1
        assignments.append((page.order, folder, within[folder]))
    return Linking(tuple(assignments), counts, structured=True, unknown_folders=unknown, blank=blank)


def _link_cumulative(
    materials: Sequence[MaterialRef], pages: list[PageRef], counts: dict[MaterialKey, int], blank: frozenset[int]
) -> Linking:
    # Each material claims the next 页数 pages with writing; a blank page goes with the page before it
    # (a verso) or, before any, with the material the next written page goes to (a blank cover).
    # A typo such as 页数 = 10000 simply swallows the rest of the file.
    ordered, by_row = catalogue_order(materials)
    slots = _slots(ordered)
    assignments: list[Assignment] = []
    within: dict[MaterialKey, int] = {}
    current: MaterialKey | None = None
    started = False
    pending: list[int] = []  # blank pages before the first written one
    for page in pages:
        if page.order in blank:
            if started:
                _append(assignments, within, page.order, current)
            else:
                pending.append(page.order)
            continue
        current = next(slots, None)
        if not started:
            started = True
            for order in pending:
                _append(assignments, within, order, current)
        if current is not None:
            counts[current] += 1
        _append(assignments, within, page.order, current)
    if not started:  # not one page with writing: the blank pages go with the first material, if any
        for order in pending:
            _append(assignments, within, order, material_key(ordered[0]) if ordered else None)
    assignments.sort()
    return Linking(tuple(assignments), counts, structured=False, blank=blank, by_row=by_row)


def _slots(materials: list[MaterialRef]) -> Iterator[MaterialKey]:
    """Each material's key once per page its 页数 claims (lazily: 页数 may be a typo of 10⁹)."""
    for material in materials:
        key = material_key(material)
        for _ in range(max(material.pages or 0, 0)):
            yield key


def _append(assignments: list[Assignment], within: dict[MaterialKey, int], order: int, key: MaterialKey | None) -> None:
    if key is None:
        assignments.append((order, None, None))
        return
    within[key] = within.get(key, 0) + 1
    assignments.append((order, key, within[key]))
