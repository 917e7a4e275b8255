"""Recall on labelled queries over generated pages with OCR noise, and the two backends agreeing.

The labels are computed without any engine code: a page is relevant when the query's words occur in it
after folding width, case and whitespace (what a person reading the page would call a match), or when its
catalogue data satisfies the field condition.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from archive.demo import DemoPerson
from search import PageDoc, SearchIndex
from tests.search.helpers import BACKENDS, all_hits, contains, demo_corpus, fill, fold, open_backend

Truth = Callable[[PageDoc], bool]


def has(*needles: str) -> Truth:
    return lambda d: all(contains(d, n) for n in needles)


def labelled(people: list[DemoPerson]) -> list[tuple[str, Truth]]:
    a, b, c, d, e, f = people[:6]
    return [
        # names: every page of the person's file, and pages that mention them
        (a.name, has(a.name)), (b.name, has(b.name)), (c.name, has(c.name)), (d.name, has(d.name)),
        (e.name, has(e.name)), (f"姓名:{f.name}", lambda x: f.name in x.person_name),
        # ID numbers and 档号, exact
        (a.id_number, has(a.id_number)), (c.id_number.lower(), has(c.id_number)),
        (f"身份证:{e.id_number}", lambda x: x.id_number == e.id_number),
        (b.archive_no, has(b.archive_no)), (f"档号:{d.archive_no}", lambda x: x.archive_no == d.archive_no),
        # words and phrases as staff type them
        ("退休", has("退休")), ("审批表", has("审批表")), ("招工", has("招工")), ("毕业证书", has("毕业证书")),
        ("健康检查", has("健康检查")), ("政治面貌", has("政治面貌")), ("转正定级", has("转正定级")),
        ("表扬", has("表扬")), ("签名", has("签名")), ("工资", has("工资")),
        ('"符合国家规定的退休条件"', has("符合国家规定的退休条件")), ('"本人签名"', has("本人签名")),
        ('"同意退休"', has("同意退休")), ("吃苦耐劳", has("吃苦耐劳")),
        # employers, fields and combinations
        (a.employer, has(a.employer)), (f"单位:{b.employer}", lambda x: b.employer in x.employer),
        ("类别:9 退休", lambda x: x.class_code.split("-")[0] == "9" and contains(x, "退休")),
        ("形成时间:1980..1989 同意", lambda x: x.formed[:3] == "198" and contains(x, "同意")),
        (f"{a.name} OR {b.name}", lambda x: contains(x, a.name) or contains(x, b.name)),
        ("退休 NOT 类别:9", lambda x: contains(x, "退休") and not x.class_code.startswith("9")),
        ("材料:登记表 家庭成员", lambda x: "登记表" in x.material_title and contains(x, "家庭成员")),
    ]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[DemoPerson], list[PageDoc]]:
    return demo_corpus(n_people=6)


@pytest.fixture(scope="module")
def indexes(corpus: tuple[list[DemoPerson], list[PageDoc]],
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, SearchIndex]:
    out = {}
    for backend in BACKENDS:
        ix = open_backend(backend, tmp_path_factory.mktemp(backend))
        fill(ix, corpus[1])
        out[backend] = ix
    return out


def test_corpus_has_ocr_noise(corpus: tuple[list[DemoPerson], list[PageDoc]]) -> None:
    """The labels depend on folding: many relevant pages do not contain the query as typed."""
    people, docs = corpus
    assert 180 <= len(docs) <= 400
    literal_misses = 0
    for query, truth in labelled(people):
        needle = query.split(":")[-1].strip('"')
        literal_misses += sum(1 for d in docs if truth(d) and needle in fold(query) and needle not in d.text
                              and fold(needle) in fold(d.text))
    assert literal_misses >= 50  # pages where OCR split the word or widened its digits
    assert any("０" <= ch <= "９" for d in docs for ch in d.text)


@pytest.mark.parametrize("backend", BACKENDS)
def test_recall_on_labelled_queries(backend: str, corpus: tuple[list[DemoPerson], list[PageDoc]],
                                    indexes: dict[str, SearchIndex]) -> None:
    people, docs = corpus
    ix = indexes[backend]
    found = relevant = returned = 0
    misses = []
    queries = labelled(people)
    assert len(queries) >= 30
    for query, truth in queries:
        want = {d.page_id for d in docs if truth(d)}
        assert want, f"label without relevant pages: {query}"
        got = set(all_hits(ix, query))
        found += len(want & got)
        relevant += len(want)
        returned += len(got)
        if want - got:
            misses.append((query, sorted(want - got)[:5]))
    recall, precision = found / relevant, found / returned
    print(f"\n{backend}: {len(queries)} labelled queries over {len(docs)} pages: "
          f"recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= 0.95, misses
    assert precision >= 0.95


AGREE = ["退休", "表", "同意", "审批 NOT 类别:9", "招工 OR 毕业", "(退休 OR 招工) NOT 形成时间:1990..1999",
         '"同意退休"', "1985年", "北京", "单位:公司 类别:4", "形成时间:1970..1979", "类别:9-2", "签名 NOT 同意",
         "家庭成员 -母亲", "政治面貌：群众"]


def test_backends_agree(corpus: tuple[list[DemoPerson], list[PageDoc]], indexes: dict[str, SearchIndex]) -> None:
    people, _ = corpus
    for query in AGREE + [p.name for p in people] + [f"{people[0].name} 退休"]:
        w, t = (indexes[b].search(query, limit=3) for b in BACKENDS)
        assert w.total == t.total, query
        assert w.facets == t.facets, query
        assert set(all_hits(indexes["whoosh"], query)) == set(all_hits(indexes["tantivy"], query)), query


def test_query_latency_is_small(indexes: dict[str, SearchIndex]) -> None:
    for ix in indexes.values():
        res = ix.search("表 OR 同意 OR 退休")
        assert res.took_ms < 1000
