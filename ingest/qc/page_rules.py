"""Rules on the pages themselves: unreadable, duplicate, blank, resolution, skew, OCR confidence, formats."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from ingest.model import Finding, PageResult
from ingest.qc.codes import ERROR, WARNING
from ingest.qc.naming import _by_order, _page, _source
from ingest.qc.settings import QcSettings

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
    """The page's text (lines kept, for :func:`_same_text`), when OCR produced some; ``None`` otherwise."""
    if result.ocr is None or not result.ocr.text.strip():
        return None
    return result.ocr.text


def _same_text(a: str | None, b: str | None) -> bool:
    """Near-identical *writing*, or no text to compare (then the perceptual hash decides alone).

    Sparse forms on mostly white paper share their low-frequency picture, so a perceptual
    hash alone calls two different one-line pages "the same"; when both pages were read,
    a rescan must also say (nearly) the same thing.  Two forms of one kind share their
    printed boilerplate — the labels, the heading, the person's name and birth date — and
    differ only in what was written in: two 工资调整审批表 of one person read 0.91 alike as a
    whole (issue 12).  So the lines both pages have word for word are set aside, and what
    is left (the writing, and on a rescan only the OCR's noise) must agree too.
    """
    if a is None or b is None:
        return True
    import difflib

    if difflib.SequenceMatcher(None, _joined(a), _joined(b), autojunk=False).ratio() < _SAME_TEXT:
        return False
    lines_a, lines_b = _lines(a), _lines(b)
    shared = set(lines_a) & set(lines_b)
    rest_a = "".join(line for line in lines_a if line not in shared)
    rest_b = "".join(line for line in lines_b if line not in shared)
    if not rest_a and not rest_b:
        return True
    return difflib.SequenceMatcher(None, rest_a, rest_b, autojunk=False).ratio() >= _SAME_TEXT


_SAME_TEXT = 0.85  # OCR of one sheet scanned twice agrees at least this well (difflib ratio)


def _lines(text: str) -> list[str]:
    return [line for line in ("".join(raw.split()) for raw in text.splitlines()) if line]


def _joined(text: str) -> str:
    return "".join(text.split())


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
    """Non-blank pages whose OCR confidence is below their engine's threshold: warning.

    The page confidence (the character-weighted mean of the word confidences) predicts the page's
    error rate (bench/ocr_accuracy.py prints the correlation), so a low one means a faint, damaged or
    handwritten page whose text search will miss; pages without OCR (not run, or failed) are skipped.
    Thresholds: :meth:`QcSettings.ocr_threshold`.
    """
    findings = []
    for r in _by_order(results):
        if r.ocr is None or (r.metrics is not None and r.metrics.blank):
            continue
        threshold = settings.ocr_threshold(r.ocr.engine)
        if r.ocr.mean_conf >= threshold:
            continue
        findings.append(
            Finding(
                "LOW_OCR_CONFIDENCE",
                WARNING,
                f"{_page(r.ref.order)}文字识别置信度{r.ocr.mean_conf:.0f}，低于{threshold:g}，请人工核对",
                page=r.ref.order,
                details={"mean_conf": r.ocr.mean_conf, "engine": r.ocr.engine, **_source(r)},
            )
        )
    return findings


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
