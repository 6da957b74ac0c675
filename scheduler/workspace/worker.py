"""One solve of a workspace plan, in its own process: ``python -m scheduler.workspace.worker``.

The worker does what ``scheduler plan`` does (load, build the grid, solve,
write the plan files) and reports into the job's row of the workspace
database: running, each improving objective and bound, then done or failed.
A run's folder appears only when the plan is whole; if the job was cancelled
meanwhile the folder is removed again, so a cancelled run never counts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sqlite3
import traceback
from pathlib import Path

from scheduler.calendar import build_grid
from scheduler.errors import InfeasibleScenario, ScenarioError
from scheduler.export.folder import OutputError
from scheduler.export.table import write_atomically
from scheduler.i18n import pick, t
from scheduler.plan import Plan
from scheduler.scenario.load import load_scenario
from scheduler.scenario.workbook import workbook_bytes
from scheduler.workspace import store
from scheduler.workspace.jobs import job_input, job_request, job_why, run_dir


def run(folder: Path, job_id: int, workers: int | None = None) -> None:
    """Solve job ``job_id`` of the workspace in ``folder``."""
    conn = store.connect(folder)
    job = store.get_job(conn, job_id)
    if job is None or not store.mark_running(conn, job_id):
        return
    source = job_input(folder, job)
    request = job_request(folder, job)
    try:
        if request.exists():
            _replan_and_write(conn, folder, job, source, request, workers)
        else:
            _solve_and_write(conn, folder, job, source, workers)
    except Exception as exc:
        if type(exc).__name__ == "InfeasibleScenario" and not request.exists():
            try:
                _explain(folder, job, source, workers)
            except Exception:  # the solve's own message still says why
                traceback.print_exc()
        store.finish(conn, job_id, "failed", message=why(exc, job.lang))
        if not isinstance(exc, OSError | OutputError) and (
            type(exc).__name__ not in _EXPECTED
        ):
            raise  # a bug: the log keeps the trace
    finally:
        source.unlink(missing_ok=True)
        request.unlink(missing_ok=True)


# Failures of the input, which the planner fixes; anything else is a bug.
_EXPECTED = {"ScenarioError", "InfeasibleScenario", "ValidationError", "ValueError"}


def why(exc: Exception, lang: str) -> str:
    """Return what the planner reads about a failed solve."""
    if isinstance(exc, ScenarioError):
        return "\n".join(p.render(lang) for p in exc.problems)
    if isinstance(exc, InfeasibleScenario):
        return "\n".join(exc.render(lang))
    cannot = t("word.cannot_write", lang)
    if isinstance(exc, OutputError):  # the run's folder refused or not writable
        return f"{exc.path}: {cannot} ({pick(lang, exc.vi, exc.en)})"
    if isinstance(exc, OSError):
        where = exc.filename or ""
        return f"{where}: {cannot} ({exc.strerror})"
    return str(exc) or type(exc).__name__


def _solve_and_write(
    conn: sqlite3.Connection,
    folder: Path,
    job: store.Job,
    source: Path,
    workers: int | None,
) -> None:
    # the heavy imports after the job shows as running: the page sees the start at once
    from scheduler.explain import explained
    from scheduler.outputs import files_now
    from scheduler.solver.solve import solve

    lang = job.lang
    scenario = load_scenario(source)
    overrides: dict[str, object] = {}
    if job.time_limit_s is not None:
        overrides["max_time_in_seconds"] = job.time_limit_s
    if workers is not None:
        overrides["num_workers"] = workers

    def progress(_seconds: float, objective: float, bound: float) -> None:
        store.report_progress(conn, job.id, objective, bound)

    grid = build_grid(scenario, lang)
    with explained(scenario, grid):
        result = solve(scenario, grid, overrides=overrides, progress=progress)
    files = files_now(scenario, result, lang)
    files["scenario.xlsx"] = source.read_bytes()
    target = run_dir(folder, job.plan_id, job.run)
    write_atomically(target, files)
    s = result.solver
    now = store.get_job(conn, job.id)
    stopped = now is not None and now.state == "stopping"
    if not store.finish(
        conn,
        job.id,
        "cancelled" if stopped else "done",
        status=s.status,
        objective=s.objective,
        bound=s.bound,
        draft=stopped,
    ):
        # cancelled while the files were written: a cancelled run never counts
        shutil.rmtree(target, ignore_errors=True)


def _explain(folder: Path, job: store.Job, source: Path, workers: int | None) -> None:
    """Say why a scenario has no plan (scheduler.explain) into the job's why file.

    The pre-checks, the minimal conflict in the planner's words and the
    cheapest relaxations, each of which the plan page offers to apply.
    """
    # the solver (ortools) loads in the worker when a job needs it
    from scheduler.explain import explain

    scenario = load_scenario(source)
    limit = min(job.time_limit_s or 20.0, 20.0)
    found = explain(scenario, build_grid(scenario, job.lang), time_limit_s=limit)
    doc = {
        "prechecks": [[f.key, f.text_vi, f.text_en] for f in found.prechecks],
        "conflicts": [[f.key, f.text_vi, f.text_en] for f in found.conflicts],
        "minimal": found.minimal,
        "relaxations": [
            [r.key, r.amount, r.cost, r.text_vi, r.text_en] for r in found.relaxations
        ],
        "proven": found.relaxation_proven,
    }
    target = job_why(folder, job)
    target.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _replan_and_write(
    conn: sqlite3.Connection,
    folder: Path,
    job: store.Job,
    source: Path,
    request: Path,
    workers: int | None,
) -> None:
    """Re-plan a run (a move, locks, the changes of docs/replan.md) and write it.

    The request names the base run, the first day that may change, the
    changes and the move; the run's folder gets the plan files, ``changes.csv``
    and the workbook of the changed scenario.
    """
    import datetime as dt

    # the solver (ortools) and the exporters (plotly) load when a job needs them
    from scheduler.outputs import files_now
    from scheduler.replan import changes_csv
    from scheduler.workspace import adjust

    lang = job.lang
    asked = json.loads(request.read_text(encoding="utf-8"))
    scenario = load_scenario(source)
    old = Plan.read(run_dir(folder, job.plan_id, int(asked["base_run"])) / "plan.json")
    move = asked.get("move")
    moving = (
        (str(move["event"]), dt.date.fromisoformat(move["day"]), str(move["half"]))
        if move
        else None
    )
    changes = adjust.change_set(
        asked.get("changes") or {},
        adjust.read_locks(folder, job.plan_id),
        old,
        moving[0] if moving else None,
    )
    overrides: dict[str, object] = {}
    if job.time_limit_s is not None:
        overrides["max_time_in_seconds"] = job.time_limit_s
    if workers is not None:
        overrides["num_workers"] = workers
    changed, plan = adjust.run_replan(
        scenario, old, dt.date.fromisoformat(asked["today"]), changes, moving, overrides
    )
    files = files_now(changed, plan, lang)
    files["changes.csv"] = changes_csv(plan, lang)
    files["scenario.xlsx"] = workbook_bytes(changed, lang)
    target = run_dir(folder, job.plan_id, job.run)
    write_atomically(target, files)
    s = plan.solver
    now = store.get_job(conn, job.id)
    stopped = now is not None and now.state == "stopping"
    if not store.finish(
        conn,
        job.id,
        "cancelled" if stopped else "done",
        status=s.status,
        objective=s.objective,
        bound=s.bound,
        draft=stopped,
    ):
        shutil.rmtree(target, ignore_errors=True)


def _ignore_stop(_signum: int, _frame: object) -> None:
    """Let a stop request that comes outside CP-SAT's search pass.

    Inside the search CP-SAT catches SIGINT itself and returns its best plan;
    between searches the request must not end the worker with a
    KeyboardInterrupt (the run then simply ends as it would have).
    """


def main() -> None:
    """Parse the worker's arguments and run its job."""
    signal.signal(signal.SIGINT, _ignore_stop)
    parser = argparse.ArgumentParser(prog="python -m scheduler.workspace.worker")
    parser.add_argument("folder", type=Path)
    parser.add_argument("job", type=int)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    run(args.folder, args.job, args.workers)


if __name__ == "__main__":
    main()
