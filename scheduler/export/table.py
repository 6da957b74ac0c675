"""schedule.csv, unscheduled.csv, plan.json and schedule.xlsx (the export contract)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from scheduler.i18n import t
from scheduler.plan import Event, Plan
from scheduler.scenario.schema import Scenario

SCHEDULE_COLUMNS = (
    "event_id",
    "activity",
    "commune_code",
    "venue",
    "start",
    "end",
    "staff",
    "communes_served",
    "topic",
    "cost_vnd",
    "funding_source",
    "status",
)
UNSCHEDULED_COLUMNS = (
    "activity",
    "commune_code",
    "count",
    "period",
    "reason",
    "penalty",
)


def venue_name(scenario: Scenario, event: Event) -> str:
    """Return a readable place: the venue's name, or the station for a broadcast."""
    if event.venue_id:
        return scenario.venue(event.venue_id).name
    if event.kind == "broadcast" and event.commune_code:
        return f"Đài truyền thanh {scenario.commune(event.commune_code).commune_name}"
    return ""


def schedule_rows(scenario: Scenario, plan: Plan) -> list[dict[str, object]]:
    """Return one row per event in the column order of the export contract."""
    return [
        {
            "event_id": e.event_id,
            "activity": e.activity,
            "commune_code": e.commune_code or "",
            "venue": venue_name(scenario, e),
            "start": e.start.isoformat(),
            "end": e.end.isoformat(),
            "staff": ";".join(e.staff_ids),
            "communes_served": ";".join(e.communes_served),
            "topic": e.topic or "",
            "cost_vnd": e.cost_vnd,
            "funding_source": e.funding_source or "",
            "status": e.status,
        }
        for e in plan.events
    ]


def _csv(columns: tuple[str, ...], rows: list[dict[str, object]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def schedule_csv(scenario: Scenario, plan: Plan) -> bytes:
    """Return schedule.csv (UTF-8, one row per event, contract columns)."""
    return _csv(SCHEDULE_COLUMNS, schedule_rows(scenario, plan))


def unscheduled_csv(plan: Plan, lang: str = "vi") -> bytes:
    """Return unscheduled.csv: what was left out, how many, why, and its penalty."""
    rows = [
        {
            "activity": u.activity,
            "commune_code": u.commune_code or "",
            "count": u.count,
            "period": u.period or "",
            "reason": u.text(lang),
            "penalty": u.penalty,
        }
        for u in plan.unscheduled
    ]
    return _csv(UNSCHEDULED_COLUMNS, rows)


def schedule_xlsx(scenario: Scenario, plan: Plan, lang: str = "vi") -> bytes:
    """Return schedule.xlsx: one sheet per activity, real date cells, headers in ``lang``."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    names = {c.commune_code: c.commune_name for c in scenario.communes}
    people = {p.staff_id: p.name for p in scenario.staff}
    for act_id, spec in scenario.activities.items():
        title = (spec.name_en if lang == "en" else spec.name_vi)[:31]
        sheet = book.create_sheet(_sheet_name(act_id, title, book.sheetnames))
        header = [
            "event_id",
            "date",
            "start",
            "end",
            "commune",
            "venue",
            "staff",
            "communes_served",
            "topic",
            "attendees",
            "cost_vnd",
            "funding_source",
            "status",
        ]
        sheet.append([t(h, lang) for h in header])
        for e in plan.by_activity(act_id):
            sheet.append(
                [
                    e.event_id,
                    e.start.date(),
                    e.start.replace(tzinfo=None).time(),
                    e.end.replace(tzinfo=None)
                    if e.all_day
                    else e.end.replace(tzinfo=None).time(),
                    names.get(e.commune_code or "", ""),
                    venue_name(scenario, e),
                    ", ".join(
                        f"{people.get(a.staff_id, a.staff_id)} ({a.role})"
                        for a in e.staff
                    ),
                    ", ".join(names.get(c, c) for c in e.communes_served),
                    e.topic or "",
                    e.attendees,
                    e.cost_vnd,
                    e.funding_source or "",
                    t(f"status.{e.status}", lang),
                ]
            )
        for row in sheet.iter_rows(min_row=2):
            row[1].number_format = "DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD"
            row[2].number_format = "HH:MM"
            row[3].number_format = "DD/MM/YYYY HH:MM" if row[3].is_date else "HH:MM"
            row[10].number_format = "#,##0"
        for i, width in enumerate(
            (28, 12, 8, 16, 24, 34, 48, 30, 12, 10, 14, 16, 12), start=1
        ):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet_name(act_id: str, title: str, taken: list[str]) -> str:
    r"""Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    name = "".join(ch for ch in act_id if ch not in "[]:*?/\\")[:31] or "sheet"
    n = 2
    base = name
    while name in taken:
        name = f"{base[:28]}-{n}"
        n += 1
    return name


def plan_json(plan: Plan) -> bytes:
    """Return plan.json (schema-versioned, UTF-8)."""
    return plan.to_json().encode("utf-8")


def write_atomically(folder: Path, files: dict[str, bytes]) -> None:
    """Write files into a folder so that a failure never leaves it half-written.

    Everything is written to a temporary sibling folder first; only when all
    files are there does it replace the old folder (the old one is kept until
    the swap succeeds).
    """
    import os
    import shutil
    import tempfile

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    # mkdtemp makes the folder private (0700); the results are for everyone the
    # umask allows, like any folder the planner would make by hand
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    try:
        for name, data in files.items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(folder, old)
        os.replace(tmp, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
