"""The files of a plan made with the heavy libraries: the workbook, the document, the pages.

``schedule.xlsx`` (openpyxl, pandas), ``ke-hoach.docx`` (python-docx),
``report.html``, ``report-staff.html`` and the one-page sheets ``communes/``
and ``staff/`` (plotly). They are in one module so that ``scheduler plan``
can have a helper process import it (:class:`scheduler.export.forked.Helper`)
and make them, but the document, while the command makes the calendars, the
tables and the document: the command's own process then never imports
openpyxl and plotly. Pure, like :mod:`scheduler.export.bundle`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from scheduler.calendar import build_grid
from scheduler.export.document import plan_docx
from scheduler.export.report import report_html, staff_report_html
from scheduler.export.sheets import sheet_files
from scheduler.export.workbook import schedule_xlsx

if TYPE_CHECKING:
    from scheduler.plan import Plan
    from scheduler.scenario.schema import Scenario


def rendered_files(
    scenario: Scenario,
    plan: Plan,
    lang: str,
    today: dt.date | None,
    document: bool = True,
) -> dict[str, bytes]:
    """Return the workbook, the document, the two reports and the sheets of a plan.

    Parameters
    ----------
    scenario, plan, lang, today
        As :func:`scheduler.export.bundle.plan_outputs` takes them.
    document
        Make ``ke-hoach.docx`` too (``scheduler plan``'s helper leaves it to
        the command's process, whose share is the smaller one).

    Returns
    -------
    dict[str, bytes]
        Relative path to contents: ``schedule.xlsx``, ``ke-hoach.docx``,
        ``report.html``, ``report-staff.html``, ``communes/…``, ``staff/…``.
    """
    files = {"schedule.xlsx": schedule_xlsx(scenario, plan, lang, today)}
    if document:
        files["ke-hoach.docx"] = plan_docx(scenario, plan, lang, today)
    return {
        **files,
        "report.html": report_html(scenario, plan, lang, today),
        "report-staff.html": staff_report_html(scenario, plan, lang, today),
        **sheet_files(scenario, plan, lang),
    }


def warm_up(scenario: Scenario, lang: str) -> None:
    """Do beforehand what the first call of :func:`rendered_files` would do once.

    ``scheduler plan``'s helper process calls it while the command solves
    (:func:`scheduler.export.bundle.start_helper`): it imports what the
    exporters import only when called (openpyxl's writer, pandas), reads the
    holidays of the scenario's country (the first read imports every
    country's module) and loads plotly's figure machinery (its validators
    and template). Measured on Hưng Nguyên: the first ``rendered_files`` of
    a process took 0.46 s of CPU, the next ones 0.37 s; after this, 0.40 s.
    """
    import openpyxl.packaging.extended
    import openpyxl.styles
    import openpyxl.utils.dataframe
    import openpyxl.writer.excel
    import pandas
    import plotly.graph_objects as go

    del openpyxl, pandas  # imported for later, nothing to use now
    build_grid(scenario, lang)
    go.Figure(layout={"title": "warm"}).to_dict()
