"""What runs in a worker: one solve of a district (or of the whole province).

A :class:`SolveTask` is plain data that pickles to a Dask worker; the worker
builds the model from the scenario (never shipped) and sends back a
:class:`SolveOutcome`. Three kinds of task:

- :func:`solve_task`: CP-SAT on one district, optionally with prices per VND
  of the shared budget added to its objective (:func:`price_hook`; the price
  rounds of :mod:`scheduler.province.decompose`) and a kept model that the
  worker reuses between rounds (:func:`kept_model`);
- :func:`greedy_task`: the greedy planner, for the seed columns;
- :func:`highs_task`: the whole province's relaxation by HiGHS, for its bound.

The whole province's relaxation
(:func:`scheduler.province.compose.whole_relaxation`) bounds the province
better than the price rounds. When the shared budget binds, its bound is hard
for CP-SAT: on the bundled Đắk Nông scenario at 0.8 of its budget, CP-SAT's
bound after 60 s on two threads was 3,838,350 against a plan of 4,642,950,
while HiGHS (branch and cut on the same model, one thread) proves 4,642,350
optimal in 5–30 s, depending on its seed, and is at 4,250,975 after 10 s. Knapsack rows with lumpy
items (whole dialogues, whole classes) are what a MIP solver's cuts are made
for. So the whole-province task runs HiGHS on the translated model
(:mod:`scheduler.solver.highs`) and completes its solution in CP-SAT with every
variable fixed, which gives a plan in the usual form.
A deterministic run keeps CP-SAT: HiGHS's limit is in wall-clock seconds.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from scheduler.calendar import build_grid, quarter_key
from scheduler.explain import explained
from scheduler.hints import hint_plan
from scheduler.model.builder import BuiltModel, build_model
from scheduler.plan import Plan, Status
from scheduler.scenario.schema import Scenario
from scheduler.solver.greedy import greedy_plan
from scheduler.solver.highs import kill_after, solve_with_highs
from scheduler.solver.solve import solve

if TYPE_CHECKING:
    from scheduler.calendar import TimeGrid
    from scheduler.model.context import Penalty

# The price term's weight is an integer per money unit: the other goals are
# scaled by this factor in a priced solve so that small prices keep their value
PRICE_SCALE = 100
PRICE_LINE = "shared_price"

# HiGHS's own seconds when the task gives no limit
DEFAULT_SECONDS = 10.0
# seconds for CP-SAT to complete the fixed solution (staff named, events built)
COMPLETION_SECONDS = 30.0


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
    # "highs": the whole province's relaxation by HiGHS (:func:`highs_task`)
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
class KeptModel:
    """A district model kept in a worker between price rounds."""

    built: BuiltModel
    grid: TimeGrid
    warm_start: Plan
    penalties: list[Penalty]  # as built: a priced solve rescales and adds some
    constraints: int  # as built: naming cuts add some


# Models kept per worker process, by task model key, least recently used first
_KEPT: OrderedDict[str, KeptModel] = OrderedDict()
KEPT_MODELS = 16  # about 10 MiB each; a province's districts, not the country's


def kept_model(task: SolveTask) -> tuple[KeptModel, float]:
    """Return the task's district model as built, and the seconds spent building it.

    A model of the same key built by an earlier task in this worker is reused
    when its constraints are still the built ones (only the objective changes
    between price rounds); its penalties are put back and its hints cleared, so
    that the solve sees the model a fresh build would give, and plans do not
    depend on which worker ran which round.
    """
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
    kept = KeptModel(
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
    in this worker (:func:`kept_model`).
    """
    if task.engine == "highs":
        return highs_task(task)
    started = time.perf_counter()
    effective: dict[str, float] = {}
    try:
        plan = _solve(task, _prepare_hook(task, effective))
    except Exception as exc:  # reported; the caller decides what to do
        _KEPT.pop(task.model_key, None)
        return _failed(task, exc, started)
    bound = plan.solver.bound
    if task.prices and task.shared_source:
        bound /= PRICE_SCALE
        plan = unpriced(plan)
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


def _prepare_hook(
    task: SolveTask, effective: dict[str, float]
) -> Callable[[BuiltModel], None] | None:
    """Return the task's model hook: its prices, then its warm start's hints.

    The prices really applied after rounding are written into ``effective``.
    """
    priced = (
        price_hook(task.shared_source, dict(task.prices), effective)
        if task.prices and task.shared_source
        else None
    )
    if not (task.hinted and task.warm_start is not None):
        return priced
    start = task.warm_start

    def hinted(built: BuiltModel) -> None:
        if priced is not None:
            priced(built)
        hint_plan(built, start)

    return hinted


def _solve(task: SolveTask, prepare: Callable[[BuiltModel], None] | None) -> Plan:
    """Solve the task's district by CP-SAT, on its kept model when it has a key."""
    if task.model_key:
        kept, build_s = kept_model(task)
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
            # the province spends its cores itself (one solve per worker, HiGHS
            # on the whole province as a task of its own)
            engine="cp-sat",
        )
    if not build_s:
        return plan
    # the model was built for this task: its build counts here
    build_time_s = round(plan.solver.build_time_s + build_s, 3)
    return replace(plan, solver=replace(plan.solver, build_time_s=build_time_s))


def greedy_task(task: SolveTask) -> SolveOutcome:
    """Plan one district by the greedy baseline (runs inside a worker).

    A seed column for the price rounds: a plan the district can carry out,
    cheap to compute, at the spending its allowance in ``task.scenario``
    allows. It has no bound (the trivial 0 is not used).
    """
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


def price_hook(
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


def unpriced(plan: Plan) -> Plan:
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


def highs_task(task: SolveTask) -> SolveOutcome:
    """Solve the whole province's relaxation with HiGHS (runs inside a worker).

    Parameters
    ----------
    task : SolveTask
        The whole province's scenario; ``overrides["max_time_in_seconds"]``
        is HiGHS's limit and ``overrides["random_seed"]`` its seed.

    Returns
    -------
    SolveOutcome
        HiGHS's proven bound, and its solution as a plan (staff named, the
        rest completed by CP-SAT) when it found one. Without a solution the
        plan is ``None`` and the bound still counts. A model the translation
        does not cover, or a failed HiGHS process, is solved by CP-SAT
        instead (:func:`solve_task`).
    """
    started = time.perf_counter()
    grid = build_grid(task.scenario)
    built = build_model(task.scenario, grid)
    build_s = time.perf_counter() - started
    limit = float(task.overrides.get("max_time_in_seconds", DEFAULT_SECONDS))
    seed = int(task.overrides.get("random_seed", 0))
    try:
        mip = solve_with_highs(
            built.model.proto,
            limit,
            1,
            seed=seed,
            keep_values=True,
            hard_limit_s=kill_after(limit),
        )
    except TimeoutError as exc:
        # killed: no bound and no plan (CP-SAT now would only take longer)
        return _without_plan(task, float("-inf"), str(exc), started)
    except (NotImplementedError, RuntimeError):
        # a model the translation does not cover, or a HiGHS process that
        # failed (e.g. highspy missing on a worker): CP-SAT solves it instead
        return solve_task(replace(task, engine="cp-sat"))
    # without a plan HiGHS's proven bound still counts
    bound = mip.bound if mip.bound is not None else float("-inf")
    if mip.objective is None or not mip.values:
        why = f"HiGHS: {mip.status}, no solution in {limit:g} s"
        return _without_plan(task, bound, why, started)
    try:
        plan = _complete(task, grid, built, mip.values, seed)
    except Exception as exc:  # the solution does not complete: the bound stands
        why = f"HiGHS solution not completed: {exc}"
        return _without_plan(task, bound, why, started)
    objective = plan.solver.objective
    bound = min(bound, objective)
    report = replace(
        plan.solver,
        status=Status.OPTIMAL if mip.status == Status.OPTIMAL else Status.FEASIBLE,
        bound=bound,
        gap=(objective - bound) / objective if objective else 0.0,
        wall_time_s=round(mip.wall_time_s + plan.solver.wall_time_s, 3),
        # the translation is Python model work, like the build
        build_time_s=round(build_s + mip.translate_time_s, 3),
        solver=f"HiGHS {version('highspy')} + {plan.solver.solver}",
    )
    plan = replace(plan, solver=report)
    spend = shared_spend(plan, task.shared_source)
    wall_s = time.perf_counter() - started
    return SolveOutcome(
        task.key, task.district, plan, objective, bound, spend, "", wall_s
    )


def _without_plan(
    task: SolveTask, bound: float, why: str, started: float
) -> SolveOutcome:
    """Return an outcome with no plan, its bound (maybe ``-inf``) and why."""
    wall_s = time.perf_counter() - started
    return SolveOutcome(
        task.key, task.district, None, float("inf"), bound, {}, why, wall_s
    )


def _complete(
    task: SolveTask,
    grid: TimeGrid,
    built: BuiltModel,
    values: tuple[int, ...],
    seed: int,
) -> Plan:
    """Return HiGHS's solution as a plan: CP-SAT with every variable fixed to it."""

    def fix(b: BuiltModel) -> None:
        b.model.clear_hints()  # type: ignore[no-untyped-call]
        hint = b.model.proto.solution_hint
        hint.vars.extend(range(len(values)))
        hint.values.extend(values)

    return solve(
        task.scenario,
        grid,
        overrides={
            "num_workers": 1,
            "random_seed": seed,
            "max_time_in_seconds": COMPLETION_SECONDS,
            "fix_variables_to_their_hinted_value": True,
        },
        prepare=fix,
        built=built,
    )
