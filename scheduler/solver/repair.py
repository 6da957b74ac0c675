"""A placement whose staff cannot all be named, made into a plan by leaving events out.

Stage 1 (:mod:`scheduler.model.staff`) follows travel between far-apart
venues of one day only up to a size; beyond it (a two-level province of a
hundred communes and more) a placement may hold sessions that no one can
reach in time after their morning elsewhere. Cutting them off and placing
again (:func:`scheduler.solver.solve.unnameable_cuts`) re-solves the whole province
each round, which a 60 s limit does not allow. When the time is nearly up,
:func:`repair` instead

1. names as many of the placement's events as can be named together, the
   most valuable first (:func:`name_most`: the naming model with one switch
   per event, maximising the named events' coverage weight);
2. fixes the placement with the unnamed events left out and lets CP-SAT
   complete the rest of the model (budget split, slack, staff places) in a
   short solve, so the plan's objective, score breakdown and left-out list
   are the model's own for what is held.

The result is a plan that meets every hard rule with named staff. Stage 1
with travel relaxed is a relaxation of the whole problem, so its bound stays
a valid bound for the repaired plan; the status is FEASIBLE.

Before leaving anything out, :func:`move_unnamed` tries to place the unnamed
sessions elsewhere: every other event stays where it is, the unnamed
sessions may take any other half-day, and CP-SAT solves what is left (a
small model: only those sessions move). Measured on Nghệ An's 130 communes
with their officials: HiGHS's placement of the travel-relaxed model
(1,831,610) had 9 of its 6,903 events unnameable; moved, the plan was named
at 1,847,420 in 2.4 s, where leaving them out cost 0.4 M more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from scheduler import interrupt
from scheduler.model.builder import BuiltModel
from scheduler.plan import Event
from scheduler.scenario.schema import HalfDay, Scenario
from scheduler.solver.portfolio import cp_solver
from scheduler.solver.staffing import StaffedEvent, _naming_model

# a class left out unseats every commune it trains: keep classes first
CLASS_WEIGHT = 10**9
# seconds of the completion solve (the placement is fixed: propagation mostly)
COMPLETE_S = 10.0


@dataclass(frozen=True)
class Repair:
    """What :func:`repair` did."""

    dropped: tuple[str, ...]  # ids of the events left out (stage-1 draft ids)
    solver: cp_model.CpSolver
    status: cp_model.CpSolverStatus


def name_most(
    scenario: Scenario,
    events: list[StaffedEvent],
    weights: dict[str, int],
    blocked: dict[str, frozenset[tuple[dt.date, HalfDay]]],
    time_limit_s: float,
    seed: int,
    fixed: dict[str, tuple[tuple[str, str], ...]] | None = None,
) -> set[str] | None:
    """Return the ids of a most valuable set of events that can be named together.

    Parameters
    ----------
    scenario, events, blocked, seed, fixed
        As for :func:`scheduler.solver.staffing.name_staff`.
    weights : dict
        Event id → the value of naming it (events not in it count 1).
    time_limit_s : float
        CP-SAT time limit.

    Returns
    -------
    set of str or None
        The events to keep; None when no set was found in time.
    """
    m, _, switch = _naming_model(scenario, events, blocked, fixed, None, True)
    m.maximize(
        cp_model.LinearExpr.weighted_sum(
            list(switch.values()), [weights.get(eid, 1) for eid in switch]
        )
    )
    solver = cp_model.CpSolver()
    interrupt.watch_solver(solver)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {eid for eid, lit in switch.items() if solver.value(lit)}


def event_weights(
    built: BuiltModel, draft: list[tuple[StaffedEvent, Event]]
) -> dict[str, int]:
    """Return what leaving each drafted event out would cost, as in the objective.

    A session: the coverage weight × activity priority × poor households of
    its commune (the penalty of a session left out); a class: more than any
    session.
    """
    sc = built.ctx.scenario
    w = sc.weights.coverage
    out: dict[str, int] = {}
    for staffed, event in draft:
        if event.kind == "training":
            out[staffed.event_id] = CLASS_WEIGHT
        elif event.kind == "session" and event.commune_code is not None:
            poor = max(sc.commune(event.commune_code).poor_households, 1)
            out[staffed.event_id] = (
                1 + w * max(sc.activities[event.activity].priority, 1) * poor
            )
    return out


def unnamed_events(
    built: BuiltModel,
    draft: list[tuple[StaffedEvent, Event]],
    params: dict[str, Any],
    naming_s: float,
    fixed: dict[str, tuple[tuple[str, str], ...]] | None = None,
) -> set[str] | None:
    """Return the events outside a most valuable nameable set of a placement.

    The ids of the drafted events :func:`name_most` leaves out (empty when
    every event can be named), or None when it found no set in ``naming_s``.
    """
    sc, grid = built.ctx.scenario, built.ctx.grid
    staffed = [e for e, _ in draft if any(e.roles.values())]
    kept = name_most(
        sc,
        staffed,
        event_weights(built, draft),
        grid.staff_blocked,
        naming_s,
        int(params.get("random_seed", 0)),
        fixed,
    )
    if kept is None:
        return None
    return {e.event_id for e in staffed} - kept


def repair(
    built: BuiltModel,
    stage1: cp_model.CpSolver,
    draft: list[tuple[StaffedEvent, Event]],
    params: dict[str, Any],
    naming_s: float,
    complete_s: float = COMPLETE_S,
    fixed: dict[str, tuple[tuple[str, str], ...]] | None = None,
) -> Repair | None:
    """Leave out the fewest valuable events that make a placement nameable.

    The model is changed: its placement is fixed to what is kept (call this
    last, on a model that is not solved again). Returns None when no
    nameable set was found in ``naming_s`` or the completion found no plan
    (a hard rule, e.g. a quarter target, needs an event left out).

    Parameters
    ----------
    built : BuiltModel
        The stage-1 model.
    stage1 : CpSolver
        The solver holding the placement.
    draft : list of (StaffedEvent, Event)
        The placement's events (:func:`scheduler.solver.solve._draft`).
    params : dict
        The solve's CP-SAT parameters (workers, seed).
    naming_s : float
        Time limit of the naming of a most valuable set.
    complete_s : float
        Time limit of the completion of the fixed placement.
    fixed : dict, optional
        Names that must stay (re-plans).
    """
    dropped = unnamed_events(built, draft, params, naming_s, fixed)
    if dropped is None:
        return None
    seed = int(params.get("random_seed", 0))
    off: set[int] = set()
    for placed, event in draft:
        if placed.event_id in dropped:
            off |= built.ctx.vars.placing_indices(event)
    m = built.model
    m.clear_hints()  # type: ignore[no-untyped-call]
    for var in built.ctx.vars.placement_vars():
        value = 0 if var.index in off else stage1.value(var)
        m.add(var == value)
    for index in range(len(m.proto.variables)):
        var = m.get_int_var_from_proto_index(index)
        m.add_hint(var, 0 if index in off else stage1.value(var))
    solver = cp_model.CpSolver()
    interrupt.watch_solver(solver)
    solver.parameters.num_workers = int(params.get("num_workers", 1)) or 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(complete_s, 0.5)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return Repair(tuple(sorted(dropped)), solver, status)


@dataclass(frozen=True)
class Moved:
    """What :func:`move_unnamed` did."""

    moved: tuple[str, ...]  # ids of the sessions placed again (stage-1 draft ids)
    solver: cp_model.CpSolver  # holds the new placement (of a copy of the model)
    # the half-day variables the moved sessions left (to avoid in a next move)
    left: frozenset[int] = frozenset()


def move_unnamed(
    built: BuiltModel,
    stage1: cp_model.CpSolver,
    draft: list[tuple[StaffedEvent, Event]],
    params: dict[str, Any],
    naming_s: float,
    solve_s: float,
    fixed: dict[str, tuple[tuple[str, str], ...]] | None = None,
    avoid: frozenset[int] = frozenset(),
) -> Moved | None:
    """Place the sessions that cannot be named on other half-days, keeping the rest.

    The events a most valuable nameable set leaves out (:func:`name_most`)
    must all be sessions; each of them loses its half-day and may take any
    other one, while every other placement variable (sessions, broadcast
    items, classes, publications) keeps its value. CP-SAT solves that, from
    the old solution as a hint, on a copy of the model: ``built`` is not
    changed, so a caller may still solve it again. The new placement may
    itself hold sessions nobody can name (travel is still relaxed): the
    caller names it and may move again.

    Parameters
    ----------
    built : BuiltModel
        The stage-1 model (travel relaxed).
    stage1 : CpSolver
        The solver holding the placement.
    draft : list of (StaffedEvent, Event)
        The placement's events (:func:`scheduler.solver.solve._draft`).
    params : dict
        The solve's CP-SAT parameters (workers, seed).
    naming_s : float
        Time limit of the naming of a most valuable set.
    solve_s : float
        Time limit of the solve that moves the sessions.
    fixed : dict, optional
        Names that must stay (re-plans).
    avoid : frozenset of int
        Half-day variables (proto indices) the moved sessions may not take:
        those an earlier move left, where they could not be named either.

    Returns
    -------
    Moved or None
        None when every event can be named already, a class or a broadcast
        cannot be named, or no placement was found in time.
    """
    ctx = built.ctx
    dropped = unnamed_events(built, draft, params, naming_s, fixed)
    if dropped is None:
        return None
    events = {placed.event_id: event for placed, event in draft}
    rows = [ctx.vars.session_row(events[eid]) for eid in dropped]
    if not rows:
        return None
    # the rows of the moved sessions are free, but not the half-days they leave
    free: set[int] = set()
    for row in rows:
        if row is None:
            return None  # a class or a broadcast: it does not move
        free |= row
    left = {i for eid in dropped for i in ctx.vars.placing_indices(events[eid])}
    barred = left | (avoid & free)
    model = built.model.clone()
    for var in ctx.vars.placement_vars():
        if var.index in barred:
            fix_domain(model, var.index, 0)
        elif var.index not in free:
            fix_domain(model, var.index, stage1.value(var))
    model.clear_hints()  # type: ignore[no-untyped-call]
    for index in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(index)
        model.add_hint(var, 0 if index in barred else stage1.value(var))
    # the solve's own parameters (presolve off: the model is mostly fixed)
    solver = cp_solver({**params, "max_time_in_seconds": max(solve_s, 0.5)})
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return Moved(tuple(sorted(dropped)), solver, frozenset(left))


def fix_domain(model: cp_model.CpModel, index: int, value: int) -> None:
    """Fix a variable of a model by its domain, not by a row.

    Tens of thousands of fixing rows cost CP-SAT seconds on a 130-commune
    province; a one-value domain costs nothing. Only for a model of one's
    own (a copy): the variable's domain is changed in place.
    """
    domain = model.proto.variables[index].domain
    if len(domain) == 2:
        domain[0] = value
        domain[1] = value
    else:
        model.add(model.get_int_var_from_proto_index(index) == value)
