"""Answers that must be true: summaries, reasons, explanations and re-plans.

Each test states something the tool tells a planner and checks that it holds:
the summary counts per commune and month, a left-out item names the limit
that bound it, explain's numbers are bounds worded as such (or, acted on,
give a plan), a re-plan with no change changes nothing, and travel rows keyed
by a commune code stand in for its venues as the docs say.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from scheduler.calendar import TZ
from scheduler.plan import Event, Plan, SolverReport, Unscheduled
from scheduler.solve import solve
from tests.conftest import BASE_TABLES, make_scenario

ROOT = Path(__file__).resolve().parents[1]
FAST: dict[str, Any] = {"num_workers": 2, "random_seed": 0, "max_time_in_seconds": 5}


def _item(code: str, day: str, n: int) -> Event:
    start = dt.datetime.fromisoformat(f"{day}T06:00").replace(tzinfo=TZ)
    return Event(
        event_id=f"broadcast-{code}-2023-09-s{n:02d}",
        activity="broadcast",
        kind="broadcast",
        commune_code=code,
        venue_id=None,
        start=start,
        end=start + dt.timedelta(minutes=10),
        cost_vnd=50_000,
        funding_source="main",
    )


def _plan(events: tuple[Event, ...], unscheduled: tuple[Unscheduled, ...]) -> Plan:
    return Plan(
        scenario="tiny",
        title="Kế hoạch thử",
        input_hash="0" * 64,
        horizon_start=dt.date(2023, 9, 4),
        horizon_end=dt.date(2023, 9, 15),
        events=events,
        unscheduled=unscheduled,
        penalties=(),
        solver=SolverReport(
            status="OPTIMAL",
            objective=0,
            bound=0,
            gap=0.0,
            wall_time_s=0.1,
            build_time_s=0.1,
            solver="OR-Tools CP-SAT",
            parameters={},
            num_booleans=1,
            num_constraints=1,
        ),
        required={"broadcast": 4},
    )


# --------------------------------------------------------------------------- summary


def test_summary_counts_broadcasts_per_commune_and_month(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # two items required in each commune; Xã Một airs three (one announcement
    # beyond its quota), Xã Hai one: four items, but one commune is one short
    import scheduler.cli as cli

    broadcast = {
        "kind": "broadcast",
        "name_vi": "Phát thanh",
        "name_en": "Broadcast",
        "per_month": 2,
        "funding_sources": ["main"],
    }
    topics = [
        {**r, "activities": "dialogue;broadcast"} for r in BASE_TABLES["topics.csv"]
    ]
    sc = make_scenario(
        tmp_path, {"activities": {"broadcast": broadcast}}, {"topics.csv": topics}
    )
    events = (
        _item("00001", "2023-09-05", 1),
        _item("00001", "2023-09-06", 2),
        _item("00001", "2023-09-07", 3),
        _item("00002", "2023-09-05", 1),
    )
    short = (Unscheduled("broadcast", "00002", 1, "short", "2023-09"),)
    out = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=out, width=200))
    cli.print_summary(sc, _plan(events, short), "en")
    text = out.getvalue()
    assert "Broadcast: 3/4 (placed / required, counted per commune and month" in text
    assert "+1 beyond the requirement" in text
    assert "4/4" not in text


# --------------------------------------------------------------------------- reasons

MAIN_1M = [
    {
        "id": "main",
        "name_vi": "Nguồn chính",
        "name_en": "Main",
        "allowance_vnd": {"2023-Q3": 1_000_000},
    }
]


def test_left_out_reason_names_the_source_and_quarter(tmp_path: Path) -> None:
    # 1,000,000 đ for two dialogues of 1,000,000 đ: Xã Hai is left out, and
    # its reason names the source, the quarter and what is left there
    sc = make_scenario(tmp_path, {"funding": MAIN_1M, "solver": {"parameters": FAST}})
    plan = solve(sc)
    [u] = plan.unscheduled
    assert (u.activity, u.commune_code, u.reason) == ("dialogue", "00002", "left_out")
    assert "kinh phí, cán bộ hoặc lịch" not in u.text("vi")
    assert "Nguồn chính quý III/2023 còn 0 đ" in u.text("vi")
    assert "one Dialogue costs 1,000,000 VND" in u.text("en")
    assert "Main 2023-Q3 has 0 VND left" in u.text("en")


def test_left_out_reason_names_the_role_without_free_holders(tmp_path: Path) -> None:
    # one leader, one session a week, away the second week: one dialogue fits
    staff = [
        {**r, "max_sessions_per_week": 1}
        for r in BASE_TABLES["staff.csv"]
        if r["staff_id"] != "L2"
    ]
    blocked = [
        {"kind": "staff", "ref": "L1", "start_date": "2023-09-11", "end_date": "2023-09-15"}
    ]  # fmt: skip
    sc = make_scenario(
        tmp_path,
        {"solver": {"parameters": FAST}},
        {"staff.csv": staff, "blocked.csv": blocked},
    )
    plan = solve(sc)
    [u] = plan.unscheduled
    assert u.reason == "left_out"
    assert u.text("vi").startswith(
        "Bị bỏ ra (ưu tiên thấp hơn): cán bộ: vai trò leader"
    )
    assert "no holder of role leader (1 people) is free" in u.text("en")


def test_reasons_survive_plan_json(tmp_path: Path) -> None:
    sc = make_scenario(tmp_path, {"funding": MAIN_1M, "solver": {"parameters": FAST}})
    plan = solve(sc)
    again = Plan.from_dict(json.loads(plan.to_json()))
    assert again.unscheduled == plan.unscheduled
    assert again.unscheduled[0].detail_vi
