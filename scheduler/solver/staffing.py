"""Give names to the counted staff places: a small second CP-SAT stage.

The first stage fixes when and where every event happens and which person
works in each half-day and class (so names exist, travel in a very large
province aside). This stage picks the people for each event:

- each event gets its required number of holders of each role, who are free
  (not blocked) on all of its half-days; one person fills one role per event;
- a commune official (``home_commune``) only at a session of their commune
  (:mod:`scheduler.officials`);
- nobody is in two places in the same half-day;
- two sessions of one person on one day only when the travel between the two
  venues fits between the end of the first and the start of the second;
- with ``travel.leave_base_at``, a session only for people who reach it from
  their base in time (:func:`scheduler.travel.arrives_in_time`);
- nobody exceeds their ``max_sessions_per_week`` (sessions, not training days),
  nor their ``max_class_days_per_week`` (days of training classes), if any.

Soft: ``workload`` (for each role, the gap between the busiest and the least
busy holder; for a commune role, within each commune).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler import interrupt
from scheduler.calendar import week_key
from scheduler.officials import serves
from scheduler.plan import Status
from scheduler.scenario.schema import HalfDay, Scenario
from scheduler.travel import arrives_in_time, travel_between


@dataclass(frozen=True)
class StaffedEvent:
    """What the naming stage needs to know of one event."""

    event_id: str
    roles: dict[str, int]
    halves: tuple[tuple[dt.date, HalfDay], ...]
    place: str
    start: dt.datetime
    end: dt.datetime
    counts_for_cap: bool


@dataclass(frozen=True)
class Naming:
    """Result of the naming stage."""

    status: Status
    people: dict[str, tuple[tuple[str, str], ...]]  # event id -> ((staff, role), ...)
    conflict: tuple[str, ...] = ()  # events that could not all be staffed together


def name_staff(
    scenario: Scenario,
    events: list[StaffedEvent],
    blocked: dict[str, frozenset[tuple[dt.date, HalfDay]]],
    time_limit_s: float,
    seed: int,
    fixed: dict[str, tuple[tuple[str, str], ...]] | None = None,
    prefer: dict[str, tuple[tuple[str, str], ...]] | None = None,
) -> Naming:
    """Assign named staff to events.

    Parameters
    ----------
    scenario : Scenario
        Staff, roles, caps, travel and the ``workload`` weight.
    events : list of StaffedEvent
        Events with their times and role needs, fixed by the first stage.
    blocked : dict
        Staff id → blocked (date, half) pairs.
    time_limit_s : float
        CP-SAT time limit.
    seed : int
        CP-SAT random seed (one worker, so the result is repeatable).
    fixed : dict, optional
        Event id → ((staff, role), …) that must stay (re-plans: the past and
        staff-locked events); a person no longer free is not forced.
    prefer : dict, optional
        Event id → ((staff, role), …) to keep where possible (re-plans): each
        place given to someone else costs more than any workload gap.

    Returns
    -------
    Naming
        Names per event, or status ``INFEASIBLE`` with the events involved.
    """
    m, assign, _ = _naming_model(scenario, events, blocked, fixed, prefer, False)
    solver = cp_model.CpSolver()
    interrupt.watch_solver(solver)  # Ctrl-C stops it (scheduler.interrupt)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Naming(
            Status(solver.status_name(status)), {}, tuple(e.event_id for e in events)
        )
    people: dict[str, list[tuple[str, str]]] = {e.event_id: [] for e in events}
    for (eid, pid, role), v in assign.items():
        if solver.value(v):
            people[eid].append((pid, role))
    return Naming(
        Status(solver.status_name(status)),
        {
            eid: tuple(sorted(ps, key=lambda x: (x[1], x[0])))
            for eid, ps in people.items()
        },
    )


def unnameable_core(
    scenario: Scenario,
    events: list[StaffedEvent],
    blocked: dict[str, frozenset[tuple[dt.date, HalfDay]]],
    time_limit_s: float,
    seed: int,
    fixed: dict[str, tuple[tuple[str, str], ...]] | None = None,
) -> tuple[str, ...] | None:
    """Return events that cannot be named together, or None when not proven.

    Each event's places are switched on by its own assumption literal; when
    the whole set cannot be named, CP-SAT returns the assumptions it used to
    prove it (a core, not always a smallest one). None when the events can
    be named or the time ran out first.

    Parameters
    ----------
    scenario, events, blocked, seed, fixed
        As for :func:`name_staff` (no preferences: only feasibility counts).
    time_limit_s : float
        CP-SAT time limit.

    Returns
    -------
    tuple of str or None
        The ids of the events of the core.
    """
    m, _, switch = _naming_model(scenario, events, blocked, fixed, None, True)
    m.add_assumptions(list(switch.values()))
    solver = cp_model.CpSolver()
    interrupt.watch_solver(solver)  # Ctrl-C stops it (scheduler.interrupt)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
    if solver.solve(m) != cp_model.INFEASIBLE:
        return None
    event_of = {v.index: eid for eid, v in switch.items()}
    return tuple(event_of[i] for i in solver.sufficient_assumptions_for_infeasibility())


def _naming_model(
    scenario: Scenario,
    events: list[StaffedEvent],
    blocked: dict[str, frozenset[tuple[dt.date, HalfDay]]],
    fixed: dict[str, tuple[tuple[str, str], ...]] | None,
    prefer: dict[str, tuple[tuple[str, str], ...]] | None,
    switched: bool,
) -> tuple[
    cp_model.CpModel,
    dict[tuple[str, str, str], cp_model.IntVar],
    dict[str, cp_model.IntVar],
]:
    """Return the naming model, its (event, person, role) variables and switches.

    With ``switched``, each event's places are filled only when its own
    literal (returned per event id) is true, and left empty otherwise.
    """
    m = cp_model.CpModel()
    staff = {p.staff_id: p for p in scenario.staff}
    assign: dict[tuple[str, str, str], cp_model.IntVar] = {}
    on: dict[tuple[str, str], list[cp_model.IntVar]] = {}
    switch: dict[str, cp_model.IntVar] = {}
    # commune officials serve only the sessions of their commune
    venue_commune = {v.venue_id: v.commune_code for v in scenario.venues}
    for e in events:
        lit = m.new_bool_var(f"on[{e.event_id}]") if switched else None
        if lit is not None:
            switch[e.event_id] = lit
        commune = venue_commune.get(e.place) if e.counts_for_cap else None
        for role, need in e.roles.items():
            if need == 0:
                continue
            holders = [
                p.staff_id
                for p in scenario.holders(role)
                if serves(p, commune)
                and not any(h in blocked.get(p.staff_id, ()) for h in e.halves)
                # a session: reachable from the person's base in time
                and (
                    not e.counts_for_cap
                    or arrives_in_time(scenario, p, e.place, e.start.time())
                )
            ]
            vs = []
            for pid in holders:
                v = m.new_bool_var(f"n[{e.event_id},{pid},{role}]")
                assign[(e.event_id, pid, role)] = v
                on.setdefault((e.event_id, pid), []).append(v)
                vs.append(v)
            if lit is None:
                m.add(sum(vs) == need)
            else:
                m.add(sum(vs) == need).only_enforce_if(lit)
                m.add(sum(vs) == 0).only_enforce_if(~lit)
    present = {}
    for (eid, pid), vs in on.items():
        if len(vs) > 1:
            m.add_at_most_one(vs)
        present[(eid, pid)] = sum(vs)
    by_id = {e.event_id: e for e in events}
    people_of: dict[str, list[str]] = {}
    for eid, pid in present:
        people_of.setdefault(pid, []).append(eid)
    for pid, eids in people_of.items():
        per_half: dict[tuple[dt.date, str], list[str]] = {}
        per_week: dict[str, list[str]] = {}
        # class days a week: (event, its days in that week)
        class_days: dict[str, list[tuple[str, int]]] = {}
        for eid in eids:
            e = by_id[eid]
            for h in e.halves:
                per_half.setdefault(h, []).append(eid)
            if e.counts_for_cap:
                per_week.setdefault(week_key(e.start.date()), []).append(eid)
            else:
                weeks = Counter(week_key(d) for d in {d for d, _ in e.halves})
                for week, n in weeks.items():
                    class_days.setdefault(week, []).append((eid, n))
        day_cap = staff[pid].max_class_days_per_week
        if day_cap is not None:
            for taught in class_days.values():
                if sum(n for _, n in taught) > day_cap:
                    m.add(sum(n * present[(eid, pid)] for eid, n in taught) <= day_cap)
        for clash in per_half.values():
            if len(clash) > 1:
                m.add(sum(present[(eid, pid)] for eid in clash) <= 1)
        for week_events in per_week.values():
            if len(week_events) > staff[pid].max_sessions_per_week:
                m.add(
                    sum(present[(eid, pid)] for eid in week_events)
                    <= staff[pid].max_sessions_per_week
                )
        same_day: dict[dt.date, list[str]] = {}
        for eid in eids:
            same_day.setdefault(by_id[eid].start.date(), []).append(eid)
        for day_events in same_day.values():
            ordered = sorted(day_events, key=lambda x: by_id[x].start)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 :]:
                    ea, eb = by_id[a], by_id[b]
                    gap = (eb.start - ea.end).total_seconds() / 60
                    if gap < travel_between(scenario, ea.place, eb.place):
                        m.add(present[(a, pid)] + present[(b, pid)] <= 1)
    for eid, pairs in (fixed or {}).items():
        for pid, role in pairs:
            if (eid, pid, role) in assign:
                row = m.add(assign[(eid, pid, role)] == 1)
                if eid in switch:
                    row.only_enforce_if(switch[eid])
    kept = [
        assign[(eid, pid, role)]
        for eid, pairs in (prefer or {}).items()
        for pid, role in pairs
        if (eid, pid, role) in assign
    ]
    spread_terms: list[cp_model.LinearExprT] = []
    if scenario.weights.workload > 0:
        roles = {r for e in events for r in e.roles}
        for role in sorted(roles):
            # commune officials' loads are compared within their commune
            by_home: dict[str | None, list[str]] = {}
            for p in scenario.holders(role):
                by_home.setdefault(p.home_commune, []).append(p.staff_id)
            for home, holders in sorted(by_home.items(), key=lambda kv: kv[0] or ""):
                loads = [
                    sum(present[(eid, pid)] for eid in people_of.get(pid, []))
                    for pid in holders
                ]
                if len(loads) < 2:
                    continue
                key = role if home is None else f"{role}@{home}"
                hi = m.new_int_var(0, len(events), f"max_load[{key}]")
                lo = m.new_int_var(0, len(events), f"min_load[{key}]")
                for load in loads:
                    m.add(hi >= load)
                    m.add(lo <= load)
                spread_terms.append(hi - lo)
    if kept:
        # a changed person outweighs any workload gap (at most len(events))
        spread_terms.append((len(events) + 1) * (len(kept) - sum(kept)))
    if spread_terms and not switched:  # a core needs no objective
        m.minimize(sum(spread_terms))
    return m, assign, switch
