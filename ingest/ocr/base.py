"""The OCR contract every engine meets, and the errors it may raise."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PIL import Image

from ingest.model import OcrResult


class OcrError(Exception):
    """OCR of a page failed; ``code`` is the stable code a :class:`PageResult` records."""

    code = "ocr_failed"


class OcrUnavailable(OcrError):
    """The engine, its package or the requested language is not installed here."""

    code = "ocr_unavailable"


class OcrTimeout(OcrError):
    """The engine did not finish the page within its time limit."""

    code = "ocr_timeout"


# --- the contract ---------------------------------------------------------------------------------------


@runtime_checkable
class OcrEngine(Protocol):
    """What the ingest pipeline needs from an OCR engine.

    Contract:

    * ``name`` is a short stable identifier (``"tesseract"``, ``"rapidocr"``) stored with the result.
    * ``recognise(image, dpi=...)`` returns an :class:`OcrResult` whose ``text`` is already
      :func:`normalise_text`-ed, whose word boxes are in the pixel coordinates of ``image`` as given
      (whatever the engine resizes internally), whose confidences are 0–100, and whose ``seconds``
      is the wall time spent.  A page without text gives ``text=""``, no words, ``mean_conf=0.0`` —
      not an error.
    * ``dpi`` is the scan resolution when known; ``None`` means "use the image's own ``info['dpi']``
      or let the engine judge".
    * It raises only :class:`OcrError` and its subclasses.
    * The engine object is picklable and ``recognise`` may be called in a worker process (it must
      not rely on state created in the parent); it never prints — diagnostics go to :mod:`logging`.
    * It does not modify ``image``.
    """

    name: str

    def recognise(self, image: Image.Image, *, dpi: float | None = None) -> OcrResult:
        """Recognise the text on ``image``."""
        ...
