"""Every file a plan produces, by relative path: one place for ``plan``, ``export`` and ``replan``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from scheduler.calendar import TZ
from scheduler.export.report import report_html
from scheduler.export.table import (
    plan_json,
    schedule_csv,
    schedule_xlsx,
    unscheduled_csv,
)

if TYPE_CHECKING:
    from scheduler.plan import Plan
    from scheduler.scenario.schema import Scenario


def plan_files(scenario: Scenario, plan: Plan, lang: str = "vi") -> dict[str, bytes]:
    """Return the contents of every output file of a plan.

    Parameters
    ----------
    scenario
        The validated scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"`` for everything people read.

    Returns
    -------
    dict[str, bytes]
        Relative path (``schedule.csv``, ``calendars/…``) to file contents, ready
        for :func:`scheduler.export.table.write_atomically`.
    """
    return {
        "schedule.csv": schedule_csv(scenario, plan),
        "schedule.xlsx": schedule_xlsx(scenario, plan, lang),
        "unscheduled.csv": unscheduled_csv(plan, lang),
        "plan.json": plan_json(plan),
        # the "today" line of the Gantt charts: the date the files are written
        "report.html": report_html(scenario, plan, lang, dt.datetime.now(TZ).date()),
    }
