"""QC rules: each catches its planted defect, and a clean file flags nothing."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from ingest.linking import link_pages
from ingest.model import Finding, MaterialRef, OcrResult, PageMetrics, PageRef, PageResult, StoredKeys
from ingest.qc import (
    REQUIRED_ITEMS,
    RULE_NAMES_EN,
    RULE_NAMES_ZH,
    QcSettings,
    blank_page,
    describe_material,
    duplicate_page,
    extra_pages,
    findings_as_json,
    low_ocr_confidence,
    low_resolution,
    material_label,
    material_not_scanned,
    mixed_formats,
    mixed_formats_batch,
    page_count_mismatch,
    required_material_missing,
    run_file_checks,
    sequence_gap,
    skew,
    unreadable_page,
)

SETTINGS = QcSettings()

# A party member's complete retiree file: contiguous 序号, every checklist item present.
CLEAN_CATALOGUE = (
    MaterialRef(1, 0, 1, "干部履历表", 2),
    MaterialRef(1, 0, 2, "职工登记表", 1),
    MaterialRef(4, 1, 1, "高中毕业证书", 1),
    MaterialRef(4, 1, 2, "大学毕业生登记表", 2),
    MaterialRef(6, 0, 1, "中国共产党入党志愿书", 3),
    MaterialRef(9, 1, 1, "转正定级审批表", 1),
    MaterialRef(9, 1, 2, "工资调整审批表", 1),
    MaterialRef(9, 2, 1, "招工审批表", 1),
    MaterialRef(9, 2, 2, "劳动合同书", 2),
    MaterialRef(9, 2, 3, "退休审批表", 1),
)
CLEAN_TOTAL = 15


def phash_of(n: int) -> str:
    """A deterministic 64-bit hash; distinct inputs land about 32 bits apart."""
    return hashlib.sha256(f"page{n}".encode()).hexdigest()[:16]


def flip_bits(phash: str, bits: int) -> str:
    return f"{int(phash, 16) ^ ((1 << bits) - 1):016x}"


def flat_pages(n: int, archive_no: str = "XC-1") -> list[PageRef]:
    return [PageRef(archive_no, f"{archive_no}/{i:04d}.jpg", i) for i in range(1, n + 1)]


def result(
    order: int,
    *,
    archive_no: str = "XC-1",
    dpi: float | None = 300,
    skew_deg: float | None = 0.2,
    phash: str | None = None,
    blank: bool = False,
    conf: float | None = 85.0,
    fmt: str = "jpeg",
    sha: str | None = None,
) -> PageResult:
    ref = PageRef(archive_no, f"{archive_no}/{order:04d}.jpg", order)
    metrics = PageMetrics(
        format=fmt,
        compression=fmt,
        width=2480,
        height=3508,
        dpi=dpi,
        colour="colour",
        blank=blank,
        skew_deg=skew_deg,
        phash=phash or phash_of(order),
    )
    digest = sha or hashlib.sha256(f"{archive_no}/{order}".encode()).hexdigest()
    keys = StoredKeys(f"orig/{digest}", digest, 1000, f"view/{digest}", f"thumb/{digest}")
    ocr = None if conf is None else OcrResult("tesseract", "中华人民共和国", conf)
    return PageResult(ref, keys=keys, metrics=metrics, ocr=ocr)


def clean_results(n: int = CLEAN_TOTAL) -> list[PageResult]:
    return [result(i) for i in range(1, n + 1)]


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


# --------------------------------------------------------------------------- clean file


def test_clean_file_flags_nothing() -> None:
    pages = flat_pages(CLEAN_TOTAL)

    linking, findings = run_file_checks(CLEAN_CATALOGUE, pages, clean_results(), party_member=True, settings=SETTINGS)

    assert findings == []
    assert linking.page_count == CLEAN_TOTAL
    assert linking.extra == ()


def test_clean_phashes_are_far_apart() -> None:
    # Guards the fixture: the clean file must not contain accidental near-duplicates.
    hashes = [int(phash_of(i), 16) for i in range(1, CLEAN_TOTAL + 1)]
    distances = [(a ^ b).bit_count() for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > SETTINGS.duplicate_hamming


def test_each_rule_is_silent_on_the_clean_file() -> None:
    linking = link_pages(CLEAN_CATALOGUE, flat_pages(CLEAN_TOTAL))
    results = clean_results()

    assert page_count_mismatch(CLEAN_CATALOGUE, linking) == []
    assert material_not_scanned(CLEAN_CATALOGUE, linking) == []
    assert extra_pages(linking) == []
    assert unreadable_page(results) == []
    assert duplicate_page(results, SETTINGS) == []
    assert blank_page(results) == []
    assert low_resolution(results, SETTINGS) == []
    assert skew(results, SETTINGS) == []
    assert low_ocr_confidence(results, SETTINGS) == []
    assert mixed_formats(results) == []
    assert sequence_gap(CLEAN_CATALOGUE) == []
    assert required_material_missing(CLEAN_CATALOGUE, party_member=True, settings=SETTINGS) == []


# --------------------------------------------------------------------------- naming


def test_material_names_follow_the_catalogue() -> None:
    assert material_label((4, 1, 2)) == "四-1 第2号"
    assert material_label((1, 0, 3)) == "一 第3号"
    assert material_label((10, 0, 1)) == "十 第1号"
    assert describe_material(MaterialRef(4, 1, 2, "毕业证书", 1)) == "四-1 第2号《毕业证书》"
    assert describe_material(MaterialRef(4, 1, 2, " ", 1)) == "四-1 第2号"


def test_every_rule_has_names_in_both_languages() -> None:
    assert RULE_NAMES_ZH.keys() == RULE_NAMES_EN.keys()
    assert RULE_NAMES_ZH["PAGE_COUNT_MISMATCH"] == "页数不符"
    assert RULE_NAMES_ZH["MATERIAL_NOT_SCANNED"] == "漏扫"
    assert RULE_NAMES_ZH["EXTRA_PAGES"] == "多扫"
    assert RULE_NAMES_ZH["DUPLICATE_PAGE"] == "重扫/重复页"
    assert RULE_NAMES_ZH["REQUIRED_MATERIAL_MISSING"] == "缺少必备材料"
    assert len(RULE_NAMES_ZH) == 13


# --------------------------------------------------------------------------- linking rules


def test_page_count_mismatch_file_level_flat() -> None:
    linking = link_pages(CLEAN_CATALOGUE, flat_pages(CLEAN_TOTAL - 1))

    findings = page_count_mismatch(CLEAN_CATALOGUE, linking)

    assert len(findings) == 1
    f = findings[0]
    assert (f.rule, f.severity, f.material, f.page) == ("PAGE_COUNT_MISMATCH", "error", None, None)
    assert "扫描14页" in f.message and "目录页数合计15页" in f.message and "少1页" in f.message
    assert "错位" in f.message  # the flat layout's warning that later materials shift
    assert f.details == {"scanned": 14, "catalogue": 15, "materials_without_pages": 0, "blank": 0}


def test_page_count_mismatch_notes_rows_without_page_count() -> None:
    materials = [*CLEAN_CATALOGUE, MaterialRef(10, 0, 1, "其他材料", None)]
    linking = link_pages(materials, flat_pages(CLEAN_TOTAL + 1))

    [f] = page_count_mismatch(materials, linking)

    assert "多1页" in f.message and "另有1条材料未填页数" in f.message


def test_page_count_mismatch_per_material_when_structured() -> None:
    materials = [MaterialRef(1, 0, 1, "干部履历表", 2), MaterialRef(4, 1, 2, "毕业证书", 2)]
    pages = [
        PageRef("XC-1", "XC-1/1-1/001.tif", 1, material=(1, 0, 1), page_in_material=1),
        PageRef("XC-1", "XC-1/1-1/002.tif", 2, material=(1, 0, 1), page_in_material=2),
        PageRef("XC-1", "XC-1/4-1-2/001.tif", 3, material=(4, 1, 2), page_in_material=1),
    ]

    findings = page_count_mismatch(materials, link_pages(materials, pages))

    assert [(f.rule, f.severity, f.material) for f in findings] == [
        ("PAGE_COUNT_MISMATCH", "error", None),
        ("PAGE_COUNT_MISMATCH", "error", (4, 1, 2)),
    ]
    assert "错位" not in findings[0].message
    assert findings[1].message == "四-1 第2号《毕业证书》：目录页数2页，扫描1页"


def test_material_not_scanned() -> None:
    # Structured package without the folder of 四-1 第1号.
    pages = []
    order = 0
    for m in CLEAN_CATALOGUE:
        if (m.class_no, m.subclass, m.seq) == (4, 1, 1):
            continue
        for p in range(1, (m.pages or 0) + 1):
            order += 1
            pages.append(
                PageRef(
                    "XC-1", f"XC-1/x/{order}.tif", order, material=(m.class_no, m.subclass, m.seq), page_in_material=p
                )
            )
    linking = link_pages(CLEAN_CATALOGUE, pages)

    findings = material_not_scanned(CLEAN_CATALOGUE, linking)

    assert len(findings) == 1
    f = findings[0]
    assert (f.rule, f.severity, f.material) == ("MATERIAL_NOT_SCANNED", "error", (4, 1, 1))
    assert "漏扫" in f.message and "四-1 第1号《高中毕业证书》" in f.message
    # The folder that is there is not also reported per material.
    assert [x.material for x in page_count_mismatch(CLEAN_CATALOGUE, linking)] == [None]


def test_material_not_scanned_ignores_rows_without_pages() -> None:
    materials = [
        MaterialRef(1, 0, 1, "履历表", 1),
        MaterialRef(10, 0, 1, "说明", 0),
        MaterialRef(10, 0, 2, "说明", None),
    ]
    linking = link_pages(materials, flat_pages(1))

    assert material_not_scanned(materials, linking) == []


def test_extra_pages_flat() -> None:
    linking = link_pages(CLEAN_CATALOGUE, flat_pages(CLEAN_TOTAL + 2))

    findings = extra_pages(linking)

    assert [(f.rule, f.severity, f.page) for f in findings] == [
        ("EXTRA_PAGES", "error", 16),
        ("EXTRA_PAGES", "error", 17),
    ]
    assert findings[0].message == "多扫：第16页超出目录页数合计，不属于任何材料"


def test_extra_pages_structured_unknown_folder() -> None:
    materials = [MaterialRef(1, 0, 1, "干部履历表", 1)]
    pages = [
        PageRef("XC-1", "XC-1/1-1/001.tif", 1, material=(1, 0, 1), page_in_material=1),
        PageRef("XC-1", "XC-1/2-3/001.tif", 2, material=(2, 0, 3), page_in_material=1),
    ]

    [f] = extra_pages(link_pages(materials, pages))

    assert (f.page, f.severity) == (2, "error")
    assert f.message == "多扫：第2页所在文件夹（二 第3号）在目录中没有对应材料"


# --------------------------------------------------------------------------- page rules


def test_unreadable_page() -> None:
    bad = PageResult(
        PageRef("XC-1", "XC-1/0002.jpg", 2), error="corrupt_image", message="XC-1/0002.jpg：图像文件已损坏"
    )

    findings = unreadable_page([result(1), bad])

    assert len(findings) == 1
    f = findings[0]
    assert (f.rule, f.severity, f.page) == ("UNREADABLE_PAGE", "error", 2)
    assert f.message == "第2页无法读取，需重扫：XC-1/0002.jpg：图像文件已损坏"
    assert f.details["error"] == "corrupt_image"


def test_unreadable_page_without_message_uses_code() -> None:
    bad = PageResult(PageRef("XC-1", "XC-1.pdf", 3, index=2), error="not_scanned_pdf_page")

    [f] = unreadable_page([bad])

    # No words from the tool: the failure's name says it, and the code travels in the parameters.
    assert f.message == "第3页无法读取，需重扫：PDF 页面含有文字或矢量图形，不是扫描页（XC-1.pdf p.3）"
    assert (f.text, f.params["error"]) == ("unreadable", "not_scanned_pdf_page")
    assert f.details["source"] == "XC-1.pdf p.3"


def test_duplicate_page_near_phash_is_a_warning_naming_both_pages() -> None:
    results = clean_results(6)
    results[4] = result(5, phash=flip_bits(phash_of(3), 2))

    findings = duplicate_page(results, SETTINGS)

    assert len(findings) == 1
    f = findings[0]
    assert (f.rule, f.severity, f.page) == ("DUPLICATE_PAGE", "warning", 5)
    assert "第5页" in f.message and "第3页" in f.message
    assert f.details["duplicate_of"] == 3 and f.details["distance"] == 2


def test_duplicate_page_threshold_is_configurable() -> None:
    results = [result(1), result(2, phash=flip_bits(phash_of(1), 7))]

    assert duplicate_page(results, SETTINGS) == []
    assert len(duplicate_page(results, QcSettings(duplicate_hamming=7))) == 1


def test_duplicate_page_same_bytes_is_an_error() -> None:
    results = clean_results(4)
    results[3] = result(4, sha=results[0].keys.sha256, phash=phash_of(1))  # type: ignore[union-attr]

    findings = duplicate_page(results, SETTINGS)

    assert [(f.severity, f.page, f.details["duplicate_of"]) for f in findings] == [("error", 4, 1)]
    assert "第4页与第1页" in findings[0].message


def test_duplicate_page_reports_each_repeat_once_against_the_first() -> None:
    same = phash_of(1)
    results = [result(1, phash=same), result(2), result(3, phash=same), result(4, phash=same)]

    findings = duplicate_page(results, SETTINGS)

    assert [(f.page, f.details["duplicate_of"]) for f in findings] == [(3, 1), (4, 1)]


def test_duplicate_page_skips_blank_pages() -> None:
    blank_hash = "0" * 16
    results = [result(1, blank=True, phash=blank_hash), result(2), result(3, blank=True, phash=blank_hash)]

    assert duplicate_page(results, SETTINGS) == []


def test_duplicate_page_skips_unusable_phash() -> None:
    results = [result(1, phash="not-hex"), result(2, phash="not-hex")]

    assert duplicate_page(results, SETTINGS) == []


def test_blank_page() -> None:
    results = clean_results(3)
    results[1] = result(2, blank=True, skew_deg=None, conf=None)

    findings = blank_page(results)

    assert [(f.rule, f.severity, f.page) for f in findings] == [("BLANK_PAGE", "warning", 2)]
    assert "第2页" in findings[0].message and "空白页" in findings[0].message


def test_low_resolution() -> None:
    results = [result(1, dpi=300), result(2, dpi=250), result(3, dpi=150), result(4, dpi=None), result(5, dpi=0)]

    findings = low_resolution(results, SETTINGS)

    assert [(f.page, f.severity) for f in findings] == [(2, "warning"), (3, "error"), (4, "warning"), (5, "warning")]
    assert findings[0].message == "第2页分辨率250 dpi，低于300 dpi"
    assert "150 dpi" in findings[1].message and "200 dpi" in findings[1].message
    assert "分辨率未知" in findings[2].message


def test_low_resolution_skips_unreadable_pages() -> None:
    bad = PageResult(PageRef("XC-1", "XC-1/0001.jpg", 1), error="corrupt_image")

    assert low_resolution([bad], SETTINGS) == []


def test_skew() -> None:
    results = [result(1, skew_deg=0.9), result(2, skew_deg=2.0), result(3, skew_deg=-4.2), result(4, skew_deg=None)]

    findings = skew(results, SETTINGS)

    assert [(f.rule, f.page, f.severity) for f in findings] == [("SKEW", 2, "warning"), ("SKEW", 3, "error")]
    assert findings[0].message == "第2页倾斜2.0°，超过1°"
    assert "4.2°" in findings[1].message and "超过3°" in findings[1].message


def test_skew_thresholds_are_configurable() -> None:
    results = [result(1, skew_deg=2.0)]

    assert skew(results, QcSettings(skew_warning=2.5, skew_error=5)) == []
    assert skew(results, QcSettings(skew_warning=0.5, skew_error=1.5))[0].severity == "error"


def test_low_ocr_confidence() -> None:
    results = [
        result(1, conf=85),
        result(2, conf=42.4),
        result(3, conf=10, blank=True),  # blank: nothing to read
        result(4, conf=None),  # OCR not run
    ]

    findings = low_ocr_confidence(results, SETTINGS)

    assert [(f.rule, f.page, f.severity) for f in findings] == [("LOW_OCR_CONFIDENCE", 2, "warning")]
    assert findings[0].message == "第2页文字识别置信度42，低于60，请人工核对"


def test_low_ocr_confidence_has_a_threshold_per_engine() -> None:
    # RapidOCR's line scores sit near 100: 97 is its low, where tesseract's 85 is a good page.
    rapid = [dataclasses.replace(result(i), ocr=OcrResult("rapidocr", "中华人民共和国", conf)) for i, conf in
             ((1, 99.8), (2, 97.2))]
    findings = low_ocr_confidence([result(3, conf=85), *rapid], SETTINGS)

    assert [(f.page, f.details["engine"]) for f in findings] == [(2, "rapidocr")]
    assert "低于99" in findings[0].message


def test_mixed_formats() -> None:
    results = clean_results(4)
    results[2] = result(3, fmt="tiff")

    findings = mixed_formats(results)

    assert [(f.rule, f.severity, f.page) for f in findings] == [("MIXED_FORMATS", "warning", None)]
    assert "JPEG 3页、TIFF 1页" in findings[0].message
    assert findings[0].details["formats"] == {"jpeg": 3, "tiff": 1}


def test_mixed_formats_batch_names_the_odd_files() -> None:
    batch = [
        *[result(i, archive_no="XC-1") for i in range(1, 4)],
        *[result(i, archive_no="XC-2") for i in range(1, 3)],
        result(1, archive_no="XC-3", fmt="tiff"),
    ]

    [f] = mixed_formats_batch(batch)

    assert f.severity == "warning"
    assert f.message.startswith("本批次存储格式不统一：JPEG 5页（2卷）、TIFF 1页（1卷：XC-3）")
    assert mixed_formats_batch(batch[:5]) == []


def test_sequence_gap() -> None:
    materials = [MaterialRef(4, 1, s, "材料", 1) for s in (1, 2, 4)] + [MaterialRef(1, 0, 1, "履历表", 1)]

    findings = sequence_gap(materials)

    assert [(f.rule, f.severity) for f in findings] == [("SEQUENCE_GAP", "warning")]
    assert findings[0].message == "四-1 序号不连续：缺少第3号"


def test_sequence_gap_ranges_start_and_duplicates() -> None:
    materials = [MaterialRef(9, 2, s, "材料", 1) for s in (2, 3, 3, 7, 9)]

    findings = sequence_gap(materials)

    assert [f.message for f in findings] == ["九-2 序号不连续：缺少第1、4–6、8号", "九-2 序号重复：第3号出现2次"]
    assert findings[1].material == (9, 2, 3)


def test_required_material_missing() -> None:
    materials = [MaterialRef(1, 0, 1, "干部履历表", 2)]

    findings = required_material_missing(materials, party_member=True, settings=SETTINGS)

    assert {f.rule for f in findings} == {"REQUIRED_MATERIAL_MISSING"}
    assert {f.severity for f in findings} == {"warning"}
    items = [f.details["item"] for f in findings]
    assert items == ["recruitment", "confirmation", "wage", "retirement", "labour_contract", "education", "party"]
    assert "未找到退休审批表" in findings[3].message


def test_required_party_materials_only_for_members() -> None:
    materials = [m for m in CLEAN_CATALOGUE if m.class_no != 6]

    assert required_material_missing(materials, party_member=None, settings=SETTINGS) == []
    assert required_material_missing(materials, party_member=False, settings=SETTINGS) == []
    [f] = required_material_missing(materials, party_member=True, settings=SETTINGS)
    assert f.details["item"] == "party" and "入党志愿书或党员登记表" in f.message


def test_required_matches_old_placement_by_title() -> None:
    # An old file keeps its 招工表 in class 1 and its 转正定级表 in class 10.
    materials = [m for m in CLEAN_CATALOGUE if (m.class_no, m.subclass, m.seq) not in {(9, 2, 1), (9, 1, 1)}] + [
        MaterialRef(1, 0, 3, "招工登记表", 1),
        MaterialRef(10, 0, 1, "转正定级表", 1),
    ]

    assert required_material_missing(materials, party_member=True, settings=SETTINGS) == []


def test_required_keywords_are_scoped_to_their_class() -> None:
    # 党员登记表 and 毕业生登记表 are not a 职工登记表: "登记表" counts only in class 1.
    materials = [m for m in CLEAN_CATALOGUE if m.class_no != 1] + [MaterialRef(6, 0, 2, "党员登记表", 1)]

    [f] = required_material_missing(materials, party_member=True, settings=SETTINGS)

    assert f.details["item"] == "resume"


def test_required_any_material_of_4_1_counts_as_education() -> None:
    materials = [m for m in CLEAN_CATALOGUE if m.class_no != 4] + [MaterialRef(4, 1, 1, "成绩单", 1)]

    assert required_material_missing(materials, party_member=True, settings=SETTINGS) == []


def test_required_checks_can_be_turned_off() -> None:
    assert required_material_missing([], party_member=True, settings=QcSettings(check_required=False)) == []
    materials = [m for m in CLEAN_CATALOGUE if "合同" not in m.title]
    assert len(required_material_missing(materials, party_member=True, settings=SETTINGS)) == 1
    assert (
        required_material_missing(materials, party_member=True, settings=QcSettings(check_labour_contract=False)) == []
    )


def test_required_items_each_match_something_in_the_clean_file() -> None:
    for item in REQUIRED_ITEMS:
        assert any(item.matched_by(m) for m in CLEAN_CATALOGUE), item.key


# --------------------------------------------------------------------------- settings


def test_settings_defaults() -> None:
    s = QcSettings()
    assert (s.dpi_warning, s.dpi_error, s.skew_warning, s.skew_error) == (300, 200, 1.0, 3.0)
    assert (s.ocr_conf_warning, s.ocr_conf_warning_rapidocr, s.duplicate_hamming, s.check_required) == (
        60.0, 99.0, 6, True)


def test_settings_from_mapping() -> None:
    s = QcSettings.from_mapping(
        {
            "DANGAN_QC_DPI_WARNING": "400",
            "DANGAN_QC_DPI_ERROR": 250,
            "DANGAN_QC_SKEW_WARNING": " 0.5 ",
            "DANGAN_QC_SKEW_ERROR": "",
            "DANGAN_QC_DUPLICATE_HAMMING": "4",
            "DANGAN_QC_CHECK_REQUIRED": "否",
            "DANGAN_QC_CHECK_LABOUR_CONTRACT": False,
            "UNRELATED": "x",
        }
    )

    assert s == QcSettings(
        dpi_warning=400,
        dpi_error=250,
        skew_warning=0.5,
        duplicate_hamming=4,
        check_required=False,
        check_labour_contract=False,
    )
    assert QcSettings.from_mapping({}) == QcSettings()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DANGAN_QC_DPI_WARNING", "high"),
        ("DANGAN_QC_DUPLICATE_HAMMING", "4.5"),
        ("DANGAN_QC_CHECK_REQUIRED", "maybe"),
        ("DANGAN_QC_OCR_CONF_WARNING", "nan"),
        ("DANGAN_QC_SKEW_ERROR", True),
    ],
)
def test_settings_from_mapping_rejects_bad_values(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=key):
        QcSettings.from_mapping({key: value})


@pytest.mark.parametrize(
    "kwargs",
    [{"dpi_error": 400}, {"skew_warning": 5}, {"ocr_conf_warning": 101}, {"duplicate_hamming": 65}],
)
def test_settings_reject_inconsistent_thresholds(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        QcSettings(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- running


def test_run_file_checks_orders_rules_and_attaches_materials() -> None:
    results = clean_results(CLEAN_TOTAL + 1)
    results[2] = result(3, skew_deg=5.0)
    results[CLEAN_TOTAL] = result(CLEAN_TOTAL + 1, dpi=150)
    materials = [m for m in CLEAN_CATALOGUE if m.title != "退休审批表"] + [MaterialRef(9, 2, 3, "退休审批表", 2)]

    linking, findings = run_file_checks(
        materials, flat_pages(CLEAN_TOTAL + 1), results, party_member=True, settings=SETTINGS
    )

    assert rules(findings) == ["LOW_RESOLUTION", "SKEW"]
    # Pages 1–2 are 一 第1号《干部履历表》, so page 3 is 一 第2号《职工登记表》.
    skewed = findings[1]
    assert skewed.page == 3 and skewed.material == (1, 0, 2)
    assert findings[0].material == (9, 2, 3)
    assert linking.material_pages[(9, 2, 3)] == 2


def test_run_file_checks_stable_order_across_rules() -> None:
    materials = [m for m in CLEAN_CATALOGUE if m.class_no != 6]  # also leaves a party gap
    # One page too many with writing (the blank first page does not count: it is not a mismatch by itself).
    results = clean_results(CLEAN_TOTAL - 3 + 2)
    results[0] = result(1, blank=True, skew_deg=None)
    results[1] = PageResult(PageRef("XC-1", "XC-1/0002.jpg", 2), error="corrupt_image", message="坏")

    _, findings = run_file_checks(materials, flat_pages(len(results)), results, party_member=True, settings=SETTINGS)

    assert rules(findings) == [
        "PAGE_COUNT_MISMATCH",
        "EXTRA_PAGES",
        "UNREADABLE_PAGE",
        "BLANK_PAGE",
        "REQUIRED_MATERIAL_MISSING",
    ]
    assert [r for r in RULE_NAMES_ZH if r in set(rules(findings))] == rules(findings)


def test_findings_as_json() -> None:
    findings = [
        Finding(
            "MATERIAL_NOT_SCANNED", "error", "漏扫：四-1 第2号《毕业证书》（目录1页）没有扫描页", material=(4, 1, 2)
        ),
        Finding("BLANK_PAGE", "warning", "第5页是空白页", page=5, details={"source": "XC-1/0005.jpg"}),
    ]

    assert findings_as_json(findings) == [
        {
            "rule": "MATERIAL_NOT_SCANNED",
            "severity": "error",
            "material": 2,
            "page": None,
            "message": "漏扫：四-1 第2号《毕业证书》（目录1页）没有扫描页",
            "text": "",
            "params": {},
        },
        {"rule": "BLANK_PAGE", "severity": "warning", "material": None, "page": 5, "message": "第5页是空白页",
         "text": "", "params": {}},
    ]


def test_findings_carry_material_through_replace() -> None:
    # run_file_checks uses dataclasses.replace; details survive it.
    f = Finding("SKEW", "warning", "m", page=1, details={"skew_deg": 2.0})
    assert dataclasses.replace(f, material=(1, 0, 1)).details == {"skew_deg": 2.0}
