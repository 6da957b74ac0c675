"""Solves in worker processes: start one, watch it, cancel it.

A solve never runs in the server: each job is ``python -m
scheduler.workspace.worker`` in its own process group (CP-SAT, and HiGHS when
it races beside it, die with it on cancel). The job's state lives in the
workspace database, so a page reload or a server restart finds it again.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import psutil

from scheduler.workspace import store
from scheduler.workspace.store import Job

#: What identifies a worker's command line (a reused pid is never killed).
WORKER_MODULE = "scheduler.workspace.worker"


def plan_dir(folder: Path, plan_id: int) -> Path:
    """Return a plan's folder: ``plans/<id>/``."""
    return folder / "plans" / str(plan_id)


def scenario_path(folder: Path, plan_id: int) -> Path:
    """Return a plan's scenario workbook, the file ``scheduler plan`` reads."""
    return plan_dir(folder, plan_id) / "scenario.xlsx"


def run_dir(folder: Path, plan_id: int, run: int) -> Path:
    """Return the folder of a run's outputs, as ``scheduler plan`` writes them."""
    return plan_dir(folder, plan_id) / "runs" / str(run)


def job_input(folder: Path, job: Job) -> Path:
    """Return the copy of the workbook a job solves (later uploads do not change it)."""
    return plan_dir(folder, job.plan_id) / "jobs" / f"{job.id}.xlsx"


def job_why(folder: Path, job: Job) -> Path:
    """Return why a job's scenario has no plan (explain's findings), when it has none."""
    return plan_dir(folder, job.plan_id) / "jobs" / f"{job.id}.why.json"


def job_request(folder: Path, job: Job) -> Path:
    """Return a re-plan job's request (base run, today, changes, move) beside its input."""
    return plan_dir(folder, job.plan_id) / "jobs" / f"{job.id}.replan.json"


class Runner:
    """Starts worker processes and keeps their handles for this server's lifetime.

    Parameters
    ----------
    folder : Path
        The workspace folder.
    workers : int or None
        CP-SAT's ``num_workers`` for every solve (``None``: the scenario's).
    """

    def __init__(self, folder: Path, workers: int | None = None) -> None:
        self.folder = folder
        self.workers = workers
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def start(
        self, conn: sqlite3.Connection, job: Job, source: Path | None = None
    ) -> None:
        """Copy the workbook for the job and start its worker process.

        ``source`` is the workbook to solve (a re-plan's base run's); by
        default the plan's own.
        """
        source = source or scenario_path(self.folder, job.plan_id)
        target = job_input(self.folder, job)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        command = [sys.executable, "-m", WORKER_MODULE, str(self.folder), str(job.id)]
        if self.workers is not None:
            command += ["--workers", str(self.workers)]
        log = target.with_suffix(".log").open("wb")
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        with self._lock:
            self._procs[job.id] = proc
        store.set_pid(conn, job.id, proc.pid)

    def _alive(self, job: Job) -> bool:
        with self._lock:
            proc = self._procs.get(job.id)
        if proc is not None:
            return proc.poll() is None
        return job.pid is not None and _is_worker(job.pid)

    def refresh(self, conn: sqlite3.Connection, job: Job, lost: str) -> Job:
        """Return the job, marked failed when its worker died without a word."""
        if (
            job.state in store.LIVE_STATES
            and job.pid is not None
            and not self._alive(job)
        ):
            store.finish(conn, job.id, "failed", message=lost)
            fresh = store.get_job(conn, job.id)
            assert fresh is not None
            return fresh
        return job

    def cancel(self, conn: sqlite3.Connection, job: Job) -> bool:
        """Cancel a live job and stop its worker; ``False`` when it had ended."""
        if not store.finish(conn, job.id, "cancelled"):
            return False
        with self._lock:
            proc = self._procs.pop(job.id, None)
        pid = proc.pid if proc is not None else job.pid
        if pid is not None and (proc is not None or _is_worker(pid)):
            _stop_group(pid, proc)
        job_input(self.folder, job).unlink(missing_ok=True)
        job_request(self.folder, job).unlink(missing_ok=True)
        return True

    def stop(self, conn: sqlite3.Connection, job: Job) -> bool:
        """Stop a running job's search and keep its best plan as a draft.

        CP-SAT stops at SIGINT and returns its best plan (HiGHS beside it, a
        child process, just ends); the worker then writes the run as usual and
        marks it a draft. ``False`` when the job has no plan yet or has ended:
        then there is nothing to keep, cancel it instead.
        """
        with self._lock:
            proc = self._procs.get(job.id)
        pid = proc.pid if proc is not None else job.pid
        if pid is None or (proc is None and not _is_worker(pid)):
            return False
        if not store.request_stop(conn, job.id):
            return False
        # SIGINT to the worker and its HiGHS child (what Ctrl-C does to a
        # terminal's process group); Windows cannot send it to another process
        if sys.platform == "win32" or not _signal_tree(pid, signal.SIGINT):
            return False
        return True

    def recover(self, conn: sqlite3.Connection, lost: str) -> None:
        """Mark failed every live job whose worker is gone (at start-up).

        A job that never got its worker (``pid`` unset) or whose worker died
        with the previous server would otherwise block its plan's next solve.
        """
        rows = conn.execute(
            "SELECT id FROM jobs WHERE state IN (?, ?, ?)", store.LIVE_STATES
        ).fetchall()
        for (job_id,) in rows:
            job = store.get_job(conn, int(job_id))
            if job is not None and (job.pid is None or not _is_worker(job.pid)):
                store.finish(conn, job.id, "failed", message=lost)

    def stop_all(self) -> None:
        """Stop every worker this server started (at shutdown)."""
        with self._lock:
            procs = list(self._procs.values())
            self._procs.clear()
        for proc in procs:
            if proc.poll() is None:
                _stop_group(proc.pid, proc)


def _is_worker(pid: int) -> bool:
    """Tell whether ``pid`` is a running worker (not a process that reused the pid)."""
    try:
        cmdline = " ".join(psutil.Process(pid).cmdline())
    except (psutil.Error, OSError):
        return False
    return WORKER_MODULE in cmdline


def _tree(pid: int) -> list[psutil.Process]:
    """Return a worker and every process under it (its HiGHS child); [] if gone."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _signal_tree(pid: int, signum: int) -> bool:
    """Send ``signum`` to a worker and its children; ``False`` when it is gone."""
    tree = _tree(pid)
    for proc in tree:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signum)
    return bool(tree)


def _stop_group(pid: int, proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate a worker and its children, then kill them if they linger.

    psutil rather than process groups, so that it works on Windows too.
    """
    tree = _tree(pid)
    for p in tree:
        with contextlib.suppress(psutil.Error):
            p.terminate()

    def reap() -> None:
        try:
            if proc is not None:
                proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        _, alive = psutil.wait_procs(tree, timeout=0 if proc is not None else 5)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()

    threading.Thread(target=reap, daemon=True).start()
