"""The master problems over the districts' columns (plans with their spending).

- :func:`knapsack`: one column per district, least total objective, within
  every quarter's allowance (a multiple-choice knapsack, by CP-SAT);
- :func:`linear_master`: the same with mixes of columns (by GLOP): its duals
  are the next prices of the price rounds (:func:`price_master`), its mixed
  spending an allocation between the columns.
"""

from __future__ import annotations

from typing import Any

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from scheduler import interrupt
from scheduler.province.tasks import SolveOutcome


def knapsack(
    choices: list[list[tuple[int, dict[str, int]]]],
    capacity: dict[str, int],
    time_limit: float,
    seed: int,
) -> list[int] | None:
    """Solve a multiple-choice knapsack: one option per group, minimise the cost.

    Each option is (integer cost, consumption per resource); consumption of
    every resource stays within its capacity. Returns the chosen index per
    group, or None when no choice fits (or none was found in time).
    """
    model = cp_model.CpModel()
    picks = []
    for g, options in enumerate(choices):
        lits = [model.new_bool_var(f"pick[{g},{k}]") for k in range(len(options))]
        model.add_exactly_one(lits)
        picks.append(lits)
    for res, cap in capacity.items():
        terms = [
            opt[1].get(res, 0) * lit
            for options, lits in zip(choices, picks, strict=True)
            for opt, lit in zip(options, lits, strict=True)
            if opt[1].get(res, 0)
        ]
        if terms:
            model.add(sum(terms) <= cap)
    model.minimize(
        sum(
            opt[0] * lit
            for options, lits in zip(choices, picks, strict=True)
            for opt, lit in zip(options, lits, strict=True)
        )
    )
    solver = cp_model.CpSolver()
    interrupt.watch_solver(solver)  # Ctrl-C stops it (scheduler.interrupt)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [
        next(k for k, lit in enumerate(lits) if solver.value(lit)) for lits in picks
    ]


def price_master(
    columns: dict[str, list[SolveOutcome]], capacity: dict[str, int]
) -> dict[str, float]:
    """Return the next prices: duals of the allowances in the linear master.

    See :func:`linear_master`.
    """
    return linear_master(columns, capacity)[0]


def linear_master(
    columns: dict[str, list[SolveOutcome]], capacity: dict[str, int]
) -> tuple[dict[str, float], dict[str, dict[str, int]]]:
    """Solve the linear master: its allowance duals and each district's mixed spending.

    The linear master mixes each district's columns (weights summing to 1)
    within every quarter's allowance, at least cost. Spending over an
    allowance is allowed at a price above any column's worth, so the master is
    always feasible and its duals are bounded. Solved with GLOP.

    Returns
    -------
    prices : dict
        Points per VND of each quarter's allowance (the next prices).
    spending : dict
        Per district, the mix's spending per quarter (the weighted sum of its
        columns' spending, rounded), scaled down where the mix goes over an
        allowance and never summing to more than it: an allocation that
        interpolates between the columns.
    """
    lp = pywraplp.Solver.CreateSolver("GLOP")
    million = 1_000_000.0  # spending in millions of VND keeps the rows well scaled
    worst = max((o.objective for cols in columns.values() for o in cols), default=1.0)
    ceiling = max(worst, 1.0) * len(columns)  # points per million VND over
    rows = {
        q: lp.Constraint(-lp.infinity(), cap / million) for q, cap in capacity.items()
    }
    objective = lp.Objective()
    for q, row in rows.items():
        over = lp.NumVar(0.0, lp.infinity(), f"over[{q}]")
        row.SetCoefficient(over, -1.0)
        objective.SetCoefficient(over, ceiling)
    weights: dict[str, list[Any]] = {}
    for d, cols in columns.items():
        convex = lp.Constraint(1.0, 1.0, f"convex[{d}]")
        weights[d] = []
        for k, o in enumerate(cols):
            mix = lp.NumVar(0.0, 1.0, f"mix[{d},{k}]")
            weights[d].append(mix)
            convex.SetCoefficient(mix, 1.0)
            objective.SetCoefficient(mix, o.objective)
            for q, amount in o.spend.items():
                if q in rows:
                    rows[q].SetCoefficient(mix, amount / million)
    objective.SetMinimization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        raise RuntimeError("price master: no optimal LP solution")
    prices = {q: max(0.0, -row.dual_value()) / million for q, row in rows.items()}
    mixed = {
        d: {
            q: sum(
                w.solution_value() * o.spend.get(q, 0)
                for w, o in zip(weights[d], cols, strict=True)
            )
            for q in capacity
        }
        for d, cols in columns.items()
    }
    spending: dict[str, dict[str, int]] = {d: {} for d in columns}
    for q, cap in capacity.items():
        total = sum(m[q] for m in mixed.values())
        scale = min(1.0, cap / total) if total > 0 else 1.0
        for d, m in mixed.items():
            spending[d][q] = round(m[q] * scale)  # (the LP gives 0.9999999 × 10M)
        over = sum(v[q] for v in spending.values()) - cap
        if over > 0:  # rounding went over: the largest gives the difference back
            spending[max(spending, key=lambda d: spending[d][q])][q] -= over
    return prices, spending
