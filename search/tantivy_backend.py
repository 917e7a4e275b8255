"""The tantivy backend: the Rust engine, for district scale (hundreds of thousands of pages and more).

Analysed fields are fed as space-joined tokens from :mod:`search.analysis` through tantivy's
``whitespace`` tokenizer, so tantivy and whoosh index exactly the same tokens: ``*_w`` fields record
frequencies only (words are matched as terms), ``*_g`` fields record positions (phrases of bigrams) and
drop the fillers while keeping their positions, so phrases name every other bigram
(:meth:`search.analysis.Phrase.positioned`): at a million pages that halves the cost of long phrases.
Keyword fields (street, employer, class, decade) use the ``raw`` tokenizer and are fast fields, so the
street scope is a term-set filter inside the engine and facets are tantivy aggregations (over a sample
when the hits are many, from the hits themselves when all are on the page; see :mod:`search.estimate`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, cast

import tantivy
from tantivy import Occur, Query

from search.analysis import FILLER, TEXT_FIELDS, IndexFields, Phrase, Word, index_fields
from search.base import Batch, Hit, PageDoc, QueryError, Results, SearchIndex
from search.estimate import facet_buckets, grow, query_cost, sample_buckets, scale, scaled_total
from search.query import And, Exact, Node, Not, Or, Range, Term, check_paging, needles, parse
from search.snippets import highlight

__all__ = ["TantivyIndex"]

log = logging.getLogger(__name__)

TEXT_BOOST = 3.0  # a match in the page text outranks one in the catalogue data of the page's file
FACET_SIZE = 50  # values per facet, most frequent first
LOCK_SECONDS = 60.0  # wait this long for another process's writer
WRITER_THREADS = max(1, min(4, os.cpu_count() or 1))
WRITER_HEAP = 64_000_000 * WRITER_THREADS
GRAMS_TOKENIZER = "dangan_grams"
_KEYWORDS = ("street", "employer", "class_code", "class_major", "decade")
_FACETS = {"class": "class_major", "employer": "employer", "street": "street", "decade": "decade"}
# Sampling bounds (search.estimate), measured at 1,000,000 pages (bench/search.py).
WORK_BOUND = 500_000
FACET_BOUND = 20_000


class _SearchResult(Protocol):
    """``tantivy.SearchResult`` as it is at run time: the stub shipped with tantivy 0.27 omits ``count``."""

    @property
    def hits(self) -> list[tuple[Any, tantivy.DocAddress]]: ...

    @property
    def count(self) -> int | None: ...  # None unless searched with count=True


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("page_id", stored=False, indexed=True, fast=True)
    for name in _KEYWORDS:
        sb.add_text_field(name, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("formed", stored=False, indexed=True, fast=True)
    sb.add_text_field("sample", stored=False, tokenizer_name="raw", index_option="basic")
    sb.add_bytes_field("payload", stored=True, indexed=False, fast=False)
    for name in TEXT_FIELDS:
        sb.add_text_field(f"{name}_w", stored=False, tokenizer_name="whitespace", index_option="freq")
        sb.add_text_field(f"{name}_g", stored=False, tokenizer_name=GRAMS_TOKENIZER, index_option="position")
    return sb.build()


def _grams_analyzer() -> tantivy.TextAnalyzer:
    """Whitespace tokens; the fillers are dropped but have counted as positions (gaps in the positions)."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
            .filter(tantivy.Filter.custom_stopword([FILLER]))
            .build())


def _document(f: IndexFields) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_integer("page_id", f.page_id)
    for name in _KEYWORDS:
        value = getattr(f, name)
        if value:
            doc.add_text(name, value)
    if f.formed is not None:
        doc.add_integer("formed", f.formed)
    doc.add_text("sample", f.sample)
    doc.add_bytes("payload", f.stored.encode())
    for name, (words, grams) in f.analysed.items():
        if words:
            doc.add_text(f"{name}_w", words)
            doc.add_text(f"{name}_g", grams)
    return doc


class _TantivyBatch(Batch):
    """Writes straight into a tantivy writer (deletes apply to earlier adds of the same writer)."""

    def __init__(self, owner: TantivyIndex) -> None:
        self.owner = owner
        self.writer: tantivy.IndexWriter | None = None

    def _writer(self) -> tantivy.IndexWriter:
        if self.writer is None:
            self.writer = self.owner._open_writer()
        return self.writer

    def add(self, doc: PageDoc) -> None:
        """Add or replace the page ``doc.page_id``."""
        document = _document(index_fields(doc))
        w = self._writer()
        w.delete_documents_by_term("page_id", doc.page_id)
        w.add_document(document)

    def delete(self, page_id: int) -> None:
        """Remove a page."""
        self._writer().delete_documents_by_term("page_id", int(page_id))

    def commit(self) -> None:
        if self.writer is None:
            return
        w, self.writer = self.writer, None
        w.commit()
        w.wait_merging_threads()  # also drops the writer, releasing the index lock for other processes
        self.owner._ix.reload()

    def rollback(self) -> None:
        if self.writer is None:
            return
        w, self.writer = self.writer, None
        try:
            w.rollback()
        finally:
            w.wait_merging_threads()


class TantivyIndex(SearchIndex):
    """A tantivy index in a directory, or in memory (``path=None``, for tests)."""

    name = "tantivy"
    work_bound: float | None = WORK_BOUND  # see search.estimate; None: always exact (the benchmark's baseline)
    facet_bound: int | None = FACET_BOUND

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._schema = _schema()
        if path is None:
            self._ix = tantivy.Index(self._schema)
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._ix = tantivy.Index(self._schema, path=str(path), reuse=True)
            self._ix.config_reader(reload_policy="OnCommit")  # see other processes' commits
        # Tokenizers are not stored in the index: register ours on every open, before any write or query.
        self._ix.register_tokenizer(GRAMS_TOKENIZER, _grams_analyzer())
        self._lock = threading.Lock()

    # --- writing -----------------------------------------------------------------------------------------

    def _open_writer(self) -> tantivy.IndexWriter:
        """A writer; another process may hold the index lock for a while (an ingest batch), so wait."""
        deadline = time.monotonic() + LOCK_SECONDS
        delay = 0.05
        while True:
            try:
                return self._ix.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)
            except ValueError as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(1.0, delay * 2)

    @contextmanager
    def batch(self) -> Iterator[_TantivyBatch]:
        """Commit when the block ends normally; roll back on an exception."""
        if not self._lock.acquire(timeout=LOCK_SECONDS):
            raise RuntimeError("another search index batch is still open in this process")
        try:
            b = _TantivyBatch(self)
            try:
                yield b
            except BaseException:
                b.rollback()
                raise
            b.commit()
        finally:
            self._lock.release()

    def clear(self) -> None:
        """Remove every page."""
        with self.batch() as b:
            b._writer().delete_all_documents()

    # --- reading -----------------------------------------------------------------------------------------

    def count(self) -> int:
        """Number of indexed pages."""
        return self._ix.searcher().num_docs

    def page_ids(self) -> Iterator[int]:
        """Every indexed page id, in order, read in chunks from the ``page_id`` fast field."""
        searcher = self._ix.searcher()
        last = None
        while True:
            q = (Query.all_query() if last is None else
                 Query.range_query(self._schema, "page_id", tantivy.FieldType.Integer, last, None,
                                   include_lower=False))
            res = searcher.search(q, limit=10_000, count=False, order_by_field="page_id", order=tantivy.Order.Asc)
            if not res.hits:
                return
            for key, _addr in res.hits:
                yield int(key)
            last = int(res.hits[-1][0])

    def search(self, query: str, *, streets: Sequence[str] | None = None, limit: int = 20, offset: int = 0,
               facets: bool = True) -> Results:
        """Run ``query`` within ``streets`` (see :class:`~search.base.SearchIndex`)."""
        t0 = time.perf_counter()
        limit, offset = check_paging(limit, offset)
        node = parse(query)
        if streets is not None and not streets:
            return Results(0, (), _ms(t0), {name: {} for name in _FACETS} if facets else {})
        searcher = self._ix.searcher()
        cost = query_cost(node, searcher.doc_freq, searcher.num_docs, streets)
        buckets = sample_buckets(cost, self.work_bound, offset + limit)
        compiled = self._compile(node)
        q = self._restrict(compiled, streets, buckets)
        res = self._run(searcher, q, limit, offset, query)
        count = int(res.count or 0)
        while buckets is not None and count < offset + limit:  # too few hits in the sample for the page
            buckets = grow(buckets)
            q = self._restrict(compiled, streets, buckets)
            res = self._run(searcher, q, limit, offset, query)
            count = int(res.count or 0)
        total = scaled_total(count, buckets)
        marks = needles(node)
        hits = []
        seen: dict[str, dict[str, int]] = {name: {} for name in _FACETS}  # facet values of the hits in hand
        for score, addr in res.hits[:limit]:
            payload = searcher.doc(addr).get_first("payload")
            if not isinstance(payload, bytes):  # pragma: no cover - every document is added with its payload
                raise RuntimeError(f"tantivy document {addr!r} has no payload")
            hit, values = _hit(payload, score, marks)
            hits.append(hit)
            for name, value in values.items():
                if value:
                    seen[name][value] = seen[name].get(value, 0) + 1
        facet_counts: dict[str, dict[str, int]] = {}
        facets_exact = True
        if facets:
            fb = facet_buckets(total, self.facet_bound)
            if buckets is not None and (fb is None or len(fb) >= len(buckets)):
                fb = buckets  # never a larger sample for the facets than for the hits
            if fb == buckets and offset == 0 and count <= len(hits):
                # Every hit is on this page: its facets are the hits' own values, no second pass.
                facet_counts, sampled = {name: _top(values) for name, values in seen.items()}, count
            else:
                # tantivy cannot count facets in the search pass: aggregate in a second one, over a sample
                # when the hits are many (search.estimate), so its cost stays bounded.
                fq = q if fb == buckets else self._restrict(compiled, streets, fb)
                facet_counts, sampled = self._aggregate(searcher, fq)
            if fb is not None:
                facet_counts, facets_exact = _scaled(facet_counts, sampled, total), False
        return Results(total, tuple(hits), _ms(t0), facet_counts, total_exact=buckets is None,
                       facets_exact=facets_exact)

    @staticmethod
    def _run(searcher: tantivy.Searcher, q: Query, limit: int, offset: int, query: str) -> _SearchResult:
        try:
            return cast(_SearchResult, searcher.search(q, limit=max(1, limit), offset=offset, count=True))
        except ValueError as exc:  # pragma: no cover - queries are built from a validated tree
            log.exception("tantivy refused a query: %r", query)
            raise QueryError("无法执行这个检索式") from exc

    def _restrict(self, q: Query, streets: Sequence[str] | None, buckets: Sequence[str] | None) -> Query:
        """``q`` within the scope and the sample (filters of constant score 0: they do not change the ranking)."""
        parts = [(Occur.Must, q)]
        for field, values in (("street", streets), ("sample", buckets)):
            if values is not None:
                filt = Query.term_set_query(self._schema, field, list(values))
                parts.append((Occur.Must, Query.const_score_query(filt, 0.0)))
        return q if len(parts) == 1 else Query.boolean_query(parts)

    @staticmethod
    def _aggregate(searcher: tantivy.Searcher, q: Query) -> tuple[dict[str, dict[str, int]], int]:
        """Facet counts of every match of ``q``, and the number of matches (counted in the same pass)."""
        aggs: dict[str, Any] = {name: {"terms": {"field": f, "size": FACET_SIZE}} for name, f in _FACETS.items()}
        aggs["_n"] = {"value_count": {"field": "page_id"}}
        out = searcher.aggregate(q, aggs)
        counts = {}
        for name in _FACETS:
            buckets = out.get(name, {}).get("buckets", [])
            counts[name] = {str(b["key"]): int(b["doc_count"]) for b in buckets if b["key"] != ""}
        return counts, int(out.get("_n", {}).get("value") or 0)

    def _compile(self, node: Node) -> Query:
        """The tantivy query for a parsed tree."""
        if isinstance(node, Term):
            names = (node.field,) if node.field else TEXT_FIELDS
            per_field = []
            for name in names:
                parts = [self._clause(name, c) for c in node.clauses]
                q = parts[0] if len(parts) == 1 else Query.boolean_query([(Occur.Must, p) for p in parts])
                if name == "text" and node.field is None:
                    q = Query.boost_query(q, TEXT_BOOST)
                per_field.append(q)
            if len(per_field) == 1:
                return per_field[0]
            return Query.boolean_query([(Occur.Should, q) for q in per_field])
        if isinstance(node, Exact):
            return Query.term_query(self._schema, node.field, node.value, index_option="basic")
        if isinstance(node, Range):
            return Query.range_query(self._schema, node.field, tantivy.FieldType.Integer, node.lo, node.hi)
        if isinstance(node, Or):
            return Query.boolean_query([(Occur.Should, self._compile(i)) for i in node.items])
        if isinstance(node, And):
            subs = [(Occur.MustNot, self._compile(i.item)) if isinstance(i, Not) else (Occur.Must, self._compile(i))
                    for i in node.items]
            return Query.boolean_query(subs)
        raise QueryError("NOT 只能用来排除")  # pragma: no cover - parse() rejects a bare NOT

    def _clause(self, name: str, clause: Word | Phrase) -> Query:
        if isinstance(clause, Word):
            return Query.term_query(self._schema, f"{name}_w", clause.token, index_option="freq")
        words = clause.positioned()
        if len(words) == 1:
            return Query.term_query(self._schema, f"{name}_g", words[0][1], index_option="freq")
        terms: list[str | tuple[int, str]] = list(words)  # the stub wants this exact (invariant) list type
        return Query.phrase_query(self._schema, f"{name}_g", terms)

    def close(self) -> None:
        """Nothing to release: writers live only as long as a batch."""


def _hit(payload: bytes, score: float, marks: list[str]) -> tuple[Hit, dict[str, str]]:
    """The hit of a stored payload, and the page's facet values."""
    p = json.loads(payload)
    snippet, terms = highlight(p["text"], marks)
    hit = Hit(page_id=p["page_id"], file_id=p["file_id"], archive_no=p["archive_no"], position=p["position"],
              class_code=p["class_code"], material_seq=p["material_seq"], score=float(score),
              snippet=snippet, terms=terms)
    return hit, p["facets"]


def _top(counts: dict[str, int]) -> dict[str, int]:
    """The FACET_SIZE most frequent values, as tantivy's terms aggregation orders them."""
    pairs = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return dict(pairs[:FACET_SIZE])


def _scaled(counts: dict[str, dict[str, int]], sampled: int, total: int) -> dict[str, dict[str, int]]:
    return {name: scale(values, sampled, total) for name, values in counts.items()}


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)
