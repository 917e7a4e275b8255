"""Rules on linking pages to the catalogue: page counts, 漏扫, 多扫."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.linking import Linking, MaterialKey, material_key
from ingest.model import Finding, MaterialRef
from ingest.qc.codes import ERROR
from ingest.qc.naming import _page, _pages_total, describe_material, material_label

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
        diff = f"多{scanned - expected}页" if scanned > expected else f"少{expected - scanned}页"
        msg = f"扫描页数与目录不符：扫描{scanned}页，目录页数合计{expected}页（{diff}）"
        if linking.blank:
            msg += f"，另有空白页{len(linking.blank)}页未计"
        if unknown:
            msg += f"，另有{unknown}条材料未填页数"
        if not linking.structured:
            msg += "。按累计页数挂接时，出错处之后的材料都会错位，请先核对目录页数和扫描页"
        findings.append(
            Finding(
                "PAGE_COUNT_MISMATCH",
                ERROR,
                msg,
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
