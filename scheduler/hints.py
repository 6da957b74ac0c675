"""Warm starts: a plan's placements as CP-SAT hints on a freshly built model.

Only the placement variables are hinted (half-day sessions, broadcast items per
day, training classes and who attends them). ``solve(..., warm_start=plan)``
uses them as its fallback: when CP-SAT ends its limit with no solution, the
hinted placements are fixed and a short solve fills in the rest (left-out
counts, funding splits, empty weeks), so a plan that passes
:func:`scheduler.check.check_plan` (e.g. the greedy baseline's) is never lost to
a short time limit.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from scheduler.calendar import half_of
from scheduler.model.builder import BuiltModel
from scheduler.plan import Plan
from scheduler.publications import period_key


def hint_plan(built: BuiltModel, plan: Plan) -> None:
    """Replace the model's hints by the placements of ``plan``.

    Parameters
    ----------
    built : BuiltModel
        The model of the scenario the plan was made for.
    plan : Plan
        The plan whose events become hints (events the model has no variable
        for are skipped).
    """
    ctx, m = built.ctx, built.model
    sc, grid = ctx.scenario, ctx.grid
    m.clear_hints()  # type: ignore[no-untyped-call]
    held: set[tuple[str, str | None, int]] = set()
    aired: Counter[tuple[str, str | None, dt.date]] = Counter()
    classes: dict[tuple[str, int], tuple[str, ...]] = {}
    published: Counter[tuple[str, str, str]] = Counter()
    workday = {d: i for i, d in enumerate(grid.workdays)}
    for e in plan.events:
        if e.kind == "training":
            start = workday.get(e.start.date())
            if start is not None:
                classes[(e.activity, start)] = e.communes_served
        elif e.kind == "broadcast":
            aired[(e.activity, e.commune_code, e.start.date())] += 1
        elif e.kind == "publication":
            spec = sc.activities.get(e.activity)
            if spec is not None:
                published[
                    (e.activity, e.slot_id or "", period_key(spec, e.start.date()))
                ] += 1
        else:
            s = grid.session_at.get((e.start.date(), half_of(sc.calendar, e.start)))
            if s is not None:
                held.add((e.activity, e.commune_code, s.index))
    for (act, code), xs in ctx.session_x.items():
        for i, v in xs.items():
            m.add_hint(v, 1 if (act, code, i) in held else 0)
    for (act, code), days in ctx.broadcast_x.items():
        for d, slots in days.items():
            n = aired[(act, code, d)]
            for k, v in enumerate(slots.values()):
                m.add_hint(v, 1 if k < n else 0)
    for key, v in ctx.publication_n.items():
        m.add_hint(v, min(published[key], ctx.publication_need[key]))
    for act, tv in ctx.training.items():
        for start, v in tv.open.items():
            m.add_hint(v, 1 if (act, start) in classes else 0)
        for (code, start), v in tv.attend.items():
            m.add_hint(v, 1 if code in classes.get((act, start), ()) else 0)
