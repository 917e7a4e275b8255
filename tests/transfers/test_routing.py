"""The work plan's routing (§五): every level × 户籍 × 常住 × party, place names, the command."""

from __future__ import annotations

import itertools
import json

import pytest

from archive.transfers.routing import RoutingError, parse_level, parse_place, route

# The three kinds of place the table covers: a street of Xicheng, another district, an unknown name.
PLACES = {"xicheng": ("西城", "展览路"), "other": ("海淀", "中关村"), "unknown": ("火星", "")}
RESIDENCES = {"xicheng": ("北京市西城区", "德胜街道"), "other": ("朝阳区", ""), "unknown": ("宣五", "")}


def _expected(level: str, hukou: str, residence: str, party: bool) -> dict[str, object] | str:
    """The rule as the work plan words it, case by case (not the engine's code)."""
    if hukou == "unknown":
        return "hukou_district"
    if residence == "unknown":
        return "residence_district"
    hukou_district = "西城" if hukou == "xicheng" else "海淀"
    residence_district = "西城" if residence == "xicheng" else "朝阳"
    takes = (hukou == "xicheng" or residence == "xicheng") if level == "central" else hukou == "xicheng"
    archive_to = "西城" if takes else hukou_district
    party_to = residence_district if party else None
    if hukou == "xicheng":
        street = "展览路"
    elif residence == "xicheng" and (archive_to == "西城" or party_to == "西城"):
        street = "德胜"
    else:
        street = None
    return {"archive_to": archive_to, "social_insurance_to": archive_to, "party_to": party_to, "street": street}


CASES = list(itertools.product(["central", "municipal", "district"], PLACES, RESIDENCES, [True, False]))


@pytest.mark.parametrize(("level", "hukou", "residence", "party"), CASES)
def test_every_combination(level: str, hukou: str, residence: str, party: bool) -> None:
    expected = _expected(level, hukou, residence, party)
    try:
        routing = route(level, parse_place(*PLACES[hukou], field="hukou"),
                        parse_place(*RESIDENCES[residence], field="residence"), party)
    except RoutingError as exc:
        assert exc.field == expected, f"unexpected error {exc.field}: {exc.message}"
        assert exc.suggestion is None or hukou != "unknown" or exc.field == "hukou_district"
        return
    assert isinstance(expected, dict), f"expected an error on {expected}"
    got = routing.as_json()
    assert {k: got[k] for k in expected} == expected
    assert got["reason"], "the reason is said"
    assert routing.medical_insurance_to == routing.social_insurance_to


def test_the_table_covers_54_cases() -> None:
    assert len(CASES) == 3 * 3 * 3 * 2


def test_residence_without_hukou_is_an_error() -> None:
    with pytest.raises(RoutingError) as caught:
        route("municipal", None, parse_place("西城", "德胜"), False)
    assert caught.value.code == "residence_without_hukou"


def test_empty_residence_means_the_hukou() -> None:
    routing = route("municipal", parse_place("海淀"), None, True)
    assert routing.party_to == "海淀" and routing.archive_to == "海淀" and routing.routed_elsewhere
    assert "household registration" in routing.reason.params["reason"].params["reason"].text


@pytest.mark.parametrize(("given", "district"), [("西城区", "西城"), ("北京市西城区", "西城"), ("北京西城", "西城"),
                                                 ("宣武", "西城"), ("宣武区", "西城"), ("崇文区", "东城"),
                                                 ("密云县", "密云"), ("石景山区", "石景山"), (" 海 淀 ", "海淀")])
def test_district_spellings(given: str, district: str) -> None:
    place = parse_place(given)
    assert place is not None and place.district == district


@pytest.mark.parametrize(("given", "street"), [("展览路街道", "展览路"), ("展览路街道办事处", "展览路"),
                                               ("德胜", "德胜"), ("广安门外街道", "广安门外")])
def test_street_spellings(given: str, street: str) -> None:
    place = parse_place("西城", given)
    assert place is not None and place.street == street


@pytest.mark.parametrize(("district", "street", "field", "suggestion"), [
    ("西城", "德胜门", "hukou_street", "德胜"),
    ("西城", "展览馆", "hukou_street", "展览路"),
    ("海定区", "", "hukou_district", "海淀"),
    ("宣五", "", "hukou_district", "西城"),
])
def test_unknown_names_suggest_the_nearest(district: str, street: str, field: str, suggestion: str) -> None:
    with pytest.raises(RoutingError) as caught:
        parse_place(district, street)
    assert caught.value.field == field
    assert caught.value.suggestion == suggestion
    assert suggestion in str(caught.value.message)


def test_levels() -> None:
    assert [parse_level(x) for x in ("央属", "市属", "区属", "central")] == ["central", "municipal", "district",
                                                                        "central"]
    with pytest.raises(RoutingError):
        parse_level("省属")


def test_route_command_prints_exactly_the_keys(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["transfers", "route", "--level", "市属", "--hukou", "海淀",
                                 "--residence", "西城/展览路街道", "--party", "yes", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"archive_to", "social_insurance_to", "party_to", "street", "reason"}
    assert data == {**data, "archive_to": "海淀", "social_insurance_to": "海淀", "party_to": "西城", "street": "展览路"}
    assert "海淀" in data["reason"]


def test_route_command_refuses_an_unknown_street(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["transfers", "route", "--level", "央属", "--hukou", "西城/德胜门",
                                 "--residence", "西城", "--party", "no"])
    assert result.exit_code == 2
    assert "德胜" in result.output
