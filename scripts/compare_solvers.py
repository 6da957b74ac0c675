"""Compare CP-SAT, HiGHS (same model) and the greedy baseline on one scenario.

Usage:
    python scripts/compare_solvers.py configs/scenarios/hung-nguyen-2023.toml
    python scripts/compare_solvers.py --district 431 --seed 1 --budget-scale 0.8
    options: --time-limit 30 (each solver) --json results.json

CP-SAT runs with the scenario's parameters (2 workers, seed 0, presolve off)
and the given time limit; HiGHS gets the same model translated into a MIP
(scheduler/solver/highs.py), one thread, the same limit; the greedy plan is
scheduler/solver/greedy.py. Objectives of both plans are recomputed from the plans
with scheduler.solver.greedy.plan_objective, and weighted coverage with
scheduler.solver.greedy.weighted_coverage.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from scheduler.bench.generate import district_scenario
from scheduler.bench.sizes import model_size
from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.model.builder import build_model
from scheduler.scenario.load import load_scenario
from scheduler.solver.greedy import greedy_plan, plan_objective, weighted_coverage
from scheduler.solver.highs import solve_with_highs
from scheduler.solver.solve import solve


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", help="a scenario TOML file")
    parser.add_argument("--district", help="a 2023 district code (generated)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget-scale", type=float, default=1.0)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.district:
        sc = district_scenario(args.district, args.seed, budget_scale=args.budget_scale)
    elif args.scenario:
        sc = load_scenario(args.scenario)
    else:
        parser.error("give a scenario file or --district")
    grid = build_grid(sc)
    out: dict[str, Any] = {"scenario": sc.name, "communes": len(sc.communes)}

    started = time.perf_counter()
    built = build_model(sc, grid)
    out["build_s"] = round(time.perf_counter() - started, 3)
    size = model_size(built.model.Proto())
    out["variables"], out["booleans"], out["constraints"] = (
        size.variables,
        size.booleans,
        size.constraints,
    )

    cp = solve(
        sc, grid, overrides={"max_time_in_seconds": args.time_limit}, engine="cp-sat"
    )
    out["cp_sat"] = {
        "status": cp.solver.status,
        "objective": cp.solver.objective,
        "bound": cp.solver.bound,
        "gap": cp.solver.gap,
        "wall_s": cp.solver.wall_time_s,
        "objective_from_plan": sum(plan_objective(sc, grid, cp).values()),
        "coverage": weighted_coverage(sc, grid, cp).fraction,
        "check_violations": len(check_plan(sc, cp)),
    }

    mip = solve_with_highs(built.model.Proto(), args.time_limit, threads=1)
    out["highs"] = {
        "status": mip.status,
        "objective": mip.objective,
        "bound": mip.bound,
        "gap": mip.gap,
        "wall_s": mip.wall_time_s,
        "translate_s": mip.translate_time_s,
        "rows": mip.num_constraints,
        "columns": mip.num_vars,
    }

    started = time.perf_counter()
    greedy = greedy_plan(sc, grid)
    greedy_s = time.perf_counter() - started
    out["greedy"] = {
        "objective": greedy.solver.objective,
        "coverage": weighted_coverage(sc, grid, greedy).fraction,
        "wall_s": round(greedy_s, 3),
        "unscheduled": sum(u.count for u in greedy.unscheduled),
        "check_violations": len(check_plan(sc, greedy)),
    }
    cov_cp, cov_greedy = out["cp_sat"]["coverage"], out["greedy"]["coverage"]
    out["coverage_gain"] = (cov_cp - cov_greedy) / cov_greedy if cov_greedy else None

    print(
        f"{sc.name}: {len(sc.communes)} communes, {size.variables} variables "
        f"({size.booleans} booleans), {size.constraints} constraints, "
        f"build {out['build_s']:.2f} s"
    )
    c, h, g = out["cp_sat"], out["highs"], out["greedy"]
    print(
        f"{'solver':<8} {'status':<10} {'objective':>12} {'bound':>12} {'gap':>8} {'time':>8}"
    )
    print(
        f"{'CP-SAT':<8} {c['status']:<10} {c['objective']:>12.0f} {c['bound']:>12.0f} "
        f"{c['gap']:>8.2%} {c['wall_s']:>7.2f}s"
    )
    print(
        f"{'HiGHS':<8} {h['status']:<10} "
        + (f"{h['objective']:>12.0f}" if h["objective"] is not None else f"{'-':>12}")
        + (f" {h['bound']:>12.0f}" if h["bound"] is not None else f" {'-':>12}")
        + (f" {h['gap']:>8.2%}" if h["gap"] is not None else f" {'-':>8}")
        + f" {h['wall_s']:>7.2f}s"
    )
    print(
        f"{'greedy':<8} {'HEURISTIC':<10} {g['objective']:>12.0f} {'-':>12} {'-':>8} "
        f"{g['wall_s']:>7.2f}s"
    )
    print(
        f"weighted coverage: CP-SAT {cov_cp:.1%}, greedy {cov_greedy:.1%}"
        + (
            f" (CP-SAT {out['coverage_gain']:+.1%} relative)"
            if out["coverage_gain"] is not None
            else ""
        )
        + f"; checker violations: CP-SAT {c['check_violations']}, "
        f"greedy {g['check_violations']}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
