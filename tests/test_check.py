"""The checker catches broken plans (it is the oracle, so it must be able to fail)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.check import check_plan
from scheduler.plan import Assignment, Plan
from scheduler.solver.solve import solve
from tests.conftest import BASE_TABLES, make_scenario


def _rules(plan: Plan, scenario) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.rule for v in check_plan(scenario, plan)}


def _replace_event(plan: Plan, index: int, **changes: object) -> Plan:
    events = list(plan.events)
    events[index] = dataclasses.replace(events[index], **changes)
    return dataclasses.replace(plan, events=tuple(events))


def test_valid_plan_passes_and_mutations_are_caught(tmp_path: Path) -> None:
    sc = make_scenario(tmp_path)
    plan = solve(sc)
    assert check_plan(sc, plan) == []
    first = plan.events[0]
    # Saturday 9 Sep 2023 is not a working day
    sat = dt.timedelta(days=(dt.date(2023, 9, 9) - first.start.date()).days)
    moved = _replace_event(plan, 0, start=first.start + sat, end=first.end + sat)
    assert "working_day" in _rules(moved, sc)
    # the same leader on both events in the same half-day
    second = plan.events[1]
    same_time = _replace_event(
        plan,
        1,
        start=first.start,
        end=first.end,
        staff=(Assignment(first.staff[0].staff_id, "leader"),),
    )
    assert "double_booked" in _rules(same_time, sc)
    # a wrong cost and a source the activity may not use
    assert "cost" in _rules(_replace_event(plan, 0, cost_vnd=first.cost_vnd + 1), sc)
    assert "funding_source" in _rules(
        _replace_event(plan, 0, funding_source="other"), sc
    )
    # a person who does not hold the role
    assert "roles" in _rules(
        _replace_event(plan, 1, staff=(Assignment("T1", "leader"),)), sc
    )
    assert second.event_id != first.event_id


def test_budget_overrun_is_caught(tmp_path: Path) -> None:
    sc = make_scenario(tmp_path / "a")
    plan = solve(sc)
    # the same plan against an allowance of 1,500,000 for 2 × 1,000,000 of dialogues
    funding = [
        dict(id="main", name_vi="N", name_en="M", allowance_vnd={"2023-Q3": 1_500_000})
    ]
    poorer = make_scenario(tmp_path / "b", {"funding": funding})
    assert "budget" in _rules(plan, poorer)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    poor=st.tuples(st.integers(0, 80), st.integers(0, 80)),
    allowance=st.integers(0, 3_000_000),
    cap=st.integers(0, 3),
    blocked_day=st.integers(5, 15),
)
def test_every_solved_plan_passes_the_checker(
    tmp_path_factory, poor: tuple[int, int], allowance: int, cap: int, blocked_day: int
) -> None:  # type: ignore[no-untyped-def]
    communes = [
        dict(r, poor_households=p)
        for r, p in zip(BASE_TABLES["communes.csv"], poor, strict=True)
    ]
    staff = [dict(r, max_sessions_per_week=cap) for r in BASE_TABLES["staff.csv"]]
    blocked = [
        {
            "kind": "staff",
            "ref": "L1",
            "start_date": f"2023-09-{blocked_day:02d}",
            "end_date": f"2023-09-{blocked_day:02d}",
        }
    ]
    funding = [
        dict(id="main", name_vi="N", name_en="M", allowance_vnd={"2023-Q3": allowance})
    ]
    sc = make_scenario(
        tmp_path_factory.mktemp("prop"),
        {"funding": funding},
        {"communes.csv": communes, "staff.csv": staff, "blocked.csv": blocked},
    )
    plan = solve(sc)
    assert check_plan(sc, plan) == []
    held = len(plan.by_activity("dialogue"))
    assert held == min(2, allowance // 1_000_000, 4 * cap if cap else 0) or held <= 2
