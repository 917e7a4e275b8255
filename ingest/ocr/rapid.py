"""PP-OCRv4 through RapidOCR on ONNX Runtime (the optional ``ocr-paddle`` extra)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from PIL import Image

from ingest.model import OcrResult, OcrWord
from ingest.ocr.base import OcrError, OcrUnavailable
from ingest.ocr.prepare import _check_size, _to_grey
from ingest.ocr.text import mean_confidence, normalise_text

log = logging.getLogger(__name__)


_RAPID_HINT = "install the optional extra: pip install 'dangan[ocr-paddle]' (rapidocr-onnxruntime)"
_rapid_lock = threading.Lock()
_rapid_instances: dict[int, Any] = {}


def _import_rapidocr() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # also the ImportError of a broken onnxruntime/opencv wheel
        raise OcrUnavailable(f"RapidOCR is not available ({exc}); {_RAPID_HINT}") from exc
    return RapidOCR


def _quiet_rapidocr_loggers() -> None:
    """RapidOCR attaches its own stderr handlers; remove them so its records follow our logging setup."""
    for name in ("RapidOCR", "OrtInferSession"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.setLevel(logging.WARNING)


def _rapidocr(threads: int) -> Any:
    """The RapidOCR instance of this process (loading the ONNX models takes about a second)."""
    with _rapid_lock:
        engine = _rapid_instances.get(threads)
        if engine is None:
            rapid_ocr = _import_rapidocr()
            try:
                # One intra-op thread per worker for the same reason as Tesseract's OMP_THREAD_LIMIT.
                engine = rapid_ocr(intra_op_num_threads=threads, inter_op_num_threads=1)
            except Exception as exc:
                raise OcrUnavailable(f"RapidOCR could not load its models: {exc}") from exc
            finally:
                _quiet_rapidocr_loggers()
            _rapid_instances[threads] = engine
        return engine


class RapidOcrEngine:
    """PP-OCRv4 (Chinese detection + recognition) through RapidOCR on ONNX Runtime, CPU only.

    Optional: needs the ``ocr-paddle`` extra, whose wheel carries the models (nothing is downloaded
    at run time).  Each detected text line becomes one :class:`OcrWord` with the axis-aligned box of
    its quadrilateral and ``conf = score × 100``.  ``dpi`` is accepted for the contract but unused:
    RapidOCR scales every page to a fixed size (2,000 px on the long side) before detection.
    ``drop_red`` reads colour pages through their red channel, as :class:`TesseractEngine` does.
    It has no timeout of its own (it runs in-process); the ingest pool's per-page limit applies.
    """

    name = "rapidocr"

    def __init__(self, *, threads: int = 1, drop_red: bool = True) -> None:
        self.threads = threads
        self.drop_red = drop_red
        _import_rapidocr()  # fail at configuration time, not on the first page

    def __repr__(self) -> str:
        return f"RapidOcrEngine(threads={self.threads}, drop_red={self.drop_red})"

    def recognise(self, image: Image.Image, *, dpi: float | None = None) -> OcrResult:
        """Run PP-OCRv4 on ``image``; see :class:`OcrEngine` for the contract."""
        started = time.perf_counter()
        _check_size(image)
        engine = _rapidocr(self.threads)
        if image.mode == "RGB" and not self.drop_red:
            page = image
        else:
            # Dropping red ink matters even more here than for Tesseract: a seal over three lines of
            # text made PP-OCR drop all three (CER 0.37 on that page, 0.02 through the red channel;
            # 0.039 vs 0.008 over the benchmark pages).
            page = _to_grey(image, drop_red=self.drop_red)
            if page.mode == "1":
                page = page.convert("L")
        try:
            lines, _elapsed = engine(page)
        except MemoryError:
            raise
        except Exception as exc:  # onnxruntime, OpenCV and numpy errors have no common base
            raise OcrError(f"RapidOCR failed: {type(exc).__name__}: {exc}") from exc
        words = _words_from_rapid(lines or (), image.size)
        text = normalise_text("\n".join(" ".join(w.text for w in line) for line in _group_lines(words)))
        seconds = time.perf_counter() - started
        log.debug("rapidocr: %d lines in %.2f s (%s×%s px)", len(words), seconds, *image.size)
        return OcrResult(
            engine=self.name, text=text, mean_conf=mean_confidence(words), words=tuple(words), seconds=seconds
        )


def _words_from_rapid(lines: Sequence[Any], size: tuple[int, int]) -> list[OcrWord]:
    """RapidOCR's ``[quad, text, score]`` lines as words with axis-aligned boxes inside the image."""
    width, height = size
    words = []
    for quad, raw_text, score in lines:
        text = normalise_text(str(raw_text))
        if not text:
            continue
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        left = max(0, min(width - 1, int(min(xs))))
        top = max(0, min(height - 1, int(min(ys))))
        right = max(left + 1, min(width, round(max(xs))))
        bottom = max(top + 1, min(height, round(max(ys))))
        words.append(OcrWord(
            text=text, conf=float(score) * 100, left=left, top=top, width=right - left, height=bottom - top
        ))
    return words


def _group_lines(words: Sequence[OcrWord]) -> list[list[OcrWord]]:
    """Group detected boxes into visual lines: a box joins a line its vertical centre falls in.

    PP-OCR detects a form row such as ``姓名：张建国　　性别：男`` as separate boxes where the gap is
    wide; the page text should still have them on one line, left to right.
    """
    lines: list[tuple[float, float, list[OcrWord]]] = []
    for word in sorted(words, key=lambda w: (w.top + w.height / 2, w.left)):
        centre = word.top + word.height / 2
        for top, bottom, members in lines:
            if top <= centre <= bottom:
                members.append(word)
                break
        else:
            lines.append((word.top, word.top + word.height, [word]))
    return [sorted(members, key=lambda w: w.left) for _top, _bottom, members in lines]
