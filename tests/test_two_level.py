"""Seeded two-level provinces (units of 1 July 2025): real, valid, repeatable, plannable."""

from __future__ import annotations

import pickle

import pytest

from scheduler.bench.two_level import TwoLevelRecipe, two_level_scenario
from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.scenario.validate import cross_check
from scheduler.solver.solve import solve
from scheduler.travel import travel_between
from scheduler.units import provinces_2025, wards_of_province_2025


def test_a_whole_province_of_real_wards() -> None:
    sc = two_level_scenario("40", 1)
    official = wards_of_province_2025("40")
    # Nghệ An has 130 communes and wards since 1 July 2025, all planned
    assert [c.commune_code for c in sc.communes] == [w.ward_code for w in official]
    assert [c.commune_name for c in sc.communes] == [w.ward_name for w in official]
    assert sc.area.level == "province"
    assert sc.area.name == "Tỉnh Nghệ An"
    assert sc.horizon.start.isoformat() == "2027-07-01"
    # provincial staff sized to the count: leaders 2 + 130 // 25 = 7, officers
    # 3 + 130 // 12 = 13, bank 2 + 130 // 20 = 8, culture 1, trainers 130 // 25 = 5
    provincial = [p for p in sc.staff if p.home_commune is None]
    assert len(provincial) == 7 + 13 + 8 + 1 + 5
    # and six officials of every commune (scheduler.bench.two_level.COMMUNE_ROLES)
    assert len(sc.staff) - len(provincial) == 6 * 130
    assert cross_check(sc, "generated 40", {}) == []


def test_travel_comes_from_the_real_points() -> None:
    sc = two_level_scenario("40", 1)
    # the seat is Phường Thành Vinh; Xã Mường Xén (Kỳ Sơn, on the Lao border) is
    # about 180 km away as the crow flies: × 1.4 road factor at 40 km/h, over
    # six hours, where a district-era default would say 30 minutes
    far = next(c for c in sc.communes if c.commune_name == "Xã Mường Xén")
    minutes = travel_between(sc, "hq", far.commune_code)
    assert 300 < minutes < 480
    assert sc.travel_times == ()


def test_every_province_generates_a_valid_scenario() -> None:
    problems = []
    for code in provinces_2025():
        problems += cross_check(two_level_scenario(code, 2), f"generated {code}", {})
    assert problems == []


def test_same_arguments_same_scenario_and_a_sample_keeps_the_seat() -> None:
    a = two_level_scenario("38", 5, communes=40, budget_scale=0.8)
    assert a == TwoLevelRecipe("38", 5, communes=40, budget_scale=0.8).build()
    assert len(a.communes) == 40
    assert a.communes[0].commune_code == wards_of_province_2025("38")[0].ward_code
    b = two_level_scenario("38", 6, communes=40)
    assert [c.commune_code for c in a.communes] != [c.commune_code for c in b.communes]
    assert a.input_hash != b.input_hash
    assert len(pickle.dumps(TwoLevelRecipe("38", 5, communes=40))) < 200


def test_unknown_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="province_code"):
        two_level_scenario("99", 1)
    with pytest.raises(ValueError, match="year"):
        two_level_scenario("40", 1, year=2023)
    with pytest.raises(ValueError, match="communes"):
        two_level_scenario("40", 1, communes=0)
    with pytest.raises(ValueError, match="budget_scale"):
        two_level_scenario("40", 1, budget_scale=-1.0)


def test_a_small_two_level_province_is_planned_and_checked() -> None:
    sc = two_level_scenario("40", 1, communes=6)
    plan = solve(
        sc,
        build_grid(sc),
        overrides={"max_time_in_seconds": 20.0, "random_seed": 1, "num_workers": 2},
        engine="cp-sat",
    )
    assert plan.solver.status in ("OPTIMAL", "FEASIBLE")
    assert check_plan(sc, plan) == []
    dialogues = [e for e in plan.events if e.activity == "dialogue"]
    assert len(dialogues) == 6
