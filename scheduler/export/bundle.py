"""Every file a plan produces, by relative path: one place for ``plan``, ``replan`` and the rest.

Pure: the files depend only on the arguments. The caller reads the clock
(``today``) and the plan store (``calendar_state``); nothing here reads a
clock, an environment variable or ``out/plans.sqlite``
(:mod:`scheduler.outputs` does that for the commands).
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from scheduler.export.display import DisplayData
from scheduler.export.forked import Forked
from scheduler.export.ical import Feed, PublishedCalendar, feed_notes, plan_feeds
from scheduler.export.report import report_html, staff_report_html
from scheduler.export.sheets import sheet_files
from scheduler.export.table import (
    plan_json,
    schedule_csv,
    unscheduled_csv,
)

if TYPE_CHECKING:
    from scheduler.plan import Plan
    from scheduler.scenario.schema import Scenario


#: Files of an out folder that hold personal data (staff names, roles by
#: person): never published. The staff calendars ``calendars/staff-*.ics`` are
#: private too; ``scheduler serve`` gives each only with its person's token.
PRIVATE_FILES = ("report-staff.html",)
#: Folders of an out folder whose files name people: each person's one-page
#: itinerary ``staff/<staff_id>.html``. The commune sheets ``communes/`` are public.
PRIVATE_FOLDERS = ("staff/",)


def plan_outputs(
    scenario: Scenario,
    plan: Plan,
    lang: str = "vi",
    *,
    today: dt.date | None,
    calendar_state: PublishedCalendar | None,
    parallel: bool = False,
) -> tuple[dict[str, bytes], list[str]]:
    """Return the contents of every output file of a plan, and notes on its feeds.

    Parameters
    ----------
    scenario
        The validated scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"`` for everything people read.
    today
        The date the files are written: the "today" line of the Gantt charts,
        the date of the workbook and the document (``None``: no line, and
        :data:`~scheduler.export.zipped.ZIP_EPOCH`).
    calendar_state
        The calendar state of the scenario's last publish, or ``None``
        (never published, or no store): see
        :func:`~scheduler.export.ical.plan_feeds`.
    parallel
        Build the calendars in a forked process while this one builds the
        other files (:class:`~scheduler.export.forked.Forked`; the same bytes
        either way). Only where fork is safe and the machine has a core to
        spare; otherwise, or when the child fails, everything is built here.

    Returns
    -------
    tuple[dict[str, bytes], list[str]]
        Relative path (``schedule.csv``, ``calendars/…``) to file contents, ready
        for :func:`scheduler.export.table.write_atomically`; and one line for
        each feed the size limit split or shortened
        (:func:`scheduler.export.ical.feed_notes`), for the command to print.
    """
    with collector_paused():
        return _outputs(scenario, plan, lang, today, calendar_state, parallel)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (restored after).

    The exporters make many short-lived objects beside a large heap (the plan,
    the scenario, the solver's modules); every full collection walked all of
    it, about a tenth of the time of a plan's files. Their cycles are freed
    by the first collection after the block.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _outputs(
    scenario: Scenario,
    plan: Plan,
    lang: str,
    today: dt.date | None,
    calendar_state: PublishedCalendar | None,
    parallel: bool,
) -> tuple[dict[str, bytes], list[str]]:
    """Make the files of :func:`plan_outputs`."""
    # python-docx and pandas load only for the files that need them, not for
    # the calendars alone (scheduler export ics, publish)
    from scheduler.export.document import plan_docx
    from scheduler.export.workbook import schedule_xlsx

    display = DisplayData.from_scenario(scenario)
    calendars = (
        Forked(plan_feeds, plan, display, lang, calendar_state) if parallel else None
    )
    # a monotonic timer, only to bound the wait for the child: no file depends on it
    started = time.perf_counter()
    try:
        head = {
            "schedule.csv": schedule_csv(scenario, plan),
            "schedule.xlsx": schedule_xlsx(scenario, plan, lang, today),
            "ke-hoach.docx": plan_docx(scenario, plan, lang, today),
            "unscheduled.csv": unscheduled_csv(plan, lang),
            "plan.json": plan_json(plan),
            "display.json": display.to_json().encode("utf-8"),
        }
        tail = {
            "report.html": report_html(scenario, plan, lang, today),
            "report-staff.html": staff_report_html(scenario, plan, lang, today),
            **sheet_files(scenario, plan, lang),
        }
    except BaseException:
        if calendars is not None:
            calendars.cancel()
        raise
    feeds: list[Feed] | None = None
    if calendars is not None:
        # the child's share takes about as long as ours: wait well beyond that
        waited = time.perf_counter() - started
        feeds = calendars.result(wait_s=max(10.0, 4 * waited))
    if feeds is None:  # not in parallel, or the child failed: the same feeds here
        feeds = plan_feeds(plan, display, lang, calendar_state)
    files = {
        **head,
        **{f"calendars/{f.filename}": f.body for f in feeds},
        **tail,
    }
    return files, feed_notes(feeds, lang)


def plan_files(
    scenario: Scenario,
    plan: Plan,
    lang: str = "vi",
    *,
    today: dt.date | None,
    calendar_state: PublishedCalendar | None,
) -> dict[str, bytes]:
    """Return the contents of every output file of a plan (:func:`plan_outputs`)."""
    return plan_outputs(
        scenario, plan, lang, today=today, calendar_state=calendar_state
    )[0]
