"""Plan a province by decomposition: curves, a master allocation, district solves, repair.

1. **Curves.** Each district is solved with every quarter's whole provincial
   allowance (its demand per quarter) and with the whole allowance as one
   total for the horizon, the provincial trainers fully available. Then at
   ``level_fractions`` of its demand in each *family* of relaxations: one
   quarter cut to the level while the others keep the whole allowance (one
   family per quarter), or one total spent in any quarter. Balanced points
   (every quarter cut alike) are added for the allocation. All in parallel.
2. **Bound.** opt_d(T), the best objective of district ``d`` when its
   allowance in a family is ``T``, is non-increasing in ``T``. In any
   feasible province plan each district spends some amount in each quarter
   and in total; summed over districts these stay within the provincial
   allowances, and the district's part is feasible for each of its
   relaxations at those amounts. If the amount lies in ``[T_j, T_{j+1})`` the
   district costs at least opt(T_{j+1}) ≥ LB(T_{j+1}) (the solver's proven
   bound). So "each district picks one segment per family, consuming the
   segment's lower end, costing at least the worth of every picked segment"
   is a relaxation of the province problem, and the proven bound of that
   small knapsack is a **valid global lower bound** (:func:`_bound_master`).
   The segments it picks are then halved by new solves (``refine_rounds``
   times, in parallel), which tightens the bound where it matters.
3. **Allocation.** A second multiple-choice knapsack picks one solved curve
   point per district, minimising the sum of their objectives, such that their
   actual spending of the shared budget fits every quarter's allowance. The
   leftover of each quarter is shared out in proportion to the districts'
   numbers of communes.
4. **District solves** with their allocation per quarter, in parallel. A
   provincial trainer's week is limited to ``max_days_per_week`` free days in
   each district (the first days of the week), so no district alone can
   exceed the cap.
5. **Repair.** Districts are accepted in order; one whose trainer use clashes
   with accepted districts (same half-day, or the weekly cap across districts)
   is solved again with those half-days blocked and its weekly days cut to
   what is left; rounds repeat until every district is accepted.

The result keeps, for each district, the better of its final solve and its
chosen curve point when the latter passes :func:`scheduler.check.check_plan`
for the district's final scenario.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from scheduler.calendar import build_grid, quarter_key, week_key
from scheduler.check import check_plan
from scheduler.plan import Event, Plan
from scheduler.province.compose import TrainerBlock, district_scenario
from scheduler.province.runner import InProcessRunner, Runner
from scheduler.province.schema import ProvinceScenario
from scheduler.scenario.schema import Scenario

HALVES = ("morning", "afternoon")
TOTAL = "total"  # the family of curve points with one allowance for the horizon
BALANCED = "balanced"  # points for the allocation only: all quarters cut alike


@dataclass(frozen=True)
class SolveTask:
    """One district solve, as plain data that pickles to a Dask worker."""

    key: str
    district: str
    scenario: Scenario
    overrides: dict[str, Any]
    shared_source: str | None
    trainers: tuple[str, ...]


@dataclass(frozen=True)
class SolveOutcome:
    """What a worker sends back: the plan, or why there is none."""

    key: str
    district: str
    plan: Plan | None
    objective: float
    bound: float
    spend: dict[str, int]
    error: str = ""
    wall_s: float = 0.0


def solve_task(task: SolveTask) -> SolveOutcome:
    """Build and solve one district model (runs inside a worker).

    The CP-SAT model is built here from the scenario, never shipped.
    """
    from scheduler.solve import solve

    started = time.perf_counter()
    try:
        plan = solve(task.scenario, overrides=task.overrides)
    except Exception as exc:  # reported; the caller decides what to do
        return SolveOutcome(
            task.key,
            task.district,
            None,
            math.inf,
            -math.inf,
            {},
            f"{type(exc).__name__}: {exc}",
            time.perf_counter() - started,
        )
    return SolveOutcome(
        task.key,
        task.district,
        plan,
        plan.solver.objective,
        plan.solver.bound,
        shared_spend(plan, task.shared_source),
        "",
        time.perf_counter() - started,
    )


def shared_spend(plan: Plan, source: str | None) -> dict[str, int]:
    """Return the plan's spending of one funding source per quarter."""
    out: dict[str, int] = defaultdict(int)
    for e in plan.events:
        if source is not None and e.funding_source == source:
            out[quarter_key(e.start.date())] += e.cost_vnd
    return dict(out)


def event_halves(scenario: Scenario, e: Event) -> list[tuple[dt.date, str]]:
    """Return the (date, half) pairs an event occupies."""
    if e.all_day or e.kind == "training":
        return [(d, h) for d in e.days for h in HALVES]
    cal = scenario.calendar
    half = (
        "morning"
        if e.start.timetz().replace(tzinfo=None) < cal.morning.end
        else "afternoon"
    )
    return [(e.start.date(), half)]


def trainer_use(
    scenario: Scenario, plan: Plan, trainers: set[str]
) -> dict[str, set[tuple[dt.date, str]]]:
    """Return, per provincial trainer, the half-days the plan gives them."""
    out: dict[str, set[tuple[dt.date, str]]] = defaultdict(set)
    for e in plan.events:
        for a in e.staff:
            if a.staff_id in trainers:
                out[a.staff_id].update(event_halves(scenario, e))
    return dict(out)


@dataclass
class DistrictResult:
    """The plan of one district and the scenario it was checked against."""

    district: str
    scenario: Scenario
    plan: Plan
    allocation: dict[str, int]
    source: str  # "final", "curve" (a curve point reused) or "repair"
    curve: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ProvincePlan:
    """A decomposed province plan with its bound and what each phase took."""

    province: str
    districts: list[DistrictResult]
    objective: float
    bound: float
    gap: float
    phases: dict[str, float]
    solves: int
    repair_rounds: int
    workers: int

    def to_summary(self) -> dict[str, Any]:
        """Return a JSON-ready summary (no events)."""
        return {
            "province": self.province,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "phases_s": {k: round(v, 3) for k, v in self.phases.items()},
            "solves": self.solves,
            "repair_rounds": self.repair_rounds,
            "workers": self.workers,
            "districts": [
                {
                    "district": r.district,
                    "communes": len(r.scenario.communes),
                    "objective": r.plan.solver.objective,
                    "status": r.plan.solver.status,
                    "from": r.source,
                    "allocation_vnd": r.allocation,
                    "events": len(r.plan.events),
                    "unscheduled": sum(u.count for u in r.plan.unscheduled),
                    "curve": r.curve,
                }
                for r in self.districts
            ],
        }


def _overrides(
    province: ProvinceScenario, time_limit: float, deterministic: bool
) -> dict[str, Any]:
    s = province.decomposition
    out: dict[str, Any] = {
        "num_workers": s.threads_per_solve,
        "random_seed": s.random_seed,
        "max_time_in_seconds": time_limit,
    }
    if deterministic:
        # one CP-SAT worker and a deterministic time limit: same input, same plan
        out["num_workers"] = 1
        out["max_deterministic_time"] = time_limit
        out["max_time_in_seconds"] = time_limit * 20
    return out


def _master(
    choices: list[list[tuple[int, dict[str, int]]]],
    capacity: dict[str, int],
    time_limit: float,
    seed: int,
) -> tuple[list[int], float]:
    """Solve a multiple-choice knapsack: one option per group, minimise the cost.

    Each option is (integer cost, consumption per resource); consumption of
    every resource stays within its capacity. Returns the chosen index per
    group and the solver's proven lower bound on the minimum.
    """
    from ortools.sat.python import cp_model

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
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"master problem: {solver.status_name(status)}")
    chosen = [
        next(k for k, lit in enumerate(lits) if solver.value(lit)) for lits in picks
    ]
    return chosen, solver.best_objective_bound


def _week_blocks(
    workdays: tuple[dt.date, ...],
    trainers: dict[str, int],
    used: dict[str, set[tuple[dt.date, str]]],
) -> list[TrainerBlock]:
    """Return trainer blocks that keep a district within what accepted ones left.

    Half-days used by accepted districts are blocked; in each ISO week a
    trainer keeps only as many free working days as their weekly cap minus
    the days accepted districts already use (the earliest such days).
    """
    out: list[TrainerBlock] = []
    by_week: dict[str, list[dt.date]] = defaultdict(list)
    for d in workdays:
        by_week[week_key(d)].append(d)
    for tid, cap in trainers.items():
        taken = used.get(tid, set())
        out.extend((tid, d, h) for d, h in taken)
        taken_days = {d for d, _ in taken}
        for days in by_week.values():
            left = cap - sum(1 for d in days if d in taken_days)
            free = [
                d for d in days if d not in taken_days
            ]  # days with no accepted use at all
            out.extend((tid, d, None) for d in free[max(left, 0) :])
    return out


def _fits(
    use: dict[str, set[tuple[dt.date, str]]],
    accepted: dict[str, set[tuple[dt.date, str]]],
    caps: dict[str, int],
) -> bool:
    """Return True when a district's trainer use fits next to the accepted ones."""
    for tid, halves in use.items():
        if halves & accepted.get(tid, set()):
            return False
        days: dict[str, set[dt.date]] = defaultdict(set)
        for d, _ in halves | accepted.get(tid, set()):
            days[week_key(d)].add(d)
        if any(len(v) > caps[tid] for v in days.values()):
            return False
    return True


def _segments(pts: list[tuple[int, SolveOutcome]]) -> list[tuple[int, int]]:
    """Return (consumption, worth) of each allowance segment of a curve.

    A district whose allowance b lies in [T_j, T_j+1) consumes at least T_j
    and costs at least opt(T_j+1) ≥ LB(T_j+1); bounds are first made
    non-increasing (opt is, so LB(T_j) may be raised to any LB(T_i), i > j).
    The last segment (b ≥ the top point) is worth the top point's bound.
    """
    best: dict[int, float] = {}
    for amount, o in pts:
        best[amount] = max(best.get(amount, -1e18), o.bound)
    amounts = sorted(best)
    lbs = [best[a] for a in amounts]
    for j in range(len(lbs) - 2, -1, -1):
        lbs[j] = max(lbs[j], lbs[j + 1])
    return [
        (amount, math.ceil(lbs[min(j + 1, len(amounts) - 1)] - 1e-6))
        for j, amount in enumerate(amounts)
    ]


def _bound_master(
    segments: dict[str, dict[str, list[tuple[int, int]]]],
    capacity: dict[str, int],
    time_limit: float,
    seed: int,
) -> tuple[float, dict[tuple[str, str], int]]:
    """Return a proven lower bound of the joint segment knapsack.

    Each district picks one segment in every family (each quarter alone, and
    the total); its cost is at least the worth of every segment it picked, and
    each family's consumption stays within that family's capacity. Any
    feasible province plan gives such a pick with cost ≤ its objective, so the
    minimum (and CP-SAT's bound on it) is a valid lower bound. Also returns the
    segment picked per (district, family), where refining pays.
    """
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    use: dict[str, list[cp_model.LinearExprT]] = {f: [] for f in capacity}
    costs = []
    picks: dict[tuple[str, str], list[cp_model.IntVar]] = {}
    for d, fams in segments.items():
        top = max(w for segs in fams.values() for _, w in segs)
        low = min(w for segs in fams.values() for _, w in segs)
        cost = model.new_int_var(min(low, 0), max(top, 0), f"cost[{d}]")
        for fam, segs in fams.items():
            lits = [model.new_bool_var(f"seg[{d},{fam},{j}]") for j in range(len(segs))]
            model.add_exactly_one(lits)
            picks[(d, fam)] = lits
            model.add(
                cost >= sum(w * lit for (_, w), lit in zip(segs, lits, strict=True))
            )
            use[fam].extend(
                t * lit for (t, _), lit in zip(segs, lits, strict=True) if t
            )
        costs.append(cost)
    for fam, terms in use.items():
        if terms:
            model.add(sum(terms) <= capacity[fam])
    model.minimize(sum(costs))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # the all-zero-consumption pick is always feasible, so this is a timeout
        return -math.inf, {}
    chosen = {
        key: next(j for j, lit in enumerate(lits) if solver.value(lit))
        for key, lits in picks.items()
    }
    return float(solver.best_objective_bound), chosen


def plan_province(
    province: ProvinceScenario,
    runner: Runner | None = None,
    *,
    deterministic: bool = False,
    budget_scale: float = 1.0,
) -> ProvincePlan:
    """Plan every district of a province, sharing trainers and the budget.

    Parameters
    ----------
    province : ProvinceScenario
        The validated province.
    runner : Runner, optional
        Where the solves run (default: in this process). Use
        :func:`scheduler.province.runner.dask_runner` for Dask.
    deterministic : bool
        One CP-SAT worker per solve and deterministic time limits, so the
        same input gives the same plan on any runner.
    budget_scale : float
        Multiplies the shared budget's allowances (for sweeps).

    Returns
    -------
    ProvincePlan
        One checked plan per district, the total objective, a valid lower
        bound on the province optimum (see the module docstring) and the gap.
    """
    runner = runner or InProcessRunner()
    settings = province.decomposition
    phases: dict[str, float] = {}
    solves = 0
    budget = province.budget
    allowance = (
        {q: int(v * budget_scale) for q, v in budget.allowance_vnd.items()}
        if budget
        else {}
    )
    total = sum(allowance.values())
    shared_id = budget.id if budget else None
    trainer_ids = tuple(t.staff_id for t in province.trainers)
    caps = {t.staff_id: t.max_days_per_week for t in province.trainers}
    curve_over = _overrides(province, settings.curve_time_limit_s, deterministic)
    final_over = _overrides(province, settings.district_time_limit_s, deterministic)

    def task(key: str, d: str, sc: Scenario, over: dict[str, Any]) -> SolveTask:
        return SolveTask(key, d, sc, over, shared_id, trainer_ids)

    # 1. curves. Top points: each district with every quarter's whole allowance
    # (its demand per quarter) and with the whole allowance as one total. Then
    # levels below the demand in each family: the total, and each quarter
    # alone (the other quarters keep the whole allowance).
    t0 = time.perf_counter()
    ids = [d.id for d in province.districts]
    top_tasks = [
        task(
            f"full:{d}",
            d,
            district_scenario(province, d, allowance=allowance)
            if budget
            else district_scenario(province, d),
            curve_over,
        )
        for d in ids
    ]
    if budget:
        top_tasks += [
            task(
                f"total:{d}",
                d,
                district_scenario(province, d, total_allowance=total),
                curve_over,
            )
            for d in ids
        ]
    tops = runner.map(solve_task, top_tasks, "curve 1/2")
    solves += len(tops)
    for out in tops:
        if out.plan is None:
            raise RuntimeError(f"{out.district}: {out.error}")
    full = tops[: len(ids)]
    demand = {o.district: dict(o.spend) for o in full}
    quarters = build_grid(province.districts[0].scenario).quarters
    families = [*quarters, TOTAL] if budget else []
    # (family, allowance in the family, task)
    level_tasks: list[tuple[str, int, SolveTask]] = []
    for d in ids:
        for fam in families:
            need = sum(demand[d].values()) if fam == TOTAL else demand[d].get(fam, 0)
            if not need:
                continue
            for k, frac in enumerate(settings.level_fractions):
                amount = int(need * frac)
                sc = (
                    district_scenario(province, d, total_allowance=amount)
                    if fam == TOTAL
                    else district_scenario(
                        province, d, allowance={**allowance, fam: amount}
                    )
                )
                level_tasks.append(
                    (fam, amount, task(f"level:{d}:{fam}:{k}", d, sc, curve_over))
                )
        # balanced points, every quarter at the same share of its demand: no
        # use for the bound, but they combine well in the allocation
        for k, frac in enumerate(settings.level_fractions[1:] if budget else ()):
            share = {q: int(demand[d].get(q, 0) * frac) for q in quarters}
            level_tasks.append(
                (
                    BALANCED,
                    sum(share.values()),
                    task(
                        f"level:{d}:{BALANCED}:{k}",
                        d,
                        district_scenario(province, d, allowance=share),
                        curve_over,
                    ),
                )
            )
    levels = runner.map(solve_task, [t for _, _, t in level_tasks], "curve 2/2")
    solves += len(levels)
    phases["curves"] = time.perf_counter() - t0

    # points[d][family] = [(allowance in the family, outcome)], tops included
    points: dict[str, dict[str, list[tuple[int, SolveOutcome]]]] = {
        d: {f: [] for f in families} for d in ids
    }
    for (fam, amount, _), out in zip(level_tasks, levels, strict=True):
        if fam != BALANCED:
            points[out.district][fam].append((amount, out))
    for out in tops[: len(ids)]:
        for q in quarters:
            points[out.district][q].append((allowance.get(q, 0), out))
    for out in tops[len(ids) :]:
        points[out.district][TOTAL].append((total, out))

    # 2. the bound (module docstring): with every quarter's whole allowance each
    # district is relaxed; the joint knapsack over all families is stronger
    t0 = time.perf_counter()
    bound = float(sum(math.ceil(o.bound - 1e-6) for o in full))
    refined: list[tuple[str, int, SolveOutcome]] = []
    if budget:
        capacity = {**{q: allowance.get(q, 0) for q in quarters}, TOTAL: total}
        for round_no in range(settings.refine_rounds + 1):
            segments = {
                d: {f: _segments(points[d][f]) for f in families if points[d][f]}
                for d in ids
            }
            found, picked_segments = _bound_master(
                segments, capacity, settings.master_time_limit_s, settings.random_seed
            )
            bound = max(bound, found)
            if round_no == settings.refine_rounds:
                break
            # refine: halve every segment the relaxation sits in, where wide
            new: list[tuple[str, int, SolveTask]] = []
            for (d, fam), j in sorted(picked_segments.items()):
                pts = sorted({a for a, _ in points[d][fam]})
                if j + 1 >= len(pts):
                    continue
                lo, hi = pts[j], pts[j + 1]
                need = (
                    sum(demand[d].values()) if fam == TOTAL else demand[d].get(fam, 0)
                )
                if hi - lo <= max(1, need // 50):
                    continue
                mid = (lo + hi) // 2
                sc = (
                    district_scenario(province, d, total_allowance=mid)
                    if fam == TOTAL
                    else district_scenario(
                        province, d, allowance={**allowance, fam: mid}
                    )
                )
                new.append(
                    (fam, mid, task(f"refine:{d}:{fam}:{mid}", d, sc, curve_over))
                )
            if not new:
                break
            outs = runner.map(
                solve_task, [t for _, _, t in new], f"refine {round_no + 1}"
            )
            solves += len(outs)
            for (fam, mid, _), out in zip(new, outs, strict=True):
                points[out.district][fam].append((mid, out))
                refined.append((fam, mid, out))

    # 3. allocation: one solved point per district, actual spending per quarter
    usable: dict[str, list[tuple[int, SolveOutcome]]] = {d: [] for d in ids}
    for (_, amount, _), out in zip(level_tasks, levels, strict=True):
        if out.plan is not None:
            usable[out.district].append((amount, out))
    for out in tops:
        usable[out.district].append((total, out))
    for _, amount, out in refined:
        if out.plan is not None:
            usable[out.district].append((amount, out))
    primal_choices = [
        [(round(o.objective), dict(o.spend)) for _, o in usable[d]] for d in ids
    ]
    if budget:
        # a quarter the provincial budget does not list has nothing to share
        capacity = {q: allowance.get(q, 0) for q in (*quarters, *allowance)}
        chosen, _ = _master(
            primal_choices, capacity, settings.master_time_limit_s, settings.random_seed
        )
    else:
        chosen = [len(c) - 1 for c in primal_choices]
    picked = {d: usable[d][k][1] for d, k in zip(ids, chosen, strict=True)}
    alloc: dict[str, dict[str, int]] = {d: {} for d in ids}
    for q, cap in allowance.items():
        used = {d: picked[d].spend.get(q, 0) for d in ids}
        left = cap - sum(used.values())
        # the leftover goes by commune count: a district's chosen point says
        # little about how it would use money moved from another quarter
        size = {x.id: len(x.scenario.communes) for x in province.districts}
        weight = sum(size.values())
        for d in ids:
            extra = left * size[d] // weight
            alloc[d][q] = used[d] + extra
    phases["master"] = time.perf_counter() - t0

    # 4-5. district solves, then repair of trainer clashes
    t0 = time.perf_counter()
    first = province.districts[0].scenario
    workdays = build_grid(first).workdays
    accepted_use: dict[str, set[tuple[dt.date, str]]] = defaultdict(set)
    results: dict[str, DistrictResult] = {}

    def final_scenario(d: str) -> Scenario:
        blocks = _week_blocks(workdays, caps, accepted_use) if trainer_ids else []
        return district_scenario(
            province,
            d,
            allowance=alloc[d] if budget else None,
            trainer_blocks=blocks,
        )

    pending = list(ids)
    rounds = 0
    while pending:
        rounds += 1
        scenarios = {d: final_scenario(d) for d in pending}
        if rounds > settings.repair_rounds:
            # fall back to one at a time: each district sees all accepted use
            d = pending[0]
            scenarios = {d: scenarios[d]}
        outs = runner.map(
            solve_task,
            [
                task(f"final:{d}:{rounds}", d, scenarios[d], final_over)
                for d in scenarios
            ],
            "districts" if rounds == 1 else f"repair {rounds - 1}",
        )
        solves += len(outs)
        still = []
        for out in outs:
            d = out.district
            sc = scenarios[d]
            candidates = []
            if out.plan is not None:
                candidates.append(("final" if rounds == 1 else "repair", out.plan))
            curve_plan = picked[d].plan
            if curve_plan is not None and not check_plan(sc, curve_plan):
                candidates.append(("curve", curve_plan))
            if not candidates:
                raise RuntimeError(f"{d}: {out.error}")
            how, plan = min(candidates, key=lambda c: c[1].solver.objective)
            use = trainer_use(sc, plan, set(trainer_ids))
            if _fits(use, accepted_use, caps):
                for tid, halves in use.items():
                    accepted_use[tid] |= halves
                results[d] = DistrictResult(d, sc, plan, alloc[d], how)
            else:
                still.append(d)
        pending = [d for d in ids if d in still]
    phases["districts"] = time.perf_counter() - t0

    for d in ids:
        results[d].curve = [
            {
                "quarter": q,
                "allowance_vnd": amount,
                "objective": o.objective if o.plan else None,
                "bound": o.bound,
                "spend_vnd": o.spend,
            }
            for q in families
            for amount, o in sorted(points[d][q], key=lambda p: p[0])
        ]
    objective = sum(results[d].plan.solver.objective for d in ids)
    gap = (objective - bound) / objective if objective > 0 else 0.0
    return ProvincePlan(
        province=province.name,
        districts=[results[d] for d in ids],
        objective=objective,
        bound=bound,
        gap=max(gap, 0.0),
        phases=phases,
        solves=solves,
        repair_rounds=rounds - 1,
        workers=runner.workers,
    )
