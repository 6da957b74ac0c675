"""Hard: a free official of the commune for every commune role of its sessions.

Rules (seed 004 §III.2.2.b: the Party committee, the chair or vice-chair, the
Fatherland Front and the unions of *that* commune take part in its dialogue;
:mod:`scheduler.officials`):

- a session needing a commune role gets that many holders of the role whose
  ``home_commune`` is the session's commune, free (not blocked) that half-day,
  nobody in two places: :func:`add_officials`;
- an official works at most ``max_sessions_per_week`` sessions a week;
- officials do not travel: no travel cost (:func:`scheduler.costs.staff_count`)
  and no lunch-gap rule between communes (they stay in theirs).

The provincial staff rules (:mod:`scheduler.model.staff`) see a scenario
without officials and without commune roles
(:func:`scheduler.model.staff.provincial_view`), so a scenario without
officials builds exactly the model it built before.

Why counts are enough here. A commune hosts at most one session per half-day
(:mod:`scheduler.model.sessions`), so a half-day's places in a commune are
those of one session: its commune roles can be filled iff, for every group of
roles whose holders overlap, the group's need is at most its free holders
(Hall's condition, the groups of :func:`scheduler.model.staff.role_groups`).
One row per session variable and group, and only where it can bind (a holder
away that half-day). Across a week the officials' caps add one row per
commune, group and week, again only where the commune's sessions could exceed
it; per person these weekly counts are exact unless one official holds two
roles whose weekly caps bind in the same week, which the naming stage settles.

Worked case (tests/test_commune_officials.py). Commune A has one chair,
``ct_a``, away on every half-day of July but the 7th; the dialogue of A needs
one ``chu_tich``, the horizon is July. Must hold: the dialogue is on 7 July
and ``ct_a`` is named, although commune B's chair is free every day. Must
break: with ``ct_a`` away on the 7th too, no half-day has a free chair of A,
the row ``1·x[A,h] ≤ 1 − 1`` holds every ``x`` at 0 and the dialogue is left
out, the reason naming the role (:mod:`scheduler.leftout`).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.calendar import week_key
from scheduler.model.context import ModelContext, RuleKey
from scheduler.model.family import Family
from scheduler.model.staff import WEEKLY, role_groups, staff_blocked_literal
from scheduler.officials import commune_roles, has_officials
from scheduler.scenario.schema import Staff

# a commune's sessions that need commune roles: (activity, x by half-day,
# the need of each commune role)
Items = list[tuple[str, dict[int, cp_model.IntVar], dict[str, int]]]


def add_officials(ctx: ModelContext) -> None:
    """Add the commune officials' half-day and weekly rules (nothing without them)."""
    sc = ctx.scenario
    if not has_officials(sc):
        return
    local = commune_roles(sc)
    officials: dict[str, list[Staff]] = {}
    for p in sc.staff:
        if p.home_commune:
            officials.setdefault(p.home_commune, []).append(p)
    by_commune: dict[str, Items] = {}
    for (act_id, code), xs in ctx.vars.sessions.x.items():
        needs = {
            r: n for r, n in sc.activities[act_id].roles.items() if n and r in local
        }
        if needs:
            by_commune.setdefault(code, []).append((act_id, xs, needs))
    for code, items in sorted(by_commune.items()):
        people = officials.get(code, [])
        roles = {r for _, _, needs in items for r in needs}
        holders = {r: {p.staff_id for p in people if r in p.roles} for r in roles}
        for group in role_groups(roles, holders):
            mine = [p for p in people if set(p.roles) & group]
            _half_day_rows(ctx, group, mine, items)
            _weekly_rows(ctx, code, group, mine, items)


def _half_day_rows(
    ctx: ModelContext, group: frozenset[str], people: list[Staff], items: Items
) -> None:
    """Hold a session off a half-day when too few of the group's holders are free.

    ``need·x + (away people whose blocked days are a rule group) ≤ holders −
    (other away people)``: the literals let an explanation name an official's
    blocked days (:func:`scheduler.model.staff.staff_blocked_literal`).
    """
    m = ctx.model
    blocked = ctx.grid.staff_blocked
    by_index = {s.index: s for s in ctx.grid.sessions}
    lit = {p.staff_id: staff_blocked_literal(ctx, p.staff_id) for p in people}
    for _, xs, needs in items:
        need = sum(needs.get(r, 0) for r in group)
        if need == 0:
            continue
        for i, x in xs.items():
            s = by_index[i]
            away = [
                p.staff_id
                for p in people
                if (s.day, s.half) in blocked.get(p.staff_id, frozenset())
            ]
            if need <= len(people) - len(away):
                continue  # enough free holders whatever the rest does
            freed = [own for pid in away if (own := lit[pid]) is not None]
            fixed = len(away) - len(freed)
            if freed:
                m.add(need * x + cp_model.LinearExpr.sum(freed) <= len(people) - fixed)
            else:
                m.add(x == 0)


def _weekly_rows(
    ctx: ModelContext,
    code: str,
    group: frozenset[str],
    people: list[Staff],
    items: Items,
) -> None:
    """Cap the group's places in the commune's sessions of each ISO week.

    At most, per holder, the smaller of their ``max_sessions_per_week`` and
    their free half-days that week; a row only where the commune's sessions
    could exceed it.
    """
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    blocked = grid.staff_blocked
    week_of = {s.index: week_key(s.day) for s in grid.sessions}
    halves: dict[str, int] = {}
    for s in grid.sessions:
        halves[week_of[s.index]] = halves.get(week_of[s.index], 0) + 1
    free: dict[tuple[str, str], int] = {}
    for p in people:
        mine = blocked.get(p.staff_id, frozenset())
        for s in grid.sessions:
            if (s.day, s.half) not in mine:
                key = (p.staff_id, week_of[s.index])
                free[key] = free.get(key, 0) + 1
    terms: dict[str, tuple[list[cp_model.IntVar], list[int]]] = {}
    most: dict[str, int] = {}  # the most places the week's sessions can need
    for act_id, xs, needs in items:
        need = sum(needs.get(r, 0) for r in group)
        if need == 0:
            continue
        count: dict[str, int] = {}
        for i, x in xs.items():
            exprs, coefs = terms.setdefault(week_of[i], ([], []))
            exprs.append(x)
            coefs.append(need)
            count[week_of[i]] = count.get(week_of[i], 0) + 1
        held = sc.required_count(act_id, code)
        for week, n in count.items():
            most[week] = most.get(week, 0) + need * min(n, held)
    name = "+".join(sorted(group))
    lit: cp_model.IntVar | None = None
    for week, (exprs, coefs) in sorted(terms.items()):
        room = sum(
            min(p.max_sessions_per_week, free.get((p.staff_id, week), 0))
            for p in people
        )
        if most[week] <= room:
            continue
        if lit is None:
            lit = ctx.guard(
                RuleKey.of(WEEKLY, f"{name}@{code}"),
                f"Mỗi cán bộ xã {code} giữ vai trò {name} ({len(people)} người) "
                f"tối đa {_caps(people)} buổi/tuần",
                f"Weekly session caps of {name} officials of {code} "
                f"({len(people)} people): at most {_caps(people)} a week each",
            )
        # a person whose blocked days are switched off frees their whole week
        regained = [
            (
                min(p.max_sessions_per_week, halves[week])
                - min(p.max_sessions_per_week, free.get((p.staff_id, week), 0))
            )
            * (1 - own)
            for p in people
            if (own := staff_blocked_literal(ctx, p.staff_id)) is not None
        ]
        row = cp_model.LinearExpr.weighted_sum(exprs, coefs) <= room + sum(regained)
        ctx.add(m.add(row), lit)


def _caps(people: list[Staff]) -> str:
    return "/".join(str(c) for c in sorted({p.max_sessions_per_week for p in people}))


# Its weekly groups are of the staff family's kind WEEKLY (relaxed there).
FAMILY = Family("officials", place=70, add=add_officials)
