"""Tesseract 4/5 (LSTM) through pytesseract: the default engine."""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from typing import Any

from PIL import Image

from ingest.model import OcrResult, OcrWord
from ingest.ocr.base import OcrError, OcrTimeout, OcrUnavailable
from ingest.ocr.prepare import _binarise, _check_size, _image_dpi, _to_grey
from ingest.ocr.text import _CJK_CHAR, _TO_FULL_WIDTH, mean_confidence, normalise_text

log = logging.getLogger(__name__)



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
