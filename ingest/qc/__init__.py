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
from collections.abc import Iterable, Sequence

from ingest.linking import Linking, link_pages
from ingest.model import Finding, MaterialRef, PageRef, PageResult
from ingest.qc.catalogue_rules import REQUIRED_ITEMS, RequiredItem, required_material_missing, sequence_gap
from ingest.qc.codes import ERROR, RULE_NAMES_EN, RULE_NAMES_ZH, WARNING
from ingest.qc.linking_rules import extra_pages, material_not_scanned, page_count_mismatch
from ingest.qc.naming import describe_material, material_label
from ingest.qc.page_rules import (
    blank_page,
    duplicate_page,
    low_ocr_confidence,
    low_resolution,
    mixed_formats,
    mixed_formats_batch,
    skew,
    unreadable_page,
)
from ingest.qc.settings import QcSettings
from ingest.qc.title_rules import title_mismatch

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
    "title_mismatch",
    "unreadable_page",
]


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
    blank = [r.ref.order for r in results if r.metrics is not None and r.metrics.blank]
    linking = link_pages(materials, pages, blank=blank)
    findings = [
        *page_count_mismatch(materials, linking),
        *material_not_scanned(materials, linking),
        *extra_pages(linking),
        *title_mismatch(materials, linking, results),
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

    ``{"rule", "severity", "material", "page", "message", "text", "params"}`` (``text`` and ``params``: see
    :mod:`ingest.qc.texts`) where ``material`` is
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
            "text": f.text,
            "params": f.params,
            **({"code": f.details["code"]} if "code" in f.details else {}),
        }
        for f in findings
    ]
