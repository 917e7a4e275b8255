"""Chinese text analysis shared by both search backends.

One analysis feeds both engines, so a query means the same thing whichever backend answers it.

Index side, for every analysed field (page text, name, employer, material title, 档号, ID number):

* ``words`` — matched without positions: every CJK character, every dictionary word that occurs
  anywhere in the text (jieba's *full* mode, which enumerates every dictionary word of the prefix DAG, not
  just the words of one segmentation), and every Latin/digit token whole, plus the parts of tokens joined
  by ``-``/``/``/``.``/``_`` (``xc-2020-000123`` also gives ``xc``, ``2020``, ``000123``).
* ``grams`` — positional, for phrases: each CJK run as overlapping bigrams (a one-character run as
  itself), each Latin/digit token whole.  Between the tokens of a run the joined string carries one
  :data:`FILLER`, between two runs or tokens two: tantivy drops fillers but keeps their positions, so a
  run's bigrams sit 2 apart and the next piece starts 3 after the last.  Distances inside a run are then
  even and across one boundary odd, which lets a phrase name every other bigram and stay exact (see
  :meth:`Phrase.positioned`) — half the posting lists for long phrases.  whoosh renumbers without the
  fillers and matches all bigrams consecutively: the same pages either way.

Query side (:func:`plan`): a one-character or dictionary-word CJK term is one posting list in ``words``
(full mode guarantees that a dictionary word is indexed wherever it occurs as a substring, however jieba
would have segmented the sentence); any other CJK string (names the dictionary lacks, strings OCR
split) is the phrase of its bigrams in ``grams``.  So a CJK term matches exactly the pages that contain
it as a substring, and common words stay a single posting list — which is what keeps tantivy in
milliseconds at a million pages (see docs/architecture.md#search-measurements).

Normalisation: NFKC (full-width → half-width), lower case, dashes unified, and whitespace *between two
CJK characters* removed, because OCR inserts spaces and line breaks inside words ("退 休 审 批",
"退休审" and "批表" on two lines).  Latin/digit runs are kept whole, so an 18-character ID number or a 档号 is one token
and a prefix of it does not match.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from search.base import PageDoc

__all__ = [
    "ANALYSIS_VERSION",
    "FILLER",
    "SAMPLE_BUCKETS",
    "SEGMENTER",
    "TEXT_FIELDS",
    "Analysed",
    "IndexFields",
    "Phrase",
    "Word",
    "analyse",
    "formed_key",
    "index_fields",
    "is_word",
    "normalise",
    "plan",
]

log = logging.getLogger(__name__)

# Bump when tokens change: an index written by another version is discarded on open (it is derived data).
ANALYSIS_VERSION = 4  # 3: the ``sample`` bucket and the facet values in the stored payload; 4: the seal field

# Every page falls in one of SAMPLE_BUCKETS buckets (page id modulo): a query too costly to run over every
# page runs over some buckets and scales its counts (search.estimate).  Consecutive pages of a file fall in
# different buckets, so a bucket is a cross-section of the whole index, old and new pages alike.
SAMPLE_BUCKETS = 64

# The analysed fields every backend indexes, each as "<name>_w" (words) and "<name>_g" (grams).
TEXT_FIELDS: tuple[str, ...] = ("text", "name", "employer", "title", "archive", "id", "seal")

MAX_TOKEN_CHARS = 64  # a longer Latin/digit run is OCR noise or a pasted blob, not an identifier
FILLER = "_"  # a position with no token in ``grams`` (never indexed; no token is "_" alone: see _TOKEN_RE)
GRAM_STEP = 2  # positions between two bigrams of one CJK run
PIECE_STEP = 3  # positions between the last token of a run or Latin token and the first of the next

# CJK ideographs (URO, extension A, compatibility, the supplementary planes) and 〇 as in 一九八〇年.
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Whitespace between two CJK characters is an OCR artefact (or a line wrap), never a word boundary.
_CJK_GAP_RE = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
# A token is a CJK run or a Latin/digit run; separators join parts of one identifier.  The two character
# classes are disjoint, so the pattern cannot backtrack catastrophically.
_AL = f"[^\\W_{_CJK}]"
_TOKEN_RE = re.compile(f"(?P<cjk>[{_CJK}]+)|(?P<al>{_AL}+(?:[-_/.]{_AL}+)*)")
_PART_RE = re.compile(f"{_AL}+")
_DASH_RE = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63]")
_SPACE_RE = re.compile(r"\s+")


def _load_segmenter() -> tuple[str, Callable[[str], list[str]]]:
    """Full-mode cut of rjieba (jieba-rs, ~17 k pages/s here) if installed, else of jieba (same dictionary)."""
    try:
        import rjieba

        return "rjieba", rjieba.cut_all
    except ImportError:  # pragma: no cover - rjieba is a dependency; jieba only as a fallback
        import jieba

        jieba.setLogLevel(logging.WARNING)
        log.warning("rjieba not installed: falling back to jieba (slower indexing)")

        def cut_all(text: str) -> list[str]:
            # jieba's full mode omits characters covered by a longer word; jieba-rs emits every one.
            return [w for w in jieba.cut_all(text) if len(w) > 1] + list(text)

        return "jieba", cut_all


SEGMENTER, _cut_all = _load_segmenter()


def normalise(text: str) -> str:
    """NFKC, lower case, unified dashes: full-width ＸＣ－２０２０ and xc-2020 are the same string."""
    return _DASH_RE.sub("-", unicodedata.normalize("NFKC", text).lower())


def _compact(text: str) -> str:
    """Normalise and join CJK characters that OCR separated with spaces or line breaks."""
    return _CJK_GAP_RE.sub("", normalise(text))


def _pieces(text: str) -> list[tuple[bool, str]]:
    """(is_cjk, token) for each CJK run and each Latin/digit token of already compacted text."""
    out = []
    for m in _TOKEN_RE.finditer(text):
        if m.lastgroup == "cjk":
            out.append((True, m.group()))
        else:
            out.append((False, m.group()[:MAX_TOKEN_CHARS]))
    return out


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


@lru_cache(maxsize=65536)
def is_word(term: str) -> bool:
    """Whether a CJK string is a dictionary word, i.e. indexed in ``words`` wherever it occurs."""
    return len(term) > 1 and term in _cut_all(term)


@dataclass(frozen=True)
class Analysed:
    """Tokens of one field: ``words`` (no positions) and ``grams`` (positional)."""

    words: list[str]
    grams: list[str]  # chunks of space-separated tokens and fillers (a run's bigrams joined in one chunk)

    @property
    def gram_tokens(self) -> list[str]:
        """The positional tokens without fillers (for tests and debugging)."""
        return [t for t in " ".join(self.grams).split() if t != FILLER]

    def joined(self) -> tuple[str, str]:
        """Space-joined (words, grams), as both engines' whitespace tokenizers take them."""
        return " ".join(self.words), " ".join(self.grams)


_IN_RUN = f" {FILLER} "  # joins the bigrams of one run: GRAM_STEP positions apart
_NEXT_PIECE = [FILLER, FILLER]  # before a run or token that follows another: PIECE_STEP positions apart


def analyse(text: str) -> Analysed:
    """Tokens of one text value (see the module docstring)."""
    words: list[str] = []
    grams: list[str] = []
    runs: list[str] = []
    for cjk, tok in _pieces(_compact(text)):
        if grams:
            grams.extend(_NEXT_PIECE)
        if cjk:
            runs.append(tok)
            if len(tok) == 1:
                grams.append(tok)
            else:
                grams.append(_IN_RUN.join([tok[i:i + 2] for i in range(len(tok) - 1)]))
        else:
            words.append(tok)
            parts = _PART_RE.findall(tok)
            if len(parts) > 1:
                words.extend(parts)
            grams.append(tok)
    if runs:
        # Every character and every dictionary word of the CJK runs, in one call: the segmenter treats the
        # line breaks as block boundaries (same result as one call per run, without 50 calls' overhead),
        # and the "\n" tokens it returns for them are whitespace to both engines' tokenizers.
        words.extend(_cut_all("\n".join(runs)))
    return Analysed(words, grams)


@lru_cache(maxsize=8192)
def _analyse_short(value: str) -> tuple[str, str]:
    """Catalogue values repeat on every page of a file: analyse each once."""
    return analyse(value).joined()


# --- query side -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """Match ``token`` in a field's ``words``."""

    token: str


@dataclass(frozen=True)
class Phrase:
    """Match pieces in order in a field's ``grams``.

    A piece is the bigrams of a CJK run (or its one character) or a Latin/digit token; adjacent pieces
    must be adjacent runs/tokens of the text.  One piece of one token is a term query.
    """

    pieces: tuple[tuple[str, ...], ...]

    @property
    def tokens(self) -> tuple[str, ...]:
        """All tokens in order: consecutive positions where fillers are not counted (whoosh)."""
        return tuple(t for piece in self.pieces for t in piece)

    def positioned(self) -> list[tuple[int, str]]:
        """(position offset, token) for an engine that keeps the fillers' positions (tantivy).

        Of a run's bigrams only every other one and the last are named: bigrams ≤ 2 characters apart
        cover the run, and at ≤ 4 positions they cannot be in different runs (a boundary adds an odd
        step, and two boundaries at least 6).  A piece's first token is PIECE_STEP after the previous
        piece's last, which inside a run (even distances) is impossible.
        """
        out: list[tuple[int, str]] = []
        pos = 0
        for n, piece in enumerate(self.pieces):
            if n:
                pos += PIECE_STEP
            last = len(piece) - 1
            for i, tok in enumerate(piece):
                if i % 2 == 0 or i == last:
                    out.append((pos + i * GRAM_STEP, tok))
            pos += last * GRAM_STEP
        return out


Clause = Word | Phrase


def plan(value: str) -> tuple[Clause, ...]:
    """What a search string must match in one field: clauses that must all hold (empty: nothing to search).

    One piece: a CJK character or dictionary word → :class:`Word`; any other CJK string → bigram
    :class:`Phrase`; a Latin/digit token → :class:`Word` (whole token or a part of one).  Several pieces
    ("1985年3月", "xc 2020", "退休，审批") → one positional phrase; a single CJK character at either end
    becomes a separate :class:`Word`, because in the text it may be part of a longer run whose bigrams
    the phrase could not name.
    """
    pieces = _pieces(_compact(value))
    if not pieces:
        return ()
    if len(pieces) == 1:
        cjk, tok = pieces[0]
        if not cjk or len(tok) == 1 or is_word(tok):
            return (Word(tok),)
        return (Phrase((tuple(_bigrams(tok)),)),)
    loose: list[Clause] = []
    if pieces[0][0] and len(pieces[0][1]) == 1:
        loose.append(Word(pieces.pop(0)[1]))
    if len(pieces) > 1 and pieces[-1][0] and len(pieces[-1][1]) == 1:
        loose.append(Word(pieces.pop()[1]))
    phrase = Phrase(tuple(tuple(_bigrams(tok)) if cjk else (tok,) for cjk, tok in pieces))
    return (phrase, *loose)


# --- documents -------------------------------------------------------------------------------------------


def formed_key(formed: str) -> int | None:
    """``"1985-03-12"`` → 19850312, ``"1985-03"`` → 19850300, ``"1985"`` → 19850000; None if not a date."""
    m = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*", formed or "")
    if not m:
        return None
    year, month, day = int(m[1]), int(m[2] or 0), int(m[3] or 0)
    if month > 12 or day > 31:
        return None
    return year * 10000 + month * 100 + day


@dataclass(frozen=True)
class IndexFields:
    """Everything a backend writes for one page, computed once by the shared analysis."""

    page_id: int
    analysed: dict[str, tuple[str, str]]  # TEXT_FIELDS name → (words, grams), space-joined
    street: str
    employer: str
    class_code: str
    class_major: str
    decade: str  # "1980s", "" when the material has no date
    formed: int | None
    sample: str  # the page's sample bucket, "0" … str(SAMPLE_BUCKETS - 1)
    stored: str  # JSON of what a Hit needs (and its facet values), so hits never touch the database


def index_fields(doc: PageDoc) -> IndexFields:
    """Analyse one page for indexing."""
    key = formed_key(doc.formed)
    analysed = {
        "text": analyse(doc.text).joined(),
        "name": _analyse_short(doc.person_name),
        "employer": _analyse_short(doc.employer),
        "title": _analyse_short(doc.material_title),
        "archive": _analyse_short(doc.archive_no),
        "id": _analyse_short(doc.id_number),
        "seal": analyse(doc.seal_text).joined(),
    }
    class_code = doc.class_code.strip()
    decade = f"{key // 100000 * 10}s" if key else ""
    # The facet values travel with the hit: when every hit is on the page, facets need no second pass.
    facets = {"class": class_code.split("-", 1)[0], "employer": doc.employer, "street": doc.street, "decade": decade}
    stored = json.dumps({
        "page_id": doc.page_id, "file_id": doc.file_id, "archive_no": doc.archive_no,
        "position": doc.position, "class_code": doc.class_code, "material_seq": doc.material_seq,
        "facets": facets, "text": doc.text,
    }, ensure_ascii=False)
    return IndexFields(
        page_id=doc.page_id,
        analysed=analysed,
        street=doc.street,
        employer=doc.employer,
        class_code=class_code,
        class_major=class_code.split("-", 1)[0],
        decade=decade,
        formed=key,
        sample=str(doc.page_id % SAMPLE_BUCKETS),
        stored=stored,
    )
