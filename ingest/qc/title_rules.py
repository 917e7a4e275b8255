"""The OCR check of 挂接: does the heading a page reads match the material it is linked to?

Linking a flat file by cumulative 页数 cannot see the pages; one miscount, or a scan made in another
order than the one assumed, moves pages onto the wrong material silently (issue 12: 4 of 11 pages of one
file).  The page's own heading can tell: a page linked to 《招工审批表》 whose first lines read
“职工登记表”, the title of another material of the same file, is a finding.  A page whose heading
matches no title of the file (a continuation page, a certificate without a printed heading) is left
alone — nothing can be told from it, and a guess would be worse than silence.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from ingest.linking import Linking, material_key
from ingest.model import Finding, MaterialRef, PageResult
from ingest.qc.codes import WARNING
from ingest.qc.naming import _source, material_param
from ingest.qc.texts import finding

_HEAD_LINES = 2  # a heading sits in the first line or two (a 编号 line may come first)
_HEAD_CHARS = 40
_FOUND = 0.8  # share of a title's characters found, in order, in the heading: the title is there
_ABSENT = 0.5  # … at most this share: it is not
_HAN = re.compile(r"[\u4e00-\u9fff]")
_DATE = re.compile(r"[\d〇零一二三四五六七八九十]+[年月日]")


def _heading(text: str) -> str:
    lines = [line for line in ("".join(raw.split()) for raw in text.splitlines()) if len(_HAN.findall(line)) >= 2]
    return "".join(lines[:_HEAD_LINES])[:_HEAD_CHARS]


def _core(title: str) -> str:
    """The title's Han characters without its dates: a heading prints the form's name, not the year."""
    return "".join(_HAN.findall(_DATE.sub("", title)))


def title_score(title: str, heading: str) -> float:
    """Share of the title's characters that the heading has, in order (0–1; 0 for an empty title)."""
    core = _core(title)
    if not core or not heading:
        return 0.0
    blocks = difflib.SequenceMatcher(None, core, heading, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(core)


def title_mismatch(materials: Sequence[MaterialRef], linking: Linking, results: Sequence[PageResult]) -> list[Finding]:
    """Pages whose heading names another material of the file than the one they are linked to: warning."""
    by_key = {material_key(m): m for m in materials}
    ocr = {r.ref.order: r for r in results if r.ocr is not None and r.ocr.text}
    findings: list[Finding] = []
    for order, key, _n in linking.assignments:
        result = ocr.get(order)
        material = by_key.get(key) if key is not None else None
        if result is None or material is None or order in linking.blank:
            continue
        assert result.ocr is not None
        heading = _heading(result.ocr.text)
        if title_score(material.title, heading) > _ABSENT:
            continue
        others = [m for m in materials if _core(m.title) and _core(m.title) != _core(material.title)
                  and title_score(m.title, heading) >= _FOUND]
        if not others:
            continue
        best = max(others, key=lambda m: (title_score(m.title, heading), len(_core(m.title))))
        findings.append(
            finding(
                "TITLE_MISMATCH", WARNING, "title",
                {"page": order, "heading": heading[:20], "material": material_param(material),
                 "looks_like": material_param(best)},
                material=key,
                page=order,
                details={"heading": heading, "looks_like": list(material_key(best)), **_source(result)},
            )
        )
    return findings
