"""Plan a province by decomposition: prices, a master allocation, district solves, repair.

1. **Price rounds** (Lagrangian relaxation of the shared budget). Each district
   is solved with the whole provincial allowance open to it and the provincial
   trainers fully available, with a price per VND of the shared budget in each
   quarter added to its objective. For any prices λ ≥ 0 and any feasible
   province plan, Σ_d f_d ≥ Σ_d [f_d + λ·s_d] − λ·B (the districts' spending s
   stays within the allowances B), and each bracket is at least the district's
   proven bound of its priced solve. So **Σ_d LB_d(λ) − λ·B is a valid lower
   bound** on the province optimum, whatever λ is. Every priced solution is
   also a plan the district can carry out (a point on the lower hull of its
   coverage-versus-budget curve), kept as a *column*. The next prices are the
   duals of the budget rows of the linear master over the columns (column
   generation: convex combinations of each district's columns within the
   allowances, :func:`_price_master`). The first round prices nothing; greedy
   plans at a few shares of the allowance (:func:`greedy_task`) are seed
   columns, from which the first prices are drawn. Rounds stop early at
   ``gap_target`` or before ``time_limit_s`` would be passed.
   A worker keeps each district's model between rounds (:func:`_kept_model`):
   only the objective changes. A province of at most
   ``merged_bound_communes`` communes is also solved whole as a relaxation
   (:func:`scheduler.province.compose.merged_relaxation`), by HiGHS on one
   worker beside the rounds (:mod:`scheduler.province.merged`) for at most
   ``merged_time_limit_s``; its proven bound is valid too, and the better one
   is reported.
2. **Allocation.** After every round a multiple-choice knapsack
   (:func:`_master`) picks one column per district, minimising the sum of
   their objectives, such that their spending fits every quarter's allowance;
   the rounds stop early when this plan is within ``gap_target`` of the bound.
   The final solves get the linear master's mix of columns
   (:func:`_linear_master`), or the merged plan's spending when that plan is
   better; the leftover of each quarter is shared out in proportion to the
   districts' numbers of communes.
3. **District solves** with their allocation per quarter, in parallel. A
   provincial trainer's week is limited to ``max_days_per_week`` free days in
   each district (the first days of the week), so no district alone can
   exceed the cap. The knapsack then picks one plan per district among its
   final solve and all its columns, and each district's allocation becomes
   what its pick spends plus its share of the rest.
4. **Repair.** Districts are accepted in order when their pick (else their
   final solve) passes :func:`scheduler.check.check_plan` for the district's
   final scenario and its trainer use fits beside the accepted districts
   (same half-day, or the weekly cap across districts); the others are solved
   again with those half-days blocked and their weekly days cut to what is
   left; rounds repeat until every district is accepted.
5. **Leftover** (:func:`spend_leftover`). What the accepted plans leave unspent
   of the shared allowance is offered to every district above its floor: each
   is solved again, its plan hinted, with its spending plus the whole leftover;
   the improved plans are taken best first while the leftover pays for them
   and the trainers' caps hold. The passes use what the time limit leaves
   (the final phase is estimated on the safe side, so a few seconds usually).
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from scheduler import interrupt
from scheduler.calendar import build_grid, half_of, quarter_key, week_key
from scheduler.check import check_plan
from scheduler.plan import Event, Plan, Status
from scheduler.province.compose import (
    TrainerBlock,
    district_scenario,
    merged_relaxation,
    split_plan,
)
from scheduler.province.runner import InProcessRunner, Pending, Runner
from scheduler.province.schema import ProvinceScenario
from scheduler.scenario.schema import Scenario

if TYPE_CHECKING:
    from scheduler.calendar import TimeGrid
    from scheduler.model.builder import BuiltModel
    from scheduler.model.context import Penalty

HALVES = ("morning", "afternoon")


# The price term's weight is an integer per money unit: the other goals are
# scaled by this factor in a priced solve so that small prices keep their value
PRICE_SCALE = 100
PRICE_LINE = "shared_price"
# Shares of its commune-weighted part of the allowance a district's greedy
# seed columns get (0: no shared money; 2: twice its part)
SEED_LEVELS = (0.0, 0.5, 1.0, 2.0)
SEED_KEY = "seed:"  # the task keys of the seed columns start with this
MERGED_KEY = "merged"  # the task key of the whole province's relaxation
FINAL_OVER_ROUND = 1.3  # the final phase against a price round at the same limit
# the final phase against the workers' share of the final solves at their limit
FINAL_WORST_OVER_LIMIT = 1.15
# passes that hand the money the kept plans leave unspent to the districts
LEFTOVER_PASSES = 3
# seconds per commune, beyond HiGHS's limit, of the whole province's task:
# building and translating its model, starting HiGHS, completing its plan
# (Bình Định, 159 communes: 3.0 + 2.2 + 0.6 + 1.1 = 6.9 s, alone on a core)
MERGED_OVERHEAD_S = 0.05
MERGED_MIN_S = 1.0  # HiGHS's shortest limit (a small province is proven in it)


@dataclass(frozen=True)
class SolveTask:
    """One district solve, as plain data that pickles to a Dask worker.

    ``prices`` are points per VND of the shared source, per quarter, added to
    the district's objective (price rounds); empty for a plain solve.
    """

    key: str
    district: str
    scenario: Scenario
    overrides: dict[str, Any]
    shared_source: str | None
    trainers: tuple[str, ...]
    prices: tuple[tuple[str, float], ...] = ()
    model_key: str = ""
    # "highs": the merged relaxation by HiGHS (:mod:`scheduler.province.merged`)
    engine: str = "cp-sat"
    # the plan to fall back on when CP-SAT finds none; default: the greedy plan
    warm_start: Plan | None = None
    # hint the warm start's placements from the start (with CP-SAT's
    # ``fix_variables_to_their_hinted_value`` in ``overrides``: complete it)
    hinted: bool = False


@dataclass(frozen=True)
class SolveOutcome:
    """What a worker sends back: the plan, or why there is none.

    ``objective`` is the plan's own objective (prices excluded). ``bound`` is
    the solver's proven lower bound of what it minimised: with prices, of the
    objective plus the priced spending, at the effective ``prices`` (points
    per VND after rounding to the model's integer weights).
    """

    key: str
    district: str
    plan: Plan | None
    objective: float
    bound: float
    spend: dict[str, int]
    error: str = ""
    wall_s: float = 0.0
    prices: dict[str, float] = field(default_factory=dict)


def _failed(task: SolveTask, exc: Exception, started: float) -> SolveOutcome:
    """Return the outcome of a task that raised: no plan, no bound, the reason."""
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


@dataclass
class _Kept:
    """A district model kept in a worker between price rounds."""

    built: BuiltModel
    grid: TimeGrid
    warm_start: Plan
    penalties: list[Penalty]  # as built: a priced solve rescales and adds some
    constraints: int  # as built: naming cuts add some


# Models kept per worker process, by task model key, least recently used first
_KEPT: OrderedDict[str, _Kept] = OrderedDict()
KEPT_MODELS = 16  # about 10 MiB each; a province's districts, not the country's


def _kept_model(task: SolveTask) -> tuple[_Kept, float]:
    """Return the task's district model as built, and the seconds spent building it.

    A model of the same key built by an earlier task in this worker is reused
    when its constraints are still the built ones (only the objective changes
    between price rounds); its penalties are put back and its hints cleared, so
    that the solve sees the model a fresh build would give, and plans do not
    depend on which worker ran which round.
    """
    from scheduler.model.builder import build_model
    from scheduler.solver.greedy import greedy_plan

    kept = _KEPT.get(task.model_key)
    if kept is not None and len(kept.built.model.proto.constraints) == kept.constraints:
        _KEPT.move_to_end(task.model_key)
        kept.built.ctx.penalties[:] = kept.penalties
        kept.built.model.clear_hints()  # type: ignore[no-untyped-call]
        return kept, 0.0
    t0 = time.perf_counter()
    grid = build_grid(task.scenario)
    built = build_model(task.scenario, grid)
    seconds = time.perf_counter() - t0
    kept = _Kept(
        built,
        grid,
        greedy_plan(task.scenario, grid),
        list(built.ctx.penalties),
        len(built.model.proto.constraints),
    )
    _KEPT[task.model_key] = kept
    while len(_KEPT) > KEPT_MODELS:
        _KEPT.popitem(last=False)
    return kept, seconds


def solve_task(task: SolveTask) -> SolveOutcome:
    """Build and solve one district model (runs inside a worker).

    The CP-SAT model is built here from the scenario, never shipped. A task
    with a ``model_key`` reuses the model an earlier task of the same key built
    in this worker (:func:`_kept_model`).
    """
    from scheduler.calendar import build_grid
    from scheduler.explain import explained
    from scheduler.solver.greedy import greedy_plan
    from scheduler.solver.solve import solve

    if task.engine == "highs":
        from scheduler.province.merged import highs_task

        return highs_task(task)
    started = time.perf_counter()
    effective: dict[str, float] = {}
    priced = (
        _priced(task.shared_source, dict(task.prices), effective)
        if task.prices and task.shared_source
        else None
    )
    prepare = priced
    if task.hinted and task.warm_start is not None:
        from scheduler.hints import hint_plan

        start = task.warm_start

        def hinted(built: BuiltModel) -> None:
            if priced is not None:
                priced(built)
            hint_plan(built, start)

        prepare = hinted

    try:
        if task.model_key:
            kept, build_s = _kept_model(task)
            grid, built, warm = kept.grid, kept.built, kept.warm_start
        else:
            grid, built, build_s = build_grid(task.scenario), None, 0.0
            warm = task.warm_start or greedy_plan(task.scenario, grid)
        # a short limit may end without a plan: the planner's greedy plan is
        # the fallback, and the failed search's bound stays valid for the bound
        with explained(task.scenario, grid):
            plan = solve(
                task.scenario,
                grid,
                overrides=task.overrides,
                prepare=prepare,
                warm_start=warm,
                built=built,
                # the province spends its cores itself (one solve per worker,
                # HiGHS on the whole province as a task of its own)
                engine="cp-sat",
            )
    except Exception as exc:  # reported; the caller decides what to do
        _KEPT.pop(task.model_key, None)
        return _failed(task, exc, started)
    if build_s:  # the model was built for this task: its build counts here
        plan = replace(
            plan,
            solver=replace(
                plan.solver,
                build_time_s=round(plan.solver.build_time_s + build_s, 3),
            ),
        )
    bound = plan.solver.bound
    if priced is not None:
        bound /= PRICE_SCALE
        plan = _unpriced(plan)
    return SolveOutcome(
        task.key,
        task.district,
        plan,
        plan.solver.objective,
        bound,
        shared_spend(plan, task.shared_source),
        "",
        time.perf_counter() - started,
        effective,
    )


def greedy_task(task: SolveTask) -> SolveOutcome:
    """Plan one district by the greedy baseline (runs inside a worker).

    A seed column for the price rounds: a plan the district can carry out,
    cheap to compute, at the spending its allowance in ``task.scenario``
    allows. It has no bound (the trivial 0 is not used).
    """
    from scheduler.solver.greedy import greedy_plan

    started = time.perf_counter()
    try:
        plan = greedy_plan(task.scenario, build_grid(task.scenario))
    except Exception as exc:  # reported; a missing seed only costs a round
        return _failed(task, exc, started)
    return SolveOutcome(
        task.key,
        task.district,
        plan,
        plan.solver.objective,
        -math.inf,
        shared_spend(plan, task.shared_source),
        "",
        time.perf_counter() - started,
    )


def _priced(
    source: str, prices: dict[str, float], effective: dict[str, float]
) -> Callable[[BuiltModel], None]:
    """Return a model hook that adds the priced spending of ``source``.

    Every goal's weight is multiplied by :data:`PRICE_SCALE`; the price of a
    quarter becomes an integer weight per money unit, and the price it really
    stands for after rounding is written into ``effective``.
    """

    def prepare(built: BuiltModel) -> None:
        ctx = built.ctx
        ctx.penalties[:] = [
            replace(p, weight=p.weight * PRICE_SCALE) for p in ctx.penalties
        ]
        for q, price in prices.items():
            weight = round(price * ctx.money_unit * PRICE_SCALE)
            expr = ctx.spend.get((source, q))
            effective[q] = weight / (ctx.money_unit * PRICE_SCALE)
            if expr is not None and weight > 0:
                ctx.penalise(PRICE_LINE, expr, weight, q)

    return prepare


def _unpriced(plan: Plan) -> Plan:
    """Return a priced solve's plan scored by its own goals only.

    The priced objective's bound says nothing about the plan's own objective,
    so the report keeps the trivial bound 0 (every goal is a penalty).
    """
    lines = tuple(
        replace(line, penalty=line.penalty // PRICE_SCALE)
        for line in plan.penalties
        if line.name != PRICE_LINE
    )
    objective = float(sum(line.penalty for line in lines))
    report = replace(
        plan.solver,
        status=Status.FEASIBLE,
        objective=objective,
        bound=0.0,
        gap=1.0 if objective > 0 else 0.0,
    )
    return replace(plan, penalties=lines, solver=report)


def shared_spend(plan: Plan, source: str | None) -> dict[str, int]:
    """Return the plan's spending of one funding source per quarter."""
    out: dict[str, int] = defaultdict(int)
    for e in plan.events:
        if source is not None and e.funding_source == source:
            out[quarter_key(e.start.date())] += e.cost_vnd
    return dict(out)


def _district_spend(plan: Plan, district: str, source: str | None) -> dict[str, int]:
    """Return one district's shared spending per quarter in a merged plan."""
    own = tuple(e for e in plan.events if e.activity.startswith(f"{district}."))
    return shared_spend(replace(plan, events=own), source)


def event_halves(scenario: Scenario, e: Event) -> list[tuple[dt.date, str]]:
    """Return the (date, half) pairs an event occupies."""
    if e.all_day or e.kind == "training":
        return [(d, h) for d in e.days for h in HALVES]
    return [(e.start.date(), half_of(scenario.calendar, e.start))]


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
    price_rounds: int
    workers: int
    bound_from: str = "prices"  # or "merged": the whole province's relaxation
    merged_limit_s: float = 0.0  # HiGHS's limit on the whole province (0: none ran)
    build_s: float = 0.0  # model building, summed over every CP-SAT solve of the run
    solve_s: float = 0.0  # CP-SAT's time, summed over the same solves

    def to_summary(self) -> dict[str, Any]:
        """Return a JSON-ready summary (no events)."""
        return {
            "province": self.province,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "phases_s": {k: round(v, 3) for k, v in self.phases.items()},
            "solves": self.solves,
            "price_rounds": self.price_rounds,
            "bound_from": self.bound_from,
            "build_s": round(self.build_s, 3),
            "solve_s": round(self.solve_s, 3),
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
) -> list[int] | None:
    """Solve a multiple-choice knapsack: one option per group, minimise the cost.

    Each option is (integer cost, consumption per resource); consumption of
    every resource stays within its capacity. Returns the chosen index per
    group, or None when no choice fits (or none was found in time).
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


def spend_leftover(
    province: ProvinceScenario,
    results: dict[str, DistrictResult],
    use_of: dict[str, dict[str, set[tuple[dt.date, str]]]],
    floor: Mapping[str, float],
    allowance: Mapping[str, int],
    runner: Runner,
    overrides: dict[str, Any],
    deadline: float | None = None,
) -> list[SolveOutcome]:
    """Give the shared money the districts' plans leave unspent to those it improves.

    The plans chosen from the columns seldom spend the allowance to the last
    đồng, and a few million VND more is a dialogue more for a district whose
    budget binds (on the province bench at 0.8 of the budget, 11.6 M VND left
    over lowered Quy Nhơn's objective from 1,307,710 to 1,158,560). In each
    pass every district above its ``floor`` is solved again, its plan hinted
    (``SolveTask.hinted``), with its spending plus the whole leftover as its allowance and the
    trainers' days the other districts use blocked; the improved plans are
    then taken best first while the leftover pays for them
    (:func:`_take_offers`) and the trainers' weekly caps hold. Passes stop when
    nothing improves, after :data:`LEFTOVER_PASSES`, or when a pass would end
    after ``deadline`` (a ``time.perf_counter()`` value).

    Parameters
    ----------
    province : ProvinceScenario
        The province.
    results : dict
        Each district's accepted plan; improved plans replace them here.
    use_of : dict
        Each district's trainer half-days, kept up to date with ``results``.
    floor : mapping
        A proven lower bound of each district's objective at any allowance;
        a district at its floor is not solved again.
    allowance : mapping
        The shared allowance per quarter.
    runner : Runner
        Where the solves run.
    overrides : dict
        CP-SAT parameters of each solve (those of the final solves).
    deadline : float, optional
        ``time.perf_counter()`` by which the passes must end.

    Returns
    -------
    list of SolveOutcome
        Every solve made, for the run's counts and timings.
    """
    budget = province.budget
    if budget is None:
        return []
    settings = province.decomposition
    trainer_ids = tuple(t.staff_id for t in province.trainers)
    caps = {t.staff_id: t.max_days_per_week for t in province.trainers}
    workdays = build_grid(province.districts[0].scenario).workdays
    workers = max(runner.workers, 1)
    ids = list(results)
    made: list[SolveOutcome] = []

    def others_use(d: str) -> dict[str, set[tuple[dt.date, str]]]:
        out: dict[str, set[tuple[dt.date, str]]] = defaultdict(set)
        for other, use in use_of.items():
            if other != d:
                _add_use(out, use)
        return out

    for n in range(1, LEFTOVER_PASSES + 1):
        spent = {d: shared_spend(results[d].plan, budget.id) for d in ids}
        left = {
            q: cap - sum(spent[d].get(q, 0) for d in ids)
            for q, cap in allowance.items()
        }
        # the districts furthest above their floor first, as many as the time
        # left allows
        hungry = sorted(
            (d for d in ids if results[d].plan.solver.objective > floor[d] + 0.5),
            key=lambda d: (floor[d] - results[d].plan.solver.objective, d),
        )
        if deadline is not None:
            batches = int(
                (deadline - time.perf_counter())
                / (FINAL_WORST_OVER_LIMIT * settings.district_time_limit_s)
            )
            hungry = hungry[: max(batches, 0) * workers]
        if not hungry or max(left.values(), default=0) <= 0:
            break
        richer = {
            d: district_scenario(
                province,
                d,
                allowance={q: spent[d].get(q, 0) + left[q] for q in allowance},
                trainer_blocks=(
                    _week_blocks(workdays, caps, others_use(d)) if trainer_ids else []
                ),
            )
            for d in hungry
        }
        outs = runner.map(
            solve_task,
            [
                SolveTask(
                    f"leftover:{d}:{n}",
                    d,
                    richer[d],
                    overrides,
                    budget.id,
                    trainer_ids,
                    warm_start=results[d].plan,
                    hinted=True,
                )
                for d in hungry
            ],
            f"leftover {n}",
        )
        made.extend(outs)
        offers = []
        for out in outs:
            d = out.district
            if out.plan is None or check_plan(richer[d], out.plan):
                continue
            gain = results[d].plan.solver.objective - out.plan.solver.objective
            extra = {q: out.spend.get(q, 0) - spent[d].get(q, 0) for q in allowance}
            offers.append((gain, d, extra, out.plan))
        taken = 0
        for d, extra, plan in _take_offers(offers, left):
            use = trainer_use(richer[d], plan, set(trainer_ids))
            if not _fits(use, others_use(d), caps):
                continue
            use_of[d] = use
            results[d] = DistrictResult(
                d,
                richer[d],
                plan,
                {q: spent[d].get(q, 0) + extra[q] for q in allowance},
                "leftover",
            )
            taken += 1
        if not taken:
            break
    return made


def _add_use(
    into: dict[str, set[tuple[dt.date, str]]],
    use: Mapping[str, set[tuple[dt.date, str]]],
) -> None:
    """Add one district's trainer half-days to a running union."""
    for tid, halves in use.items():
        into[tid] |= halves


def _take_offers(
    offers: list[tuple[float, str, dict[str, int], Plan]], left: dict[str, int]
) -> list[tuple[str, dict[str, int], Plan]]:
    """Pick district plans that improve, best first, while the leftover pays.

    ``offers`` are (gain, district, extra spending per quarter, plan); each
    district's plan was made with the whole leftover open to it, so together
    they may not fit. An offer is taken when its gain is positive and its extra
    spending fits in what the offers taken before it leave.
    """
    room = dict(left)
    taken = []
    for gain, d, extra, plan in sorted(offers, key=lambda o: (-o[0], o[1])):
        if gain <= 0.5 or any(v > room.get(q, 0) for q, v in extra.items()):
            continue
        for q, v in extra.items():
            room[q] -= v
        taken.append((d, extra, plan))
    return taken


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


def _price_master(
    columns: dict[str, list[SolveOutcome]], capacity: dict[str, int]
) -> dict[str, float]:
    """Return the next prices: duals of the allowances in the linear master.

    See :func:`_linear_master`.
    """
    return _linear_master(columns, capacity)[0]


def _linear_master(
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
    from ortools.linear_solver import pywraplp

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
    started = time.perf_counter()
    runner = runner or InProcessRunner()
    settings = province.decomposition
    # a wall-clock stop would make the rounds depend on the machine
    time_limit = None if deterministic else settings.time_limit_s
    phases: dict[str, float] = {}
    solves = 0
    budget = province.budget
    allowance = (
        {q: int(v * budget_scale) for q, v in budget.allowance_vnd.items()}
        if budget
        else {}
    )
    shared_id = budget.id if budget else None
    trainer_ids = tuple(t.staff_id for t in province.trainers)
    caps = {t.staff_id: t.max_days_per_week for t in province.trainers}
    curve_over = _overrides(province, settings.curve_time_limit_s, deterministic)
    final_over = _overrides(province, settings.district_time_limit_s, deterministic)

    def task(key: str, d: str, sc: Scenario, over: dict[str, Any]) -> SolveTask:
        return SolveTask(key, d, sc, over, shared_id, trainer_ids)

    # 1-2. price rounds (module docstring): each district relaxed, with the
    # whole provincial allowance open to it and the trainers fully available
    t0 = time.perf_counter()
    ids = [d.id for d in province.districts]
    relaxed = {
        d: district_scenario(province, d, allowance=allowance)
        if budget
        else district_scenario(province, d)
        for d in ids
    }
    quarters = build_grid(province.districts[0].scenario).quarters
    run = uuid.uuid4().hex  # names this run's district models in the workers
    # a quarter the provincial budget does not list has nothing to share
    capacity = {q: allowance.get(q, 0) for q in (*quarters, *allowance)}
    columns: dict[str, list[SolveOutcome]] = {d: [] for d in ids}
    size = {x.id: len(x.scenario.communes) for x in province.districts}
    weight = sum(size.values())
    # the largest districts first: a round then ends with the short solves and
    # the workers finish together (longest processing time first)
    largest_first = sorted(ids, key=lambda d: -size[d])
    if budget:
        # seed columns: the greedy plan at a few shares of the allowance, so
        # the first linear master sees how coverage falls with less money and
        # its duals are a price of the right size, not the ceiling
        seeds = runner.map(
            greedy_task,
            [
                task(
                    f"{SEED_KEY}{d}:{level}",
                    d,
                    district_scenario(
                        province,
                        d,
                        allowance={
                            q: min(cap, int(cap * level * size[d] / weight))
                            for q, cap in allowance.items()
                        },
                    ),
                    curve_over,
                )
                for d in largest_first
                for level in SEED_LEVELS
            ],
            "seeds",
        )
        for out in seeds:
            if out.plan is not None:
                columns[out.district].append(out)
    # a province of up to merged_bound_communes communes is also solved whole,
    # as a relaxation, beside the price rounds: its proven bound is valid for
    # the province and tighter than the prices' (their duality gap is about one
    # lumpy dialogue per quarter, a large share of a small province's total),
    # and its plan, split by district, is a candidate plan. HiGHS solves it
    # (:mod:`scheduler.province.merged`: its bound is far better than CP-SAT's
    # when the budget binds) on one worker while the rounds go on; a
    # deterministic run has CP-SAT solve it on one thread at the district
    # solves' limit, and waits for it after the first round
    communes = sum(size.values())
    merged = (
        merged_relaxation(province, allowance if budget else None)
        if communes <= settings.merged_bound_communes
        else None
    )
    pending_merged: Pending[SolveOutcome] | None = None
    merged_limit = 0.0
    if merged is not None:
        merged_limit = settings.merged_time_limit_s
        if time_limit is not None:
            # HiGHS must end, with its model built and translated before and
            # its plan completed after (MERGED_OVERHEAD_S per commune), in time
            # for the final phase: the district solves and its plan's parts
            final = (
                FINAL_WORST_OVER_LIMIT
                * math.ceil(len(ids) / max(runner.workers, 1))
                * settings.district_time_limit_s
            )
            room = (
                time_limit
                - (time.perf_counter() - started)
                - final
                - MERGED_OVERHEAD_S * communes
            )
            # and at most half the time: on two workers it halves the rounds'
            # workers while it runs, and few rounds make poor plans
            merged_limit = max(min(merged_limit, room, time_limit / 2), MERGED_MIN_S)
        pending_merged = runner.submit(
            solve_task,
            SolveTask(
                MERGED_KEY,
                "",
                merged,
                final_over
                if deterministic
                else {**final_over, "max_time_in_seconds": merged_limit},
                shared_id,
                trainer_ids,
                engine="cp-sat" if deterministic else "highs",
            ),
            "whole province",
        )
    merged_bound = -math.inf
    merged_out: SolveOutcome | None = None
    timed: list[SolveOutcome] = []  # every CP-SAT solve, for its build and solve times
    prices: dict[str, float] = {}
    bound = -math.inf
    centre: dict[str, float] | None = None  # the prices of the best bound so far
    upper = math.inf
    picked: dict[str, SolveOutcome] = {}
    rounds_done = 0
    took: list[float] = []  # how long each price round took
    for round_no in range(settings.price_rounds if budget else 1):
        round_started = time.perf_counter()
        outs = runner.map(
            solve_task,
            [
                SolveTask(
                    f"price:{d}:{round_no}",
                    d,
                    relaxed[d],
                    curve_over,
                    shared_id,
                    trainer_ids,
                    tuple(sorted(prices.items())),
                    # the same model every round: a worker builds it once
                    model_key=f"{run}:{d}",
                )
                for d in largest_first
            ],
            f"prices {round_no + 1}",
        )
        solves += len(outs)
        timed.extend(outs)
        if pending_merged is not None and (deterministic or pending_merged.done()):
            # its bound counts from now on for the gap that stops the rounds
            merged_out, pending_merged = pending_merged.result(), None
            merged_bound = merged_out.bound
        rounds_done += 1
        took.append(time.perf_counter() - round_started)
        failed = [out for out in outs if out.plan is None]
        for out in outs:
            if out.plan is not None:
                columns[out.district].append(out)
        if any(not columns[d] for d in ids):
            out = next(o for o in failed if not columns[o.district])
            raise RuntimeError(f"{out.district}: {out.error}")
        # rounding gives each district its own effective price: charging the
        # allowance at the highest keeps the bound valid
        charged = {q: max(o.prices.get(q, 0.0) for o in outs) for q in capacity}
        # a district without a plan this round has no proven bound either
        found = -math.inf
        if not failed:
            found = sum(o.bound for o in outs) - sum(
                charged[q] * cap for q, cap in capacity.items()
            )
        if found > bound:
            bound, centre = found, dict(prices)
        choice = (
            _master(
                [
                    [(round(o.objective), dict(o.spend)) for o in columns[d]]
                    for d in ids
                ],
                capacity,
                settings.master_time_limit_s,
                settings.random_seed,
            )
            if budget
            else [0] * len(ids)
        )
        if choice is not None:
            chosen = {d: columns[d][k] for d, k in zip(ids, choice, strict=True)}
            value = sum(o.objective for o in chosen.values())
            if value < upper:
                upper, picked = value, chosen
        if not budget or (
            upper < math.inf
            and upper - max(bound, merged_bound) <= settings.gap_target * abs(upper)
        ):
            break
        if round_no + 1 < settings.price_rounds:
            # the first prices from the greedy seeds alone: against the priced
            # solve's far better plan at no price they would make every VND
            # look worth the greedy's whole shortfall
            duals = _price_master(
                {
                    d: [o for o in cols if o.key.startswith(SEED_KEY)] or cols
                    for d, cols in columns.items()
                }
                if round_no == 0
                else columns,
                capacity,
            )
            # stabilised (Wentges): halfway between the duals and the prices of
            # the best bound so far, once a priced round has given a bound
            # (a centre without prices would only halve the step)
            following = (
                {q: (duals[q] + centre.get(q, 0.0)) / 2 for q in duals}
                if centre and any(v > 0 for v in centre.values())
                else duals
            )
            if following == prices:
                break  # the prices no longer move: more rounds add nothing
            if time_limit is not None:
                # one more round, then the final phase, must end within the time
                # limit. A round is taken to last as long as the longer of the
                # last two (rounds of the same work vary by a third on the
                # province bench; the first, unpriced, is quicker). The final
                # phase is a round of solves at the longer limit plus the last
                # choice and the checks, in this process: 1.13–1.32 times a
                # round on the province bench, hence 1.3. Its solves are not
                # priced and seldom proven early, so it may outlast late rounds
                # whose solves are: it is taken to last at least the workers'
                # share of the districts at the full limit, plus 15 % for their
                # builds and the checks (9.0 s against 6 × 1.5 s on the province
                # bench, where a run whose rounds took 4.5 s ended 1.2 s over
                # 60 s without this)
                last = max(took[-2:])
                final = max(
                    FINAL_OVER_ROUND
                    * last
                    * (settings.district_time_limit_s / settings.curve_time_limit_s),
                    FINAL_WORST_OVER_LIMIT
                    * math.ceil(len(ids) / max(runner.workers, 1))
                    * settings.district_time_limit_s,
                )
                if time.perf_counter() - started + last + final > time_limit:
                    break
            prices = following
    # still running: its bound, and maybe its plan as the allocation, are
    # worth the wait (it stops at its own limit)
    if pending_merged is not None:
        merged_out = pending_merged.result()
    if merged_out is not None:
        merged_bound = merged_out.bound
        solves += 1
        timed.append(merged_out)
    bound_from = "merged" if merged_bound > bound else "prices"
    # objectives are integers
    bound = float(math.ceil(max(bound, merged_bound) - 1e-6))
    phases["prices"] = time.perf_counter() - t0

    # allocation: what the districts spend, the leftover by commune count
    # (a district's plan says little about how it would use more money)
    t0 = time.perf_counter()

    def shares(spent: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {d: {} for d in ids}
        for q, cap in allowance.items():
            used = {d: spent[d].get(q, 0) for d in ids}
            left = cap - sum(used.values())
            for d in ids:
                out[d][q] = used[d] + left * size[d] // weight
        return out

    spent = {d: picked[d].spend if d in picked else {} for d in ids}
    if (
        merged_out is not None
        and merged_out.plan is not None
        and merged_out.objective < upper
    ):
        # the whole province's plan is better than any mix of columns: its
        # spending per district is the allocation (the districts then plan
        # within it, with the trainers' weekly caps in days)
        spent = {d: _district_spend(merged_out.plan, d, shared_id) for d in ids}
    elif budget:
        # the linear master's mix: between the columns, where the chosen
        # columns (points of the price hull) would leave money unspent in one
        # district and missing in another; the columns stay candidates below
        spent = _linear_master(columns, capacity)[1]
    alloc = shares(spent)
    phases["master"] = time.perf_counter() - t0

    # 3-4. district solves, a last choice among them and the columns, then
    # repair of trainer clashes
    t0 = time.perf_counter()
    first = province.districts[0].scenario
    workdays = build_grid(first).workdays
    accepted_use: dict[str, set[tuple[dt.date, str]]] = defaultdict(set)
    use_of: dict[str, dict[str, set[tuple[dt.date, str]]]] = {}
    results: dict[str, DistrictResult] = {}

    def final_scenario(d: str) -> Scenario:
        blocks = _week_blocks(workdays, caps, accepted_use) if trainer_ids else []
        return district_scenario(
            province,
            d,
            allowance=alloc[d] if budget else None,
            trainer_blocks=blocks,
        )

    # (hinting each solve with its best column within the allocation was
    # measured and made the plans worse: the columns use the trainers on days
    # the final scenarios block)
    # the whole province's plan, split by district, is a candidate too: each
    # part solved in its district's scenario with its placements fixed and its
    # own spending as the allowance (no trainer blocks: the parts keep the
    # trainers' caps together, which the acceptance below checks)
    part_sc: dict[str, Scenario] = {}
    part_tasks: list[SolveTask] = []
    if merged_out is not None and merged_out.plan is not None:
        for d, part in split_plan(province, merged_out.plan).items():
            spend = _district_spend(merged_out.plan, d, shared_id)
            part_sc[d] = district_scenario(
                province,
                d,
                allowance={q: spend.get(q, 0) for q in allowance} if budget else None,
            )
            part_tasks.append(
                replace(
                    task(
                        f"{MERGED_KEY}:{d}",
                        d,
                        part_sc[d],
                        {**final_over, "fix_variables_to_their_hinted_value": True},
                    ),
                    warm_start=part,
                    hinted=True,
                )
            )
    outs = runner.map(
        solve_task,
        [task(f"final:{d}:1", d, final_scenario(d), final_over) for d in ids]
        + part_tasks,
        "districts",
    )
    solves += len(outs)
    timed.extend(outs)
    final_of = {
        o.district: o for o in outs if o.key.startswith("final:") and o.plan is not None
    }
    part_of = {
        o.district: o
        for o in outs
        if o.key.startswith(f"{MERGED_KEY}:") and o.plan is not None
    }
    # one plan per district among its final solve, its part of the whole
    # province's plan and its columns, within the allowances (the final solves
    # alone may not beat the best columns' mix)
    options = {
        d: ([("final", final_of[d])] if d in final_of else [])
        + ([("merged", part_of[d])] if d in part_of else [])
        + [("curve", o) for o in columns[d] if o.plan is not None]
        for d in ids
    }
    choice = _master(
        [[(round(o.objective), dict(o.spend)) for _, o in options[d]] for d in ids],
        capacity if budget else {},
        settings.master_time_limit_s,
        settings.random_seed,
    )
    kept: dict[str, tuple[str, Plan]] = {}
    if choice is not None:
        for d, k in zip(ids, choice, strict=True):
            how, o = options[d][k]
            assert o.plan is not None
            kept[d] = (how, o.plan)
        # each district gets what its plan spends, and the leftover
        alloc = shares(
            {d: options[d][k][1].spend for d, k in zip(ids, choice, strict=True)}
        )
    pending = []
    for d in ids:
        sc = final_scenario(d)
        # the chosen plan, else the district's final solve, if it passes the
        # district's checks (allocation, trainers' blocks) and fits beside the
        # accepted districts' trainer use
        tries = [kept[d]] if d in kept else []
        own_final = final_of[d].plan if d in final_of else None
        if own_final is not None and (not tries or tries[0][1] is not own_final):
            tries.append(("final", own_final))
        for how, own in tries:
            # a part of the province's plan keeps its own scenario (no blocks)
            own_sc = part_sc[d] if how == "merged" else sc
            use = trainer_use(own_sc, own, set(trainer_ids))
            if not check_plan(own_sc, own) and _fits(use, accepted_use, caps):
                _add_use(accepted_use, use)
                use_of[d] = use
                results[d] = DistrictResult(d, own_sc, own, alloc[d], how)
                break
        else:
            pending.append(d)

    rounds = 1
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
            f"repair {rounds - 1}",
        )
        solves += len(outs)
        timed.extend(outs)
        still = []
        for out in outs:
            d = out.district
            sc = scenarios[d]
            if out.plan is None:
                raise RuntimeError(f"{d}: {out.error}")
            use = trainer_use(sc, out.plan, set(trainer_ids))
            if _fits(use, accepted_use, caps):
                _add_use(accepted_use, use)
                use_of[d] = use
                results[d] = DistrictResult(d, sc, out.plan, alloc[d], "repair")
            else:
                still.append(d)
        pending = [d for d in ids if d in still]
    # the whole province's plan as it splits, when its parts beat the plans
    # accepted one by one (the knapsack does not see the trainers, so it may
    # pick final solves that clash, one of which is then repaired)
    if part_of and len(part_of) == len(ids):
        parts_total = sum(part_of[d].objective for d in ids)
        if parts_total < sum(results[d].plan.solver.objective for d in ids) - 0.5:
            together: dict[str, set[tuple[dt.date, str]]] = defaultdict(set)
            parts: dict[str, DistrictResult] = {}
            part_use = {}
            for d in ids:
                plan, spend = part_of[d].plan, part_of[d].spend
                assert plan is not None
                use = trainer_use(part_sc[d], plan, set(trainer_ids))
                if check_plan(part_sc[d], plan) or not _fits(use, together, caps):
                    break
                _add_use(together, use)
                part_use[d] = use
                allocation = {q: spend.get(q, 0) for q in allowance}
                parts[d] = DistrictResult(d, part_sc[d], plan, allocation, "merged")
            else:
                results.update(parts)
                use_of.clear()
                use_of.update(part_use)
                accepted_use.clear()
                accepted_use.update(together)
    phases["districts"] = time.perf_counter() - t0

    # 5. the leftover (module docstring)
    t0 = time.perf_counter()
    leftover_outs: list[SolveOutcome] = []
    if budget:
        # a district already at its floor (its proven optimum with the whole
        # allowance open, from the unpriced round) gains nothing from more money
        floor = {
            d: max(
                (
                    o.bound
                    for o in columns[d]
                    if o.key.startswith("price:") and not o.prices
                ),
                default=-math.inf,
            )
            for d in ids
        }
        leftover_outs = spend_leftover(
            province,
            results,
            use_of,
            floor,
            allowance,
            runner,
            final_over,
            None if time_limit is None else started + time_limit,
        )
    solves += len(leftover_outs)
    timed.extend(leftover_outs)
    phases["leftover"] = time.perf_counter() - t0

    for d in ids:
        results[d].curve = [
            {
                "prices_per_vnd": o.prices,
                "objective": o.objective,
                "bound": o.bound if math.isfinite(o.bound) else None,
                "spend_vnd": o.spend,
            }
            for o in columns[d]
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
        price_rounds=rounds_done,
        workers=runner.workers,
        bound_from=bound_from,
        merged_limit_s=merged_limit,
        build_s=sum(o.plan.solver.build_time_s for o in timed if o.plan),
        solve_s=sum(o.plan.solver.wall_time_s for o in timed if o.plan),
    )
