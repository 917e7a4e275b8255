"""Quality-control rules for one digitised file (案卷), after DA/T 31-2017 and docs/domain.md#digitisation.

Each rule is a small function returning ``list[Finding]`` with a stable ``rule``
code, a severity (``error`` must be corrected before acceptance, ``warning`` asks
a person to look) and a Chinese message, because the archivists read them first;
:data:`RULE_NAMES_ZH` and :data:`RULE_NAMES_EN` name the rules for the UI.
Messages name a material as ``四-1 第2号《毕业证书》`` and a page by its running
position in the file, ``第5页``; ``Finding.details`` carries the numbers behind the
message (and the page's source file) for the UI and the JSON report.

:func:`run_file_checks` links the pages (:mod:`ingest.linking`) and runs every
file-level rule in a stable order.  Thresholds live in :class:`QcSettings`, read
once at the edge with :meth:`QcSettings.from_mapping`.

Pure: no Flask, no database, no OCR calls.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ingest.linking import Linking, MaterialKey, link_pages, material_key
from ingest.model import Finding, MaterialRef, PageRef, PageResult

__all__ = [
    "ERROR",
    "REQUIRED_ITEMS",
    "RULE_NAMES_EN",
    "RULE_NAMES_ZH",
    "WARNING",
    "QcSettings",
    "RequiredItem",
    "blank_page",
    "describe_material",
    "duplicate_page",
    "extra_pages",
    "findings_as_json",
    "low_ocr_confidence",
    "low_resolution",
    "material_label",
    "material_not_scanned",
    "mixed_formats",
    "mixed_formats_batch",
    "page_count_mismatch",
    "required_material_missing",
    "run_file_checks",
    "sequence_gap",
    "skew",
    "unreadable_page",
]

ERROR = "error"
WARNING = "warning"

# Listed in the order run_file_checks reports them: linking first (is every page
# where it belongs?), then the pages themselves, then the catalogue.
RULE_NAMES_ZH: dict[str, str] = {
    "PAGE_COUNT_MISMATCH": "页数不符",
    "MATERIAL_NOT_SCANNED": "漏扫",
    "EXTRA_PAGES": "多扫",
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


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class QcSettings:
    """Thresholds of the QC rules.

    Defaults follow docs/domain.md#scanning-standards: 300 dpi is personnel-file practice and 200 dpi the
    DA/T 31 floor; skew tolerance is local practice (some bureaus < 1°, all ≤ 3°).
    ``duplicate_hamming`` is the largest perceptual-hash distance (bits of 64) at
    which two pages count as the same scan.  ``check_labour_contract`` can turn off
    the 劳动合同 item of the retiree checklist for batches of early retirees.
    """

    dpi_warning: float = 300.0
    dpi_error: float = 200.0
    skew_warning: float = 1.0
    skew_error: float = 3.0
    ocr_conf_warning: float = 60.0
    duplicate_hamming: int = 6
    check_required: bool = True
    check_labour_contract: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.dpi_error <= self.dpi_warning:
            raise ValueError(
                f"QC dpi thresholds must satisfy 0 <= error <= warning ({self.dpi_error}, {self.dpi_warning})"
            )
        if not 0 <= self.skew_warning <= self.skew_error:
            raise ValueError(
                f"QC skew thresholds must satisfy 0 <= warning <= error ({self.skew_warning}, {self.skew_error})"
            )
        if not 0 <= self.ocr_conf_warning <= 100:
            raise ValueError(f"QC OCR confidence threshold must be 0–100, not {self.ocr_conf_warning}")
        if not 0 <= self.duplicate_hamming <= 64:
            raise ValueError(f"QC duplicate Hamming distance must be 0–64, not {self.duplicate_hamming}")

    @classmethod
    def from_mapping(cls, d: Mapping[str, object]) -> QcSettings:
        """Read ``DANGAN_QC_<FIELD>`` keys (e.g. ``DANGAN_QC_DPI_WARNING``) from an env or config mapping.

        Missing or empty keys keep the default; values may be strings (environment)
        or numbers/bools (app config).  A value that does not parse raises ValueError
        naming the key, so a typo fails at start-up rather than silently.
        """
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            key = f"DANGAN_QC_{f.name.upper()}"
            raw = d.get(key)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            values[f.name] = _parse_setting(key, raw, str(f.type))
        return cls(**values)  # type: ignore[arg-type]


def _parse_setting(key: str, raw: object, kind: str) -> object:
    # ``kind`` is the field's annotation as written ("float", "int", "bool"): postponed annotations are strings.
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"{key}: expected a yes/no value, not {raw!r}")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"{key}: expected a number, not {raw!r}")
    try:
        number = float(raw.strip()) if isinstance(raw, str) else float(raw)
    except ValueError:
        raise ValueError(f"{key}: expected a number, not {raw!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{key}: expected a finite number, not {raw!r}")
    if kind == "int":
        if not number.is_integer():
            raise ValueError(f"{key}: expected a whole number, not {raw!r}")
        return int(number)
    return number


# --------------------------------------------------------------------------- naming


def material_label(key: MaterialKey) -> str:
    """``四-1 第2号`` for (4, 1, 2), ``一 第3号`` for (1, 0, 3): the catalogue's own numbering."""
    class_no, subclass, seq = key
    numeral = _NUMERALS.get(class_no, str(class_no))
    cls = f"{numeral}-{subclass}" if subclass else numeral
    return f"{cls} 第{seq}号"


def describe_material(material: MaterialRef) -> str:
    """``四-1 第2号《毕业证书》``: how messages name a material."""
    label = material_label(material_key(material))
    title = material.title.strip()
    return f"{label}《{title}》" if title else label


def _page(order: int) -> str:
    return f"第{order}页"


def _source(result: PageResult) -> dict[str, object]:
    return {"source": result.ref.label}


def _by_order(results: Iterable[PageResult]) -> list[PageResult]:
    return sorted(results, key=lambda r: r.ref.order)


def _pages_total(materials: Sequence[MaterialRef]) -> int:
    return sum(max(m.pages or 0, 0) for m in materials)


# --------------------------------------------------------------------------- linking rules


def page_count_mismatch(materials: Sequence[MaterialRef], linking: Linking) -> list[Finding]:
    """Scanned pages vs the catalogue's 页数 (DA/T 31: "scanned page count compared with the catalogue").

    File level (error): the number of scanned pages differs from the sum of 页数.
    In the flat layout this is the only signal that linking by cumulative 页数 went
    wrong, so the message says every material after the error is shifted.
    Structured layout, per material (error): the folder holds a different number of
    pages than its 页数 says.  Materials with no page at all are left to
    MATERIAL_NOT_SCANNED and rows without 页数 cannot be compared.
    """
    findings: list[Finding] = []
    scanned = linking.page_count
    expected = _pages_total(materials)
    unknown = sum(1 for m in materials if m.pages is None)
    if scanned != expected:
        diff = f"多{scanned - expected}页" if scanned > expected else f"少{expected - scanned}页"
        msg = f"扫描页数与目录不符：扫描{scanned}页，目录页数合计{expected}页（{diff}）"
        if unknown:
            msg += f"，另有{unknown}条材料未填页数"
        if not linking.structured:
            msg += "。按累计页数挂接时，出错处之后的材料都会错位，请先核对目录页数和扫描页"
        findings.append(
            Finding(
                "PAGE_COUNT_MISMATCH",
                ERROR,
                msg,
                details={"scanned": scanned, "catalogue": expected, "materials_without_pages": unknown},
            )
        )
    if linking.structured:
        seen: set[MaterialKey] = set()
        for material in sorted(materials, key=material_key):
            key = material_key(material)
            got = linking.material_pages.get(key, 0)
            if material.pages is None or got == 0 or key in seen:
                continue
            seen.add(key)
            if got != material.pages:
                findings.append(
                    Finding(
                        "PAGE_COUNT_MISMATCH",
                        ERROR,
                        f"{describe_material(material)}：目录页数{material.pages}页，扫描{got}页",
                        material=key,
                        details={"scanned": got, "catalogue": material.pages},
                    )
                )
    return findings


def material_not_scanned(materials: Sequence[MaterialRef], linking: Linking) -> list[Finding]:
    """Catalogue rows with 页数 > 0 and no linked page: 漏扫 (error).

    In the flat layout a shortfall anywhere in the file shows up here at the end of
    the catalogue, because cumulative linking runs out of pages there.
    """
    findings: list[Finding] = []
    seen: set[MaterialKey] = set()
    for material in sorted(materials, key=material_key):
        key = material_key(material)
        if key in seen or not (material.pages or 0) > 0:
            continue
        seen.add(key)
        if linking.material_pages.get(key, 0) == 0:
            findings.append(
                Finding(
                    "MATERIAL_NOT_SCANNED",
                    ERROR,
                    f"漏扫：{describe_material(material)}（目录{material.pages}页）没有扫描页",
                    material=key,
                    details={"catalogue": material.pages},
                )
            )
    return findings


def extra_pages(linking: Linking) -> list[Finding]:
    """Pages linked to no material: 多扫, one finding per page.

    Error, not warning: docs/domain.md#digitisation-qc (DA/T 31 QC) says 多扫 is corrected — the page is
    removed or the catalogue gains its row — before the file is accepted.
    """
    findings: list[Finding] = []
    for order, key, _ in linking.assignments:
        if key is not None:
            continue
        folder = linking.unknown_folders.get(order)
        if folder is not None:
            msg = f"多扫：{_page(order)}所在文件夹（{material_label(folder)}）在目录中没有对应材料"
            details: dict[str, object] = {"folder": list(folder)}
        elif linking.structured:
            msg = f"多扫：{_page(order)}不在任何材料文件夹中"
            details = {}
        else:
            msg = f"多扫：{_page(order)}超出目录页数合计，不属于任何材料"
            details = {}
        findings.append(Finding("EXTRA_PAGES", ERROR, msg, page=order, details=details))
    return findings


# --------------------------------------------------------------------------- page rules


def unreadable_page(results: Sequence[PageResult]) -> list[Finding]:
    """Pages the pipeline could not read (corrupt image, decompression bomb, PDF page that is not a scan…): error.

    The result's own message names the file and the cause; the finding prefixes the page.
    """
    findings: list[Finding] = []
    for result in _by_order(results):
        if result.ok:
            continue
        reason = result.message or result.error
        # A decoder missing on the server is no fault of the scan: install it and ingest again, no rescan.
        remedy = "请安装后重新入库" if result.error == "decoder_missing" else "需重扫"
        findings.append(
            Finding(
                "UNREADABLE_PAGE",
                ERROR,
                f"{_page(result.ref.order)}无法读取，{remedy}：{reason}",
                page=result.ref.order,
                details={"error": result.error, **_source(result)},
            )
        )
    return findings


def _hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _ocr_signature(result: PageResult) -> str | None:
    """The page's text without whitespace, when OCR produced some; ``None`` otherwise."""
    if result.ocr is None or not result.ocr.text.strip():
        return None
    return "".join(result.ocr.text.split())


def _same_text(a: str | None, b: str | None) -> bool:
    """Near-identical OCR text, or no text to compare (then the perceptual hash decides alone).

    Sparse forms on mostly white paper share their low-frequency picture, so a perceptual
    hash alone calls two different one-line pages "the same"; when both pages were read,
    a rescan must also say (nearly) the same thing.
    """
    if a is None or b is None:
        return True
    import difflib

    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.85


def duplicate_page(results: Sequence[PageResult], settings: QcSettings) -> list[Finding]:
    """Pages scanned twice: 重扫.

    Identical SHA-256 of the original bytes is an error (the same file delivered
    twice); perceptual hashes within ``settings.duplicate_hamming`` bits are a
    warning (the same sheet scanned again, or two near-identical forms — a person
    decides).  Each later page is reported once, against the first page it repeats.
    Blank pages are left out of the perceptual comparison: all blank pages look
    alike.  A page without a usable hash is skipped.  When both pages have OCR
    text, the texts must also agree (see :func:`_same_text`).
    """
    findings: list[Finding] = []
    first_by_sha: dict[str, int] = {}
    hashed: list[tuple[int, int]] = []  # (order, phash) of earlier non-blank pages
    texts = {r.ref.order: _ocr_signature(r) for r in results}
    for result in _by_order(results):
        order = result.ref.order
        if result.keys is not None and result.keys.sha256:
            first = first_by_sha.setdefault(result.keys.sha256, order)
            if first != order:
                findings.append(
                    Finding(
                        "DUPLICATE_PAGE",
                        ERROR,
                        f"重复页：{_page(order)}与{_page(first)}是同一个文件（SHA-256相同）",
                        page=order,
                        details={"duplicate_of": first, "sha256": result.keys.sha256, **_source(result)},
                    )
                )
                continue
        metrics = result.metrics
        if metrics is None or metrics.blank:
            continue
        try:
            phash = int(metrics.phash, 16)
        except (TypeError, ValueError):
            continue
        match = next(
            ((o, d) for o, h in hashed
             if (d := _hamming(phash, h)) <= settings.duplicate_hamming and _same_text(texts[order], texts[o])),
            None,
        )
        if match is not None:
            first, distance = match
            findings.append(
                Finding(
                    "DUPLICATE_PAGE",
                    WARNING,
                    f"疑似重扫：{_page(order)}与{_page(first)}几乎相同（感知哈希相差{distance}位），请核对",
                    page=order,
                    details={"duplicate_of": first, "distance": distance, **_source(result)},
                )
            )
        hashed.append((order, phash))
    return findings


def blank_page(results: Sequence[PageResult]) -> list[Finding]:
    """Blank pages: warning.

    页数 counts only pages with writing (docs/domain.md#catalogue-columns), so a scanned blank side is
    either a page to drop or — in the flat layout — a page that shifts the linking.
    """
    return [
        Finding(
            "BLANK_PAGE",
            WARNING,
            f"{_page(r.ref.order)}是空白页：空白页不计页数，请确认是否应删除",
            page=r.ref.order,
            details=_source(r),
        )
        for r in _by_order(results)
        if r.metrics is not None and r.metrics.blank
    ]


def low_resolution(results: Sequence[PageResult], settings: QcSettings) -> list[Finding]:
    """Resolution below ``dpi_error`` (DA/T 31 floor, 200): error; below ``dpi_warning`` (practice, 300): warning.

    A page whose file states no resolution gets a warning, because nobody can tell
    whether it meets the rule.
    """
    findings: list[Finding] = []
    for result in _by_order(results):
        if result.metrics is None:
            continue
        order = result.ref.order
        dpi = result.metrics.dpi
        if dpi is None or dpi <= 0:
            findings.append(
                Finding(
                    "LOW_RESOLUTION",
                    WARNING,
                    f"{_page(order)}分辨率未知：图像文件未记录分辨率，请核对扫描设置",
                    page=order,
                    details={"dpi": None, **_source(result)},
                )
            )
        elif dpi < settings.dpi_error:
            findings.append(
                Finding(
                    "LOW_RESOLUTION",
                    ERROR,
                    f"{_page(order)}分辨率{dpi:g} dpi，低于最低要求{settings.dpi_error:g} dpi，需重扫",
                    page=order,
                    details={"dpi": dpi, **_source(result)},
                )
            )
        elif dpi < settings.dpi_warning:
            findings.append(
                Finding(
                    "LOW_RESOLUTION",
                    WARNING,
                    f"{_page(order)}分辨率{dpi:g} dpi，低于{settings.dpi_warning:g} dpi",
                    page=order,
                    details={"dpi": dpi, **_source(result)},
                )
            )
    return findings


def skew(results: Sequence[PageResult], settings: QcSettings) -> list[Finding]:
    """Pages tilted more than ``skew_warning`` degrees (warning) or ``skew_error`` degrees (error).

    Pages whose skew could not be estimated (blank pages) are skipped.
    """
    findings: list[Finding] = []
    for result in _by_order(results):
        angle = result.metrics.skew_deg if result.metrics is not None else None
        if angle is None or abs(angle) <= settings.skew_warning:
            continue
        order = result.ref.order
        if abs(angle) > settings.skew_error:
            severity, limit, tail = ERROR, settings.skew_error, "，应纠偏后重新提交"
        else:
            severity, limit, tail = WARNING, settings.skew_warning, ""
        findings.append(
            Finding(
                "SKEW",
                severity,
                f"{_page(order)}倾斜{abs(angle):.1f}°，超过{limit:g}°{tail}",
                page=order,
                details={"skew_deg": angle, **_source(result)},
            )
        )
    return findings


def low_ocr_confidence(results: Sequence[PageResult], settings: QcSettings) -> list[Finding]:
    """Non-blank pages whose OCR mean confidence is below ``ocr_conf_warning``: warning.

    Low confidence usually means a faint, handwritten or badly scanned page whose
    text search will miss; pages without OCR (not run, or failed) are skipped.
    """
    return [
        Finding(
            "LOW_OCR_CONFIDENCE",
            WARNING,
            f"{_page(r.ref.order)}文字识别置信度{r.ocr.mean_conf:.0f}，低于{settings.ocr_conf_warning:g}，请人工核对",
            page=r.ref.order,
            details={"mean_conf": r.ocr.mean_conf, "engine": r.ocr.engine, **_source(r)},
        )
        for r in _by_order(results)
        if r.ocr is not None
        and not (r.metrics is not None and r.metrics.blank)
        and r.ocr.mean_conf < settings.ocr_conf_warning
    ]


def _format_counts(counts: Counter[str]) -> str:
    # Most pages first, so the odd format out reads last.
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "、".join(f"{fmt.upper()} {n}页" for fmt, n in ordered)


def mixed_formats(results: Sequence[PageResult]) -> list[Finding]:
    """More than one storage format among a file's pages (docs/domain.md#storage-formats): warning."""
    counts = Counter(r.metrics.format.lower() for r in results if r.metrics is not None)
    if len(counts) <= 1:
        return []
    return [
        Finding(
            "MIXED_FORMATS",
            WARNING,
            f"本卷存储格式不统一：{_format_counts(counts)}（同一批次应使用同一种存储格式）",
            details={"formats": dict(counts)},
        )
    ]


def mixed_formats_batch(all_results: Iterable[PageResult]) -> list[Finding]:
    """The batch-level form of :func:`mixed_formats`: all pages of all files of one batch.

    The message names the files holding the less common formats (up to ten), since
    those are the ones to convert or rescan.
    """
    counts: Counter[str] = Counter()
    files: dict[str, set[str]] = defaultdict(set)
    for result in all_results:
        if result.metrics is None:
            continue
        fmt = result.metrics.format.lower()
        counts[fmt] += 1
        files[fmt].add(result.ref.archive_no)
    if len(counts) <= 1:
        return []
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    major = ordered[0][0]
    parts = []
    for fmt, n in ordered:
        names = sorted(files[fmt])
        part = f"{fmt.upper()} {n}页（{len(names)}卷"
        if fmt != major:
            shown = "、".join(names[:10])
            part += f"：{shown}" + (f"等{len(names)}卷" if len(names) > 10 else "")
        parts.append(part + "）")
    return [
        Finding(
            "MIXED_FORMATS",
            WARNING,
            f"本批次存储格式不统一：{'、'.join(parts)}（同一批次应使用同一种存储格式）",
            details={"formats": dict(counts), "files": {fmt: sorted(names) for fmt, names in files.items()}},
        )
    ]


# --------------------------------------------------------------------------- catalogue rules


def _ranges(numbers: list[int]) -> str:
    """``第3号``, ``第3、5号``, ``第3–6号``: missing numbers as short runs."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return "第" + "、".join(str(a) if a == b else f"{a}–{b}" for a, b in runs) + "号"


def sequence_gap(materials: Sequence[MaterialRef]) -> list[Finding]:
    """Gaps and repeats in 序号 within a class / sub-class (DA/T 70: serial numbers continuous, no duplicates): warning.

    序号 restarts at 1 in every class and sub-class, so 1, 2, 4 gives "缺少第3号"
    and 2, 3 gives "缺少第1号".  One finding per group for the gaps, one per
    repeated number.
    """
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for m in materials:
        groups[(m.class_no, m.subclass or 0)].append(m.seq)
    findings: list[Finding] = []
    for (class_no, subclass), seqs in sorted(groups.items()):
        numeral = _NUMERALS.get(class_no, str(class_no))
        cls = f"{numeral}-{subclass}" if subclass else numeral
        present = set(seqs)
        missing = [n for n in range(1, max(seqs) + 1) if n not in present]
        if missing:
            findings.append(
                Finding(
                    "SEQUENCE_GAP",
                    WARNING,
                    f"{cls} 序号不连续：缺少{_ranges(missing)}",
                    details={"class": cls, "missing": missing},
                )
            )
        for seq, n in sorted(Counter(seqs).items()):
            if n > 1:
                findings.append(
                    Finding(
                        "SEQUENCE_GAP",
                        WARNING,
                        f"{cls} 序号重复：第{seq}号出现{n}次",
                        material=(class_no, subclass, seq),
                        details={"class": cls, "duplicate": seq, "count": n},
                    )
                )
    return findings


_Where = tuple[tuple[int, int | None], ...] | None
"""Classes a match is limited to: ``(class_no, subclass)``, subclass None = any; None = anywhere."""


@dataclass(frozen=True)
class RequiredItem:
    """One item of the retiree checklist and how a catalogue row is recognised as it.

    ``matches`` is a tuple of (keywords, where): a row matches when its title holds
    one of the keywords and its class is in ``where`` (None: anywhere).  Empty
    keywords mean any row of those classes.  Keywords that are only meaningful in
    one class (登记表 is also 毕业生登记表 and 党员登记表) are scoped to it; specific
    ones (招工, 退休) match anywhere, because old files keep their old placement
    (e.g. 招工表 in class 1).
    """

    key: str
    name_zh: str
    name_en: str
    expected_in: str
    matches: tuple[tuple[tuple[str, ...], _Where], ...]
    party_only: bool = False
    note: str = ""

    def matched_by(self, material: MaterialRef) -> bool:
        """True when ``material`` counts as this item."""
        title = material.title.replace(" ", "").replace("\u3000", "")
        for keywords, where in self.matches:
            if where is not None and not any(
                material.class_no == c and (s is None or (material.subclass or 0) == s) for c, s in where
            ):
                continue
            if not keywords or any(k in title for k in keywords):
                return True
        return False


_RECRUITMENT_WORDS: tuple[str, ...] = (
    "招工",
    "招收",
    "招用",
    "录用",
    "招聘",
    "聘用",
    "毕业分配",
    "分配工作",
    "派遣",
    "报到",
    "转业",
    "复员",
    "退伍",
)

# The retiree checklist of docs/domain.md#retiree-checklist ("flag if absent, never reject").  Left out on
# purpose: 调动 materials (only someone who changed employer has them), 职称/技术等级
# ("where held"), changes of birth or work-start date and reward/punishment decisions
# (only when they happened), the written statement of missing materials — none of them
# can be expected from the catalogue alone, and a warning on every file would teach
# people to ignore warnings.
REQUIRED_ITEMS: tuple[RequiredItem, ...] = (
    RequiredItem(
        "resume",
        "履历表或职工登记表",
        "curriculum vitae or staff registration form",
        "第一类",
        (
            (("履历", "登记表"), ((1, None),)),
            (("履历表", "职工登记表", "干部登记表", "工人登记表", "职工履历"), None),
        ),
    ),
    RequiredItem(
        "recruitment",
        "招工审批表或录用材料",
        "recruitment approval or hiring materials",
        "九-2类",
        # Graduates assigned to the enterprise and demobilised soldiers had no 招工表;
        # their 分配/派遣 or 转业/复员 papers are how they entered employment.
        ((_RECRUITMENT_WORDS, None),),
    ),
    RequiredItem(
        "confirmation",
        "转正定级表",
        "probation completion and grading form",
        "九-1类",
        ((("转正定级", "定级"), None), (("转正",), ((9, None),))),
    ),
    RequiredItem(
        "wage",
        "工资变动审批表或工资登记表",
        "wage change approval or wage register",
        "九-1类",
        (
            (("工资", "调资", "套改", "增资", "薪级"), None),
            (("升级", "晋级", "调整", "变动", "薪"), ((9, 1),)),
        ),
    ),
    RequiredItem(
        "retirement",
        "退休审批表",
        "retirement approval",
        "九-2类",
        ((("退休", "退职", "离休"), None),),
    ),
    RequiredItem(
        "labour_contract",
        "劳动合同",
        "labour contract",
        "第九类",
        ((("劳动合同", "劳动合同书", "聘用合同"), None),),
        note="1995年后仍在职的职工应有；早于全员劳动合同制退休的可忽略",
    ),
    RequiredItem(
        "education",
        "学历材料",
        "education records",
        "四-1类",
        (((), ((4, 1),)), (("毕业", "学历", "学位", "学籍", "文凭", "肄业"), None)),
    ),
    RequiredItem(
        "party",
        "入党志愿书或党员登记表",
        "party application or party member registration form",
        "第六类",
        ((("入党志愿", "党员登记", "党员重新登记"), None),),
        party_only=True,
    ),
)


def required_material_missing(
    materials: Sequence[MaterialRef], *, party_member: bool | None, settings: QcSettings
) -> list[Finding]:
    """Checklist items (docs/domain.md#retiree-checklist) that no catalogue row matches: warning, never a rejection.

    Rows are recognised by class and by keywords in the title (see
    :class:`RequiredItem`).  Party materials are expected only when
    ``party_member`` is True; None (unknown) skips them.  ``settings.check_required``
    turns the rule off; ``settings.check_labour_contract`` drops the 劳动合同 item.
    The 劳动合同 item is kept, as a warning whose message says when it applies,
    because the catalogue carries no dates of employment: nearly every 2020
    retiree worked after the 1995 move to contracts for all staff, but files of
    people who retired earlier rightly have none.
    """
    if not settings.check_required:
        return []
    findings: list[Finding] = []
    for item in REQUIRED_ITEMS:
        if item.party_only and party_member is not True:
            continue
        if item.key == "labour_contract" and not settings.check_labour_contract:
            continue
        if any(item.matched_by(m) for m in materials):
            continue
        msg = f"缺少必备材料：未找到{item.name_zh}（一般在{item.expected_in}）"
        if item.note:
            msg += f"；{item.note}"
        findings.append(
            Finding("REQUIRED_MATERIAL_MISSING", WARNING, msg, details={"item": item.key, "name_en": item.name_en})
        )
    return findings


# --------------------------------------------------------------------------- running


def run_file_checks(
    materials: Sequence[MaterialRef],
    pages: Sequence[PageRef],
    results: Sequence[PageResult],
    *,
    party_member: bool | None,
    settings: QcSettings,
) -> tuple[Linking, list[Finding]]:
    """Link one file's pages and run every file-level rule, in the order of :data:`RULE_NAMES_ZH`.

    Page findings that carry no material get the material the page is linked to, so
    the UI can show them under it.  MIXED_FORMATS at batch level is
    :func:`mixed_formats_batch`, run by the caller over all files.
    """
    linking = link_pages(materials, pages)
    findings = [
        *page_count_mismatch(materials, linking),
        *material_not_scanned(materials, linking),
        *extra_pages(linking),
        *unreadable_page(results),
        *duplicate_page(results, settings),
        *blank_page(results),
        *low_resolution(results, settings),
        *skew(results, settings),
        *low_ocr_confidence(results, settings),
        *mixed_formats(results),
        *sequence_gap(materials),
        *required_material_missing(materials, party_member=party_member, settings=settings),
    ]
    where = {order: key for order, key, _ in linking.assignments if key is not None}
    return linking, [
        dataclasses.replace(f, material=where[f.page]) if f.material is None and f.page in where else f
        for f in findings
    ]


def findings_as_json(findings: Iterable[Finding]) -> list[dict[str, object]]:
    """Findings as JSON-ready dicts for the CLI report.

    ``{"rule", "severity", "material", "page", "message"}`` where ``material`` is
    the material's 序号 (an int) or null and ``page`` the page order or null; the
    full class/sub-class is in the message.  A finding about a file of the package
    that was refused also carries the refusal's ``code`` (``unsupported_format``,
    ``empty_file``, ``not_an_image``, ``symlink_refused`` …).
    """
    return [
        {
            "rule": f.rule,
            "severity": f.severity,
            "material": f.material[2] if f.material is not None else None,
            "page": f.page,
            "message": f.message,
            **({"code": f.details["code"]} if "code" in f.details else {}),
        }
        for f in findings
    ]
