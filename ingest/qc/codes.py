"""Severities and the rule codes with their names in both UI languages."""

from __future__ import annotations

ERROR = "error"
WARNING = "warning"

# Listed in the order run_file_checks reports them: linking first (is every page
# where it belongs?), then the pages themselves, then the catalogue.
RULE_NAMES_ZH: dict[str, str] = {
    "PAGE_COUNT_MISMATCH": "页数不符",
    "MATERIAL_NOT_SCANNED": "漏扫",
    "EXTRA_PAGES": "多扫",
    "TITLE_MISMATCH": "挂接存疑",
    "UNREADABLE_PAGE": "无法读取",
    "DUPLICATE_PAGE": "重扫/重复页",
    "BLANK_PAGE": "空白页",
    "LOW_RESOLUTION": "分辨率不足",
    "SKEW": "页面倾斜",
    "LOW_OCR_CONFIDENCE": "识别置信度低",
    "MIXED_FORMATS": "格式不统一",
    "SEQUENCE_GAP": "序号不连续",
    "REQUIRED_MATERIAL_MISSING": "缺少必备材料",
}

RULE_NAMES_EN: dict[str, str] = {
    "PAGE_COUNT_MISMATCH": "Page count differs from catalogue",
    "MATERIAL_NOT_SCANNED": "Material not scanned",
    "EXTRA_PAGES": "Extra pages",
    "TITLE_MISMATCH": "Page heading names another material",
    "UNREADABLE_PAGE": "Unreadable page",
    "DUPLICATE_PAGE": "Duplicate page",
    "BLANK_PAGE": "Blank page",
    "LOW_RESOLUTION": "Resolution too low",
    "SKEW": "Skewed page",
    "LOW_OCR_CONFIDENCE": "Low OCR confidence",
    "MIXED_FORMATS": "Mixed storage formats",
    "SEQUENCE_GAP": "Gap in catalogue numbering",
    "REQUIRED_MATERIAL_MISSING": "Expected material missing",
}

# ingest must not import the Flask app package, so the ten class numerals are repeated here
# (archive.catalogue.classes has the same table).
_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}

_TRUE = {"1", "true", "yes", "on", "是"}
_FALSE = {"0", "false", "no", "off", "否"}
