"""The §六 arithmetic reproduces the work plan (西人社发〔2020〕14号): pure, no app, no database."""

from __future__ import annotations

import pytest

from archive.geo import STREETS
from archive.reports.planning import (
    WORK_PLAN,
    PlanningInputs,
    StreetInput,
    area_m2,
    compute,
    split_growth,
    staff_needed,
)


def test_the_work_plans_volumes_need_at_least_its_1900_m2():
    report = compute(PlanningInputs(district_volumes=0, given_volumes=WORK_PLAN["district_volumes"]))
    assert report.district.volumes == 316_700
    assert report.district.area_m2 == 1900.2
    assert report.district.area_m2 >= 1900
    assert report.assumptions["work_plan"]["meets_minimum"] is True


def test_area_is_60_m2_per_10000_volumes_rounded_up_to_a_tenth():
    assert area_m2(10_000) == 60.0
    assert area_m2(0) == 0.0
    assert area_m2(1) == 0.1  # 0.006 m² still needs floor
    assert area_m2(316_666) == 1900.0  # 1,899.996 m² rounds up, never down
    assert area_m2(316_650) == 1899.9
    assert area_m2(316_651) == 1900.0
    with pytest.raises(ValueError):
        area_m2(-1)


def test_staff_is_the_ceiling_of_retirees_over_2000():
    assert [staff_needed(n) for n in (0, 1, 1999, 2000, 2001, 4000, 4001, 120_000)] == [0, 1, 1, 1, 2, 2, 3, 60]
    with pytest.raises(ValueError):
        staff_needed(-5)


def test_the_plans_120000_retirees_over_the_15_streets():
    """An even spread of the plan's 120,000 retirees: 8,000 a street, 4 staff each, 60 in all."""
    total = sum(WORK_PLAN["retirees"].values())
    assert total == 120_000
    streets = [StreetInput(s, r, 0) for s, r in zip(STREETS, split_growth(total, [1] * 15), strict=True)]
    report = compute(PlanningInputs(district_volumes=0, streets=streets))
    assert {s.staff for s in report.streets} == {4}
    assert report.total_staff == 60 and report.total_retirees == 120_000


def test_growth_adds_volumes_to_the_district_and_retirees_to_the_streets():
    streets = [StreetInput("德胜", 3000, 500), StreetInput("月坛", 1000, 0)]
    report = compute(PlanningInputs(district_volumes=10_000, streets=streets, growth_per_year=2000, years=5,
                                    volumes_per_retiree=1.5, start_year=2026))
    a = report.assumptions
    assert a["new_retirees"] == 10_000 and a["growth_volumes"] == 15_000
    # the district store holds its own files, the streets' (centralised later) and the growth
    assert report.district.volumes == 10_000 + 500 + 15_000
    assert report.district.area_m2 == area_m2(25_500) == 153.0
    desheng, yuetan = report.streets
    assert (desheng.retirees, yuetan.retirees) == (3000 + 7500, 1000 + 2500)  # pro rata 3:1
    assert (desheng.staff, yuetan.staff) == (6, 2)
    assert (desheng.volumes, desheng.area_m2) == (500, 3.0)  # the street's own store does not grow
    years = [(p.year, p.new_retirees, p.district_volumes, p.staff) for p in report.projection]
    assert years[0] == (2026, 0, 10_500, 2 + 1)
    assert years[-1] == (2031, 10_000, 25_500, 6 + 2)
    assert len(years) == 6
    assert [p.district_volumes for p in report.projection] == sorted(p.district_volumes for p in report.projection)


def test_growth_without_street_files_in_the_district_store():
    report = compute(PlanningInputs(district_volumes=1000, streets=[StreetInput("德胜", 10, 400)],
                                    district_includes_street_files=False))
    assert report.district.volumes == 1000
    assert report.assumptions["district_includes_street_files"] is False


def test_what_if_marks_given_figures():
    base = PlanningInputs(district_volumes=12, streets=[StreetInput("德胜", 1, 1)])
    given = base.what_if(given_volumes=316_700)
    assert given.source == "given" and base.source == "database"
    assert compute(base).district.volumes == 12 + 1  # its own and the street's store
    assert compute(given).district.volumes == 316_700  # the given figure is the whole store, as the plan's is


def test_split_growth_sums_exactly():
    assert split_growth(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(split_growth(1001, [7, 0, 13, 5])) == 1001
    assert split_growth(5, [0, 0]) == [3, 2]
    assert split_growth(5, []) == []


def test_fractional_volumes_round_up_without_floating_point_noise():
    report = compute(PlanningInputs(district_volumes=0, growth_per_year=1000, years=1, volumes_per_retiree=1.2))
    assert report.assumptions["growth_volumes"] == 1200
    report = compute(PlanningInputs(district_volumes=0, growth_per_year=1, years=1, volumes_per_retiree=1.2))
    assert report.assumptions["growth_volumes"] == 2


@pytest.mark.parametrize("bad", [{"district_volumes": -1}, {"district_volumes": 0, "years": 101},
                                 {"district_volumes": 0, "volumes_per_retiree": -0.5},
                                 {"district_volumes": 0, "growth_per_year": -3},
                                 {"district_volumes": 0, "given_volumes": -1}])
def test_impossible_inputs_are_refused(bad):
    with pytest.raises(ValueError):
        PlanningInputs(**bad)


def test_json_shape():
    report = compute(PlanningInputs(district_volumes=5, streets=[StreetInput("德胜", 1, 2)]))
    out = report.as_dict()
    assert set(out) == {"district", "streets", "assumptions"}
    assert set(out["district"]) == {"volumes", "area_m2"}
    assert set(out["streets"][0]) == {"street", "retirees", "staff", "volumes", "area_m2"}
