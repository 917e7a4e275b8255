"""Totals, hits and facets agree: across backends, with and without facets, scoped and unscoped.

The index here is written in many batches, so both engines hold several segments: whoosh's block-quality
skipping used to count only the pages it scored on such an index (``表`` in two streets: 122 of 208 with
``facets=False``).  The truth is plain substring checks on the documents (tests/search/helpers.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.demo import generate_people
from search import PageDoc, SearchIndex
from search.analysis import SAMPLE_BUCKETS
from tests.search.helpers import BACKENDS, all_hits, contains, demo_docs, edited, fill, open_backend

# (query, the substring every hit holds, or None when the query is not a single substring)
QUERIES = [
    ("表", "表"), ("同意", "同意"), ("退休", "退休"), ('"同意退休"', "同意退休"), ("工作", "工作"),
    ("北京", "北京"), ("审批表", "审批表"), ("机床", "机床"), ("单位:公司", None), ("类别:9", None),
    ("形成时间:1980..1999", None), ("工作 NOT 退休", None), ("招工 OR 毕业", None), ("(同意 OR 批准) 表", None),
]


@pytest.fixture(scope="module")
def docs() -> list[PageDoc]:
    return demo_docs(generate_people(60, seed=2031))


@pytest.fixture(scope="module")
def indexes(docs: list[PageDoc], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SearchIndex]]:
    out = {}
    for backend in BACKENDS:
        ix = open_backend(backend, tmp_path_factory.mktemp(backend) / "ix")
        for i in range(0, len(docs), 250):  # one segment per batch (whoosh merges only some of them)
            fill(ix, docs[i:i + 250])
        out[backend] = ix
    yield out
    for ix in out.values():
        ix.close()


def scopes(docs: list[PageDoc]) -> list[list[str] | None]:
    streets = [s for s, _ in Counter(d.street for d in docs).most_common()]
    return [None, streets[:1], streets[1:3], streets[3:9]]


def test_the_index_has_several_segments(indexes: dict[str, SearchIndex]) -> None:
    from whoosh.reading import MultiReader

    with indexes["whoosh"]._ix.searcher() as s:  # type: ignore[attr-defined]
        assert isinstance(s.reader(), MultiReader)
    assert indexes["tantivy"]._ix.searcher().num_segments > 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(("query", "needle"), QUERIES)
def test_totals_agree(indexes: dict[str, SearchIndex], docs: list[PageDoc], query: str, needle: str | None) -> None:
    for streets in scopes(docs):
        totals = {}
        for backend, ix in indexes.items():
            plain = ix.search(query, streets=streets, facets=False)
            faceted = ix.search(query, streets=streets, facets=True)
            assert plain.total_exact and faceted.total_exact and faceted.facets_exact
            totals[(backend, False)] = plain.total
            totals[(backend, True)] = faceted.total
        assert len(set(totals.values())) == 1, (query, streets, totals)
        if needle is not None:
            truth = sum(1 for d in docs if (streets is None or d.street in streets) and contains(d, needle))
            assert set(totals.values()) == {truth}, (query, streets, totals)


@pytest.mark.parametrize(("query", "needle"), QUERIES)
def test_hits_and_facets_agree(indexes: dict[str, SearchIndex], docs: list[PageDoc], query: str,
                               needle: str | None) -> None:
    for streets in scopes(docs):
        hits = {b: all_hits(ix, query, streets) for b, ix in indexes.items()}
        assert len(hits["whoosh"]) == len(set(hits["whoosh"])) == indexes["whoosh"].search(query, streets=streets).total
        assert set(hits["whoosh"]) == set(hits["tantivy"]), (query, streets)
        if needle is not None:
            truth = {d.page_id for d in docs if (streets is None or d.street in streets) and contains(d, needle)}
            assert set(hits["tantivy"]) == truth
        # Facets agree across backends, and whether every hit is on the page (tantivy counts them from
        # the hits) or not (it aggregates).
        facets = [ix.search(query, streets=streets, limit=limit).facets
                  for ix in indexes.values() for limit in (5, 100)]
        assert all(f == facets[0] for f in facets), (query, streets)
        by_id = {d.page_id: d for d in docs}
        truth_class = Counter(by_id[i].class_code.split("-")[0] for i in hits["whoosh"])
        assert facets[0]["class"] == dict(truth_class)


def test_sampled_answers_agree_and_are_flagged(indexes: dict[str, SearchIndex], docs: list[PageDoc],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """With low bounds both backends sample the same buckets: the same estimate, the same hits."""
    for ix in indexes.values():
        monkeypatch.setattr(ix, "work_bound", 300)
        monkeypatch.setattr(ix, "facet_bound", None)  # whoosh has none: it counts facets in the search pass
    for query, needle in (("同意", "同意"), ('"同意退休"', "同意退休"), ("表", "表")):
        for streets in (None, scopes(docs)[2]):
            truth = [d for d in docs if (streets is None or d.street in streets) and contains(d, needle)]
            w, t = (ix.search(query, streets=streets, limit=10) for ix in indexes.values())
            assert (w.total, w.total_exact, w.facets, w.facets_exact) == (t.total, t.total_exact, t.facets,
                                                                          t.facets_exact)
            ids = {h.page_id for h in w.hits} | {h.page_id for h in t.hits}
            assert ids <= {d.page_id for d in truth} and len(w.hits) == len(t.hits) == min(10, len(truth))
            if w.total_exact:
                assert w.total == len(truth)
                continue
            # The estimate is the count in the first k buckets scaled up, and the hits come from them.
            ks = [k for k in range(1, SAMPLE_BUCKETS)
                  if round(sum(d.page_id % SAMPLE_BUCKETS < k for d in truth) * SAMPLE_BUCKETS / k) == w.total
                  and all(i % SAMPLE_BUCKETS < k for i in ids)]
            assert ks, (query, streets, w.total, len(truth))
            assert 0.5 * len(truth) <= w.total <= 1.5 * len(truth), (query, w.total, len(truth))
            assert not w.facets_exact
            assert 0.5 * len(truth) <= sum(w.facets["class"].values()) <= 1.5 * len(truth)
    # A common word over every page is sampled; a rare one stays exact.
    assert not indexes["tantivy"].search("表").total_exact
    assert indexes["tantivy"].search('"同意退休"', streets=scopes(docs)[1]).total_exact
    # tantivy counts facets in a second pass: over many hits, on a sample, even when the total is exact.
    tv = indexes["tantivy"]
    monkeypatch.setattr(tv, "work_bound", None)
    monkeypatch.setattr(tv, "facet_bound", 100)
    res = tv.search("同意", limit=5)
    truth = [d for d in docs if contains(d, "同意")]
    assert res.total_exact and res.total == len(truth) and not res.facets_exact
    assert 0.5 * len(truth) <= sum(res.facets["class"].values()) <= 1.5 * len(truth)


def test_pooled_searchers_see_new_commits(tmp_path: Path, docs: list[PageDoc]) -> None:
    """whoosh keeps its searchers between queries and refreshes them when the index changes."""
    ix = open_backend("whoosh", tmp_path / "ix")
    fill(ix, docs[:50])
    other = open_backend("whoosh", tmp_path / "ix")  # another process's view of the same directory
    before = ix.search("同意", facets=False).total
    assert other.search("同意", facets=False).total == before
    fill(ix, [edited(docs[60], page_id=99_999, text="新加的一页：同意")])
    assert ix.search("新加的一页").total == 1
    assert other.search("新加的一页").total == 1 and other.search("同意", facets=False).total == before + 1
    with other.batch() as b:
        b.delete(99_999)
    assert ix.search("新加的一页").total == 0
    ix.close()
    other.close()


def test_optimize_merges_segments_and_changes_nothing(tmp_path: Path, docs: list[PageDoc]) -> None:
    ix = open_backend("whoosh", tmp_path / "ix")
    for i in range(0, 600, 100):
        fill(ix, docs[i:i + 100])
    before = {q: (ix.search(q).total, ix.search(q).facets, set(all_hits(ix, q))) for q, _ in QUERIES[:6]}
    assert len(ix._ix._segments()) > 1  # type: ignore[attr-defined]
    ix.optimize()
    assert len(ix._ix._segments()) == 1  # type: ignore[attr-defined]
    assert {q: (ix.search(q).total, ix.search(q).facets, set(all_hits(ix, q))) for q, _ in QUERIES[:6]} == before
    ix.close()
