"""New constraint families: session spacing (``min_gap_days``) and publications.

Each case is one that must hold and one that must break (or cost a penalty);
expected values are worked out by hand in the comments. Every plan the solver
or the greedy baseline returns is proven by the independent checker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from scheduler.baseline import greedy_plan
from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario
from scheduler.solve import solve
from tests.conftest import make_scenario

COVERAGE = 1000  # default weight of the coverage goal


def plan_of(scenario: Scenario) -> Plan:
    plan = solve(scenario)
    assert check_plan(scenario, plan) == []
    return plan


def penalty(plan: Plan, name: str) -> int:
    return next((p.penalty for p in plan.penalties if p.name == name), 0)


# ---------------------------------------------------------------- spacing

# Tue 5 – Thu 7 Sep 2023: three free working days, six half-days
THREE_DAYS = {"horizon": {"start": "2023-09-05", "end": "2023-09-07"}}


def _leaflets(gap: int) -> dict[str, Any]:
    return {
        "kind": "session",
        "name_vi": "Phát tờ rơi",
        "name_en": "Leaflets",
        "per_commune": 2,
        "min_gap_days": gap,
        "roles": {"leader": 1},
        "funding_sources": ["main"],
        "communes": ["00001"],
    }


def spacing_case(folder: Path, gap: int) -> Scenario:
    return make_scenario(
        folder, {**THREE_DAYS, "activities": {"leaflets": _leaflets(gap)}}
    )


def leaflet_days(plan: Plan) -> list[dt.date]:
    return sorted(e.start.date() for e in plan.by_activity("leaflets"))


def test_spacing_too_wide_for_the_horizon_leaves_one_out(tmp_path: Path) -> None:
    # 00001 needs 2 leaflet rounds; the days are 5, 6 and 7 Sep, at most 2 days
    # apart, so with min_gap_days = 5 only one round fits: coverage
    # = 1000 × priority 1 × 30 poor households = 30,000
    sc = spacing_case(tmp_path, 5)
    plan = plan_of(sc)
    assert len(leaflet_days(plan)) == 1
    assert penalty(plan, "coverage") == COVERAGE * 1 * 30
    assert [(u.activity, u.commune_code, u.count) for u in plan.unscheduled] == [
        ("leaflets", "00001", 1)
    ]


def test_spacing_two_days_holds_both_two_days_apart(tmp_path: Path) -> None:
    # min_gap_days = 2: the only pair of days 2 apart is 5 and 7 Sep
    plan = plan_of(spacing_case(tmp_path, 2))
    assert leaflet_days(plan) == [dt.date(2023, 9, 5), dt.date(2023, 9, 7)]
    assert penalty(plan, "coverage") == 0


def test_greedy_baseline_respects_spacing(tmp_path: Path) -> None:
    # the greedy takes the first free half-days: without the rule both rounds
    # would go on Tue 5 Sep (morning and afternoon); with 2 days they go 5 and 7
    sc = spacing_case(tmp_path, 2)
    plan = greedy_plan(sc, build_grid(sc))
    assert check_plan(sc, plan) == []
    assert leaflet_days(plan) == [dt.date(2023, 9, 5), dt.date(2023, 9, 7)]
    # with 5 days one round is left out, and the checker still agrees
    sc5 = spacing_case(tmp_path / "five", 5)
    plan5 = greedy_plan(sc5, build_grid(sc5))
    assert check_plan(sc5, plan5) == []
    assert len(leaflet_days(plan5)) == 1


def test_checker_names_sessions_too_close(tmp_path: Path) -> None:
    # the plan of min_gap_days = 2 with its second round moved to 6 Sep
    # (1 day after the first, afternoon) breaks the rule: both events named
    sc = spacing_case(tmp_path, 2)
    plan = plan_of(sc)
    first, second = sorted(plan.by_activity("leaflets"), key=lambda e: e.start)
    moved = dataclasses.replace(
        second,
        start=second.start - dt.timedelta(days=1),
        end=second.end - dt.timedelta(days=1),
    )
    events = tuple(moved if e is second else e for e in plan.events)
    bad = [
        v
        for v in check_plan(sc, dataclasses.replace(plan, events=events))
        if v.rule == "min_gap"
    ]
    assert [set(v.events) for v in bad] == [{first.event_id, second.event_id}]
    assert "cách nhau 1 ngày, cần ít nhất 2 ngày" in bad[0].render("vi")


def test_explain_names_the_spacing_rule(tmp_path: Path) -> None:
    # the round left out with min_gap_days = 5 is out because of the spacing rule
    from scheduler.explain import explain_unscheduled

    sc = spacing_case(tmp_path, 5)
    grid = build_grid(sc)
    plan = solve(sc, grid)
    ((item, reasons),) = explain_unscheduled(sc, grid, plan, 20)
    assert (item.activity, item.commune_code) == ("leaflets", "00001")
    assert [f.key for f in reasons] == ["spacing:leaflets:00001"]
    assert "phải cách nhau ít nhất 5 ngày" in reasons[0].text_vi
