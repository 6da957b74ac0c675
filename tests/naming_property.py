"""Random small scenarios for the naming property (shared by the test and the script).

The property: every scenario either plans, and the independent checker finds
nothing wrong with the plan, or is explained as infeasible. Never "staff
could not be named": stage 1 (counts and per-person places) must only propose
placements whose staff can be named, and the lazy travel cuts must settle the
rest.

A scenario is drawn as plain data (:class:`Case`), written as files with
:func:`tests.conftest.make_scenario` and loaded by the real loader, so every
drawn scenario is also a valid input.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from scheduler.check import check_plan
from scheduler.errors import InfeasibleScenario
from scheduler.explain import explained
from scheduler.scenario.schema import Scenario
from scheduler.solver.solve import solve
from tests.conftest import BASE_TABLES, make_scenario

ROLES = ("leader", "officer", "trainer")
FIRST = dt.date(2023, 9, 4)  # Monday; the 4th is the National Day substitute holiday


@dataclass(frozen=True)
class Person:
    """One staff member: roles, weekly session cap, class-day cap."""

    roles: tuple[str, ...]
    cap: int
    day_cap: int | None


@dataclass(frozen=True)
class Block:
    """A blocked period of a person (``who`` ≥ 0) or a commune (``who`` < 0)."""

    who: int
    first: int  # days after FIRST
    length: int  # extra days
    half: str | None


@dataclass(frozen=True)
class Case:
    """A small scenario as plain data."""

    weeks: int
    communes: int
    per_commune: int
    officer: bool  # dialogues need an officer besides the leader
    training: int  # 0: none, else the class length in days
    people: tuple[Person, ...]
    blocks: tuple[Block, ...]
    far: tuple[bool, ...]  # per commune: its hall is far from the others
    target: float  # 0: none, else the fraction of dialogues by the first Friday
    pin: bool  # the first commune's dialogue pinned to the first Tuesday morning


def cases(
    max_communes: int = 3, max_people: int = 4, max_weeks: int = 2
) -> st.SearchStrategy[Case]:
    """Return the strategy of small cases (sizes bounded by the arguments)."""
    person = st.builds(
        Person,
        roles=st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True).map(
            tuple
        ),
        cap=st.integers(1, 3),
        day_cap=st.one_of(st.none(), st.integers(1, 2)),
    )

    @st.composite
    def case(draw: st.DrawFn) -> Case:
        weeks = draw(st.integers(1, max_weeks))
        communes = draw(st.integers(1, max_communes))
        people = list(draw(st.lists(person, min_size=1, max_size=max_people)))
        officer = draw(st.booleans())
        training = draw(st.sampled_from((0, 0, 1, 2)))
        # every role an activity needs is held by someone (the loader insists)
        needed = ["leader"] + ["officer"] * officer + ["trainer"] * bool(training)
        for role in needed:
            if not any(role in p.roles for p in people):
                k = draw(st.integers(0, len(people) - 1))
                people[k] = replace(people[k], roles=(*people[k].roles, role))
        block = st.builds(
            Block,
            who=st.integers(-communes, len(people) - 1),
            first=st.integers(0, 7 * weeks - 3),
            length=st.integers(0, 4),
            half=st.sampled_from((None, None, "morning", "afternoon")),
        )
        return Case(
            weeks=weeks,
            communes=communes,
            per_commune=draw(st.integers(1, 2)),
            officer=officer,
            training=training,
            people=tuple(people),
            blocks=tuple(draw(st.lists(block, max_size=6))),
            far=tuple(
                draw(st.lists(st.booleans(), min_size=communes, max_size=communes))
            ),
            target=draw(st.sampled_from((0.0, 0.0, 0.0, 0.5, 1.0))),
            pin=draw(st.booleans()),
        )

    return case()


def scenario_of(case: Case, folder: Path) -> Scenario:
    """Write the case's files into ``folder`` and load them."""
    codes = [f"{n:05d}" for n in range(1, case.communes + 1)]
    last = FIRST + dt.timedelta(days=7 * case.weeks - 3)  # a Friday
    day = lambda n: (FIRST + dt.timedelta(days=n)).isoformat()  # noqa: E731
    staff = [
        {
            "staff_id": f"P{i}",
            "name": f"Cán bộ {i}",
            "roles": ";".join(p.roles),
            "max_sessions_per_week": p.cap,
            "max_class_days_per_week": "" if p.day_cap is None else p.day_cap,
        }
        for i, p in enumerate(case.people)
    ]
    blocked = [
        {
            "kind": "staff" if b.who >= 0 else "commune",
            "ref": f"P{b.who}" if b.who >= 0 else codes[-b.who - 1],
            "start_date": day(b.first),
            "end_date": day(min(b.first + b.length, 7 * case.weeks - 3)),
            "half": b.half or "",
            "reason": "",
        }
        for b in case.blocks
    ]
    # far halls are 200 minutes from every other hall, more than the 120-minute
    # lunch gap; near ones 40
    travel = [
        {
            "from_ref": a,
            "to_ref": b,
            "minutes": 200 if case.far[i] or case.far[j] else 40,
        }
        for i, a in enumerate(codes)
        for j, b in enumerate(codes)
        if i < j
    ] + [{"from_ref": "hq", "to_ref": c, "minutes": 10} for c in codes]
    tables: dict[str, list[dict[str, Any]]] = {
        "staff.csv": staff,
        "communes.csv": [
            {"commune_code": c, "commune_name": f"Xã {c}", "poor_households": 10 + n}
            for n, c in enumerate(codes)
        ],
        "venues.csv": [
            BASE_TABLES["venues.csv"][0],
            BASE_TABLES["venues.csv"][3],
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
        "blocked.csv": blocked,
        "travel.csv": travel,
    }
    roles = {"leader": 1, "officer": 1} if case.officer else {"leader": 1}
    activities: dict[str, Any] = {
        "dialogue": {"per_commune": case.per_commune, "roles": roles},
    }
    if case.training:
        activities["training"] = {
            "kind": "training",
            "name_vi": "Tập huấn",
            "name_en": "Training",
            "class_size": 30,
            "duration_days": case.training,
            "trainees_per_commune": 3,
            "roles": {"trainer": 1},
            "venue": "center",
            "cost_fixed_vnd": 1_000_000,
            "funding_sources": ["main"],
            "priority": 5,
        }
    patch: dict[str, Any] = {
        "horizon": {"start": FIRST.isoformat(), "end": last.isoformat()},
        "activities": activities,
        "solver": {"explain_time_limit_s": 20.0},
    }
    if case.target:
        patch["targets"] = [
            {"activity": "dialogue", "by": day(4), "min_fraction": case.target}
        ]
    if case.pin:
        patch["pins"] = [
            {
                "activity": "dialogue",
                "commune": codes[0],
                "date": day(1),
                "half": "morning",
            }
        ]
    return make_scenario(folder, patch, tables)


def holds(case: Case, folder: Path, seconds: float = 20.0, workers: int = 1) -> str:
    """Plan the case; return "planned" or "infeasible", or fail the property.

    Raises
    ------
    AssertionError
        When the plan breaks a hard rule or the infeasibility has no reason.
    RuntimeError
        From the solver: e.g. staff that could not be named.
    """
    sc = scenario_of(case, folder)
    try:
        # the planner is told why, as `scheduler plan` tells it
        with explained(sc):
            plan = solve(
                sc,
                overrides={
                    "num_workers": workers,
                    "random_seed": 0,
                    "max_time_in_seconds": seconds,
                },
            )
    except InfeasibleScenario as exc:
        reasons = exc.reasons
    else:
        problems = check_plan(sc, plan)
        assert problems == [], problems
        return "planned"
    assert reasons, "infeasible without a reason"
    return "infeasible"
