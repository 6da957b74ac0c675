"""The files of ``scheduler plan-province``: every district's bundle and the province's own.

Pure: a decomposed province plan in, file names and bytes out (the command
writes them). The province adds ``summary.json``, ``summary.csv`` and
``province-report.html`` beside one folder per district.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from scheduler.calendar import build_grid
from scheduler.export.bundle import plan_files
from scheduler.export.province_report import province_report_html
from scheduler.solver.greedy import weighted_coverage

if TYPE_CHECKING:
    from scheduler.export.ical import PublishedCalendar
    from scheduler.province.result import ProvincePlan
    from scheduler.province.schema import ProvinceScenario


def province_files(
    province: ProvinceScenario,
    result: ProvincePlan,
    violations: int,
    lang: str,
    *,
    today: dt.date | None,
    calendar_states: Mapping[str, PublishedCalendar | None],
) -> dict[str, bytes]:
    """Return every file of a province plan, by path relative to its folder.

    Parameters
    ----------
    province : ProvinceScenario
        The province the plan was made for.
    result : ProvincePlan
        The decomposition's plan.
    violations : int
        How many violations the checks found (``summary.json`` says).
    lang : str
        ``vi`` or ``en``.
    today : datetime.date or None
        The date the files are written (as :func:`scheduler.export.bundle.plan_files`).
    calendar_states : mapping of str to PublishedCalendar or None
        Each district scenario's published calendar state, by scenario name
        (missing: never published).

    Returns
    -------
    dict of str to bytes
        ``<district>/<file>`` for each district's bundle, then the summary
        files and the province report.
    """
    files: dict[str, bytes] = {}
    for r in result.districts:
        district_files = plan_files(
            r.scenario,
            r.plan,
            lang,
            today=today,
            calendar_state=calendar_states.get(r.scenario.name),
        )
        for rel, data in district_files.items():
            files[f"{r.district}/{rel}"] = data
    summary = result.to_summary()
    summary["violations"] = violations
    files["summary.json"] = json.dumps(summary, ensure_ascii=False, indent=2).encode()
    files["summary.csv"] = summary_csv(result)
    files["province-report.html"] = province_report_html(province, result, lang)
    return files


def summary_csv(result: ProvincePlan) -> bytes:
    """Return one row per district: objective, allocation, spend, coverage."""
    buf = io.StringIO()
    w = csv.writer(buf)
    quarters = sorted({q for r in result.districts for q in r.allocation})
    w.writerow(
        [
            "district",
            "communes",
            "objective",
            "status",
            "from",
            "weighted_coverage",
            "events",
            "unscheduled",
            *[f"allocation_{q}" for q in quarters],
        ]
    )
    for r in result.districts:
        coverage = weighted_coverage(r.scenario, build_grid(r.scenario), r.plan)
        w.writerow(
            [
                r.district,
                len(r.scenario.communes),
                f"{r.plan.solver.objective:.0f}",
                r.plan.solver.status,
                r.source,
                f"{coverage.fraction:.4f}",
                len(r.plan.events),
                sum(u.count for u in r.plan.unscheduled),
                *[r.allocation.get(q, "") for q in quarters],
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode()
