"""Travel that is possible: each session's people arrive from their base in time.

Only with ``travel.leave_base_at``; a far venue reached by an overnight stay
(``[travel.overnight]``) is always in reach (:func:`scheduler.travel.arrives_in_time`).
Mirrors :mod:`scheduler.model.reach`.
"""

from __future__ import annotations

from collections import defaultdict

from scheduler.check.base import Checks, Facts, Findings
from scheduler.plan import Event
from scheduler.travel import arrives_in_time, base_of, travel_between


def check_reach(facts: Facts) -> Findings:
    """Name each session a person cannot reach from their base by its start."""
    found = Findings()
    sc = facts.sc
    leave = sc.travel.leave_base_at
    if leave is None:
        return found
    by_person: dict[str, list[Event]] = defaultdict(list)
    for e in facts.plan.events:
        if e.kind == "session":
            for asg in e.staff:
                by_person[asg.staff_id].append(e)
    for pid, events in by_person.items():
        person = facts.staff.get(pid)
        if person is None:
            continue
        base = base_of(sc, person) or ""
        for e in sorted(events, key=lambda e: e.start):
            venue = e.venue_id or ""
            if arrives_in_time(sc, person, venue, e.start.time()):
                continue
            need = travel_between(sc, base, venue)
            found.bad(
                "reach",
                [e.event_id],
                f"{pid} leaves {base} at {leave:%H:%M} and needs {need} min to reach "
                f"{venue} by {e.start:%H:%M}",
                f"{pid} rời {base} lúc {leave:%H:%M}, cần {need} phút để đến {venue} "
                f"trước {e.start:%H:%M}",
            )
    return found


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = ((70, check_reach),)
