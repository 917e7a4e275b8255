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

import functools
import logging
import os
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from PIL import Image

from ingest.model import OcrResult, OcrWord

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

log = logging.getLogger(__name__)


# --- errors ---------------------------------------------------------------------------------------------


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


# --- text helpers ---------------------------------------------------------------------------------------

# Characters that behave like Han text for spacing: ideographs (BMP and supplementary planes),
# kana, bopomofo, CJK symbols and punctuation (、。《》「」〇 …), the full-width punctuation kept by
# the folding below, and the punctuation Chinese shares with Western typography (—…·“”‘’).
_CJK = (
    "\u2e80-\u2fdf\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3200-\u33ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40"
    "\uff5b-\uff65\U00020000-\U0003ffff"
    "\u00b7\u2014\u2015\u2018\u2019\u201c\u201d\u2026"
)
_CJK_CHAR = re.compile(f"[{_CJK}]")
# Full-width punctuation that is the normal form in Chinese text.  NFKC would fold it to ASCII; we
# keep it, and fold ASCII beside Chinese *to* it instead, because typed Chinese text (catalogue
# titles, search queries) writes ``姓名：``, never ``姓名:``.
_KEEP_FULL_WIDTH = "！（），：；？…"
_KEEP_SPLIT = re.compile(f"([{_KEEP_FULL_WIDTH}])")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_TO_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
_ASCII_PUNCT = re.compile(r"[,:;!?()]")
_PAREN_PAIR = re.compile(r"\(([^()]*)\)")
_SPACE_RUN = re.compile(r"\s+")
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}0-9])|(?<=[{_CJK}0-9])\\s+(?=[{_CJK}])")


def _fold_line(line: str) -> str:
    """NFKC except for the full-width punctuation Chinese text keeps (see ``_KEEP_FULL_WIDTH``)."""
    parts = _KEEP_SPLIT.split(line)
    # Odd indexes are the kept separators themselves.
    return "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts))


def _neighbour(line: str, index: int, step: int) -> str:
    """The nearest non-space character from ``index`` in direction ``step`` ('' at the line's end)."""
    index += step
    while 0 <= index < len(line):
        if not line[index].isspace():
            return line[index]
        index += step
    return ""


def _touches_cjk(line: str, start: int, end: int) -> bool:
    return any(_CJK_CHAR.match(c) for c in (_neighbour(line, start, -1), _neighbour(line, end - 1, 1)) if c)


def _full_width_punctuation(line: str) -> str:
    """ASCII ``,:;!?()`` next to Chinese becomes full-width, as a Chinese typesetter would set it.

    Tesseract's chi_sim model reads ``：`` as ``:`` and ``（第1页）`` as ``(第1页)``; folding them
    back makes OCR text compare and search like the typed catalogue.  A bracket pair turns as a pair
    when its contents or its outside neighbours are Chinese, so ``(1)张`` does not become ``(1）张``.
    """
    if not _ASCII_PUNCT.search(line):
        return line

    def pair(match: re.Match[str]) -> str:
        inner = match.group(1)
        if _CJK_CHAR.search(inner) or _touches_cjk(line, match.start(), match.end()):
            return f"（{inner}）"
        return match.group(0)

    line = _PAREN_PAIR.sub(pair, line)
    chars = list(line)
    for match in _ASCII_PUNCT.finditer(line):
        if _touches_cjk(line, match.start(), match.end()):
            chars[match.start()] = _TO_FULL_WIDTH[match.group(0)]
    return "".join(chars)


def normalise_text(text: str) -> str:
    r"""Fold OCR output (or typed text) into the one form pages are stored and searched in.

    Rules, applied line by line:

    1. Unicode NFKC, except that the full-width punctuation of Chinese text ``！（），：；？…`` is
       kept: full-width letters and digits (``ＡＢ１２``) become ASCII, the ideographic space
       becomes a space, compatibility ideographs and Kangxi radicals become ordinary Han characters.
       Zero-width characters and soft hyphens are dropped.
    2. ASCII ``,:;!?()`` next to a CJK character (ignoring spaces) becomes its full-width form
       (``姓名:`` → ``姓名：``); brackets convert as a pair.  ``.`` is left alone (decimal points).
    3. Whitespace between two CJK characters (ideographs, kana, CJK and full-width punctuation) is
       removed — Tesseract's chi_sim puts spaces between characters and wide gaps between form
       fields; neither is part of the text.  Whitespace between a CJK character and a digit is
       removed too, because Chinese binds numbers to their units (``1952 年 3 月`` →
       ``1952年3月``, ``第 3 页`` → ``第3页``).
    4. Whitespace between Latin words, digits, or a CJK character and a Latin word is kept, as
       one space (``张建国  Tel 010 1234`` → ``张建国 Tel 010 1234``).
    5. Lines are stripped at both ends (indentation is layout, not text) and empty lines dropped;
       any line break (``\r\n``, ``\f`` …) becomes ``\n``.
    """
    out: list[str] = []
    for raw in text.splitlines():
        line = _fold_line(raw.translate(_INVISIBLE))
        line = _full_width_punctuation(line)
        line = _CJK_GAP.sub("", line)
        line = _SPACE_RUN.sub(" ", line).strip()
        if line:
            out.append(line)
    return "\n".join(out)


def mean_confidence(words: Iterable[OcrWord]) -> float:
    """Mean confidence (0–100) weighted by the number of characters of each word; 0.0 for no words.

    Weighting by characters makes a page's figure comparable between engines that return single
    characters (Tesseract chi_sim) and engines that return whole lines (RapidOCR).
    """
    total = weight = 0.0
    for word in words:
        n = len("".join(word.text.split()))
        total += word.conf * n
        weight += n
    return total / weight if weight else 0.0


def _levenshtein(a: str, b: str) -> int:
    """Edit distance by Myers/Hyyrö's bit-parallel algorithm, using Python integers as bit vectors.

    O(len(a) · len(b) / word size) with a tiny constant: a 2,000-character page takes a few
    milliseconds in pure Python, where the textbook table would take a second.
    """
    if len(a) < len(b):
        a, b = b, a  # the bit vector follows the longer string: fewer Python-level iterations
    if not b:
        return len(a)
    m = len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(a):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for ch in b:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & mask) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & mask
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        # Shifting a 1 into the horizontal delta encodes row 0 of the table (D[0][j] = j).
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv
    return score


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over characters, ignoring all whitespace, divided by the reference length.

    0.0 is perfect; the rate can exceed 1.0 when the hypothesis adds much text.  An empty reference
    gives 0.0 for an empty hypothesis and 1.0 otherwise.  Callers normalise both sides first
    (:func:`normalise_text`) when punctuation width should not count.
    """
    ref = "".join(reference.split())
    hyp = "".join(hypothesis.split())
    if not ref:
        return 0.0 if not hyp else 1.0
    return _levenshtein(ref, hyp) / len(ref)


# --- image preparation ----------------------------------------------------------------------------------


def _flatten(image: Image.Image) -> Image.Image:
    """Composite transparency onto white: a transparent pixel of a scan is paper, not ink."""
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _to_grey(image: Image.Image, *, drop_red: bool) -> Image.Image:
    """An 8-bit grey (``L``) or bitonal (``1``) version of ``image``; never the same object."""
    mode = image.mode
    if mode in ("1", "L"):
        return image.copy()
    if mode in ("I", "F") or mode.startswith("I;16"):
        # 16-bit and float greys: stretch the used range to 0–255 (Pillow's own conversion clips).
        fimg = image.convert("F")
        lo, hi = fimg.getextrema()
        scale = 255.0 / (hi - lo) if hi > lo else 1.0
        return fimg.point(lambda v: (v - lo) * scale).convert("L")
    if "A" in image.getbands() or (mode == "P" and "transparency" in image.info):
        image = _flatten(image)
    rgb = image.convert("RGB")
    if drop_red:
        # The red channel renders red ink (seals, red headings) as paper and keeps black and blue
        # ink dark: a seal printed over a signature line otherwise garbles the text under it.
        return rgb.getchannel("R")
    return rgb.convert("L")


def _otsu_threshold(grey: Image.Image) -> tuple[int, float]:
    """Otsu's threshold of an ``L`` image, and the distance between the two class means (0–255)."""
    hist = grey.histogram()
    total = sum(hist)
    sum_all = sum(i * c for i, c in enumerate(hist))
    weight_b = sum_b = 0
    best, threshold, spread = -1.0, 127, 0.0
    for t, count in enumerate(hist):
        weight_b += count
        if not weight_b:
            continue
        weight_f = total - weight_b
        if not weight_f:
            break
        sum_b += t * count
        mean_b = sum_b / weight_b
        mean_f = (sum_all - sum_b) / weight_f
        between = weight_b * weight_f * (mean_b - mean_f) ** 2
        if between > best:
            best, threshold, spread = between, t, mean_f - mean_b
    return threshold, spread


# Below this distance between the dark and light class means a page has no ink worth the name
# (blank paper, grain only): Otsu would still split it, turning the grain into a field of specks.
_MIN_INK_CONTRAST = 60.0


def _binarise(grey: Image.Image) -> Image.Image:
    """Global Otsu binarisation of an ``L`` image; low-contrast pages are returned grey.

    Why here and not inside Tesseract: Tesseract binarises only to find the layout; its LSTM reads
    the *grey* image it is given, and on aged paper with grain and uneven tone it reads much worse
    than from a clean bitonal page (demo pages, ``bench/ocr_engines.py``: CER 0.13 grey vs 0.07
    bitonal, and 0.81 vs 0.70 s/page).
    """
    if grey.mode == "1":
        return grey
    threshold, spread = _otsu_threshold(grey)
    if spread < _MIN_INK_CONTRAST:
        return grey
    return grey.point(lambda v: 255 if v > threshold else 0, mode="1")


_MAX_PAGE_INCHES = 30  # longer than A2: no personnel-file sheet is that large


def _image_dpi(image: Image.Image, dpi: float | None) -> float | None:
    """The resolution to tell the engine: the caller's, else the file's if plausible, else None."""
    if dpi is None:
        info = image.info.get("dpi")
        try:
            dpi = float(info[0]) if isinstance(info, tuple) and info else None
        except (TypeError, ValueError):
            dpi = None
        # A 2480-px page "at 72 dpi" would be 87 cm long: the writer's default, not the scan's.
        if dpi and max(image.size) / dpi > _MAX_PAGE_INCHES:
            dpi = None
    if dpi is None or not 50 <= dpi <= 2400:  # 0 or 1 "dpi" is how some writers say "unknown"
        return None
    return dpi


def _check_size(image: Image.Image) -> None:
    if image.width < 1 or image.height < 1:
        raise OcrError(f"cannot recognise an empty image ({image.width}×{image.height} px)")


# --- Tesseract ------------------------------------------------------------------------------------------


def _debian_package(lang: str) -> str:
    """Debian's package for a Tesseract model: ``chi_sim`` → ``tesseract-ocr-chi-sim``."""
    return "tesseract-ocr-" + lang.lower().replace("_", "-").replace("/", "-")


_LISTABLE = re.compile(r"^[a-z_]+$")


@functools.cache
def _tesseract_languages(cmd: str, tessdata: str | None) -> frozenset[str]:
    """Installed Tesseract languages, asked once per process, command and ``TESSDATA_PREFIX``."""
    import pytesseract

    try:
        return frozenset(pytesseract.get_languages())
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable(
            f"Tesseract is not installed or not on PATH ({cmd!r}): install the Debian packages "
            "tesseract-ocr and tesseract-ocr-chi-sim"
        ) from exc
    except (OSError, RuntimeError) as exc:
        raise OcrUnavailable(f"cannot list Tesseract's languages: {exc}") from exc


class TesseractEngine:
    """Tesseract 4/5 (LSTM) through pytesseract; the default engine.

    ``psm=3`` (automatic page segmentation) is the default, chosen by measuring
    (``bench/ocr_engines.py``, demo pages at 300 dpi, character error rate): psm 3 0.062–0.073,
    psm 4 (one column) 0.053–0.061, psm 11 (sparse text) 0.099, psm 6 (one uniform block) 0.32 —
    psm 6 reads ruled form rows as garbage.  psm 4 reads a little better but forces every blob into
    a text line: specks and dust on blank or sparse pages come back as ``9``, ``@``, ``e@``, where
    psm 3 discards them as non-text, and blank versos are common in personnel files.  All four run
    at the same speed.
    ``oem=1`` is the LSTM engine, the only one the Debian chi_sim model carries.

    ``threads`` is written to ``OMP_THREAD_LIMIT``: Tesseract is built with OpenMP and would
    otherwise start a thread per core in every worker process of the ingest pool, so N workers
    fight over N cores with N² threads (measured on 2 cores: one A4 page took 0.8 s with the limit
    at 1 and 4.5 s without it, even alone).  pytesseract has no ``env`` argument — it hands
    ``os.environ`` itself to the subprocess — so :meth:`recognise` sets the variable in this
    process's environment (workers are separate processes; the pool sets it too).

    ``drop_red`` reads colour pages through their red channel, so red seals and red headings
    vanish instead of garbling the black text they overlap (headings are known from the catalogue;
    CER on the demo pages, a third of them sealed: 0.073 with, 0.101 without).
    """

    name = "tesseract"

    def __init__(
        self,
        lang: str = "chi_sim",
        psm: int = 3,
        timeout: float = 120,
        oem: int = 1,
        *,
        threads: int = 1,
        binarise: bool = True,
        drop_red: bool = True,
    ) -> None:
        self.lang = lang
        self.psm = psm
        self.timeout = timeout
        self.oem = oem
        self.threads = threads
        self.binarise = binarise
        self.drop_red = drop_red
        self.check()

    def __repr__(self) -> str:
        return f"TesseractEngine(lang={self.lang!r}, psm={self.psm}, oem={self.oem}, timeout={self.timeout})"

    def check(self) -> None:
        """Raise :class:`OcrUnavailable` unless Tesseract and every language in ``lang`` are installed."""
        import pytesseract

        installed = _tesseract_languages(pytesseract.pytesseract.tesseract_cmd, os.environ.get("TESSDATA_PREFIX"))
        # pytesseract lists only lower-case names (it filters with ``^[a-z_]+$``), so script models
        # such as ``script/HanS`` cannot be checked here; Tesseract reports them when it runs.
        missing = [part for part in self.lang.split("+") if _LISTABLE.match(part) and part not in installed]
        if missing:
            packages = ", ".join(_debian_package(m) for m in missing)
            raise OcrUnavailable(
                f"Tesseract language {'+'.join(missing)!r} is not installed (have: "
                f"{', '.join(sorted(installed)) or 'none'}); install the Debian package {packages}"
            )

    def prepare(self, image: Image.Image) -> Image.Image:
        """The image Tesseract is given: grey, then bitonal by Otsu unless ``binarise`` is off."""
        grey = _to_grey(image, drop_red=self.drop_red)
        return _binarise(grey) if self.binarise else grey

    def recognise(self, image: Image.Image, *, dpi: float | None = None) -> OcrResult:
        """Run Tesseract on ``image``; see :class:`OcrEngine` for the contract."""
        import pytesseract

        started = time.perf_counter()
        _check_size(image)
        dpi = _image_dpi(image, dpi)
        page = self.prepare(image)
        # BMP: nothing to compress.  pytesseract would write PNG, and zlib on a grainy grey A4 page
        # took 1.4 s of the 2.3 s per page.  The resolution goes on the command line so that
        # Tesseract does not guess it from the file.
        page.format = "BMP"
        config = f"--oem {self.oem} --psm {self.psm}"
        if dpi:
            config += f" --dpi {round(dpi)}"
        os.environ["OMP_THREAD_LIMIT"] = str(self.threads)
        try:
            data = pytesseract.image_to_data(
                page, lang=self.lang, config=config, timeout=self.timeout, output_type=pytesseract.Output.DICT
            )
        except pytesseract.TesseractNotFoundError as exc:
            raise OcrUnavailable(
                "Tesseract is not installed or not on PATH: install the Debian packages tesseract-ocr and "
                "tesseract-ocr-chi-sim"
            ) from exc
        except pytesseract.TesseractError as exc:
            message = str(getattr(exc, "message", "") or exc)
            if "Failed loading language" in message or "Could not initialize tesseract" in message:
                raise OcrUnavailable(
                    f"Tesseract could not load language {self.lang!r}: {message}; install "
                    f"{_debian_package(self.lang.split('+')[0])}"
                ) from exc
            raise OcrError(f"Tesseract failed (status {getattr(exc, 'status', '?')}): {message}") from exc
        except RuntimeError as exc:
            # pytesseract signals its timeout with a bare RuntimeError after killing the process.
            if "timeout" in str(exc).lower():
                raise OcrTimeout(f"Tesseract took longer than {self.timeout:g} s on one page") from exc
            raise OcrError(f"Tesseract failed: {exc}") from exc
        except (OSError, ValueError, TypeError) as exc:
            # Writing the temporary image or reading Tesseract's TSV output went wrong.
            raise OcrError(f"Tesseract could not be run on this image: {exc}") from exc
        words, text = _words_from_tsv(data)
        seconds = time.perf_counter() - started
        log.debug("tesseract: %d words in %.2f s (%s×%s px, dpi %s)", len(words), seconds, *image.size, dpi)
        return OcrResult(
            engine=self.name, text=text, mean_conf=mean_confidence(words), words=tuple(words), seconds=seconds
        )


def _words_from_tsv(data: dict[str, list[Any]]) -> tuple[list[OcrWord], str]:
    """Word rows (level 5, conf ≥ 0) as :class:`OcrWord`, and the text with one line per TSV line."""
    rows: dict[tuple[int, ...], list[tuple[str, int]]] = {}  # dicts keep insertion order: reading order
    for i, level in enumerate(data.get("level", [])):
        conf = data["conf"][i]
        if level != 5 or not isinstance(conf, int | float) or conf < 0:
            continue
        text = normalise_text(str(data["text"][i]))
        if text:
            key = tuple(int(data[k][i]) for k in ("page_num", "block_num", "par_num", "line_num"))
            rows.setdefault(key, []).append((text, i))
    words: list[OcrWord] = []
    for line in rows.values():
        texts = _line_punctuation([text for text, _i in line])
        for text, (_raw, i) in zip(texts, line, strict=True):
            words.append(OcrWord(
                text=text,
                conf=float(data["conf"][i]),
                left=int(data["left"][i]),
                top=int(data["top"][i]),
                width=int(data["width"][i]),
                height=int(data["height"][i]),
            ))
    text = normalise_text("\n".join(" ".join(text for text, _i in line) for line in rows.values()))
    return words, text


def _line_punctuation(texts: list[str]) -> list[str]:
    """Give a lone ``:`` word the width the page text gives it, judging by the words around it.

    Tesseract returns ``：`` as a word of its own, read as ASCII; normalised alone it has no Chinese
    neighbour, so without this the word would say ``:`` where the page text says ``：``.
    """
    out = list(texts)
    for i, text in enumerate(texts):
        if text in _TO_FULL_WIDTH:
            before = texts[i - 1][-1] if i > 0 else ""
            after = texts[i + 1][0] if i + 1 < len(texts) else ""
            if any(_CJK_CHAR.match(c) for c in (before, after) if c):
                out[i] = _TO_FULL_WIDTH[text]
    return out


# --- RapidOCR (PP-OCRv4) --------------------------------------------------------------------------------

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


# --- choosing an engine ---------------------------------------------------------------------------------

_ENGINES = {"tesseract": TesseractEngine, "rapidocr": RapidOcrEngine, "ppocr": RapidOcrEngine}


def get_engine(name: str = "tesseract", **options: Any) -> OcrEngine:
    """The engine called ``name`` (``tesseract``; ``rapidocr`` or ``ppocr``), built with ``options``.

    Raises :class:`OcrUnavailable` for an unknown name or an engine that is not installed here.
    """
    key = (name or "tesseract").strip().lower()
    try:
        factory = _ENGINES[key]
    except KeyError:
        raise OcrUnavailable(f"unknown OCR engine {name!r}; choose one of {', '.join(sorted(_ENGINES))}") from None
    return factory(**options)
