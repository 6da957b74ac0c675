"""Every file a plan produces, by relative path: one place for ``plan``, ``replan`` and the rest.

Pure: the files depend only on the arguments. The caller reads the clock
(``today``) and the plan store (``calendar_state``); nothing here reads a
clock, an environment variable or ``out/plans.sqlite``
(:mod:`scheduler.outputs` does that for the commands).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from scheduler.calendar import scenario_holidays
from scheduler.export.display import DisplayData
from scheduler.export.forked import Helper
from scheduler.export.ical import Feed, PublishedCalendar, feed_notes, plan_feeds
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
    helper: Helper[dict[str, bytes]] | None = None,
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
    helper
        A child process started with :func:`start_helper` (``scheduler
        plan``): it makes the workbook, the reports and the sheets
        (:func:`scheduler.export.rendered.rendered_files`) while this
        process makes the calendars, the tables and the document; the same
        bytes either way.
        Without one (``None``, or a helper that could not start), or when the
        child fails, everything is made here.

    Returns
    -------
    tuple[dict[str, bytes], list[str]]
        Relative path (``schedule.csv``, ``calendars/…``) to file contents, ready
        for :func:`scheduler.export.table.write_atomically`; and one line for
        each feed the size limit split or shortened
        (:func:`scheduler.export.ical.feed_notes`), for the command to print.
    """
    with collector_paused():
        return _outputs(scenario, plan, lang, today, calendar_state, helper)


def start_helper(scenario: Scenario, lang: str) -> Helper[dict[str, bytes]]:
    """Start a child process that prepares the heavy exporters and waits for a plan.

    Start it as early as possible (``scheduler plan`` does, once the scenario
    is read): it reads the country's public holidays first (the command takes
    them with ``Helper.early`` for its time grid, and need not import the
    holidays package), then imports openpyxl, python-docx, plotly and the
    exporters that use them, and warms them up
    (:func:`scheduler.export.rendered.warm_up`), while the command imports the
    solver and builds the model; then pass it to :func:`plan_outputs`. Where
    no child can be forked it is a helper that did not start, and
    :func:`plan_outputs` does all the work.

    Parameters
    ----------
    scenario
        The scenario the plan will be made for.
    lang
        The language of the files.
    """
    return Helper(
        functools.partial(_prepare_rendered, scenario, lang),
        early=functools.partial(scenario_holidays, scenario, lang),
    )


def _prepare_rendered(scenario: Scenario, lang: str) -> None:
    """Import and warm up what :func:`_rendered` needs (in the helper, before the plan exists)."""
    from scheduler.export.rendered import warm_up

    warm_up(scenario, lang)


def _rendered(
    scenario: Scenario,
    plan: Plan,
    lang: str,
    today: dt.date | None,
    document: bool = True,
) -> dict[str, bytes]:
    """Return :func:`scheduler.export.rendered.rendered_files` (imported on first use).

    Imported here, not at the top: the calendars alone (``scheduler export
    ics``, ``publish``) and ``scheduler plan``'s own process (its helper makes
    these files) need none of openpyxl and plotly.
    """
    from scheduler.export.rendered import rendered_files

    with collector_paused():  # in the helper too
        return rendered_files(scenario, plan, lang, today, document)


def _document(
    scenario: Scenario, plan: Plan, lang: str, today: dt.date | None
) -> bytes:
    """Return ``ke-hoach.docx`` (python-docx imported on first use, as in :func:`_rendered`)."""
    from scheduler.export.document import plan_docx

    return plan_docx(scenario, plan, lang, today)


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
    helper: Helper[dict[str, bytes]] | None,
) -> tuple[dict[str, bytes], list[str]]:
    """Make the files of :func:`plan_outputs`."""
    # the helper makes the workbook, the reports and the sheets; this process
    # the tables, the calendars and the document (about as long, measured)
    sent = helper is not None and helper.run(
        _rendered, scenario, plan, lang, today, False
    )
    # a monotonic timer, only to bound the wait for the child: no file depends on it
    started = time.perf_counter()
    try:
        display = DisplayData.from_scenario(scenario)
        tables = {
            "schedule.csv": schedule_csv(scenario, plan),
            "unscheduled.csv": unscheduled_csv(plan, lang),
            "plan.json": plan_json(plan),
            "display.json": display.to_json().encode("utf-8"),
        }
        feeds: list[Feed] = plan_feeds(plan, display, lang, calendar_state)
        document = _document(scenario, plan, lang, today) if sent else None
    except BaseException:
        if helper is not None:
            helper.cancel()
        raise
    rendered: dict[str, bytes] | None = None
    if helper is not None:
        # the child's share takes about as long as ours: wait well beyond that
        waited = time.perf_counter() - started
        rendered = helper.result(wait_s=max(10.0, 4 * waited))
    if rendered is None:  # no helper, or it failed: the same files here
        rendered = _rendered(scenario, plan, lang, today, document is None)
    if document is not None:
        rendered["ke-hoach.docx"] = document
    files = {
        "schedule.csv": tables["schedule.csv"],
        "schedule.xlsx": rendered.pop("schedule.xlsx"),
        "ke-hoach.docx": rendered.pop("ke-hoach.docx"),
        **tables,
        **{f"calendars/{f.filename}": f.body for f in feeds},
        **rendered,
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
