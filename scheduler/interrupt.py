"""Ctrl-C and SIGTERM: stop every solver at once, write nothing, exit 128 + signal.

The command line calls :func:`install` first. From then on SIGINT and
SIGTERM raise :class:`Interrupted` in the main thread, which no ``except
Exception`` swallows; the commands write their files only after the solve, so
an interrupted run writes nothing and the CLI exits 130 (SIGINT) or 143
(SIGTERM) with one line.

The main thread cannot run a Python signal handler while it waits in CP-SAT's
C++ search, and CP-SAT would otherwise catch SIGINT itself and end its search
as if the time limit had come (the plan was then written as if complete). So
every solver is made with :func:`watch`: CP-SAT leaves SIGINT alone, and a
helper thread, woken by the signal through :func:`signal.set_wakeup_fd`, calls
the ``stop`` of every watched solver and child process. The search returns at
once and the handler raises as soon as the main thread is back in Python.

Without :func:`install` (the library used from Python) nothing changes:
CP-SAT keeps its own Ctrl-C handling.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# the signals that end a run; SIGTERM exists on Windows too (sent by os.kill)
SIGNALS = (signal.SIGINT, signal.SIGTERM)
# how often the helper thread stops the watched work again after a signal: a
# solver made just after the signal came is stopped too
RESTOP_S = 0.1


class Interrupted(BaseException):
    """The run was interrupted by a signal (Ctrl-C, SIGTERM).

    A ``BaseException`` like ``KeyboardInterrupt``: ``except Exception``
    blocks let it through, and so does Click (which would turn a
    ``KeyboardInterrupt`` into "Aborted!" and exit 1).

    Parameters
    ----------
    signum : int
        The signal's number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        # set when the signal was held until the results were in place
        # (:func:`deferred`): they were written after all
        self.written = False

    @property
    def exit_code(self) -> int:
        """Return the shell's code for a run ended by this signal (130 for SIGINT)."""
        return 128 + int(self.signum)


class _State:
    """What :func:`install` set up (module-wide: signals are per process)."""

    installed = False
    signum: int | None = None  # the first signal received
    raised = False  # Interrupted was raised once: later signals are ignored
    deferred = 0  # depth of :func:`deferred` blocks
    stops: set[weakref.WeakMethod[Callable[[], None]]] = set()  # noqa: RUF012
    # reentrant: a weakref callback (_forget) may run while the lock is held
    lock = threading.RLock()
    sockets: tuple[socket.socket, socket.socket] | None = None


def install() -> None:
    """Make SIGINT and SIGTERM raise :class:`Interrupted` and stop the watched work.

    Call it once, from the main thread, before anything is solved.
    """
    if _State.installed or threading.current_thread() is not threading.main_thread():
        return  # signals can only be handled in the main thread
    for signum in SIGNALS:
        signal.signal(signum, _handler)
    reader, writer = socket.socketpair()
    reader.setblocking(True)
    writer.setblocking(False)
    # Python's C-level handler writes the signal's number here at once, even
    # while the main thread is inside CP-SAT
    signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    _State.sockets = (reader, writer)
    threading.Thread(
        target=_stop_on_signal, args=(reader,), name="interrupt", daemon=True
    ).start()
    _State.installed = True


def installed() -> bool:
    """Return whether :func:`install` was called (the command line runs)."""
    return _State.installed


def watch(stop: Callable[[], None]) -> None:
    """Have ``stop`` called (from a helper thread) as soon as a signal comes.

    Parameters
    ----------
    stop : bound method
        ``CpSolver.stop_search`` or a child process's ``kill``; it must be safe
        to call from another thread and more than once. It is held weakly: the
        object is not kept alive for it.
    """
    if not _State.installed:
        return
    ref = weakref.WeakMethod(stop, _forget)
    with _State.lock:
        _State.stops.add(ref)
    if _State.signum is not None:
        stop()


def _forget(ref: weakref.WeakMethod[Callable[[], None]]) -> None:
    """Drop the entry of an object that is gone (thousands of solves in a bench)."""
    with _State.lock:
        _State.stops.discard(ref)


def watch_solver(solver: Any) -> None:
    """Prepare a CP-SAT solver for :func:`install`'s handling of signals.

    Once installed, CP-SAT must not catch SIGINT itself (it would end its
    search as if the time limit had come, and the interrupt would be lost);
    its ``stop_search`` is watched instead.

    Parameters
    ----------
    solver : CpSolver
        A solver not yet solving.
    """
    if _State.installed:
        solver.parameters.catch_sigint_signal = False
        watch(solver.stop_search)


def check() -> None:
    """Raise :class:`Interrupted` if a signal came (and was not raised yet)."""
    if _State.signum is not None and not _State.raised and not _State.deferred:
        _State.raised = True
        raise Interrupted(_State.signum)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold a signal until the block ends (a swap of folders must not be cut in two).

    A signal that came meanwhile is raised when the block ends without an
    exception; when the block raises, its exception goes first.
    """
    _State.deferred += 1
    try:
        yield
    finally:
        _State.deferred -= 1
    check()


def _handler(signum: int, frame: object) -> None:
    """Record the first signal and raise it in the main thread, once."""
    if _State.signum is None:
        _State.signum = signum
    check()


def _stop_all() -> None:
    with _State.lock:
        refs = list(_State.stops)
    for ref in refs:
        stop = ref()
        if stop is None:
            with _State.lock:
                _State.stops.discard(ref)
            continue
        # a process that has ended, a solver that has returned: nothing to stop
        with contextlib.suppress(Exception):
            stop()


def _stop_on_signal(reader: socket.socket) -> None:
    """Wait for a signal, then stop the watched work until the process ends."""
    while True:
        try:
            data = reader.recv(16)
        except OSError:
            return
        if not data:
            return
        if any(b in {int(s) for s in SIGNALS} for b in data):
            break
    while True:
        _stop_all()
        time.sleep(RESTOP_S)
