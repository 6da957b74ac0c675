"""The checker is one function per constraint family, and still finds what it found.

``scheduler.check`` mirrors ``scheduler.model``: each family module has a
``check_<family>`` function, and ``check_plan`` only composes them in a fixed
order. The findings on plans broken at random (fixed seeds) are pinned by a
digest recorded from the checker as it was before the split, so the split
cannot change a finding, a message or the order.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import hashlib
import importlib
import inspect
import json
import random
from pathlib import Path

import pytest

import scheduler.check as check
from scheduler.check import FAMILIES, check_plan
from scheduler.check.base import facts_of
from scheduler.plan import Event, Plan
from scheduler.scenario.load import load_scenario
from scheduler.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "scheduler" / "model"
# the model's own machinery, not constraint families: the variables layer
# (model/variables.py) is the plan⇄variables mapping every family shares,
# family.py the families' registry; trips.py is a restriction a re-solve round
# adds (one half-day a person on days of far venues), not a rule a plan must keep
NOT_FAMILIES = {"__init__", "builder", "context", "family", "variables", "trips"}


def _golden(name: str) -> tuple[Scenario, Plan]:
    sc = load_scenario(ROOT / "configs" / "scenarios" / f"{name}.toml")
    data = json.loads((ROOT / "tests" / "golden" / name / "plan.json").read_text())
    data["solver"].setdefault("wall_time_s", 0.0)
    data["solver"].setdefault("build_time_s", 0.0)
    return sc, Plan.from_dict(data)


def _break(rng: random.Random, events: list[Event]) -> list[Event]:
    """Return the events with one to six random changes (moves, swaps, copies)."""
    es = list(events)
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(es))
        e, other = es[i], rng.choice(events)
        op = rng.randrange(9)
        if op == 0:
            d = dt.timedelta(days=rng.randint(-20, 20))
            e = dataclasses.replace(e, start=e.start + d, end=e.end + d)
        elif op == 1:
            d = dt.timedelta(hours=rng.choice([-5, -1, 1, 3]))
            e = dataclasses.replace(e, start=e.start + d, end=e.end + d)
        elif op == 2:
            e = dataclasses.replace(e, cost_vnd=e.cost_vnd + 1)
        elif op == 3:
            e = dataclasses.replace(e, staff=other.staff)
        elif op == 4:
            es.append(other)
            continue
        elif op == 5:
            del es[i]
            continue
        elif op == 6:
            e = dataclasses.replace(
                e, venue_id=other.venue_id, commune_code=other.commune_code
            )
        elif op == 7:
            e = dataclasses.replace(
                e,
                topic=other.topic,
                funding_source=other.funding_source,
                slot_id=other.slot_id,
            )
        else:
            e = dataclasses.replace(
                e, event_id=other.event_id, attendees=other.attendees
            )
        es[i] = e
    return es


# sha256 of every finding (rule, events, English, Vietnamese) on 60 broken plans
# per scenario, recorded with the single-function checker before the split
DIGESTS = {
    "nha-nam-2023": "e8e27871629282e96a52b4bc01380dde9202defdd300f3966ef47152589ad573",
    "dak-nong-2022-press": "402cb63088b81a855f4bc1574ddbcfdf0c283cd7a084a14f8084e4b1493fba66",
}


@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_findings_on_broken_plans_are_unchanged(name: str) -> None:
    sc, plan = _golden(name)
    rng = random.Random(19)
    digest = hashlib.sha256()
    found = 0
    for _ in range(60):
        broken = dataclasses.replace(plan, events=tuple(_break(rng, list(plan.events))))
        for v in check_plan(sc, broken):
            digest.update(repr((v.rule, v.events, v.message, v.message_vi)).encode())
            found += 1
    assert found > 60  # the broken plans do break rules
    assert digest.hexdigest() == DIGESTS[name]


def test_every_model_family_has_a_checker() -> None:
    families = {p.stem for p in MODEL.glob("*.py")} - NOT_FAMILIES
    composed = {f.__module__ for f in FAMILIES}
    for family in sorted(families):
        module = importlib.import_module(f"scheduler.check.{family}")
        checkers = [
            f
            for name, f in inspect.getmembers(module, inspect.isfunction)
            if name.startswith("check_") and f.__module__ == module.__name__
        ]
        assert checkers, f"scheduler/check/{family}.py has no check_ function"
        assert module.__name__ in composed, f"check_plan skips {family}"


def test_check_plan_only_composes_the_families() -> None:
    tree = ast.parse(inspect.getsource(check.check_plan))
    body = tree.body[0]
    assert isinstance(body, ast.FunctionDef)
    statements = [s for s in body.body if not isinstance(s, ast.Expr)]  # no docstring
    assert len(statements) <= 2


def test_check_plan_is_the_families_in_order() -> None:
    sc, plan = _golden("nha-nam-2023")
    broken = dataclasses.replace(
        plan, events=tuple(_break(random.Random(7), list(plan.events)))
    )
    facts = facts_of(sc, broken)
    assert check_plan(sc, broken) == [v for f in FAMILIES for v in f(facts)]


def test_each_family_names_only_its_own_rules() -> None:
    """A class moved onto a Sunday breaks training rules, found by check_training."""
    sc, plan = _golden("nha-nam-2023")
    i = next(i for i, e in enumerate(plan.events) if e.kind == "training")
    cls = plan.events[i]
    sunday = dt.timedelta(days=6 - cls.start.weekday())
    events = list(plan.events)
    events[i] = dataclasses.replace(cls, start=cls.start + sunday, end=cls.end + sunday)
    facts = facts_of(sc, dataclasses.replace(plan, events=tuple(events)))
    by_family = {f.__name__: {v.rule for v in f(facts)} for f in FAMILIES}
    assert "training_days" in by_family["check_training"]
    for name, rules in by_family.items():
        if name != "check_training":
            assert "training_days" not in rules
