"""Where the district solves run: in this process, or on Dask distributed.

Tasks are plain functions of plain data (scenarios and plans pickle; CP-SAT
models do not), so the same task runs in-process or on any Dask worker. The
model is built inside the worker from the scenario it receives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

# called with (phase label, tasks done, tasks in the phase)
OnProgress = Callable[[str, int, int], None]


class Pending(Protocol[R_co]):
    """A task started with :meth:`Runner.submit`."""

    def done(self) -> bool:  # pragma: no cover - protocol
        """Return True when the result is ready."""
        ...

    def result(self) -> R_co:  # pragma: no cover - protocol
        """Return the result, waiting for it."""
        ...


class Runner(Protocol):
    """Something that maps a function over tasks and returns results in order."""

    workers: int

    def map(
        self, fn: Callable[[T], R], tasks: Sequence[T], label: str
    ) -> list[R]:  # pragma: no cover - protocol
        """Run ``fn`` on every task; return the results in task order."""
        ...

    def submit(
        self, fn: Callable[[T], R], task: T, label: str
    ) -> Pending[R]:  # pragma: no cover - protocol
        """Start ``fn`` on one task beside the maps that follow."""
        ...


class _Done(Generic[R]):
    """A result computed already."""

    def __init__(self, value: R) -> None:
        self.value = value

    def done(self) -> bool:
        """Return True: the result is ready."""
        return True

    def result(self) -> R:
        """Return the result."""
        return self.value


class InProcessRunner:
    """Run tasks one after the other in this process (tests, tiny cases)."""

    workers = 1

    def __init__(self, on_progress: OnProgress | None = None) -> None:
        self.on_progress = on_progress

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], label: str) -> list[R]:
        """Run ``fn`` on every task in order."""
        out = []
        for n, task in enumerate(tasks, start=1):
            out.append(fn(task))
            if self.on_progress:
                self.on_progress(label, n, len(tasks))
        return out

    def submit(self, fn: Callable[[T], R], task: T, label: str) -> Pending[R]:
        """Run ``fn`` on the task now (one process runs one thing at a time)."""
        done = _Done(fn(task))
        if self.on_progress:
            self.on_progress(label, 1, 1)
        return done


class DaskRunner:
    """Run tasks on a Dask distributed client, reporting each completion."""

    def __init__(self, client: Any, on_progress: OnProgress | None = None) -> None:
        self.client = client
        self.on_progress = on_progress
        info = client.scheduler_info()
        self.workers = max(len(info.get("workers", {})), 1)

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], label: str) -> list[R]:
        """Submit every task, gather the results in task order."""
        from distributed import as_completed

        if not tasks:
            return []
        futures = self.client.map(fn, list(tasks), pure=False)
        for done, _ in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
            if self.on_progress:
                self.on_progress(label, done, len(tasks))
        return list(self.client.gather(futures))

    def submit(self, fn: Callable[[T], R], task: T, label: str) -> Pending[R]:
        """Start ``fn`` on a worker; the maps that follow share the others.

        Its progress line shows 0 of 1 until it ends (the callback runs on the
        client's thread).
        """
        future = self.client.submit(fn, task, pure=False)
        report = self.on_progress
        if report:
            report(label, 0, 1)
            future.add_done_callback(lambda _: report(label, 1, 1))
        return future  # type: ignore[no-any-return]


@contextmanager
def dask_runner(
    workers: int = 2,
    cluster: str | None = None,
    on_progress: OnProgress | None = None,
) -> Iterator[DaskRunner]:
    """Open a Dask client and yield a runner on it; close it afterwards.

    Parameters
    ----------
    workers : int
        Worker processes of the embedded ``LocalCluster`` (one thread each,
        so each CP-SAT solve has a core); ignored with ``cluster``.
    cluster : str, optional
        Address of an existing scheduler, e.g. ``tcp://host:8786``.
    on_progress : callable, optional
        Called with (phase, done, total) as tasks complete.
    """
    from distributed import Client, LocalCluster

    if cluster:
        client = Client(cluster)  # type: ignore[no-untyped-call]
        try:
            yield DaskRunner(client, on_progress)
        finally:
            client.close()  # type: ignore[no-untyped-call]
        return
    local = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: 8787 may be taken
    )
    client = Client(local)  # type: ignore[no-untyped-call]
    try:
        yield DaskRunner(client, on_progress)
    finally:
        client.close()  # type: ignore[no-untyped-call]
        local.close()
