"""The whole province solved as one scenario by a MIP solver, for its bound.

A small province's merged relaxation
(:func:`scheduler.province.compose.merged_relaxation`) bounds the province
better than the price rounds. When the shared budget binds, its bound is hard
for CP-SAT: on the bundled Đắk Nông scenario at 0.8 of its budget, CP-SAT's
bound after 60 s on two threads was 3,838,350 against a plan of 4,642,950,
while HiGHS (branch and cut on the same model, one thread) proves 4,642,350
optimal in 5–30 s, depending on its seed, and is at 4,250,975 after 10 s. Knapsack rows with lumpy
items (whole dialogues, whole classes) are what a MIP solver's cuts are made
for. So the merged task runs HiGHS on the translated model
(:mod:`scheduler.solver.highs`) and completes its solution in CP-SAT with every
variable fixed, which gives a plan in the usual form.

A deterministic run keeps CP-SAT: HiGHS's limit is in wall-clock seconds.
"""

from __future__ import annotations

import time
from dataclasses import replace
from importlib.metadata import version
from typing import TYPE_CHECKING

from scheduler.calendar import build_grid
from scheduler.plan import Status

if TYPE_CHECKING:
    from scheduler.model.builder import BuiltModel
    from scheduler.province.decompose import SolveOutcome, SolveTask

# HiGHS's own seconds when the task gives no limit
DEFAULT_SECONDS = 10.0
# seconds for CP-SAT to complete the fixed solution (staff named, events built)
COMPLETION_SECONDS = 30.0


def highs_task(task: SolveTask) -> SolveOutcome:
    """Solve the merged relaxation with HiGHS (runs inside a worker).

    Parameters
    ----------
    task : SolveTask
        The merged scenario; ``overrides["max_time_in_seconds"]`` is HiGHS's
        limit and ``overrides["random_seed"]`` its seed.

    Returns
    -------
    SolveOutcome
        HiGHS's proven bound, and its solution as a plan (staff named, the
        rest completed by CP-SAT) when it found one. Without a solution the plan is ``None`` and the bound still
        counts. A model the translation does not cover, or a failed HiGHS
        process, is solved by CP-SAT instead
        (:func:`scheduler.province.decompose.solve_task`).
    """
    from scheduler.model.builder import build_model
    from scheduler.province.decompose import SolveOutcome, shared_spend, solve_task
    from scheduler.solver.highs import kill_after, solve_with_highs
    from scheduler.solver.solve import solve

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
        return SolveOutcome(
            task.key,
            task.district,
            None,
            float("inf"),
            float("-inf"),
            {},
            str(exc),
            time.perf_counter() - started,
        )
    except (NotImplementedError, RuntimeError):
        # a model the translation does not cover, or a HiGHS process that
        # failed (e.g. highspy missing on a worker): CP-SAT solves it instead
        return solve_task(replace(task, engine="cp-sat"))
    bound = mip.bound if mip.bound is not None else float("-inf")

    def bound_only(why: str) -> SolveOutcome:
        # no plan, but HiGHS's proven bound still counts
        return SolveOutcome(
            task.key,
            task.district,
            None,
            float("inf"),
            bound,
            {},
            why,
            time.perf_counter() - started,
        )

    if mip.objective is None or not mip.values:
        return bound_only(f"HiGHS: {mip.status}, no solution in {limit:g} s")

    def fix(b: BuiltModel) -> None:
        b.model.clear_hints()  # type: ignore[no-untyped-call]
        hint = b.model.proto.solution_hint
        hint.vars.extend(range(len(mip.values)))
        hint.values.extend(mip.values)

    try:
        plan = solve(
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
    except Exception as exc:  # the solution does not complete: the bound stands
        return bound_only(f"HiGHS solution not completed: {exc}")
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
    return SolveOutcome(
        task.key,
        task.district,
        plan,
        objective,
        bound,
        shared_spend(plan, task.shared_source),
        "",
        time.perf_counter() - started,
    )
