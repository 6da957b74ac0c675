"""Same input and seed give the same plan in deterministic mode."""

from __future__ import annotations

from pathlib import Path

from scheduler.solver.solve import solve
from tests.conftest import make_scenario


def test_deterministic_mode_repeats_the_plan(tmp_path: Path) -> None:
    sc = make_scenario(tmp_path, {"solver": {"parameters": {"num_workers": 2}}})
    first = solve(sc, overrides={"interleave_search": True})
    second = solve(sc, overrides={"interleave_search": True})
    assert first.events == second.events
    assert first.solver.objective == second.solver.objective
