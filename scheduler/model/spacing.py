"""Hard: repeated sessions of one activity in one commune kept apart (``min_gap_days``).

Rule (the issue "The planner of 2027": two leaflet rounds landed on the same
half-day): with ``min_gap_days = g > 0``, two sessions of the activity in the
same commune start at least ``g`` calendar days apart.

Stated as: every window of ``g`` consecutive days holds at most one chosen
half-day of the (activity, commune). This is exact:

- if two chosen sessions fall on days ``d1 ≤ d2`` with ``d2 − d1 < g``, the
  window starting on ``d1`` holds both, so the row of that window is broken;
- if every pair is ``g`` or more days apart, no window of ``g`` days can hold
  two of them.

Only windows starting on a day that has a variable are needed (the window
starting on ``d1`` above is such a window), and a window whose variables all
lie in one half-day is left out (the variable is 0 or 1 already).
"""

from __future__ import annotations

import datetime as dt

from ortools.sat.python import cp_model

from scheduler.model.context import ModelContext, RuleKey, RuleKind
from scheduler.model.family import Family, switch_off

# The kinds of this family's rule groups (subjects in the comments).
SPACING = RuleKind.declare("spacing")  # (activity, commune)


def spacing_key(activity: str, commune: str) -> RuleKey:
    """Return the rule group key of one activity's spacing in one commune."""
    return RuleKey.of(SPACING, activity, commune)


def add_spacing(ctx: ModelContext) -> None:
    """Add the ``min_gap_days`` windows of every session activity that sets it."""
    sc, m = ctx.scenario, ctx.model
    by_index = {s.index: s for s in ctx.grid.sessions}
    for (act_id, code), xs in ctx.vars.sessions.x.items():
        spec = sc.activities[act_id]
        gap = spec.min_gap_days
        if gap <= 0 or sc.required_count(act_id, code) < 2:
            continue  # one session cannot be too close to another
        per_day: dict[dt.date, list[cp_model.IntVar]] = {}
        for i, v in xs.items():
            per_day.setdefault(by_index[i].day, []).append(v)
        days = sorted(per_day)
        lit = _guard(ctx, act_id, code, gap)
        for k, first in enumerate(days):
            window = []
            for d in days[k:]:
                if (d - first).days >= gap:
                    break
                window.extend(per_day[d])
            if len(window) < 2:
                continue
            row = m.add_at_most_one(window)
            if lit is not None:
                row.only_enforce_if(lit)


def _guard(
    ctx: ModelContext, act_id: str, code: str, gap: int
) -> cp_model.IntVar | None:
    """Return the enforcement literal naming the rule (explanations only)."""
    spec = ctx.scenario.activities[act_id]
    name = ctx.scenario.commune(code).commune_name
    return ctx.guard(
        spacing_key(act_id, code),
        f"buổi {spec.name_vi} ở {name} phải cách nhau ít nhất {gap} ngày",
        f"{spec.name_en} sessions in {name} must be at least {gap} days apart",
    )


FAMILY = Family(
    "spacing",
    place=20,
    add=add_spacing,
    drop_costs={SPACING: 20_000},
    relax={SPACING: switch_off("min_gap_days", 0)},
)
