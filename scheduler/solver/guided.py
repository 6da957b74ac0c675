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
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from scheduler.model.builder import BuiltModel
from scheduler.solver.highs import solve_relaxation
from scheduler.solver.portfolio import cp_solver
from scheduler.solver.repair import fix_domain

WHOLE = 0.99  # a relaxation value at least this is taken as 1
# the solve with the relaxation's placements fixed stops within this gap
FIXED_GAP = 0.001
RELAXATION_SHARE = 0.7  # of the time given, at most, for the relaxation


@dataclass(frozen=True)
class Guided:
    """What :func:`relaxation_start` found."""

    solver: cp_model.CpSolver  # holds a whole solution (of a copy of the model)
    bound: float  # the relaxation's optimum: valid for every plan
    fixed: int  # placement variables fixed at 1
    wall: float


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
        Time for both steps: the relaxation takes at most
        :data:`RELAXATION_SHARE` of it, the fixed solve what is left.

    Returns
    -------
    Guided or None
        None when the relaxation was not solved in time or the fixed model
        had no solution in time.
    """
    started = time.perf_counter()
    relaxed = solve_relaxation(built.model.proto, time_limit_s * RELAXATION_SHARE)
    if relaxed is None:
        return None
    proto = built.model.proto
    model = built.model.clone()
    model.clear_hints()  # type: ignore[no-untyped-call]
    fixed = 0
    for var in built.ctx.vars.placement_vars():
        index = var.index
        if list(proto.variables[index].domain) != [0, 1]:
            continue  # a count (publications): its value need not be whole
        if relaxed.values[index] >= WHOLE:
            fix_domain(model, index, 1)
            fixed += 1
    left = time_limit_s - (time.perf_counter() - started)
    if left <= 0:
        return None
    solver = cp_solver(
        {
            "num_workers": int(params.get("num_workers", 1)) or 1,
            "random_seed": int(params.get("random_seed", 0)),
            "max_time_in_seconds": left,
            "relative_gap_limit": FIXED_GAP,
        }
    )
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return Guided(solver, relaxed.bound, fixed, time.perf_counter() - started)
