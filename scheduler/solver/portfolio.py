"""HiGHS beside CP-SAT on the same model: the better plan and the better bound.

When a budget binds, choosing which dialogues, classes and broadcasts the
money pays for is a knapsack, and proving the best choice is what a MIP
solver's cuts are made for. On Hưng Nguyên at 0.8 of its budget CP-SAT (two
workers) ended 30 s at 1,237,110 with a bound of 1,177,120, while HiGHS (one
thread) proved 1,237,110 optimal in 3.0 s; on other generated districts CP-SAT
found the better plan (docs/performance.md). So :func:`scheduler.solver.solve.solve`
runs both when it has two or more threads: CP-SAT as configured, and, if CP-SAT
has not proven its plan after ``highs_after_s`` seconds, HiGHS on the
translated model (:mod:`scheduler.solver.highs`) in a child process. Whichever
proves optimality first stops the other; otherwise both run to the time limit
and the plan is the better of the two, with the better of the two bounds.
The short delay keeps the small solves, proven within it, free of a child
process.

HiGHS's solution is completed by CP-SAT with every variable fixed to it, so
the caller reads it like CP-SAT's own. :func:`race` does all this for any
CP-SAT model: the plan's solve (:func:`scheduler.solver.solve.solve`) and the
cheapest relaxation of a conflict (:func:`scheduler.explain.suggest_relaxation`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from ortools.sat.python import cp_model

from scheduler import interrupt
from scheduler.plan import Status
from scheduler.solver import highs  # start_highs looked up when called (tests stand in)
from scheduler.solver.highs import HighsRun, MipResult, kill_after

if TYPE_CHECKING:
    from scheduler.scenario.schema import Scenario

# HiGHS is not started with less than this left of the time limit
MIN_HIGHS_S = 0.5
# seconds kept at the end of the limit to complete HiGHS's plan in CP-SAT
# (0.2-0.3 s on an 18-commune district) and for HiGHS's own overrun: with
# 0.5 s, 30 s solves ended at 30.6-30.7 s
COMPLETION_S = 1.0
# CP-SAT's limit to complete HiGHS's values (propagation only)
COMPLETE_LIMIT_S = 5.0


def portfolio_delay(
    scenario: Scenario, params: dict[str, Any], engine: str | None = None
) -> float | None:
    """Return after how many seconds HiGHS starts beside CP-SAT, or None for never.

    HiGHS runs beside when the engine is ``portfolio`` and the solve is
    neither deterministic (HiGHS's limit is in wall-clock seconds) nor the
    completion of fixed values. With the scenario's engine (``engine`` not
    given), CP-SAT must also have two or more threads: HiGHS takes one more,
    and a solve asked to use one thread keeps to CP-SAT. ``engine="portfolio"``
    given races on one CP-SAT thread too (a district sweep: one CP-SAT thread
    per budget scale).
    """
    if (engine or scenario.solver.engine) != "portfolio":
        return None
    if engine is None and int(params.get("num_workers", 0)) < 2:
        return None
    if params.get("interleave_search") or "max_deterministic_time" in params:
        return None
    if params.get("fix_variables_to_their_hinted_value"):
        return None
    return scenario.solver.highs_after_s


class HighsBeside:
    """HiGHS started on a model after a delay, in a child process, until told to stop.

    Parameters
    ----------
    proto : CpModelProto
        The model CP-SAT solves (read, never changed).
    deadline : float
        ``time.perf_counter()`` by which HiGHS must end (CP-SAT's time limit).
    after_s : float
        Seconds to wait before starting HiGHS.
    seed : int
        HiGHS's random seed.
    on_proof : callable
        Called (from a helper thread) when HiGHS proves its plan optimal:
        ``CpSolver.stop_search`` of the CP-SAT solve it races.
    """

    def __init__(
        self,
        proto: Any,
        deadline: float,
        after_s: float,
        seed: int,
        on_proof: Callable[[], None],
    ) -> None:
        self._proto = proto
        self._deadline = deadline
        self._seed = seed
        self._on_proof = on_proof
        self._lock = threading.Lock()
        self._stopped = False
        self._run: HighsRun | None = None
        self._waiter: threading.Thread | None = None
        self._result: MipResult | None = None
        self.error = ""
        self._timer = threading.Timer(after_s, self._start)
        self._timer.daemon = True

    @property
    def started(self) -> bool:
        """Return whether HiGHS was started."""
        return self._run is not None

    def start(self) -> None:
        """Start the delay; HiGHS starts at its end unless :meth:`finish` came first."""
        self._timer.start()

    def _start(self) -> None:
        with self._lock:
            # its plan is completed after it ends: that must fit too
            left = self._deadline - time.perf_counter() - COMPLETION_S
            if self._stopped or left < MIN_HIGHS_S:
                return
            try:
                self._run = highs.start_highs(
                    self._proto, left, 1, seed=self._seed, keep_values=True
                )
            except NotImplementedError as exc:  # a model HiGHS cannot take
                self.error = str(exc)
                return
            self._waiter = threading.Thread(
                target=self._wait, args=(self._run, left), daemon=True
            )
            self._waiter.start()

    def _wait(self, run: HighsRun, limit: float) -> None:
        try:
            result = run.result(timeout=kill_after(limit))
        except (TimeoutError, RuntimeError) as exc:
            with self._lock:
                if not self._stopped:  # (a kill by finish is no error)
                    self.error = str(exc)
            return
        self._result = result
        if result.status == Status.OPTIMAL:
            self._on_proof()

    def finish(self, wait: bool) -> MipResult | None:
        """End the race and return HiGHS's result, if it has one.

        Parameters
        ----------
        wait : bool
            Wait for HiGHS to end at its own limit (CP-SAT stopped without a
            proof); else stop it now.
        """
        self._timer.cancel()
        with self._lock:
            run, waiter = self._run, self._waiter
            if not wait:
                self._stopped = True
                if run is not None:
                    run.kill()
        if waiter is not None:
            # the time limit bounds the whole command: HiGHS may take longer
            # than its own limit (translating a large model comes before its
            # clock starts; it checks the clock between steps), so it is
            # waited for until the race's deadline only, then stopped
            waiter.join(max(self._deadline - time.perf_counter(), 0.0))
            if waiter.is_alive():
                with self._lock:
                    self._stopped = True
                    if run is not None:
                        run.kill()
                waiter.join()
        with self._lock:
            self._stopped = True
        return self._result


@dataclass
class RaceResult:
    """What :func:`race` kept.

    ``solver`` holds the values of the kept solution: CP-SAT's own, or
    HiGHS's completed by CP-SAT (``found_by == "highs"``). ``bound`` is the
    better of the two proven bounds (None without a solution); ``status`` is
    OPTIMAL when the kept solution meets it.
    """

    solver: cp_model.CpSolver
    status: Any  # cp_model.CpSolverStatus
    bound: float | None
    found_by: str = "cp-sat"
    highs: str = ""  # "HiGHS <version>" when HiGHS was started
    report: dict[str, Any] = field(default_factory=dict)  # HiGHS's side


def cp_solver(params: dict[str, Any]) -> cp_model.CpSolver:
    """Return a CP-SAT solver with the given parameters (by SatParameters name)."""
    solver = cp_model.CpSolver()
    for key, value in params.items():
        setattr(solver.parameters, key, value)
    # a signal stops it through scheduler.interrupt, not CP-SAT's own handler
    interrupt.watch_solver(solver)
    return solver


def complete(
    model: cp_model.CpModel, values: tuple[int, ...], seed: int
) -> cp_model.CpSolver | None:
    """Return a CP-SAT solver holding ``values`` (every variable fixed to them).

    The model's own hints are put back afterwards.
    """
    proto = model.proto
    kept = (list(proto.solution_hint.vars), list(proto.solution_hint.values))
    model.clear_hints()  # type: ignore[no-untyped-call]
    proto.solution_hint.vars.extend(range(len(values)))
    proto.solution_hint.values.extend(values)
    solver = cp_solver(
        {
            "num_workers": 1,
            "random_seed": seed,
            "max_time_in_seconds": COMPLETE_LIMIT_S,
            "fix_variables_to_their_hinted_value": True,
        }
    )
    status = solver.solve(model)
    model.clear_hints()  # type: ignore[no-untyped-call]
    proto.solution_hint.vars.extend(kept[0])
    proto.solution_hint.values.extend(kept[1])
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return solver


def _round_up_if_integral(model: cp_model.CpModel, bound: float) -> float:
    """Return ``bound`` rounded up when every objective value is an integer.

    HiGHS reports its bound in floating point (1,237,109.9999999998 for a proven
    1,237,110). A CP-SAT objective with integer coefficients, an integral offset
    and no scaling takes integer values only, so no plan is better than the
    bound's ceiling; the tolerance keeps a float just above an integer from
    being pushed one unit up.
    """
    objective = model.proto.objective
    scale = objective.scaling_factor or 1.0
    if (
        not math.isfinite(bound)
        or scale != 1.0
        or objective.offset != int(objective.offset)
    ):
        return bound
    return float(math.ceil(bound - 1e-6))


def race(
    model: cp_model.CpModel,
    params: dict[str, Any],
    highs_after: float,
    callback: cp_model.CpSolverSolutionCallback | None = None,
) -> RaceResult:
    """Solve with CP-SAT, HiGHS joining after ``highs_after`` s unless CP-SAT has proven.

    The first to prove optimality stops the other. Else the better solution
    wins and the better bound holds for it; a HiGHS solution is completed by
    CP-SAT with every variable fixed to it (:func:`complete`).

    Parameters
    ----------
    model : CpModel
        The model, with its objective (minimised).
    params : dict
        CP-SAT's parameters; ``max_time_in_seconds`` is both solvers' limit
        and ``random_seed`` both seeds.
    highs_after : float
        Seconds before HiGHS starts.
    callback : CpSolverSolutionCallback, optional
        CP-SAT's solution callback (progress).
    """
    started = time.perf_counter()
    solver = cp_solver(params)
    limit = float(params.get("max_time_in_seconds", 30.0))
    seed = int(params.get("random_seed", 0))
    beside = HighsBeside(
        model.proto, started + limit, highs_after, seed, solver.stop_search
    )
    beside.start()
    try:
        status = solver.solve(model, callback)
        # CP-SAT proved its answer: HiGHS has nothing to add
        proven = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
        mip = beside.finish(wait=not proven and not beside.error)
    except BaseException:
        # raised in CP-SAT, its callback, or while waiting for HiGHS (an
        # interrupt: scheduler.interrupt): stop HiGHS at once, no orphan left
        beside.finish(wait=False)
        raise
    highs = f"HiGHS {version('highspy')}" if beside.started else ""
    report: dict[str, Any] = {}
    if mip is not None:
        report = {
            "status": mip.status,
            "objective": mip.objective,
            "bound": mip.bound,
            "wall_time_s": mip.wall_time_s,
        }
    elif beside.error:
        report = {"error": beside.error[-500:]}
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    own_bound = solver.best_objective_bound if found else None
    if status == cp_model.INFEASIBLE or mip is None:
        return RaceResult(solver, status, own_bound, highs=highs, report=report)
    cp_bound = solver.best_objective_bound if status != cp_model.UNKNOWN else -math.inf
    bound = max(cp_bound, mip.bound if mip.bound is not None else -math.inf)
    kept, found_by = solver, "cp-sat"
    objective = solver.objective_value if found else math.inf
    if mip.objective is not None and mip.values and mip.objective < objective - 0.5:
        completed = complete(model, mip.values, seed)
        if completed is not None:
            kept, objective, found_by = completed, completed.objective_value, "highs"
    if not math.isfinite(objective):
        return RaceResult(solver, status, None, highs=highs, report=report)
    bound = min(_round_up_if_integral(model, bound), objective)
    proven_now = objective - bound <= 1e-6 * max(abs(objective), 1.0)
    return RaceResult(
        kept,
        cp_model.OPTIMAL if proven_now else cp_model.FEASIBLE,
        bound,
        found_by,
        highs,
        report,
    )
