"""schedule.xlsx: the workbook a planner works from.

Sheets: a summary (events per activity, the budget by source and quarter:
planned, allowance, left), a commune × week overview, then one sheet per
activity with one row per event. Everything is shown by name (communes,
people with their roles, topics, funding sources), dates and times are real
Excel cells, headers are bold, frozen and filtered, and every sheet prints on
A4 landscape, one page wide, with the header row repeated.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from scheduler.calendar import TZ
from scheduler.export.names import Names, budget_lines, half_of, local_day
from scheduler.export.table import venue_name
from scheduler.export.zipped import ZIP_EPOCH, stamp
from scheduler.i18n import name_in, quarter, t, t_of, weekday

if TYPE_CHECKING:
    import pandas as pd

    from scheduler.plan import Event, Plan
    from scheduler.scenario.schema import Scenario


# columns of an activity sheet (keys of scheduler.i18n) and their widths
_COLUMNS = (
    ("event_id", 28),
    ("weekday", 10),
    ("date", 12),
    ("half_day", 8),
    ("start", 8),
    ("end", 16),
    ("commune", 22),
    ("venue", 34),
    ("staff", 56),
    ("communes_served", 30),
    ("topic", 30),
    ("attendees", 10),
    ("cost_vnd", 14),
    ("funding_source", 30),
    ("status", 12),
)
_MONEY = "#,##0"
_FILLS = ("F4B183", "9DC3E6", "A9D18E", "FFD966", "C9A0DC", "F8CBAD", "B4C7E7")
_BROADCAST_FILL = "EDEDED"


def _label(key: str, lang: str) -> str:
    return t_of("workbook", key, lang, default=t(key, lang))


def schedule_xlsx(
    scenario: Scenario, plan: Plan, lang: str = "vi", today: dt.date | None = None
) -> bytes:
    """Return schedule.xlsx for a plan.

    Parameters
    ----------
    scenario
        The scenario the plan was made for (for the names).
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"`` for headers, names and words.
    today
        The date the file is written: its created and modified dates and
        the dates of the zip entries (:func:`scheduler.export.zipped.stamp`),
        so that the bytes depend on the arguments alone.

    Returns
    -------
    bytes
        The workbook.
    """
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    names = Names(scenario, lang)
    book = Workbook()
    book.remove(book.active)
    taken: list[str] = []
    _summary_sheet(book, scenario, plan, names, taken)
    _weeks_sheet(book, scenario, plan, names, taken)
    for act_id in scenario.activities:
        _activity_sheet(book, scenario, plan, act_id, names, taken)
    # openpyxl's save() would date the file now: its writer, with our date
    written = dt.datetime.combine(today or ZIP_EPOCH, dt.time(0, 0))
    book.properties.created = book.properties.modified = written
    buf = io.BytesIO()
    ExcelWriter(book, ZipFile(buf, "w", ZIP_DEFLATED, allowZip64=True)).save()
    return stamp(buf.getvalue(), today)


# --------------------------------------------------------------------- summary


def activity_table(scenario: Scenario, plan: Plan, lang: str = "vi") -> pd.DataFrame:
    """Return events, met, required, left out and cost per activity, with a total.

    ``met`` counts sessions or items; for training, the communes whose
    trainees are in a class (as ``plan.required`` counts them).
    """
    import pandas as pd

    names = Names(scenario, lang)
    rows = []
    for act_id, spec in scenario.activities.items():
        events = plan.by_activity(act_id)
        met = (
            len({c for e in events for c in e.communes_served})
            if spec.kind == "training"
            else len(events)
        )
        rows.append(
            {
                "activity": names.activity(act_id),
                "events": len(events),
                "placed": met,
                "required": plan.required.get(act_id, 0),
                "left_out": sum(
                    u.count for u in plan.unscheduled if u.activity == act_id
                ),
                "cost_vnd": sum(e.cost_vnd for e in events),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=["activity", "events", "placed", "required", "left_out", "cost_vnd"],
    )
    total = frame.drop(columns="activity").sum().to_dict()
    frame.loc[len(frame)] = {"activity": _label("total", lang), **total}
    return frame


def budget_table(scenario: Scenario, plan: Plan, lang: str = "vi") -> pd.DataFrame:
    """Return planned spend, allowance and what is left per source and quarter, with a total."""
    import pandas as pd

    names = Names(scenario, lang)
    frame = pd.DataFrame(
        [
            {
                "funding_source": names.source(b.source),
                "quarter": quarter(b.quarter, lang),
                "planned": b.planned,
                "allowance": b.allowance,
                "left": b.left,
            }
            for b in budget_lines(scenario, plan)
        ],
        columns=["funding_source", "quarter", "planned", "allowance", "left"],
    )
    total = frame[["planned", "allowance", "left"]].sum().to_dict()
    frame.loc[len(frame)] = {
        "funding_source": _label("total", lang),
        "quarter": "",
        **total,
    }
    return frame


def _summary_sheet(
    book: Any, scenario: Scenario, plan: Plan, names: Names, taken: list[str]
) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils.dataframe import dataframe_to_rows

    lang = names.lang
    sheet = book.create_sheet(_sheet_name(_label("sheet.summary", lang), taken))
    bold = Font(bold=True)
    sheet.append([plan.title])
    sheet["A1"].font = Font(bold=True, size=13)
    for key, frame, money in (
        ("activities", activity_table(scenario, plan, lang), ("cost_vnd",)),
        (
            "budget",
            budget_table(scenario, plan, lang),
            ("planned", "allowance", "left"),
        ),
    ):
        sheet.append([])
        sheet.append([_label(key, lang)])
        sheet.cell(sheet.max_row, 1).font = bold
        header = [_label(str(c), lang) for c in frame.columns]
        sheet.append(header)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for values in dataframe_to_rows(frame, index=False, header=False):
            sheet.append([_plain(v) for v in values])
            row = sheet[sheet.max_row]
            for i, column in enumerate(frame.columns):
                if column in money:
                    row[i].number_format = _MONEY
        for cell in sheet[sheet.max_row]:
            cell.font = bold  # the total row
    sheet.append([])
    sheet.append([_label("met_note", lang)])
    for letter, width in zip("ABCDEF", (58, 16, 16, 16, 16, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    _print_setup(sheet, title_rows=None)


def _plain(value: object) -> object:
    """Return numpy numbers as the Python numbers openpyxl writes."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


# --------------------------------------------------------------- week overview


def abbreviations(scenario: Scenario, lang: str = "vi") -> dict[str, str]:
    """Return a short, unique tag per activity from its name's initials (ĐT, PT, TH)."""
    words = {
        act_id: re.findall(r"\w+", name_in(spec, lang))
        for act_id, spec in scenario.activities.items()
    }
    size = dict.fromkeys(words, 2)
    while True:
        tags = {
            a: "".join(w[0] for w in ws[: size[a]]).upper() for a, ws in words.items()
        }
        clash = {a for a in tags if list(tags.values()).count(tags[a]) > 1}
        grow = {a for a in clash if size[a] < len(words[a])}
        if not grow:
            break
        for a in grow:
            size[a] += 1
    # still equal (same words): number them
    seen: dict[str, int] = {}
    for a, tag in tags.items():
        seen[tag] = seen.get(tag, 0) + 1
        if seen[tag] > 1:
            tags[a] = f"{tag}{seen[tag]}"
    return tags


def _weeks(plan: Plan) -> list[dt.date]:
    monday = plan.horizon_start - dt.timedelta(days=plan.horizon_start.weekday())
    out = []
    while monday <= plan.horizon_end:
        out.append(monday)
        monday += dt.timedelta(days=7)
    return out


def _weeks_sheet(
    book: Any, scenario: Scenario, plan: Plan, names: Names, taken: list[str]
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    lang = names.lang
    sheet = book.create_sheet(_sheet_name(_label("sheet.weeks", lang), taken))
    weeks = _weeks(plan)
    tags = abbreviations(scenario, lang)
    kinds = {a: spec.kind for a, spec in scenario.activities.items()}
    fills = {
        a: _FILLS[i % len(_FILLS)]
        for i, a in enumerate(a for a in scenario.activities if kinds[a] != "broadcast")
    }
    # (commune, week) -> session/training texts, broadcast counts per activity
    texts: dict[tuple[str, dt.date], list[tuple[str, str]]] = defaultdict(list)
    counts: dict[tuple[str, dt.date], dict[str, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for e in plan.events:
        first = local_day(e.start)
        week = first - dt.timedelta(days=first.weekday())
        if e.kind == "broadcast":
            counts[(e.commune_code or "", week)][e.activity] += 1
            continue
        served = e.communes_served or ((e.commune_code,) if e.commune_code else ())
        by_week: dict[dt.date, list[dt.date]] = defaultdict(list)
        for d in e.days:
            by_week[d - dt.timedelta(days=d.weekday())].append(d)
        for wk, days in by_week.items():
            shown = f"{days[0]:%d/%m}"
            if len(days) > 1:  # a class of several days: 03–04/07
                shown = f"{days[0]:%d}–{days[-1]:%d/%m}"
            for code in served:
                texts[(code, wk)].append((e.activity, f"{tags[e.activity]} {shown}"))
    header = [t("commune", lang)] + [
        f"{_label('week', lang)} {w.isocalendar().week}\n{w:%d/%m}" for w in weeks
    ]
    sheet.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = wrap
    for r, c in enumerate(scenario.communes, start=2):
        row: list[object] = [c.commune_name]
        for w in weeks:
            parts = [text for _, text in texts.get((c.commune_code, w), [])]
            parts += [
                f"{tags[a]}×{n}" for a, n in counts.get((c.commune_code, w), {}).items()
            ]
            row.append("; ".join(parts))
        sheet.append(row)
        for col, w in enumerate(weeks, start=2):
            cell = sheet.cell(r, col)
            cell.alignment = wrap
            held = texts.get((c.commune_code, w))
            colour = (
                fills.get(held[0][0])
                if held
                else (_BROADCAST_FILL if (c.commune_code, w) in counts else None)
            )
            if colour:
                cell.fill = PatternFill("solid", start_color=colour, end_color=colour)
    sheet.append([])
    sheet.append([_label("legend", lang)])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for act_id, tag in tags.items():
        sheet.append([f"{tag}: {names.activity(act_id)}"])
        colour = fills.get(act_id, _BROADCAST_FILL)
        sheet.cell(sheet.max_row, 1).fill = PatternFill(
            "solid", start_color=colour, end_color=colour
        )
    sheet.column_dimensions["A"].width = 26
    for col in range(2, len(weeks) + 2):
        sheet.column_dimensions[get_column_letter(col)].width = 11
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = (
        f"A1:{get_column_letter(len(weeks) + 1)}{len(scenario.communes) + 1}"
    )
    _print_setup(sheet)


# ------------------------------------------------------------ activity sheets


def event_row(scenario: Scenario, e: Event, names: Names) -> list[object]:
    """Return an activity sheet's row for one event (real date and time values)."""
    lang = names.lang
    start = e.start.astimezone(TZ).replace(tzinfo=None)
    end = e.end.astimezone(TZ).replace(tzinfo=None)
    half = half_of(scenario, e)
    return [
        e.event_id,
        weekday(start.date(), lang),
        start.date(),
        t(f"half.{half}", lang) if half else "",
        start.time(),
        # a class ends on a later day: a date and time; anything else a time
        end if e.all_day else end.time(),
        names.commune(e.commune_code),
        venue_name(scenario, e),
        names.staff(e),
        names.communes(e.communes_served),
        names.topic(e.topic),
        e.attendees,
        e.cost_vnd,
        names.source(e.funding_source),
        t(f"status.{e.status}", lang),
    ]


def _activity_sheet(
    book: Any,
    scenario: Scenario,
    plan: Plan,
    act_id: str,
    names: Names,
    taken: list[str],
) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    lang = names.lang
    sheet = book.create_sheet(_sheet_name(names.activity(act_id), taken))
    sheet.append([t(key, lang) for key, _ in _COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    date_format = "DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD"
    events = plan.by_activity(act_id)
    # cells by (row, column): sheet.max_row scans every cell, once per row it
    # made the sheet of a district's broadcasts quadratic
    for r, e in enumerate(events, start=2):
        values = event_row(scenario, e, names)
        sheet.append(values)
        sheet.cell(r, 3).number_format = date_format
        sheet.cell(r, 5).number_format = "HH:MM"
        sheet.cell(r, 6).number_format = (
            f"{date_format} HH:MM" if isinstance(values[5], dt.datetime) else "HH:MM"
        )
        sheet.cell(r, 13).number_format = _MONEY
    for i, (_, width) in enumerate(_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(_COLUMNS))}{len(events) + 1}"
    _print_setup(sheet)


# ----------------------------------------------------------------------- common


def _print_setup(sheet: Any, title_rows: str | None = "1:1") -> None:
    """A4 landscape, one page wide (as many pages tall as needed), header repeated."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        sheet.print_title_rows = title_rows


def _sheet_name(title: str, taken: list[str]) -> str:
    r"""Return an Excel sheet name: at most 31 characters, none of []:*?/\\, unique.

    A long name is cut at a word boundary.
    """
    name = "".join(ch for ch in title if ch not in "[]:*?/\\").strip() or "sheet"
    if len(name) > 31:
        cut = name[:31]
        name = cut.rsplit(" ", 1)[0] if " " in cut else cut
    base, n = name, 2
    while name.casefold() in (s.casefold() for s in taken):
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.append(name)
    return name
