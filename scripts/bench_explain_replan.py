"""Measure ``explain`` and ``replan`` on the Hưng Nguyên scenario.

Usage: python scripts/bench_explain_replan.py [--time-limit 60]

explain: the scenario with the National Target Programme's Q3 allowance cut
from 105,000,000 đ to 40,000,000 đ, which leaves the "half of the dialogues
by 30 September" target out of reach; times the pre-checks, the minimal core
(with its numbers) and the relaxation, then proves the relaxation by planning
the changed scenario and checking the plan.

replan: the scenario is planned, then re-planned from the first working day
of October with a storm closing the commune of the first dialogue after that
day for a week and a district leader ill for the same week; times the
re-plan, counts the changes and checks the new plan.

Prints the figures; writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.explain import apply_relaxation, explain
from scheduler.replan import Absence, ChangeSet, Closure, replan
from scheduler.scenario.load import load_scenario
from scheduler.solver.solve import solve

SCENARIO = "configs/scenarios/hung-nguyen-2023.toml"
TODAY = dt.date(2023, 10, 2)


def bench_explain(time_limit: float) -> None:
    """Explain the scenario with a quarter's budget cut."""
    sc = load_scenario(SCENARIO)
    funding = tuple(
        f.model_copy(
            update={"allowance_vnd": {**f.allowance_vnd, "2023-Q3": 40_000_000}}
        )
        if f.id == "ctmtqg"
        else f
        for f in sc.funding
    )
    sc = sc.model_copy(update={"funding": funding})
    started = time.perf_counter()
    result = explain(sc, build_grid(sc), time_limit)
    total = time.perf_counter() - started
    print(f"explain: {total:.1f} s in all, steps {result.seconds}")
    print(f"  minimal core: {result.minimal}; relaxation: {result.relaxation_status}")
    for f in result.prechecks:
        print(f"  pre-check: {f.text_vi}")
    for f in result.conflicts:
        print(f"  rule: {f.text_vi}")
    for r in result.relaxations:
        print(f"  change: {r.text_vi} ({r.cost:,} points)")
    if result.relaxations:
        relaxed = apply_relaxation(sc, result.relaxations)
        started = time.perf_counter()
        plan = solve(relaxed)
        problems = check_plan(relaxed, plan)
        print(
            f"  with the changes: {plan.solver.status} in "
            f"{time.perf_counter() - started:.1f} s; checker: {len(problems)} problems"
        )


def bench_replan() -> None:
    """Re-plan after a storm and an illness."""
    sc = load_scenario(SCENARIO)
    started = time.perf_counter()
    plan = solve(sc)
    print(f"plan: {time.perf_counter() - started:.1f} s, {plan.solver.status}")
    after = sorted(
        (e for e in plan.by_activity("dialogue") if e.start.date() >= TODAY),
        key=lambda e: e.start,
    )
    hit = after[0]
    week = hit.start.date() - dt.timedelta(days=hit.start.weekday())
    leader = next(a.staff_id for a in after[1].staff if a.role == "lanh_dao_huyen")
    changes = ChangeSet(
        commune_closed=(
            Closure(
                commune=hit.commune_code or "",
                start=week,
                end=week + dt.timedelta(days=6),
                reason="bão",
            ),
        ),
        staff_unavailable=(
            Absence(
                staff=leader,
                start=after[1].start.date() - dt.timedelta(days=2),
                end=after[1].start.date() + dt.timedelta(days=4),
                reason="ốm",
            ),
        ),
    )
    started = time.perf_counter()
    result = replan(sc, plan, TODAY, changes)
    total = time.perf_counter() - started
    new = result.plan
    problems = check_plan(result.scenario, new)
    pinned = sum(1 for e in new.events if e.status == "pinned")
    print(
        f"replan: {total:.1f} s in all (solver {new.solver.wall_time_s:.1f} s, "
        f"{new.solver.status}); {pinned} events pinned; {len(new.changes)} changes; "
        f"checker: {len(problems)} problems"
    )
    for c in new.changes:
        print(f"  {c.event_id}: {c.kind} {c.old_start} -> {c.new_start} ({c.reason})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    bench_explain(args.time_limit)
    bench_replan()


if __name__ == "__main__":
    main()
