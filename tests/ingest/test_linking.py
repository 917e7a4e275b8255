"""挂接: pages to catalogue materials, by folder (structured) or by cumulative 页数 (flat/single)."""

from __future__ import annotations

import pytest

from ingest.linking import Linking, link_pages, material_key
from ingest.model import MaterialRef, PageRef


def mat(class_no: int, subclass: int, seq: int, pages: int | None, title: str = "材料") -> MaterialRef:
    return MaterialRef(class_no, subclass, seq, title, pages)


def flat(n: int, archive_no: str = "XC-1") -> list[PageRef]:
    return [PageRef(archive_no, f"{archive_no}/{i:04d}.jpg", i) for i in range(1, n + 1)]


def structured(folders: list[tuple[tuple[int, int, int], int]], archive_no: str = "XC-1") -> list[PageRef]:
    """Pages of ``<档号>/<类号>-<序号>/001.tif …`` folders, in package order."""
    pages = []
    order = 0
    for key, count in folders:
        for p in range(1, count + 1):
            order += 1
            folder = f"{key[0]}-{key[1]}-{key[2]}" if key[1] else f"{key[0]}-{key[2]}"
            pages.append(
                PageRef(archive_no, f"{archive_no}/{folder}/{p:03d}.tif", order, material=key, page_in_material=p)
            )
    return pages


CATALOGUE = [
    mat(1, 0, 1, 2, "干部履历表"),
    mat(4, 1, 1, 1, "毕业证书"),
    mat(9, 2, 1, 3, "招工审批表"),
]


def test_flat_pages_follow_cumulative_page_counts() -> None:
    linking = link_pages(CATALOGUE, flat(6))

    assert linking.assignments == (
        (1, (1, 0, 1), 1),
        (2, (1, 0, 1), 2),
        (3, (4, 1, 1), 1),
        (4, (9, 2, 1), 1),
        (5, (9, 2, 1), 2),
        (6, (9, 2, 1), 3),
    )
    assert linking.material_pages == {(1, 0, 1): 2, (4, 1, 1): 1, (9, 2, 1): 3}
    assert not linking.structured
    assert linking.extra == ()


def test_flat_uses_catalogue_order_not_sheet_order() -> None:
    # The sheet lists 9-2 first; the file is bound class by class, so 1-1 takes pages 1–2.
    linking = link_pages(list(reversed(CATALOGUE)), flat(6))

    assert [key for _, key, _ in linking.assignments] == [(1, 0, 1), (1, 0, 1), (4, 1, 1)] + [(9, 2, 1)] * 3


def test_flat_pages_are_taken_in_page_order() -> None:
    pages = flat(6)
    linking = link_pages(CATALOGUE, list(reversed(pages)))

    assert [order for order, _, _ in linking.assignments] == [1, 2, 3, 4, 5, 6]
    assert linking.assignments[0] == (1, (1, 0, 1), 1)


def test_flat_pages_beyond_the_total_are_extra() -> None:
    linking = link_pages(CATALOGUE, flat(8))

    assert linking.assignments[-2:] == ((7, None, None), (8, None, None))
    assert linking.extra == (7, 8)
    assert linking.material_pages[(9, 2, 1)] == 3
    assert linking.material_of(7) is None
    assert linking.material_of(6) == (9, 2, 1)


def test_flat_missing_scan_shifts_every_later_material() -> None:
    # Page 2 of the 履历表 was never scanned: the 毕业证书 now takes the 招工表's first page,
    # and the last material runs one page short.  Only the totals (6 vs 5) can show it.
    linking = link_pages(CATALOGUE, flat(5))

    assert [key for _, key, _ in linking.assignments] == [(1, 0, 1), (1, 0, 1), (4, 1, 1), (9, 2, 1), (9, 2, 1)]
    assert linking.material_pages == {(1, 0, 1): 2, (4, 1, 1): 1, (9, 2, 1): 2}
    assert linking.page_count == 5


def test_flat_too_few_pages_leaves_trailing_materials_empty() -> None:
    linking = link_pages(CATALOGUE, flat(2))

    assert linking.material_pages == {(1, 0, 1): 2, (4, 1, 1): 0, (9, 2, 1): 0}


@pytest.mark.parametrize("pages", [None, 0])
def test_materials_without_pages_consume_none(pages: int | None) -> None:
    materials = [mat(1, 0, 1, 1), mat(2, 0, 1, pages), mat(3, 0, 1, 1)]

    linking = link_pages(materials, flat(2))

    assert [key for _, key, _ in linking.assignments] == [(1, 0, 1), (3, 0, 1)]
    assert linking.material_pages[(2, 0, 1)] == 0


def test_huge_page_count_swallows_the_rest_without_blowing_up() -> None:
    linking = link_pages([mat(1, 0, 1, 10**9), mat(2, 0, 1, 1)], flat(3))

    assert linking.material_pages == {(1, 0, 1): 3, (2, 0, 1): 0}


def test_structured_pages_go_to_the_named_material() -> None:
    pages = structured([((1, 0, 1), 2), ((4, 1, 1), 1), ((9, 2, 1), 2)])

    linking = link_pages(CATALOGUE, pages)

    assert linking.structured
    assert linking.assignments == (
        (1, (1, 0, 1), 1),
        (2, (1, 0, 1), 2),
        (3, (4, 1, 1), 1),
        (4, (9, 2, 1), 1),
        (5, (9, 2, 1), 2),
    )
    # Folder counts are kept as they are, even when they differ from 页数 (QC compares them).
    assert linking.material_pages == {(1, 0, 1): 2, (4, 1, 1): 1, (9, 2, 1): 2}


def test_structured_missing_folder_does_not_shift_others() -> None:
    pages = structured([((1, 0, 1), 2), ((9, 2, 1), 3)])

    linking = link_pages(CATALOGUE, pages)

    assert linking.material_pages == {(1, 0, 1): 2, (4, 1, 1): 0, (9, 2, 1): 3}
    assert [key for _, key, _ in linking.assignments][2:] == [(9, 2, 1)] * 3


def test_structured_unknown_folder_is_extra() -> None:
    pages = structured([((1, 0, 1), 2), ((2, 0, 5), 1), ((4, 1, 1), 1)])

    linking = link_pages(CATALOGUE, pages)

    assert linking.assignments[2] == (3, None, None)
    assert linking.extra == (3,)
    assert linking.unknown_folders == {3: (2, 0, 5)}
    assert (2, 0, 5) not in linking.material_pages


def test_structured_stray_page_without_folder_is_extra() -> None:
    pages = [*structured([((1, 0, 1), 2)]), PageRef("XC-1", "XC-1/stray.jpg", 3)]

    linking = link_pages(CATALOGUE, pages)

    assert linking.extra == (3,)
    assert linking.unknown_folders == {}


def test_single_pdf_is_linked_like_flat() -> None:
    pages = [PageRef("XC-1", "XC-1.pdf", i + 1, index=i) for i in range(6)]

    linking = link_pages(CATALOGUE, pages)

    assert linking.material_pages == {(1, 0, 1): 2, (4, 1, 1): 1, (9, 2, 1): 3}


def test_empty_catalogue_makes_every_page_extra() -> None:
    linking = link_pages([], flat(2))

    assert linking.extra == (1, 2)
    assert linking.material_pages == {}


def test_linking_is_frozen_and_hashable() -> None:
    linking = link_pages(CATALOGUE, flat(6))

    assert isinstance(hash(linking), int)
    assert linking == link_pages(CATALOGUE, flat(6))
    with pytest.raises(AttributeError):
        linking.structured = True  # type: ignore[misc]
    assert isinstance(linking, Linking)


def test_material_key_normalises_subclass() -> None:
    assert material_key(mat(4, 1, 2, 1)) == (4, 1, 2)
    assert material_key(MaterialRef(1, 0, 3, "履历表", 1)) == (1, 0, 3)
