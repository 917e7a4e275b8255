"""Snippets and matched terms of a hit: where a query's needles occur in a page's text.

Matching follows the engines (:mod:`search.analysis`): a needle's characters and tokens in order, CJK runs
joined across the whitespace OCR inserts, Latin/digit tokens whole.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache

from search.analysis import _AL, _SPACE_RE, _compact, _pieces, normalise

__all__ = ["MAX_HIT_TERMS", "SNIPPET_CHARS", "highlight"]

SNIPPET_CHARS = 80
_SNIPPET_BEFORE = 20  # characters of context kept before the first match
MAX_HIT_TERMS = 50


@lru_cache(maxsize=4096)
def _needle_re(needle: str) -> re.Pattern[str] | None:
    """A pattern finding ``needle`` in normalised page text the way the engines match it.

    Characters of one CJK run may be separated by whitespace (OCR splits), runs and tokens by any
    non-word characters; a Latin/digit token must not continue into more letters or digits (an ID
    number's prefix is not highlighted, just as it is not matched).
    """
    pieces = _pieces(_compact(needle))
    if not pieces:
        return None
    out = []
    for i, (cjk, tok) in enumerate(pieces):
        if i:
            out.append(r"[\W_]*?")
        out.append(r"\s*".join(map(re.escape, tok)) if cjk else re.escape(tok))
    if not pieces[0][0]:
        out.insert(0, f"(?<!{_AL})")
    if not pieces[-1][0]:
        out.append(f"(?!{_AL})")
    return re.compile("".join(out))


def _spans(text: str, needles: Sequence[str]) -> list[list[int]]:
    """Merged, sorted [start, end) spans of every needle's matches, as offsets into ``text``."""
    norm = normalise(text)
    offsets: list[int] | None = None
    if len(norm) != len(text):  # NFKC expanded or contracted something: map each character back
        parts: list[str] = []
        offsets = []
        for i, ch in enumerate(text):
            n = normalise(ch)
            parts.append(n)
            offsets.extend([i] * len(n))
        norm = "".join(parts)
        offsets.append(len(text))
    spans = []
    for needle in needles:
        pattern = _needle_re(needle)
        if pattern is None:
            continue
        for m in pattern.finditer(norm):
            if m.end() > m.start():
                a, b = m.span()
                spans.append((a, b) if offsets is None else (offsets[a], max(offsets[b], offsets[a] + 1)))
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def highlight(text: str, needles: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """Snippet and matched terms of ``text`` for a query's ``needles``.

    The snippet is HTML-escaped text around the first match, every match in ``<mark>``; the terms are the
    matched surface strings split at whitespace (as OCR word boxes hold them).

    Matching follows the engines: a needle's characters and tokens in order, CJK runs joined across
    whitespace.  With no match (a page found through its catalogue data) the snippet is the page's start.
    """
    merged = _spans(text, needles)
    terms: list[str] = []
    for a, b in merged:
        for piece in text[a:b].split():
            if piece not in terms and len(terms) < MAX_HIT_TERMS:
                terms.append(piece)
    start = max(0, merged[0][0] - _SNIPPET_BEFORE) if merged else 0
    end = min(len(text), start + SNIPPET_CHARS)
    start = max(0, min(start, end - SNIPPET_CHARS))
    out = ["…"] if start > 0 else []
    pos = start
    for a, b in merged:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out.append(_escape(text[pos:a]))
        out.append(f"<mark>{_escape(text[a:b])}</mark>")
        pos = b
    out.append(_escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).strip(), tuple(terms)


def _escape(text: str) -> str:
    return html.escape(_SPACE_RE.sub(" ", text), quote=True)
