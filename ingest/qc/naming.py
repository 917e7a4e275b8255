"""How findings name a material (``四-1 第2号《毕业证书》``) and a page (``第5页``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ingest.linking import MaterialKey, material_key
from ingest.model import MaterialRef, PageResult
from ingest.qc.codes import _NUMERALS

# --------------------------------------------------------------------------- naming


def material_label(key: MaterialKey) -> str:
    """``四-1 第2号`` for (4, 1, 2), ``一 第3号`` for (1, 0, 3): the catalogue's own numbering."""
    class_no, subclass, seq = key
    numeral = _NUMERALS.get(class_no, str(class_no))
    cls = f"{numeral}-{subclass}" if subclass else numeral
    return f"{cls} 第{seq}号"


def material_param(material: MaterialRef) -> list[object]:
    """``[class_no, subclass, seq, title]``: a material as a finding's parameter (ingest.qc.texts renders it)."""
    return [material.class_no, material.subclass or 0, material.seq, material.title.strip()]


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
