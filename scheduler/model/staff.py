"""Hard: a free person for every staff place, per half-day and class (names come later).

Rules (the staffing lists of seed 004 §III.2.2.b):

- every place of a role in a session goes to a holder of the role who is
  free (not blocked) that half-day, every class to holders free on all its
  days; nobody takes two places in one half-day (:func:`add_people`);
- nobody works more than ``max_sessions_per_week`` sessions or
  ``max_class_days_per_week`` class days in an ISO week;
- on days when some venues are out of each other's reach over lunch, nobody
  is at one in the morning and at the other in the afternoon
  (:func:`add_travel_places`; stars and cuts in a very large province).

Stage 1 says which person works in each half-day (``y``) and class (``z``),
not at which event: given these, names always exist, and
:mod:`scheduler.solver.staffing` picks them. The counts per role group, half-day and
week (Hall's condition) are kept as rows the places imply; on their own they
were not enough (docs/architecture.md, "Staff placed per person, named
later"). Places per person and half-day are a few thousand booleans, against
tens of thousands for a person per event and half-day (18 dialogues × 3
roles × 256 half-days).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import combinations

from ortools.sat.python import cp_model

from scheduler.calendar import HALVES, week_key
from scheduler.model.context import ModelContext, RuleKey, RuleKind
from scheduler.model.family import Family
from scheduler.model.reach import add_base_reach
from scheduler.officials import commune_roles, has_officials
from scheduler.scenario.schema import Scenario
from scheduler.travel import travel_between

# The kinds of this family's rule groups (subjects in the comments).
WEEKLY = RuleKind.declare("weekly")  # (roles joined by "+",) or (official@commune,)
CLASS_DAYS = RuleKind.declare("class_days")  # (roles joined by "+",)
STAFF_BLOCKED = RuleKind.declare("staff_blocked")  # (staff id,)


def role_groups(
    roles: Iterable[str], holders: dict[str, set[str]]
) -> list[frozenset[str]]:
    """Return the role groups whose capacity must be checked.

    Every single role, plus every group of two or more roles that share at
    least one holder within a connected set of overlapping roles: for disjoint
    roles the single-role counts already imply the group counts.
    """
    roles = sorted(set(roles))
    groups = [frozenset([r]) for r in roles]
    # connected components of the "some person holds both" graph
    parent = {r: r for r in roles}

    def find(r: str) -> str:
        while parent[r] != r:
            r = parent[r]
        return r

    for a, b in combinations(roles, 2):
        if holders[a] & holders[b]:
            parent[find(a)] = find(b)
    components: dict[str, list[str]] = {}
    for r in roles:
        components.setdefault(find(r), []).append(r)
    for comp in components.values():
        if len(comp) > 10:  # 2^10 groups at most; beyond that the naming stage decides
            comp = comp[:10]
        for size in range(2, len(comp) + 1):
            for group in combinations(comp, size):
                union = set().union(*(holders[r] for r in group))
                if len(union) < sum(len(holders[r]) for r in group):
                    groups.append(frozenset(group))
    return groups


def add_staff(ctx: ModelContext) -> None:
    """Add the per-half-day and per-week staff capacity rules."""
    reach = _reach(ctx)
    add_same_day_travel(ctx, reach)
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    # the terms of each count as expressions and the people each needs, in
    # two parallel lists, summed with one weighted sum per row
    demand: dict[tuple[str, int], Terms] = {}
    weekly: dict[tuple[str, str], Terms] = {}
    session_week = {s.index: week_key(s.day) for s in grid.sessions}
    for (act_id, _), xs in ctx.vars.sessions.x.items():
        roles = sc.activities[act_id].roles
        for role, need in roles.items():
            if need == 0:
                continue
            for i, v in xs.items():
                exprs, needs = demand.setdefault((role, i), ([], []))
                exprs.append(v)
                needs.append(need)
                exprs, needs = weekly.setdefault((role, session_week[i]), ([], []))
                exprs.append(v)
                needs.append(need)
    # class days per role and ISO week, for the people with a class-day cap
    class_days: dict[tuple[str, str], Terms] = {}
    for tv in ctx.vars.training.values():
        roles = sc.activities[tv.activity].roles
        for wd in range(len(grid.workdays)):
            run = tv.running_on(wd)
            if run is None:
                continue
            for role, need in roles.items():
                for half in (0, 1):
                    exprs, needs = demand.setdefault((role, 2 * wd + half), ([], []))
                    exprs.append(run)
                    needs.append(need)
                if need:
                    exprs, needs = class_days.setdefault(
                        (role, week_key(grid.workdays[wd])), ([], [])
                    )
                    exprs.append(run)
                    needs.append(need)

    used_roles = {role for role, _ in demand}
    holders = {r: {p.staff_id for p in sc.holders(r)} for r in used_roles}
    groups = role_groups(used_roles, holders)
    blocked = grid.staff_blocked
    free_halves: dict[str, dict[str, int]] = {}
    for p in sc.staff:
        mine = blocked.get(p.staff_id, frozenset())
        for s in grid.sessions:
            if (s.day, s.half) not in mine:
                per_week = free_halves.setdefault(p.staff_id, {})
                per_week[session_week[s.index]] = (
                    per_week.get(session_week[s.index], 0) + 1
                )
    caps = {p.staff_id: p.max_sessions_per_week for p in sc.staff}

    # explanations: each person's blocked days are one rule group; the literal
    # takes the person out of a half-day's (and a week's) free count
    person_lit = {p.staff_id: staff_blocked_literal(ctx, p.staff_id) for p in sc.staff}
    all_halves: dict[str, int] = {}
    for s in grid.sessions:
        all_halves[session_week[s.index]] = all_halves.get(session_week[s.index], 0) + 1

    # the guard and slack of each role's weekly caps, for the people's own rows
    weekly_rules: dict[str, tuple[cp_model.IntVar | None, cp_model.LinearExprT]] = {}
    for group in groups:
        people = sorted(set().union(*(holders[r] for r in group)))
        name = "+".join(sorted(group))
        _add_class_day_caps(ctx, group, people, class_days, person_lit)
        for s in grid.sessions:
            terms = joined(demand.get((r, s.index)) for r in group)
            if not terms[0]:
                continue
            away = [p for p in people if (s.day, s.half) in blocked.get(p, frozenset())]
            lits = [own for p in away if (own := person_lit[p]) is not None]
            if lits:
                freed: list[cp_model.LinearExprT] = [*lits]
                terms = joined([terms, (freed, [1] * len(lits))])
                m.add(weighted_sum(terms) <= len(people))
            else:
                m.add(weighted_sum(terms) <= len(people) - len(away))
        if not any(weekly.get((r, week)) for r in group for week in grid.weeks):
            continue
        cap_values = sorted({caps[p] for p in people})
        caps_text = "/".join(str(c) for c in cap_values)
        lit = ctx.guard(
            RuleKey.of(WEEKLY, name),
            f"Mỗi cán bộ giữ vai trò {name} ({len(people)} người) tối đa "
            f"{caps_text} buổi/tuần",
            f"Weekly session caps of {name} staff ({len(people)} people): at most "
            f"{caps_text} a week each",
        )
        extra = ctx.slack(RuleKey.of(WEEKLY, name), MAX_EXTRA_PER_WEEK, 1, 5_000)
        if len(group) == 1:
            weekly_rules[name] = (lit, extra)
        steps = []
        if not isinstance(extra, int):
            steps = [
                m.new_bool_var(f"extra[{name},{k}]")
                for k in range(MAX_EXTRA_PER_WEEK + 1)
            ]
            m.add_exactly_one(steps)
            m.add(extra == sum(k * z for k, z in enumerate(steps)))
        for week in grid.weeks:
            terms = joined(weekly.get((r, week)) for r in group)
            if not terms[0]:
                continue
            room = sum(
                min(caps[p], free_halves.get(p, {}).get(week, 0)) for p in people
            )
            # a person whose blocked days are switched off frees their whole week
            regained = [
                (
                    min(caps[p], all_halves.get(week, 0))
                    - min(caps[p], free_halves.get(p, {}).get(week, 0))
                )
                * (1 - own)
                for p in people
                if (own := person_lit[p]) is not None
            ]
            more = [
                (
                    sum(
                        min(caps[p] + k, free_halves.get(p, {}).get(week, 0))
                        for p in people
                    )
                    - room
                )
                * z
                for k, z in enumerate(steps)
            ]
            ctx.add(m.add(weighted_sum(terms) <= room + sum(regained) + sum(more)), lit)

    add_people(ctx, weekly_rules, reach)


def add_people(
    ctx: ModelContext,
    weekly_rules: dict[str, tuple[cp_model.IntVar | None, cp_model.LinearExprT]],
    reach: Reach,
) -> None:
    """Give every counted place a person: who works in each half-day and class.

    The counts of :func:`add_staff` are not enough for names. A person's
    weekly cap binds across the half-days of a week: with ld01 and ld03 away
    on Monday to Wednesday and ld02 free all week at 2 sessions, every
    half-day of Monday to Wednesday has one free leader and the week has
    room for 2 + 2 + 2, yet three leader sessions on Monday to Wednesday all
    need ld02. The exact condition is Hall's condition of a transport
    problem: for every set T of (half-day, role) places of a week, their
    demand is at most the sum over people of min(cap, the half-days of T the
    person is free for), exponentially many rows. Its compact form is the
    flow itself, one 0-1 variable per person and half-day (and role held):

    - ``y[p,r,h]``: p fills a place of role r in half-day h (only where p is
      free and a session of role r can be placed); the places of each role
      and half-day are the sessions' need there;
    - ``z[p,r,a,d]``: p teaches role r of the class of training a that
      starts on workday d, for its whole length (the same trainer leads a
      whole class), on days p is free; each class gets its need;
    - per person and half-day at most one place (sessions and class days);
    - per person and ISO week at most ``max_sessions_per_week`` sessions and
      at most ``max_class_days_per_week`` class days.

    Given these, names exist for the sessions of every half-day and every
    class (a person with y = 1 takes any one of the half-day's places of the
    role): naming fails only for travel between two sessions of one day,
    which the stars of :func:`add_same_day_travel` and the cuts of
    :func:`scheduler.solver.solve.unnameable_cuts` settle. A few thousand booleans
    (10 people × 256 half-days for Hưng Nguyên) against the tens of
    thousands of naming every event directly.
    """
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    blocked = grid.staff_blocked
    by_index = {s.index: s for s in grid.sessions}
    index_of = {(s.day, s.half): s.index for s in grid.sessions}
    staff = {p.staff_id: p for p in sc.staff}
    person_lit = {p.staff_id: staff_blocked_literal(ctx, p.staff_id) for p in sc.staff}
    # the sessions' need per role and half-day
    need_at: dict[tuple[str, int], Terms] = {}
    for (act_id, _), xs in ctx.vars.sessions.x.items():
        for role, need in sc.activities[act_id].roles.items():
            if need:
                for i, x in xs.items():
                    exprs, needs = need_at.setdefault((role, i), ([], []))
                    exprs.append(x)
                    needs.append(need)
    # per person and half-day: the places they might fill; per person and week:
    # their sessions and (class days, count) of their classes
    busy: dict[tuple[str, int], list[cp_model.IntVar]] = {}
    sessions_of: dict[tuple[str, str], list[cp_model.IntVar]] = {}
    days_of: dict[tuple[str, str], Terms] = {}
    taught: dict[str, set[str]] = {}  # the roles each person may teach
    place_of: dict[tuple[str, str, int], cp_model.IntVar] = {}  # y by (p, r, h)

    def usable(pid: str, halves: Iterable[int]) -> bool | None:
        """Return whether p is free for all the halves (None: only if unblocked)."""
        mine = blocked.get(pid, frozenset())
        if not any((by_index[i].day, by_index[i].half) in mine for i in halves):
            return True
        return None if person_lit[pid] is not None else False

    def place(pid: str, name: str, halves: list[int]) -> cp_model.IntVar | None:
        free = usable(pid, halves)
        if free is False:
            return None
        y = ctx.new_bool(name)
        if free is None:  # an explanation: p's blocked days are a rule group
            lit = person_lit[pid]
            assert lit is not None
            m.add_implication(lit, ~y)
        for i in halves:
            busy.setdefault((pid, i), []).append(y)
        return y

    for (role, i), terms in sorted(need_at.items()):
        week = week_key(by_index[i].day)
        ys = []
        for p in sc.holders(role):
            y = place(p.staff_id, f"y[{p.staff_id},{role},{i}]", [i])
            if y is not None:
                ys.append(y)
                sessions_of.setdefault((p.staff_id, week), []).append(y)
                place_of[(p.staff_id, role, i)] = y
        m.add(cp_model.LinearExpr.sum(ys) == weighted_sum(terms))
    add_travel_places(ctx, place_of, reach)
    add_base_reach(ctx, place_of)
    for act_id, tv in ctx.vars.training.items():
        for d, opened in tv.open.items():
            days = grid.workdays[d : d + tv.duration]
            halves = [index_of[(day, h)] for day in days for h in HALVES]
            weeks = Counter(week_key(day) for day in days)
            for role, need in sc.activities[act_id].roles.items():
                if not need:
                    continue
                zs = []
                for p in sc.holders(role):
                    z = place(
                        p.staff_id, f"z[{p.staff_id},{role},{act_id},{d}]", halves
                    )
                    if z is None:
                        continue
                    zs.append(z)
                    taught.setdefault(p.staff_id, set()).add(role)
                    for week, n in weeks.items():
                        exprs, ns = days_of.setdefault((p.staff_id, week), ([], []))
                        exprs.append(z)
                        ns.append(n)
                m.add(cp_model.LinearExpr.sum(zs) == need * opened)
    for ys in busy.values():
        if len(ys) > 1:
            m.add_at_most_one(ys)
    ctx.busy = busy
    for (pid, _), ys in sessions_of.items():
        cap = staff[pid].max_sessions_per_week
        if len(ys) <= cap:
            continue
        rules = [weekly_rules[r] for r in staff[pid].roles if r in weekly_rules]
        lits = [lit for lit, _ in rules if lit is not None]
        extra = sum(more for _, more in rules)
        row = m.add(cp_model.LinearExpr.sum(ys) <= cap + extra)
        if lits:
            row.only_enforce_if(lits)
    for (pid, _), terms in days_of.items():
        day_cap = staff[pid].max_class_days_per_week
        if day_cap is None or sum(terms[1]) <= day_cap:
            continue
        lits = [
            lit
            for r in sorted(taught[pid])
            if (lit := class_days_guard(ctx, [r])) is not None
        ]
        row = m.add(weighted_sum(terms) <= day_cap)
        if lits:
            row.only_enforce_if(lits)


MAX_TRAVEL_PLACES = 20_000  # beyond this many, travel is left to stars and cuts
# beyond this many star rows, none (scheduler.model.trips): Nghệ An's 25, 40
# and 80 communes have about 20k, 32k and 60k, its 130 98k (2/3 of the model)
MAX_STAR_ROWS = 70_000


def add_travel_places(
    ctx: ModelContext,
    place_of: dict[tuple[str, str, int], cp_model.IntVar],
    reach: Reach,
) -> None:
    """Say where each person works on days with venues too far apart for lunch.

    On a day whose lunch gap some pair of venues cannot bridge, a venue that
    is out of reach of another, or has another out of its reach, is *far*.
    For every far venue v, half-day h, role r and holder p with a place
    ``y[p,r,h]``: ``u[p,r,h,v]`` says p fills a place of role r at v. The
    sessions at v need exactly their places; a person's far venues in a
    half-day take at most their place there; and nobody is at v in the
    morning and at a venue out of v's reach in the afternoon. With these,
    the places of :func:`add_people` are exact for travel too: the people at
    no far venue reach every venue. Skipped when it would need more than
    :data:`MAX_TRAVEL_PLACES` variables (a province with far-flung communes):
    the stars of :func:`add_same_day_travel` and the cuts of
    :func:`scheduler.solver.solve.unnameable_cuts` then settle travel.
    """
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    index_of = {(s.day, s.half): s.index for s in grid.sessions}
    day_of = {s.index: s.day for s in grid.sessions}
    beyond_at = reach
    morning, afternoon = HALVES
    # per far venue and half-day: the sessions' need per role
    need_at: dict[tuple[int, str, str], Terms] = {}
    far_days: dict[dt.date, dict[str, frozenset[str]]] = {}
    for day in grid.workdays:
        am, pm = index_of.get((day, morning)), index_of.get((day, afternoon))
        if am is None or pm is None:
            continue
        beyond = beyond_at(day)
        if any(beyond.values()):
            far_days[day] = beyond
    if not far_days:
        return
    for (act_id, code), xs in ctx.vars.sessions.x.items():
        venue = ctx.vars.sessions.venue[(act_id, code)]
        for i, x in xs.items():
            out_of_reach = far_days.get(day_of[i])
            if out_of_reach is None or not _is_far(venue, out_of_reach):
                continue
            for role, need in sc.activities[act_id].roles.items():
                if need:
                    exprs, needs = need_at.setdefault((i, venue, role), ([], []))
                    exprs.append(x)
                    needs.append(need)
    holders = {r: [p.staff_id for p in sc.holders(r)] for _, _, r in need_at}
    size = sum(
        1 for (i, _, r) in need_at for pid in holders[r] if (pid, r, i) in place_of
    )
    if size > MAX_TRAVEL_PLACES:
        ctx.travel_exact = False
        return
    at: dict[tuple[str, int, str], list[cp_model.IntVar]] = {}
    within: dict[tuple[str, str, int], list[cp_model.IntVar]] = {}
    for (i, venue, role), terms in sorted(need_at.items()):
        us = []
        for pid in holders[role]:
            y = place_of.get((pid, role, i))
            if y is None:
                continue
            u = ctx.new_bool(f"u[{pid},{role},{i},{venue}]")
            us.append(u)
            at.setdefault((pid, i, venue), []).append(u)
            within.setdefault((pid, role, i), []).append(u)
        m.add(cp_model.LinearExpr.sum(us) == weighted_sum(terms))
    for (pid, role, i), us in within.items():
        m.add(cp_model.LinearExpr.sum(us) <= place_of[(pid, role, i)])
    people = sorted({pid for pid, _, _ in at})
    for day, beyond in far_days.items():
        am, pm = index_of[(day, morning)], index_of[(day, afternoon)]
        for pid in people:
            for v in beyond:
                here = at.get((pid, am, v))
                if not here:
                    continue
                there = [u for w in sorted(beyond[v]) for u in at.get((pid, pm, w), [])]
                if there:
                    m.add(cp_model.LinearExpr.sum(here + there) <= 1)


def _is_far(venue: str, beyond: dict[str, frozenset[str]]) -> bool:
    """Return whether a venue has another out of its reach, or is out of one's."""
    return bool(beyond.get(venue)) or any(venue in b for b in beyond.values())


# per day: the venues out of reach after each venue over lunch
Reach = Callable[[dt.date], dict[str, frozenset[str]]]


def _reach(ctx: ModelContext) -> Reach:
    """Return, per day, the venues out of reach after each venue over lunch.

    The travel table is read once per pair of the session venues, and the
    sets once per lunch gap (the gap is the same on most days).
    """
    sc, grid = ctx.scenario, ctx.grid
    morning, afternoon = HALVES
    venues = sorted(set(ctx.vars.sessions.venue.values()))
    minutes = {(a, b): travel_between(sc, a, b) for a in venues for b in venues}
    by_gap: dict[float, dict[str, frozenset[str]]] = {}

    def beyond(day: dt.date) -> dict[str, frozenset[str]]:
        gap = (
            grid.session_times(day, afternoon)[0] - grid.session_times(day, morning)[1]
        ).total_seconds() / 60
        if gap not in by_gap:
            by_gap[gap] = {
                a: frozenset(b for b in venues if minutes[(a, b)] > gap) for a in venues
            }
        return by_gap[gap]

    return beyond


MAX_EXTRA_PER_WEEK = 5  # a relaxation offers at most this many more sessions a week


def _add_class_day_caps(
    ctx: ModelContext,
    group: Iterable[str],
    people: list[str],
    class_days: dict[tuple[str, str], Terms],
    person_lit: dict[str, cp_model.IntVar | None],
) -> None:
    """Cap the class days a role group teaches in each ISO week.

    Only for a group in which someone has ``max_class_days_per_week``. A class
    day takes its holder for the whole day, so in a week the group gives at
    most, per person, the smaller of their cap and their days with both halves
    free (all the week's days for someone without a cap, or whose blocked
    days an explanation may switch off). With one person (a provincial
    trainer) this is their cap exactly; with several it is their sum, and the
    naming stage holds each person to their own.
    """
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    staff = {p.staff_id: p for p in sc.staff}
    if all(staff[p].max_class_days_per_week is None for p in people):
        return
    group = sorted(group)
    blocked = grid.staff_blocked
    days_of_week: dict[str, list[dt.date]] = {}
    for day in grid.workdays:
        days_of_week.setdefault(week_key(day), []).append(day)
    lit = class_days_guard(ctx, group)
    for week, days in days_of_week.items():
        terms = joined(class_days.get((r, week)) for r in group)
        if not terms[0]:
            continue
        room = 0
        for p in people:
            mine = blocked.get(p, frozenset())
            free = (
                len(days)
                if person_lit[p] is not None
                else sum(1 for d in days if all((d, h) not in mine for h in HALVES))
            )
            cap = staff[p].max_class_days_per_week
            room += free if cap is None else min(cap, free)
        # the sum of the needs is the most the row's left side can reach
        if room < sum(terms[1]):
            ctx.add(m.add(weighted_sum(terms) <= room), lit)


def class_days_guard(ctx: ModelContext, group: Iterable[str]) -> cp_model.IntVar | None:
    """Return the literal of a role group's class-day caps (None when unguarded).

    None too when none of the group's holders has ``max_class_days_per_week``.
    """
    if not ctx.guarded:
        return None
    sc = ctx.scenario
    group = sorted(group)
    people = {p.staff_id: p for r in group for p in sc.holders(r)}
    caps = {c for p in people.values() if (c := p.max_class_days_per_week) is not None}
    if not caps:
        return None
    name = "+".join(group)
    caps_text = "/".join(str(c) for c in sorted(caps))
    return ctx.guard(
        RuleKey.of(CLASS_DAYS, name),
        f"Người giữ vai trò {name} dạy tối đa {caps_text} ngày tập huấn/tuần",
        f"Class days of {name} staff: at most {caps_text} a week each",
    )


# expressions and their coefficients, in two parallel lists
Terms = tuple[list[cp_model.LinearExprT], list[int]]


def joined(parts: Iterable[Terms | None]) -> Terms:
    """Return the terms of several rows as one (missing rows are skipped)."""
    exprs: list[cp_model.LinearExprT] = []
    coefs: list[int] = []
    for part in parts:
        if part is not None:
            exprs.extend(part[0])
            coefs.extend(part[1])
    return exprs, coefs


def weighted_sum(terms: Terms) -> cp_model.LinearExpr:
    """Return the sum of ``coefficient × expression`` over parallel lists."""
    return cp_model.LinearExpr.weighted_sum(terms[0], terms[1])


def add_same_day_travel(ctx: ModelContext, reach: Reach | None = None) -> None:
    """Count the holders a day needs when venues are too far apart for lunch.

    Nobody can hold a morning session at venue A and an afternoon session at
    venue B when the travel from A to B does not fit between the two. So the
    morning sessions at one venue and every afternoon session out of its reach
    need pairwise distinct people (those of one half-day share it; a morning
    and an afternoon one cannot be reached from each other), as do the
    afternoon sessions at one venue and every morning session that cannot
    reach it: per role, their needs are at most the holders free in either
    half of the day. One row per venue, half and role; a row with nothing out
    of reach is the half-day count and is left out. These rows are a valid
    strengthening of the half-day counts, not the exact rule (every set of
    sessions with no reachable pair would be);
    :func:`scheduler.solver.solve.unnameable_day_cuts` settles the rest.
    Left out of the guarded models of explanations, whose counts stay as before.
    ``reach`` is :func:`_reach` of the model, when already made.
    """
    if ctx.guarded:
        return
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    index_of = {(s.day, s.half): s.index for s in grid.sessions}
    blocked = grid.staff_blocked
    morning, afternoon = HALVES
    beyond_at = reach or _reach(ctx)
    # (role, venue, need, variable) of the sessions that could be placed in
    # each half-day, gathered in one pass over the variables
    sessions: dict[int, list[tuple[str, str, int, cp_model.IntVar]]] = {}
    for (act_id, code), xs in ctx.vars.sessions.x.items():
        venue = ctx.vars.sessions.venue[(act_id, code)]
        for role, need in sc.activities[act_id].roles.items():
            if need:
                for i, x in xs.items():
                    sessions.setdefault(i, []).append((role, venue, need, x))
    rows: list[tuple[list[tuple[cp_model.IntVar, int]], int]] = []
    for day in grid.workdays:
        am, pm = index_of.get((day, morning)), index_of.get((day, afternoon))
        if am is None or pm is None:
            continue
        beyond = beyond_at(day)
        if not any(beyond.values()):
            continue  # every venue reaches every other over lunch: no star binds
        for role in sorted({r for i in (am, pm) for r, *_ in sessions.get(i, [])}):
            free = sum(
                1
                for p in sc.holders(role)
                if (day, morning) not in blocked.get(p.staff_id, frozenset())
                or (day, afternoon) not in blocked.get(p.staff_id, frozenset())
            )
            # (variable, need) of the role's sessions per venue, in each half
            at_am: dict[str, list[tuple[cp_model.IntVar, int]]] = {}
            at_pm: dict[str, list[tuple[cp_model.IntVar, int]]] = {}
            for i, at in ((am, at_am), (pm, at_pm)):
                for r, venue, need, x in sessions.get(i, []):
                    if r == role:
                        at.setdefault(venue, []).append((x, need))
            # the mornings at one venue and the afternoons they cannot reach;
            # the afternoons at one venue and the mornings that cannot reach it
            cliques = [
                (at_am[v], [t for w in sorted(beyond[v]) for t in at_pm.get(w, [])])
                for v in at_am
            ] + [
                (at_pm[w], [t for v in at_am if w in beyond[v] for t in at_am[v]])
                for w in at_pm
            ]
            for here, far in cliques:
                if not far or sum(n for _, n in here) + sum(n for _, n in far) <= free:
                    continue  # the half-day count already holds it, or it cannot bind
                rows.append((here + far, free))
    if len(rows) > MAX_STAR_ROWS:
        # a province with far-flung communes: so many rows slow every LP more
        # than they help; a placement that cannot be named is re-placed with
        # one half-day a person on such days (scheduler.model.trips)
        ctx.travel_exact = False
        ctx.travel_stars = False
        return
    for row, free in rows:
        m.add(weighted_sum(([x for x, _ in row], [n for _, n in row])) <= free)


def staff_blocked_literal(ctx: ModelContext, staff_id: str) -> cp_model.IntVar | None:
    """Return the literal of a person's blocked days (None unguarded or never blocked)."""
    if not ctx.guarded:
        return None
    sc = ctx.scenario
    lo, hi = sc.horizon.start, sc.horizon.end
    periods = [
        b
        for b in sc.blocked
        if b.kind == "staff"
        and b.ref == staff_id
        and b.start_date <= hi
        and b.end_date >= lo
    ]
    if not periods:
        return None
    person = next(p for p in sc.staff if p.staff_id == staff_id)
    spans_vi = ", ".join(
        f"{b.start_date:%d/%m}–{b.end_date:%d/%m}"
        + (f" ({b.reason})" if b.reason else "")
        for b in periods
    )
    spans_en = ", ".join(
        f"{b.start_date}–{b.end_date}" + (f" ({b.reason})" if b.reason else "")
        for b in periods
    )
    return ctx.guard(
        RuleKey.of(STAFF_BLOCKED, staff_id),
        f"{person.name} bận: {spans_vi}",
        f"{person.name} is unavailable: {spans_en}",
    )


def provincial_scenario(scenario: Scenario) -> Scenario:
    """Return the scenario without commune officials and without commune roles.

    The same object when it has no officials.
    """
    if not has_officials(scenario):
        return scenario
    local = commune_roles(scenario)
    activities = {
        act_id: spec.model_copy(
            update={"roles": {r: n for r, n in spec.roles.items() if r not in local}}
        )
        for act_id, spec in scenario.activities.items()
    }
    staff = tuple(p for p in scenario.staff if not p.home_commune)
    return scenario.model_copy(update={"activities": activities, "staff": staff})


def provincial_view(ctx: ModelContext) -> ModelContext:
    """Return the context the provincial staff rules build on.

    It shares the model, variables and registries with ``ctx``; only its
    scenario leaves the officials and commune roles out.
    """
    view = provincial_scenario(ctx.scenario)
    if view is ctx.scenario:
        return ctx
    shared = dataclasses.replace(ctx, scenario=view)
    # ``replace`` gives the copy new, empty variables (``vars`` is not an
    # init field): the rules must read the model's own placements
    shared.vars = ctx.vars
    return shared


def add_provincial_staff(ctx: ModelContext) -> None:
    """Add the provincial staff rules on the scenario without commune officials."""
    view = provincial_view(ctx)
    add_staff(view)
    if view is not ctx:
        # what the rules found belongs to the whole model (model/trips.py,
        # scheduler.solver.solve read them from the context they built)
        ctx.travel_exact = view.travel_exact
        ctx.travel_stars = view.travel_stars
        ctx.busy = view.busy


def _raise_weekly_caps(sc: Scenario, key: RuleKey, amount: int) -> Scenario:
    """Return the scenario with the weekly caps of the group's holders raised."""
    roles = set(key.subject[0].split("+"))
    extra = amount if amount else MAX_EXTRA_PER_WEEK * 100
    staff = tuple(
        p.model_copy(update={"max_sessions_per_week": p.max_sessions_per_week + extra})
        if roles & set(p.roles)
        else p
        for p in sc.staff
    )
    return sc.model_copy(update={"staff": staff})


def _lift_class_day_caps(sc: Scenario, key: RuleKey, amount: int) -> Scenario:
    """Return the scenario with the class-day caps of the group's holders lifted."""
    roles = set(key.subject[0].split("+"))
    staff = tuple(
        p.model_copy(update={"max_class_days_per_week": None})
        if roles & set(p.roles)
        else p
        for p in sc.staff
    )
    return sc.model_copy(update={"staff": staff})


def _unblock_person(sc: Scenario, key: RuleKey, amount: int) -> Scenario:
    """Return the scenario without the person's blocked periods."""
    blocked = tuple(
        b for b in sc.blocked if not (b.kind == "staff" and b.ref == key.subject[0])
    )
    return sc.model_copy(update={"blocked": blocked})


FAMILY = Family(
    "staff",
    place=60,
    add=add_provincial_staff,
    drop_costs={WEEKLY: 10_000_000, CLASS_DAYS: 10_000_000, STAFF_BLOCKED: 20_000},
    relax={
        WEEKLY: _raise_weekly_caps,
        CLASS_DAYS: _lift_class_day_caps,
        STAFF_BLOCKED: _unblock_person,
    },
)
