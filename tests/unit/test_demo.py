"""Demo data: synthetic retirees, their catalogues, rendered pages and scan packages."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageChops

from archive.demo import (
    CATALOGUE_HEADER,
    DISTRICT_CODES,
    PEOPLE_HEADER,
    XICHENG_STREETS,
    DemoPerson,
    demo_summary,
    find_cjk_font,
    generate_people,
    label_placement,
    page_lines,
    page_paths,
    render_page,
    spell_date,
    write_package,
    write_zip,
)
from archive.idnumbers import parse_id_number


@pytest.fixture(scope="module")
def people() -> list[DemoPerson]:
    return generate_people(300, seed=2020)


@pytest.fixture(scope="module")
def cjk_font() -> Path:
    try:
        return find_cjk_font()
    except RuntimeError as exc:
        pytest.skip(str(exc))


def _partial(text: str) -> tuple[dt.date, dt.date]:
    """First and last day an ISO partial date can mean."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        nxt = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1)
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)


_SPELLINGS = (
    (re.compile(r"^(\d{4})[-.](\d{1,2})[-.](\d{1,2})$"), 3),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"), 3),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), 3),
    (re.compile(r"^(\d{4})[-.](\d{1,2})$"), 2),
    (re.compile(r"^(\d{4})年(\d{1,2})月$"), 2),
    (re.compile(r"^(\d{4})$"), 1),
)


def _unspell(text: str) -> str:
    """Back to ISO partial from any spelling the package writes (test-side reader)."""
    for pattern, _ in _SPELLINGS:
        match = pattern.match(text)
        if match:
            nums = [int(g) for g in match.groups()]
            return "-".join([f"{nums[0]:04d}", *(f"{n:02d}" for n in nums[1:])])
    raise AssertionError(f"unexpected date spelling {text!r}")


# --- people -------------------------------------------------------------------------------------------


def test_same_seed_gives_same_people_and_other_seed_differs(people: list[DemoPerson]) -> None:
    assert generate_people(300, seed=2020) == people
    assert generate_people(20, seed=2021) != people[:20]
    # A prefix does not depend on how many are asked for.
    assert generate_people(10, seed=2020) == people[:10]


def test_id_numbers_are_valid_unique_and_match_birth_and_sex(people: list[DemoPerson]) -> None:
    regions = Counter()
    for p in people:
        parsed = parse_id_number(p.id_number)
        assert parsed.number == p.id_number
        assert parsed.birth_date == p.birth_date
        assert parsed.sex == p.sex
        assert parsed.region in DISTRICT_CODES.values()
        regions[parsed.region] += 1
    assert len({p.id_number for p in people}) == len(people)
    assert regions["110102"] > len(people) / 2
    assert regions["110104"] > 0
    assert set(regions) - {"110102", "110104"}, "some people come from other Beijing districts"


def test_lives_are_plausible(people: list[DemoPerson]) -> None:
    for p in people:
        assert dt.date(1935, 1, 1) <= p.birth_date <= dt.date(1968, 12, 31)
        age_at_work = (p.work_start - p.birth_date).days / 365.25
        assert 15.9 <= age_at_work <= 23, p
        assert p.retired_on < dt.date(2020, 1, 1)
        age = p.retired_on.year - p.birth_date.year
        assert age in ((60, 61) if p.sex == "M" else (50, 51, 55, 56)), p
        assert p.employer_level in ("central", "municipal", "district")
        assert p.sex in ("M", "F")


def test_mix_of_levels_places_party_and_names(people: list[DemoPerson]) -> None:
    levels = Counter(p.employer_level for p in people)
    assert 0.22 < levels["central"] / len(people) < 0.45
    assert 0.38 < levels["municipal"] / len(people) < 0.62
    assert 0.08 < levels["district"] / len(people) < 0.26
    assert len({p.employer for p in people}) >= 15
    assert 0.25 < sum(p.party_member for p in people) / len(people) < 0.45
    in_xicheng = [p for p in people if p.hukou_district == "西城"]
    assert len(in_xicheng) > len(people) * 0.6
    assert {p.hukou_street for p in in_xicheng} <= set(XICHENG_STREETS)
    assert any(p.hukou_district != "西城" and p.residence_district == "西城" for p in people)
    names = Counter(p.name for p in people)
    assert names.most_common(1)[0][1] >= 2, "common names must collide"
    assert all(len(p.name) in (2, 3) for p in people)


def test_archive_numbers_are_unique_and_well_formed(people: list[DemoPerson]) -> None:
    numbers = [p.archive_no for p in people]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"XC-2020-\d{6}", n) for n in numbers)


def test_catalogue_shape(people: list[DemoPerson]) -> None:
    for p in people:
        assert 12 <= len(p.materials) <= 30
        assert all(1 <= m.pages <= 6 for m in p.materials)
        assert all(m.remarks in ("", "复印件") for m in p.materials)
        titles = [m.title for m in p.materials]
        assert any(t in ("职工登记表", "干部履历表") for t in titles)
        assert any(t.endswith("退休审批表") for t in titles)
        assert "转正定级表" in titles
        assert any(m.class_no == 4 and m.subclass == 1 for m in p.materials)
        # Catalogue order: by the sending unit's placement, then sequence.
        keys = [(m.placement, m.seq) for m in p.materials]
        assert keys == sorted(keys)


def test_sequence_is_contiguous_within_each_placement(people: list[DemoPerson]) -> None:
    for p in people:
        groups: dict[tuple[int, int], list[int]] = {}
        for m in p.materials:
            groups.setdefault(m.placement, []).append(m.seq)
        for seqs in groups.values():
            assert seqs == list(range(1, len(seqs) + 1))


def test_labels_match_classes_except_old_hiring_forms(people: list[DemoPerson]) -> None:
    spellings = Counter()
    misplaced = 0
    for p in people:
        for m in p.materials:
            spellings["digits" if m.label[0].isdigit() else "chinese"] += 1
            if m.placement != (m.class_no, m.subclass):
                # Old files keep the 招工表 in class 1; nothing else is misplaced.
                assert m.label in ("一", "1") and (m.class_no, m.subclass) == (9, 2), m
                assert p.work_start.year < 1970
                misplaced += 1
    assert misplaced > 0
    assert spellings["chinese"] > spellings["digits"] > 0
    assert label_placement("四-1") == (4, 1) == label_placement("4-1")
    assert label_placement("十") == (10, 0) == label_placement("10")


def test_party_materials_only_for_members(people: list[DemoPerson]) -> None:
    for p in people:
        party = [m for m in p.materials if "党" in m.title]
        if p.party_member:
            assert p.party_joined is not None
            assert any(m.title == "中国共产党入党志愿书" for m in party)
            assert all(m.class_no == 6 for m in party)
        else:
            assert party == [], p.archive_no


def test_material_dates_lie_within_the_life(people: list[DemoPerson]) -> None:
    for p in people:
        for m in p.materials:
            first, last = _partial(m.formed)
            assert last >= dt.date(p.birth_date.year + 14, p.birth_date.month, 1), (p.archive_no, m)
            assert first <= p.retired_on, (p.archive_no, m)
            if (m.class_no, m.subclass) != (4, 1):  # only schooling comes before work
                assert last >= p.work_start, (p.archive_no, m)
            if m.title.endswith("退休审批表"):
                assert len(m.formed) == 10 and first < p.retired_on
            if m.title == "劳动合同书":
                assert first.year >= 1986


# --- pages --------------------------------------------------------------------------------------------


def test_page_lines_name_the_person_and_material(people: list[DemoPerson]) -> None:
    person = people[0]
    for material in person.materials:
        for page_no in range(1, material.pages + 1):
            lines = page_lines(person, material, page_no)
            assert lines[0].startswith(material.title)
            assert lines == page_lines(person, material, page_no)
        first = "\n".join(page_lines(person, material, 1))
        assert person.name in first
    registration = next(m for m in person.materials if m.title in ("职工登记表", "干部履历表"))
    text = "\n".join(page_lines(person, registration, 1))
    assert f"性别：{'男' if person.sex == 'M' else '女'}" in text
    assert person.employer in text
    assert f"{person.birth_date.year}年{person.birth_date.month}月" in text


def test_render_page_is_a4_at_300_dpi_and_deterministic(cjk_font: Path) -> None:
    assert cjk_font.is_file()
    lines = ["职工登记表", "姓名：张建国　　性别：男　　出生日期：1952年3月", "　　该同志工作认真负责。"]
    page = render_page(lines, seed=1)
    assert page.mode == "L"
    assert abs(page.width - 2480) <= 2 and abs(page.height - 3508) <= 2
    assert page.info["dpi"] == (300, 300)
    assert page.tobytes() == render_page(lines, seed=1).tobytes()
    assert page.tobytes() != render_page(lines, seed=2).tobytes()
    # Text is dark on light paper.
    low, high = page.getextrema()
    assert low < 90 and high > 200


def test_render_page_colour_with_seal(cjk_font: Path) -> None:
    page = render_page(["职工退休审批表", "单位意见：同意。"], seed=3, dpi=100, red_header=True,
                       seal_text="北京第一机床厂", skew_deg=0)
    assert page.mode == "RGB"
    assert abs(page.width - 827) <= 2
    r, g, b = page.split()
    red = ImageChops.darker(r.point(lambda v: 255 if v > 150 else 0),
                            ImageChops.darker(g.point(lambda v: 255 if v < 110 else 0),
                                              b.point(lambda v: 255 if v < 110 else 0)))
    reds = red.histogram()[255]
    assert reds > 200, "the red header and seal should show"
    grey = render_page(["自传"], seed=3, dpi=100, noise=False, skew_deg=0)
    assert grey.mode == "L"


# --- packages -----------------------------------------------------------------------------------------


def _short(person: DemoPerson, n: int = 3) -> DemoPerson:
    """The same person with only the first n materials: enough pages for a test at full resolution."""
    return dataclasses.replace(person, materials=person.materials[:n])


def test_xlsx_package_flat_at_300_dpi(people: list[DemoPerson], tmp_path: Path, cjk_font: Path) -> None:
    subset = [_short(people[0])] + people[1:6]
    root = write_package(tmp_path / "pkg", subset, images_for=1, dpi=300)
    assert root == tmp_path / "pkg"

    book = load_workbook(root / "目录.xlsx", read_only=True)
    rows = list(book["目录"].iter_rows(values_only=True))
    assert rows[0] == CATALOGUE_HEADER
    assert len(rows) - 1 == sum(len(p.materials) for p in subset)
    expected = [m for p in subset for m in p.materials]
    for row, material in zip(rows[1:], expected, strict=True):
        assert row[1] == material.label and row[2] == material.seq and row[3] == material.title
        assert _unspell(row[4]) == material.formed  # any spelling, same precision
        assert row[5] == material.pages
        assert (row[6] or "") == material.remarks
    book.close()

    book = load_workbook(root / "人员.xlsx", read_only=True)
    rows = list(book["人员"].iter_rows(values_only=True))
    assert rows[0] == PEOPLE_HEADER
    first = dict(zip(PEOPLE_HEADER, rows[1], strict=True))
    person = subset[0]
    assert first["身份证号"] == person.id_number
    assert first["性别"] == ("男" if person.sex == "M" else "女")
    assert first["单位层级"] in ("央属", "市属", "区属")
    assert first["党员"] == ("是" if person.party_member else "否")
    assert first["出生日期"] == person.birth_date.isoformat()
    book.close()

    images = sorted((root / person.archive_no).iterdir())
    assert [i.name for i in images] == [f"{n:04d}.jpg" for n in range(1, person.page_count + 1)]
    for path in images:
        with Image.open(path) as image:
            assert image.format == "JPEG"
            assert abs(image.width - 2480) <= 2 and abs(image.height - 3508) <= 2
            assert tuple(round(v) for v in image.info["dpi"]) == (300, 300)
    # Only the first person got images.
    assert not (root / subset[1].archive_no).exists()


def test_structured_csv_package_in_gb18030(people: list[DemoPerson], tmp_path: Path, cjk_font: Path) -> None:
    subset = people[:4]
    root = write_package(tmp_path / "pkg", subset, images_for=2, layout="structured", sheet_format="csv",
                         csv_encoding="gb18030", image_format="png", dpi=30)
    with (root / "目录.csv").open(encoding="gb18030", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CATALOGUE_HEADER
    assert len(rows) - 1 == sum(len(p.materials) for p in subset)
    with (root / "人员.csv").open(encoding="gb18030", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == PEOPLE_HEADER and len(rows) == 5

    for person in subset[:2]:
        found = sorted(str(p.relative_to(root)) for p in (root / person.archive_no).rglob("*.png"))
        assert len(found) == person.page_count
        assert found == sorted(page_paths(person, "structured", "png"))
        for m in person.materials:
            cls, sub = m.placement
            folder = root / person.archive_no / (f"{cls}-{sub}-{m.seq}" if sub else f"{cls}-{m.seq}")
            assert sorted(p.name for p in folder.iterdir()) == [f"{n:03d}.png" for n in range(1, m.pages + 1)]
        with Image.open(found and root / found[0]) as image:
            assert round(image.info["dpi"][0]) == 30
    assert not (root / subset[2].archive_no).exists()


def test_zip_package_is_deterministic_and_tif_pages_are_bitonal_or_colour(
    people: list[DemoPerson], tmp_path: Path, cjk_font: Path
) -> None:
    subset = people[:3]
    kw = {"images_for": 1, "image_format": "tif", "dpi": 30, "seed": 5}
    first = write_zip(tmp_path / "a.zip", subset, **kw)
    second = write_zip(tmp_path / "b.zip", subset, workers=2, **kw)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        assert "目录.xlsx" in names and "人员.xlsx" in names
        pages = [n for n in names if n.endswith(".tif")]
        assert pages == page_paths(subset[0], "flat", "tif")
        modes = set()
        for name in pages:
            with Image.open(io.BytesIO(archive.read(name))) as image:
                modes.add(image.mode)
                if image.mode == "1":
                    assert image.info["compression"] == "group4"
        assert "1" in modes
    with pytest.raises(TypeError):
        write_zip(tmp_path / "c.zip", subset, colour=True)
    with pytest.raises(ValueError):
        write_package(tmp_path / "d", subset, layout="nested")


def test_spell_date_keeps_precision() -> None:
    for style in ("iso", "dots", "dots_short", "cn", "compact"):
        for value in ("1985-03-12", "1985-03", "1985"):
            assert _unspell(spell_date(value, style)) == value
    assert spell_date("1985-03-12", "cn") == "1985年3月12日"
    assert spell_date("1985-03", "dots_short") == "1985.3"


def test_demo_summary(people: list[DemoPerson]) -> None:
    summary = demo_summary(people)
    assert summary["people"] == len(people)
    assert sum(summary["by_level"].values()) == len(people)
    assert list(summary["by_hukou_street"]) == list(XICHENG_STREETS)
    assert sum(summary["by_hukou_street"].values()) == summary["hukou_in_xicheng"]
    assert summary["pages"] == sum(p.page_count for p in people)
    assert summary["materials"] == sum(len(p.materials) for p in people)
    assert summary["party_members"] == sum(p.party_member for p in people)
