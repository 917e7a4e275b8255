"""The contract every search backend meets: the same tests, run against whoosh and tantivy."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from search import PageDoc, QueryError, Results, SearchIndex
from tests.search.helpers import BACKENDS, all_hits, contains, demo_corpus, edited, fill, open_backend

ID_ZHANG = "11010219500312123X"


def page(page_id: int, file_id: int, text: str, **kw: object) -> PageDoc:
    base = {
        1: dict(archive_no="XC-2020-000123", street="月坛", person_name="张建国", id_number=ID_ZHANG,
                employer="北京第一机床厂"),
        2: dict(archive_no="XC-2020-000456", street="德胜", person_name="李秀英", id_number="110104196207150026",
                employer="北京市百货大楼"),
        3: dict(archive_no="XC-2020-000789", street="", person_name="王小明", id_number="110108195811020031",
                employer="西城区副食品公司"),
    }[file_id]
    values: dict[str, object] = dict(page_id=page_id, file_id=file_id, class_code="9-4", material_seq=1,
                                     material_title="报告", formed="", position=page_id, text=text)
    values.update(base)
    values.update(kw)
    return PageDoc(**values)  # type: ignore[arg-type]


SMALL = [
    page(1, 1, "职工退休审批表\n姓名：张建国　性别：男\n公民身份号码　11010219500312123X\n"
               "　　经审核，张建国同志符合国家规定的退休条件，同意退休。",
         class_code="9-4", material_title="职工退休审批表", formed="1990-05-01"),
    page(2, 1, "招工登记表\n本人签名：张 建 国", class_code="9-2", material_title="招工登记表", formed="1970"),
    page(3, 2, "退 休 审 批 表\n姓名：李秀英", class_code="9-4", material_title="职工退休审批表", formed="1995-02"),
    page(4, 2, "干部履历表\n何时何地受过何种奖励：退休审\n批表已存档", class_code="1", material_title="干部履历表",
         formed="1980-07-01"),
    page(5, 3, "关于审批退休的报告\n<b>危险</b> & 王小明", class_code="5", material_title="报告", formed="1985-03",
         seal_text="北京市西城区劳动局"),
    page(6, 3, "初中毕业证书\n学生王小明，１９７８年毕业。", class_code="4-1", material_title="毕业证书",
         formed="1978-07", material_seq=None),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def small(backend: str, tmp_path: Path) -> SearchIndex:
    """A fresh index of SMALL, for tests that write."""
    ix = open_backend(backend, tmp_path / "ix")
    fill(ix, SMALL)
    yield ix
    ix.close()


@pytest.fixture(scope="module", params=BACKENDS)
def ro(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """One index of SMALL per backend, shared by the tests that only read."""
    ix = open_backend(request.param, tmp_path_factory.mktemp(request.param) / "ix")
    fill(ix, SMALL)
    yield ix
    ix.close()


def ids(res: Results) -> set[int]:
    return {h.page_id for h in res.hits}


@pytest.mark.parametrize(("query", "expected"), [
    ("张建国", {1, 2}),  # the name: text on both pages, and the catalogue of the file
    ("王小明", {5, 6}),
    ("退休", {1, 3, 4, 5}),  # a word (page 3 is "退 休 …" as OCR split it)
    ("退休审批表", {1, 3, 4}),  # OCR split ("退 休 审 批 表", "退休审\n批表"); 3 also by title
    ('"退休审批"', {1, 3, 4}),  # a phrase in order …
    ('"审批退休"', {5}),  # … and out of order: only the page that has it that way
    ("退休 审批", {1, 3, 4, 5}),  # two words, any order
    (ID_ZHANG, {1, 2}),  # ID number exact (page 1 text, both pages' catalogue)
    (ID_ZHANG.lower(), {1, 2}),
    ("１１０１０２１９５００３１２１２３Ｘ", {1, 2}),  # full-width
    (ID_ZHANG[:10], set()),  # a prefix of an ID number is not a match
    ("XC-2020-000123", {1, 2}),  # 档号 exact
    ("ＸＣ－２０２０－０００１２３", {1, 2}),
    ("XC-2020-000124", set()),
    ("1978年", {6}),  # digits beside CJK, full-width in the text
    ("毕业", {6}),
])
def test_text_queries(ro: SearchIndex, query: str, expected: set[int]) -> None:
    res = ro.search(query, limit=50)
    assert ids(res) == expected
    assert res.total == len(expected)


@pytest.mark.parametrize(("query", "expected"), [
    ("姓名:张建国", {1, 2}),
    ("姓名：李秀英", {3, 4}),  # full-width colon
    ("姓名:张", {1, 2}),
    ("单位:机床厂", {1, 2}),
    ('单位:"北京市百货大楼"', {3, 4}),
    ("材料:履历表", {4}),
    ("材料:退休", {1, 3}),  # the title, not the text (4 and 5 only mention it)
    ("档号:XC-2020-000789", {5, 6}),
    ("档号:000789", {5, 6}),  # a part of the 档号
    (f"身份证:{ID_ZHANG}", {1, 2}),
    ("身份证:110104196207150026", {3, 4}),
    ("类别:9", {1, 2, 3}),  # class prefix: 9, 9-1 … 9-4
    ("类别:9-2", {2}),
    ("类别:九-4", {1, 3}),
    ("类别:4", {6}),
    ("形成时间:1985..1995", {1, 3, 5}),
    ("形成时间:1985", {5}),
    ("形成时间:1985-03", {5}),
    ("形成时间:1990-05-01", {1}),
    ("形成时间:..1979", {2, 6}),
    ("形成时间:1990..", {1, 3}),
    ("形成时间:1980-1990", {1, 4, 5}),
    ("街道:月坛", {1, 2}),
    ("印章:劳动局", {5}),  # the seal's text, its own field (issue 12) …
    ("公章:西城区劳动局", {5}),
    ("seal:劳动局", {5}),
    ("劳动局", {5}),  # … which an unfielded search also reaches
    ("材料:劳动局", set()),
    ("印章:王小明", set()),  # the page text is not the seal
    ("退休 AND 张建国", {1}),
    ("退休 张建国", {1}),
    ("张建国 OR 王小明", {1, 2, 5, 6}),
    ("退休 NOT 张建国", {3, 4, 5}),
    ("退休 -张建国", {3, 4, 5}),
    ("(张建国 OR 王小明) 退休", {1, 5}),
    ("类别:9 NOT 类别:9-4", {2}),
    ("退休 形成时间:1980..1990 NOT 材料:履历表", {1, 5}),
])
def test_fields_and_operators(ro: SearchIndex, query: str, expected: set[int]) -> None:
    res = ro.search(query, limit=50)
    assert ids(res) == expected
    assert res.total == len(expected)


PHRASE_TRAPS = [
    page(11, 3, "经研究，同意录用。"),
    page(12, 3, "经研究同意，拟录用。"),  # 同意 … 录用 two characters apart, across a comma
    page(13, 3, "签订无固定期限劳动合同"),
    page(14, 3, "无固定期限，劳动合同"),
    page(15, 3, "退休，审批"),
    page(16, 3, "退休甲审批"),  # 退休 and 审批 three positions apart inside one run
    page(17, 3, "1985年3月12日"),
    page(18, 3, "1985年13月"),
]


@pytest.mark.parametrize(("query", "expected"), [
    ('"同意录用"', {11}),
    ("同意录用", {11}),
    ('"无固定期限劳动合同"', {13}),
    ('"退休，审批"', {15}),
    ('"退休审批"', set()),
    ("1985年3月", {17}),
    ('"年3月12日"', {17}),
    ("3月", {17}),
])
def test_phrases_are_exact(backend: str, tmp_path: Path, query: str, expected: set[int]) -> None:
    """Sparse phrases (every other bigram, see Phrase.positioned) never match across run boundaries."""
    ix = open_backend(backend, tmp_path / "ix")
    fill(ix, PHRASE_TRAPS)
    assert ids(ix.search(query, limit=50)) == expected


def test_text_ranks_above_catalogue(ro: SearchIndex) -> None:
    # 李秀英 is the name on both pages of file 2, but only page 3's text has it.
    res = ro.search("李秀英", limit=10)
    assert [h.page_id for h in res.hits] == [3, 4]
    res = ro.search("机床厂", limit=10)  # only in the catalogue: every page of the file
    assert ids(res) == {1, 2}


def test_hit_fields_snippet_and_terms(ro: SearchIndex) -> None:
    res = ro.search("张建国 退休")
    (hit,) = res.hits
    assert (hit.page_id, hit.file_id, hit.archive_no, hit.position, hit.class_code, hit.material_seq) == (
        1, 1, "XC-2020-000123", 1, "9-4", 1)
    assert hit.score > 0
    assert "<mark>退休</mark>" in hit.snippet and "<mark>张建国</mark>" in hit.snippet
    assert set(hit.terms) == {"退休", "张建国"}
    # OCR-split words come back as the pieces the word boxes hold.
    by_id = {h.page_id: h for h in ro.search("退休审批表 姓名:李秀英").hits}
    assert set(by_id) == {3, 4}
    assert by_id[3].snippet == "<mark>退 休 审 批 表</mark> 姓名：<mark>李秀英</mark>"
    assert by_id[3].terms == ("退", "休", "审", "批", "表", "李秀英")
    assert by_id[4].terms == ("退休审", "批表")
    assert ro.search("王小明 毕业").hits[0].material_seq is None


def test_snippet_escapes_html(ro: SearchIndex) -> None:
    hit = ro.search("审批退休").hits[0]
    assert "<b>" not in hit.snippet and "&lt;b&gt;危险&lt;/b&gt; &amp;" in hit.snippet
    assert hit.snippet.count("<mark>") == 1
    res = ro.search('"<b>危险</b>"')
    assert [h.page_id for h in res.hits] == [5]
    assert "<mark>b&gt;危险&lt;/b</mark>" in res.hits[0].snippet


def test_catalogue_only_hit_has_plain_snippet(ro: SearchIndex) -> None:
    res = ro.search("身份证:110108195811020031")
    assert ids(res) == {5, 6}
    for hit in res.hits:
        assert "<mark>" not in hit.snippet and hit.terms == ()


@pytest.mark.parametrize("query", [
    "", "   ", '"unbalanced', '"', "“张建国", "AND", "OR", "NOT", "-", "退休 AND", "OR 退休", "退休 OR",
    "NOT 退休", "退休 OR NOT 张建国", "档" * 10_000, "*", "张*", "?", "<script>alert(1)</script>",
    "((((((((((退休))))))))))", "(退休", "退休)", "()", "姓名:", "类别:abc", "类别:11", "形成时间:abc",
    "形成时间:1990..1980", "形成时间:1985-13", "!!!", "，。、", "\x00", "a" * 200, "退休 " * 30,
    "AND AND", "NOT NOT 退休", "姓名:(张建国)", 'x:"y', "1" * 5000, "${jndi:ldap://x}", "'; DROP TABLE pages; --",
])
def test_bad_input_is_a_message_or_a_sane_result(ro: SearchIndex, query: str) -> None:
    try:
        res = ro.search(query)
    except QueryError as exc:
        assert str(exc) and not str(exc).isascii()  # a message for the user, in Chinese
    else:
        assert res.total >= 0 and len(res.hits) <= 20
        assert all("<script" not in h.snippet for h in res.hits)


def test_unbalanced_quote_is_closed(ro: SearchIndex) -> None:
    assert ids(ro.search('"张建国')) == {1, 2}
    assert ids(ro.search("“审批退休")) == {5}


def test_bounds(ro: SearchIndex) -> None:
    assert len(ro.search("退休", limit=1000).hits) == 4  # clamped to 100, fewer hits anyway
    assert ro.search("退休", limit=0).hits == () and ro.search("退休", limit=0).total == 4
    with pytest.raises(QueryError):
        ro.search("退休", offset=10_001)
    with pytest.raises(QueryError):
        ro.search("退休", limit=-1)
    assert ro.search("退休", offset=10_000).hits == ()


def test_scope(ro: SearchIndex) -> None:
    assert ids(ro.search("退休", streets=["月坛"])) == {1}
    assert ids(ro.search("退休", streets=["月坛", "德胜"])) == {1, 3, 4}
    res = ro.search("退休", streets=[])
    assert res.total == 0 and res.hits == ()
    assert ids(ro.search("退休", streets=["牛街"])) == set()
    assert ids(ro.search("退休", streets=None)) == {1, 3, 4, 5}
    res = ro.search("退休", streets=["德胜"])
    assert res.facets["street"] == {"德胜": 2} and res.total == 2


def test_facets(ro: SearchIndex) -> None:
    res = ro.search("退休")
    assert res.facets["class"] == {"9": 2, "1": 1, "5": 1}
    assert res.facets["employer"] == {"北京市百货大楼": 2, "北京第一机床厂": 1, "西城区副食品公司": 1}
    assert res.facets["street"] == {"德胜": 2, "月坛": 1}  # page 5 has no street: no bucket
    assert res.facets["decade"] == {"1980s": 2, "1990s": 2}
    assert ro.search("退休", facets=False).facets == {}


def test_delete_and_replace(small: SearchIndex) -> None:
    assert small.count() == 6 and sorted(small.page_ids()) == [1, 2, 3, 4, 5, 6]
    with small.batch() as b:
        b.add(edited(SMALL[0], text="重新扫描：转正定级表"))
        b.delete(6)
    assert small.count() == 5 and sorted(small.page_ids()) == [1, 2, 3, 4, 5]
    assert ids(small.search("转正定级")) == {1}
    assert ids(small.search("退休审批表")) == {1, 3, 4}  # page 1 still by its title
    assert ids(small.search('"同意退休"')) == set()
    assert ids(small.search("毕业")) == set()
    # Within one batch the last operation on a page wins.
    with small.batch() as b:
        b.add(edited(SMALL[5], text="第一版"))
        b.add(edited(SMALL[5], text="第二版"))
        b.add(edited(SMALL[4], text="加上又删掉"))
        b.delete(5)
    assert ids(small.search("第二版")) == {6} and ids(small.search("第一版")) == set()
    assert ids(small.search("加上又删掉")) == set() and small.count() == 5


def test_batch_rollback_leaves_index_unchanged(small: SearchIndex) -> None:
    before = (small.count(), sorted(small.page_ids()), ids(small.search("退休")))
    with pytest.raises(RuntimeError, match="boom"), small.batch() as b:
        b.add(page(7, 3, "新页面 退休"))
        b.delete(1)
        b.add(edited(SMALL[2], text="改掉"))
        raise RuntimeError("boom")
    assert (small.count(), sorted(small.page_ids()), ids(small.search("退休"))) == before
    # And the index is still writable afterwards (the writer and its lock were released).
    with small.batch() as b:
        b.add(page(7, 3, "新页面 退休"))
    assert 7 in ids(small.search("新页面"))


def test_clear(small: SearchIndex) -> None:
    small.clear()
    assert small.count() == 0 and list(small.page_ids()) == []
    assert small.search("退休").total == 0
    fill(small, SMALL[:2])
    assert small.count() == 2


def test_persists_across_reopen(backend: str, tmp_path: Path) -> None:
    ix = open_backend(backend, tmp_path / "ix")
    fill(ix, SMALL)
    ix.close()
    again = open_backend(backend, tmp_path / "ix")
    assert again.count() == 6 and ids(again.search("张建国")) == {1, 2}


def test_memory_url(backend: str) -> None:
    from search import open_index

    ix = open_index(f"{backend}+memory://")
    fill(ix, SMALL)
    assert ix.name == backend and ids(ix.search("王小明")) == {5, 6}


# --- a generated corpus: pagination, facets under scope, rebuild equivalence -----------------------------------


@pytest.fixture(scope="module")
def corpus() -> tuple[list, list[PageDoc]]:
    return demo_corpus()


@pytest.fixture(params=BACKENDS)
def big(request: pytest.FixtureRequest, corpus: tuple[list, list[PageDoc]], tmp_path: Path) -> SearchIndex:
    ix = open_backend(request.param, tmp_path / "big")
    fill(ix, corpus[1])
    return ix


def test_pagination_under_scope(big: SearchIndex, corpus: tuple[list, list[PageDoc]]) -> None:
    docs = corpus[1]
    streets = sorted({d.street for d in docs})[:2]
    truth = {d.page_id for d in docs if d.street in streets and contains(d, "同意")}
    assert len(truth) > 15
    first = big.search("同意", streets=streets, limit=7)
    assert first.total == len(truth)
    seen: list[int] = []
    for offset in range(0, first.total, 7):
        res = big.search("同意", streets=streets, limit=7, offset=offset)
        assert res.total == len(truth)
        seen.extend(h.page_id for h in res.hits)
    assert len(seen) == len(set(seen)) == len(truth) and set(seen) == truth
    scores = [h.score for h in big.search("同意", streets=streets, limit=100).hits]
    assert scores == sorted(scores, reverse=True)


def test_facets_count_all_hits_in_scope(big: SearchIndex, corpus: tuple[list, list[PageDoc]]) -> None:
    docs = corpus[1]
    streets = sorted({d.street for d in docs})[:3]
    hits = [d for d in docs if d.street in streets and contains(d, "表")]
    res = big.search("表", streets=streets, limit=5)
    assert res.total == len(hits) > 5
    assert res.facets["street"] == dict(Counter(d.street for d in hits))
    assert res.facets["class"] == dict(Counter(d.class_code.split("-")[0] for d in hits))
    assert res.facets["employer"] == dict(Counter(d.employer for d in hits))
    decades = Counter(f"{d.formed[:3]}0s" for d in hits if d.formed)
    assert res.facets["decade"] == dict(decades)


REBUILD_QUERIES = ["同意", "退休", "表", "类别:9", "形成时间:1980..1999", "招工 OR 毕业", "审批 NOT 类别:9",
                   '"同意退休"', "北京", "单位:公司"]


def test_rebuild_equals_incremental(corpus: tuple[list, list[PageDoc]], tmp_path: Path) -> None:
    people, docs = corpus
    for backend in BACKENDS:
        one = open_backend(backend, tmp_path / f"{backend}-one")
        fill(one, docs)
        inc = open_backend(backend, tmp_path / f"{backend}-inc")
        # Incrementally: small batches, first versions that are later replaced, pages deleted and re-added.
        for i in range(0, len(docs), 50):
            with inc.batch() as b:
                for d in docs[i:i + 50]:
                    b.add(edited(d, text="初版 " + d.text[:20]))
        with inc.batch() as b:
            for d in docs[::3]:
                b.delete(d.page_id)
        for i in range(0, len(docs), 70):
            with inc.batch() as b:
                for d in docs[i:i + 70]:
                    b.add(d)
        assert inc.count() == one.count() == len(docs)
        assert sorted(inc.page_ids()) == sorted(one.page_ids())
        for q in REBUILD_QUERIES + [people[0].name, people[1].id_number]:
            a, b_ = one.search(q, limit=5), inc.search(q, limit=5)
            assert a.total == b_.total, (backend, q)
            assert a.facets == b_.facets, (backend, q)
            assert set(all_hits(one, q)) == set(all_hits(inc, q)), (backend, q)
        assert inc.search("初版").total == 0


def test_fuzz_never_raises_anything_but_query_error(ro: SearchIndex) -> None:
    import random

    from tests.search.test_query import ALPHABET

    rng = random.Random(5)
    answered = 0
    for _ in range(300):
        q = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 20)))
        try:
            res = ro.search(q, streets=rng.choice([None, ["月坛"], ["德胜", "月坛"]]), limit=rng.randint(0, 30),
                            offset=rng.randint(0, 3))
        except QueryError:
            continue
        answered += 1
        assert res.total >= len(res.hits)
    assert answered > 50
