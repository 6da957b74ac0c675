"""Repeated sessions of one activity in one commune kept ``min_gap_days`` apart."""

from __future__ import annotations

import itertools
from collections import defaultdict

from scheduler.check.base import Checks, Facts, Findings
from scheduler.plan import Event


def check_spacing(facts: Facts) -> Findings:
    """Name every two sessions of an activity in a commune closer than ``min_gap_days``."""
    found = Findings()
    sc = facts.sc
    by_item: dict[tuple[str, str | None], list[Event]] = defaultdict(list)
    for e in facts.of_kind("session"):
        if sc.activities[e.activity].min_gap_days > 0:
            by_item[(e.activity, e.commune_code)].append(e)
    for (act, code), evs in sorted(by_item.items(), key=lambda kv: str(kv[0])):
        gap = sc.activities[act].min_gap_days
        evs.sort(key=lambda e: (e.start, e.event_id))
        for a, b in itertools.pairwise(evs):
            apart = (b.start.date() - a.start.date()).days
            if apart < gap:
                found.bad(
                    "min_gap",
                    [a.event_id, b.event_id],
                    f"{act} in {code}: sessions {apart} day(s) apart, "
                    f"at least {gap} required",
                    f"{act} ở xã {code}: hai buổi cách nhau {apart} ngày, "
                    f"cần ít nhất {gap} ngày",
                )
    return found


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = ((30, check_spacing),)
