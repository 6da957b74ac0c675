"""``solve``: scenario → CP-SAT → named staff → :class:`Plan`.

Stage 1 places every event and says which person works in each half-day and
class (see :mod:`scheduler.model.staff`); stage 2 gives the events their
people (:mod:`scheduler.solver.staffing`). Stage 1 is exact for names unless a
province is too large for it to follow travel between far venues; should
names then be impossible for the placed events, :func:`unnameable_cuts`
finds the sessions that cannot be named together (a day on its own, else
CP-SAT's core of the naming), shrinks them to a smallest such set and
forbids it, and stage 1 runs again. The time limit bounds the whole solve:
every round gets what is left of it.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import ortools
from ortools.sat.python import cp_model

from scheduler.calendar import HALVES, TimeGrid, build_grid
from scheduler.errors import InfeasibleScenario, SolverGaveUp
from scheduler.hints import hint_plan
from scheduler.kinds import Kind
from scheduler.leftout import broadcast_limit, session_limit, training_limit
from scheduler.model.builder import BuiltModel, build_model, objective_of, set_objective
from scheduler.model.variables import Decoded, LeftOut, Placed
from scheduler.plan import (
    Assignment,
    Event,
    PenaltyLine,
    Plan,
    SolverReport,
    Status,
    Unscheduled,
)
from scheduler.publications import (
    quotas,
)
from scheduler.scenario.schema import WEEKDAYS, HalfDay, Scenario
from scheduler.solver.greedy import greedy_plan
from scheduler.solver.guided import relaxation_start
from scheduler.solver.portfolio import cp_solver, portfolio_delay, race
from scheduler.solver.repair import move_unnamed, repair
from scheduler.solver.staffing import (
    Naming,
    StaffedEvent,
    name_staff,
    unnameable_core,
)

Progress = Callable[[float, float, float], None]
MIN_STAGE1_S = 0.5  # a placement round never gets less than this
NAMING_FLOOR_S = 2.0  # the naming of a placement gets at least this, even late
WARM_START_SECONDS = 5.0  # to complete a warm start's placements (propagation only)


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Pass (seconds, objective, bound) of each improving solution to a callback."""

    def __init__(self, progress: Progress, started: float) -> None:
        super().__init__()
        self.progress = progress
        self.started = started

    def on_solution_callback(self) -> None:
        self.progress(
            time.perf_counter() - self.started,
            self.objective_value,
            self.best_objective_bound,
        )


def solver_parameters(
    scenario: Scenario, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the CP-SAT parameters: defaults, then the scenario's, then overrides."""
    params = dict(scenario.solver.parameters)
    params.update(overrides or {})
    return params


@dataclass
class _Stage1:
    solver: cp_model.CpSolver
    status: cp_model.CpSolverStatus
    stages: list[dict[str, Any]]
    wall: float
    # the race's proven bound (the better of CP-SAT's and HiGHS's), which
    # ``solver`` does not hold when it is HiGHS's plan completed
    bound: float | None = None
    highs: str = ""  # "HiGHS <version>" when HiGHS ran beside CP-SAT


def _solve_stage1(
    built: BuiltModel,
    params: dict[str, Any],
    progress: Progress | None,
    highs_after: float | None = None,
) -> _Stage1:
    """Solve the placement model, lexicographically when stages are declared.

    A single-stage solve races HiGHS when ``highs_after`` is given
    (:func:`_race`).
    """
    sc = built.ctx.scenario
    model = built.model
    stage_names = [list(s) for s in sc.solver.stages]
    if stage_names:
        named = {n for s in stage_names for n in s}
        rest = [p.name for p in built.penalties if p.name not in named]
        stage_names[-1].extend(sorted(set(rest)))
    elif highs_after is not None:
        return _race(built, params, progress, highs_after)
    else:
        stage_names = [[p.name for p in built.penalties]]
    started = time.perf_counter()
    reports = []
    solver = cp_solver(params)
    status = cp_model.UNKNOWN
    budget = float(params.get("max_time_in_seconds", 30.0))
    for i, names in enumerate(stage_names):
        terms = [p for p in built.penalties if p.name in names]
        if len(stage_names) > 1:  # else the model's objective is already this one
            set_objective(model, terms)
        remaining = max(budget - (time.perf_counter() - started), 0.5)
        solver.parameters.max_time_in_seconds = remaining
        callback = _Reporter(progress, started) if progress else None
        status = solver.solve(model, callback)
        reports.append(
            {
                "goals": names,
                "status": Status(solver.status_name(status)),
                "objective": solver.objective_value if status in (2, 4) else None,
                "bound": solver.best_objective_bound if status in (2, 4) else None,
            }
        )
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        if i < len(stage_names) - 1:
            # keep this stage's level, then hint the next stage with this solution
            model.add(objective_of(terms) <= round(solver.objective_value))
            _hint_whole(model, solver)
    if len(stage_names) > 1:
        set_objective(model, built.penalties)
    return _Stage1(solver, status, reports, time.perf_counter() - started)


def _race(
    built: BuiltModel,
    params: dict[str, Any],
    progress: Progress | None,
    highs_after: float,
) -> _Stage1:
    """Solve with HiGHS joining CP-SAT after ``highs_after`` s (:func:`scheduler.solver.portfolio.race`)."""
    started = time.perf_counter()
    callback = _Reporter(progress, started) if progress else None
    won = race(built.model, params, highs_after, callback)
    report: dict[str, Any] = {
        "goals": [p.name for p in built.penalties],
        "status": Status(won.solver.status_name(won.status)),
        "objective": won.solver.objective_value if won.bound is not None else None,
        "bound": won.bound,
    }
    if won.report:
        report["highs"] = won.report
    if won.found_by == "highs":
        report["found_by"] = "highs"
    return _Stage1(
        won.solver,
        won.status,
        [report],
        time.perf_counter() - started,
        won.bound,
        won.highs,
    )


def _warm_start_only(built: BuiltModel, params: dict[str, Any]) -> _Stage1:
    """Solve with the hinted placements fixed (the warm start, completed)."""
    started = time.perf_counter()
    solver = cp_solver(
        {
            "num_workers": 1,
            "random_seed": int(params.get("random_seed", 0)),
            "max_time_in_seconds": WARM_START_SECONDS,
            "fix_variables_to_their_hinted_value": True,
            "cp_model_presolve": False,
        }
    )
    status = solver.solve(built.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    report = {
        "goals": [p.name for p in built.penalties],
        "status": "FEASIBLE (warm start)"
        if found
        else Status(solver.status_name(status)),
        "objective": solver.objective_value if found else None,
        "bound": None,
    }
    return _Stage1(solver, status, [report], time.perf_counter() - started)


GUIDED_SHARE = 0.6  # of the time left, at most, for the relaxation's start


def _guided_start(
    built: BuiltModel,
    params: dict[str, Any],
    deadline: float,
    warm_done: _Stage1 | None,
) -> tuple[_Stage1, float, bool] | None:
    """Start from the linear relaxation (:mod:`scheduler.solver.guided`).

    Returns the start, the relaxation's bound and whether the start is
    better than the greedy plan's completion (never when its placements
    were not completed in time: the stage then only reports the bound), or
    None when the relaxation was not solved in time. A better start's whole
    solution becomes the model's hint, and :func:`solve` takes it as its
    first round.
    The bound becomes a row of the model, ``objective >= bound`` (valid for
    every plan): CP-SAT's own bound starts there, and a round with a
    ``relative_gap_limit`` stops once within it of the bound.
    """
    found = relaxation_start(
        built, params, GUIDED_SHARE * (deadline - time.perf_counter())
    )
    if found is None:
        return None
    m = built.model
    # a little below the relaxation's optimum: HiGHS's tolerances
    m.add(objective_of(built.penalties) >= _just_below(found.bound))
    solver = found.solver
    better = solver is not None and (
        warm_done is None or solver.objective_value < warm_done.solver.objective_value
    )
    if better and solver is not None:
        _hint_whole(m, solver)
    if solver is None:
        status = "UNKNOWN (linear relaxation: its placements not completed in time)"
    elif better:
        status = "FEASIBLE (linear relaxation)"
    else:
        status = "FEASIBLE (linear relaxation, not better than the greedy plan)"
    report = {
        "goals": list(dict.fromkeys(p.name for p in built.penalties)),
        "status": status,
        "objective": None if solver is None else solver.objective_value,
        "bound": found.bound,
        "fixed_by_relaxation": found.fixed,
    }
    if found.sides:
        # the relaxation split on whole counts: its leaves
        report["relaxation_leaves"] = found.sides
    # its bound is the relaxation's: the fixed copy's own proves nothing; with
    # no start the stage only carries the report (not better: never a round)
    stage = _Stage1(
        solver or cp_model.CpSolver(),
        cp_model.FEASIBLE if solver is not None else cp_model.UNKNOWN,
        [report],
        found.wall,
        found.bound,
    )
    return stage, found.bound, better


def _just_below(bound: float) -> int:
    """Return an integer a little below a relaxation's bound (still a bound)."""
    return math.floor(bound - 1e-6 * max(abs(bound), 1.0))


def _better_greedy(scenario: Scenario, grid: TimeGrid) -> Plan:
    """Return the better greedy plan: the baseline, or its station items first.

    When money binds, the baseline's early sessions spend a quarter's money
    and its station items go unaired; with the items first the sessions take
    what is left (measured on Nghệ An's 130 communes: 105 M against 1.95 M).
    """
    return min(
        (greedy_plan(scenario, grid, stations_first=f) for f in (False, True)),
        key=lambda p: p.solver.objective,
    )


def _start_from_greedy(
    built: BuiltModel, params: dict[str, Any], warm_start: Plan | None
) -> tuple[Plan, _Stage1 | None]:
    """Hint the greedy plan, completed, as the whole solution (a too-large province).

    Measured on 130 communes: CP-SAT alone ended near the empty plan; it
    starts from the greedy plan completed, and improves on it. Returns the
    warm start used and its completion (None when it does not fit the model).
    """
    scenario, grid = built.ctx.scenario, built.ctx.grid
    if warm_start is None:
        warm_start = _better_greedy(scenario, grid)
    hint_plan(built, warm_start)
    done = _warm_start_only(built, params)
    if done.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return warm_start, None
    # the whole solution as the hint: the search starts from a plan
    m = built.model
    _hint_whole(m, done.solver)
    return warm_start, done


def solve(
    scenario: Scenario,
    grid: TimeGrid | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
    prepare: Callable[[BuiltModel], None] | None = None,
    warm_start: Plan | None = None,
    fixed_staff: dict[str, tuple[tuple[str, str], ...]] | None = None,
    preferred_staff: dict[str, tuple[tuple[str, str], ...]] | None = None,
    built: BuiltModel | None = None,
    engine: str | None = None,
) -> Plan:
    """Plan a scenario.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    grid : TimeGrid, optional
        Its time grid (built when not given).
    overrides : dict, optional
        CP-SAT parameters that take precedence over the scenario's
        (e.g. ``{"max_time_in_seconds": 5}``).
    progress : callable, optional
        Called with (seconds, objective, bound) at each improving solution.
    prepare : callable, optional
        Adds constraints, penalties and hints to the built model before
        solving (re-plans: the pinned past, locks, the minimal-change goals).
    fixed_staff, preferred_staff : dict, optional
        Passed to the naming stage (:func:`scheduler.solver.staffing.name_staff`).
    built : BuiltModel, optional
        The model of this scenario and grid, built earlier and reused (the
        province's price rounds solve one district model at several prices).
        Its penalties must be the built ones and it must have no hints; its
        objective is set here. The report's build time is then only what this
        call adds (``prepare`` and the objective).
    warm_start : Plan, optional
        A plan of the same scenario (e.g. the greedy baseline's) to fall back
        on when CP-SAT finds no plan within the time limit: its placements are
        fixed (:mod:`scheduler.hints`) and the rest filled in, and the report
        keeps the failed search's bound. Hinting it from the start was measured
        and not kept: it helps some districts and holds others at the warm
        start's level for the whole limit.
    engine : str, optional
        ``"portfolio"`` or ``"cp-sat"``; default: the scenario's
        ``solver.engine``, with two or more threads (see
        :func:`portfolio_delay`).

    Returns
    -------
    Plan
        Events with named staff, what was left out, the score breakdown and
        the solver's status, objective, bound and gap.

    Raises
    ------
    InfeasibleScenario
        When hard rules conflict even with optional activities left out; the
        reasons say so (``explained`` False) unless staff travel is to blame.
        :func:`scheduler.explain.explained` names the conflicting rules.
    RuntimeError
        When no plan was found within the time limit.
    """
    grid = grid or build_grid(scenario)
    params = solver_parameters(scenario, overrides)
    t0 = time.perf_counter()
    reused = built is not None
    if built is None:
        built = build_model(scenario, grid)
    if prepare is not None:
        prepare(built)
    if prepare is not None or reused:
        # the hook may change the goals; a reused model has an earlier objective
        set_objective(built.model, built.penalties)
    build_time = time.perf_counter() - t0
    wall = 0.0
    proven_bound: float | None = None
    highs_after = portfolio_delay(scenario, params, engine)
    # the time limit bounds the whole solve, every placement round and naming
    limit = float(params.get("max_time_in_seconds", 30.0))
    deadline = t0 + limit
    seed = int(params.get("random_seed", 0))
    unnamed = 0  # placements whose staff could not be named
    # a province too large for exact travel: the first round's placement and
    # bound, kept when one half-day a person was added (scheduler.model.trips)
    first: tuple[_Stage1, list[tuple[StaffedEvent, Event]]] | None = None
    relaxed_bound: float | None = None
    warm_done: _Stage1 | None = None  # the greedy plan, completed
    earlier: list[dict[str, Any]] = []  # the reports of the rounds before
    trips_tried = False  # one half-day a person was added (model/trips.py)
    round_bound: float | None = None  # the last placement round's bound
    round_stages: list[dict[str, Any]] = []  # and its report
    floor: float | None = None  # the linear relaxation's bound (every plan)
    first_round: _Stage1 | None = None  # the relaxation's start, when better
    if not built.ctx.travel_exact and not len(built.model.proto.solution_hint.vars):
        warm_start, warm_done = _start_from_greedy(built, params, warm_start)
        if warm_done is not None:
            wall += warm_done.wall
        # the relaxation's start is the rounds' hint; the greedy plan, always
        # nameable, stays the fallback (warm_done). Not in a deterministic
        # solve: the relaxation's time limit is in wall-clock seconds
        deterministic = bool(
            params.get("interleave_search") or "max_deterministic_time" in params
        )
        guided = (
            None if deterministic else _guided_start(built, params, deadline, warm_done)
        )
        if guided is not None:
            start, floor, better = guided
            wall += start.wall
            if better:
                # the first round: named (or moved) at once, it is the plan to
                # beat; the round after it (_again) gets the time left
                first_round = start
            else:
                earlier += start.stages
    while True:
        left = deadline - time.perf_counter()
        if unnamed and left <= 0:
            # the time went on placements nobody could name: the greedy plan
            # (named by hand, as an officer would) with the bound found so far
            bound = relaxed_bound if relaxed_bound is not None else round_bound
            greedy = _greedy_fallback(
                built, bound, [*earlier, *round_stages], params, wall, build_time
            )
            if greedy is None or bound is None:
                raise _no_names_in_time(limit, unnamed)
            return greedy
        # a placement that may not be nameable keeps time to be repaired
        exact = built.ctx.travel_exact
        reserve = 0.0 if exact else REPAIR_SHARE * limit
        if floor is not None and relaxed_bound is None:
            # from the relaxation's start the round's placement may need
            # moving: keep the time for that (_move)
            reserve = MOVE_SHARE * limit
        # without stars a placement is seldom nameable: keep time for a second
        share = (
            FIRST_ROUND_SHARE
            if not built.ctx.travel_stars and relaxed_bound is None
            else 1.0
        )
        round_params = {
            **params,
            "max_time_in_seconds": max((left - reserve) * share, MIN_STAGE1_S),
        }
        if first_round is not None:
            stage1, first_round = first_round, None  # its time is counted
        else:
            stage1 = _solve_stage1(built, round_params, progress, highs_after)
            wall += stage1.wall
        # the bound of the last round: its model only cut off unnameable
        # placements, so it holds for every plan
        round_bound = (
            stage1.bound
            if stage1.bound is not None
            else stage1.solver.best_objective_bound
        )
        round_stages = stage1.stages
        if not exact and relaxed_bound is None and stage1.status == cp_model.UNKNOWN:
            # no placement in time: its bound holds for every plan; go on from
            # the completed greedy plan, else with one half-day a person
            relaxed_bound = stage1.solver.best_objective_bound
            if warm_done is None:
                _restrict(built, stage1, None)
                trips_tried = True
                earlier += stage1.stages
                continue
            stage1 = warm_done
        if first is not None and stage1.status not in (
            cp_model.OPTIMAL,
            cp_model.FEASIBLE,
        ):
            # nothing within one half-day a person: repair the first placement
            stage1, draft = first
            earlier = []  # the repair's report holds the first round's
            _unrestrict(built)  # the first placement was made without the rows
            first = None
            mended = _repair(built, stage1, draft, params, deadline, fixed_staff)
            if mended is None:
                # no plan leaves events out either (a pin, a target): back to
                # the exact path, cutting off what cannot be named
                if deadline - time.perf_counter() <= 0:
                    raise SolverGaveUp(*_GAVE_UP_NAMING)
                for cut in unnameable_cuts(
                    built, stage1.solver, draft, seed, deadline, fixed_staff
                ):
                    built.model.add(sum(cut) <= len(cut) - 1)
                continue
            stage1, draft, naming = mended[0], mended[2], mended[3]
            wall += stage1.wall
            status = stage1.status
            break
        if stage1.status == cp_model.UNKNOWN and warm_start is not None:
            # no plan in time: fall back on the warm start itself, completed;
            # the failed search's bound stays the valid one
            hint_plan(built, warm_start)
            fallback = _warm_start_only(built, params)
            wall += fallback.wall
            if fallback.status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                proven_bound = stage1.solver.best_objective_bound
                stage1 = fallback
            # else the warm start does not fit this model: no plan, as without it
        status = stage1.status
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # the rules held before any cut: then only names (travel) are to blame
            raise _no_plan(stage1, params, bool(unnamed or relaxed_bound is not None))
        decoded = built.ctx.vars.decode(stage1.solver)
        stage1_decoded = stage1.solver
        draft = [(_staffed(scenario, p), p.event) for p in decoded.placed]
        naming = name_staff(
            scenario,
            [e for e, _ in draft],
            grid.staff_blocked,
            # the last placement is named even when stage 1 used all the time
            min(
                scenario.solver.naming_time_limit_s,
                max(deadline - time.perf_counter(), NAMING_FLOOR_S),
            ),
            seed,
            fixed=fixed_staff,
            prefer=preferred_staff,
        )
        if naming.people or not draft:
            break
        if naming.status != Status.INFEASIBLE:
            raise SolverGaveUp(
                "chưa xếp xong tên cán bộ trong thời gian cho phép (trạng thái "
                f"{naming.status}); hãy tăng --time-limit",
                f"staff were not named within the time limit (naming status "
                f"{naming.status}); allow more time with --time-limit",
            )
        # names impossible for this placement: forbid the sets of sessions
        # that cannot be named, and place again
        unnamed += 1
        if not built.ctx.travel_exact and not trips_tried:
            moved = _move(
                built, stage1, draft, params, deadline, fixed_staff, preferred_staff
            )
            if moved is not None:
                # the round's model relaxes travel: its bound holds for every plan
                relaxed_bound = round_bound if relaxed_bound is None else relaxed_bound
                stage1, draft, naming = moved
                wall += stage1.wall
                status = stage1.status
                break
        if not built.ctx.travel_exact and not trips_tried:
            # a province too large for exact travel: keep this bound, place
            # again with one half-day a person on days of far venues
            bound = _restrict(built, stage1, draft)
            relaxed_bound = bound if relaxed_bound is None else relaxed_bound
            first = (stage1, draft)
            trips_tried = True
            earlier += stage1.stages
            continue
        if not built.ctx.travel_exact:
            # another round would re-solve it whole: leave out what cannot
            # be named instead
            mended = _repair(built, stage1, draft, params, deadline, fixed_staff)
            if mended is not None:
                stage1, draft, naming = mended[0], mended[2], mended[3]
                wall += stage1.wall
                status = stage1.status
                break
        for cut in unnameable_cuts(
            built, stage1.solver, draft, seed, deadline, fixed_staff
        ):
            built.model.add(sum(cut) <= len(cut) - 1)

    if (
        floor is not None
        and not trips_tried
        and status
        in (
            cp_model.OPTIMAL,
            cp_model.FEASIBLE,
        )
    ):
        # a named plan from the relaxation's start, with time left: once more
        again_started = time.perf_counter()
        again, again_bound = _again(
            built,
            stage1,
            params,
            progress,
            highs_after,
            deadline,
            (fixed_staff, preferred_staff),
        )
        wall += time.perf_counter() - again_started
        if again_bound is not None:
            floor = max(floor, again_bound)
        if again is not None:
            earlier += stage1.stages
            stage1, draft, naming = again
            status = stage1.status
    if relaxed_bound is not None:
        # the first round's model relaxes travel: its bound holds for every plan
        proven_bound = (
            relaxed_bound if proven_bound is None else min(proven_bound, relaxed_bound)
        )
    if (
        warm_done is not None
        and warm_done.solver is not stage1.solver
        and warm_done.solver.objective_value < stage1.solver.objective_value - 0.5
    ):
        # the rounds ended worse than the greedy plan they started from (one
        # half-day a person, or events left out): the greedy plan, if named
        warm_draft = _draft(built, warm_done.solver)
        warm_naming = name_staff(
            scenario,
            [e for e, _ in warm_draft],
            grid.staff_blocked,
            max(deadline - time.perf_counter(), NAMING_FLOOR_S),
            seed,
            fixed=fixed_staff,
            prefer=preferred_staff,
        )
        if warm_naming.people:
            if proven_bound is None:
                proven_bound = (
                    stage1.bound
                    if stage1.bound is not None
                    else stage1.solver.best_objective_bound
                )
            earlier += stage1.stages
            stage1, draft, naming = warm_done, warm_draft, warm_naming
    return _plan_of(
        built,
        stage1,
        draft,
        naming,
        decoded if stage1.solver is stage1_decoded else None,
        _Outcome(status, proven_bound, wall, build_time, params, earlier, floor),
    )


def _greedy_fallback(
    built: BuiltModel,
    bound: float | None,
    rounds: list[dict[str, Any]],
    params: dict[str, Any],
    wall: float,
    build_time: float,
) -> Plan | None:
    """Return the greedy plan, reported with the solver's valid bound, or None.

    Used when the time limit went on placements whose staff could not be
    named (a province whose travel stage 1 cannot follow exactly): a plan the
    planner can carry out beats no plan. The better of the two greedy plans
    (sessions first, station items first) is taken; None when neither keeps
    every hard rule's count (a greedy plan with nothing placed is no plan).
    """
    scenario, grid = built.ctx.scenario, built.ctx.grid
    plan = _better_greedy(scenario, grid)
    if not plan.events or bound is None:
        return None
    objective = plan.solver.objective
    bound = min(bound, objective)
    gap = abs(objective - bound) / max(abs(objective), 1e-9) if objective else 0.0
    report = replace(
        plan.solver,
        status=Status.FEASIBLE,
        bound=bound,
        gap=gap,
        wall_time_s=round(wall + plan.solver.wall_time_s, 3),
        build_time_s=round(build_time, 3),
        solver=f"{plan.solver.solver} + OR-Tools CP-SAT {ortools.__version__}",  # type: ignore[attr-defined]
        parameters=params,
        stages=(
            *rounds,
            {
                "goals": [],
                "status": "FEASIBLE (greedy: staff could not be named in time)",
                "objective": objective,
                "bound": bound,
            },
        ),
    )
    return replace(plan, solver=report)


def _no_names_in_time(limit: float, unnamed: int) -> SolverGaveUp:
    """Return the error of a time limit spent on placements nobody could name."""
    limit_vi = f"{limit:g}".replace(".", ",")  # decimal comma
    return SolverGaveUp(
        f"chưa có kế hoạch nêu được tên cán bộ trong {limit_vi} giây: "
        f"{unnamed} phương án không xếp được tên (đi lại giữa các buổi xa "
        "nhau trong một ngày, hoặc tên mà lần lập lại giữ nguyên); hãy "
        "tăng --time-limit",
        f"no plan with named staff within {limit:g} s: {unnamed} "
        "placement(s) could not be named (travel between far-apart "
        "sessions of one day, or names a re-plan keeps); allow more time "
        "with --time-limit",
    )


def _no_plan(
    stage1: _Stage1, params: dict[str, Any], after_cuts: bool
) -> InfeasibleScenario | SolverGaveUp:
    """Return the error of a placement round that found no plan.

    Infeasible after naming cuts (``after_cuts``): travel is to blame;
    infeasible otherwise: the rules conflict (naming them is explain's,
    :func:`scheduler.explain.explained`); anything else: out of time.
    """
    if stage1.status == cp_model.INFEASIBLE and after_cuts:
        return InfeasibleScenario([TRAVEL_REASON])
    if stage1.status == cp_model.INFEASIBLE:
        return InfeasibleScenario([NO_PLAN_REASON], explained=False)
    given = params.get("max_time_in_seconds")
    given_vi = str(given).replace(".", ",")  # decimal comma
    name = Status(stage1.solver.status_name(stage1.status))
    return SolverGaveUp(
        f"chưa tìm được kế hoạch trong {given_vi} giây (trạng thái CP-SAT "
        f"{name}); hãy tăng --time-limit",
        f"no plan found within {given} s (CP-SAT status {name}); "
        "try a larger --time-limit",
    )


@dataclass(frozen=True)
class _Outcome:
    """What the rounds of :func:`solve` found beside the last placement."""

    status: cp_model.CpSolverStatus
    proven_bound: (
        float | None
    )  # a bound valid for every plan, when the last round's is not
    wall: float
    build_time: float
    params: dict[str, Any]
    earlier: list[dict[str, Any]]  # the reports of the rounds before the last
    # a bound valid for every plan, taken when higher (the linear relaxation's)
    floor: float | None = None


def count_booleans(proto: Any) -> int:
    """Return how many variables of a CP-SAT model have the domain exactly [0, 1].

    Read element by element: copying each domain to a list first took three
    times as long (0.045 s against 0.016 s of CPU for Hưng Nguyên's 11,583
    variables, in the command's own time after the solve).
    """
    return sum(
        1
        for v in proto.variables
        if len(d := v.domain) == 2 and d[0] == 0 and d[1] == 1
    )


def _plan_of(
    built: BuiltModel,
    stage1: _Stage1,
    draft: list[tuple[StaffedEvent, Event]],
    naming: Naming,
    decoded: Decoded | None,
    outcome: _Outcome,
) -> Plan:
    """Return the plan of a named placement: events, left out, score and report.

    ``decoded`` is the last placement's decoding when it was kept (None: the
    plan came from another round, the greedy start or a repair, and is decoded
    again here).
    """
    scenario = built.ctx.scenario
    status, proven_bound, params = outcome.status, outcome.proven_bound, outcome.params
    wall, build_time, earlier = outcome.wall, outcome.build_time, outcome.earlier
    solver = stage1.solver
    events = []
    for staffed, event in draft:
        people = naming.people.get(staffed.event_id, ())
        events.append(
            Event(
                **{
                    **event.__dict__,
                    "staff": tuple(Assignment(p, r) for p, r in people),
                }
            )
        )
    if decoded is None:
        decoded = built.ctx.vars.decode(solver)
    events.extend(decoded.publications)
    events.sort(key=lambda e: (e.start, e.event_id))
    objective = solver.objective_value
    bound = solver.best_objective_bound if stage1.bound is None else stage1.bound
    if proven_bound is not None:
        bound = min(proven_bound, objective)
        status = cp_model.FEASIBLE
    if outcome.floor is not None and outcome.floor > bound:
        bound = min(outcome.floor, objective)
    gap = abs(objective - bound) / max(abs(objective), 1e-9) if objective else 0.0
    proto = built.model.proto
    status_name = Status(solver.status_name(status))
    if status == cp_model.OPTIMAL and objective - bound > 1e-6 * max(abs(objective), 1):
        # stopped by ``relative_gap_limit`` (CP-SAT then says OPTIMAL): not proven
        status_name = Status.FEASIBLE
    report = SolverReport(
        status=status_name,
        objective=objective,
        bound=bound,
        gap=gap,
        wall_time_s=round(wall, 3),
        build_time_s=round(build_time, 3),
        solver=f"OR-Tools CP-SAT {ortools.__version__}"  # type: ignore[attr-defined]
        + (f" + {stage1.highs}" if stage1.highs else ""),
        parameters=params,
        num_booleans=count_booleans(proto),
        num_constraints=len(proto.constraints),
        naming_status=naming.status,
        stages=tuple([*earlier, *stage1.stages]),
    )
    return Plan(
        scenario=scenario.name,
        title=scenario.title,
        input_hash=scenario.input_hash,
        horizon_start=scenario.horizon.start,
        horizon_end=scenario.horizon.end,
        events=tuple(events),
        unscheduled=tuple(_unscheduled(built, events)),
        penalties=tuple(_breakdown(built, solver, events)),
        solver=report,
        required=_required(built),
    )


REPAIR_SHARE = 0.15  # of the time limit, kept for a repair when travel is not exact
# of the rest, the first round's share when there are no star rows (the
# second round, with one half-day a person, gets what is left and the reserve).
# Measured: on 40 communes without star rows the first placement (482,925,
# near the optimum) could not be named and, with the whole time, the second
# round had 0.5 s; on 130 the first placement was named, and HiGHS beside it
# (which alone proves 130 communes at ×1.0 optimal in 60 s) needs the time
FIRST_ROUND_SHARE = 0.8
_GAVE_UP_NAMING = (
    "chưa có kế hoạch nêu được tên cán bộ trong thời gian cho phép (đi lại giữa "
    "các buổi xa nhau trong một ngày); hãy tăng --time-limit",
    "no plan with named staff within the time limit (travel between far-apart "
    "sessions of one day); allow more time with --time-limit",
)


def _unrestrict(built: BuiltModel) -> None:
    """Switch the rows of one half-day a person off again (:mod:`scheduler.model.trips`)."""
    from scheduler.model.trips import switch

    m = built.model
    for index, var in enumerate(m.proto.variables):
        if var.name == "one_half_a_day":
            switch(built.ctx, m.get_int_var_from_proto_index(index), False)


def _restrict(
    built: BuiltModel,
    stage1: _Stage1,
    draft: list[tuple[StaffedEvent, Event]] | None,
) -> float:
    """Add one half-day a person (:mod:`scheduler.model.trips`); return the bound.

    The bound is the round's (the race's when HiGHS ran), valid for every plan
    since the model had no restriction yet. With a placement (``draft``) its
    values hint the next round.
    """
    from scheduler.model.trips import add_one_half_a_day

    bound = (
        stage1.bound if stage1.bound is not None else stage1.solver.best_objective_bound
    )
    add_one_half_a_day(built.ctx)  # its literal is found again by name to switch
    if draft is not None:
        _hint_whole(built.model, stage1.solver)
    else:
        built.model.clear_hints()  # type: ignore[no-untyped-call]
    return bound


AGAIN_SHARE = 0.15  # of the limit, at least left, for one more round (_again)


def _again(
    built: BuiltModel,
    named: _Stage1,
    params: dict[str, Any],
    progress: Progress | None,
    highs_after: float | None,
    deadline: float,
    names: tuple[
        dict[str, tuple[tuple[str, str], ...]] | None,
        dict[str, tuple[tuple[str, str], ...]] | None,
    ],
) -> tuple[
    tuple[_Stage1, list[tuple[StaffedEvent, Event]], Naming] | None, float | None
]:
    """Run one more round from a named plan with the time left, and name it.

    The moves of a placement and a relaxation that named at once leave time
    (25 communes at ×0.8: 24 s of 60). The round starts from the named plan
    as a whole hint; its placement is kept only when better and named, or
    moved and named (:func:`_move`). Returns that, or None, and the round's
    bound, valid for every plan (its model relaxes travel and only cuts off
    placements nobody can name), or None when there was no round.
    """
    limit = float(params.get("max_time_in_seconds", 30.0))
    left = deadline - time.perf_counter()
    if left < AGAIN_SHARE * limit:
        return None, None
    _hint_whole(built.model, named.solver)
    # the moves keep their time, as after the first round
    reserve = min(MOVE_SHARE * limit, left / 2)
    round_params = {**params, "max_time_in_seconds": max(left - reserve, MIN_STAGE1_S)}
    again = _solve_stage1(built, round_params, progress, highs_after)
    if again.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None
    bound = (
        again.bound if again.bound is not None else again.solver.best_objective_bound
    )
    if again.solver.objective_value >= named.solver.objective_value - 0.5:
        return None, bound
    draft = _draft(built, again.solver)
    fixed, prefer = names
    naming = name_staff(
        built.ctx.scenario,
        [e for e, _ in draft],
        built.ctx.grid.staff_blocked,
        max(deadline - time.perf_counter(), NAMING_FLOOR_S),
        int(params.get("random_seed", 0)),
        fixed=fixed,
        prefer=prefer,
    )
    if naming.people or not draft:
        return (again, draft, naming), bound
    moved = _move(built, again, draft, params, deadline, fixed, prefer)
    if moved is None or moved[0].solver.objective_value >= named.solver.objective_value:
        return None, bound
    return moved, bound


def _hint_whole(model: cp_model.CpModel, solver: cp_model.CpSolver) -> None:
    """Make a solver's whole solution the model's hint."""
    model.clear_hints()  # type: ignore[no-untyped-call]
    for index in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(index)
        model.add_hint(var, solver.value(var))


MOVE_ROUNDS = 5  # placements named again after their unnamed sessions moved
# of the time limit, kept after a round that started from the relaxation: on
# 130 communes the first most valuable nameable set takes 4-9 s, each move
# about 2 s and each naming 1 s, three moves in all; 9 s (REPAIR_SHARE) left
# the first of them 2 s. Where the relaxation is weak (25 communes: 8 % below
# the optimum) the round's own bound is the better one: it is not skipped
MOVE_SHARE = 0.4


def _move(
    built: BuiltModel,
    stage1: _Stage1,
    draft: list[tuple[StaffedEvent, Event]],
    params: dict[str, Any],
    deadline: float,
    fixed: dict[str, tuple[tuple[str, str], ...]] | None,
    prefer: dict[str, tuple[tuple[str, str], ...]] | None,
) -> tuple[_Stage1, list[tuple[StaffedEvent, Event]], Naming] | None:
    """Move the sessions nobody can name (:func:`scheduler.solver.repair.move_unnamed`).

    Names each new placement; a placement whose moved sessions cannot be
    named either is moved again, up to :data:`MOVE_ROUNDS` times. Returns the
    stage with the named placement, its draft and naming; None when no round
    gave a named placement in time. The stage's bound is not set: the
    caller keeps the travel-relaxed round's, valid for every plan.
    """
    started = time.perf_counter()
    seed = int(params.get("random_seed", 0))
    solver, moved = stage1.solver, 0
    avoid: frozenset[int] = frozenset()  # half-days found unnameable before
    for _ in range(MOVE_ROUNDS):
        left = deadline - time.perf_counter()
        if left < 2 * NAMING_FLOOR_S:
            return None
        step = move_unnamed(
            built,
            solver,
            draft,
            params,
            max(left / 2, 1.0),
            max(left / 3, 1.0),
            fixed,
            avoid,
        )
        if step is None:
            return None
        solver, moved = step.solver, moved + len(step.moved)
        avoid |= step.left
        draft = _draft(built, solver)
        naming = name_staff(
            built.ctx.scenario,
            [e for e, _ in draft],
            built.ctx.grid.staff_blocked,
            max(deadline - time.perf_counter(), NAMING_FLOOR_S),
            seed,
            fixed=fixed,
            prefer=prefer,
        )
        if naming.people or not draft:
            report = {
                "goals": stage1.stages[-1]["goals"] if stage1.stages else [],
                "status": "FEASIBLE (moved)",
                "objective": solver.objective_value,
                "bound": None,
                "moved_unnameable": moved,
            }
            done = _Stage1(
                solver,
                cp_model.FEASIBLE,
                [*stage1.stages, report],
                time.perf_counter() - started,
                None,
                stage1.highs,
            )
            return done, draft, naming
        if naming.status != Status.INFEASIBLE:
            return None
    return None


def _repair(
    built: BuiltModel,
    stage1: _Stage1,
    draft: list[tuple[StaffedEvent, Event]],
    params: dict[str, Any],
    deadline: float,
    fixed: dict[str, tuple[tuple[str, str], ...]] | None,
) -> tuple[_Stage1, float, list[tuple[StaffedEvent, Event]], Any] | None:
    """Leave out what cannot be named (:func:`scheduler.solver.repair.repair`).

    Returns the completed stage 1, the failed placement's bound (valid: its
    model relaxes travel), the new draft and its naming; None when the repair
    found no plan.
    """
    started = time.perf_counter()
    left = max(deadline - started, 2 * NAMING_FLOOR_S)
    seed = int(params.get("random_seed", 0))
    mended = repair(built, stage1.solver, draft, params, left / 2, left / 2, fixed)
    if mended is None:
        return None
    new_draft = _draft(built, mended.solver)
    naming = name_staff(
        built.ctx.scenario,
        [e for e, _ in new_draft],
        built.ctx.grid.staff_blocked,
        max(deadline - time.perf_counter(), NAMING_FLOOR_S),
        seed,
        fixed=fixed,
    )
    if not naming.people and new_draft:
        return None
    bound = (
        stage1.bound if stage1.bound is not None else stage1.solver.best_objective_bound
    )
    report = {
        "goals": stage1.stages[-1]["goals"] if stage1.stages else [],
        "status": "FEASIBLE (repair)",
        "objective": mended.solver.objective_value,
        "bound": bound,
        "left_out_unnameable": len(mended.dropped),
    }
    done = _Stage1(
        mended.solver,
        cp_model.FEASIBLE,
        [*stage1.stages, report],
        time.perf_counter() - started,
        None,
        stage1.highs,
    )
    return done, bound, new_draft, naming


NAMING_CHECK_TIME_S = 2.0  # one day's naming is tiny; UNKNOWN is never taken as proof
NAMING_CORE_TIME_S = 10.0  # the whole placement's core of unnameable events

NO_PLAN_REASON = (
    "Không có kế hoạch nào thỏa mọi quy tắc bắt buộc (đã chứng minh). Chạy "
    "`scheduler explain` để biết các quy tắc mâu thuẫn.",
    "No plan meets every hard rule (proven). Run `scheduler explain` for the "
    "conflicting rules.",
)
TRAVEL_REASON = (
    "Không thể phân công cán bộ cho mọi buổi bắt buộc: cán bộ không kịp đi lại "
    "giữa các buổi sáng và chiều ở những nơi cách xa nhau trong cùng một ngày, "
    "và các quy tắc bắt buộc (chỉ tiêu, ngày cố định) không còn cách xếp nào khác.",
    "Staff cannot be named for every required session: nobody can travel in "
    "time between the far-apart venues of some days' morning and afternoon "
    "sessions, and the hard rules (targets, pinned dates) leave no other placement.",
)


def unnameable_cuts(
    built: BuiltModel,
    solver: cp_model.CpSolver,
    draft: list[tuple[StaffedEvent, Event]],
    seed: int,
    deadline: float,
    fixed: dict[str, tuple[tuple[str, str], ...]] | None = None,
) -> list[list[cp_model.IntVar]]:
    """Return no-goods for a placement whose staff cannot be named.

    First the days that fail on their own (:func:`unnameable_day_cuts`).
    Else the events of the whole placement that cannot be named together:
    CP-SAT's core of the naming model with one assumption per event, shrunk
    by deletion (drop an event, keep the drop if naming still fails), and
    forbidden as a set of placements (session half-days, class start days).
    The core is found without ``fixed`` names, so it holds for every
    placement; only when the fixed names alone are to blame, or time runs
    out, is the whole placement cut off. Nothing runs past ``deadline``.

    Parameters
    ----------
    built : BuiltModel
        The stage-1 model, whose placement variables the cuts are on.
    solver : cp_model.CpSolver
        The stage-1 solver holding the placement that could not be named.
    draft : list of (StaffedEvent, Event)
        The placement's events (:func:`_draft`).
    seed : int
        Seed of the naming checks.
    deadline : float
        ``time.perf_counter()`` value after which no more checks start.
    fixed : dict, optional
        The fixed names of the naming that failed (re-plans).

    Returns
    -------
    list of list of IntVar
        Each list: placement variables that must not all be true; never empty.
    """
    cuts = unnameable_day_cuts(built, solver, seed, deadline)
    if cuts:
        return cuts
    ctx = built.ctx
    sc, grid = ctx.scenario, ctx.grid
    literal = _placement_literals(built, draft)
    staffed = [e for e, _ in draft if e.event_id in literal]

    def core_of(events: list[StaffedEvent]) -> tuple[str, ...] | None:
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        return unnameable_core(
            sc, events, grid.staff_blocked, min(NAMING_CORE_TIME_S, left), seed
        )

    core = core_of(staffed)
    if core:
        kept = [e for e in staffed if e.event_id in set(core)]
        for e in list(kept):
            smaller = core_of([k for k in kept if k is not e])
            if smaller:
                kept = [k for k in kept if k.event_id in set(smaller)]
        return [[literal[e.event_id] for e in kept]]
    # fixed names are to blame, or no proof in time: this placement only
    return [list(literal.values())]


def _placement_literals(
    built: BuiltModel, draft: list[tuple[StaffedEvent, Event]]
) -> dict[str, cp_model.IntVar]:
    """Return the stage-1 literal that placed each staffed event, by event id.

    A session's half-day variable; a class's start-day variable.
    """
    out: dict[str, cp_model.IntVar] = {}
    for staffed, event in draft:
        if not any(staffed.roles.values()):
            continue
        literal = built.ctx.vars.literal_of(event)
        if literal is not None:
            out[staffed.event_id] = literal
    return out


def unnameable_day_cuts(
    built: BuiltModel,
    solver: cp_model.CpSolver,
    seed: int,
    deadline: float | None = None,
) -> list[list[cp_model.IntVar]]:
    """Return no-goods for the days of a placement whose sessions cannot be named.

    Each day's sessions are named alone (no training, no fixed names): that is
    a relaxation of the whole naming, so a day that fails alone makes every
    placement holding the same sessions on that day fail too, and forbidding
    them is valid. The failing set is shrunk (drop a session, keep the drop if
    naming still fails) so that the cut is short and strong. A set that fails
    with nobody blocked depends only on venues, times and roles, so it is
    forbidden on every working day.

    Parameters
    ----------
    built : BuiltModel
        The stage-1 model, whose session variables the cuts are on.
    solver : cp_model.CpSolver
        The stage-1 solver holding the placement that could not be named.
    seed : int
        Seed of the small naming checks.
    deadline : float, optional
        ``time.perf_counter()`` value after which no more checks start (a
        check not run proves nothing, so fewer cuts come back).

    Returns
    -------
    list of list of IntVar
        Each list: session variables that must not all be true. Empty when
        every day can be named on its own.
    """
    ctx = built.ctx
    sc, grid = ctx.scenario, ctx.grid
    held = ctx.vars.held_sessions(solver)
    venue_of = {(h.activity, h.commune): h.venue for h in held}
    Key = tuple[str, str, HalfDay]  # activity, commune, half

    def event_of(key: Key, day: dt.date) -> StaffedEvent:
        act_id, code, half = key
        start, end = grid.session_times(day, half)
        roles = {r: n for r, n in sc.activities[act_id].roles.items() if n}
        venue = venue_of[(act_id, code)]
        eid = f"{act_id}-{code}@{day.isoformat()}/{half}"
        return StaffedEvent(eid, roles, ((day, half),), venue, start, end, True)

    def unnameable(keys: list[Key], day: dt.date, blocked: bool) -> bool:
        left = NAMING_CHECK_TIME_S
        if deadline is not None:
            left = min(left, deadline - time.perf_counter())
            if left <= 0:
                return False
        naming = name_staff(
            sc,
            [event_of(k, day) for k in keys],
            grid.staff_blocked if blocked else {},
            left,
            seed,
        )
        return naming.status == Status.INFEASIBLE

    def clock(day: dt.date) -> tuple[tuple[dt.time, dt.time], ...]:
        return tuple(
            (start.time(), end.time())
            for start, end in (grid.session_times(day, h) for h in HALVES)
        )

    by_day: dict[dt.date, list[Key]] = {}
    for h in held:
        if any(sc.activities[h.activity].roles.values()):
            s = h.session
            by_day.setdefault(s.day, []).append((h.activity, h.commune, s.half))

    swap: dict[HalfDay, HalfDay] = {HALVES[0]: HALVES[1], HALVES[1]: HALVES[0]}
    patterns: list[tuple[list[Key], list[dt.date]]] = []
    for day, placed in sorted(by_day.items()):
        keys = sorted(placed)
        if len(keys) < 2 or not unnameable(keys, day, True):
            continue
        for key in list(keys):
            rest = [k for k in keys if k != key]
            if unnameable(rest, day, True):
                keys = rest
        if not unnameable(keys, day, False):
            patterns.append((keys, [day]))
            continue
        # the same sessions at the same clock times fail on any day; the
        # mirrored pattern (halves swapped) is checked too, as it often fails
        # for the same reason (two venues too far apart for a half-day's gap)
        same_clock = [w for w in grid.workdays if clock(w) == clock(day)]
        patterns.append((keys, same_clock))
        mirrored = [(a, c, swap[h]) for a, c, h in keys]
        if unnameable(mirrored, day, False):
            patterns.append((mirrored, same_clock))

    cuts: list[list[cp_model.IntVar]] = []
    for keys, days in patterns:
        for d in days:
            lits = [ctx.vars.session_literal(a, c, d, h) for a, c, h in keys]
            if all(lit is not None for lit in lits):
                cuts.append([lit for lit in lits if lit is not None])
    return cuts


def _required(built: BuiltModel) -> dict[str, int]:
    """Return the number of required events per activity."""
    sc, ctx = built.ctx.scenario, built.ctx
    out: dict[str, int] = {}
    for act_id, spec in sc.activities.items():
        if spec.kind == "session":
            out[act_id] = sum(
                sc.required_count(act_id, c.commune_code)
                for c in sc.communes_for(act_id)
            )
        elif spec.kind == "broadcast":
            out[act_id] = ctx.vars.broadcast_items_required(act_id)
        elif spec.kind == "publication":
            out[act_id] = sum(q.need for q in quotas(sc, ctx.grid, act_id))
        else:
            out[act_id] = (
                len(sc.communes_for(act_id)) if spec.trainees_per_commune else 0
            )
    return out


def _draft(
    built: BuiltModel, solver: cp_model.CpSolver
) -> list[tuple[StaffedEvent, Event]]:
    """Return a solution's events as the naming stage takes them (staff not named)."""
    decoded = built.ctx.vars.decode(solver)
    return [(_staffed(built.ctx.scenario, p), p.event) for p in decoded.placed]


def _staffed(scenario: Scenario, placed: Placed) -> StaffedEvent:
    """Return what the naming stage needs of a decoded event.

    A broadcast item takes nobody (its place is the commune, for travel);
    a session or class needs its activity's roles in its half-days, and a
    session counts toward the weekly caps.
    """
    e = placed.event
    if e.kind == Kind.BROADCAST:
        return StaffedEvent(
            e.event_id, {}, (), e.commune_code or "", e.start, e.end, False
        )
    return StaffedEvent(
        e.event_id,
        dict(scenario.activities[e.activity].roles),
        placed.halves,
        e.venue_id or "",
        e.start,
        e.end,
        e.kind == Kind.SESSION,
    )


def _unscheduled(built: BuiltModel, events: list[Event]) -> list[Unscheduled]:
    """Return what the plan leaves out, counted from its events, and why.

    The counts come from :meth:`Variables.left_out
    <scheduler.model.variables.Variables.left_out>`; each item left out
    names the limit that bound (:mod:`scheduler.leftout`).
    """
    sc, grid = built.ctx.scenario, built.ctx.grid
    out = []
    for lo in built.ctx.vars.left_out(events):
        vi, en = _why(sc, grid, events, lo)
        out.append(replace(lo.item, detail_vi=vi, detail_en=en))
    return sorted(out, key=lambda u: (u.activity, u.commune_code or "", u.period or ""))


def _why(
    sc: Scenario, grid: TimeGrid, events: list[Event], lo: LeftOut
) -> tuple[str, str]:
    """Return the limit that left an item out, in both languages ("" when none)."""
    u = lo.item
    if lo.quota is not None:
        q = lo.quota
        name = next(
            o.name for o in sc.activities[u.activity].outlets if o.id == q.outlet
        )
        return (
            f"{name}: thiếu {u.count} trên {q.need} bài kỳ {q.period}",
            f"{name}: {u.count} of {q.need} items in {q.period}",
        )
    kind = sc.activities[u.activity].kind  # the scenario's own Literal
    code = u.commune_code or ""
    if kind == "session" and u.reason == "left_out":
        return session_limit(sc, grid, events, u.activity, code)
    if kind == "broadcast" and u.reason == "short":
        return broadcast_limit(sc, grid, events, u.activity, code, u.period or "")
    if kind == "training" and u.reason == "left_out":
        return training_limit(sc, grid, events, u.activity, code)
    return "", ""


def _breakdown(
    built: BuiltModel, solver: cp_model.CpSolver, events: list[Event]
) -> list[PenaltyLine]:
    """Return per soft goal its weight, violations, penalty and what caused it."""
    sc = built.ctx.scenario
    weights = sc.weights.model_dump()
    by_place: dict[tuple[str, str | None], list[Event]] = {}
    for e in events:
        by_place.setdefault((e.activity, e.commune_code), []).append(e)
    totals: dict[str, list[int]] = {}
    involved: dict[str, dict[str, None]] = {}
    items: dict[str, dict[str, None]] = {}
    for p in built.penalties:
        value = solver.value(p.expr)
        line = totals.setdefault(p.name, [0, 0])
        line[0] += value
        line[1] += value * p.weight
        if not value:
            continue
        parts = p.detail.split(":")
        if p.name in ("coverage", "spread"):
            items.setdefault(p.name, {})[p.detail] = None
            continue
        act = parts[0]
        code = parts[1] if len(parts) > 1 else None
        hit = by_place.get((act, code), [])
        if p.name == "weekday":
            preferred = {
                WEEKDAYS.index(d) for d in sc.activities[act].preferred_weekdays
            }
            hit = [e for e in hit if e.start.weekday() not in preferred]
        for e in hit:
            involved.setdefault(p.name, {})[e.event_id] = None
    return [
        PenaltyLine(
            name,
            v,
            pen,
            int(weights.get(name, 0)),
            tuple(sorted(involved.get(name, {}))),
            tuple(sorted(items.get(name, {}))),
        )
        for name, (v, pen) in sorted(totals.items())
    ]
