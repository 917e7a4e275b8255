"""The search syntax staff type, parsed by hand into a small tree both backends compile.

Syntax::

    张建国                     a word, name, number or 档号 anywhere in the page text or catalogue data
    张建国 退休                 both (AND is implied between terms)
    "退休 审批表"               a phrase: in this order, with nothing between (“ ” 「 」 work too)
    A AND B   A OR B   NOT A   -A   ( … )
    姓名:张建国  单位:机床厂  材料:"招工 登记表"  档号:XC-2020-000123  身份证:11010219500312123X
    类别:9  (9, 9-1 … 9-4)   类别:9-2   类别:九-2
    形成时间:1985   形成时间:1985-03   形成时间:1980..1990   形成时间:1980..   形成时间:..1990
    街道:月坛

A bare CJK term matches pages that contain it as a substring (see :mod:`search.analysis`); Latin and
digit terms match whole tokens, so a prefix of an ID number does not match.

Bad input never reaches an engine: over :data:`MAX_QUERY_CHARS` characters or :data:`MAX_TERMS` terms,
wildcards, a lone or dangling operator, a query that only excludes, unbalanced parentheses and unknown
dates raise :class:`~search.base.QueryError` with a message for the user.  An unclosed quote is closed
at the end of the query.  Terms that are only punctuation or markup (``<script>``) are dropped; the
rest is searched as text, so script in a query is a harmless, usually empty search.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from search.analysis import plan
from search.base import QueryError
from search.syntax import (
    FIELD_LABELS,
    FIELD_NAMES,
    And,
    Exact,
    Node,
    Not,
    Or,
    Range,
    Term,
    Tok,
    lex,
)

__all__ = [
    "FIELD_NAMES",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "And",
    "Exact",
    "Node",
    "Not",
    "Or",
    "Range",
    "Term",
    "check_paging",
    "needles",
    "parse",
]

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MAX_TERMS = 20
MAX_DEPTH = 8  # parentheses
MAX_LIMIT = 100
MAX_OFFSET = 10_000

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


# --- parsing -----------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.i = 0
        self.depth = 0
        self.terms = 0

    def peek(self) -> str:
        return self.toks[self.i].kind if self.i < len(self.toks) else "eof"

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.parse_or()
        if self.peek() == ")":
            raise QueryError("括号不配对：多了一个“)”")
        if self.peek() != "eof" or node is None:  # pragma: no cover - the loops above consume everything
            raise QueryError("请输入检索词")
        return node

    def parse_or(self) -> Node | None:
        items = []
        first = self.parse_and()
        if first is not None:
            items.append(first)
        while self.peek() == "or":
            self.take()
            if not items:
                raise QueryError("OR 前面缺少检索词")
            nxt = self.parse_and()
            if nxt is None:
                raise QueryError("OR 后面缺少检索词")
            items.append(nxt)
        if not items:
            return None
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node | None:
        items: list[Node] = []
        while self.peek() not in ("eof", ")", "or"):
            if self.peek() == "and":
                self.take()
                if not items:
                    raise QueryError("AND 前面缺少检索词")
                if self.peek() in ("eof", ")", "or", "and"):
                    raise QueryError("AND 后面缺少检索词")
                continue
            items.append(self.parse_unary())
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self) -> Node:
        if self.peek() == "not":
            label = self.take().text
            if self.peek() in ("eof", ")", "or", "and", "not"):
                raise QueryError(f"{label} 后面缺少要排除的词")
            return Not(self.parse_unary())
        return self.parse_primary()

    def parse_primary(self) -> Node:
        tok = self.take()
        if tok.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError("括号嵌套太深")
            inner = self.parse_or()
            if self.peek() != ")":
                raise QueryError("括号不配对：缺少“)”")
            self.take()
            self.depth -= 1
            if inner is None:
                raise QueryError("括号里没有检索词")
            return inner
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"检索词太多（最多 {MAX_TERMS} 个）")
        if tok.kind == "field":
            if self.peek() not in ("word", "quoted") or not self.toks[self.i].text.strip():
                raise QueryError(f"{FIELD_LABELS[tok.text]}: 后面要写检索内容")
            value = self.take()
            return _field_node(tok.text, value.text, value.kind == "quoted")
        return Term(tok.text, None, tok.kind == "quoted")


def _field_node(name: str, value: str, quoted: bool) -> Node:
    value = value.strip()
    if name == "class":
        return _class_node(value)
    if name == "formed":
        return _formed_node(value)
    if name == "street":
        return Exact("street", value)
    if not quoted and ("*" in value or "?" in value):
        raise QueryError("不支持通配符（* 或 ?），请输入完整的词")
    return Term(value, name, quoted)


def _class_node(value: str) -> Exact:
    def number(s: str) -> int | None:
        if s.isdigit():
            return int(s)
        return _CN_DIGITS.get(s)

    major, _, minor = value.partition("-")
    a = number(major)
    b = number(minor) if minor else 0
    if a is None or b is None or not 1 <= a <= 10 or b > 20:
        raise QueryError("类别请写成 9 或 9-2 这样的类号")
    return Exact("class_code", f"{a}-{b}") if minor else Exact("class_major", str(a))


_DATE_RE = re.compile(r"(\d{4})(?:年)?(?:[-./](\d{1,2})|(\d{1,2})月)?(?:[-./](\d{1,2})|(\d{1,2})日)?")


def _date_bounds(text: str) -> tuple[int, int]:
    m = _DATE_RE.fullmatch(text)
    if not m:
        raise QueryError("形成时间请写成 1985、1985-03、1985-03-12 或 1980..1990")
    year, month, day = int(m[1]), int(m[2] or m[3] or 0), int(m[4] or m[5] or 0)
    if not 1800 <= year <= 2200 or month > 12 or day > 31 or (day and not month):
        raise QueryError(f"形成时间“{text}”不是有效日期")
    if day:
        key = year * 10000 + month * 100 + day
        return key, key
    if month:
        return year * 10000 + month * 100, year * 10000 + month * 100 + 99
    return year * 10000, year * 10000 + 9999


def _formed_node(value: str) -> Range:
    value = value.replace(" ", "")
    for sep in ("..", "~", "至", "到"):
        if sep in value:
            a, _, b = value.partition(sep)
            break
    else:
        m = re.fullmatch(r"(\d{4})-(\d{4})", value)  # 1980-1990: two years, not year-month
        a, b = (m[1], m[2]) if m else (value, value)
    if not a and not b:
        raise QueryError("形成时间请写成 1985、1985-03、1985-03-12 或 1980..1990")
    lo = _date_bounds(a)[0] if a else 0
    hi = _date_bounds(b)[1] if b else 99999999
    if lo > hi:
        raise QueryError("形成时间的起始晚于结束")
    return Range("formed", lo, hi)


# --- simplification ----------------------------------------------------------------------------------------


def _analyse(node: Node) -> Node | None:
    """Attach analysis to terms and drop terms with nothing searchable (punctuation, markup)."""
    if isinstance(node, Term):
        clauses = plan(node.value)
        if not clauses:
            return None
        return Term(node.value, node.field, node.quoted, clauses)
    if isinstance(node, Not):
        inner = _analyse(node.item)
        return None if inner is None else Not(inner)
    if isinstance(node, And | Or):
        items = tuple(x for x in (_analyse(i) for i in node.items) if x is not None)
        if not items:
            return None
        if len(items) == 1:
            return items[0]
        return type(node)(items)
    return node


def _positive(node: Node) -> bool:
    """Whether ``node`` selects pages by itself (a NOT only removes pages from something else)."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_positive(i) for i in node.items)
    if isinstance(node, Or):
        return all(_positive(i) for i in node.items)
    return True


def parse(query: str) -> Node:
    """Parse ``query`` into a tree; raises :class:`QueryError` with a message for the user."""
    if not isinstance(query, str):
        raise QueryError("检索式必须是文字")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"检索式太长（最多 {MAX_QUERY_CHARS} 个字）")
    q = unicodedata.normalize("NFKC", query).replace("\x00", " ").strip()
    if not q:
        raise QueryError("请输入检索词")
    if len(q) > 2 * MAX_QUERY_CHARS:  # NFKC expands a few compatibility characters a lot
        raise QueryError(f"检索式太长（最多 {MAX_QUERY_CHARS} 个字）")
    toks = lex(q)
    if not toks:
        raise QueryError("请输入检索词")
    node = _analyse(_Parser(toks).parse())
    if node is None:
        raise QueryError("检索式里没有可检索的文字")
    _check_nots(node)
    if not _positive(node):
        raise QueryError("NOT 只能排除：请同时写出要查找的词，例如“退休 NOT 病退”")
    return node


def _check_nots(node: Node) -> None:
    """Every OR branch must select pages by itself: "A OR NOT B" would match nearly everything."""
    if isinstance(node, Or):
        for item in node.items:
            if not _positive(item):
                raise QueryError("OR 的每一边都要有要查找的词（NOT 只能配合 AND 排除）")
            _check_nots(item)
    elif isinstance(node, And):
        for item in node.items:
            _check_nots(item)
    elif isinstance(node, Not):
        _check_nots(node.item)


def needles(node: Node) -> list[str]:
    """The positive text terms of a query: what snippets mark and hits report for highlighting."""
    out: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            if n.value not in out:
                out.append(n.value)
        elif isinstance(n, And | Or):
            for i in n.items:
                walk(i)

    walk(node)
    return out


def check_paging(limit: int, offset: int) -> tuple[int, int]:
    """Bound a page of results.

    ``limit`` is clamped to 0…:data:`MAX_LIMIT`; an ``offset`` over :data:`MAX_OFFSET` is refused (nobody
    pages that far, and it would make the engine rank that many hits).
    """
    if offset < 0 or limit < 0:
        raise QueryError("分页参数不能为负数")
    if offset > MAX_OFFSET:
        raise QueryError(f"只能查看前 {MAX_OFFSET} 条结果，请缩小检索范围")
    return min(limit, MAX_LIMIT), offset
