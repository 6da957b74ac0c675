"""The independent checker: does a plan keep every hard rule of its scenario.

It reads only the scenario and the plan, recomputes working days, costs,
spending and staff loads on its own, and never imports the solver or the model,
so that it can prove what the solver returns (tests use it as the oracle).

One module per constraint family, mirroring :mod:`scheduler.model`; each
``check_<family>(facts)`` returns its findings and :func:`check_plan` only
composes them, in a fixed order.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.check.base import RULES_VI, Facts, Findings, Violation, facts_of
from scheduler.check.broadcasts import check_broadcasts
from scheduler.check.budget import check_budget
from scheduler.check.events import check_events
from scheduler.check.officials import check_officials
from scheduler.check.publications import check_publications
from scheduler.check.reach import check_reach
from scheduler.check.sequencing import (
    check_announcements,
    check_targets_and_pins,
    check_trained_first,
)
from scheduler.check.sessions import check_session_counts, check_sessions
from scheduler.check.spacing import check_spacing
from scheduler.check.staff import check_staff
from scheduler.check.training import check_training
from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario

__all__ = ["FAMILIES", "RULES_VI", "Violation", "check_plan"]

# The order in which findings are reported (tests and people read them in it).
FAMILIES: tuple[Callable[[Facts], Findings], ...] = (
    check_events,
    check_sessions,
    check_spacing,
    check_officials,
    check_session_counts,
    check_staff,
    check_reach,
    check_broadcasts,
    check_announcements,
    check_training,
    check_trained_first,
    check_publications,
    check_budget,
    check_targets_and_pins,
)


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
