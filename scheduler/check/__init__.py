"""The independent checker: does a plan keep every hard rule of its scenario.

It reads only the scenario and the plan, recomputes working days, costs,
spending and staff loads on its own, and never imports the solver or the model,
so that it can prove what the solver returns (tests use it as the oracle).

One module per constraint family, mirroring :mod:`scheduler.model`; each
``check_<family>(facts)`` returns its findings and :func:`check_plan` only
composes them, in the order the families declare (``CHECKS``).
"""

from __future__ import annotations

from scheduler.check.base import RULES_VI, Checker, Violation, checks_in, facts_of
from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario

__all__ = ["FAMILIES", "RULES_VI", "Violation", "check_plan"]

# The order in which findings are reported (tests and people read them in it):
# each check/<family>.py declares its checkers' places in ``CHECKS``.
FAMILIES: tuple[Checker, ...] = checks_in(__name__)


def check_plan(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Check a plan against the hard rules of its scenario.

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan claims to solve.
    plan : Plan
        The plan (typically read back from ``plan.json``).

    Returns
    -------
    list of Violation
        Empty when every hard rule holds.
    """
    facts = facts_of(scenario, plan)
    return [v for family in FAMILIES for v in family(facts)]
