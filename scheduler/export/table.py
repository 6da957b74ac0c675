"""schedule.csv, unscheduled.csv and plan.json (the export contract); schedule.xlsx is in workbook.py."""

from __future__ import annotations

import csv
import io

# where the output folder is written (re-exported: callers import it from here)
from scheduler.export.folder import write_atomically as write_atomically
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
    """Return a readable place: the venue's name, the station of a broadcast, the outlet of a publication."""
    if event.venue_id:
        return scenario.venue(event.venue_id).name
    if event.kind == "broadcast" and event.commune_code:
        return f"Đài truyền thanh {scenario.commune(event.commune_code).commune_name}"
    if event.kind == "publication" and event.slot_id:
        spec = scenario.activities.get(event.activity)
        outlets = {o.id: o.name for o in spec.outlets} if spec else {}
        return outlets.get(event.slot_id, event.slot_id)
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
    # with a byte-order mark Excel opens the file as UTF-8, not in the
    # Windows code page (which garbles every Vietnamese letter)
    return buf.getvalue().encode("utf-8-sig")


def schedule_csv(scenario: Scenario, plan: Plan) -> bytes:
    """Return schedule.csv (UTF-8 with a BOM, one row per event, contract columns)."""
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


def plan_json(plan: Plan) -> bytes:
    """Return plan.json (schema-versioned, UTF-8)."""
    return plan.to_json().encode("utf-8")
