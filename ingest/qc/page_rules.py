"""Rules on the pages themselves: unreadable, duplicate, blank, resolution, skew, OCR confidence, formats."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from ingest.model import Finding, PageResult
from ingest.qc.codes import ERROR, WARNING
from ingest.qc.naming import _by_order, _source
from ingest.qc.settings import QcSettings
from ingest.qc.texts import finding

# --------------------------------------------------------------------------- page rules


def unreadable_page(results: Sequence[PageResult]) -> list[Finding]:
    """Pages the pipeline could not read (corrupt image, decompression bomb, PDF page that is not a scan…): error.

    The result's own message names the file and the cause; the finding prefixes the page.
    """
    findings: list[Finding] = []
    for result in _by_order(results):
        if result.ok:
            continue
        # A decoder missing on the server is no fault of the scan: install it and ingest again, no rescan.
        text = "unreadable_decoder" if result.error == "decoder_missing" else "unreadable"
        findings.append(
            finding(
                "UNREADABLE_PAGE", ERROR, text,
                {"page": result.ref.order, "error": result.error or "ingest_error", "source": result.ref.label,
                 "detail": result.message or ""},
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
                    finding(
                        "DUPLICATE_PAGE", ERROR, "duplicate_same", {"page": order, "first": first},
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
                finding(
                    "DUPLICATE_PAGE", WARNING, "duplicate_similar",
                    {"page": order, "first": first, "distance": distance},
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
        finding(
            "BLANK_PAGE", WARNING, "blank", {"page": r.ref.order},
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
                finding(
                    "LOW_RESOLUTION", WARNING, "dpi_unknown", {"page": order},
                    page=order,
                    details={"dpi": None, **_source(result)},
                )
            )
        elif dpi < settings.dpi_error:
            findings.append(
                finding(
                    "LOW_RESOLUTION", ERROR, "dpi_error",
                    {"page": order, "dpi": f"{dpi:g}", "limit": f"{settings.dpi_error:g}"},
                    page=order,
                    details={"dpi": dpi, **_source(result)},
                )
            )
        elif dpi < settings.dpi_warning:
            findings.append(
                finding(
                    "LOW_RESOLUTION", WARNING, "dpi_warning",
                    {"page": order, "dpi": f"{dpi:g}", "limit": f"{settings.dpi_warning:g}"},
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
            severity, limit, text = ERROR, settings.skew_error, "skew_error"
        else:
            severity, limit, text = WARNING, settings.skew_warning, "skew_warning"
        findings.append(
            finding(
                "SKEW", severity, text, {"page": order, "angle": f"{abs(angle):.1f}", "limit": f"{limit:g}"},
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
            finding(
                "LOW_OCR_CONFIDENCE", WARNING, "low_conf",
                {"page": r.ref.order, "conf": f"{r.ocr.mean_conf:.0f}", "threshold": f"{threshold:g}"},
                page=r.ref.order,
                details={"mean_conf": r.ocr.mean_conf, "engine": r.ocr.engine, **_source(r)},
            )
        )
    return findings


def _format_counts(counts: Counter[str]) -> list[list[object]]:
    # Most pages first, so the odd format out reads last.
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [[fmt.upper(), n] for fmt, n in ordered]


def mixed_formats(results: Sequence[PageResult]) -> list[Finding]:
    """More than one storage format among a file's pages (docs/domain.md#storage-formats): warning."""
    counts = Counter(r.metrics.format.lower() for r in results if r.metrics is not None)
    if len(counts) <= 1:
        return []
    return [
        finding(
            "MIXED_FORMATS", WARNING, "formats_file", {"formats": _format_counts(counts)},
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
    # Per format: its pages, its files, and (for the rarer formats, up to ten) the files to convert or rescan.
    parts = [[fmt.upper(), n, len(files[fmt]), sorted(files[fmt])[:10] if fmt != major else []] for fmt, n in ordered]
    return [
        finding(
            "MIXED_FORMATS", WARNING, "formats_batch", {"parts": parts},
            details={"formats": dict(counts), "files": {fmt: sorted(names) for fmt, names in files.items()}},
        )
    ]
