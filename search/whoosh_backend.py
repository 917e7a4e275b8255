"""The whoosh backend: pure Python, embedded, the default.

Fields are pre-tokenised by :mod:`search.analysis` (space-joined tokens, split by whoosh's whitespace
tokenizer), so whoosh and tantivy index exactly the same tokens.  ``*_g`` fields drop the position
fillers and renumber, so a phrase here is all of its bigrams at consecutive positions.  Searchers are
pooled and refreshed per index generation; totals count every match.  Its query time grows with the
number of hits (a common word or phrase costs ~0.1–0.2 s of CPU at 10,000 pages): fine for a few
thousand pages (README, "Search").
"""

from __future__ import annotations

import json
import logging
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from search.analysis import FILLER, TEXT_FIELDS, Phrase, Word, index_fields
from search.base import Batch, Hit, PageDoc, QueryError, Results, SearchIndex
from search.estimate import grow, query_cost, sample_buckets, scale, scaled_total
from search.query import And, Exact, Node, Not, Or, Range, Term, check_paging, needles, parse
from search.snippets import highlight

# whoosh 2.7.4 predates Python 3.11: its modules emit SyntaxWarning/DeprecationWarning when compiled.
# Import everything it will need here, once, with those warnings silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import whoosh.codec.whoosh3  # noqa: F401 - imported lazily by whoosh otherwise (outside this block)
    import whoosh.columns  # noqa: F401
    import whoosh.matching  # noqa: F401
    import whoosh.query.positional  # noqa: F401
    from whoosh import collectors, fields, index, searching, sorting
    from whoosh import query as wq
    from whoosh.analysis import SpaceSeparatedTokenizer, StopFilter
    from whoosh.filedb.filestore import FileStorage, RamStorage
    from whoosh.searching import Searcher
    from whoosh.writing import CLEAR

__all__ = ["WhooshIndex"]

log = logging.getLogger(__name__)

TEXT_BOOST = 3.0  # a match in the page text outranks one in the catalogue data of the page's file
FACET_SIZE = 50  # values per facet, most frequent first
SEARCH_SECONDS = 10.0  # a query over this (a common word over a very large index) is refused
LOCK_SECONDS = 60.0  # wait this long for another process's writer
POOL_SIZE = 8  # idle searchers kept (one per concurrent search; each holds the segment files open)
# Sampling bound (search.estimate), measured on 10,000 pages (bench/search.py): whoosh checks a phrase's
# positions at ~0.1 ms a page, so "参加工作时间" over 5,900 pages took 0.56 s exact, 0.08 s sampled.
WORK_BOUND = 20_000


def _schema() -> fields.Schema:
    tok = SpaceSeparatedTokenizer()
    # Positions without the fillers (renumber): whoosh's phrases are consecutive (minsize 1: keep 字).
    grams = tok | StopFilter(stoplist=[FILLER], minsize=1, renumber=True)
    spec: dict[str, fields.FieldType] = {
        "page_id": fields.ID(stored=True, unique=True, sortable=True),
        "street": fields.ID(sortable=True),
        "employer": fields.ID(sortable=True),
        "class_code": fields.ID(),
        "class_major": fields.ID(sortable=True),
        "decade": fields.ID(sortable=True),
        "formed": fields.NUMERIC(numtype=int, bits=32),
        "sample": fields.ID(),
        "payload": fields.STORED(),
    }
    for name in TEXT_FIELDS:
        spec[f"{name}_w"] = fields.TEXT(analyzer=tok, phrase=False)
        spec[f"{name}_g"] = fields.TEXT(analyzer=grams, phrase=True)
    return fields.Schema(**spec)


class _WhooshBatch(Batch):
    """Collects operations (the last one per page wins) and writes them in one whoosh writer at the end.

    whoosh cannot delete a document added earlier by the same writer, so adding a page twice, or adding
    and then deleting it, inside one batch is only correct if the batch resolves it before writing.  The
    cost: the batch's documents are held in memory until it ends (feed a rebuild in batches of thousands).
    """

    def __init__(self) -> None:
        self.ops: dict[int, PageDoc | None] = {}

    def add(self, doc: PageDoc) -> None:
        """Add or replace the page ``doc.page_id``."""
        self.ops[doc.page_id] = doc

    def delete(self, page_id: int) -> None:
        """Remove a page."""
        self.ops[int(page_id)] = None


class WhooshIndex(SearchIndex):
    """A whoosh index in a directory, or in memory (``path=None``, for tests)."""

    name = "whoosh"
    work_bound: float | None = WORK_BOUND  # see search.estimate; None: always exact (the benchmark's baseline)
    facet_bound: int | None = None  # facets are counted in the search pass, sampled only with the hits
    reuse_searchers = True  # False: a searcher per query, as before (the benchmark's baseline)

    def __init__(self, path: Path | None) -> None:
        self.path = path
        schema = _schema()
        if path is None:
            self._ix = RamStorage().create_index(schema)
        else:
            path.mkdir(parents=True, exist_ok=True)
            storage = FileStorage(str(path))
            if index.exists_in(str(path)):
                self._ix = storage.open_index()
            else:
                self._ix = storage.create_index(schema)
        self._lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._idle: list[Searcher] = []

    # --- writing -----------------------------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """Commit the batch's operations when the block ends normally; on an exception write nothing."""
        b = _WhooshBatch()
        yield b
        if b.ops:
            self._write(b.ops)

    def _write(self, ops: dict[int, PageDoc | None]) -> None:
        prepared = {pid: index_fields(doc) if doc is not None else None for pid, doc in ops.items()}
        with self._lock:
            writer = self._ix.writer(timeout=LOCK_SECONDS)
            # One searcher for every delete: whoosh opens a new one per call otherwise (10 % of indexing).
            existing = writer.searcher()
            try:
                for pid, f in prepared.items():
                    writer.delete_by_term("page_id", str(pid), searcher=existing)
                    if f is None:
                        continue
                    doc: dict[str, object] = {"page_id": str(pid), "payload": f.stored}
                    for key in ("street", "employer", "class_code", "class_major", "decade", "sample"):
                        value = getattr(f, key)
                        if value:  # whoosh indexes no token for "", and a column default is ""
                            doc[key] = value
                    if f.formed is not None:
                        doc["formed"] = f.formed
                    for name, (words, grams) in f.analysed.items():
                        doc[f"{name}_w"] = words
                        doc[f"{name}_g"] = grams
                    writer.add_document(**doc)
            except BaseException:
                existing.close()
                writer.cancel()
                raise
            existing.close()
            writer.commit()

    def optimize(self) -> None:
        """Merge every segment into one.

        A rebuild in batches leaves a segment per batch that whoosh's merge policy did not fold in; every
        query then opens and searches each of them (ten segments made a query at 100,000 pages cost ~0.4 s
        more).  Merging costs a rewrite of the index, so it runs after bulk indexing, not per batch.
        """
        with self._lock:
            writer = self._ix.writer(timeout=LOCK_SECONDS)
            writer.commit(optimize=True)

    def clear(self) -> None:
        """Remove every page."""
        with self._lock:
            writer = self._ix.writer(timeout=LOCK_SECONDS)
            writer.commit(mergetype=CLEAR)

    # --- reading -----------------------------------------------------------------------------------------

    def count(self) -> int:
        """Number of indexed pages."""
        return int(self._ix.doc_count())

    def page_ids(self) -> Iterator[int]:
        """Every indexed page id."""
        with self._ix.searcher() as s:
            reader = s.reader()
            if not reader.doc_count():
                return  # an empty index has no columns to read
            column = reader.column_reader("page_id")  # a column: no stored payloads (page text) to unpickle
            ids = [int(column[docnum]) for docnum in reader.all_doc_ids()]
        yield from ids

    def _acquire(self) -> Searcher:
        """An idle searcher of the current index generation (opening a searcher costs more than most queries)."""
        if not self.reuse_searchers:
            return self._ix.searcher()
        with self._pool_lock:
            s = self._idle.pop() if self._idle else None
        if s is None:
            return self._ix.searcher()
        if not s.up_to_date():
            # refresh() reopens only the segments that changed; the old searcher's readers are shared with
            # the new one, so it is dropped, not closed.
            s = s.refresh()
        return s

    def _release(self, s: Searcher) -> None:
        if self.reuse_searchers:
            with self._pool_lock:
                if len(self._idle) < POOL_SIZE:
                    self._idle.append(s)
                    return
        s.close()

    def close(self) -> None:
        """Close the idle searchers."""
        with self._pool_lock:
            idle, self._idle = self._idle, []
        for s in idle:
            s.close()

    def search(self, query: str, *, streets: Sequence[str] | None = None, limit: int = 20, offset: int = 0,
               facets: bool = True) -> Results:
        """Run ``query`` within ``streets`` (see :class:`~search.base.SearchIndex`)."""
        t0 = time.perf_counter()
        limit, offset = check_paging(limit, offset)
        node = parse(query)
        if streets is not None and not streets:
            return Results(0, (), _ms(t0), _empty_facets() if facets else {})
        marks = needles(node)
        s = self._acquire()
        try:
            cost = query_cost(node, s.doc_frequency, s.doc_count(), streets)
            buckets = sample_buckets(cost, self.work_bound, offset + limit)
            compiled = _compile(node)
            q = _restrict(compiled, streets, buckets)
            # Facets in the search pass, which visits every hit anyway (a second pass over a sample costs whoosh
            # more than counting them as it goes: measured).  They are sampled when the hits are.
            same_pass = facets
            results = _run(s, q, max(1, offset + limit), _GROUPS if same_pass else None, query)
            count = len(results)
            while buckets is not None and count < offset + limit:  # too few hits in the sample for the page
                buckets = grow(buckets)
                q = _restrict(compiled, streets, buckets)
                results = _run(s, q, max(1, offset + limit), _GROUPS if same_pass else None, query)
                count = len(results)
            total = scaled_total(count, buckets)
            hits = [_hit(results[i]["payload"], results.score(i), marks)
                    for i in range(offset, min(offset + limit, results.scored_length()))]
            facet_counts: dict[str, dict[str, int]] = {}
            facets_exact = True
            if facets:
                facet_counts = {name: _top(results.groups(name)) for name in _GROUPS}
                if buckets is not None:
                    facet_counts, facets_exact = _scaled(facet_counts, count, total), False
        finally:
            self._release(s)
        return Results(total, tuple(hits), _ms(t0), facet_counts, total_exact=buckets is None,
                       facets_exact=facets_exact)


_GROUPS = {
    "class": sorting.FieldFacet("class_major", maptype=sorting.Count),
    "employer": sorting.FieldFacet("employer", maptype=sorting.Count),
    "street": sorting.FieldFacet("street", maptype=sorting.Count),
    "decade": sorting.FieldFacet("decade", maptype=sorting.Count),
}


def _restrict(q: wq.Query, streets: Sequence[str] | None, buckets: Sequence[str] | None) -> wq.Query:
    """``q`` within the scope and the sample.

    Filters inside the query (score 0), so totals, facets and pages are the scope's; whoosh's ``filter=``
    collector would be bypassed by the time-limit collector wrapped around it.
    """
    parts = [q]
    for field, values in (("street", streets), ("sample", buckets)):
        if values is not None:
            parts.append(wq.ConstantScoreQuery(wq.Or([wq.Term(field, v) for v in values]), 0.0))
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _run(s: Searcher, q: wq.Query, limit: int, groups: dict[str, sorting.FieldFacet] | None,
         query: str) -> searching.Results:
    # Every match must be counted: whoosh's top-N collector skips blocks whose best score cannot make the
    # page (usequality) and drops sub-matchers that cannot either (replace) — a scope filter of score 0 is
    # one — and then reports only what it scored as the total (a sixth short on a multi-segment index).
    inner: collectors.Collector = collectors.TopCollector(limit, usequality=False, replace=0)
    if groups:
        inner = collectors.FacetCollector(inner, groups, maptype=None)
    # use_alarm=False: SIGALRM only works in the main thread, and searches run in server threads.
    tlc = collectors.TimeLimitCollector(inner, timelimit=SEARCH_SECONDS, use_alarm=False)
    try:
        s.search_with_collector(q, tlc)
    except collectors.TimeLimit:
        log.warning("whoosh search over %.0f s: %r", SEARCH_SECONDS, query)
        raise QueryError("检索用时过长，请加上更多检索词或字段条件缩小范围") from None
    return tlc.results()


def _scaled(counts: dict[str, dict[str, int]], sampled: int, total: int) -> dict[str, dict[str, int]]:
    return {name: scale(values, sampled, total) for name, values in counts.items()}


def _compile(node: Node) -> wq.Query:
    """The whoosh query for a parsed tree."""
    if isinstance(node, Term):
        names = (node.field,) if node.field else TEXT_FIELDS
        per_field = []
        for name in names:
            boost = TEXT_BOOST if name == "text" and node.field is None else 1.0
            parts = [_clause(name, c) for c in node.clauses]
            q = parts[0] if len(parts) == 1 else wq.And(parts)
            per_field.append(q.with_boost(boost) if boost != 1.0 else q)
        return per_field[0] if len(per_field) == 1 else wq.Or(per_field)
    if isinstance(node, Exact):
        return wq.Term(node.field, node.value)
    if isinstance(node, Range):
        return wq.NumericRange(node.field, node.lo, node.hi, constantscore=True)
    if isinstance(node, Or):
        return wq.Or([_compile(i) for i in node.items])
    if isinstance(node, And):
        pos = [_compile(i) for i in node.items if not isinstance(i, Not)]
        neg = [_compile(i.item) for i in node.items if isinstance(i, Not)]
        q = pos[0] if len(pos) == 1 else wq.And(pos)
        if neg:
            # Not wq.AndNot: whoosh 2.7.4's AndNotMatcher lets excluded pages through (seen in the rebuild
            # test: "审批 NOT 类别:9" kept a class-9 page); an And with a Not child is right.
            q = wq.And([q, wq.Not(neg[0] if len(neg) == 1 else wq.Or(neg))])
        return q
    raise QueryError("NOT 只能用来排除")  # pragma: no cover - parse() rejects a bare NOT


def _clause(name: str, clause: Word | Phrase) -> wq.Query:
    if isinstance(clause, Word):
        return wq.Term(f"{name}_w", clause.token)
    if len(clause.tokens) == 1:
        return wq.Term(f"{name}_g", clause.tokens[0])
    return wq.Phrase(f"{name}_g", list(clause.tokens))


def _hit(payload: str, score: float, marks: list[str]) -> Hit:
    p = json.loads(payload)
    snippet, terms = highlight(p["text"], marks)
    return Hit(page_id=p["page_id"], file_id=p["file_id"], archive_no=p["archive_no"], position=p["position"],
               class_code=p["class_code"], material_seq=p["material_seq"], score=float(score or 0.0),
               snippet=snippet, terms=terms)


def _top(counts: Mapping[object, int]) -> dict[str, int]:
    """The FACET_SIZE most frequent values of a ``sorting.Count`` facet (value → number of hits)."""
    pairs = [(str(k), int(v)) for k, v in counts.items() if k not in (None, "", b"") and v > 0]
    pairs.sort(key=lambda kv: (-kv[1], kv[0]))
    return dict(pairs[:FACET_SIZE])


def _empty_facets() -> dict[str, dict[str, int]]:
    return {"class": {}, "employer": {}, "street": {}, "decade": {}}


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)
