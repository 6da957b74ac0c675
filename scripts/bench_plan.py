"""Measure solve time, gap and the whole ``plan`` command on the bundled scenarios.

Usage: python scripts/bench_plan.py [--runs 5]
Prints one line per run and the medians; writes nothing else.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

from scheduler.scenario.load import load_scenario
from scheduler.solver.solve import solve

SCENARIOS = (
    "configs/scenarios/hung-nguyen-2023.toml",
    "configs/scenarios/nha-nam-2023.toml",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for path in SCENARIOS:
        sc = load_scenario(path)
        solves, totals = [], []
        for run in range(args.runs):
            plan = solve(sc)
            s = plan.solver
            solves.append(s.wall_time_s)
            with tempfile.TemporaryDirectory() as out:
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "scheduler", "plan", path, "--out", out],
                    check=True,
                    capture_output=True,
                )
                totals.append(time.perf_counter() - started)
            print(
                f"{sc.name} run {run + 1}: status {s.status}, objective {s.objective:.0f}, "
                f"bound {s.bound:.0f}, gap {s.gap:.2%}, build {s.build_time_s:.2f} s, "
                f"solve {s.wall_time_s:.2f} s, whole plan command {totals[-1]:.2f} s"
            )
        print(
            f"{sc.name}: median solve {statistics.median(solves):.2f} s, "
            f"median plan command {statistics.median(totals):.2f} s "
            f"({s.num_booleans} booleans, {s.num_constraints} constraints, "
            f"parameters {s.parameters})"
        )


if __name__ == "__main__":
    main()
