"""Campaign scheduling for Vietnamese poverty-reduction communication plans.

The public API: load a scenario, build its time grid, solve it, check a plan.
"""

from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.plan import Plan
from scheduler.scenario.load import load_scenario

__all__ = ["Plan", "build_grid", "check_plan", "load_scenario"]
