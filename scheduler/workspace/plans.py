"""What the workspace does with plans, apart from HTTP: new plans, uploads, reviews.

Everything here calls the library (the starter, the workbook, the loader,
the plan) and keeps files where ``scheduler plan`` would: a plan's scenario is
``plans/<id>/scenario.xlsx`` and each run's outputs are ``plans/<id>/runs/<n>/``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sqlite3
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from scheduler.calendar import quarter_key
from scheduler.errors import InputProblem, ScenarioError
from scheduler.export.table import venue_name
from scheduler.i18n import name_in, pick, t
from scheduler.plan import Plan
from scheduler.scenario.load import load_scenario
from scheduler.scenario.schema import Scenario
from scheduler.scenario.starter import district_starter, province_starter
from scheduler.scenario.workbook import quarter_header, workbook_bytes
from scheduler.units import communes_2023, provinces_2025
from scheduler.workspace import store
from scheduler.workspace.jobs import plan_dir, run_dir, scenario_path
from scheduler.workspace.text import w, weekday_date

#: The only files of a run the workspace hands out.
RUN_FILES = {
    "report.html": "text/html; charset=utf-8",
    "schedule.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "schedule.csv": "text/csv; charset=utf-8",
    "plan.json": "application/json",
    "unscheduled.csv": "text/csv; charset=utf-8",
    "changes.csv": "text/csv; charset=utf-8",
    "ke-hoach.docx": "application/vnd.openxmlformats-officedocument."
    "wordprocessingml.document",
}


@dataclass(frozen=True)
class Problem:
    """One problem of a workbook, as a page or the API shows it."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def as_json(self) -> dict[str, Any]:
        """Return the problem as the API's JSON object."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


def shown_problem(problem: InputProblem, lang: str) -> Problem:
    """Return a loader problem as sheet, row, column and message.

    The loader names a workbook's sheet as ``file › sheet``; the file is the
    server's own name for the upload, so only the sheet is shown.
    """
    _, sep, sheet = problem.file.rpartition(" › ")
    message = pick(lang, problem.message, problem.message_en or problem.message)
    return Problem(sheet if sep else None, problem.row, problem.field or None, message)


def check_workbook(path: Path, lang: str) -> tuple[Scenario | None, list[Problem]]:
    """Load a workbook as ``scheduler validate`` does; the scenario or its problems."""
    try:
        return load_scenario(path), []
    except ScenarioError as exc:
        return None, [shown_problem(p, lang) for p in exc.problems]


def _upload_path(folder: Path) -> Path:
    """Return a fresh name the server chooses for an uploaded workbook."""
    uploads = folder / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    return uploads / f"{secrets.token_hex(8)}.xlsx"


def take_upload(
    folder: Path,
    conn: sqlite3.Connection,
    raw: bytes,
    lang: str,
    plan_id: int | None = None,
) -> tuple[int | None, list[Problem]]:
    """Validate an uploaded workbook and keep it as a plan's scenario.

    Parameters
    ----------
    folder : Path
        The workspace folder.
    conn : sqlite3.Connection
        The workspace database.
    raw : bytes
        The uploaded file; parsed without evaluating formulas, never run.
    lang : str
        The language of the problems.
    plan_id : int, optional
        The plan whose workbook it replaces; a new plan when not given.

    Returns
    -------
    (int or None, list of Problem)
        The plan id and no problems, or ``None`` and every problem (the
        plan, if any, keeps its workbook).
    """
    path = _upload_path(folder)
    path.write_bytes(raw)
    try:
        scenario, problems = check_workbook(path, lang)
        if scenario is None:
            return None, problems
        if plan_id is None:
            plan_id = store.add_plan(conn, scenario.title, scenario.area.name)
        else:
            store.rename_plan(conn, plan_id, scenario.title, scenario.area.name)
        target = scenario_path(folder, plan_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        return plan_id, []
    finally:
        path.unlink(missing_ok=True)


def new_plan(
    folder: Path, conn: sqlite3.Connection, kind: str, code: str, year: int, lang: str
) -> int:
    """Start a plan from an area's official units (the starter) as a workbook.

    Raises
    ------
    ValueError
        For an unknown area or a year the units do not cover.
    """
    if kind == "district":
        scenario = district_starter(code, year)
    elif kind == "province":
        scenario = province_starter(code, year)
    else:
        raise ValueError(kind)
    plan_id = store.add_plan(conn, scenario.title, scenario.area.name)
    target = scenario_path(folder, plan_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(".scenario.xlsx.tmp")
    tmp.write_bytes(workbook_bytes(scenario, lang))
    os.replace(tmp, target)
    return plan_id


@lru_cache(maxsize=1)
def districts_by_province() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Return the 2023 districts grouped by province: (province, ((code, name), …))."""
    groups: dict[str, dict[str, str]] = {}
    for unit in communes_2023():
        groups.setdefault(unit.province_name, {})[unit.district_code] = (
            unit.district_name
        )
    return tuple(
        (province, tuple(districts.items())) for province, districts in groups.items()
    )


def provinces() -> list[tuple[str, str]]:
    """Return the 2025 provinces as (code, name)."""
    return list(provinces_2025().items())


# --------------------------------------------------------------------------- review


@lru_cache(maxsize=8)
def _load_run(path: str, mtime: float) -> tuple[Scenario, Plan]:
    folder = Path(path)
    return load_scenario(folder / "scenario.xlsx"), Plan.read(folder / "plan.json")


def load_run(folder: Path, plan_id: int, run: int) -> tuple[Scenario, Plan] | None:
    """Return a finished run's scenario and plan, or ``None`` when it has none."""
    target = run_dir(folder, plan_id, run)
    marker = target / "plan.json"
    if not marker.exists():
        return None
    return _load_run(str(target), marker.stat().st_mtime)


def review(scenario: Scenario, plan: Plan, lang: str) -> dict[str, Any]:
    """Return the review page's figures: coverage, budget, left out, agenda."""
    # plotly loads for the review page only
    from scheduler.export.charts import spend_by_source_quarter
    from scheduler.export.report import coverage_rows

    def activity(act_id: str) -> str:
        spec = scenario.activities[act_id]
        return name_in(spec, lang)

    coverage = [
        (activity(a), placed, need, scenario.activities[a].kind)
        for a, placed, need in coverage_rows(scenario, plan)
    ]
    broadcasts = sum(1 for e in plan.events if e.kind == "broadcast")
    classes = [e for e in plan.events if e.kind == "training"]
    spent = spend_by_source_quarter(plan)
    budget = []
    for f in scenario.funding:
        for q, allowance in sorted(f.allowance_vnd.items()):
            used = spent.get((f.id, q), 0)
            budget.append(
                (
                    name_in(f, lang),
                    quarter_header(q, lang),
                    used,
                    allowance,
                    allowance - used,
                )
            )
    left_out = [
        (
            activity(u.activity) if u.activity in scenario.activities else u.activity,
            scenario.commune(u.commune_code).commune_name if u.commune_code else "",
            u.period or "",
            u.count,
            t("reason." + u.reason, lang),
        )
        for u in plan.unscheduled
    ]
    people = {p.staff_id: p.name for p in scenario.staff}
    communes = {c.commune_code: c.commune_name for c in scenario.communes}
    agenda = [
        {
            "date": weekday_date(e.start.date(), lang),
            "half_day": w("morning" if e.start.hour < 12 else "afternoon", lang),
            "activity": activity(e.activity),
            "commune": communes.get(e.commune_code or "", "")
            or ", ".join(communes.get(c, c) for c in e.communes_served),
            "venue": venue_name(scenario, e),
            "staff": ", ".join(people.get(s, s) for s in e.staff_ids),
            "event_id": e.event_id,
            "kind": e.kind,
        }
        for e in sorted(plan.events, key=lambda e: (e.start, e.event_id))
        if e.kind != "broadcast"
    ]
    quarters = Counter(quarter_key(e.start.date()) for e in plan.events)
    return {
        "coverage": coverage,
        "broadcasts": broadcasts,
        "classes": len(classes),
        "class_communes": len({c for e in classes for c in e.communes_served}),
        "budget": budget,
        "left_out": left_out,
        "agenda": agenda,
        "quarters": dict(quarters),
        "solver": plan.solver,
        "changes": _changes(scenario, plan, lang),
        "replanned": plan.replanned_from is not None,
    }


def _changes(scenario: Scenario, plan: Plan, lang: str) -> list[dict[str, str]]:
    """Return a re-plan's Change list as the review shows it (changes.csv's rows)."""
    people = {p.staff_id: p.name for p in scenario.staff}

    def when(moment: dt.datetime | None, staff: tuple[str, ...]) -> str:
        if moment is None:
            return ""
        half = w("morning" if moment.hour < 12 else "afternoon", lang)
        names = ", ".join(people.get(s, s) for s in staff)
        return f"{weekday_date(moment.date(), lang)} {half}" + (
            f" ({names})" if names else ""
        )

    return [
        {
            "event_id": c.event_id,
            "kind": w("kind." + c.kind, lang),
            "old": when(c.old_start, c.old_staff),
            "new": when(c.new_start, c.new_staff),
            "reason": pick(lang, c.reason, c.reason_en or c.reason),
        }
        for c in plan.changes
    ]


def plan_exists(folder: Path, plan_id: int) -> bool:
    """Tell whether a plan's folder holds its workbook."""
    return (
        scenario_path(folder, plan_id).exists() and plan_dir(folder, plan_id).is_dir()
    )


def today() -> dt.date:
    """Return today's date in Vietnam (the default plan year's source)."""
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
