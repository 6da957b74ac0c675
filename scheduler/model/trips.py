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
possible (two near communes in one day). So :func:`scheduler.solver.solve.solve`
adds it only after a placement without it could not be named, and keeps the
bound of that first model, which is valid for every plan.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.calendar import HALVES
from scheduler.model.context import ModelContext
from scheduler.model.staff import _reach


def add_one_half_a_day(ctx: ModelContext) -> tuple[cp_model.IntVar, int]:
    """Add "at most one half-day a person" on the days of far-apart venues.

    The rows hold only while the returned literal is true; it is fixed true
    here (its domain, so that :func:`switch` can turn the rows off again for a
    repair of a placement made without them).

    Parameters
    ----------
    ctx : ModelContext
        A built model (its people's places are in ``ctx.busy``).

    Returns
    -------
    tuple of (IntVar, int)
        The literal that switches the rows on, and the number of rows added.
    """
    grid, m = ctx.grid, ctx.model
    on = m.new_bool_var("one_half_a_day")
    switch(ctx, on, True)
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
                m.add(cp_model.LinearExpr.sum(distinct) <= 1).only_enforce_if(on)
                added += 1
    return on, added


def switch(ctx: ModelContext, on: cp_model.IntVar, value: bool) -> None:
    """Fix the rows' literal to ``value`` (its domain: no constraint to remove)."""
    domain = ctx.model.proto.variables[on.index].domain
    domain[0] = domain[1] = int(value)
