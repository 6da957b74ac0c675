"""The workspace's own SQLite database: accounts, API tokens, login links, plans, jobs.

One file, ``workspace.sqlite``, in the workspace folder. Secrets are never
stored: passwords as argon2 hashes, API tokens and one-time login links as
SHA-256 digests. The solver's worker process writes its job's progress into
the same database (WAL mode lets the server read while it writes).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

#: The database file inside the workspace folder.
DB_NAME = "workspace.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_links (
    token_hash TEXT PRIMARY KEY,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    area TEXT NOT NULL,
    created_at REAL NOT NULL,
    accepted_run INTEGER
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    run INTEGER NOT NULL,
    state TEXT NOT NULL,
    lang TEXT NOT NULL,
    time_limit_s REAL,
    pid INTEGER,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    objective REAL,
    bound REAL,
    status TEXT,
    message TEXT,
    draft INTEGER NOT NULL DEFAULT 0,
    UNIQUE (plan_id, run)
);
"""

#: Job states; ``queued``, ``running`` and ``stopping`` (asked to stop and keep
#: its best plan) are the live ones.
LIVE_STATES = ("queued", "running", "stopping")
_LIVE = "(" + ", ".join("?" * len(LIVE_STATES)) + ")"


def connect(folder: Path) -> sqlite3.Connection:
    """Open (and create if needed) the workspace database in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        folder / DB_NAME, timeout=30, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(_SCHEMA)
    return conn


@dataclass(frozen=True)
class PlanRow:
    """A plan of the workspace: its scenario workbook and runs live in ``plans/<id>/``."""

    id: int
    name: str
    area: str
    created_at: float
    accepted_run: int | None


@dataclass(frozen=True)
class Job:
    """One solve of a plan, as the worker last reported it."""

    id: int
    plan_id: int
    run: int
    state: str
    lang: str
    time_limit_s: float | None
    pid: int | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    objective: float | None
    bound: float | None
    status: str | None
    message: str | None
    draft: int = 0

    @property
    def has_plan(self) -> bool:
        """Tell whether the job left a plan: finished, or stopped with its best plan."""
        return self.state == "done" or (self.state == "cancelled" and bool(self.draft))

    @property
    def elapsed_s(self) -> float:
        """Return the seconds the job has run (until now while it runs)."""
        if self.started_at is None:
            return 0.0
        end = self.finished_at if self.finished_at is not None else time.time()
        return max(0.0, end - self.started_at)

    @property
    def gap(self) -> float | None:
        """Return the relative gap between objective and bound, when both are known."""
        if self.objective is None or self.bound is None:
            return None
        return abs(self.objective - self.bound) / max(1.0, abs(self.objective))


# --------------------------------------------------------------------------- plans


def add_plan(conn: sqlite3.Connection, name: str, area: str) -> int:
    """Record a new plan and return its id."""
    cur = conn.execute(
        "INSERT INTO plans (name, area, created_at) VALUES (?, ?, ?)",
        (name, area, time.time()),
    )
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


def rename_plan(conn: sqlite3.Connection, plan_id: int, name: str, area: str) -> None:
    """Update a plan's shown name and area (after a new workbook is uploaded)."""
    conn.execute(
        "UPDATE plans SET name = ?, area = ? WHERE id = ?", (name, area, plan_id)
    )


def get_plan(conn: sqlite3.Connection, plan_id: int) -> PlanRow | None:
    """Return one plan, or ``None``."""
    row = conn.execute("SELECT * FROM plans WHERE id = ?", (plan_id,)).fetchone()
    return PlanRow(**dict(row)) if row else None


def list_plans(conn: sqlite3.Connection) -> list[PlanRow]:
    """Return every plan, newest first."""
    rows = conn.execute("SELECT * FROM plans ORDER BY id DESC").fetchall()
    return [PlanRow(**dict(r)) for r in rows]


def accepted_candidate(conn: sqlite3.Connection, plan_id: int, run: int) -> bool:
    """Tell whether a run finished (a stopped run's draft is never accepted)."""
    row = conn.execute(
        "SELECT 1 FROM jobs WHERE plan_id = ? AND run = ? AND state = 'done'",
        (plan_id, run),
    ).fetchone()
    return row is not None


def accept_run(conn: sqlite3.Connection, plan_id: int, run: int) -> None:
    """Mark a finished run as the plan's accepted version."""
    conn.execute("UPDATE plans SET accepted_run = ? WHERE id = ?", (run, plan_id))


# --------------------------------------------------------------------------- jobs


def add_job(
    conn: sqlite3.Connection, plan_id: int, lang: str, time_limit_s: float | None
) -> Job | None:
    """Queue a solve of a plan; ``None`` when one is already queued or running.

    The run number is the next one of the plan; the check and the insert are
    one transaction, so two clicks never start two solves.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        live = conn.execute(
            "SELECT 1 FROM jobs WHERE plan_id = ? AND state IN " + _LIVE,
            (plan_id, *LIVE_STATES),
        ).fetchone()
        if live:
            conn.execute("ROLLBACK")
            return None
        (last,) = conn.execute(
            "SELECT COALESCE(MAX(run), 0) FROM jobs WHERE plan_id = ?", (plan_id,)
        ).fetchone()
        cur = conn.execute(
            "INSERT INTO jobs (plan_id, run, state, lang, time_limit_s, created_at)"
            " VALUES (?, ?, 'queued', ?, ?, ?)",
            (plan_id, int(last) + 1, lang, time_limit_s, time.time()),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    assert cur.lastrowid is not None
    job = get_job(conn, int(cur.lastrowid))
    assert job is not None
    return job


def get_job(conn: sqlite3.Connection, job_id: int) -> Job | None:
    """Return one job, or ``None``."""
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return Job(**dict(row)) if row else None


def jobs_of(conn: sqlite3.Connection, plan_id: int) -> list[Job]:
    """Return a plan's jobs, newest first."""
    rows = conn.execute(
        "SELECT * FROM jobs WHERE plan_id = ? ORDER BY run DESC", (plan_id,)
    ).fetchall()
    return [Job(**dict(r)) for r in rows]


def set_pid(conn: sqlite3.Connection, job_id: int, pid: int) -> None:
    """Record the worker process of a job."""
    conn.execute("UPDATE jobs SET pid = ? WHERE id = ?", (pid, job_id))


def mark_running(conn: sqlite3.Connection, job_id: int) -> bool:
    """Move a queued job to running; ``False`` when it was cancelled meanwhile."""
    cur = conn.execute(
        "UPDATE jobs SET state = 'running', started_at = ? "
        "WHERE id = ? AND state = 'queued'",
        (time.time(), job_id),
    )
    return cur.rowcount == 1


def request_stop(conn: sqlite3.Connection, job_id: int) -> bool:
    """Ask a running job that has a plan to stop and keep it; ``False`` otherwise."""
    cur = conn.execute(
        "UPDATE jobs SET state = 'stopping' "
        "WHERE id = ? AND state = 'running' AND objective IS NOT NULL",
        (job_id,),
    )
    return cur.rowcount == 1


def report_progress(
    conn: sqlite3.Connection, job_id: int, objective: float, bound: float
) -> None:
    """Store the solver's latest objective and bound of a running job."""
    conn.execute(
        "UPDATE jobs SET objective = ?, bound = ? WHERE id = ? AND state = 'running'",
        (objective, bound, job_id),
    )


def finish(
    conn: sqlite3.Connection,
    job_id: int,
    state: str,
    *,
    message: str | None = None,
    status: str | None = None,
    objective: float | None = None,
    bound: float | None = None,
    draft: bool = False,
) -> bool:
    """End a live job; ``False`` when it had already ended (e.g. cancelled).

    ``draft`` marks a run stopped on request whose best plan was kept.

    A job ends once: a cancelled job stays cancelled even if its worker
    reports ``done`` a moment later.
    """
    cur = conn.execute(
        "UPDATE jobs SET state = ?, finished_at = ?, message = ?,"
        " status = COALESCE(?, status), objective = COALESCE(?, objective),"
        " bound = COALESCE(?, bound)"
        ", draft = ? WHERE id = ? AND state IN " + _LIVE,
        (
            state,
            time.time(),
            message,
            status,
            objective,
            bound,
            int(draft),
            job_id,
            *LIVE_STATES,
        ),
    )
    return cur.rowcount == 1
