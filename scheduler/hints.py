"""Warm starts: a plan's placements as CP-SAT hints on a freshly built model.

Only the placement variables are hinted (half-day sessions, broadcast items per
day, training classes and who attends them). ``solve(..., warm_start=plan)``
uses them as its fallback: when CP-SAT ends its limit with no solution, the
hinted placements are fixed and a short solve fills in the rest (left-out
counts, funding splits, empty weeks), so a plan that passes
:func:`scheduler.check.check_plan` (e.g. the greedy baseline's) is never lost to
a short time limit.
"""

from __future__ import annotations

from scheduler.model.builder import BuiltModel
from scheduler.plan import Plan


def hint_plan(built: BuiltModel, plan: Plan) -> None:
    """Replace the model's hints by the placements of ``plan``.

    Parameters
    ----------
    built : BuiltModel
        The model of the scenario the plan was made for.
    plan : Plan
        The plan whose events become hints (events the model has no variable
        for are skipped; see :meth:`scheduler.model.variables.Variables.hint`).
    """
    built.ctx.vars.hint(plan)
