"""Text helpers shared by the engines: normalisation of Chinese text, confidences, error rates."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ingest.model import OcrWord

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
