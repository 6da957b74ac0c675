"""The files a command writes for a plan: the pure exporter, given the clock and the store.

:func:`scheduler.export.bundle.plan_outputs` reads nothing but its arguments.
The commands (``plan``, ``replan``, ``plan-province``) and the workspace's
runs call :func:`outputs_now`, which reads what the exporter must not: today's
date in Vietnam and the calendar state of the plan store (``--store``,
``$SCHEDULER_STORE`` or ``out/plans.sqlite``; only read).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.calendar import TZ

if TYPE_CHECKING:
    from scheduler.export.forked import Helper
    from scheduler.plan import Plan
    from scheduler.province.result import ProvincePlan
    from scheduler.province.schema import ProvinceScenario
    from scheduler.scenario.schema import Scenario


def outputs_now(
    scenario: Scenario,
    plan: Plan,
    lang: str = "vi",
    store: Path | None = None,
    *,
    helper: Helper[dict[str, bytes]] | None = None,
) -> tuple[dict[str, bytes], list[str]]:
    """Return every output file of a plan as of now, and notes on its feeds.

    Parameters
    ----------
    scenario, plan, lang
        As :func:`scheduler.export.bundle.plan_outputs` takes them.
    store
        The plan store to continue the published calendars of (default as
        :func:`scheduler.store.store_path` says).
    helper
        A child process that makes the workbook, the document and the pages
        meanwhile (``scheduler plan``): see
        :func:`scheduler.export.bundle.start_helper`.

    Returns
    -------
    tuple[dict[str, bytes], list[str]]
        See :func:`scheduler.export.bundle.plan_outputs`.
    """
    from scheduler.export.bundle import plan_outputs
    from scheduler.store import preview_state

    return plan_outputs(
        scenario,
        plan,
        lang,
        # the "today" line of the Gantt charts: the date the files are written
        today=dt.datetime.now(TZ).date(),
        calendar_state=preview_state(plan.scenario, store),
        helper=helper,
    )


def files_now(
    scenario: Scenario, plan: Plan, lang: str = "vi", store: Path | None = None
) -> dict[str, bytes]:
    """Return every output file of a plan as of now (:func:`outputs_now`)."""
    return outputs_now(scenario, plan, lang, store)[0]


def province_files_now(
    province: ProvinceScenario, result: ProvincePlan, violations: int, lang: str
) -> dict[str, bytes]:
    """Return every file of a province plan as of now (:func:`outputs_now`)."""
    from scheduler.export.province_bundle import province_files
    from scheduler.store import preview_state

    return province_files(
        province,
        result,
        violations,
        lang,
        today=dt.datetime.now(TZ).date(),
        calendar_states={
            r.scenario.name: preview_state(r.scenario.name) for r in result.districts
        },
    )
