"""Training classes: working days in a row, class size, venue, each commune once."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from scheduler.check.base import Checks, Facts, Findings
from scheduler.plan import Event


def trained_until(facts: Facts) -> dict[tuple[str, str], dt.date]:
    """Return the last day of the class each (activity, commune) attends.

    When a commune attends two classes (itself a violation), the later one in
    plan order counts.
    """
    until: dict[tuple[str, str], dt.date] = {}
    for e in facts.of_kind("training"):
        for c in e.communes_served:
            until[(e.activity, c)] = e.end.date()
    return until


def check_training(facts: Facts) -> Findings:
    """Each class lasts its working days, fits, is at its venue; no commune twice."""
    found = Findings()
    sc = facts.sc
    seen: set[tuple[str, str]] = set()
    per_venue: dict[str | None, list[Event]] = defaultdict(list)
    for e in facts.of_kind("training"):
        spec = sc.activities[e.activity]
        days = e.days
        if any(not facts.working(d) for d in days) or len(days) != spec.duration_days:
            found.bad(
                "training_days",
                [e.event_id],
                f"{len(days)} days, not {spec.duration_days} working days in a row",
                f"{len(days)} ngày, không phải {spec.duration_days} ngày làm việc liền nhau",
            )
        venue = facts.venues.get(spec.venue or "")
        cap = min(spec.class_size, venue.capacity if venue else 0)
        if (
            e.attendees != spec.trainees_per_commune * len(e.communes_served)
            or e.attendees > cap
        ):
            found.bad(
                "class_size",
                [e.event_id],
                f"{e.attendees} trainees, at most {cap}",
                f"{e.attendees} học viên, tối đa {cap}",
            )
        if e.venue_id != spec.venue:
            found.bad(
                "venue",
                [e.event_id],
                f"class at {e.venue_id}, not {spec.venue}",
                f"lớp ở {e.venue_id}, không phải {spec.venue}",
            )
        per_venue[e.venue_id].append(e)
        for c in e.communes_served:
            if (e.activity, c) in seen:
                found.bad(
                    "trained_twice",
                    [e.event_id],
                    f"{c} attends two classes",
                    f"xã {c} dự hai lớp",
                )
            seen.add((e.activity, c))
    for evs in per_venue.values():
        evs.sort(key=lambda e: e.start)
        for a, b in itertools.pairwise(evs):
            if b.start < a.end:
                found.bad(
                    "venue_overlap",
                    [a.event_id, b.event_id],
                    "two classes at once",
                    "hai lớp cùng lúc",
                )
    return found


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = ((100, check_training),)
