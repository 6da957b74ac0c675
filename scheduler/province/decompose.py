"""Plan a province by decomposition: prices, a master allocation, district solves, repair.

1. **Price rounds** (Lagrangian relaxation of the shared budget). Each district
   is solved with the whole provincial allowance open to it and the
   provincial trainers fully available, with a price per VND of the shared
   budget in each quarter added to its objective. For any prices λ ≥ 0 and
   any feasible province plan, Σ_d f_d ≥ Σ_d [f_d + λ·s_d] − λ·B (the
   districts' spending s stays within the allowances B), and each bracket is
   at least the district's proven bound of its priced solve. So **Σ_d LB_d(λ)
   − λ·B is a valid lower bound** on the province optimum, whatever λ is.
   Every priced solution is also a plan the district can carry out (a point
   on the lower hull of its coverage-versus-budget curve), kept as a
   *column*. The next prices are the duals of the budget rows of the linear
   master over the columns (column generation: convex combinations of each
   district's columns within the allowances,
   :func:`~scheduler.province.master.price_master`). The first round prices
   nothing; greedy plans at a few shares of the allowance
   (:func:`~scheduler.province.tasks.greedy_task`) are seed columns, from
   which the first prices are drawn. Rounds stop early at ``gap_target`` or
   before ``time_limit_s`` would be passed. A worker keeps each district's
   model between rounds (:func:`~scheduler.province.tasks.kept_model`): only
   the objective changes. A province of at most ``merged_bound_communes``
   communes is also solved whole as a relaxation
   (:func:`scheduler.province.compose.whole_relaxation`), by HiGHS on one
   worker beside the rounds (:func:`~scheduler.province.tasks.highs_task`)
   for at most ``merged_time_limit_s``; its proven bound is valid too, and
   the better one is reported.
2. **Allocation.** After every round a multiple-choice knapsack
   (:func:`~scheduler.province.master.knapsack`) picks one column per
   district, minimising the sum of their objectives, such that their spending
   fits every quarter's allowance; the rounds stop early when this plan is
   within ``gap_target`` of the bound. The final solves get the linear
   master's mix of columns
   (:func:`~scheduler.province.master.linear_master`), or the whole
   province's plan's spending when it is better; the leftover of each quarter
   is shared out in proportion to the districts' numbers of communes.
3. **District solves** with their allocation per quarter, in parallel. A
   provincial trainer's week is limited to ``max_days_per_week`` free days in
   each district (the first days of the week), so no district alone can
   exceed the cap. The knapsack then picks one plan per district among its
   final solve and all its columns, and each district's allocation becomes
   what its pick spends plus its share of the rest.
4. **Repair.** Districts are accepted in order when their pick (else their final
   solve) passes :func:`scheduler.check.check_plan` for the district's final
   scenario and its trainer use fits beside the accepted districts (same
   half-day, or the weekly cap across districts); the others are solved again
   with those half-days blocked and their weekly days cut to what is left;
   rounds repeat until every district is accepted.
5. **Leftover** (:func:`~scheduler.province.leftover.spend_leftover`). What the
   accepted plans leave unspent of the shared allowance is offered to every
   district above its floor: each is solved again, its plan hinted, with its
   spending plus the whole leftover; the improved plans are taken best first
   while the leftover pays for them and the trainers' caps hold. The passes
   use what the time limit leaves (the final phase is estimated on the safe
   side, so a few seconds usually).
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.plan import Plan
from scheduler.province.compose import district_scenario, split_plan, whole_relaxation
from scheduler.province.leftover import FINAL_WORST_OVER_LIMIT, spend_leftover
from scheduler.province.master import knapsack, linear_master, price_master
from scheduler.province.result import DistrictResult, ProvincePlan
from scheduler.province.runner import InProcessRunner, Pending, Runner
from scheduler.province.schema import DecompositionSettings, ProvinceScenario
from scheduler.province.tasks import (
    SolveOutcome,
    SolveTask,
    greedy_task,
    shared_spend,
    solve_task,
)
from scheduler.province.trainers import (
    TrainerUse,
    add_use,
    fits,
    trainer_use,
    week_blocks,
)
from scheduler.scenario.schema import Scenario

# Shares of its commune-weighted part of the allowance a district's greedy
# seed columns get (0: no shared money; 2: twice its part)
SEED_LEVELS = (0.0, 0.5, 1.0, 2.0)
SEED_KEY = "seed:"  # the task keys of the seed columns start with this
WHOLE_KEY = "merged"  # the task key of the whole province's relaxation
FINAL_OVER_ROUND = 1.3  # the final phase against a price round at the same limit
# seconds per commune, beyond HiGHS's limit, of the whole province's task:
# building and translating its model, starting HiGHS, completing its plan
# (Bình Định, 159 communes: 3.0 + 2.2 + 0.6 + 1.1 = 6.9 s, alone on a core)
WHOLE_OVERHEAD_S = 0.05
WHOLE_MIN_S = 1.0  # HiGHS's shortest limit (a small province is proven in it)

Columns = dict[str, list[SolveOutcome]]  # each district's plans with their spending
Allocation = dict[str, dict[str, int]]  # each district's VND per quarter


def plan_province(
    province: ProvinceScenario,
    runner: Runner | None = None,
    *,
    deterministic: bool = False,
    budget_scale: float = 1.0,
) -> ProvincePlan:
    """Plan every district of a province, sharing trainers and the budget.

    The phases are the module docstring's, one function each.

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
    run = _Run.start(province, runner or InProcessRunner(), deterministic, budget_scale)
    t0 = time.perf_counter()
    rounds = _price_phase(run)
    run.phases["prices"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    accepted = _Accepted(_allocate(run, rounds))
    run.phases["master"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    repair_rounds = _district_phase(run, rounds, accepted)
    run.phases["districts"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _leftover_phase(run, rounds.columns, accepted)
    run.phases["leftover"] = time.perf_counter() - t0
    return _province_plan(run, rounds, accepted, repair_rounds)


@dataclass
class _Run:
    """One decomposition's inputs, settings and counts, shared by its phases."""

    province: ProvinceScenario
    runner: Runner
    deterministic: bool
    started: float  # time.perf_counter() at the start
    allowance: dict[str, int]  # the shared allowance per quarter, scaled
    # the allowance of every quarter of the plan: a quarter the provincial
    # budget does not list has nothing to share
    capacity: dict[str, int]
    workdays: tuple[dt.date, ...]
    curve_over: dict[str, Any]  # CP-SAT parameters of the price rounds
    final_over: dict[str, Any]  # and of the district solves
    phases: dict[str, float] = field(default_factory=dict)
    solves: int = 0
    timed: list[SolveOutcome] = field(default_factory=list)  # their times count

    @classmethod
    def start(
        cls,
        province: ProvinceScenario,
        runner: Runner,
        deterministic: bool,
        budget_scale: float,
    ) -> _Run:
        """Return the run of a province at a budget scale."""
        started = time.perf_counter()
        settings = province.decomposition
        budget = province.budget
        allowance = (
            {q: int(v * budget_scale) for q, v in budget.allowance_vnd.items()}
            if budget
            else {}
        )
        grid = build_grid(province.districts[0].scenario)
        return cls(
            province,
            runner,
            deterministic,
            started,
            allowance,
            {q: allowance.get(q, 0) for q in (*grid.quarters, *allowance)},
            grid.workdays,
            _overrides(province, settings.curve_time_limit_s, deterministic),
            _overrides(province, settings.district_time_limit_s, deterministic),
        )

    @property
    def settings(self) -> DecompositionSettings:
        """The province's decomposition settings."""
        return self.province.decomposition

    @property
    def budgeted(self) -> bool:
        """True when the province shares a budget."""
        return self.province.budget is not None

    @property
    def shared_id(self) -> str | None:
        """The shared budget's funding source, if any."""
        return self.province.budget.id if self.province.budget else None

    @property
    def trainer_ids(self) -> tuple[str, ...]:
        """The provincial trainers' staff ids."""
        return tuple(t.staff_id for t in self.province.trainers)

    @property
    def caps(self) -> dict[str, int]:
        """Each provincial trainer's days per week."""
        return {t.staff_id: t.max_days_per_week for t in self.province.trainers}

    @property
    def ids(self) -> list[str]:
        """The districts' ids, in the province's order."""
        return [d.id for d in self.province.districts]

    @property
    def size(self) -> dict[str, int]:
        """Each district's number of communes."""
        return {x.id: len(x.scenario.communes) for x in self.province.districts}

    @property
    def time_limit(self) -> float | None:
        """The run's wall-clock limit (none when deterministic).

        A wall-clock stop would make the rounds depend on the machine.
        """
        return None if self.deterministic else self.settings.time_limit_s

    def task(self, key: str, d: str, sc: Scenario, over: dict[str, Any]) -> SolveTask:
        """Return a district's solve task."""
        return SolveTask(key, d, sc, over, self.shared_id, self.trainer_ids)

    def counted(self, outs: list[SolveOutcome]) -> list[SolveOutcome]:
        """Count solves made, for the plan's counts and timings."""
        self.solves += len(outs)
        self.timed.extend(outs)
        return outs

    def final_s(self) -> float:
        """Return the final phase's worst case: every district solve at its limit."""
        per_worker = math.ceil(len(self.ids) / max(self.runner.workers, 1))
        limit_s = self.settings.district_time_limit_s
        return float(FINAL_WORST_OVER_LIMIT * per_worker * limit_s)


def _overrides(
    province: ProvinceScenario, time_limit: float, deterministic: bool
) -> dict[str, Any]:
    """Return the CP-SAT parameters of one solve at a time limit."""
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


# 1. price rounds -------------------------------------------------------------


@dataclass
class _Rounds:
    """The price rounds' state: the columns, prices, best bound and best choice."""

    columns: Columns
    whole: Pending[SolveOutcome] | None = None  # the whole province, still running
    whole_limit: float = 0.0  # HiGHS's limit on it (0: none ran)
    whole_out: SolveOutcome | None = None
    whole_bound: float = -math.inf
    prices: dict[str, float] = field(default_factory=dict)
    bound: float = -math.inf
    centre: dict[str, float] | None = None  # the prices of the best bound so far
    upper: float = math.inf
    picked: dict[str, SolveOutcome] = field(default_factory=dict)
    done: int = 0
    took: list[float] = field(default_factory=list)  # how long each round took
    bound_from: str = "prices"


def _price_phase(run: _Run) -> _Rounds:
    """Run the seeds, the whole province's relaxation and the price rounds.

    Returns the rounds with the proven bound, rounded up to an integer
    (objectives are integers), and where it came from.
    """
    rounds = _Rounds({d: [] for d in run.ids})
    # each district relaxed, with the whole provincial allowance open to it
    # and the trainers fully available
    relaxed = {
        d: district_scenario(run.province, d, allowance=run.allowance)
        if run.budgeted
        else district_scenario(run.province, d)
        for d in run.ids
    }
    models = uuid.uuid4().hex  # names this run's district models in the workers
    if run.budgeted:
        _seed_columns(run, rounds.columns)
    _submit_whole(run, rounds)
    settings = run.settings
    for round_no in range(settings.price_rounds if run.budgeted else 1):
        _price_round(run, rounds, relaxed, round_no, models)
        if _close_enough(run, rounds) or round_no + 1 >= settings.price_rounds:
            break
        following = _next_prices(run, rounds, round_no)
        if following is None:
            break
        rounds.prices = following
    _wait_for_whole(run, rounds)
    return rounds


def _largest_first(run: _Run) -> list[str]:
    """Return the districts, the largest first.

    A round then ends with the short solves and the workers finish together
    (longest processing time first).
    """
    size = run.size
    return sorted(run.ids, key=lambda d: -size[d])


def _seed_columns(run: _Run, columns: Columns) -> None:
    """Add the greedy plans at a few shares of the allowance to the columns.

    The first linear master then sees how coverage falls with less money and
    its duals are a price of the right size, not the ceiling.
    """
    size = run.size
    weight = sum(size.values())
    seeds = run.runner.map(
        greedy_task,
        [
            run.task(
                f"{SEED_KEY}{d}:{level}",
                d,
                district_scenario(
                    run.province,
                    d,
                    allowance={
                        q: min(cap, int(cap * level * size[d] / weight))
                        for q, cap in run.allowance.items()
                    },
                ),
                run.curve_over,
            )
            for d in _largest_first(run)
            for level in SEED_LEVELS
        ],
        "seeds",
    )
    for out in seeds:
        if out.plan is not None:
            columns[out.district].append(out)


def _submit_whole(run: _Run, rounds: _Rounds) -> None:
    """Start the whole province's relaxation beside the rounds, when it is small.

    A province of up to ``merged_bound_communes`` communes is also solved
    whole, as a relaxation: its proven bound is valid for the province and
    tighter than the prices' (their duality gap is about one lumpy dialogue
    per quarter, a large share of a small province's total), and its plan,
    split by district, is a candidate plan. HiGHS solves it
    (:func:`~scheduler.province.tasks.highs_task`: its bound is far better
    than CP-SAT's when the budget binds) on one worker while the rounds go
    on; a deterministic run has CP-SAT solve it on one thread at the district
    solves' limit, and waits for it after the first round.
    """
    settings = run.settings
    communes = sum(run.size.values())
    if communes > settings.merged_bound_communes:
        return
    whole = whole_relaxation(run.province, run.allowance if run.budgeted else None)
    if whole is None:
        return
    limit = settings.merged_time_limit_s
    time_limit = run.time_limit
    if time_limit is not None:
        # HiGHS must end, with its model built and translated before and
        # its plan completed after (WHOLE_OVERHEAD_S per commune), in time
        # for the final phase: the district solves and its plan's parts
        room = (
            time_limit
            - (time.perf_counter() - run.started)
            - run.final_s()
            - WHOLE_OVERHEAD_S * communes
        )
        # and at most half the time: on two workers it halves the rounds'
        # workers while it runs, and few rounds make poor plans
        limit = max(min(limit, room, time_limit / 2), WHOLE_MIN_S)
    rounds.whole_limit = limit
    over = (
        run.final_over
        if run.deterministic
        else {**run.final_over, "max_time_in_seconds": limit}
    )
    rounds.whole = run.runner.submit(
        solve_task,
        SolveTask(
            WHOLE_KEY,
            "",
            whole,
            over,
            run.shared_id,
            run.trainer_ids,
            engine="cp-sat" if run.deterministic else "highs",
        ),
        "whole province",
    )


def _price_round(
    run: _Run,
    rounds: _Rounds,
    relaxed: dict[str, Scenario],
    round_no: int,
    models: str,
) -> None:
    """Solve every district at the round's prices; update the bound and the pick."""
    round_started = time.perf_counter()
    outs = run.runner.map(
        solve_task,
        [
            SolveTask(
                f"price:{d}:{round_no}",
                d,
                relaxed[d],
                run.curve_over,
                run.shared_id,
                run.trainer_ids,
                tuple(sorted(rounds.prices.items())),
                # the same model every round: a worker builds it once
                model_key=f"{models}:{d}",
            )
            for d in _largest_first(run)
        ],
        f"prices {round_no + 1}",
    )
    run.counted(outs)
    if rounds.whole is not None and (run.deterministic or rounds.whole.done()):
        # its bound counts from now on for the gap that stops the rounds
        rounds.whole_out, rounds.whole = rounds.whole.result(), None
        rounds.whole_bound = rounds.whole_out.bound
    rounds.done += 1
    rounds.took.append(time.perf_counter() - round_started)
    _add_columns(run, rounds.columns, outs)
    found = _round_bound(run, outs)
    if found > rounds.bound:
        rounds.bound, rounds.centre = found, dict(rounds.prices)
    _pick_columns(run, rounds)


def _add_columns(run: _Run, columns: Columns, outs: list[SolveOutcome]) -> None:
    """Keep the round's plans as columns; fail when a district has none at all."""
    for out in outs:
        if out.plan is not None:
            columns[out.district].append(out)
    if any(not columns[d] for d in run.ids):
        failed = [out for out in outs if out.plan is None]
        out = next(o for o in failed if not columns[o.district])
        raise RuntimeError(f"{out.district}: {out.error}")


def _round_bound(run: _Run, outs: list[SolveOutcome]) -> float:
    """Return the round's Lagrangian bound (module docstring), or ``-inf``."""
    if any(out.plan is None for out in outs):
        # a district without a plan this round has no proven bound either
        return -math.inf
    # rounding gives each district its own effective price: charging the
    # allowance at the highest keeps the bound valid
    charged = {q: max(o.prices.get(q, 0.0) for o in outs) for q in run.capacity}
    return sum(o.bound for o in outs) - sum(
        charged[q] * cap for q, cap in run.capacity.items()
    )


def _pick_columns(run: _Run, rounds: _Rounds) -> None:
    """Choose one column per district within the allowances; keep the best choice."""
    ids, columns = run.ids, rounds.columns
    choice = (
        knapsack(
            [[(round(o.objective), dict(o.spend)) for o in columns[d]] for d in ids],
            run.capacity,
            run.settings.master_time_limit_s,
            run.settings.random_seed,
        )
        if run.budgeted
        else [0] * len(ids)
    )
    if choice is None:
        return
    chosen = {d: columns[d][k] for d, k in zip(ids, choice, strict=True)}
    value = sum(o.objective for o in chosen.values())
    if value < rounds.upper:
        rounds.upper, rounds.picked = value, chosen


def _close_enough(run: _Run, rounds: _Rounds) -> bool:
    """Return True when the rounds may stop: no budget, or the gap reached."""
    if not run.budgeted:
        return True
    best = max(rounds.bound, rounds.whole_bound)
    return (
        rounds.upper < math.inf
        and rounds.upper - best <= run.settings.gap_target * abs(rounds.upper)
    )


def _next_prices(run: _Run, rounds: _Rounds, round_no: int) -> dict[str, float] | None:
    """Return the next round's prices, or None when no round should follow."""
    # the first prices from the greedy seeds alone: against the priced
    # solve's far better plan at no price they would make every VND
    # look worth the greedy's whole shortfall
    columns = rounds.columns
    duals = price_master(
        {
            d: [o for o in cols if o.key.startswith(SEED_KEY)] or cols
            for d, cols in columns.items()
        }
        if round_no == 0
        else columns,
        run.capacity,
    )
    # stabilised (Wentges): halfway between the duals and the prices of
    # the best bound so far, once a priced round has given a bound
    # (a centre without prices would only halve the step)
    centre = rounds.centre
    following = (
        {q: (duals[q] + centre.get(q, 0.0)) / 2 for q in duals}
        if centre and any(v > 0 for v in centre.values())
        else duals
    )
    if following == rounds.prices:
        return None  # the prices no longer move: more rounds add nothing
    if run.time_limit is not None and _out_of_time(run, rounds):
        return None
    return following


def _out_of_time(run: _Run, rounds: _Rounds) -> bool:
    """Return True when one more round and the final phase would pass the limit.

    A round is taken to last as long as the longer of the last two (rounds of
    the same work vary by a third on the province bench; the first, unpriced,
    is quicker). The final phase is a round of solves at the longer limit plus
    the last choice and the checks, in this process: 1.13–1.32 times a round
    on the province bench, hence 1.3. Its solves are not priced and seldom
    proven early, so it may outlast late rounds whose solves are: it is taken
    to last at least the workers' share of the districts at the full limit,
    plus 15 % for their builds and the checks (9.0 s against 6 × 1.5 s on the
    province bench, where a run whose rounds took 4.5 s ended 1.2 s over 60 s
    without this).
    """
    assert run.time_limit is not None
    settings = run.settings
    last = max(rounds.took[-2:])
    final = max(
        FINAL_OVER_ROUND
        * last
        * (settings.district_time_limit_s / settings.curve_time_limit_s),
        run.final_s(),
    )
    return time.perf_counter() - run.started + last + final > run.time_limit


def _wait_for_whole(run: _Run, rounds: _Rounds) -> None:
    """Take the whole province's outcome and settle the rounds' bound.

    Still running, its bound, and maybe its plan as the allocation, are worth
    the wait (it stops at its own limit).
    """
    if rounds.whole is not None:
        rounds.whole_out, rounds.whole = rounds.whole.result(), None
    if rounds.whole_out is not None:
        rounds.whole_bound = rounds.whole_out.bound
        run.counted([rounds.whole_out])
    rounds.bound_from = "merged" if rounds.whole_bound > rounds.bound else "prices"
    # objectives are integers
    rounds.bound = float(math.ceil(max(rounds.bound, rounds.whole_bound) - 1e-6))


# 2. allocation ---------------------------------------------------------------


def _allocate(run: _Run, rounds: _Rounds) -> Allocation:
    """Return each district's allocation: a spending plus its share of the rest.

    The spending is the whole province's plan's when that plan beats every
    choice of columns (the districts then plan within it, with the trainers'
    weekly caps in days), else the linear master's mix of columns: between
    the columns, where the chosen columns (points of the price hull) would
    leave money unspent in one district and missing in another; the columns
    stay candidates in the district phase.
    """
    spent = {d: rounds.picked[d].spend if d in rounds.picked else {} for d in run.ids}
    whole = rounds.whole_out
    if whole is not None and whole.plan is not None and whole.objective < rounds.upper:
        spent = {d: _district_spend(whole.plan, d, run.shared_id) for d in run.ids}
    elif run.budgeted:
        spent = linear_master(rounds.columns, run.capacity)[1]
    return _shares(run, spent)


def _shares(run: _Run, spent: Allocation) -> Allocation:
    """Return what each district spends plus its share of the leftover.

    The leftover of each quarter is shared by commune count (a district's
    plan says little about how it would use more money).
    """
    size = run.size
    weight = sum(size.values())
    out: Allocation = {d: {} for d in run.ids}
    for q, cap in run.allowance.items():
        used = {d: spent[d].get(q, 0) for d in run.ids}
        left = cap - sum(used.values())
        for d in run.ids:
            out[d][q] = used[d] + left * size[d] // weight
    return out


def _district_spend(plan: Plan, district: str, source: str | None) -> dict[str, int]:
    """Return one district's shared spending per quarter in a whole-province plan."""
    own = tuple(e for e in plan.events if e.activity.startswith(f"{district}."))
    return shared_spend(replace(plan, events=own), source)


# 3-4. district solves and repair ---------------------------------------------


@dataclass
class _Accepted:
    """The districts accepted so far, and the trainers' half-days they use."""

    alloc: Allocation
    results: dict[str, DistrictResult] = field(default_factory=dict)
    use_of: dict[str, TrainerUse] = field(default_factory=dict)
    together: TrainerUse = field(default_factory=lambda: defaultdict(set))

    def take(self, result: DistrictResult, use: TrainerUse) -> None:
        """Accept a district's plan and its trainers' half-days."""
        add_use(self.together, use)
        self.use_of[result.district] = use
        self.results[result.district] = result


@dataclass
class _Parts:
    """The whole province's plan split by district, each part in its own scenario.

    A part keeps its own scenario (its spending as the allowance, no trainer
    blocks: the parts keep the trainers' caps together, which the acceptance
    checks).
    """

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    tasks: list[SolveTask] = field(default_factory=list)
    solved: dict[str, SolveOutcome] = field(default_factory=dict)


def _final_scenario(run: _Run, accepted: _Accepted, d: str) -> Scenario:
    """Return a district's scenario: its allocation, the trainers' days left."""
    blocks = (
        week_blocks(run.workdays, run.caps, accepted.together)
        if run.trainer_ids
        else []
    )
    return district_scenario(
        run.province,
        d,
        allowance=accepted.alloc[d] if run.budgeted else None,
        trainer_blocks=blocks,
    )


def _district_phase(run: _Run, rounds: _Rounds, accepted: _Accepted) -> int:
    """Solve the districts at their allocations, accept, repair; return the repairs.

    (Hinting each solve with its best column within the allocation was
    measured and made the plans worse: the columns use the trainers on days
    the final scenarios block.)
    """
    parts = _whole_parts(run, rounds.whole_out)
    outs = run.counted(
        run.runner.map(
            solve_task,
            [
                run.task(
                    f"final:{d}:1", d, _final_scenario(run, accepted, d), run.final_over
                )
                for d in run.ids
            ]
            + parts.tasks,
            "districts",
        )
    )
    final_of = {
        o.district: o for o in outs if o.key.startswith("final:") and o.plan is not None
    }
    parts.solved = {
        o.district: o
        for o in outs
        if o.key.startswith(f"{WHOLE_KEY}:") and o.plan is not None
    }
    kept = _choose(run, rounds.columns, final_of, parts.solved, accepted)
    pending = [
        d for d in run.ids if not _accept_first(run, accepted, d, kept, final_of, parts)
    ]
    repairs = _repair(run, accepted, pending)
    _prefer_whole(run, accepted, parts)
    return repairs


def _whole_parts(run: _Run, whole: SolveOutcome | None) -> _Parts:
    """Return the tasks that make district plans of the whole province's plan.

    Each part is solved in its district's scenario with its placements fixed
    and its own spending as the allowance.
    """
    parts = _Parts()
    if whole is None or whole.plan is None:
        return parts
    for d, part in split_plan(run.province, whole.plan).items():
        spend = _district_spend(whole.plan, d, run.shared_id)
        parts.scenarios[d] = district_scenario(
            run.province,
            d,
            allowance=(
                {q: spend.get(q, 0) for q in run.allowance} if run.budgeted else None
            ),
        )
        over = {**run.final_over, "fix_variables_to_their_hinted_value": True}
        task = run.task(f"{WHOLE_KEY}:{d}", d, parts.scenarios[d], over)
        parts.tasks.append(replace(task, warm_start=part, hinted=True))
    return parts


def _choose(
    run: _Run,
    columns: Columns,
    final_of: dict[str, SolveOutcome],
    part_of: dict[str, SolveOutcome],
    accepted: _Accepted,
) -> dict[str, tuple[str, Plan]]:
    """Pick one plan per district within the allowances; return them by district.

    The options are a district's final solve, its part of the whole
    province's plan and its columns (the final solves alone may not beat the
    best columns' mix). Each district's allocation becomes what its pick
    spends plus its share of the rest.
    """
    ids = run.ids
    options = {
        d: ([("final", final_of[d])] if d in final_of else [])
        + ([("merged", part_of[d])] if d in part_of else [])
        + [("curve", o) for o in columns[d] if o.plan is not None]
        for d in ids
    }
    choice = knapsack(
        [[(round(o.objective), dict(o.spend)) for _, o in options[d]] for d in ids],
        run.capacity if run.budgeted else {},
        run.settings.master_time_limit_s,
        run.settings.random_seed,
    )
    kept: dict[str, tuple[str, Plan]] = {}
    if choice is None:
        return kept
    for d, k in zip(ids, choice, strict=True):
        how, o = options[d][k]
        assert o.plan is not None
        kept[d] = (how, o.plan)
    accepted.alloc = _shares(
        run, {d: options[d][k][1].spend for d, k in zip(ids, choice, strict=True)}
    )
    return kept


def _accept_first(
    run: _Run,
    accepted: _Accepted,
    d: str,
    kept: dict[str, tuple[str, Plan]],
    final_of: dict[str, SolveOutcome],
    parts: _Parts,
) -> bool:
    """Accept a district's chosen plan, else its final solve; return True if one was.

    A plan is accepted when it passes the district's checks (allocation,
    trainers' blocks) and fits beside the accepted districts' trainer use.
    """
    sc = _final_scenario(run, accepted, d)
    tries = [kept[d]] if d in kept else []
    own_final = final_of[d].plan if d in final_of else None
    if own_final is not None and (not tries or tries[0][1] is not own_final):
        tries.append(("final", own_final))
    for how, own in tries:
        # a part of the province's plan keeps its own scenario (no blocks)
        own_sc = parts.scenarios[d] if how == "merged" else sc
        use = trainer_use(own_sc, own, set(run.trainer_ids))
        if not check_plan(own_sc, own) and fits(use, accepted.together, run.caps):
            accepted.take(DistrictResult(d, own_sc, own, accepted.alloc[d], how), use)
            return True
    return False


def _repair(run: _Run, accepted: _Accepted, pending: list[str]) -> int:
    """Solve the districts not accepted again, around the accepted ones' trainers.

    Rounds repeat until every district is accepted; after ``repair_rounds``
    one district at a time, so that each sees all accepted use. Returns the
    number of repair rounds.
    """
    rounds = 1
    while pending:
        rounds += 1
        scenarios = {d: _final_scenario(run, accepted, d) for d in pending}
        if rounds > run.settings.repair_rounds:
            # fall back to one at a time: each district sees all accepted use
            d = pending[0]
            scenarios = {d: scenarios[d]}
        outs = run.counted(
            run.runner.map(
                solve_task,
                [
                    run.task(f"final:{d}:{rounds}", d, scenarios[d], run.final_over)
                    for d in scenarios
                ],
                f"repair {rounds - 1}",
            )
        )
        still = []
        for out in outs:
            d = out.district
            sc = scenarios[d]
            if out.plan is None:
                raise RuntimeError(f"{d}: {out.error}")
            use = trainer_use(sc, out.plan, set(run.trainer_ids))
            if fits(use, accepted.together, run.caps):
                accepted.take(
                    DistrictResult(d, sc, out.plan, accepted.alloc[d], "repair"), use
                )
            else:
                still.append(d)
        pending = [d for d in run.ids if d in still]
    return rounds - 1


def _prefer_whole(run: _Run, accepted: _Accepted, parts: _Parts) -> None:
    """Take the whole province's plan as it splits, when its parts are better.

    The parts replace the plans accepted one by one when they beat them and
    pass the checks together (the knapsack does not see the trainers, so it
    may pick final solves that clash, one of which is then repaired).
    """
    ids, part_of = run.ids, parts.solved
    if not part_of or len(part_of) != len(ids):
        return
    parts_total = sum(part_of[d].objective for d in ids)
    if parts_total >= sum(accepted.results[d].plan.solver.objective for d in ids) - 0.5:
        return
    whole = _Accepted(accepted.alloc)
    for d in ids:
        plan, spend = part_of[d].plan, part_of[d].spend
        assert plan is not None
        sc = parts.scenarios[d]
        use = trainer_use(sc, plan, set(run.trainer_ids))
        if check_plan(sc, plan) or not fits(use, whole.together, run.caps):
            return
        allocation = {q: spend.get(q, 0) for q in run.allowance}
        whole.take(DistrictResult(d, sc, plan, allocation, "merged"), use)
    accepted.results.update(whole.results)
    accepted.use_of.clear()
    accepted.use_of.update(whole.use_of)
    accepted.together.clear()
    accepted.together.update(whole.together)


# 5. leftover -----------------------------------------------------------------


def _leftover_phase(run: _Run, columns: Columns, accepted: _Accepted) -> None:
    """Offer the shared money the accepted plans leave unspent (module docstring).

    A district already at its floor (its proven optimum with the whole
    allowance open, from the unpriced round) gains nothing from more money.
    """
    if not run.budgeted:
        return
    floor = {
        d: max(
            (
                o.bound
                for o in columns[d]
                if o.key.startswith("price:") and not o.prices
            ),
            default=-math.inf,
        )
        for d in run.ids
    }
    time_limit = run.time_limit
    run.counted(
        spend_leftover(
            run.province,
            accepted.results,
            accepted.use_of,
            floor,
            run.allowance,
            run.runner,
            run.final_over,
            None if time_limit is None else run.started + time_limit,
        )
    )


def _province_plan(
    run: _Run, rounds: _Rounds, accepted: _Accepted, repair_rounds: int
) -> ProvincePlan:
    """Return the province plan: the accepted districts, the bound, the counts."""
    results = accepted.results
    for d in run.ids:
        results[d].curve = [
            {
                "prices_per_vnd": o.prices,
                "objective": o.objective,
                "bound": o.bound if math.isfinite(o.bound) else None,
                "spend_vnd": o.spend,
            }
            for o in rounds.columns[d]
        ]
    objective = sum(results[d].plan.solver.objective for d in run.ids)
    gap = (objective - rounds.bound) / objective if objective > 0 else 0.0
    return ProvincePlan(
        province=run.province.name,
        districts=[results[d] for d in run.ids],
        objective=objective,
        bound=rounds.bound,
        gap=max(gap, 0.0),
        phases=run.phases,
        solves=run.solves,
        repair_rounds=repair_rounds,
        price_rounds=rounds.done,
        workers=run.runner.workers,
        bound_from=rounds.bound_from,
        whole_limit_s=rounds.whole_limit,
        build_s=sum(o.plan.solver.build_time_s for o in run.timed if o.plan),
        solve_s=sum(o.plan.solver.wall_time_s for o in run.timed if o.plan),
    )
