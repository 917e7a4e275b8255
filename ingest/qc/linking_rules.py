"""Rules on linking pages to the catalogue: page counts, 漏扫, 多扫."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.linking import Linking, MaterialKey, material_key
from ingest.model import Finding, MaterialRef
from ingest.qc.codes import ERROR
from ingest.qc.naming import _pages_total, material_param
from ingest.qc.texts import finding

# --------------------------------------------------------------------------- linking rules


def page_count_mismatch(materials: Sequence[MaterialRef], linking: Linking) -> list[Finding]:
    """Scanned pages vs the catalogue's 页数 (DA/T 31: "scanned page count compared with the catalogue").

    File level (error): the number of scanned pages *with writing* differs from the sum of 页数
    (页数 counts only those, docs/domain.md#catalogue-columns: a blank verso is BLANK_PAGE's business).
    In the flat layout this is the only signal that linking by cumulative 页数 went
    wrong, so the message says every material after the error is shifted.
    Structured layout, per material (error): the folder holds a different number of
    pages than its 页数 says.  Materials with no page at all are left to
    MATERIAL_NOT_SCANNED and rows without 页数 cannot be compared.
    """
    findings: list[Finding] = []
    scanned = linking.written_count
    expected = _pages_total(materials)
    unknown = sum(1 for m in materials if m.pages is None)
    if scanned != expected:
        then: list[list[object]] = []
        if linking.blank:
            then.append(["count_blank", {"n": len(linking.blank)}])
        if unknown:
            then.append(["count_unknown", {"n": unknown}])
        if not linking.structured:
            then.append(["count_shifted", {}])
        findings.append(
            finding(
                "PAGE_COUNT_MISMATCH", ERROR, "count_more" if scanned > expected else "count_less",
                {"scanned": scanned, "expected": expected, "diff": abs(scanned - expected), "then": then},
                details={"scanned": scanned, "catalogue": expected, "materials_without_pages": unknown,
                         "blank": len(linking.blank)},
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
                    finding(
                        "PAGE_COUNT_MISMATCH", ERROR, "count_material",
                        {"material": material_param(material), "expected": material.pages, "scanned": got},
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
                finding(
                    "MATERIAL_NOT_SCANNED", ERROR, "not_scanned",
                    {"material": material_param(material), "expected": material.pages},
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
            text, params = "extra_folder", {"page": order, "folder": list(folder)}
            details: dict[str, object] = {"folder": list(folder)}
        else:
            text, params, details = ("extra_loose" if linking.structured else "extra_beyond"), {"page": order}, {}
        findings.append(finding("EXTRA_PAGES", ERROR, text, params, page=order, details=details))
    return findings
