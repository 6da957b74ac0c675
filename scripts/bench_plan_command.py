"""Time the whole ``scheduler plan`` command, phase by phase, against its solve time.

Usage: python scripts/bench_plan_command.py [--runs 5] [--scenario PATH]
                                            [--helper auto|on|off]
                                            [--cold-exporters]

Each run is a fresh Python process (cold imports, like a planner's command)
that times:

- ``start-up``: importing ``scheduler.cli`` (what every command pays);
- ``lazy imports``: the solver and exporter modules the command's own
  process imports when it runs (imported here first, so that their functions
  can be timed);
- the command itself, ``plan SCENARIO --out <temporary folder>``: the solve
  call (model build, CP-SAT, staff naming) with the CP-SAT time the command
  reports, each output file the command's own process makes, the time it
  waits for its helper process (which makes the workbook, the document, the
  reports and the sheets, when a core is free), writing the folder, and the
  rest (loading, checking, the printed summary);
- ``until the plan``: lazy imports + the command until its solve call
  returns (loading, the time grid, the solve): what the command spends
  before it writes anything, the floor of ``whole``;
- ``whole``: lazy imports + the command, the time the command prints;
- ``process``: the whole run as the shell sees it (start-up included).

``--helper`` chooses whether the helper process is used: ``auto`` as the
command does (when a core is free), ``on`` always, ``off`` never (every file
made, and timed, in the command's own process). Code from before the helper
(it built the calendars in a forked child instead) takes ``on`` and ``off``
for that child.

``--cold-exporters`` leaves the exporters' imports to the command, as a
planner's command does; the outputs are then not timed one by one.

Each output is timed in wall time and in CPU time of the thread that makes it
(steadier on a loaded machine). Prints one line per run and the medians;
writes nothing else.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCENARIO = "configs/scenarios/hung-nguyen-2023.toml"

#: (module, function, label, made by the helper) of each output of ``plan``.
OUTPUTS = (
    ("scheduler.export.bundle", "plan_feeds", "calendars/*.ics", False),
    # the same in the code before the exporter was made pure (to compare)
    ("scheduler.export.bundle", "preview_feeds", "calendars/*.ics", False),
    ("scheduler.export.rendered", "schedule_xlsx", "schedule.xlsx", True),
    ("scheduler.export.rendered", "plan_docx", "ke-hoach.docx", True),  # no helper
    ("scheduler.export.rendered", "report_html", "report.html", True),
    ("scheduler.export.rendered", "staff_report_html", "report-staff.html", True),
    ("scheduler.export.rendered", "sheet_files", "communes/, staff/", True),
    # where they were before the helper (to compare)
    ("scheduler.export.workbook", "schedule_xlsx", "schedule.xlsx", True),
    # the document: by the command's process, also beside a helper
    ("scheduler.export.document", "plan_docx", "ke-hoach.docx", False),
    ("scheduler.export.bundle", "report_html", "report.html", True),
    ("scheduler.export.bundle", "staff_report_html", "report-staff.html", True),
    ("scheduler.export.bundle", "sheet_files", "communes/, staff/", True),
    ("scheduler.export.bundle", "plan_json", "plan.json", False),
    ("scheduler.export.bundle", "schedule_csv", "schedule.csv", False),
    ("scheduler.export.bundle", "unscheduled_csv", "unscheduled.csv", False),
)
#: The solve call, at its current or its planned place.
SOLVE_MODULES = ("scheduler.solver.solve", "scheduler.solve")


def _timed(
    module: Any, name: str, label: str, times: dict[str, float]
) -> Callable[..., Any] | None:
    """Replace ``module.name`` by a wrapper adding its run time to ``times[label]``."""
    original = getattr(module, name, None)
    if original is None:  # not in this version of the code
        return None

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            times[label] = times.get(label, 0.0) + time.perf_counter() - started
            spent = time.thread_time() - cpu
            times[f"{label} cpu"] = times.get(f"{label} cpu", 0.0) + spent

    setattr(module, name, wrapper)
    return original


def _module(name: str) -> Any:
    """Return the module, or ``None`` where this version of the code has none."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def child(scenario: str, out: str, report: str, helper: str, cold: str) -> None:
    """One run: import, time each phase of the command, write the figures as JSON.

    With ``cold`` "1" the exporters are left for the command to import (as a
    planner's command does): the outputs are then not timed one by one. With
    the helper on, the modules of the files it makes are not imported here
    (the command's process does not import them either).
    """
    started = time.perf_counter()
    from scheduler import cli

    times: dict[str, float] = {"start-up": time.perf_counter() - started}
    forked = _module("scheduler.export.forked")
    if forked is not None and helper != "auto":
        forked.spare_core = lambda: helper == "on"  # type: ignore[assignment]
    # code from before the helper made every file in the command's process
    has_helper = forked is not None and hasattr(forked, "Helper")
    helped = has_helper and forked.spare_core()

    lazy = time.perf_counter()
    solve_module = None
    for name in SOLVE_MODULES:
        solve_module = _module(name)
        if solve_module is not None:
            break
    assert solve_module is not None, "no solve module"
    cold_exporters = cold == "1"
    wanted = {m for m, _, _, theirs in OUTPUTS if not (helped and theirs)}
    modules = {} if cold_exporters else {m: _module(m) for m in sorted(wanted)}
    table = importlib.import_module("scheduler.export.table")
    times["lazy imports"] = time.perf_counter() - lazy

    reported: list[float] = []
    solve = solve_module.solve

    @functools.wraps(solve)
    def timed_solve(*args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        plan = solve(*args, **kwargs)
        times["solve call"] = time.perf_counter() - begun
        # what the command has spent before it writes anything: the floor of
        # "whole", whatever the outputs cost
        times["until the plan"] = time.perf_counter() - lazy
        reported.append(plan.solver.wall_time_s)
        return plan

    solve_module.solve = timed_solve
    for module, name, label, _ in OUTPUTS:
        if modules.get(module) is not None:
            _timed(modules[module], name, label, times)
    _timed(table, "write_atomically", "writing the folder", times)
    # what the command waits for its helper (or, before it, the calendars' child)
    if forked is not None:
        for waited in ("Helper", "Forked"):
            if hasattr(forked, waited):
                _timed(
                    getattr(forked, waited), "result", "waiting for the child", times
                )
    if has_helper:
        run = forked.Helper.run

        def sent(self: Any, *args: Any) -> bool:
            times["helper used"] = float(run(self, *args))
            return times["helper used"] > 0

        forked.Helper.run = sent

    command = time.perf_counter()
    cli.app(["plan", scenario, "--out", out], standalone_mode=False)
    times["command"] = time.perf_counter() - command
    times["whole"] = times["lazy imports"] + times["command"]
    times["solve (reported)"] = reported[0]

    Path(report).write_text(json.dumps(times), encoding="utf-8")


ORDER = (
    "start-up",
    "lazy imports",
    "solve call",
    "solve (reported)",
    "until the plan",
    *dict.fromkeys(label for _, _, label, _ in OUTPUTS),
    "waiting for the child",
    "writing the folder",
    "whole",
)


def main() -> None:
    """Run the command ``--runs`` times and print the medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenario", default=SCENARIO)
    parser.add_argument("--helper", choices=("auto", "on", "off"), default="auto")
    parser.add_argument(
        "--cold-exporters",
        action="store_true",
        help="leave the exporters' imports to the command (no time per output)",
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    runs: list[dict[str, float]] = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "times.json"
            began = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    args.scenario,
                    str(Path(tmp) / "out"),
                    str(report),
                    args.helper,
                    "1" if args.cold_exporters else "0",
                ],
                check=True,
                capture_output=True,
            )
            times = json.loads(report.read_text(encoding="utf-8"))
        times["process"] = time.perf_counter() - began
        runs.append(times)
        print(
            f"run {run + 1}: "
            + ", ".join(f"{k} {times.get(k, 0.0):.3f}" for k in (*ORDER, "process"))
        )
    load = os.getloadavg()[0]
    cold = ", exporters cold" if args.cold_exporters else ""
    print(
        f"\nmedians of {args.runs} runs, {args.scenario}, helper {args.helper}"
        f"{cold}"
        f" (load average now {load:.1f} on {os.cpu_count()} cores):"
    )
    print(f"  {'':22} {'wall':>8} {'CPU':>8}")
    for key in (*ORDER, "process"):
        wall = statistics.median(r.get(key, 0.0) for r in runs)
        cpu = [r[f"{key} cpu"] for r in runs if f"{key} cpu" in r]
        shown = f"{statistics.median(cpu):6.3f} s" if cpu else ""
        print(f"  {key:22} {wall:6.3f} s {shown}")
    for key in ("whole", "until the plan"):
        ratio = statistics.median(r[key] / r["solve (reported)"] for r in runs)
        print(f"  {key + ' / solve':22} {ratio:6.2f}")
    helped = sum(r.get("helper used", 0.0) > 0 for r in runs)
    print(f"  helper used in {helped} of {args.runs} runs")


if __name__ == "__main__":
    main()
