"""CP-SAT alone against CP-SAT with HiGHS beside it, on districts whose budget binds.

Usage:
    python scripts/bench_portfolio.py                      # the default districts
    python scripts/bench_portfolio.py --districts 431,543 --budget-scale 0.8
    options: --seed 1 --time-limit 30 --json results.json

Each district is generated from the 2023 unit list (scheduler/bench/generate.py)
with its budget scaled, and solved twice with the default parameters (2
CP-SAT workers, presolve off) and the same time limit: ``engine="cp-sat"`` and
``engine="portfolio"`` (scheduler/solver/portfolio.py: HiGHS joins after 1 s unless
CP-SAT has proven its plan). Every plan is checked with ``check_plan``. The
table gives status, objective, bound, gap and solve time of each, and who
found the portfolio's plan.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from scheduler.bench.generate import district_scenario
from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.solver.solve import solve

# Hưng Nguyên (431) and districts of four other provinces, the first ones the
# portfolio was measured on
DEFAULT_DISTRICTS = "431,543,274,540,600,170"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--districts", default=DEFAULT_DISTRICTS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget-scale", type=float, default=0.8)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    print(
        f"{'district':>8} {'engine':>9} {'status':>8} {'objective':>12} "
        f"{'bound':>12} {'gap':>7} {'solve s':>8}  found by"
    )
    for code in args.districts.split(","):
        sc = district_scenario(code, args.seed, budget_scale=args.budget_scale)
        grid = build_grid(sc)
        for engine in ("cp-sat", "portfolio"):
            plan = solve(
                sc,
                grid,
                overrides={
                    "max_time_in_seconds": args.time_limit,
                    "random_seed": args.seed,
                },
                engine=engine,
            )
            r = plan.solver
            found_by = r.stages[0].get("found_by", "cp-sat") if r.stages else "cp-sat"
            row = {
                "district": code,
                "communes": len(sc.communes),
                "engine": engine,
                "status": r.status,
                "objective": r.objective,
                "bound": r.bound,
                "gap": r.gap,
                "solve_s": r.wall_time_s,
                "found_by": found_by,
                "highs": r.stages[0].get("highs") if r.stages else None,
                "problems": len(check_plan(sc, plan)),
            }
            rows.append(row)
            print(
                f"{code:>8} {engine:>9} {r.status:>8} {r.objective:>12,.0f} "
                f"{r.bound:>12,.0f} {r.gap:>7.2%} {r.wall_time_s:>8.2f}  {found_by}"
                + (
                    f"  ({row['problems']} checker problems)" if row["problems"] else ""
                ),
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
