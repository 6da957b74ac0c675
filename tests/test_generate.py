"""Seeded instances from the real 2023 unit list: valid, repeatable, budget-bound."""

from __future__ import annotations

import math
import pickle

import pytest

from scheduler.bench.generate import (
    ScenarioRecipe,
    all_districts,
    district_scenario,
    districts_of_province,
    province_code_of,
)
from scheduler.scenario.schema import Scenario
from scheduler.scenario.validate import cross_check


def test_the_unit_list_has_700_districts_and_the_focus_provinces() -> None:
    codes = all_districts()
    assert len(codes) == 700
    assert len(set(codes)) == 700
    # scheduler/data/vn-admin/README.md: Bình Định has 11 districts, Đắk Nông 8
    assert len(districts_of_province("52")) == 11
    assert len(districts_of_province("67")) == 8
    assert province_code_of("431") == "40"  # Hưng Nguyên is in Nghệ An


def test_unknown_codes_and_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="province_code"):
        districts_of_province("99")
    with pytest.raises(ValueError, match="district_code"):
        district_scenario("999", 1)
    with pytest.raises(ValueError, match="year"):
        district_scenario("431", 1, year=2025)
    with pytest.raises(ValueError, match="budget_scale"):
        district_scenario("431", 1, budget_scale=0.0)


def test_hung_nguyen_keeps_its_real_units() -> None:
    sc = district_scenario("431", 1)
    # the bundled Hưng Nguyên data lists the same 18 official units
    assert len(sc.communes) == 18
    assert sc.communes[0].commune_code == "18001"
    assert sc.communes[0].commune_name == "Thị trấn Hưng Nguyên"
    assert sc.area.name == "Huyện Hưng Nguyên"
    assert sc.area.parent_name == "Tỉnh Nghệ An"
    assert sc.horizon.start.isoformat() == "2023-07-01"
    assert sc.horizon.end.isoformat() == "2023-12-31"


def test_same_seed_same_scenario_other_seed_other_households() -> None:
    a, b = district_scenario("431", 7), district_scenario("431", 7)
    assert a == b
    assert a.input_hash == b.input_hash
    c = district_scenario("431", 8)
    assert [x.poor_households for x in a.communes] != [
        x.poor_households for x in c.communes
    ]
    assert a.input_hash != c.input_hash


def test_every_district_generates_a_valid_scenario() -> None:
    # the loader's cross-record checks find nothing wrong in any of the 700
    problems = []
    communes = 0
    for code in all_districts():
        sc = district_scenario(code, 3)
        communes += len(sc.communes)
        problems += cross_check(sc, f"generated {code}", {})
    assert problems == []
    assert communes == 10_598  # every commune of the 2023 list, once


def _need_vnd(n: int) -> int:
    # Worked out from the Hưng Nguyên prices: a dialogue costs
    # 3,600,000 + 50 × 100,000 = 8,600,000; 52 broadcast items (8+8+8+10+10+8)
    # at 50,000; training: ceil(n / 10) classes at 6,000,000 plus
    # 3 trainees × 2 days × 200,000 = 1,200,000 per commune.
    return (
        n * 8_600_000 + n * 52 * 50_000 + math.ceil(n / 10) * 6_000_000 + n * 1_200_000
    )


def _allowed_vnd(sc: Scenario) -> int:
    return sum(sum(f.allowance_vnd.values()) for f in sc.funding)


def test_budget_covers_every_need_at_scale_1_and_binds_below() -> None:
    # Hưng Nguyên: 18 × 8.6 M + 18 × 2.6 M + 2 × 6 M + 18 × 1.2 M = 235.2 M
    assert _need_vnd(18) == 235_200_000
    full = district_scenario("431", 1)
    assert _allowed_vnd(full) >= _need_vnd(18)
    # at 0.8 the budget is at most 0.8 × 1.05 × 1.05 × need (+ rounding) < need
    tight = district_scenario("431", 1, budget_scale=0.8)
    assert _allowed_vnd(tight) < _need_vnd(18)
    for code in districts_of_province("52"):
        sc = district_scenario(code, 1)
        n = len(sc.communes)
        assert _allowed_vnd(sc) >= _need_vnd(n)
        assert _allowed_vnd(district_scenario(code, 1, budget_scale=0.8)) < _need_vnd(n)


def test_recipe_is_small_and_rebuilds_the_same_scenario() -> None:
    recipe = ScenarioRecipe("431", 5, budget_scale=0.9)
    assert recipe.build() == district_scenario("431", 5, budget_scale=0.9)
    assert len(pickle.dumps(recipe)) < 500
    # the scenario itself also round-trips through pickle and plain data
    sc = recipe.build()
    assert pickle.loads(pickle.dumps(sc)) == sc
    assert Scenario.model_validate(sc.model_dump()) == sc
