"""Work run in a forked child process while the parent goes on with other work.

Two kinds of child:

- :class:`Forked` runs one function at once: the child starts with the
  parent's memory (the plan, the loaded modules), so nothing is imported
  again and only the result is pickled, once, back through a pipe.
- :class:`Helper` is started early, before the work it will do is known:
  it prepares (``scheduler plan`` has it import the exporters of the
  workbook, the document and the reports while the command imports the
  solver and builds the model, one core each), then waits for one call,
  whose arguments are pickled to it. ``scheduler plan`` sends it the plan
  and builds the calendars, the tables and the document itself meanwhile:
  two cores write the outputs in about the time of the larger half.

Every failure falls back to the parent: when fork is not available or not
safe (not Linux, or other Python threads that might hold a lock), when the
child raises or dies, or when it takes far longer than expected,
``result`` returns ``None`` and the caller runs the function itself. The
result is the same either way; only the time differs.

A child is ended with SIGKILL, never SIGTERM: it inherits the parent's signal
handlers and the wake-up socket of :mod:`scheduler.interrupt`, so a SIGTERM
would reach the parent's watcher as if the command itself had been
interrupted (and stop its solver).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def fork_is_safe() -> bool:
    """Return whether a child may be forked here: Linux, and no other Python thread but daemons.

    A daemon thread such as the signal watcher of :mod:`scheduler.interrupt`
    waits in a system call and holds no lock the child could need; any other
    thread might, and the child would then wait for ever.
    """
    if not sys.platform.startswith("linux"):
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    return all(t.daemon for t in others) and (os.cpu_count() or 1) > 1


def spare_core() -> bool:
    """Return whether a core is free for a child: the threads that want one leave one unused.

    On a machine busy with other work a second process only adds the cost of
    forking and pickling (measured: slower, docs/performance.md). What counts
    is the number of threads that want a core now (``/proc/loadavg``, this
    one included), not the one-minute load average: that average still holds
    the commands run just before (a planner's previous plan, a benchmark's
    previous run) after they have ended. Without ``/proc`` the average it is.
    """
    try:
        cores = len(os.sched_getaffinity(0))
        load: float = os.getloadavg()[0]
    except (AttributeError, OSError):
        return False
    running = _running_now()
    if running is not None:
        load = running
    return cores > 1 and load <= cores - 1


def _running_now() -> int | None:
    """Return how many threads of the machine are running or waiting for a core now.

    The fourth field of ``/proc/loadavg`` counts them, the calling thread
    included; ``None`` where there is no such file.
    """
    try:
        with open("/proc/loadavg", encoding="ascii") as loadavg:
            return int(loadavg.read().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return None


def _child(
    send: Connection, function: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    """Run in the child: send ``(True, result)`` or ``(False, None)``, then end."""
    try:
        outcome: tuple[bool, Any] = (True, function(*args))
    except BaseException:  # any failure, even an interrupt: the parent decides
        outcome = (False, None)
    try:
        with contextlib.suppress(BaseException):  # the parent sees the pipe close
            send.send(outcome)
    finally:
        send.close()


class Forked(Generic[T]):
    """``function(*args)`` running in a forked child, started at once.

    Parameters
    ----------
    function
        What to run; its result must pickle.
    *args
        Its arguments (not pickled: the child has the parent's memory).
    """

    def __init__(self, function: Callable[..., T], *args: Any) -> None:
        self._process: Any = None
        self._receive: Connection | None = None
        if not fork_is_safe():
            return
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        try:
            process = context.Process(
                target=_child, args=(send, function, args), daemon=True
            )
            process.start()
        except OSError:  # no memory or no process left: the parent does it
            receive.close()
            return
        finally:
            send.close()
        self._process, self._receive = process, receive

    def result(self, wait_s: float) -> T | None:
        """Return the child's result, or ``None`` if there is none within ``wait_s`` seconds.

        ``None`` also when no child was started or it failed; the child is
        ended either way.
        """
        if self._receive is None:
            return None
        try:
            if self._receive.poll(wait_s):
                ok, value = self._receive.recv()
                if ok:
                    return value  # type: ignore[no-any-return]
        except (EOFError, OSError):  # the child ended without a word
            pass
        finally:
            self.cancel()
        return None

    def cancel(self) -> None:
        """End the child (if still running) and release the pipe."""
        _end(self._process)
        self._process = None
        if self._receive is not None:
            self._receive.close()
            self._receive = None


def _end(process: Any) -> None:
    """End a child process if it still runs (SIGKILL: see the module's notes) and reap it."""
    if process is None:
        return
    if process.is_alive():
        process.kill()
    process.join()


@dataclass(frozen=True)
class _Early:
    """The helper's early answer (:meth:`Helper.early`), sent before any call."""

    ok: bool
    value: Any


def _helper(
    work: Connection,
    send: Connection,
    theirs: tuple[Connection, ...],
    prepare: Callable[[], object] | None,
    early: Callable[[], object] | None,
) -> None:
    """Run in the helper child: answer early, prepare, wait for one call, send its outcome."""
    try:
        _leave_signals_to_the_parent()
        for end in theirs:  # the parent's ends: the child must see EOF when it is gone
            end.close()
        if early is not None:
            try:
                answer = _Early(True, early())
            except Exception:  # the parent computes it itself
                answer = _Early(False, None)
            send.send(answer)
        if prepare is not None:
            # only to save time later: a failure here shows again in the call
            with contextlib.suppress(Exception):
                prepare()
        function, args = work.recv()
    except BaseException:  # the parent cancelled or ended: no call, no trace
        send.close()
        return
    _child(send, function, args)


def _leave_signals_to_the_parent() -> None:
    """Ignore Ctrl-C in the helper and leave the command's wake-up socket alone.

    Ctrl-C reaches every process of the terminal's group: the command ends
    its helper itself (SIGKILL), and the helper, waiting or preparing,
    would otherwise stop with a traceback on the planner's screen.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)


class Helper(Generic[T]):
    """A forked child started now that prepares, then runs one call sent later.

    Parameters
    ----------
    prepare
        Run in the child at once (e.g. imports that the call will need), while
        the parent goes on; its failure is ignored.
    early
        Run in the child first, its result sent back at once, for the
        parent to take with :meth:`early` (``scheduler plan``: the public
        holidays, which the parent need not import then).

    Notes
    -----
    Unlike :class:`Forked` the call and its arguments are pickled to the
    child (it was forked before they existed): functions are sent by name, so
    they must be module-level.
    """

    def __init__(
        self,
        prepare: Callable[[], object] | None = None,
        early: Callable[[], object] | None = None,
    ) -> None:
        self._process: Any = None
        self._work: Connection | None = None
        self._receive: Connection | None = None
        self._sent = False
        self._early = early is not None  # an early answer still to come
        if not fork_is_safe():
            return
        context = multiprocessing.get_context("fork")
        work_end, work = context.Pipe(duplex=False)
        receive, send = context.Pipe(duplex=False)
        try:
            process = context.Process(
                target=_helper,
                args=(work_end, send, (work, receive), prepare, early),
                daemon=True,
            )
            process.start()
        except OSError:  # no memory or no process left: the parent does it
            work.close()
            receive.close()
            return
        finally:
            work_end.close()
            send.close()
        self._process, self._work, self._receive = process, work, receive

    @property
    def started(self) -> bool:
        """Return whether a child runs and waits for its call."""
        return self._work is not None

    def early(self, wait_s: float) -> Any:
        """Return the child's early answer, or ``None`` if there is none within ``wait_s`` seconds.

        ``None`` also when it failed, there is no child, or it was asked for
        already; the caller then computes it itself. The child goes on
        either way.
        """
        if self._receive is None or not self._early:
            return None
        try:
            if not self._receive.poll(wait_s):
                return None  # late: result() passes over it
            self._early = False
            answer = self._receive.recv()
        except (EOFError, OSError):  # the child ended without a word
            self.cancel()
            return None
        return answer.value if isinstance(answer, _Early) and answer.ok else None

    def run(self, function: Callable[..., T], *args: Any) -> bool:
        """Send the child its call; return whether it was sent.

        Not sent (``False``, and the child ended) when no child runs, a call
        was sent already, or the call does not pickle or reach the child.
        """
        if self._work is None or self._sent:
            return False
        try:
            self._work.send((function, args))
        except Exception:  # pickling fails in many ways: the parent does it
            self.cancel()
            return False
        self._sent = True
        return True

    def result(self, wait_s: float) -> T | None:
        """Return the call's result, or ``None`` if there is none within ``wait_s`` seconds.

        ``None`` also when no call was sent or the child failed; the child
        is ended either way.
        """
        if self._receive is None or not self._sent:
            self.cancel()
            return None
        deadline = time.monotonic() + wait_s
        try:
            while self._receive.poll(max(deadline - time.monotonic(), 0.0)):
                answer = self._receive.recv()
                if isinstance(answer, _Early):  # not taken in time: passed over
                    continue
                ok, value = answer
                return value if ok else None
        except (EOFError, OSError):  # the child ended without a word
            pass
        finally:
            self.cancel()
        return None

    def cancel(self) -> None:
        """End the child (if still running) and release the pipes."""
        _end(self._process)
        self._process = None
        for end in (self._work, self._receive):
            if end is not None:
                end.close()
        self._work = self._receive = None
