"""A start from the linear relaxation, for a province too large for exact travel.

On a two-level province of a hundred communes and more, CP-SAT on two cores
improves the greedy plan slowly, and HiGHS's branch and bound spends its first
40 s at the root. Yet the linear relaxation is tight and nearly whole:
measured on Nghệ An's 130 communes with their officials (×1.0), HiGHS solves
it in 7 s on one thread at 1,829,722, against an optimum of the model of
1,831,610, and 122 of the 130 dialogues sit on one half-day. With every
placement the relaxation holds at 1 fixed, CP-SAT finds 1,831,610 in about 2 s
(the greedy plan: 1,954,970). :func:`relaxation_start` does that, and
:func:`scheduler.solver.solve.solve` hints its solution to the rounds that
follow; the relaxation's optimum is a bound valid for every plan.

Under a tight budget the relaxation is weaker: it opens a fraction of a
training class, paying a fraction of the class's fixed cost, and spends the
money saved on dialogues (×0.8: 12.4 classes, where every plan opens 12 or
13), or holds a fraction of a dialogue. Every plan has whole counts, so
HiGHS splits the relaxation on them: at most ⌊12.4⌋ and at least ⌈12.4⌉
classes, then the lowest leaf again on its own first fractional count (the
classes, the dialogues, the classes and dialogues of each quarter:
:func:`count_groups`; :func:`scheduler.solver.highs.start_highs`,
``branch``), until the lowest leaf's counts are whole or the time is up.
The lowest leaf's optimum is a bound for every plan (:func:`side_bound`),
and the leaves' values are starts (:func:`_start_order`).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from scheduler.model.builder import BuiltModel
from scheduler.plan import Status
from scheduler.solver.highs import Relaxation, first_fraction, solve_relaxation
from scheduler.solver.portfolio import cp_solver
from scheduler.solver.repair import fix_domain

WHOLE = 0.99  # a relaxation value at least this is taken as 1
# the solve with the relaxation's placements fixed stops within this gap
FIXED_GAP = 0.001
# of the time given, at most, for the relaxation and its leaves (130 communes
# ×0.8, 2 threads: 5 s for the relaxation, 13.5 s for its nine splits)
RELAXATION_SHARE = 0.8
MAX_STARTS = 2  # leaves whose values are completed (_start_order)


@dataclass(frozen=True)
class Guided:
    """What :func:`relaxation_start` found."""

    # holds a whole solution (of a copy of the model); None when no fixed
    # model was solved in time
    solver: cp_model.CpSolver | None
    bound: float  # valid for every plan: the relaxation's, or its sides'
    fixed: int  # placement variables fixed at 1
    wall: float
    sides: int = 0  # leaves of the relaxation split on whole counts


def count_groups(built: BuiltModel) -> list[list[int]]:
    """Return the counts every plan has whole, in the order to split the relaxation on them.

    :meth:`scheduler.model.variables.Variables.whole_counts`: the classes
    come first, as their fixed cost is what the relaxation saves on (130
    communes ×0.8: split on the classes first, 7,448,602 → 7,517,672; on
    the dialogues first, → 7,468,267).
    """
    return built.ctx.vars.whole_counts()


def side_bound(relaxed: Relaxation) -> float | None:
    """Return the bound of a relaxation split on whole counts: its lowest leaf's optimum.

    Every plan has whole counts, so lies in one leaf; a leaf with no
    solution holds no plan. None when there are no leaves or one was not
    solved.
    """
    if not relaxed.sides:
        return None
    bounds = []
    for side in relaxed.sides:
        if side.status == Status.INFEASIBLE:
            bounds.append(math.inf)
        elif side.status == Status.OPTIMAL and side.bound is not None:
            bounds.append(side.bound)
        else:
            return None
    return min(bounds)


def relaxation_start(
    built: BuiltModel, params: dict[str, Any], time_limit_s: float
) -> Guided | None:
    """Return a solution with the placements the linear relaxation holds whole.

    Parameters
    ----------
    built : BuiltModel
        The model (not changed: a copy is fixed and solved).
    params : dict
        The solve's CP-SAT parameters (workers, seed).
    time_limit_s : float
        Time for every step: the relaxation (split on whole counts when
        they are fractions) takes at most :data:`RELAXATION_SHARE` of it,
        the fixed solves, from at most :data:`MAX_STARTS` leaves' values,
        what is left.

    Returns
    -------
    Guided or None
        None when the relaxation was not solved in time; its ``solver`` is
        None when no fixed model had a solution in time (the bound stands).
    """
    started = time.perf_counter()
    groups = count_groups(built)
    # nothing else runs meanwhile: HiGHS takes the solve's workers
    relaxed = solve_relaxation(
        built.model.proto, time_limit_s * RELAXATION_SHARE, groups, _workers(params)
    )
    if relaxed is None:
        return None
    bound = relaxed.bound
    binary = _binary_placements(built)
    starts = [(relaxed.values, relaxed.bound)]
    sides = side_bound(relaxed)
    if sides is not None and not math.isfinite(sides):
        # no leaf has a solution: no plan at all, or HiGHS's tolerances; the
        # relaxation alone stands, and the solve reports what it finds
        sides = None
    if sides is not None:
        bound = max(bound, sides)
        solved = [
            (np.array(side.values), side.bound)
            for side in relaxed.sides
            if side.status == Status.OPTIMAL and side.bound is not None
        ]
        starts = sorted(solved, key=lambda start: _start_order(start, groups, binary))
        starts = starts[:MAX_STARTS]
    best: tuple[cp_model.CpSolver, int] | None = None
    for k, (values, floor) in enumerate(starts):
        left = time_limit_s - (time.perf_counter() - started)
        if left <= 0:
            break
        if best is not None and floor >= best[0].objective_value:
            continue  # no plan in this leaf beats the one found
        found = _fixed_solve(built, binary, params, values, left / (len(starts) - k))
        if found is not None and (
            best is None or found[0].objective_value < best[0].objective_value
        ):
            best = found
    wall = time.perf_counter() - started
    leaves = 0 if sides is None else len(relaxed.sides)
    if best is None:  # the bound holds all the same
        return Guided(None, bound, 0, wall, leaves)
    return Guided(best[0], bound, best[1], wall, leaves)


def _start_order(
    start: tuple[np.ndarray[Any, np.dtype[np.float64]], float],
    groups: list[list[int]],
    binary: list[int],
) -> tuple[int, float]:
    """Return where a leaf's values come among the starts: the better first.

    A leaf whose counts are all whole comes first, the lowest first: the
    split went as deep as its plans (130 communes ×0.8: the lowest leaf,
    13 classes and 101 dialogues, 49 and 52 a quarter, at 7,671,440; its
    placements fixed, CP-SAT proves 7,671,440 in 2.4 s). Then the leaves
    with the most placements whole, which CP-SAT has the least to complete
    (at least 13 classes, 6,989 placements whole: 7,671,440 in 2.8 s; at
    most 12, 6,936 whole: 7,851,415 after 20 s).
    """
    values, floor = start
    if first_fraction(groups, values) is None:  # every count whole
        return 0, floor
    return 1, -float((values[binary] >= WHOLE).sum())


def _workers(params: dict[str, Any]) -> int:
    """Return the threads the solve may use: its ``num_workers``, 0 meaning every core."""
    return int(params.get("num_workers", 1)) or os.cpu_count() or 1


def _binary_placements(built: BuiltModel) -> list[int]:
    """Return the indices of the 0-1 placement variables (not the counts of publications)."""
    proto = built.model.proto
    return [
        var.index
        for var in built.ctx.vars.placement_vars()
        if list(proto.variables[var.index].domain) == [0, 1]
    ]


def _fixed_solve(
    built: BuiltModel,
    binary: list[int],
    params: dict[str, Any],
    values: np.ndarray[Any, np.dtype[np.float64]],
    time_limit_s: float,
) -> tuple[cp_model.CpSolver, int] | None:
    """Solve a copy of the model with the placements ``values`` hold whole fixed at 1.

    ``binary`` are the 0-1 placement variables (:func:`_binary_placements`).

    Returns the solver and how many placements were fixed, or None when no
    solution was found in time.
    """
    model = built.model.clone()
    model.clear_hints()  # type: ignore[no-untyped-call]
    fixed = 0
    for index in binary:
        if values[index] >= WHOLE:
            fix_domain(model, index, 1)
            fixed += 1
    solver = cp_solver(
        {
            "num_workers": _workers(params),
            "random_seed": int(params.get("random_seed", 0)),
            "max_time_in_seconds": time_limit_s,
            "relative_gap_limit": FIXED_GAP,
        }
    )
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return solver, fixed
