"""QC consistency (issue 12): blank versos, forms that share boilerplate, row-order linking, the heading check."""

from __future__ import annotations

import dataclasses

from ingest.linking import link_pages
from ingest.model import MaterialRef, OcrResult, PageRef
from ingest.qc import QcSettings, duplicate_page, run_file_checks
from ingest.qc.title_rules import title_mismatch, title_score
from tests.ingest.test_qc import CLEAN_CATALOGUE, CLEAN_TOTAL, flat_pages, result, rules

SETTINGS = QcSettings()


def with_text(res, text: str, phash: str | None = None):  # type: ignore[no-untyped-def]
    ocr = OcrResult("tesseract", text, 90.0)
    metrics = res.metrics if phash is None else dataclasses.replace(res.metrics, phash=phash)
    return dataclasses.replace(res, ocr=ocr, metrics=metrics)


# --------------------------------------------------------------------------- blank versos


def test_clean_file_with_blank_versos_has_no_error() -> None:
    # The 15 written pages of the clean file, each of the three forms' versos scanned blank after it.
    blank_after = {2, 8, 13}
    results, order = [], 0
    for written in range(1, CLEAN_TOTAL + 1):
        order += 1
        results.append(result(order))
        if written in blank_after:
            order += 1
            results.append(result(order, blank=True, skew_deg=None, conf=None))

    linking, findings = run_file_checks(CLEAN_CATALOGUE, flat_pages(order), results, party_member=True,
                                        settings=SETTINGS)

    assert rules(findings) == ["BLANK_PAGE"] * 3
    assert all(f.severity == "warning" for f in findings)
    # Every material got exactly its 页数 of written pages: nothing shifted after the first verso.
    assert linking.material_pages == {(m.class_no, m.subclass, m.seq): m.pages for m in CLEAN_CATALOGUE}
    # A verso stays with the page before it: page 3 is the blank back of 一 第1号's second page.
    assert linking.material_of(3) == (1, 0, 1)
    assert linking.material_of(4) == (1, 0, 2)


def test_blank_versos_do_not_hide_a_missing_page() -> None:
    results = [result(i) for i in range(1, CLEAN_TOTAL)] + [result(CLEAN_TOTAL, blank=True, skew_deg=None)]

    _linking, findings = run_file_checks(CLEAN_CATALOGUE, flat_pages(CLEAN_TOTAL), results, party_member=True,
                                         settings=SETTINGS)

    mismatch = [f for f in findings if f.rule == "PAGE_COUNT_MISMATCH"]
    assert len(mismatch) == 1 and "扫描14页" in mismatch[0].message and "空白页1页未计" in mismatch[0].message


def test_structured_material_count_ignores_its_blank_verso() -> None:
    pages = [PageRef("XC-1", f"XC-1/1-1/{p:03d}.tif", p, material=(1, 0, 1), page_in_material=p) for p in (1, 2, 3)]
    linking = link_pages([MaterialRef(1, 0, 1, "干部履历表", 2)], pages, blank=[3])

    assert linking.material_pages == {(1, 0, 1): 2}
    assert [n for _o, _k, n in linking.assignments] == [1, 2, 3]


# --------------------------------------------------------------------------- duplicates compare the writing

FORM = "工资调整审批表\n姓名：王秀兰 性别：女\n出生年月：1935年3月 民族：汉族\n工作单位：红星纺织厂 职务：挡车工\n"


def test_two_forms_of_one_person_are_not_duplicates() -> None:
    first = FORM + "原工资级别：三级 调整后：四级\n批准日期：1978年10月"
    second = FORM + "原工资级别：四级 调整后：五级\n批准日期：1983年6月"
    import difflib

    assert difflib.SequenceMatcher(None, "".join(first.split()), "".join(second.split())).ratio() > 0.85
    results = [with_text(result(1), first, phash="0" * 16), with_text(result(2), second, phash="0" * 15 + "1")]

    assert duplicate_page(results, SETTINGS) == []


def test_a_rescan_with_ocr_noise_is_still_a_duplicate() -> None:
    first = FORM + "原工资级别：三级 调整后：四级\n批准日期：1978年10月"
    again = FORM.replace("红星", "红屋") + "原工资级别：三级 调整后：四级\n批准日期：1978年1O月"
    results = [with_text(result(1), first, phash="0" * 16), with_text(result(2), again, phash="0" * 15 + "1")]

    findings = duplicate_page(results, SETTINGS)

    assert [(f.rule, f.page, f.details["duplicate_of"]) for f in findings] == [("DUPLICATE_PAGE", 2, 1)]


# --------------------------------------------------------------------------- linking by the catalogue's rows


def test_flat_file_is_linked_in_the_catalogue_row_order() -> None:
    # The sending unit listed 招工审批表 (九-2) before 职工登记表 (一); the scanner followed the list.
    rows = [
        MaterialRef(9, 2, 1, "招工审批表", 2, row=1),
        MaterialRef(1, 0, 2, "职工登记表", 1, row=2),
        MaterialRef(4, 1, 1, "毕业证书", 1, row=3),
    ]
    linking = link_pages(rows, flat_pages(4))

    assert linking.by_row
    assert [key for _o, key, _n in linking.assignments] == [(9, 2, 1), (9, 2, 1), (1, 0, 2), (4, 1, 1)]


def test_rows_without_a_position_fall_back_to_class_order() -> None:
    rows = [MaterialRef(9, 2, 1, "招工审批表", 1, row=1), MaterialRef(1, 0, 2, "职工登记表", 1)]

    linking = link_pages(rows, flat_pages(2))

    assert not linking.by_row
    assert [key for _o, key, _n in linking.assignments] == [(1, 0, 2), (9, 2, 1)]


# --------------------------------------------------------------------------- the heading check


def test_title_score() -> None:
    assert title_score("招工审批表", "招工审批表编号：12") == 1.0
    assert title_score("招工审批表", "职工登记表") <= 0.5
    assert title_score("1978年工资调整审批表", "工资调整审批表") == 1.0


def test_page_reading_another_materials_title_is_a_finding() -> None:
    rows = [MaterialRef(9, 2, 1, "招工审批表", 1), MaterialRef(1, 0, 2, "职工登记表", 1)]
    # Class order puts 职工登记表 first, but the scanner put the 招工审批表 first.
    results = [with_text(result(1), "招工审批表\n姓名：李明"), with_text(result(2), "职工登记表\n姓名：李明")]
    linking = link_pages(rows, flat_pages(2))

    findings = title_mismatch(rows, linking, results)

    assert [(f.rule, f.severity, f.page, f.material) for f in findings] == [
        ("TITLE_MISMATCH", "warning", 1, (1, 0, 2)),
        ("TITLE_MISMATCH", "warning", 2, (9, 2, 1)),
    ]
    assert "招工审批表" in findings[0].message and "职工登记表" in findings[0].message


def test_continuation_pages_and_matching_headings_are_left_alone() -> None:
    rows = [MaterialRef(9, 2, 1, "招工审批表", 2), MaterialRef(1, 0, 2, "职工登记表", 1)]
    results = [
        with_text(result(1), "招工审批表\n姓名：李明"),
        with_text(result(2), "三、本人简历\n1958年至1962年在县第一中学读书"),  # no heading: nothing to tell
        with_text(result(3), "职工登记表\n姓名：李明"),
    ]
    linking = link_pages([dataclasses.replace(r, row=i) for i, r in enumerate(rows, 1)], flat_pages(3))

    assert title_mismatch(rows, linking, results) == []
