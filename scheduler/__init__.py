"""Campaign scheduling for Vietnamese poverty-reduction communication plans.

The public API: load a scenario, build its time grid, solve it, check a plan.

The names are imported on first use (:pep:`562`), not with the package:
importing any module of the package runs this file first, and every command,
the HiGHS child process and the workspace's solver process would otherwise
load the scenario schema (pydantic), the holidays and the checker whether they
need them or not.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.calendar import build_grid
    from scheduler.check import check_plan
    from scheduler.plan import Plan
    from scheduler.scenario.load import load_scenario

__all__ = ["Plan", "build_grid", "check_plan", "load_scenario"]

#: Each public name and the module that defines it.
_HOMES = {
    "Plan": "scheduler.plan",
    "build_grid": "scheduler.calendar",
    "check_plan": "scheduler.check",
    "load_scenario": "scheduler.scenario.load",
}


def __getattr__(name: str) -> Any:
    """Return a public name, importing its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'scheduler' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next use is a plain lookup
    return value


def __dir__() -> list[str]:
    """Return the module's names, the public ones not yet imported included."""
    return sorted({*globals(), *__all__})
