"""One solve of a workspace plan, in its own process: ``python -m scheduler.workspace.worker``.

The worker does what ``scheduler plan`` does (load, build the grid, solve,
write the plan files) and reports into the job's row of the workspace
database: running, each improving objective and bound, then done or failed.
A run's folder appears only when the plan is whole; if the job was cancelled
meanwhile the folder is removed again, so a cancelled run never counts.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from scheduler.workspace import store
from scheduler.workspace.jobs import job_input, run_dir


def run(folder: Path, job_id: int, workers: int | None = None) -> None:
    """Solve job ``job_id`` of the workspace in ``folder``."""
    conn = store.connect(folder)
    job = store.get_job(conn, job_id)
    if job is None or not store.mark_running(conn, job_id):
        return
    # the heavy imports after the job shows as running: the page sees the start at once
    from scheduler.calendar import build_grid
    from scheduler.errors import InfeasibleScenario, ScenarioError
    from scheduler.export.bundle import plan_files
    from scheduler.export.table import write_atomically
    from scheduler.scenario.load import load_scenario
    from scheduler.solve import solve

    lang = job.lang
    source = job_input(folder, job)
    try:
        scenario = load_scenario(source)
        overrides: dict[str, object] = {}
        if job.time_limit_s is not None:
            overrides["max_time_in_seconds"] = job.time_limit_s
        if workers is not None:
            overrides["num_workers"] = workers

        def progress(_seconds: float, objective: float, bound: float) -> None:
            store.report_progress(conn, job_id, objective, bound)

        result = solve(
            scenario, build_grid(scenario, lang), overrides=overrides, progress=progress
        )
    except ScenarioError as exc:
        store.finish(
            conn,
            job_id,
            "failed",
            message="\n".join(p.render(lang) for p in exc.problems),
        )
        return
    except InfeasibleScenario as exc:
        store.finish(conn, job_id, "failed", message="\n".join(exc.render(lang)))
        return
    except Exception as exc:  # the planner reads why; the log keeps the trace
        store.finish(conn, job_id, "failed", message=str(exc) or type(exc).__name__)
        raise
    files = plan_files(scenario, result, lang)
    files["scenario.xlsx"] = source.read_bytes()
    target = run_dir(folder, job.plan_id, job.run)
    write_atomically(target, files)
    s = result.solver
    if not store.finish(
        conn, job_id, "done", status=s.status, objective=s.objective, bound=s.bound
    ):
        shutil.rmtree(target, ignore_errors=True)
    source.unlink(missing_ok=True)


def main() -> None:
    """Parse the worker's arguments and run its job."""
    parser = argparse.ArgumentParser(prog="python -m scheduler.workspace.worker")
    parser.add_argument("folder", type=Path)
    parser.add_argument("job", type=int)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    run(args.folder, args.job, args.workers)


if __name__ == "__main__":
    main()
