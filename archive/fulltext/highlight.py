"""Mark query terms in text that is shown as HTML (the viewer's OCR panel).

:func:`mark_terms` works on *escaped* text: a plain ``str`` is escaped first, a
:class:`~markupsafe.Markup` is taken as already escaped (for instance after ID
numbers were masked in it).  Matching runs on the text as the reader sees it
(entities count as the one character they stand for, tags as nothing), and
``<mark>`` is only ever inserted between whole entities and never across a tag,
so it composes with any earlier step that escaped or marked up the text.

Pure: no Flask, no database.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from markupsafe import Markup, escape

__all__ = ["mark_terms", "query_terms"]

log = logging.getLogger(__name__)

MAX_TERMS = 20  # a viewer link carries a handful of matched words; more is not a highlight any more
_TOKEN = re.compile(r"<[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|[^<&]|&")
_QUOTES = str.maketrans({c: " " for c in "\"“”'‘’()（）"})
_OPERATORS = frozenset({"AND", "OR", "NOT"})


def query_terms(query: str) -> list[str]:
    """The words of a viewer's ``q``: quotes, brackets and the operators dropped, ``field:`` prefixes cut."""
    terms: list[str] = []
    excluded = False
    for word in query.translate(_QUOTES).split():
        if word.upper() in _OPERATORS:
            excluded = word.upper() == "NOT"
            continue
        if excluded or word.startswith("-"):  # an excluded word is not on the page: nothing to mark
            excluded = False
            continue
        word = re.split("[:：]", word, maxsplit=1)[-1]
        if word and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def _tokens(html: str) -> tuple[list[str], list[bool], str]:
    """Escaped HTML as tokens, whether each is a tag, and the visible text (one char per non-tag token)."""
    tokens = _TOKEN.findall(html)
    is_tag = [t.startswith("<") for t in tokens]
    visible = "".join("" if tag else Markup(t).unescape() for t, tag in zip(tokens, is_tag, strict=True))
    return tokens, is_tag, visible


def mark_terms(text: str | Markup | None, terms: Iterable[str]) -> Markup:
    """``text`` as safe HTML with every occurrence of a term wrapped in ``<mark>`` (case-insensitive)."""
    html = str(text if isinstance(text, Markup) else escape(text or ""))
    wanted = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not wanted:
        return Markup(html)
    tokens, is_tag, visible = _tokens(html)
    # Map each visible character back to its token (tags have none).
    owner = [i for i, tag in enumerate(is_tag) if not tag]
    if len(owner) != len(visible):  # an entity that unescapes to several characters: do not guess
        log.warning("cannot map highlighted text back to its HTML; shown without marks")
        return Markup(html)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    marked = [False] * len(tokens)
    for match in pattern.finditer(visible):
        for pos in range(match.start(), match.end()):
            marked[owner[pos]] = True
    out: list[str] = []
    open_mark = False
    for token, tag, mark in zip(tokens, is_tag, marked, strict=True):
        if open_mark and (tag or not mark):
            out.append("</mark>")
            open_mark = False
        if mark and not open_mark:
            out.append("<mark>")
            open_mark = True
        out.append(token)
    if open_mark:
        out.append("</mark>")
    return Markup("".join(out))
