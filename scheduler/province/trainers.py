"""The provincial trainers' half-days: who uses which, and what is left to a district.

A trainer serves every district, so a district's plan is accepted only when
its trainers' half-days do not meet those of the districts accepted before it
and their weeks stay within the trainers' caps across districts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from scheduler.calendar import half_of, week_key
from scheduler.plan import Event, Plan
from scheduler.province.compose import TrainerBlock
from scheduler.scenario.schema import Scenario

HALVES = ("morning", "afternoon")
# half-days per provincial trainer: {"gv-01": {(date, "morning"), ...}}
TrainerUse = dict[str, set[tuple[dt.date, str]]]


def event_halves(scenario: Scenario, e: Event) -> list[tuple[dt.date, str]]:
    """Return the (date, half) pairs an event occupies."""
    if e.all_day or e.kind == "training":
        return [(d, h) for d in e.days for h in HALVES]
    return [(e.start.date(), half_of(scenario.calendar, e.start))]


def trainer_use(
    scenario: Scenario, plan: Plan, trainers: set[str]
) -> dict[str, set[tuple[dt.date, str]]]:
    """Return, per provincial trainer, the half-days the plan gives them."""
    out: dict[str, set[tuple[dt.date, str]]] = defaultdict(set)
    for e in plan.events:
        for a in e.staff:
            if a.staff_id in trainers:
                out[a.staff_id].update(event_halves(scenario, e))
    return dict(out)


def add_use(
    into: dict[str, set[tuple[dt.date, str]]],
    use: Mapping[str, set[tuple[dt.date, str]]],
) -> None:
    """Add one district's trainer half-days to a running union."""
    for tid, halves in use.items():
        into[tid] |= halves


def week_blocks(
    workdays: tuple[dt.date, ...],
    trainers: dict[str, int],
    used: dict[str, set[tuple[dt.date, str]]],
) -> list[TrainerBlock]:
    """Return trainer blocks that keep a district within what accepted ones left.

    Half-days used by accepted districts are blocked; in each ISO week a
    trainer keeps only as many free working days as their weekly cap minus
    the days accepted districts already use (the earliest such days).
    """
    out: list[TrainerBlock] = []
    by_week: dict[str, list[dt.date]] = defaultdict(list)
    for d in workdays:
        by_week[week_key(d)].append(d)
    for tid, cap in trainers.items():
        taken = used.get(tid, set())
        out.extend((tid, d, h) for d, h in taken)
        taken_days = {d for d, _ in taken}
        for days in by_week.values():
            left = cap - sum(1 for d in days if d in taken_days)
            free = [
                d for d in days if d not in taken_days
            ]  # days with no accepted use at all
            out.extend((tid, d, None) for d in free[max(left, 0) :])
    return out


def fits(
    use: dict[str, set[tuple[dt.date, str]]],
    accepted: dict[str, set[tuple[dt.date, str]]],
    caps: dict[str, int],
) -> bool:
    """Return True when a district's trainer use fits next to the accepted ones."""
    for tid, halves in use.items():
        if halves & accepted.get(tid, set()):
            return False
        days: dict[str, set[dt.date]] = defaultdict(set)
        for d, _ in halves | accepted.get(tid, set()):
            days[week_key(d)].add(d)
        if any(len(v) > caps[tid] for v in days.values()):
            return False
    return True
