"""Independent check of the limits districts share (no solver, no model).

:func:`scheduler.check.check_plan` proves each district plan against its own
scenario. This module proves what no single district can see: the provincial
budget per quarter summed over districts, and each provincial trainer being in
one place per half-day, within ``max_days_per_week`` across districts, and
never on their blocked days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from scheduler.calendar import quarter_key, week_key
from scheduler.check import Violation, check_plan
from scheduler.plan import Event, Plan
from scheduler.province.result import ProvincePlan
from scheduler.province.schema import ProvinceScenario


def _halves(province: ProvinceScenario, e: Event) -> list[tuple[dt.date, str]]:
    # computed here again rather than imported from decompose, to stay independent
    if e.all_day or e.kind == "training":
        out = []
        d = e.start.date()
        while d <= e.end.date():
            out += [(d, "morning"), (d, "afternoon")]
            d += dt.timedelta(days=1)
        return out
    morning_end = province.districts[0].scenario.calendar.morning.end
    local = e.start.timetz().replace(tzinfo=None)
    return [(e.start.date(), "morning" if local < morning_end else "afternoon")]


def check_shared(
    province: ProvinceScenario, plans: Mapping[str, Plan]
) -> list[Violation]:
    """Check the shared budget and the provincial trainers across district plans.

    Parameters
    ----------
    province : ProvinceScenario
        The province the plans were made for.
    plans : mapping of district id to Plan
        One plan per district.

    Returns
    -------
    list of Violation
        Empty when every shared limit holds.
    """
    out: list[Violation] = []
    missing = [d.id for d in province.districts if d.id not in plans]
    if missing:
        out.append(
            Violation(
                "shared_districts",
                (),
                f"no plan for {', '.join(missing)}",
                f"không có kế hoạch cho {', '.join(missing)}",
            )
        )
    out.extend(_shared_budget(province, plans))
    out.extend(_trainers(province, plans))
    return out


def _shared_budget(
    province: ProvinceScenario, plans: Mapping[str, Plan]
) -> list[Violation]:
    """Check the shared source's spending of all districts, quarter by quarter."""
    budget = province.budget
    if budget is None:
        return []
    spent: dict[str, int] = defaultdict(int)
    events: dict[str, list[str]] = defaultdict(list)
    for d, plan in plans.items():
        for e in plan.events:
            if e.funding_source == budget.id:
                q = quarter_key(e.start.date())
                spent[q] += e.cost_vnd
                events[q].append(f"{d}:{e.event_id}")
    out = []
    for q, amount in sorted(spent.items()):
        cap = budget.allowance_vnd.get(q, 0)
        if amount > cap:
            out.append(
                Violation(
                    "shared_budget",
                    tuple(events[q]),
                    f"{budget.id} {q}: {amount:,} VND spent by all districts "
                    f"> provincial allowance {cap:,}",
                    f"{budget.id} {q}: các huyện chi {amount:,} đồng ".replace(",", ".")
                    + f"> mức của tỉnh {cap:,}".replace(",", "."),
                )
            )
    return out


def _trainers(province: ProvinceScenario, plans: Mapping[str, Plan]) -> list[Violation]:
    """Check each provincial trainer: one place a half-day, the weekly cap, blocks."""
    caps = {t.staff_id: t.max_days_per_week for t in province.trainers}
    where: dict[tuple[str, dt.date, str], list[str]] = defaultdict(list)
    days: dict[tuple[str, str], set[dt.date]] = defaultdict(set)
    for d, plan in plans.items():
        for e in plan.events:
            for a in e.staff:
                if a.staff_id not in caps:
                    continue
                for day, half in set(_halves(province, e)):
                    where[(a.staff_id, day, half)].append(f"{d}:{e.event_id}")
                    days[(a.staff_id, week_key(day))].add(day)
    out = []
    for (tid, day, half), evs in sorted(where.items()):
        if len(evs) > 1:
            out.append(
                Violation(
                    "shared_trainer_overlap",
                    tuple(evs),
                    f"{tid} is booked {len(evs)} times on {day} {half}",
                    f"{tid} bị xếp {len(evs)} lần vào {day} {half}",
                )
            )
    for (tid, week), worked in sorted(days.items()):
        if len(worked) > caps[tid]:
            out.append(
                Violation(
                    "shared_trainer_week",
                    (),
                    f"{tid} works {len(worked)} days in {week} across districts "
                    f"> max_days_per_week {caps[tid]}",
                    f"{tid} làm {len(worked)} ngày trong tuần {week} ở các huyện "
                    f"> max_days_per_week {caps[tid]}",
                )
            )
    out.extend(_trainer_blocked(province, where))
    return out


def _trainer_blocked(
    province: ProvinceScenario, where: Mapping[tuple[str, dt.date, str], list[str]]
) -> list[Violation]:
    """Check that no trainer works a half-day of their blocked periods."""
    out = []
    for b in province.trainer_blocked:
        for (tid, day, half), evs in where.items():
            if (
                tid == b.ref
                and b.start_date <= day <= b.end_date
                and (b.half is None or b.half == half)
            ):
                out.append(
                    Violation(
                        "shared_trainer_blocked",
                        tuple(evs),
                        f"{tid} is blocked on {day} {half} ({b.reason or ''})",
                        f"{tid} bận ngày {day} {half} ({b.reason or ''})",
                    )
                )
    return out


@dataclass(frozen=True)
class ProvinceViolations:
    """What the checks find in a province plan: per district, then shared."""

    districts: list[tuple[str, Violation]]  # (district id, violation)
    shared: list[Violation]

    def __len__(self) -> int:
        """Return the number of violations."""
        return len(self.districts) + len(self.shared)


def check_province(
    province: ProvinceScenario, result: ProvincePlan
) -> ProvinceViolations:
    """Check every district's plan against its scenario, then what they share.

    Parameters
    ----------
    province : ProvinceScenario
        The province the plan was made for.
    result : ProvincePlan
        The decomposition's plan.

    Returns
    -------
    ProvinceViolations
        Empty when every district plan passes
        :func:`scheduler.check.check_plan` and :func:`check_shared` holds.
    """
    districts = [
        (r.district, v)
        for r in result.districts
        for v in check_plan(r.scenario, r.plan)
    ]
    shared = check_shared(province, {r.district: r.plan for r in result.districts})
    return ProvinceViolations(districts, shared)
