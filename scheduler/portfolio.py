"""HiGHS beside CP-SAT on the same model: the better plan and the better bound.

When a budget binds, choosing which dialogues, classes and broadcasts the
money pays for is a knapsack, and proving the best choice is what a MIP
solver's cuts are made for. On Hưng Nguyên at 0.8 of its budget CP-SAT (two
workers) ended 30 s at 1,237,110 with a bound of 1,177,120, while HiGHS (one
thread) proved 1,237,110 optimal in 3.0 s; on other generated districts CP-SAT
found the better plan (docs/performance.md). So :func:`scheduler.solve.solve`
runs both when it has two or more threads: CP-SAT as configured, and, if CP-SAT
has not proven its plan after ``highs_after_s`` seconds, HiGHS on the
translated model (:mod:`scheduler.bench.mip`) in a child process. Whichever
proves optimality first stops the other; otherwise both run to the time limit
and the plan is the better of the two, with the better of the two bounds.
The short delay keeps the small solves, proven within it, free of a child
process.

HiGHS's solution is completed by CP-SAT with every variable fixed to it, so
the rest of :func:`scheduler.solve.solve` reads it like CP-SAT's own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.bench.mip import HighsRun, MipResult

# HiGHS is not started with less than this left of the time limit
MIN_HIGHS_S = 0.5
# seconds kept at the end of the limit to complete HiGHS's plan in CP-SAT
# (0.2-0.3 s on an 18-commune district) and for HiGHS's own overrun: with
# 0.5 s, 30 s solves ended at 30.6-30.7 s
COMPLETION_S = 1.0
# HiGHS checks its limit between steps only: its process is killed after
# limit × HARD_OVER_LIMIT + HARD_GRACE_S
HARD_OVER_LIMIT = 1.1
HARD_GRACE_S = 2.0


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
        from scheduler.bench.mip import start_highs

        with self._lock:
            # its plan is completed after it ends: that must fit too
            left = self._deadline - time.perf_counter() - COMPLETION_S
            if self._stopped or left < MIN_HIGHS_S:
                return
            try:
                self._run = start_highs(
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
            result = run.result(timeout=limit * HARD_OVER_LIMIT + HARD_GRACE_S)
        except (TimeoutError, RuntimeError) as exc:
            with self._lock:
                if not self._stopped:  # (a kill by finish is no error)
                    self.error = str(exc)
            return
        self._result = result
        if result.status == "OPTIMAL":
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
            waiter.join()
        with self._lock:
            self._stopped = True
        return self._result
