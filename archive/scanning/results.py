"""PageResult ⇄ JSON for checkpoints, and PageResult views of stored Page rows (for QC of reused pages)."""

from __future__ import annotations

import json
from typing import Any

from archive.pages.models import Page
from ingest.model import OcrResult, OcrWord, PageMetrics, PageRef, PageResult, StoredKeys

__all__ = ["page_as_result", "result_from_json", "result_to_json", "page_words"]


def result_to_json(result: PageResult) -> str:
    ref = result.ref
    data: dict[str, Any] = {
        "ref": {"archive_no": ref.archive_no, "source": ref.source, "order": ref.order, "index": ref.index,
                "material": list(ref.material) if ref.material else None, "page_in_material": ref.page_in_material},
        "error": result.error, "message": result.message, "seconds": result.seconds,
        "keys": result.keys.__dict__ if result.keys else None,
        "metrics": result.metrics.__dict__ if result.metrics else None,
        "ocr": None,
    }
    if result.ocr is not None:
        data["ocr"] = {"engine": result.ocr.engine, "text": result.ocr.text, "mean_conf": result.ocr.mean_conf,
                       "seconds": result.ocr.seconds, "rotation": result.ocr.rotation,
                       "deskew_deg": result.ocr.deskew_deg, "seals": list(result.ocr.seals),
                       "words": [[w.text, w.conf, w.left, w.top, w.width, w.height] for w in result.ocr.words]}
    return json.dumps(data, ensure_ascii=False)


def result_from_json(text: str) -> PageResult:
    data = json.loads(text)
    r = data["ref"]
    ref = PageRef(r["archive_no"], r["source"], r["order"], r["index"],
                  tuple(r["material"]) if r["material"] else None, r["page_in_material"])
    ocr = None
    if data["ocr"]:
        o = data["ocr"]
        # Checkpoints written before issue 12 have no rotation, deskew or seals.
        ocr = OcrResult(o["engine"], o["text"], o["mean_conf"], tuple(OcrWord(*w) for w in o["words"]), o["seconds"],
                        rotation=o.get("rotation", 0), deskew_deg=o.get("deskew_deg", 0.0),
                        seals=tuple(o.get("seals", ())))
    return PageResult(
        ref,
        keys=StoredKeys(**data["keys"]) if data["keys"] else None,
        metrics=PageMetrics(**data["metrics"]) if data["metrics"] else None,
        ocr=ocr,
        error=data["error"],
        message=data["message"],
        seconds=data["seconds"],
    )


def page_words(ocr: OcrResult | None) -> list[list[Any]]:
    """The OCR words of a page as stored in ``pages.words``: ``[text, conf, left, top, width, height]`` each."""
    if ocr is None:
        return []
    return [[w.text, round(w.conf, 1), w.left, w.top, w.width, w.height] for w in ocr.words]


def page_as_result(page: Page, ref: PageRef) -> PageResult:
    """A stored page as QC sees it (a re-ingest that reuses an unchanged page)."""
    metrics = PageMetrics(format=page.format, compression=page.compression, width=page.width, height=page.height,
                          dpi=page.dpi, colour=page.colour, blank=page.blank, skew_deg=page.skew, phash=page.phash)
    seals = tuple(line for line in (page.seal_text or "").splitlines() if line)
    ocr = OcrResult(page.ocr_engine, page.ocr_text, page.ocr_conf or 0.0, seals=seals) if page.ocr_engine else None
    keys = StoredKeys(page.original_key, page.sha256, page.size, page.view_key, page.thumb_key)
    return PageResult(ref, keys=keys, metrics=metrics, ocr=ocr)
