"""How much a query costs, and when to answer it from a sample of the index instead of all of it.

Both engines answer most queries exactly in milliseconds.  What grows with the index is the work on
queries with very many hits: a phrase of common characters (``"参加工作时间"`` is on most forms) is
checked position by position on every page that holds all its bigrams, and facets count every hit.
At a million pages that is 100–250 ms on tantivy and seconds on whoosh, for a total nobody reads to the
last digit.  So, before running a query, the backend estimates its work from the document frequencies
of its terms (one dictionary look-up each, the same numbers in both engines because both index the same
tokens), and:

* work ≤ ``work_bound``: the query runs over every page; total, hits and facets are exact;
* above: it runs over the first *k* of the :data:`~search.analysis.SAMPLE_BUCKETS` buckets
  (``page_id % 64``), *k* chosen so the work stays near the bound; the total is the sample's count
  scaled up and flagged (``Results.total_exact`` False, shown as "约 73 万页"), the hits are the best of the
  sample;
* facets over more than ``facet_bound`` hits are counted on a sample of buckets holding about that many
  hits and scaled to the total (``Results.facets_exact`` False).

The model is deliberately simple: a page visited for a term costs 1, a page whose positions are checked
for a phrase :data:`PHRASE_WEIGHT`.  The bounds are per backend (tantivy does ~100 × whoosh's work in a
millisecond) and ``None`` turns sampling off (the benchmark's baseline does).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from search.analysis import SAMPLE_BUCKETS, TEXT_FIELDS, Phrase, Word
from search.query import And, Exact, Node, Not, Or, Range, Term

__all__ = ["PHRASE_WEIGHT", "Cost", "facet_buckets", "grow", "query_cost", "sample_buckets", "scale", "scaled_total"]

# A page whose positions are read and compared, relative to a page merely visited in a posting list: on
# tantivy at 100,000 pages "同意" visits 96,000 pages in 1.3 ms, "参加工作时间" checks 59,000 in 53 ms.
PHRASE_WEIGHT = 50

DocFreq = Callable[[str, str], int]  # (field, token) → number of pages holding it


@dataclass(frozen=True)
class Cost:
    """``cand``: at most this many pages match; ``work``: pages the engine visits, weighted."""

    cand: float
    work: float


def _clauses(name: str, clauses: Sequence[Word | Phrase], df: DocFreq) -> Cost:
    """All clauses of one term in one field: the engine leads with the rarest list and checks the rest."""
    cands: list[float] = []
    weight = 0.0
    for clause in clauses:
        if isinstance(clause, Word):
            cands.append(df(f"{name}_w", clause.token))
            weight += 1
        else:
            tokens = clause.tokens
            cands.append(min(df(f"{name}_g", t) for t in tokens))
            weight += 1 if len(tokens) == 1 else PHRASE_WEIGHT
    cand = min(cands)
    return Cost(cand, cand * weight)


def query_cost(node: Node, df: DocFreq, n_docs: int, streets: Sequence[str] | None = None) -> Cost:
    """The estimated cost of ``node`` within ``streets`` over an index of ``n_docs`` pages."""
    cost = _cost(node, df, n_docs)
    if streets is None:
        return cost
    scope = min(float(n_docs), float(sum(df("street", s) for s in streets)))
    cand = min(cost.cand, scope)
    # The scope is one more list to intersect: it only lowers the work when it is the rarer one.
    return Cost(cand, min(cost.work + cand, scope + cand * cost.work / max(cost.cand, 1.0)))


def _cost(node: Node, df: DocFreq, n: int) -> Cost:
    if isinstance(node, Term):
        names = (node.field,) if node.field else TEXT_FIELDS
        parts = [_clauses(name, node.clauses, df) for name in names]
        return Cost(min(float(n), sum(p.cand for p in parts)), sum(p.work for p in parts))
    if isinstance(node, Exact):
        c = float(df(node.field, node.value))
        return Cost(c, c)
    if isinstance(node, Range):
        return Cost(float(n), float(n) / 4)  # a fast-field scan; how many pages match is unknown
    if isinstance(node, Or):
        parts = [_cost(i, df, n) for i in node.items]
        return Cost(min(float(n), sum(p.cand for p in parts)), sum(p.work for p in parts))
    if isinstance(node, And):
        pos = [_cost(i, df, n) for i in node.items if not isinstance(i, Not)]
        neg = [_cost(i.item, df, n) for i in node.items if isinstance(i, Not)]
        cand = min(p.cand for p in pos)
        # Led by the rarest item, every other one is checked on its candidates, at that item's unit cost.
        work = sum(min(p.work, cand * p.work / max(p.cand, 1.0)) for p in pos + neg)
        return Cost(cand, work)
    return _cost(node.item, df, n)  # pragma: no cover - a Not is only ever inside an And


def sample_buckets(cost: Cost, bound: float | None, want: int) -> tuple[str, ...] | None:
    """The buckets to run a query over, or ``None`` for all of them (an exact answer).

    ``want``: hits the page needs (offset + limit); the sample is made large enough to hold about twice
    that many, so paging through a sampled result stays within one sample.
    """
    if bound is None or cost.work <= bound:
        return None
    k = max(math.ceil(SAMPLE_BUCKETS * bound / cost.work),
            math.ceil(SAMPLE_BUCKETS * 2 * want / max(cost.cand, 1.0)))
    if k >= SAMPLE_BUCKETS:
        return None
    return tuple(str(b) for b in range(k))


def grow(buckets: tuple[str, ...]) -> tuple[str, ...] | None:
    """A four times larger sample (``None``: every page), for a sample that held too few hits for the page.

    The candidate estimate is an upper bound: a phrase whose bigrams are common may match few pages, and
    those few must still be found.  Growing by four keeps the total work under 4/3 of the last run's.
    """
    k = len(buckets) * 4
    return None if k >= SAMPLE_BUCKETS else tuple(str(b) for b in range(k))


def facet_buckets(total: int, bound: int | None) -> tuple[str, ...] | None:
    """The buckets to count facets over for ``total`` hits, or ``None`` for all of them.

    Counting costs the hits themselves (and, on tantivy, running the query again, whose work the main pass
    already bounded): about ``bound`` hits are counted.
    """
    if bound is None or total <= bound:
        return None
    k = math.ceil(SAMPLE_BUCKETS * bound / total)
    return None if k >= SAMPLE_BUCKETS else tuple(str(b) for b in range(k))


def scale(counts: dict[str, int], sampled: int, total: int) -> dict[str, int]:
    """Facet counts of a sample of ``sampled`` hits, scaled to ``total`` hits (a ratio estimate)."""
    if sampled <= 0:
        return {}
    return {k: max(1, round(v * total / sampled)) for k, v in counts.items()}


def scaled_total(count: int, buckets: tuple[str, ...] | None) -> int:
    """The total of a query run over ``buckets``: the sample's count scaled to every bucket."""
    if buckets is None:
        return count
    return round(count * SAMPLE_BUCKETS / len(buckets))
