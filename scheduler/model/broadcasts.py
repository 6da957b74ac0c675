"""Hard: programmes on commune loudspeaker stations (seed 004 §III.2.1).

Rules for each ``broadcast`` activity and each commune with a station slot long
enough for the programme:

- at most ``max_per_day`` items a day (no more than the usable slots) and at
  most ``max_per_week`` per ISO week;
- the same topic is not repeated within ``topic_gap_days`` days;
- every topic at least once in each quarter of the horizon
  (``every_topic_per_quarter``);
- the required number per month (``per_month``, or ``per_month_override`` for a
  month, pro rata for a month the horizon only partly covers); each item short
  costs the ``coverage`` penalty (weight × priority × poor households).

Soft: ``spread`` (a week with no item in a commune), ``cost``.

Topics are not variables. Items of a commune take the T topics in a fixed
rotation, so an item's topic recurs exactly T items later. Hence "the same
topic not within K days" holds for the rotation if and only if every window of
K consecutive days holds at most T items, and "every topic each quarter" if and
only if every quarter holds at least T items; both conditions are also
necessary for any topic assignment. The model counts items per day (one
boolean per commune, day and item) and
:func:`scheduler.model.variables.topic_rotation` names them.
"""

from __future__ import annotations

import calendar as pycal
import collections
import datetime as dt
import itertools

from ortools.sat.python import cp_model

from scheduler.calendar import month_key, quarter_key, week_key
from scheduler.model.context import ModelContext, RuleKey, RuleKind
from scheduler.model.family import Family, switch_off
from scheduler.model.sessions import COST_UNIT_VND

# The kinds of this family's rule groups (subjects in the comments).
TOPICS_PER_QUARTER = RuleKind.declare(
    "topics_per_quarter"
)  # (activity, commune, quarter)


def usable_slots(ctx: ModelContext, act_id: str, commune: str) -> list[str]:
    """Return the station slots of a commune long enough for the activity."""
    minutes = ctx.scenario.activities[act_id].minutes
    return [
        s.slot_id
        for s in sorted(ctx.scenario.stations, key=lambda s: (s.start, s.slot_id))
        if s.commune_code == commune and s.airtime_minutes >= minutes
    ]


def monthly_requirement(ctx: ModelContext, act_id: str) -> dict[str, int]:
    """Return the required items per month, pro rata for partly covered months."""
    spec = ctx.scenario.activities[act_id]
    days_in: dict[str, int] = {}
    for d in ctx.grid.days:
        days_in[month_key(d)] = days_in.get(month_key(d), 0) + 1
    out = {}
    for month, covered in days_in.items():
        year, mon = int(month[:4]), int(month[5:])
        full = pycal.monthrange(year, mon)[1]
        base = spec.per_month_override.get(month, spec.per_month)
        out[month] = base * covered // full
    return out


def aired(
    items: dict[dt.date, list[cp_model.IntVar]], on: list[dt.date]
) -> cp_model.LinearExpr:
    """Return the number of items aired on the given days, as one flat sum."""
    return cp_model.LinearExpr.sum([v for d in on for v in items[d]])


def add_broadcasts(ctx: ModelContext) -> None:
    """Create broadcast variables and the station rules."""
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    for act_id, spec in sc.activities.items():
        if spec.kind != "broadcast":
            continue
        topics = [t.topic_id for t in sc.topics_for(act_id)]
        lo = max(spec.window_start or sc.horizon.start, sc.horizon.start)
        hi = min(spec.window_end or sc.horizon.end, sc.horizon.end)
        days = [
            d
            for d in grid.days
            if lo <= d <= hi and (spec.days == "every_day" or d in grid.working)
        ]
        required = monthly_requirement(ctx, act_id)
        total_required = sum(required.values())
        # the calendar groupings depend on the activity only, not the commune
        iso = {d: d.isoformat() for d in days}
        by_week: dict[str, list[dt.date]] = {}
        by_month: dict[str, list[dt.date]] = {}
        by_quarter: dict[str, list[dt.date]] = {}
        for d in days:
            by_week.setdefault(week_key(d), []).append(d)
            by_month.setdefault(month_key(d), []).append(d)
            by_quarter.setdefault(quarter_key(d), []).append(d)
        n_topics = len(topics)
        gap = spec.topic_gap_days
        # the windows of ``gap`` consecutive days (for the topic rule), each
        # with how many of its days fall in each ISO week
        windows = [
            [x for x in days[i : i + gap] if x <= d + dt.timedelta(days=gap - 1)]
            for i, d in enumerate(days)
        ]
        week_parts = [
            list(collections.Counter(week_key(x) for x in w).values()) for w in windows
        ]
        for commune in sc.communes_for(act_id):
            code = commune.commune_code
            slots = usable_slots(ctx, act_id, code)
            if not slots:
                if total_required:
                    ctx.vars.excluded.append(
                        (act_id, code, total_required, "no_station_slot")
                    )
                continue
            per_day = min(spec.max_per_day, len(slots))
            xs: dict[dt.date, dict[str, cp_model.IntVar]] = {}
            for d in days:
                # item n of the day airs in slot n; "item 2 only if item 1" breaks symmetry
                xs[d] = {
                    slots[n]: ctx.new_bool(f"b[{act_id},{code},{iso[d]},{n}]")
                    for n in range(per_day)
                }
                chain = list(xs[d].values())
                for a, b in itertools.pairwise(chain):
                    m.add_implication(b, a)
            ctx.vars.broadcasts.x[(act_id, code)] = xs
            ctx.vars.broadcasts.usable[(act_id, code)] = slots
            items = {d: list(xs[d].values()) for d in days}
            for week_days in by_week.values():
                if len(week_days) * per_day > spec.max_per_week:
                    m.add(aired(items, week_days) <= spec.max_per_week)
            if gap > 1 and gap * per_day > n_topics:
                cap = spec.max_per_week
                for window, parts in zip(windows, week_parts, strict=True):
                    # a window that the day and week caps already keep within
                    # the topics needs no row, in the integers and in the
                    # linear relaxation alike: with 5 topics, 3 a week and one
                    # a day, only the 7-day windows split 3 + 4 or 4 + 3
                    # across two weeks can hold 6
                    if sum(min(n * per_day, cap) for n in parts) > n_topics:
                        m.add(aired(items, window) <= n_topics)
            if spec.every_topic_per_quarter:
                for q, q_days in by_quarter.items():
                    lit = ctx.guard(
                        RuleKey.of(TOPICS_PER_QUARTER, act_id, code, q),
                        f"Mỗi chủ đề ({n_topics}) phát ít nhất một lần trong {q} "
                        f"tại {commune.commune_name}",
                        f"Every topic ({n_topics}) aired at least once in {q} "
                        f"in {commune.commune_name}",
                    )
                    ctx.add(m.add(aired(items, q_days) >= n_topics), lit)
            poor = max(commune.poor_households, 1)
            for month, month_days in by_month.items():
                need = required.get(month, 0)
                if need == 0:
                    continue
                short = m.new_int_var(0, need, f"short[{act_id},{code},{month}]")
                m.add(aired(items, month_days) + short >= need)
                ctx.vars.broadcasts.short[(act_id, code, month)] = short
                ctx.vars.broadcasts.required[(act_id, code, month)] = need
                ctx.penalise(
                    "coverage",
                    short,
                    sc.weights.coverage * max(spec.priority, 1) * poor,
                    f"{act_id}:{code}:{month}",
                )
            for week, week_days in by_week.items():
                if len(week_days) < 7 or sc.weights.spread == 0:
                    continue
                empty = m.new_bool_var(f"empty[{act_id},{code},{week}]")
                m.add(aired(items, week_days) + empty >= 1)
                ctx.penalise(
                    "spread", empty, sc.weights.spread, f"{act_id}:{code}:{week}"
                )
            unit = spec.cost_per_item_vnd // COST_UNIT_VND
            if unit:
                ctx.penalise(
                    "cost",
                    aired(items, days),
                    sc.weights.cost * unit,
                    f"{act_id}:{code}",
                )


FAMILY = Family(
    "broadcasts",
    place=30,
    add=add_broadcasts,
    drop_costs={TOPICS_PER_QUARTER: 20_000},
    relax={TOPICS_PER_QUARTER: switch_off("every_topic_per_quarter", False)},
)
