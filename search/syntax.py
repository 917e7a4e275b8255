"""The vocabulary of the search syntax (:mod:`search.query`): field names, the tree both backends compile, the lexer."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from search.analysis import Clause
from search.base import QueryError

# What a user types before ":" → the field it searches.  English aliases are for scripts and the CLI.
FIELD_NAMES: dict[str, str] = {
    "姓名": "name", "name": "name",
    "单位": "employer", "employer": "employer",
    "类别": "class", "class": "class",
    "材料": "title", "material": "title",
    "档号": "archive", "archive": "archive",
    "身份证": "id", "身份证号": "id", "id": "id",
    "形成时间": "formed", "formed": "formed",
    "街道": "street", "street": "street",
    "印章": "seal", "公章": "seal", "seal": "seal",
}
FIELD_LABELS = {"name": "姓名", "employer": "单位", "class": "类别", "title": "材料", "archive": "档号",
                "id": "身份证", "formed": "形成时间", "street": "街道", "seal": "印章"}

QUOTES = {'"': '"', "“": "”", "”": "”", "「": "」", "『": "』"}  # ' is an apostrophe, not a quote


# --- the tree ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """Text to find: ``field`` None searches the page text and every catalogue field (text ranks higher)."""

    value: str
    field: str | None = None  # "name", "employer", "title", "archive", "id", "seal"
    quoted: bool = False
    clauses: tuple[Clause, ...] = dataclasses.field(default=(), compare=False)


@dataclass(frozen=True)
class Exact:
    """A keyword filter: ``class_major`` ("9"), ``class_code`` ("9-2") or ``street``."""

    field: str
    value: str


@dataclass(frozen=True)
class Range:
    """``formed`` between two date keys (YYYYMMDD, 0 for unknown month/day), inclusive."""

    field: str
    lo: int
    hi: int


@dataclass(frozen=True)
class And:
    """All items match (items may include :class:`Not`)."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any item matches."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """Excludes ``item``; only valid inside an :class:`And` with something positive."""

    item: Node


Node = Term | Exact | Range | And | Or | Not


# --- lexing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tok:
    kind: str  # "word", "quoted", "field", "and", "or", "not", "(", ")"
    text: str = ""


def lex(q: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c in "()":
            toks.append(Tok(c))
            i += 1
        elif c in QUOTES:
            text, i = read_quoted(q, i)
            toks.append(Tok("quoted", text))
        elif c == "-" and i + 1 < n and not q[i + 1].isspace() and q[i + 1] not in "()-":
            toks.append(Tok("not", "-"))
            i += 1
        else:
            j = i
            while j < n and not q[j].isspace() and q[j] not in "()" and q[j] not in QUOTES:
                if q[j] == ":" and q[i:j].lower() in FIELD_NAMES:
                    break
                j += 1
            word = q[i:j]
            if j < n and q[j] == ":" and word.lower() in FIELD_NAMES:
                toks.append(Tok("field", FIELD_NAMES[word.lower()]))
                i = j + 1
                while i < n and q[i].isspace():  # "姓名: 张建国" as well as "姓名:张建国"
                    i += 1
                if i < n and q[i] in QUOTES:
                    text, i = read_quoted(q, i)
                    toks.append(Tok("quoted", text))
                    continue
                j = i
                while j < n and not q[j].isspace() and q[j] not in "()":
                    j += 1
                toks.append(Tok("word", q[i:j]))
                i = j
                continue
            if word in ("AND", "&&"):
                toks.append(Tok("and"))
            elif word in ("OR", "||"):
                toks.append(Tok("or"))
            elif word == "NOT":
                toks.append(Tok("not", "NOT"))
            else:
                if "*" in word or "?" in word:
                    raise QueryError("不支持通配符（* 或 ?），请输入完整的词")
                toks.append(Tok("word", word))
            i = j
    return toks


def read_quoted(q: str, i: int) -> tuple[str, int]:
    """The text of a quote opened at ``i`` and the index after it; an unclosed quote ends the query."""
    close = QUOTES[q[i]]
    j = i + 1
    while j < len(q) and q[j] != close and not (q[j] in '"”」』' and close in '"”'):
        j += 1
    return q[i + 1:j], min(j + 1, len(q))
