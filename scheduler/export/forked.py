"""One function run in a forked child process while the parent goes on with other work.

``scheduler plan`` builds its calendars this way, beside the workbook, the
document and the reports: two cores write the outputs in about the time of
the larger half. A forked child starts with the parent's memory (the plan, the
loaded modules), so nothing is imported again and only the result is
pickled, once, back through a pipe.

Every failure falls back to the parent: when fork is not available or not
safe (not Linux, or other Python threads that might hold a lock), when the
child raises or dies, or when it takes far longer than expected,
:meth:`Forked.result` returns ``None`` and the caller runs the function itself.
The result is the same either way; only the time differs.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
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
    """Return whether a core is free for a child: the load average leaves one unused.

    On a machine busy with other work a second process only adds the cost of
    forking and pickling (measured: slower, docs/performance.md).
    """
    try:
        cores = len(os.sched_getaffinity(0))
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return False
    return cores > 1 and load <= cores - 1


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
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None
        if self._receive is not None:
            self._receive.close()
            self._receive = None
