"""Hard: staff reach each session from their base in time (``travel.leave_base_at``).

Every person sets out from a base (their ``base`` venue, else the area's HQ)
no earlier than ``leave_base_at``; a session starts no earlier than the
arrival (:func:`scheduler.travel.arrives_in_time`), unless its venue is far and
``[travel.overnight]`` lets staff stay the night before (paid in the session's
cost, :func:`scheduler.costs.session_cost`). The travel between two sessions of
one day is the lunch-gap rule of :mod:`scheduler.model.staff`; both hold.

Stage 1 says which person works in each half-day (``y[p,r,h]``), not at which
session. Who can reach a session depends only on the person's base, so for
one role and half-day the sessions can be given reachable people exactly when
Hall's condition holds over sets of bases: for every set B of bases, the
places of the sessions that only people based in B can reach are at most the
people of B working that half-day in that role. One row per role, half-day and
union of the sessions' reaching sets (a province has a few bases: the
department, the Political School, the bank). The empty set forbids sessions
nobody reaches. With these rows naming never fails for this rule.
"""

from __future__ import annotations

import datetime as dt
from itertools import combinations

from ortools.sat.python import cp_model

from scheduler.model.context import ModelContext, RuleKey, RuleKind
from scheduler.model.family import Family
from scheduler.travel import arrives_in_time, base_of

# The kinds of this family's rule groups (subjects in the comments).
REACH = RuleKind.declare(
    "reach"
)  # ("base",): sessions start after the arrival from the base


MAX_BASE_SETS = 256  # unions of reaching sets per role and half-day, at most

# (person, role, half-day index) -> y: the person fills a place of the role
Places = dict[tuple[str, str, int], cp_model.IntVar]


def add_base_reach(ctx: ModelContext, place_of: Places) -> None:
    """Add the Hall rows of reaching sessions from the staff's bases.

    Parameters
    ----------
    ctx : ModelContext
        The model being built; nothing is added without ``leave_base_at``.
    place_of : dict
        The places ``y[p,r,h]`` of :func:`scheduler.model.staff.add_people`.
    """
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    if sc.travel.leave_base_at is None:
        return
    by_index = {s.index: s for s in grid.sessions}
    staff = {p.staff_id: p for p in sc.staff}
    base = {pid: base_of(sc, p) or "" for pid, p in staff.items()}
    reach_cache: dict[tuple[str, dt.time], frozenset[str]] = {}

    def reaching(venue: str, start: dt.time) -> frozenset[str]:
        """Return the bases from which someone reaches the venue by ``start``."""
        key = (venue, start)
        if key not in reach_cache:
            firsts = {b: pid for pid, b in sorted(base.items(), reverse=True)}
            reach_cache[key] = frozenset(
                b
                for b, pid in firsts.items()
                if arrives_in_time(sc, staff[pid], venue, start)
            )
        return reach_cache[key]

    every = frozenset(base.values())
    # (role, half-day) -> [(x, need, reaching bases)] of the sessions some
    # base cannot reach in time
    limited: dict[tuple[str, int], list[tuple[cp_model.IntVar, int, frozenset[str]]]]
    limited = {}
    for (act_id, code), xs in ctx.vars.sessions.x.items():
        venue = ctx.vars.sessions.venue[(act_id, code)]
        roles = {r: n for r, n in sc.activities[act_id].roles.items() if n}
        for i, x in xs.items():
            s = by_index[i]
            start = grid.session_times(s.day, s.half)[0].time()
            bases = reaching(venue, start)
            if bases >= every:
                continue
            for role, need in roles.items():
                limited.setdefault((role, i), []).append((x, need, bases))
    if not limited:
        return
    lit = ctx.guard(
        RuleKey.of(REACH, "base"),
        f"Cán bộ rời nơi xuất phát từ {sc.travel.leave_base_at:%H:%M} phải đến kịp "
        "giờ bắt đầu buổi",
        f"Staff leave their base at {sc.travel.leave_base_at:%H:%M} and must arrive "
        "by the session's start",
    )
    for (role, i), rows in sorted(limited.items(), key=lambda kv: kv[0]):
        people = [
            (base[p.staff_id], y)
            for p in sc.holders(role)
            if (y := place_of.get((p.staff_id, role, i))) is not None
        ]
        for group in _base_sets([b for _, _, b in rows]):
            if group >= every:
                continue  # the half-day's places themselves
            terms = [(x, n) for x, n, b in rows if b <= group]
            ys = [y for b, y in people if b in group]
            row = m.add(
                cp_model.LinearExpr.weighted_sum(
                    [x for x, _ in terms], [n for _, n in terms]
                )
                <= cp_model.LinearExpr.sum(ys)
            )
            ctx.add(row, lit)


def _base_sets(reaching: list[frozenset[str]]) -> list[frozenset[str]]:
    """Return the unions of the distinct reaching sets (Hall's neighbourhoods).

    Capped at :data:`MAX_BASE_SETS`; beyond it only the sets themselves and
    their pairwise unions (still valid rows, no longer all of them).
    """
    distinct = sorted(set(reaching), key=sorted)
    unions = set(distinct)
    frontier = set(distinct)
    while frontier and len(unions) <= MAX_BASE_SETS:
        grown = {a | b for a in frontier for b in distinct} - unions
        unions |= grown
        frontier = grown
    if len(unions) > MAX_BASE_SETS:
        unions = set(distinct) | {a | b for a, b in combinations(distinct, 2)}
    return sorted(unions, key=lambda u: (len(u), sorted(u)))


# Added by the staff family (add_base_reach needs its places); no relaxation.
FAMILY = Family("reach", place=None, add=None, drop_costs={REACH: 20_000})
