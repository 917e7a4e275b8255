"""PP-OCR through RapidOCR on ONNX Runtime (the optional ``ocr-paddle`` extra).

RapidOCR 3.x (PyPI ``rapidocr``) carries PP-OCRv6 small detection and recognition models and the
mobile angle classifier inside its wheel; the older ``rapidocr-onnxruntime`` 1.x (PP-OCRv4) is used when
3.x is not installed.  The model files are checked before the engine is built and their paths handed to
it explicitly, so a missing model is :class:`OcrUnavailable` and never a download at run time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from ingest.model import OcrResult, OcrWord
from ingest.ocr.base import OcrError, OcrUnavailable
from ingest.ocr.prepare import _check_size, _to_grey
from ingest.ocr.text import mean_confidence, normalise_text

log = logging.getLogger(__name__)


_RAPID_HINT = "install the optional extra: pip install 'dangan[ocr-paddle]' (rapidocr, onnxruntime)"
_rapid_lock = threading.Lock()
_rapid_instances: dict[tuple[int, int, bool], Any] = {}
# The models RapidOCR 3.x ships in its wheel (its defaults for Chinese); any other would be downloaded.
_V3_MODELS = {"Det": "PP-OCRv6_det_small.onnx", "Rec": "PP-OCRv6_rec_small.onnx",
              "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx"}


def _import_rapidocr() -> tuple[Any, int]:
    """RapidOCR's class and its major version (3, or 1 for ``rapidocr_onnxruntime``)."""
    try:
        import onnxruntime  # noqa: F401  (3.x imports its inference engine lazily: fail here instead)
        from rapidocr import RapidOCR

        return RapidOCR, 3
    except ImportError:
        pass
    try:
        from rapidocr_onnxruntime import RapidOCR as RapidOCRv1
    except ImportError as exc:  # also the ImportError of a broken onnxruntime/opencv wheel
        raise OcrUnavailable(f"RapidOCR is not available ({exc}); {_RAPID_HINT}") from exc
    return RapidOCRv1, 1


def _v3_params(threads: int, max_side: int, use_cls: bool) -> dict[str, Any]:
    import rapidocr

    models = Path(rapidocr.__file__).parent / "models"
    params: dict[str, Any] = {
        "Global.max_side_len": max_side,
        "Global.use_cls": use_cls,
        "Global.log_level": "warning",
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    for task, name in _V3_MODELS.items():
        path = models / name
        if not path.is_file():
            raise OcrUnavailable(f"RapidOCR's {task} model {name} is not in its wheel ({models}); {_RAPID_HINT}")
        params[f"{task}.model_path"] = str(path)
    return params


def _quiet_rapidocr_loggers() -> None:
    """RapidOCR attaches its own stderr handlers; remove them so its records follow our logging setup."""
    for name in ("RapidOCR", "OrtInferSession"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.setLevel(logging.WARNING)


def _rapidocr(threads: int, max_side: int, use_cls: bool) -> tuple[Any, int]:
    """The RapidOCR instance of this process and its version (loading the ONNX models takes a second)."""
    with _rapid_lock:
        key = (threads, max_side, use_cls)
        engine = _rapid_instances.get(key)
        rapid_ocr, version = _import_rapidocr()
        if engine is None:
            try:
                # One intra-op thread per worker for the same reason as Tesseract's OMP_THREAD_LIMIT.
                if version == 3:
                    engine = rapid_ocr(params=_v3_params(threads, max_side, use_cls))
                else:
                    engine = rapid_ocr(intra_op_num_threads=threads, inter_op_num_threads=1)
            except OcrUnavailable:
                raise
            except Exception as exc:
                raise OcrUnavailable(f"RapidOCR could not load its models: {exc}") from exc
            finally:
                _quiet_rapidocr_loggers()
            _rapid_instances[key] = engine
        return engine, version


class RapidOcrEngine:
    """PP-OCR (Chinese detection + recognition) through RapidOCR on ONNX Runtime, CPU only.

    Optional: needs the ``ocr-paddle`` extra, whose wheel carries the models (nothing is downloaded
    at run time).  Each detected text line becomes one :class:`OcrWord` with the axis-aligned box of
    its quadrilateral and ``conf = score × 100``.  ``dpi`` is accepted for the contract but unused:
    RapidOCR scales every page to at most ``max_side`` px on the long side before detection.
    ``use_cls`` runs the 0°/180° line classifier, off by default: on 楷体 lines it turned whole lines
    upside down, which then read as junk (issue 12; ``bench/ocr_accuracy.py``).  Only RapidOCR 3.x
    takes ``max_side`` and ``use_cls``.
    ``drop_red`` reads colour pages through their red channel, as :class:`TesseractEngine` does.
    It has no timeout of its own (it runs in-process); the ingest pool's per-page limit applies.
    """

    name = "rapidocr"

    def __init__(self, *, threads: int = 1, drop_red: bool = True, max_side: int = 1280, use_cls: bool = False) -> None:
        self.threads = threads
        self.drop_red = drop_red
        self.max_side = max_side
        self.use_cls = use_cls
        _import_rapidocr()  # fail at configuration time, not on the first page

    def __repr__(self) -> str:
        return (f"RapidOcrEngine(threads={self.threads}, drop_red={self.drop_red}, max_side={self.max_side}, "
                f"use_cls={self.use_cls})")

    def recognise(self, image: Image.Image, *, dpi: float | None = None) -> OcrResult:
        """Run PP-OCRv4 on ``image``; see :class:`OcrEngine` for the contract."""
        started = time.perf_counter()
        _check_size(image)
        engine, version = _rapidocr(self.threads, self.max_side, self.use_cls)
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
            if version == 3:
                import numpy

                out = engine(numpy.asarray(page.convert("RGB"))[:, :, ::-1])  # BGR, as OpenCV reads
                lines = list(zip(out.boxes, out.txts, out.scores, strict=True)) if out.txts else []
            else:
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
