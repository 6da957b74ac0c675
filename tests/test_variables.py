"""The variables layer: decode, left-out counts, hint and fix of a plan (scheduler.model.variables)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model

from scheduler.calendar import TimeGrid, build_grid, half_of
from scheduler.kinds import Kind
from scheduler.model.budget import BUDGET
from scheduler.model.builder import BuiltModel, build_model
from scheduler.model.context import RuleKey
from scheduler.model.sessions import COMMUNE_BLOCKED
from scheduler.model.training import TRAINING_CAPACITY
from scheduler.plan import Event, Plan
from scheduler.scenario.schema import Scenario
from scheduler.solver.solve import solve
from tests.conftest import make_scenario

TOPICS = [
    {"topic_id": t, "name_vi": t, "name_en": t, "activities": "broadcast"} for t in "ab"
]
ACTIVITIES: dict[str, Any] = {
    "dialogue": {"roles": {"leader": 1}},
    "broadcast": {
        "kind": "broadcast",
        "name_vi": "Phát thanh",
        "name_en": "Broadcast",
        "per_month": 4,
        "max_per_week": 2,
        "topic_gap_days": 1,
        "minutes": 10,
        "cost_per_item_vnd": 0,
        "funding_sources": ["main"],
    },
    "training": {
        "kind": "training",
        "name_vi": "Tập huấn",
        "name_en": "Training",
        "class_size": 4,
        "duration_days": 2,
        "trainees_per_commune": 2,
        "roles": {"trainer": 1},
        "venue": "center",
        "funding_sources": ["main"],
    },
}


def _scenario(tmp_path: Path, **patch: Any) -> Scenario:
    """Two weeks of September: a dialogue, broadcasts and a class in two communes."""
    return make_scenario(
        tmp_path, {"activities": ACTIVITIES, **patch}, {"topics.csv": TOPICS}
    )


def _solve(built: BuiltModel, **params: Any) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    for name, value in params.items():
        setattr(solver.parameters, name, value)
    status = solver.solve(built.model)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE), solver.status_name(status)
    return solver


def _placements(events: list[Event] | tuple[Event, ...]) -> set[tuple[Any, ...]]:
    """What a plan places, without the staff (the naming stage's part)."""
    return {
        (
            e.event_id,
            e.kind,
            e.commune_code,
            e.venue_id,
            e.start,
            e.end,
            e.communes_served,
            e.topic,
            e.cost_vnd,
            e.funding_source,
            e.slot_id,
        )
        for e in events
    }


def _decoded(built: BuiltModel, solver: cp_model.CpSolver) -> list[Event]:
    decoded = built.ctx.vars.decode(solver)
    return [p.event for p in decoded.placed] + decoded.publications


@pytest.fixture
def planned(tmp_path: Path) -> tuple[Scenario, TimeGrid, Plan]:
    sc = _scenario(tmp_path)
    plan = solve(sc)
    kinds = {e.kind for e in plan.events}
    assert kinds == {"session", "broadcast", "training"}
    return sc, build_grid(sc), plan


def test_fixing_a_plan_decodes_back_to_it(
    planned: tuple[Scenario, TimeGrid, Plan],
) -> None:
    sc, grid, plan = planned
    built = build_model(sc, grid)
    built.ctx.vars.fix(plan)
    solver = _solve(built)
    assert _placements(_decoded(built, solver)) == _placements(plan.events)


def test_hinted_placements_alone_decode_back_to_the_plan(
    planned: tuple[Scenario, TimeGrid, Plan],
) -> None:
    # only the placements are hinted: left-out counts and sources follow
    sc, grid, plan = planned
    built = build_model(sc, grid)
    built.ctx.vars.hint(plan)
    solver = _solve(
        built, fix_variables_to_their_hinted_value=True, cp_model_presolve=False
    )
    assert _placements(_decoded(built, solver)) == _placements(plan.events)


def test_decode_gives_the_naming_stage_halves_and_literals(
    planned: tuple[Scenario, TimeGrid, Plan],
) -> None:
    sc, grid, plan = planned
    built = build_model(sc, grid)
    built.ctx.vars.fix(plan)
    solver = _solve(built)
    variables = built.ctx.vars
    for p in variables.decode(solver).placed:
        e = p.event
        if e.kind == Kind.SESSION:
            assert p.halves == ((e.start.date(), half_of(sc.calendar, e.start)),)
        elif e.kind == Kind.TRAINING:
            assert len(p.halves) == 2 * 2  # two days, both halves
        else:
            assert (p.halves, p.literal) == ((), None)
            assert variables.literal_of(e) is None
            continue
        assert p.literal is not None
        assert solver.value(p.literal) == 1
        assert variables.literal_of(e) is p.literal


def test_held_sessions_and_their_literals(
    planned: tuple[Scenario, TimeGrid, Plan],
) -> None:
    sc, grid, plan = planned
    built = build_model(sc, grid)
    built.ctx.vars.fix(plan)
    solver = _solve(built)
    held = built.ctx.vars.held_sessions(solver)
    sessions = [e for e in plan.events if e.kind == "session"]
    assert {(h.activity, h.commune, h.session.day, h.session.half) for h in held} == {
        (e.activity, e.commune_code, e.start.date(), half_of(sc.calendar, e.start))
        for e in sessions
    }
    for h in held:
        lit = built.ctx.vars.session_literal(
            h.activity, h.commune, h.session.day, h.session.half
        )
        assert lit is not None
        assert solver.value(lit) == 1
    # 4 Sep is a public holiday: no session, no variable
    holiday = dt.date(2023, 9, 4)
    variables = built.ctx.vars
    assert variables.session_literal("dialogue", "00001", holiday, "morning") is None


def test_a_free_session_moves_and_nothing_else_does(
    planned: tuple[Scenario, TimeGrid, Plan],
) -> None:
    sc, grid, plan = planned
    moving = next(e for e in plan.events if e.kind == "session")
    built = build_model(sc, grid)
    fixed = built.ctx.vars.fix(plan, free=moving)
    here = grid.session_at[(moving.start.date(), half_of(sc.calendar, moving.start))]
    assert here.index not in fixed.choices
    assert fixed.choices  # the other free half-days of its commune
    solver = _solve(built)
    after = {e.event_id: e for e in _decoded(built, solver)}
    assert after[moving.event_id].start != moving.start
    others = [e for e in plan.events if e.event_id != moving.event_id]
    assert _placements(others) <= _placements(list(after.values()))


def test_a_free_broadcast_item_moves_to_one_other_day(
    planned: tuple[Scenario, TimeGrid, Plan],
) -> None:
    sc, grid, plan = planned
    moving = next(e for e in plan.events if e.kind == "broadcast")
    built = build_model(sc, grid)
    fixed = built.ctx.vars.fix(plan, free=moving)
    assert moving.start.date() not in fixed.choice_days
    assert len(fixed.choice_days) == len(fixed.day_choices) > 0
    solver = _solve(built)
    moved = [n for n, gain in enumerate(fixed.day_choices) if solver.value(gain)]
    assert len(moved) == 1

    def days(events: list[Event] | tuple[Event, ...]) -> list[dt.date]:
        place = (moving.activity, moving.commune_code)
        return sorted(
            e.start.date() for e in events if (e.activity, e.commune_code) == place
        )

    before, after = days(plan.events), days(_decoded(built, solver))
    before.remove(moving.start.date())
    assert sorted([*before, fixed.choice_days[moved[0]]]) == after


def test_a_replan_pins_the_past_and_counts_what_moves(
    planned: tuple[Scenario, TimeGrid, Plan],
) -> None:
    sc, grid, plan = planned
    today = dt.date(2023, 9, 11)
    dialogue = next(
        e for e in plan.events if e.kind == "session" and e.start.date() < today
    )
    built = build_model(sc, grid)
    fixed = built.ctx.vars.fix(plan, before=today)
    # the plan itself moves nothing: every change term is 0 at the plan
    m = built.model
    m.minimize(sum(fixed.moved) + sum(fixed.distance))
    solver = _solve(built)
    assert solver.objective_value == 0
    past = [e for e in plan.events if e.start.date() < today]
    assert _placements(past) <= _placements(_decoded(built, solver))
    # a past session stays even when the rest of the plan would rather move it
    again = build_model(sc, grid)
    again.ctx.vars.fix(plan, before=today)
    lit = again.ctx.vars.literal_of(dialogue)
    assert lit is not None
    again.model.add(lit == 0)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(again.model) == cp_model.INFEASIBLE


def test_a_cancelled_future_class_is_not_held(
    planned: tuple[Scenario, TimeGrid, Plan],
) -> None:
    sc, grid, plan = planned
    first = min(e.start.date() for e in plan.events)
    cls = next(e for e in plan.events if e.kind == "training")
    built = build_model(sc, grid)
    built.ctx.vars.fix(plan, before=first, drop={cls.event_id})
    lit = built.ctx.vars.literal_of(cls)
    solver = _solve(built)
    assert lit is not None
    assert solver.value(lit) == 0


def test_left_out_counts_from_the_events(
    planned: tuple[Scenario, TimeGrid, Plan],
) -> None:
    sc, grid, plan = planned
    built = build_model(sc, grid)
    variables = built.ctx.vars
    assert variables.left_out(list(plan.events)) == []
    dropped = next(
        e for e in plan.events if e.commune_code == "00002" and e.kind == "session"
    )
    rest = [e for e in plan.events if e is not dropped]
    [lo] = variables.left_out(rest)
    # coverage 1000 × priority 10 × 10 poor households
    assert dataclasses.astuple(lo.item)[:6] == (
        "dialogue",
        "00002",
        1,
        "left_out",
        None,
        100_000,
    )
    assert lo.quota is None


def test_left_out_caps_hold_the_item_against_the_budget(tmp_path: Path) -> None:
    # money for one dialogue of two: Xã Hai's is left out; holding it while
    # keeping Xã Một's is impossible, without the cap it is not
    funding = [
        {
            "id": "main",
            "name_vi": "Nguồn chính",
            "name_en": "Main",
            "allowance_vnd": {"2023-Q3": 1_000_000},
        }
    ]
    sc = make_scenario(tmp_path, {"funding": funding})
    grid = build_grid(sc)
    plan = solve(sc)
    [item] = plan.unscheduled
    assert (item.activity, item.commune_code) == ("dialogue", "00002")
    free = build_model(sc, grid)
    _solve(free)
    capped = build_model(sc, grid)
    capped.ctx.vars.cap_left_out(plan, item)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(capped.model) == cp_model.INFEASIBLE


def test_broadcast_items_required_counts_what_is_offered_and_not(
    tmp_path: Path,
) -> None:
    # Xã Hai has no station slot: its items are required but never offered
    stations = [
        {
            "commune_code": "00001",
            "slot_id": "am",
            "start": "06:00",
            "airtime_minutes": 15,
        }
    ]
    sc = make_scenario(
        tmp_path,
        {"activities": {"broadcast": ACTIVITIES["broadcast"]}},
        {"topics.csv": TOPICS, "stations.csv": stations},
    )
    built = build_model(sc, build_grid(sc))
    offered = sum(built.ctx.vars.broadcasts.required.values())
    [(act, code, n, why)] = built.ctx.vars.excluded
    assert (act, code, why) == ("broadcast", "00002", "no_station_slot")
    assert built.ctx.vars.broadcast_items_required("broadcast") == offered + n
    assert offered == n > 0


def test_kinds_are_written_as_plain_strings(
    planned: tuple[Scenario, TimeGrid, Plan],
) -> None:
    _, _, plan = planned
    assert Kind.SESSION == "session"
    assert f"{Kind.TRAINING}" == "training"
    assert any(isinstance(e.kind, Kind) for e in plan.events)
    data = json.loads(plan.to_json())
    assert {e["kind"] for e in data["events"]} == {"session", "broadcast", "training"}
    assert Plan.from_dict(data).events == plan.events


# ---------------------------------------------------------------- rule group keys


def test_rule_keys_render_as_before_and_parse_back(tmp_path: Path) -> None:
    key = RuleKey.of(BUDGET, "main", "2023-Q3")
    assert str(key) == f"{key}" == "budget:main:2023-Q3"
    assert RuleKey.parse("budget:main:2023-Q3") == key
    blocked = RuleKey.of(COMMUNE_BLOCKED, "00001", dt.date(2023, 9, 5), dt.date(2023, 9, 6), "")  # fmt: skip
    assert str(blocked) == "commune_blocked:00001:2023-09-05:2023-09-06:"
    assert RuleKey.parse(str(blocked)) == blocked
    with pytest.raises(ValueError, match="nonsense"):
        RuleKey.parse("nonsense:x")
    sc = _scenario(tmp_path)
    built = build_model(sc, build_grid(sc), relaxed=True)
    keys = [g.key for g in built.ctx.groups] + [s.key for s in built.ctx.slacks]
    assert {k.kind for k in keys} >= {BUDGET, TRAINING_CAPACITY}
    for k in keys:
        assert RuleKey.parse(str(k)) == k
    # a group with two slacks names them as its parts
    seats = RuleKey.of(TRAINING_CAPACITY, "training", "seats")
    assert seats in {s.key for s in built.ctx.slacks}


def test_decode_splits_sources_as_the_model_counts(tmp_path: Path) -> None:
    # each source can pay one dialogue: the model splits the two between
    # them, and the decoded events say so
    funding = [
        {
            "id": source,
            "name_vi": source,
            "name_en": source,
            "allowance_vnd": {"2023-Q3": 1_000_000},
        }
        for source in ("main", "other")
    ]
    sc = make_scenario(
        tmp_path,
        {
            "funding": funding,
            "activities": {"dialogue": {"funding_sources": ["main", "other"]}},
        },
    )
    built = build_model(sc, build_grid(sc))
    solver = _solve(built)
    paid = sorted(e.funding_source or "" for e in _decoded(built, solver))
    assert paid == ["main", "other"]
