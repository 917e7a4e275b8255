"""OCR engines behind one small contract, and the text helpers that go with them.

This is the ingest package's one wrapper around OCR tools (Tesseract through pytesseract, and
optionally PP-OCRv4 through RapidOCR/ONNX Runtime).  Whatever goes wrong inside a tool leaves
this module as :class:`OcrError` or one of its subclasses, ``from`` the original exception, so
callers catch our types only and the cause stays in the traceback:

* :class:`OcrUnavailable` — the engine, its Python package or the language model is missing
  (a setup problem: retrying will not help);
* :class:`OcrTimeout` — the engine ran longer than allowed on one page;
* :class:`OcrError` — anything else (a crash, an unreadable image).

An engine turns one page image into an :class:`~ingest.model.OcrResult`: the page text,
normalised by :func:`normalise_text`, its words with boxes in the image's own pixels, and a
mean confidence.  Engines hold settings only, so they pickle cheaply into worker processes;
heavy state (RapidOCR's ONNX sessions) is created lazily, once per process.

:func:`character_error_rate` measures recognition against known text (tests, ``bench/``).
"""

from __future__ import annotations

from typing import Any

from ingest.ocr.base import OcrEngine, OcrError, OcrTimeout, OcrUnavailable
from ingest.ocr.rapid import RapidOcrEngine
from ingest.ocr.tesseract import TesseractEngine
from ingest.ocr.text import character_error_rate, mean_confidence, normalise_text

__all__ = [
    "OcrEngine",
    "OcrError",
    "OcrTimeout",
    "OcrUnavailable",
    "RapidOcrEngine",
    "TesseractEngine",
    "character_error_rate",
    "get_engine",
    "mean_confidence",
    "normalise_text",
]


_ENGINES: dict[str, type[TesseractEngine] | type[RapidOcrEngine]] = {
    "tesseract": TesseractEngine,
    "rapidocr": RapidOcrEngine,
    "ppocr": RapidOcrEngine,
}


def get_engine(name: str = "tesseract", **options: Any) -> OcrEngine:
    """The engine called ``name`` (``tesseract``; ``rapidocr`` or ``ppocr``), built with ``options``.

    Raises :class:`OcrUnavailable` for an unknown name or an engine that is not installed here.
    """
    key = (name or "tesseract").strip().lower()
    try:
        factory = _ENGINES[key]
    except KeyError:
        raise OcrUnavailable(f"unknown OCR engine {name!r}; choose one of {', '.join(sorted(_ENGINES))}") from None
    engine: OcrEngine = factory(**options)
    return engine
