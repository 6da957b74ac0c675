"""``scheduler bench`` sizes of the two-level units (1 July 2025).

- **two-level**: a generated two-level province (default Nghệ An, 130
  communes and wards; Thanh Hóa 166 and Hồ Chí Minh City 168 are the largest),
  at the scenario's budget and at a binding scale. Each instance runs in a
  fresh process, so its peak memory is its own: the planner's solve (CP-SAT,
  HiGHS joining it when the budget binds: :mod:`scheduler.solver.portfolio`), HiGHS
  alone on the same model within the same limit, and the greedy baseline.
- **two-level-country**: every province of ``wards_2025_two_level.csv`` (34),
  each planned whole on its own budget, one Dask task per province: the
  scenario generated, the greedy plan made, CP-SAT (one thread, warm-started
  from the greedy plan) and HiGHS alone on the same model, inside the worker.

The generated provinces have commune officials (:mod:`scheduler.bench.two_level`).
Every figure is measured, none estimated; the machine's load is not controlled.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any


def peak_mib() -> float:
    """Return the peak resident memory of this process and of its ended children.

    The larger of the two, in MiB: HiGHS runs in a child process
    (:func:`scheduler.solver.highs.solve_with_highs`).
    """
    if sys.platform == "win32":  # no resource module: the peak working set
        import psutil

        return float(psutil.Process().memory_info().peak_wset) / 2**20
    import resource

    peaks = [
        resource.getrusage(who).ru_maxrss
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    ]
    # KiB on Linux, bytes on macOS
    return max(peaks) / 2**20 if sys.platform == "darwin" else max(peaks) / 1024


def gap_of(objective: float | None, bound: float | None) -> float | None:
    """Return ``|objective − bound| / |objective|`` (None without both)."""
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9) if objective else 0.0


@dataclass(frozen=True)
class TwoLevelTask:
    """One generated two-level province to plan and measure, in a worker.

    ``communes`` plans only that many of the province's units (all when
    None); ``threads`` is CP-SAT's ``num_workers``; ``engine`` is the
    planner's (``"portfolio"``) or CP-SAT alone; ``gap_limit`` stops CP-SAT
    once the plan is proven within that share; ``highs`` also solves the
    same model with HiGHS alone (1 thread) within ``time_limit``.
    """

    province: str
    seed: int
    time_limit: float
    communes: int | None = None
    budget_scale: float = 1.0
    threads: int = 2
    engine: str = "portfolio"
    gap_limit: float = 0.0
    highs: bool = True
    warm_start: bool = False


def two_level_task(task: TwoLevelTask) -> dict[str, Any]:
    """Generate, plan and measure one province (CP-SAT, HiGHS, greedy).

    Returns
    -------
    dict
        Flat metrics, JSON-ready; ``error`` instead of the solve's figures
        when the planner found no plan.
    """
    from scheduler.bench.two_level import TwoLevelRecipe
    from scheduler.calendar import build_grid
    from scheduler.solver.greedy import greedy_plan, plan_objective, weighted_coverage
    from scheduler.solver.solve import solve

    t0 = time.perf_counter()
    sc = TwoLevelRecipe(
        task.province,
        task.seed,
        communes=task.communes,
        budget_scale=task.budget_scale,
    ).build()
    grid = build_grid(sc)
    out: dict[str, Any] = {
        "code": task.province,
        "instance": f"{sc.area.name} ({task.province}), seed {task.seed}, "
        f"budget ×{task.budget_scale}",
        "communes": len(sc.communes),
        "staff": sum(1 for p in sc.staff if p.home_commune is None),
        "officials": sum(1 for p in sc.staff if p.home_commune is not None),
    }
    t1 = time.perf_counter()
    greedy = greedy_plan(sc, grid)
    gcov = weighted_coverage(sc, grid, greedy)
    out.update(
        {
            "greedy_s": round(time.perf_counter() - t1, 3),
            "greedy_objective": sum(plan_objective(sc, grid, greedy).values()),
            "greedy_covered": gcov.covered,
            "greedy_required": gcov.required,
            "greedy_coverage": gcov.fraction,
        }
    )
    if task.highs:
        out.update(_highs_alone(sc, grid, task))
    try:
        plan = solve(
            sc,
            grid,
            overrides={
                "num_workers": task.threads,
                "max_time_in_seconds": task.time_limit,
                "random_seed": task.seed,
                "relative_gap_limit": task.gap_limit,
            },
            warm_start=greedy if task.warm_start else None,
            engine=task.engine,
        )
    except Exception as exc:  # counted as a province without a plan
        out.update(
            {
                "error": str(exc)[:200],
                "wall_s": round(time.perf_counter() - t0, 2),
                "peak_mib": round(peak_mib(), 1),
            }
        )
        return out
    cov = weighted_coverage(sc, grid, plan)
    out.update(
        {
            "status": plan.solver.status,
            "solver": plan.solver.solver,
            "objective": plan.solver.objective,
            "bound": plan.solver.bound,
            "gap": plan.solver.gap,
            "booleans": plan.solver.num_booleans,
            "constraints": plan.solver.num_constraints,
            "build_s": plan.solver.build_time_s,
            "solve_s": plan.solver.wall_time_s,
            "covered": cov.covered,
            "required": cov.required,
            "coverage": cov.fraction,
            "wall_s": round(time.perf_counter() - t0, 2),
            "peak_mib": round(peak_mib(), 1),
        }
    )
    return out


def _highs_alone(sc: Any, grid: Any, task: TwoLevelTask) -> dict[str, Any]:
    """Solve the scenario's model with HiGHS alone (1 thread) within the limit."""
    from scheduler.model.builder import build_model
    from scheduler.solver.highs import solve_with_highs

    built = build_model(sc, grid)
    try:
        mip = solve_with_highs(
            built.model.proto,
            task.time_limit,
            threads=1,
            seed=task.seed,
            # HiGHS checks its limit between steps only: kill it past twice that
            hard_limit_s=2 * task.time_limit + 30,
        )
    except TimeoutError as exc:  # killed: no plan and no bound from HiGHS
        return {"highs_status": f"KILLED ({exc})", "highs_objective": None}
    return {
        "highs_status": mip.status,
        "highs_s": round(mip.wall_time_s, 3),
        "highs_objective": mip.objective,
        "highs_bound": mip.bound,
        "highs_gap": mip.gap,
        "variables": mip.num_vars,
    }


def _alone(task: TwoLevelTask) -> dict[str, Any]:
    """Run one task in a fresh process, so that its peak memory is its own."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(two_level_task, task).result()


def bench_two_level(
    provinces: Sequence[str],
    seed: int = 1,
    time_limit: float = 60.0,
    scales: Sequence[float] = (1.0, 0.8),
    communes: int | None = None,
    run: Callable[[TwoLevelTask], dict[str, Any]] = _alone,
    highs: bool = True,
) -> dict[str, dict[str, Any]]:
    """Measure generated two-level provinces, each at every budget scale.

    Parameters
    ----------
    provinces : sequence of str
        GSO province codes of 2025, e.g. ``["40", "38", "79"]``.
    seed : int
        The generator's and the solvers' seed.
    time_limit : float
        The planner's time limit (2 CP-SAT threads), and HiGHS's.
    scales : sequence of float
        Budget scales (1.0: the scenario's budget; below 1 it binds).
    communes : int, optional
        Plan only this many units of each province (tests).
    run : callable
        Runs a task; by default in a fresh process.
    highs : bool
        Also solve each instance with HiGHS alone.

    Returns
    -------
    dict
        ``"two-level <code> ×<scale>"`` → flat metrics.
    """
    out: dict[str, dict[str, Any]] = {}
    for code in provinces:
        for scale in scales:
            task = TwoLevelTask(code, seed, time_limit, communes, scale, highs=highs)
            out[f"two-level {code} ×{scale:g}"] = run(task)
    return out


def bench_two_level_country(
    runners: dict[int, Callable[[], Any]],
    provinces: Sequence[str],
    seed: int = 1,
    time_limit: float = 15.0,
    gap_limit: float = 0.01,
    communes: int | None = None,
    highs: bool = True,
) -> dict[str, Any]:
    """Plan every listed province on Dask with each runner, one task a province.

    Each province is planned whole on its own budget by CP-SAT (1 thread,
    warm-started from the greedy plan, stopped once within ``gap_limit``),
    and with ``highs`` solved by HiGHS alone (1 thread) within the same limit.
    The largest provinces go first, so that a worker is not left with one
    at the end.
    """
    from scheduler.units import wards_of_province_2025

    size = {p: len(wards_of_province_2025(p)) for p in provinces}
    order = sorted(provinces, key=lambda p: (-size[p], p))
    base = TwoLevelTask(
        "",
        seed,
        time_limit,
        communes,
        threads=1,
        engine="cp-sat",  # one solve per worker: no core for HiGHS beside it
        gap_limit=gap_limit,
        highs=highs,
        warm_start=True,
    )
    tasks = [replace(base, province=p) for p in order]
    walls: dict[int, float] = {}
    rows: list[dict[str, Any]] = []
    peak = 0.0
    for workers, factory in sorted(runners.items()):
        t0 = time.perf_counter()
        with factory() as runner:
            rows = runner.map(two_level_task, tasks, f"two-level country ({workers})")
            client = getattr(runner, "client", None)
            peaks = client.run(peak_mib).values() if client is not None else []
            peak = max([peak, peak_mib(), *peaks])
        walls[workers] = time.perf_counter() - t0
    return _country_summary(rows, walls, peak, seed, gap_limit)


def _country_summary(
    rows: list[dict[str, Any]],
    walls: dict[int, float],
    peak: float,
    seed: int,
    gap_limit: float,
) -> dict[str, Any]:
    """Return the country's figures: sums over provinces, walls by workers."""
    ok = [r for r in rows if "error" not in r]
    objective = sum(r["objective"] for r in ok)
    bound = sum(r["bound"] for r in ok)
    highs = [r for r in rows if r.get("highs_objective") is not None]
    most = max(walls)
    within = sum((gap_of(r["objective"], r["bound"]) or 0.0) <= gap_limit for r in ok)
    return {
        "instance": f"two-level country: {len(rows)} provinces, seed {seed}",
        "communes": sum(r["communes"] for r in rows),
        "booleans": sum(r["booleans"] for r in ok),
        "constraints": sum(r["constraints"] for r in ok),
        "build_s": round(sum(r["build_s"] for r in ok), 2),
        "solve_s": round(sum(r["solve_s"] for r in ok), 2),
        "best_s": round(walls[most], 2),
        "status": f"{sum(r['status'] == 'OPTIMAL' for r in ok)} proven optimal, "
        f"{within} within {gap_limit:.0%}, {len(ok)} with a plan, "
        f"{len(rows) - len(ok)} without",
        "objective": objective,
        "bound": bound,
        "gap": gap_of(objective, bound),
        "coverage": sum(r["covered"] for r in ok)
        / max(sum(r["required"] for r in ok), 1),
        "greedy_objective": sum(r["greedy_objective"] for r in rows),
        "greedy_coverage": sum(r["greedy_covered"] for r in rows)
        / max(sum(r["greedy_required"] for r in rows), 1),
        "highs_status": f"{len(highs)} of {len(rows)} with a plan"
        if any("highs_status" in r for r in rows)
        else None,
        "highs_objective": sum(r["highs_objective"] for r in highs) if highs else None,
        "highs_bound": sum(r["highs_bound"] or 0.0 for r in highs) if highs else None,
        "highs_gap": gap_of(
            sum(r["highs_objective"] for r in highs),
            sum(r["highs_bound"] or 0.0 for r in highs),
        )
        if highs and len(highs) == len(rows)
        else None,
        "wall_s_by_workers": {str(k): round(v, 2) for k, v in walls.items()},
        "speedup_2_over_1": round(walls[1] / walls[2], 2)
        if 1 in walls and 2 in walls
        else None,
        "peak_mib": round(peak, 1),
        "without_plan": [r["code"] for r in rows if "error" in r],
        "provinces": rows,
    }
