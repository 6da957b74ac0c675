"""Travel that is possible, not only priced: staff reach each session from their base.

The tiny scenario of ``tests/conftest.py`` with the rule on
(``travel.leave_base_at = "06:30"``; mornings start at 07:30, afternoons at
13:30) and the roads made long: the HQ is 10 minutes from Xã Một (00001) and
200 minutes from Xã Hai (00002), the two communes 150 minutes apart. L1 sets
out from the HQ (no ``base``: the area's HQ); L2, when present, from the hall
of Xã Hai (``base = h2``, 0 minutes to its own commune).

Worked out: leaving at 06:30, L1 reaches Xã Một at 06:40 (by 07:30: yes) and
Xã Hai at 09:50 (by 07:30: no; by 13:30: yes); L2 reaches Xã Hai at 06:30 and
Xã Một at 09:00 (mornings: no). With ``[travel.overnight] after_minutes = 120``
Xã Hai (200 > 120 from the HQ) is far: anyone may stay the night before, and
each session there costs per staff place a per-diem and a night's lodging.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model
from typer.testing import CliRunner

from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.cli import app
from scheduler.errors import InfeasibleScenario, ScenarioError
from scheduler.explain import explained
from scheduler.model.builder import build_model
from scheduler.plan import Event, Plan
from scheduler.scenario.schema import HalfDay, Scenario
from scheduler.solver.solve import solve
from scheduler.travel import arrives_in_time
from tests.conftest import BASE_TABLES, make_scenario

TUE = dt.date(2023, 9, 5)
ROADS = [
    {"from_ref": "hq", "to_ref": "00001", "minutes": 10},
    {"from_ref": "hq", "to_ref": "00002", "minutes": 200},
    {"from_ref": "00001", "to_ref": "00002", "minutes": 150},
]
L1 = {"staff_id": "L1", "name": "Lãnh đạo 1", "roles": "leader"}
L2 = {"staff_id": "L2", "name": "Lãnh đạo 2", "roles": "leader", "base": "h2"}
STAY = {"after_minutes": 120, "per_diem_vnd": 200_000, "lodging_vnd": 300_000}


def reach_scenario(
    folder: Path,
    staff: list[dict[str, Any]],
    *,
    leave: str | None = "06:30",
    leaders: int = 1,
    overnight: dict[str, int] | None = None,
    pin_half: str | None = None,
) -> Scenario:
    """The tiny scenario on long roads, with the arrival rule (``leave``) on."""
    travel: dict[str, Any] = {}
    if leave is not None:
        travel["leave_base_at"] = leave
    if overnight is not None:
        travel["overnight"] = overnight
    patch: dict[str, Any] = {
        "activities": {"dialogue": {"roles": {"leader": leaders}}},
        "travel": travel,
    }
    if pin_half is not None:
        patch["pins"] = [
            {
                "activity": "dialogue",
                "commune": "00002",
                "date": TUE.isoformat(),
                "half": pin_half,
            }
        ]
    rows = [{**p, "max_sessions_per_week": 5} for p in staff]
    if all("base" not in r for r in rows):
        rows = [{**r, "base": ""} for r in rows]  # the column, empty
    tables = {"staff.csv": rows, "travel.csv": ROADS}
    return make_scenario(folder, patch, tables)


def forced_status(sc: Scenario, half: HalfDay) -> int:
    """Solve stage 1 with Xã Hai's dialogue forced onto Tue 5 Sep, ``half``."""
    grid = build_grid(sc)
    built = build_model(sc, grid)
    index = {(s.day, s.half): s.index for s in grid.sessions}
    built.model.add(
        built.ctx.vars.sessions.x[("dialogue", "00002")][index[(TUE, half)]] == 1
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = 10.0
    return int(solver.solve(built.model))


FOUND = (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_a_morning_out_of_reach_of_the_only_leader_is_refused(tmp_path: Path) -> None:
    # must break: L1 leaves the HQ at 06:30 and needs 200 min: 09:50 > 07:30
    sc = reach_scenario(tmp_path, [L1])
    assert forced_status(sc, "morning") == cp_model.INFEASIBLE


def test_the_afternoon_is_in_reach(tmp_path: Path) -> None:
    # must hold: 06:30 + 200 min = 09:50 ≤ 13:30
    sc = reach_scenario(tmp_path, [L1])
    assert forced_status(sc, "afternoon") in FOUND


def test_without_the_rule_the_morning_is_only_priced(tmp_path: Path) -> None:
    # must hold: no leave_base_at, so travel costs but never forbids
    sc = reach_scenario(tmp_path, [L1], leave=None)
    assert forced_status(sc, "morning") in FOUND


def test_a_leader_based_in_the_commune_reaches_its_morning(tmp_path: Path) -> None:
    # must hold: L2 sets out from Xã Hai's own hall (0 min): 06:30 ≤ 07:30
    sc = reach_scenario(tmp_path, [L1, L2])
    assert forced_status(sc, "morning") in FOUND


def test_two_places_need_two_people_who_reach_it(tmp_path: Path) -> None:
    # must break: a dialogue needing 2 leaders in Xã Hai in the morning; two
    # leaders are free (the half-day count holds) but only L2 arrives in
    # time: the base-set row "sessions only base h2 reaches ≤ people of h2"
    # reads 2 ≤ 1. In the afternoon both arrive (must hold).
    sc = reach_scenario(tmp_path, [L1, L2], leaders=2)
    assert forced_status(sc, "morning") == cp_model.INFEASIBLE
    assert forced_status(sc, "afternoon") in FOUND


def test_a_plan_names_only_people_who_arrive_in_time(tmp_path: Path) -> None:
    # both communes' dialogues on Tue 5 Sep morning (pinned and free): Xã Hai
    # gets L2, the only one who reaches it; the checker agrees
    sc = reach_scenario(tmp_path, [L1, L2], pin_half="morning")
    plan = solve(sc)
    assert check_plan(sc, plan) == []
    staff = {p.staff_id: p for p in sc.staff}
    sessions = [e for e in plan.events if e.kind == "session"]
    assert sessions
    for e in sessions:
        for a in e.staff:
            assert arrives_in_time(
                sc, staff[a.staff_id], e.venue_id or "", e.start.time()
            )
    hai = next(e for e in sessions if e.commune_code == "00002")
    assert [a.staff_id for a in hai.staff] == ["L2"]


def test_the_checker_flags_a_session_nobody_could_reach(tmp_path: Path) -> None:
    # must break: the plan of the same pinned morning made without the rule
    # (only L1, who then goes), checked against the scenario with the rule
    free = reach_scenario(tmp_path / "free", [L1], leave=None, pin_half="morning")
    plan = solve(free)
    assert check_plan(free, plan) == []
    ruled = reach_scenario(tmp_path / "ruled", [L1], pin_half="morning")
    bad = [v for v in check_plan(ruled, plan) if v.rule == "reach"]
    assert len(bad) == 1
    assert "200 min" in bad[0].message
    assert "07:30" in bad[0].message
    assert "200 phút" in bad[0].render("vi")


def test_a_pinned_morning_nobody_reaches_is_explained(tmp_path: Path) -> None:
    # must break: with only L1 the pin cannot be kept; the explanation names
    # the arrival rule (and the pin)
    sc = reach_scenario(tmp_path, [L1], pin_half="morning")
    with pytest.raises(InfeasibleScenario) as caught, explained(sc, build_grid(sc)):
        solve(sc)
    text = " ".join(en for _, en in caught.value.reasons)
    assert "leave their base at 06:30" in text
    vi = " ".join(vi for vi, _ in caught.value.reasons)
    assert "phải đến kịp" in vi


def test_an_overnight_stay_makes_the_far_morning_possible_and_paid(
    tmp_path: Path,
) -> None:
    # must hold: Xã Hai is far (200 > 120 min from the HQ), so L1 may stay the
    # night before; the session then costs 1,000,000 + 1 place × (200,000 +
    # 300,000) = 1,500,000; Xã Một (10 min) is not far and costs 1,000,000
    sc = reach_scenario(tmp_path, [L1], overnight=STAY, pin_half="morning")
    assert forced_status(sc, "morning") in FOUND
    plan = solve(sc)
    assert check_plan(sc, plan) == []
    cost = {e.commune_code: e.cost_vnd for e in plan.events if e.kind == "session"}
    assert cost == {"00001": 1_000_000, "00002": 1_500_000}


def test_the_checker_recomputes_the_overnight_cost(tmp_path: Path) -> None:
    # must break: the far session priced without the stay is a cost violation
    sc = reach_scenario(tmp_path, [L1], overnight=STAY, pin_half="morning")
    plan = solve(sc)
    events = tuple(
        Event(**{**e.__dict__, "cost_vnd": 1_000_000})
        if e.kind == "session" and e.commune_code == "00002"
        else e
        for e in plan.events
    )
    cheap = Plan(**{**plan.__dict__, "events": events})
    assert "cost" in {v.rule for v in check_plan(sc, cheap)}


def test_an_unknown_base_is_bad_input(tmp_path: Path) -> None:
    # staff.csv row 1 names a base that is not a venue: exit 2, file, row, field
    rows = [{**L1, "base": "nowhere"}, *BASE_TABLES["staff.csv"][1:]]
    with pytest.raises(ScenarioError, match="nowhere"):
        make_scenario(tmp_path, {}, {"staff.csv": rows})
    runner = CliRunner()
    result = runner.invoke(
        app, ["validate", str(tmp_path / "tiny.toml"), "--lang", "en"]
    )
    assert result.exit_code == 2, result.output
    assert "staff.csv" in result.output
    assert "base" in result.output
    assert "nowhere" in result.output
    assert "Traceback" not in result.output
