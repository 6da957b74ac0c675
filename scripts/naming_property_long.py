"""The naming property, longer: more and larger random scenarios, and Hưng Nguyên variants.

Every scenario must either plan with the checker clean or be explained as
infeasible; never "staff could not be named" (tests/test_naming_property.py
runs the small version in the suite).

Usage (from the repository root):

    python scripts/naming_property_long.py [--examples 300] [--communes 6]
        [--people 7] [--weeks 4] [--seed 0] [--workers 1] [--seconds 30]
        [--hung-nguyen]

``--hung-nguyen`` also plans the bundled Hưng Nguyên scenario once with each
staff row of its blocked periods deleted (a person becomes more available).
Prints one line per example and a tally; exits 1 on the first failure, with
the failing case.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402

from scheduler.check import check_plan  # noqa: E402
from scheduler.scenario.load import load_scenario  # noqa: E402
from scheduler.solver.solve import solve  # noqa: E402
from tests.naming_property import Case, cases, holds  # noqa: E402


def random_scenarios(args: argparse.Namespace) -> Counter[str]:
    """Run the property over random scenarios; return the tally of outcomes."""
    tally: Counter[str] = Counter()

    @hypothesis_seed(args.seed)
    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(cases(args.communes, args.people, args.weeks))
    def check(case: Case) -> None:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            try:
                outcome = holds(case, Path(folder), args.seconds, args.workers)
            except Exception as exc:
                took = time.perf_counter() - started
                print(f"     FAILED {took:6.2f} s: {exc!r}\n     {case}", flush=True)
                raise
        tally[outcome] += 1
        n = sum(tally.values())
        print(
            f"{n:4d} {outcome:10s} {time.perf_counter() - started:6.2f} s", flush=True
        )

    check()
    return tally


def hung_nguyen_variants(args: argparse.Namespace) -> Counter[str]:
    """Plan Hưng Nguyên with each staff blocked period deleted in turn."""
    tally: Counter[str] = Counter()
    toml = ROOT / "configs" / "scenarios" / "hung-nguyen-2023.toml"
    data = ROOT / "data" / "hung-nguyen-2023"
    with open(data / "blocked_periods.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for k, row in enumerate(rows):
        if row["kind"] != "staff":
            continue
        with tempfile.TemporaryDirectory() as folder:
            base = Path(folder)
            (base / "configs" / "scenarios").mkdir(parents=True)
            shutil.copy(toml, base / "configs" / "scenarios" / toml.name)
            shutil.copytree(data, base / "data" / data.name)
            with open(
                base / "data" / data.name / "blocked_periods.csv",
                "w",
                encoding="utf-8",
                newline="",
            ) as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(r for j, r in enumerate(rows) if j != k)
            sc = load_scenario(base / "configs" / "scenarios" / toml.name)
            started = time.perf_counter()
            plan = solve(
                sc,
                overrides={
                    "num_workers": args.workers,
                    "random_seed": args.seed,
                    "max_time_in_seconds": args.seconds,
                },
            )
            problems = check_plan(sc, plan)
            took = time.perf_counter() - started
            print(
                f"without {row['ref']} {row['start_date']}–{row['end_date']}: "
                f"{plan.solver.status}, {len(problems)} problems, {took:.1f} s",
                flush=True,
            )
            if problems:
                raise AssertionError(problems)
            tally["planned"] += 1
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--communes", type=int, default=6)
    parser.add_argument("--people", type=int, default=7)
    # the scenarios start on 4 September 2023 and have money for Q3 only
    parser.add_argument("--weeks", type=int, default=4, choices=range(1, 5))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--hung-nguyen", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    tally = random_scenarios(args)
    print(f"random scenarios: {dict(tally)}", flush=True)
    if args.hung_nguyen:
        print(f"Hưng Nguyên variants: {dict(hung_nguyen_variants(args))}")
    print(f"all held ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
