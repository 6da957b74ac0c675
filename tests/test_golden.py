"""Behaviour does not change: bundled scenarios plan as recorded.

With ``--deterministic`` CP-SAT's workers interleave, so the same input and seed
give the same plan; the three scenarios here are proven optimal well within
their limits, so the machine's load cannot change them either. A change that
alters a schedule fails here; re-record with ``scripts/record_golden.py`` only
when the change of plan is intended.
"""

from __future__ import annotations

import json

import pytest

from tests.golden_support import GOLDEN, SCENARIOS, plan_deterministic


@pytest.mark.parametrize("name", SCENARIOS)
def test_bundled_scenario_plans_as_recorded(name: str) -> None:
    schedule, plan = plan_deterministic(name)
    assert schedule == (GOLDEN / name / "schedule.csv").read_bytes()
    recorded = json.loads((GOLDEN / name / "plan.json").read_text(encoding="utf-8"))
    assert plan == recorded
