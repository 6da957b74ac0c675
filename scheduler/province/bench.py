"""``scheduler bench``: seeded instances at three sizes, measured the same way.

- **district**: one generated 2023 district (default Hưng Nguyên, 18 communes),
  solved by CP-SAT (2 threads, then 1 for the speed-up), by HiGHS on the same
  model, and planned by the greedy baseline, at budget scale 1.0 and at a
  binding scale.
- **province**: every district of a 2023 province (default Bình Định, 11
  districts) sharing one provincial programme budget (the sum of the districts'
  own lines × the scale), planned by the decomposition on Dask with 1 and with 2
  workers, and solved whole by HiGHS within the same wall limit; the greedy
  baseline plans each district with its own line.
- **country**: every 2023 district (or those of some provinces), each planned
  on its own budget, one Dask task per district (scenario generated, model
  built, solved and compared with the greedy plan inside the worker).

Every figure is measured, none is estimated; the machine's load is not
controlled, so repeat runs to compare.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scheduler.province.runner import Runner

if TYPE_CHECKING:
    from scheduler.province.schema import ProvinceScenario


def _peak_mib() -> float:
    """Return this process's peak resident memory in MiB."""
    if sys.platform == "win32":  # no resource module: the peak working set
        import psutil

        return float(psutil.Process().memory_info().peak_wset) / 2**20
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # KiB on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9) if objective else 0.0


def bench_district(
    code: str = "431",
    seed: int = 1,
    time_limit: float = 30.0,
    binding_scale: float = 0.8,
    repeats: int = 3,
) -> dict[str, Any]:
    """Measure one district: CP-SAT (2 and 1 threads), HiGHS, greedy.

    CP-SAT and HiGHS each solve the same model ``repeats`` times, with seeds
    ``seed``, ``seed + 1``, …; times are the medians (on a shared 2-core machine
    one run says little), and every run is listed.

    Returns
    -------
    dict
        Flat metrics, JSON-ready.
    """
    from scheduler.bench.generate import district_scenario
    from scheduler.bench.sizes import model_size
    from scheduler.calendar import build_grid
    from scheduler.model.builder import build_model
    from scheduler.solver.greedy import greedy_plan, plan_objective, weighted_coverage
    from scheduler.solver.highs import solve_with_highs
    from scheduler.solver.solve import solve

    sc = district_scenario(code, seed)
    grid = build_grid(sc)
    t0 = time.perf_counter()
    built = build_model(sc, grid)
    build_s = time.perf_counter() - t0
    size = model_size(built.model.proto)

    seen: list[tuple[float, float]] = []

    def progress(seconds: float, objective: float, bound: float) -> None:
        seen.append((seconds, objective))

    seeds = [seed + k for k in range(max(repeats, 1))]
    runs, ones, highs_runs = [], [], []
    first_feasible, best = [], []
    for s in seeds:
        params = {"num_workers": 2, "max_time_in_seconds": time_limit, "random_seed": s}
        seen.clear()
        # CP-SAT alone here, to compare it with HiGHS alone
        runs.append(
            solve(sc, grid, overrides=params, progress=progress, engine="cp-sat")
        )
        if seen:
            first_feasible.append(seen[0][0])
            best.append(seen[-1][0])
        ones.append(
            solve(sc, grid, overrides={**params, "num_workers": 1}, engine="cp-sat")
        )
        highs_runs.append(
            solve_with_highs(built.model.proto, time_limit, threads=1, seed=s)
        )
    plan = runs[0]
    # every solve builds its model again: the median of all builds, like the
    # solve times (one build on a shared machine says little)
    build_s = statistics.median(
        [build_s, *(p.solver.build_time_s for p in (*runs, *ones))]
    )
    two_s = statistics.median(p.solver.wall_time_s for p in runs)
    one_s = statistics.median(p.solver.wall_time_s for p in ones)
    highs_s = statistics.median(h.wall_time_s for h in highs_runs)
    highs = highs_runs[0]
    greedy = greedy_plan(sc, grid)
    out: dict[str, Any] = {
        "instance": f"district {code} ({sc.area.name}), seed {seed}",
        "communes": len(sc.communes),
        "variables": size.variables,
        "booleans": size.booleans,
        "constraints": size.constraints,
        "build_s": round(build_s, 3),
        "first_feasible_s": round(statistics.median(first_feasible), 3)
        if first_feasible
        else None,
        "best_s": round(statistics.median(best), 3) if best else None,
        "solve_s": two_s,
        "solve_s_runs": [p.solver.wall_time_s for p in runs],
        "status": ", ".join(sorted({p.solver.status for p in runs})),
        "objective": plan.solver.objective,
        "bound": plan.solver.bound,
        "gap": max(p.solver.gap for p in runs),
        "build_over_solve": round(build_s / max(two_s, 1e-9), 3),
        "coverage": weighted_coverage(sc, grid, plan).fraction,
        "greedy_objective": sum(plan_objective(sc, grid, greedy).values()),
        "greedy_coverage": weighted_coverage(sc, grid, greedy).fraction,
        "highs_status": ", ".join(sorted({h.status for h in highs_runs})),
        "highs_s": highs_s,
        "highs_s_runs": [h.wall_time_s for h in highs_runs],
        "highs_objective": highs.objective,
        "highs_bound": highs.bound,
        "highs_gap": highs.gap,
        "cpsat_over_highs": round(two_s / max(highs_s, 1e-9), 2),
        "solve_s_1_thread": one_s,
        "solve_s_1_thread_runs": [p.solver.wall_time_s for p in ones],
        "speedup_2_over_1": round(one_s / max(two_s, 1e-9), 2),
        "repeats": len(seeds),
    }
    params = {"num_workers": 2, "max_time_in_seconds": time_limit, "random_seed": seed}
    # the same district with its budget cut: where the greedy planner runs out
    tight = district_scenario(code, seed, budget_scale=binding_scale)
    tight_grid = build_grid(tight)
    # as a planner runs it (HiGHS beside CP-SAT: scheduler.solver.portfolio), and
    # CP-SAT alone, whose bound is weak when the money binds
    tight_plan = solve(tight, tight_grid, overrides=params)
    tight_alone = solve(tight, tight_grid, overrides=params, engine="cp-sat")
    tight_greedy = greedy_plan(tight, tight_grid)
    out.update(
        {
            "binding_scale": binding_scale,
            "binding_status": tight_plan.solver.status,
            "binding_objective": tight_plan.solver.objective,
            "binding_bound": tight_plan.solver.bound,
            "binding_gap": tight_plan.solver.gap,
            "binding_solve_s": tight_plan.solver.wall_time_s,
            "binding_solver": tight_plan.solver.solver,
            "binding_cpsat_status": tight_alone.solver.status,
            "binding_cpsat_objective": tight_alone.solver.objective,
            "binding_cpsat_bound": tight_alone.solver.bound,
            "binding_cpsat_gap": tight_alone.solver.gap,
            "binding_cpsat_solve_s": tight_alone.solver.wall_time_s,
            "binding_coverage": weighted_coverage(
                tight, tight_grid, tight_plan
            ).fraction,
            "binding_greedy_objective": sum(
                plan_objective(tight, tight_grid, tight_greedy).values()
            ),
            "binding_greedy_coverage": weighted_coverage(
                tight, tight_grid, tight_greedy
            ).fraction,
        }
    )
    out["peak_mib"] = round(_peak_mib(), 1)
    return out


def generated_province(
    province_code: str,
    seed: int,
    budget_scale: float,
    curve_time_limit: float,
    district_time_limit: float,
    price_rounds: int = 4,
    time_limit_s: float | None = None,
) -> Any:
    """Return a :class:`ProvinceScenario` of generated districts sharing "ctmtqg".

    The provincial allowance per quarter is the sum of the districts' own
    "ctmtqg" lines, times ``budget_scale``.
    """
    from scheduler.bench.generate import district_scenario, districts_of_province
    from scheduler.province.schema import (
        DecompositionSettings,
        District,
        ProvinceScenario,
        SharedBudget,
    )
    from scheduler.scenario.schema import Area

    districts = []
    pooled: dict[str, int] = {}
    for code in districts_of_province(province_code):
        sc = district_scenario(code, seed)
        districts.append(District(id=code, name=sc.area.name, scenario=sc))
        for q, v in sc.funding_source("ctmtqg").allowance_vnd.items():
            pooled[q] = pooled.get(q, 0) + v
    first = districts[0].scenario
    return ProvinceScenario(
        name=f"province-{province_code}",
        title=first.area.parent_name or province_code,
        area=Area(code=province_code, name=first.area.parent_name or province_code),
        districts=tuple(districts),
        budget=SharedBudget(
            id="ctmtqg",
            name_vi="Kinh phí Chương trình MTQG (tỉnh)",
            name_en="National Target Programme (province)",
            allowance_vnd={q: int(v * budget_scale) for q, v in pooled.items()},
        ),
        decomposition=DecompositionSettings(
            price_rounds=price_rounds,
            time_limit_s=time_limit_s,
            curve_time_limit_s=curve_time_limit,
            district_time_limit_s=district_time_limit,
            random_seed=seed,
        ),
        input_hash=f"generated:{province_code}:{seed}:{budget_scale}",
    )


def _worker_peak_mib(runner: Runner) -> float:
    client = getattr(runner, "client", None)
    if client is None:
        return _peak_mib()
    peaks: dict[str, float] = client.run(_peak_mib)
    return max([_peak_mib(), *peaks.values()])


CLOSE_ALLOWANCE_S = 1.0  # closing a local Dask cluster, kept out of the limit


def bench_province(
    runners: dict[int, Callable[[], Any]],
    province_code: str = "52",
    seed: int = 1,
    time_limit: float = 1.5,
    budget_scale: float = 0.8,
    price_rounds: int = 10,
    wall_limit: float | None = 60.0,
    mip_compare: bool = True,
) -> dict[str, Any]:
    """Plan a generated province by decomposition with each runner; compare greedy.

    With ``mip_compare``, HiGHS then solves the whole province as one model
    within the same wall limit (:func:`whole_province_mip`).

    Parameters
    ----------
    runners : dict of workers to a context-manager factory
        E.g. ``{1: lambda: dask_runner(1), 2: lambda: dask_runner(2)}``.
    time_limit : float
        CP-SAT limit of every priced and final district solve.
    budget_scale : float
        Multiplies the pooled provincial allowance (below 1 the budget binds).
    price_rounds : int
        Most rounds of priced solves (docs/architecture.md).
    wall_limit : float, optional
        The decomposition's time limit for the run with the most workers;
        the runs with fewer workers then do the same number of price rounds
        without a limit, so the speed-up compares the same work.
    """
    from scheduler.bench.generate import district_scenario
    from scheduler.calendar import build_grid
    from scheduler.province.decompose import plan_province
    from scheduler.solver.greedy import greedy_plan, plan_objective, weighted_coverage

    province = generated_province(
        province_code, seed, budget_scale, time_limit, time_limit, price_rounds
    )
    walls: dict[int, float] = {}
    result = None
    peak = 0.0
    for workers, factory in sorted(runners.items(), reverse=True):
        t0 = time.perf_counter()
        with factory() as runner:
            if result is None and wall_limit is not None:
                # the limit is for the whole run: starting the cluster counts,
                # and so does closing it (about a second)
                left = wall_limit - (time.perf_counter() - t0) - CLOSE_ALLOWANCE_S
                settings = province.decomposition.model_copy(
                    update={"time_limit_s": max(left, 1.0)}
                )
                province = province.model_copy(update={"decomposition": settings})
            found = plan_province(province, runner)
            peak = max(peak, _worker_peak_mib(runner))
        walls[workers] = time.perf_counter() - t0
        if result is None:
            result = found
            # the same rounds, without the clock, for fewer workers
            settings = province.decomposition.model_copy(
                update={
                    "price_rounds": found.price_rounds,
                    "time_limit_s": None,
                    # and the whole province's HiGHS solve at the same limit
                    "merged_time_limit_s": found.whole_limit_s
                    or province.decomposition.merged_time_limit_s,
                }
            )
            province = province.model_copy(update={"decomposition": settings})
    assert result is not None
    covered = required = 0
    g_covered = g_required = 0
    g_objective = 0
    for r in result.districts:
        grid = build_grid(r.scenario)
        cov = weighted_coverage(r.scenario, grid, r.plan)
        covered, required = covered + cov.covered, required + cov.required
        # by hand: each district keeps its own programme line, scaled alike
        own = district_scenario(r.district, seed, budget_scale=budget_scale)
        own_grid = build_grid(own)
        g = greedy_plan(own, own_grid)
        g_objective += sum(plan_objective(own, own_grid, g).values())
        gc = weighted_coverage(own, own_grid, g)
        g_covered, g_required = g_covered + gc.covered, g_required + gc.required
    # build and solve over every CP-SAT solve of the run (price rounds, the
    # whole province, finals, repairs): a kept plan may come from a price
    # round whose model was built a round earlier, so the kept plans alone
    # would leave most builds out
    build, solve_s = result.build_s, result.solve_s
    most = max(walls)
    mip = whole_province_mip(province, seed, wall_limit or 60.0) if mip_compare else {}
    return {
        "instance": f"province {province_code} ({province.title}), "
        f"{len(province.districts)} districts, seed {seed}, budget ×{budget_scale}",
        "communes": sum(len(d.scenario.communes) for d in province.districts),
        "variables": None,
        "booleans": sum(r.plan.solver.num_booleans for r in result.districts),
        "constraints": sum(r.plan.solver.num_constraints for r in result.districts),
        "build_s": round(build, 3),
        "first_feasible_s": round(result.phases["prices"], 3),
        "best_s": round(walls[most], 3),
        "solve_s": round(solve_s, 3),
        "status": f"{result.price_rounds} price rounds, {result.solves} solves, "
        f"{result.repair_rounds} repair rounds",
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "build_over_solve": round(build / max(solve_s, 1e-9), 3),
        "coverage": covered / required if required else 1.0,
        "greedy_objective": g_objective,
        "greedy_coverage": g_covered / g_required if g_required else 1.0,
        "wall_s_by_workers": {str(k): round(v, 2) for k, v in walls.items()},
        "speedup_2_over_1": round(walls[1] / walls[2], 2)
        if 1 in walls and 2 in walls
        else None,
        "peak_mib": round(peak, 1),
        **mip,
    }


def whole_province_mip(
    province: ProvinceScenario, seed: int, time_limit: float
) -> dict[str, Any]:
    """Solve the whole province as one model with HiGHS (1 thread), as an expert would.

    The model is the merged relaxation when it is valid (it is for the generated
    provinces, which share a budget and no trainers: it is then the province
    itself, and its plans split into district plans), else the monolithic merge.
    """
    from scheduler.calendar import build_grid
    from scheduler.model.builder import build_model
    from scheduler.province.compose import (
        whole_relaxation,
        whole_scenario,
    )
    from scheduler.solver.highs import solve_with_highs

    relaxed = whole_relaxation(province)
    whole = relaxed if relaxed is not None else whole_scenario(province)
    built = build_model(whole, build_grid(whole))
    mip = solve_with_highs(built.model.proto, time_limit, threads=1, seed=seed)
    return {
        "highs_model": "whole province, "
        + ("merged relaxation" if relaxed is not None else "monolithic")
        + f", {mip.num_vars:,} variables, 1 thread",
        "highs_status": mip.status,
        "highs_s": round(mip.wall_time_s, 3),
        "highs_objective": mip.objective,
        "highs_bound": mip.bound,
        "highs_gap": mip.gap,
    }


@dataclass(frozen=True)
class CountryTask:
    """One district of the country run: generated, built and solved in the worker.

    ``gap_limit`` stops a district's solve once its objective is proven within
    that share of the optimum; ``threads`` is CP-SAT's ``num_workers``.
    """

    code: str
    seed: int
    time_limit: float
    gap_limit: float = 0.0
    threads: int = 1


def country_task(task: CountryTask) -> dict[str, Any]:
    """Generate, build, solve and greedy-plan one district (inside a worker)."""
    from scheduler.bench.generate import district_scenario
    from scheduler.calendar import build_grid
    from scheduler.solver.greedy import greedy_plan, plan_objective, weighted_coverage
    from scheduler.solver.solve import solve

    t0 = time.perf_counter()
    sc = district_scenario(task.code, task.seed)
    grid = build_grid(sc)
    out: dict[str, Any] = {"code": task.code, "communes": len(sc.communes)}
    # the planner's greedy plan: the baseline, and CP-SAT's fallback when it
    # finds no plan of its own within the limit
    greedy = greedy_plan(sc, grid)
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
            warm_start=greedy,
            engine="cp-sat",  # one solve per worker: no core for HiGHS
        )
    except Exception as exc:  # counted as a district without a plan
        out.update({"error": str(exc)[:200], "wall_s": time.perf_counter() - t0})
        return out
    cov = weighted_coverage(sc, grid, plan)
    gcov = weighted_coverage(sc, grid, greedy)
    out.update(
        {
            "status": plan.solver.status,
            "warm_start": plan.solver.stages[-1]["status"] == "FEASIBLE (warm start)",
            "objective": plan.solver.objective,
            "bound": plan.solver.bound,
            "booleans": plan.solver.num_booleans,
            "constraints": plan.solver.num_constraints,
            "build_s": plan.solver.build_time_s,
            "solve_s": plan.solver.wall_time_s,
            "covered": cov.covered,
            "required": cov.required,
            "greedy_objective": sum(plan_objective(sc, grid, greedy).values()),
            "greedy_covered": gcov.covered,
            "greedy_required": gcov.required,
            "wall_s": time.perf_counter() - t0,
            "peak_mib": _peak_mib(),
        }
    )
    return out


def bench_country(
    runners: dict[int, Callable[[], Any]],
    codes: list[str],
    seed: int = 1,
    time_limit: float = 5.0,
    label: str = "country 2023",
    gap_limit: float = 0.0,
    threads: int = 1,
) -> dict[str, Any]:
    """Plan every listed district independently on Dask with each runner."""
    walls: dict[int, float] = {}
    rows: list[dict[str, Any]] = []
    peak = 0.0
    for workers, factory in sorted(runners.items()):
        t0 = time.perf_counter()
        with factory() as runner:
            rows = runner.map(
                country_task,
                [CountryTask(c, seed, time_limit, gap_limit, threads) for c in codes],
                f"country ({workers} worker)",
            )
            peak = max(peak, _worker_peak_mib(runner))
        walls[workers] = time.perf_counter() - t0
    ok = [r for r in rows if "error" not in r]
    objective = sum(r["objective"] for r in ok)
    bound = sum(r["bound"] for r in ok)
    build = sum(r["build_s"] for r in ok)
    solve_s = sum(r["solve_s"] for r in ok)
    most = max(walls)
    return {
        "instance": f"{label}: {len(codes)} districts, seed {seed}",
        "communes": sum(r["communes"] for r in rows),
        "variables": None,
        "booleans": sum(r["booleans"] for r in ok),
        "constraints": sum(r["constraints"] for r in ok),
        "build_s": round(build, 2),
        "first_feasible_s": round(walls[most], 2) if len(ok) == len(rows) else None,
        "best_s": round(walls[most], 2),
        "solve_s": round(solve_s, 2),
        "status": f"{sum(r['status'] == 'OPTIMAL' for r in ok)} proven optimal, "
        f"{sum((_gap(r['objective'], r['bound']) or 0.0) <= gap_limit for r in ok)} "
        f"within "
        f"{gap_limit:.0%}, {len(ok)} with a plan "
        f"({sum(r['warm_start'] for r in ok)} of them the greedy fallback), "
        f"{len(rows) - len(ok)} without",
        "objective": objective,
        "bound": bound,
        "gap": _gap(objective, bound),
        "build_over_solve": round(build / max(solve_s, 1e-9), 3),
        "coverage": sum(r["covered"] for r in ok)
        / max(sum(r["required"] for r in ok), 1),
        "greedy_objective": sum(r["greedy_objective"] for r in ok),
        "greedy_coverage": sum(r["greedy_covered"] for r in ok)
        / max(sum(r["greedy_required"] for r in ok), 1),
        "wall_s_by_workers": {str(k): round(v, 2) for k, v in walls.items()},
        "speedup_2_over_1": round(walls[1] / walls[2], 2)
        if 1 in walls and 2 in walls
        else None,
        "peak_mib": round(peak, 1),
        "without_plan": [r["code"] for r in rows if "error" in r],
    }
