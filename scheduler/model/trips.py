"""One half-day a person on days of far-apart venues: placements that can always be named.

In a province of a hundred communes and more, stage 1 cannot follow travel
between the venues of one day exactly (:mod:`scheduler.model.staff`: the far
venues' places would take over a million variables, the stars a hundred
thousand rows), so a placement may put one person's morning and afternoon
out of each other's reach, and then no names exist. A provincial delegation
does not work that way: it goes to one commune a day. :func:`add_one_half_a_day`
says so: on every day when some venues are out of each other's reach over
lunch, each person works at most one half-day (a class day counts once).
Naming then never fails for travel within a day (reaching the first session
from the base is exact already, :mod:`scheduler.model.reach`).

This is a restriction, not a relaxation: it may forbid a plan that was
possible (two near communes in one day). So :func:`scheduler.solve.solve`
adds it only after a placement without it could not be named, and keeps the
bound of that first model, which is valid for every plan.
"""

from __future__ import annotations

from scheduler.calendar import HALVES
from scheduler.model.context import ModelContext
from scheduler.model.staff import _reach


def add_one_half_a_day(ctx: ModelContext) -> int:
    """Add "at most one half-day a person" on the days of far-apart venues.

    Parameters
    ----------
    ctx : ModelContext
        A built model (its people's places are in ``ctx.busy``).

    Returns
    -------
    int
        The number of rows added.
    """
    grid, m = ctx.grid, ctx.model
    index_of = {(s.day, s.half): s.index for s in grid.sessions}
    people = sorted({pid for pid, _ in ctx.busy})
    beyond_at = _reach(ctx)
    morning, afternoon = HALVES
    added = 0
    for day in grid.workdays:
        am, pm = index_of.get((day, morning)), index_of.get((day, afternoon))
        if am is None or pm is None or not any(beyond_at(day).values()):
            continue
        for pid in people:
            both = ctx.busy.get((pid, am), []) + ctx.busy.get((pid, pm), [])
            # a class is in both lists: count it once
            distinct = list({v.index: v for v in both}.values())
            if len(distinct) > 1:
                m.add_at_most_one(distinct)
                added += 1
    return added
