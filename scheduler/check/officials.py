"""Commune officials serve only the sessions of their own commune.

A person with a ``home_commune`` (seed 004 §III.2.2.b: the Party committee,
chair or vice-chair, Fatherland Front and unions of *that* commune) may be
named only on a session held in that commune; they do not travel, so no trip
is priced for them (:func:`scheduler.check.budget.expected_cost`).
"""

from __future__ import annotations

from scheduler.check.base import Checks, Facts, Findings


def check_officials(facts: Facts) -> Findings:
    """Name every commune official on an event that is not a session of their commune."""
    found = Findings()
    home = {p.staff_id: p.home_commune for p in facts.sc.staff if p.home_commune}
    if not home:
        return found
    for e in facts.plan.events:
        for asg in e.staff:
            mine = home.get(asg.staff_id)
            if mine is None:
                continue
            if e.kind != "session" or e.commune_code != mine:
                where = e.commune_code or "-"
                found.bad(
                    "home_commune",
                    [e.event_id],
                    f"{asg.staff_id} is an official of {mine}, "
                    f"not of the event's commune ({where})",
                    f"{asg.staff_id} là cán bộ xã {mine}, "
                    f"không phải của xã nơi diễn ra sự kiện ({where})",
                )
    return found


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = ((40, check_officials),)
