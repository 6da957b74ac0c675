"""Adjusting a finished run: alternatives, moves, locks and re-plans.

Everything here calls the library: :func:`scheduler.suggest.alternatives` for
the other half-days of an event, :func:`scheduler.replan.replan` for the
minimal-change re-plan. The heavy parts run outside the server: alternatives
in a short-lived child process (``python -m scheduler.workspace.adjust``), a
re-plan in the solve worker like any solve.

A move is a re-plan of the run with the event placed on the chosen half-day
and locked to that date there; the changes are then listed against the run as
it was, so the moved event shows as moved "by the planner". Locks the planner
sets are kept in ``plans/<id>/locks.json`` and go into every later re-plan.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from scheduler.calendar import build_grid
from scheduler.i18n import name_in
from scheduler.plan import Plan
from scheduler.replan import ChangeSet, Lock, diff, replan
from scheduler.scenario.load import load_scenario
from scheduler.scenario.schema import Scenario
from scheduler.suggest import alternatives
from scheduler.workspace.jobs import plan_dir
from scheduler.workspace.plans import today as vn_today

#: Reason of the event the planner moved, in the Change list (vi, en).
MOVED_BY_PLANNER = ("dời theo lựa chọn của người lập kế hoạch", "moved by the planner")
#: Alternatives asked of suggest, and its CP-SAT time limit per solve (s).
ALTERNATIVES = 4
SUGGEST_SECONDS = 3.0
#: The longest the server waits for the alternatives' child process (s).
SUGGEST_TIMEOUT = 120.0
#: One alternatives search at a time per server (each is a few CP-SAT solves).
_SUGGEST_SLOT = threading.BoundedSemaphore(1)


def replan_today(plan: Plan, now: dt.date) -> dt.date:
    """Return the first day a re-plan may change: today, or the plan's first day.

    Everything before it is kept exactly (the past); a plan that has not begun
    may change from its first day. A plan whose period is over (an old year,
    a sample) is reworked as a whole, from its first day.
    """
    if now > plan.horizon_end:
        return plan.horizon_start
    return max(plan.horizon_start, now)


# --------------------------------------------------------------------------- locks


def locks_path(folder: Path, plan_id: int) -> Path:
    """Return the file of a plan's locked events."""
    return plan_dir(folder, plan_id) / "locks.json"


def read_locks(folder: Path, plan_id: int) -> dict[str, str]:
    """Return the plan's locks: event id → what is kept (``all``)."""
    path = locks_path(folder, plan_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def add_lock(folder: Path, plan_id: int, event_id: str, keep: str = "all") -> None:
    """Lock an event of the plan where it is (kept by every later re-plan)."""
    locks = read_locks(folder, plan_id)
    locks[event_id] = keep
    path = locks_path(folder, plan_id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(locks, ensure_ascii=False, sort_keys=True), "utf-8")
    tmp.replace(path)


def remove_lock(folder: Path, plan_id: int, event_id: str) -> None:
    """Unlock an event."""
    locks = read_locks(folder, plan_id)
    if locks.pop(event_id, None) is not None:
        path = locks_path(folder, plan_id)
        path.write_text(json.dumps(locks, ensure_ascii=False, sort_keys=True), "utf-8")


# --------------------------------------------------------------------------- moves


def half_times(
    scenario: Scenario, like: dt.datetime, day: dt.date, half: str
) -> tuple[dt.datetime, dt.datetime]:
    """Return the start and end of a half-day, in the time zone of ``like``."""
    times = (
        scenario.calendar.morning if half == "morning" else scenario.calendar.afternoon
    )
    start = dt.datetime.combine(day, times.start, tzinfo=like.tzinfo)
    end = dt.datetime.combine(day, times.end, tzinfo=like.tzinfo)
    return start, end


def with_move(
    scenario: Scenario, plan: Plan, event_id: str, day: dt.date, half: str
) -> Plan:
    """Return the plan with one session placed on another half-day.

    Raises
    ------
    ValueError
        When the plan has no such session.
    """
    events = []
    found = False
    for e in plan.events:
        if e.event_id == event_id:
            if e.kind != "session":
                raise ValueError(f"'{event_id}' is not a session")
            start, end = half_times(scenario, e.start, day, half)
            e = replace(e, start=start, end=end)
            found = True
        events.append(e)
    if not found:
        raise ValueError(f"no event '{event_id}' in the plan")
    return replace(plan, events=tuple(events))


def change_set(
    data: dict[str, Any], locks: dict[str, str], plan: Plan, move: str | None
) -> ChangeSet:
    """Return the change set of a re-plan: the form's changes, the locks, the move.

    Locks of events the plan does not have (any more) are left out; the moved
    event is locked to its new date.

    Raises
    ------
    pydantic.ValidationError
        When the changes do not follow docs/replan.md.
    """
    changes = ChangeSet.model_validate(data)
    ids = {e.event_id for e in plan.events}
    keep = {lk.event: lk for lk in changes.lock}
    for event, what in sorted(locks.items()):
        if event in ids and event not in keep:
            keep[event] = Lock.model_validate({"event": event, "keep": what})
    if move is not None:
        keep[move] = Lock(event=move, keep="date")
    return changes.model_copy(update={"lock": tuple(keep.values())})


def run_replan(
    scenario: Scenario,
    old: Plan,
    today: dt.date,
    changes: ChangeSet,
    move: tuple[str, dt.date, str] | None,
    overrides: dict[str, Any] | None,
) -> tuple[Scenario, Plan]:
    """Re-plan a run with the library's minimal-change re-plan.

    Parameters
    ----------
    scenario, old
        The run's scenario and plan.
    today
        The first day that may change.
    changes
        What happened, with the locks (:func:`change_set`).
    move
        ``(event_id, day, half)``: the session the planner moved, or ``None``.
    overrides
        CP-SAT parameters.

    Returns
    -------
    (Scenario, Plan)
        The scenario with the changes written in (its own solver settings) and
        the new plan, whose changes are listed against ``old``.
    """
    base = old if move is None else with_move(scenario, old, *move)
    result = replan(scenario, base, today, changes, overrides)
    plan = result.plan
    if move is not None:
        listed = diff(
            result.scenario, old, list(plan.events), list(plan.cancelled), changes
        )
        listed = [
            replace(c, reason=MOVED_BY_PLANNER[0], reason_en=MOVED_BY_PLANNER[1])
            if c.event_id == move[0]
            else c
            for c in listed
        ]
        plan = replace(plan, changes=tuple(listed))
    kept = result.scenario.model_copy(update={"solver": scenario.solver})
    return kept, plan


# --------------------------------------------------------------------------- alternatives


def alternatives_json(run_folder: Path, event_id: str, lang: str) -> dict[str, Any]:
    """Return the alternatives of one event of a run, as the page and the API show them."""
    scenario = load_scenario(run_folder / "scenario.xlsx")
    plan = Plan.read(run_folder / "plan.json")

    first = replan_today(plan, vn_today())
    found = alternatives(
        scenario,
        build_grid(scenario, lang),
        plan,
        event_id,
        k=ALTERNATIVES,
        time_limit_s=SUGGEST_SECONDS,
    )
    names = {role: name_in(name, lang) for role, name in scenario.roles.items()}
    return {
        "event_id": event_id,
        "role_names": names,
        "alternatives": [
            {
                "day": a.day.isoformat(),
                "half": a.half,
                "label": a.label(lang),
                "delta": a.delta,
                "staff": {role: list(names) for role, names in a.staff.items()},
            }
            for a in found
            if a.day >= first
        ],
    }


def suggest_in_child(run_folder: Path, event_id: str, lang: str) -> dict[str, Any]:
    """Ask a child process for an event's alternatives (CP-SAT never in the server).

    Raises
    ------
    ValueError
        With the library's message: an unknown event, a training class, a
        plan that does not fit its scenario.
    RuntimeError
        When the child fails otherwise or takes too long.
    """
    command = [sys.executable, "-m", __name__, str(run_folder), event_id, lang]
    with _SUGGEST_SLOT:
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                timeout=SUGGEST_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError("the alternatives took too long") from exc
    if done.returncode == 2:
        raise ValueError(done.stdout.decode("utf-8", "replace").strip())
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode("utf-8", "replace")[-500:])
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def main() -> None:
    """Print an event's alternatives as JSON (exit 2 with the message for bad input)."""
    folder, event_id, lang = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        answer = alternatives_json(Path(folder), event_id, lang)
    except ValueError as exc:
        sys.stdout.write(str(exc))
        raise SystemExit(2) from exc
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))


if __name__ == "__main__":
    main()
