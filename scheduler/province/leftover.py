"""Phase 5 of the decomposition: the shared money the accepted plans leave unspent.

See :func:`spend_leftover`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.plan import Plan
from scheduler.province.compose import district_scenario
from scheduler.province.result import DistrictResult
from scheduler.province.runner import Runner
from scheduler.province.schema import ProvinceScenario
from scheduler.province.tasks import SolveOutcome, SolveTask, shared_spend, solve_task
from scheduler.province.trainers import (
    TrainerUse,
    add_use,
    fits,
    trainer_use,
    week_blocks,
)
from scheduler.scenario.schema import Scenario

# passes that hand the money the kept plans leave unspent to the districts
LEFTOVER_PASSES = 3
# the final phase against the workers' share of the final solves at their limit
FINAL_WORST_OVER_LIMIT = 1.15


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
    (:func:`take_offers`) and the trainers' weekly caps hold. Passes stop when
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
    trainer_ids = tuple(t.staff_id for t in province.trainers)
    caps = {t.staff_id: t.max_days_per_week for t in province.trainers}
    workdays = build_grid(province.districts[0].scenario).workdays
    ids = list(results)
    made: list[SolveOutcome] = []
    for n in range(1, LEFTOVER_PASSES + 1):
        spent = {d: shared_spend(results[d].plan, budget.id) for d in ids}
        left = {
            q: cap - sum(spent[d].get(q, 0) for d in ids)
            for q, cap in allowance.items()
        }
        hungry = _hungry(province, results, floor, runner, deadline)
        if not hungry or max(left.values(), default=0) <= 0:
            break
        richer = {
            d: district_scenario(
                province,
                d,
                allowance={q: spent[d].get(q, 0) + left[q] for q in allowance},
                trainer_blocks=(
                    week_blocks(workdays, caps, _others_use(use_of, d))
                    if trainer_ids
                    else []
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
        offers = _offers(outs, richer, results, spent, allowance)
        taken = 0
        for d, extra, plan in take_offers(offers, left):
            use = trainer_use(richer[d], plan, set(trainer_ids))
            if not fits(use, _others_use(use_of, d), caps):
                continue
            use_of[d] = use
            allocation = {q: spent[d].get(q, 0) + extra[q] for q in allowance}
            results[d] = DistrictResult(d, richer[d], plan, allocation, "leftover")
            taken += 1
        if not taken:
            break
    return made


def _others_use(use_of: Mapping[str, TrainerUse], d: str) -> TrainerUse:
    """Return the trainer half-days every district but ``d`` uses."""
    out: TrainerUse = defaultdict(set)
    for other, use in use_of.items():
        if other != d:
            add_use(out, use)
    return out


def _hungry(
    province: ProvinceScenario,
    results: Mapping[str, DistrictResult],
    floor: Mapping[str, float],
    runner: Runner,
    deadline: float | None,
) -> list[str]:
    """Return the districts to solve again in a pass.

    The districts furthest above their floor come first, as many as the time
    left before ``deadline`` allows.
    """
    hungry = sorted(
        (d for d in results if results[d].plan.solver.objective > floor[d] + 0.5),
        key=lambda d: (floor[d] - results[d].plan.solver.objective, d),
    )
    if deadline is None:
        return hungry
    limit_s = province.decomposition.district_time_limit_s
    batches = int((deadline - time.perf_counter()) / (FINAL_WORST_OVER_LIMIT * limit_s))
    return hungry[: max(batches, 0) * max(runner.workers, 1)]


def _offers(
    outs: list[SolveOutcome],
    richer: Mapping[str, Scenario],
    results: Mapping[str, DistrictResult],
    spent: Mapping[str, dict[str, int]],
    quarters: Iterable[str],
) -> list[tuple[float, str, dict[str, int], Plan]]:
    """Return the pass's checked plans as offers: (gain, district, extra, plan)."""
    offers = []
    for out in outs:
        d = out.district
        if out.plan is None or check_plan(richer[d], out.plan):
            continue
        gain = results[d].plan.solver.objective - out.plan.solver.objective
        extra = {q: out.spend.get(q, 0) - spent[d].get(q, 0) for q in quarters}
        offers.append((gain, d, extra, out.plan))
    return offers


def take_offers(
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
