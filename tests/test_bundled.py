"""The bundled scenarios load, solve and pass the independent checker."""

from __future__ import annotations

from scheduler.check import check_plan
from scheduler.scenario.load import load_scenario
from scheduler.solve import solve


def test_hung_nguyen_plan_is_complete_and_valid() -> None:
    sc = load_scenario("configs/scenarios/hung-nguyen-2023.toml")
    plan = solve(sc, overrides={"max_time_in_seconds": 15.0})
    assert check_plan(sc, plan) == []
    dialogues = plan.by_activity("dialogue")
    # 18 dialogues on 18 distinct real commune codes (seed 004 §III.2.2)
    assert len({e.commune_code for e in dialogues}) == 18
    assert {e.commune_code for e in dialogues} == {c.commune_code for c in sc.communes}
    # nothing on a weekend
    assert all(e.start.weekday() < 5 for e in dialogues)
    assert plan.solver.status in ("OPTIMAL", "FEASIBLE")


def test_nha_nam_plan_is_valid() -> None:
    sc = load_scenario("configs/scenarios/nha-nam-2023.toml")
    plan = solve(sc)
    assert check_plan(sc, plan) == []
    assert plan.solver.status == "OPTIMAL"
    assert plan.by_activity("leaflets")
