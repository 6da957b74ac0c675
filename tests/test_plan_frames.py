"""Plan.to_frame and its companions: the plan as pandas tables for analysts."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from scheduler.calendar import build_grid
from scheduler.plan import Plan
from scheduler.scenario.load import load_scenario
from scheduler.solver.solve import solve

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plan() -> Plan:
    sc = load_scenario(ROOT / "configs" / "scenarios" / "nha-nam-2023.toml")
    overrides = {"max_time_in_seconds": 20.0, "num_workers": 2, "random_seed": 1}
    return solve(sc, build_grid(sc), overrides=overrides)


def test_one_row_per_event_with_the_schedule_columns(plan: Plan) -> None:
    frame = plan.to_frame()
    assert len(frame) == len(plan.events)
    assert list(frame["event_id"]) == [e.event_id for e in plan.events]
    assert frame["cost_vnd"].sum() == sum(e.cost_vnd for e in plan.events)
    first = plan.events[0]
    row = frame.iloc[0]
    assert row["start"].to_pydatetime() == first.start
    assert row["staff"] == first.staff_ids
    assert row["quarter"] == f"{first.start.year}-Q{(first.start.month - 1) // 3 + 1}"


def test_spending_by_source_and_quarter_adds_up(plan: Plan) -> None:
    # worked out by hand from the events, the way the checker adds spending
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for e in plan.events:
        quarter = f"{e.start.year}-Q{(e.start.month - 1) // 3 + 1}"
        expected[(e.funding_source or "", quarter)] += e.cost_vnd
    table = plan.spending_frame()
    got = {
        (r.funding_source, r.quarter): r.cost_vnd for r in table.itertuples(index=False)
    }
    assert got == dict(expected)


def test_unscheduled_frame_says_why_in_both_languages(plan: Plan) -> None:
    frame = plan.unscheduled_frame("en")
    assert len(frame) == len(plan.unscheduled)
    assert list(frame.columns) == [
        "activity",
        "commune_code",
        "count",
        "period",
        "reason",
        "reason_text",
        "penalty",
    ]


def test_reading_a_plan_does_not_load_pandas() -> None:
    # exporters, the checker and the server read plans; pandas loads only for a frame
    code = "import sys, scheduler.plan; print('pandas' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
