"""The cost model that decides when a query is answered from a sample (search/estimate.py)."""

from __future__ import annotations

from search.analysis import SAMPLE_BUCKETS
from search.estimate import PHRASE_WEIGHT, Cost, facet_buckets, grow, query_cost, sample_buckets, scale, scaled_total
from search.query import parse

DF = {
    "text_w": {"退休": 60_000, "同意": 90_000, "张建国": 300},
    "text_g": {"参加": 70_000, "加工": 65_000, "工作": 99_000, "作时": 62_000, "时间": 80_000},
    "street": {"德胜": 6_000, "月坛": 5_000},
}


def df(field: str, token: str) -> int:
    return DF.get(field, {}).get(token, 0)


def test_a_phrase_costs_its_rarest_bigram_times_the_position_check() -> None:
    cost = query_cost(parse('"参加工作时间"'), df, 100_000)
    assert cost == Cost(62_000, 62_000 * PHRASE_WEIGHT)
    word = query_cost(parse("退休"), df, 100_000)
    assert word == Cost(60_000, 60_000)  # the other fields hold no such word


def test_an_and_is_led_by_its_rarest_item_and_a_scope_narrows() -> None:
    both = query_cost(parse('"参加工作时间" 张建国'), df, 100_000)
    assert both.cand == 300 and both.work < 300 * (PHRASE_WEIGHT + 1) + 1
    scoped = query_cost(parse('"参加工作时间"'), df, 100_000, ["德胜"])
    assert scoped.cand == 6_000 and scoped.work <= 6_000 + 6_000 * PHRASE_WEIGHT
    either = query_cost(parse("退休 OR 同意"), df, 100_000)
    assert either.cand == 100_000 and either.work == 150_000  # candidates capped at the index size


def test_buckets_follow_the_bounds() -> None:
    cheap, costly = Cost(100, 100), Cost(62_000, 3_100_000)
    assert sample_buckets(cheap, 500_000, 20) is None
    assert sample_buckets(costly, None, 20) is None  # sampling off: the benchmark's baseline
    k = len(sample_buckets(costly, 500_000, 20) or ())
    assert k == -(-SAMPLE_BUCKETS * 500_000 // 3_100_000) == 11
    assert len(sample_buckets(costly, 500_000, 9_000) or ()) > k  # deep pages need a larger sample
    assert grow(("0", "1")) == tuple(str(i) for i in range(8)) and grow(tuple(map(str, range(16)))) is None
    assert facet_buckets(10_000, 20_000) is None and facet_buckets(10_000, None) is None
    assert len(facet_buckets(100_000, 20_000) or ()) == 13
    assert scaled_total(10, ("0", "1")) == 320 and scaled_total(10, None) == 10
    assert scale({"9": 3, "1": 1}, 4, 400) == {"9": 300, "1": 100}
