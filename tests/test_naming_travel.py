"""Stage 1 counts staff per half-day and cannot see travel inside a day.

One leader and two halls 300 minutes apart: stage 1 gladly places a dialogue in
Xã Một in the morning and one in Xã Hai in the afternoon of the same day (one
leader free in each half-day), but the lunch gap (11:30 → 13:30) is 120
minutes, so nobody can be named for both. These tests pin down how the solver
recovers: stage 1 says where each person works on such days (exact, unless a
large province would need too many variables), counts one session and every
session out of its reach as needing distinct people ("stars"), and what the
stars miss is cut by ``unnameable_day_cuts``, which forbids a failing set of
sessions on every day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model

from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.model import staff as staff_model
from scheduler.model.builder import build_model
from scheduler.scenario.schema import Scenario
from scheduler.solver.solve import solve, unnameable_day_cuts
from tests.conftest import BASE_TABLES, make_scenario

FAR = 300  # minutes between the two halls, far more than the 120-minute lunch gap


def far_apart(
    folder: Path, days: tuple[str, str], per_commune: int, communes: int = 2
) -> Scenario:
    """One leader, ``communes`` communes whose halls are FAR minutes apart."""
    codes = [f"0000{n}" for n in range(1, communes + 1)]
    tables: dict[str, list[dict[str, Any]]] = {
        "staff.csv": [
            {
                "staff_id": "L1",
                "name": "Lãnh đạo 1",
                "roles": "leader",
                "max_sessions_per_week": 10,
            }
        ],
        "communes.csv": [
            {"commune_code": c, "commune_name": f"Xã {c}", "poor_households": 10}
            for c in codes
        ],
        "venues.csv": [
            BASE_TABLES["venues.csv"][0],
            *(
                {
                    "venue_id": f"h{c}",
                    "name": f"Hội trường {c}",
                    "commune_code": c,
                    "capacity": 60,
                }
                for c in codes
            ),
        ],
        "stations.csv": [
            {
                "commune_code": c,
                "slot_id": "am",
                "start": "06:00",
                "airtime_minutes": 15,
            }
            for c in codes
        ],
        "travel.csv": [
            {"from_ref": a, "to_ref": b, "minutes": FAR}
            for i, a in enumerate(codes)
            for b in codes[i + 1 :]
        ]
        + [{"from_ref": "hq", "to_ref": c, "minutes": 10} for c in codes],
    }
    patch = {
        "horizon": {"start": days[0], "end": days[1]},
        "activities": {"dialogue": {"per_commune": per_commune}},
    }
    return make_scenario(folder, patch, tables)


def test_far_apart_communes_get_a_day_each(tmp_path: Path) -> None:
    # Tue 5 – Thu 7 Sep: 3 working days = 6 half-days, and 3 communes need 2
    # dialogues each = 6 sessions, so every half-day holds one. Stage 1 sees one
    # leader free per half-day and accepts any order; of the 90 orders
    # (6! / 2!2!2!) only the 6 with one commune per day can be named. Cutting
    # off whole placements one at a time gave up after 5 unnameable ones; the
    # day cut forbids "commune X in the morning, commune Y in the afternoon"
    # on every day at once, so each day ends up with a single commune.
    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-07"), per_commune=2, communes=3)
    plan = solve(sc)
    assert plan.solver.status == "OPTIMAL"
    sessions = [e for e in plan.events if e.kind == "session"]
    assert len(sessions) == 6
    communes_by_day: dict[dt.date, set[str]] = {}
    for e in sessions:
        communes_by_day.setdefault(e.start.date(), set()).add(e.commune_code)
    assert sorted(len(c) for c in communes_by_day.values()) == [1, 1, 1]
    assert check_plan(sc, plan) == []


def test_day_cut_forbids_the_pair_on_every_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tue 5 – Wed 6 Sep, two communes, one dialogue each. Force Xã Một in the
    # morning and Xã Hai in the afternoon of 5 Sep: the leader cannot be in
    # both (300 min travel > 120 min gap). The pair fails with nobody blocked,
    # so it is cut on both days, and so is the mirrored pair (Xã Hai morning,
    # Xã Một afternoon), which fails for the same reason: 2 patterns × 2 days.
    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-06"), per_commune=1)
    grid = build_grid(sc)
    # the guarded model (explanations) has no travel stars, and without the
    # people's far venues (as in a large province) stage 1 accepts the pair
    # and the cut alone must catch it
    monkeypatch.setattr(staff_model, "MAX_TRAVEL_PLACES", 0)
    built = build_model(sc, grid, guarded=True)
    x = built.ctx.vars.sessions.x
    index = {(s.day, s.half): s.index for s in grid.sessions}
    tue, wed = dt.date(2023, 9, 5), dt.date(2023, 9, 6)
    built.model.add(x[("dialogue", "00001")][index[(tue, "morning")]] == 1)
    built.model.add(x[("dialogue", "00002")][index[(tue, "afternoon")]] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = 10.0
    assert solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    cuts = unnameable_day_cuts(built, solver, seed=0)

    def pair(morning: str, afternoon: str, day: dt.date) -> set[int]:
        return {
            x[("dialogue", morning)][index[(day, "morning")]].index,
            x[("dialogue", afternoon)][index[(day, "afternoon")]].index,
        }

    expected = [
        pair("00001", "00002", tue),
        pair("00002", "00001", tue),
        pair("00001", "00002", wed),
        pair("00002", "00001", wed),
    ]
    got = [{v.index for v in cut} for cut in cuts]
    assert sorted(map(sorted, got)) == sorted(map(sorted, expected))


def test_near_communes_give_no_day_cut(tmp_path: Path) -> None:
    # the same forced day with the halls 60 minutes apart: 60 ≤ 120, the
    # leader does both, so no day is to blame and no cut is returned
    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-06"), per_commune=1)
    sc = sc.model_copy(
        update={
            "travel_times": tuple(
                t.model_copy(update={"minutes": 60}) if t.from_ref != "hq" else t
                for t in sc.travel_times
            )
        }
    )
    grid = build_grid(sc)
    built = build_model(sc, grid, guarded=True)
    x = built.ctx.vars.sessions.x
    index = {(s.day, s.half): s.index for s in grid.sessions}
    tue = dt.date(2023, 9, 5)
    built.model.add(x[("dialogue", "00001")][index[(tue, "morning")]] == 1)
    built.model.add(x[("dialogue", "00002")][index[(tue, "afternoon")]] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    assert solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert unnameable_day_cuts(built, solver, seed=0) == []


def forced_pair_status(sc: Scenario) -> int:
    """Solve stage 1 with Xã Một on Tue 5 Sep morning and Xã Hai that afternoon."""
    grid = build_grid(sc)
    built = build_model(sc, grid)
    x = built.ctx.vars.sessions.x
    index = {(s.day, s.half): s.index for s in grid.sessions}
    tue = dt.date(2023, 9, 5)
    built.model.add(x[("dialogue", "00001")][index[(tue, "morning")]] == 1)
    built.model.add(x[("dialogue", "00002")][index[(tue, "afternoon")]] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = 10.0
    return int(solver.solve(built.model))


def test_stage1_refuses_a_pair_out_of_reach(tmp_path: Path) -> None:
    # star of the morning session in Xã Một: it and the afternoon session in
    # Xã Hai (300 min away > 120 min gap) need 1 + 1 = 2 distinct leaders,
    # and 1 is free that day, so stage 1 itself has no such placement
    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-06"), per_commune=1)
    assert forced_pair_status(sc) == cp_model.INFEASIBLE


def test_stage1_accepts_a_pair_within_reach(tmp_path: Path) -> None:
    # halls 60 minutes apart: 60 ≤ 120, the star is empty, the leader does both
    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-06"), per_commune=1)
    sc = sc.model_copy(
        update={
            "travel_times": tuple(
                t.model_copy(update={"minutes": 60}) if t.from_ref != "hq" else t
                for t in sc.travel_times
            )
        }
    )
    assert forced_pair_status(sc) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
