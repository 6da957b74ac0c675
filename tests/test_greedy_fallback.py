"""A limit spent on placements nobody could name ends with the greedy plan, not with nothing.

In a province whose travel stage 1 cannot follow exactly, every placement may
fail to be named until the time limit (measured: a generated 130-commune
province with its communes' officials, 60 s). Then the greedy plan, named by
hand as an officer would, is the plan, reported FEASIBLE with the solver's
bound, which stays valid (the rounds' models only cut off unnameable
placements).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scheduler.check import check_plan
from scheduler.errors import SolverGaveUp
from scheduler.plan import Plan, Status
from scheduler.solver import solve as solve_module
from scheduler.solver.greedy import greedy_plan
from scheduler.solver.solve import solve
from scheduler.solver.staffing import Naming
from tests.conftest import make_scenario

LIMIT = {"max_time_in_seconds": 3.0, "num_workers": 2, "random_seed": 0}


def _never_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every placement's staff fail to be named, and no cut helps."""

    def unnamed(*args: Any, **kwargs: Any) -> Naming:
        return Naming(Status.INFEASIBLE, {})

    monkeypatch.setattr(solve_module, "name_staff", unnamed)
    monkeypatch.setattr(solve_module, "unnameable_cuts", lambda *a, **k: [])


def test_the_greedy_plan_is_the_plan_when_no_placement_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # must hold: the tiny scenario's greedy plan keeps every hard rule; after
    # 3 s of unnameable placements it is the plan, with a bound at most its
    # objective (the placement model's bound, 0 <= bound <= objective)
    sc = make_scenario(tmp_path)
    _never_named(monkeypatch)
    plan = solve(sc, overrides=LIMIT, engine="cp-sat")
    from scheduler.calendar import build_grid

    greedy = min(
        (greedy_plan(sc, build_grid(sc), stations_first=f) for f in (False, True)),
        key=lambda p: p.solver.objective,
    )
    assert [e.event_id for e in plan.events] == [e.event_id for e in greedy.events]
    assert check_plan(sc, plan) == []
    assert plan.solver.status == Status.FEASIBLE
    assert 0 <= plan.solver.bound <= plan.solver.objective
    assert plan.solver.stages[-1]["status"].startswith("FEASIBLE (greedy")


def test_without_a_greedy_plan_the_limit_still_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # must break: a greedy plan with nothing placed is no plan, so the run
    # ends as before, naming the unnameable placements and the limit
    sc = make_scenario(tmp_path)
    _never_named(monkeypatch)

    def nothing_placed(scenario: Any, grid: Any, stations_first: bool = False) -> Plan:
        return replace(greedy_plan(scenario, grid), events=())

    monkeypatch.setattr(solve_module, "greedy_plan", nothing_placed)
    with pytest.raises(SolverGaveUp) as caught:
        solve(sc, overrides=LIMIT, engine="cp-sat")
    assert "could not be named" in str(caught.value.en)
