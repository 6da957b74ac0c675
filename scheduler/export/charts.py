"""Plotly figures of a plan: pure functions of (scenario, plan, lang), no solver.

Every figure here is built from the validated scenario and the plan alone, so
the same charts come out of ``scheduler plan``, of a ``plan.json`` read back
later, and of the server. Text people read (axis titles, legends, hover text)
is Vietnamese by default (dates dd/mm/yyyy, money ``1.234.000 đ``) and English
with ``lang="en"``.

The commune Gantt draws a half-day session as a bar over its whole day, with
its date and half-day written beside it: on a six-month axis a four-hour bar
would be under one pixel wide. The staff Gantt works at half-day resolution
(morning 00–12 h, afternoon 12–24 h), so that one person's morning and
afternoon sessions of one day are two bars. The hover texts give the real hours.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scheduler.calendar import TZ, build_grid, month_key, quarter_key, week_key
from scheduler.i18n import day, name_in, number, quarter, t, t_of, vnd
from scheduler.travel import travel_between

if TYPE_CHECKING:
    from scheduler.plan import Event, Plan
    from scheduler.scenario.schema import Scenario

# One colour per activity, in scenario order (plotly's default qualitative palette).
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
HOLIDAY_FILL = "rgba(214, 39, 40, 0.12)"
BLOCKED_FILL = "rgba(127, 127, 127, 0.25)"
QUARTER_LINE = "#555555"
MILESTONE_LINE = "#9467bd"
TODAY_LINE = "#d62728"
# The National Day for the Poor (Ngày vì người nghèo), 17 October every year.
DAY_FOR_THE_POOR = (10, 17)
# Pixels per Gantt row, and the room taken by titles, legend and range slider.
ROW_PX = 22
GANTT_MARGIN_PX = 300
# Text rows above a Gantt chart for the labels of its vertical lines.
LABEL_ROWS = 4
# Gantt charts with more rows than this repeat the date axis along the top.
TOP_AXIS_ROWS = 30


def text(key: str, lang: str) -> str:
    """Return a chart label in Vietnamese or English (the key itself when unknown)."""
    return t_of("charts", key, lang)


def activity_colours(scenario: Scenario) -> dict[str, str]:
    """Return the colour of each activity, fixed by its place in the scenario.

    The same activity has the same colour in every chart and in every plan of
    the scenario, so a reader learns the colour code once.
    """
    return {
        act_id: PALETTE[i % len(PALETTE)]
        for i, act_id in enumerate(scenario.activities)
    }


def activity_name(scenario: Scenario, act_id: str, lang: str) -> str:
    """Return an activity's name in the language (the id when unknown)."""
    spec = scenario.activities.get(act_id)
    if spec is None:
        return act_id
    return name_in(spec, lang)


def _fmt_dt(value: dt.datetime) -> str:
    """Local wall time as plotly reads it (plotly.js ignores UTC offsets)."""
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")


def _fmt_day(value: dt.date) -> str:
    return value.strftime("%Y-%m-%d")


def _date_format(lang: str) -> str:
    return t("format.date", lang)


def _separators(lang: str) -> str:
    # plotly: first character decimal point, second thousands separator
    return t("format.separators", lang)


def _hours(event: Event) -> str:
    start, end = event.start.astimezone(TZ), event.end.astimezone(TZ)
    return f"{start:%H:%M}–{end:%H:%M}"


def _when(event: Event, lang: str) -> str:
    start, end = event.start.astimezone(TZ), event.end.astimezone(TZ)
    if start.date() == end.date():
        return f"{day(start.date(), lang)} {_hours(event)}"
    return f"{day(start.date(), lang)} – {day(end.date(), lang)}"


def staff_label(scenario: Scenario, event: Event, named: bool) -> str:
    """Return who works an event: names, or without names each role and office.

    Parameters
    ----------
    scenario
        The scenario (names, offices).
    event
        The event.
    named
        ``False`` for a public page: ``role — office`` per person, no names.
    """
    people = {p.staff_id: p for p in scenario.staff}
    if named:
        return ", ".join(
            people[a.staff_id].name if a.staff_id in people else a.staff_id
            for a in event.staff
        )
    shown = []
    for a in event.staff:
        office = people[a.staff_id].organisation if a.staff_id in people else None
        shown.append(f"{a.role} — {office}" if office else a.role)
    return "; ".join(shown)


def _hover(scenario: Scenario, event: Event, lang: str, named: bool = True) -> str:
    """Return the hover text of one event (HTML line breaks, as plotly wants)."""
    communes = {c.commune_code: c.commune_name for c in scenario.communes}
    venues = {v.venue_id: v.name for v in scenario.venues}
    lines = [f"<b>{activity_name(scenario, event.activity, lang)}</b>"]
    if event.commune_code:
        lines.append(communes.get(event.commune_code, event.commune_code))
    lines.append(_when(event, lang))
    if event.venue_id:
        lines.append(f"{text('venue', lang)}: {venues.get(event.venue_id, '')}")
    if event.kind == "training":
        served = ", ".join(communes.get(c, c) for c in event.communes_served)
        lines.append(f"{text('communes_served', lang)}: {served}")
        lines.append(f"{event.attendees} {text('trainees', lang)}")
    if event.staff:
        names = staff_label(scenario, event, named)
        lines.append(f"{text('staff', lang)}: {names}")
    if event.topic:
        topic = next((t for t in scenario.topics if t.topic_id == event.topic), None)
        name = name_in(topic, lang) if topic else event.topic
        lines.append(f"{text('topic', lang)}: {name}")
    lines.append(f"{text('cost', lang)}: {vnd(event.cost_vnd, lang)}")
    if event.funding_source:
        try:
            src = scenario.funding_source(event.funding_source)
            source = name_in(src, lang)
        except KeyError:
            source = event.funding_source
        lines.append(f"{text('source', lang)}: {source}")
    lines.append(f"<i>{event.event_id}</i>")
    return "<br>".join(lines)


def _bar_span(event: Event) -> tuple[str, float]:
    """Return the drawn start (plotly date text) and length (ms) of an event's bar.

    A bar covers whole days, from midnight of the first day to midnight after
    the last, so that a half-day session is visible on a months-long axis.
    """
    first = event.start.astimezone(TZ).date()
    last = event.end.astimezone(TZ).date()
    days = (last - first).days + 1
    return _fmt_day(first), days * 86_400_000.0


def _half_day_span(event: Event) -> tuple[str, float]:
    """Return the drawn start and length (ms) of an event at half-day resolution.

    An event within one day covers its half-day (00–12 h for a start before
    noon, else 12–24 h, both halves when it runs past noon from the morning);
    an event over several days covers its whole days, like :func:`_bar_span`.
    """
    start, end = event.start.astimezone(TZ), event.end.astimezone(TZ)
    if start.date() != end.date():
        return _bar_span(event)
    first = 0 if start.hour < 12 else 12
    last = 24 if end.hour > 12 or (end.hour == 12 and end.minute > 0) else 12
    if first == 12:
        last = 24
    at = dt.datetime.combine(start.date(), dt.time(first))
    return at.strftime("%Y-%m-%d %H:%M:%S"), (last - first) * 3_600_000.0


def bar_label(event: Event, lang: str) -> str:
    """Return the short text written beside a Gantt bar: date and half-day.

    ``05/07 sáng`` for a morning session, ``03–04/07`` for a class over days.
    """
    start, end = event.start.astimezone(TZ), event.end.astimezone(TZ)
    if start.date() != end.date():
        if start.month == end.month:
            return f"{start:%d}–{end:%d/%m}"
        return f"{start:%d/%m}–{end:%d/%m}"
    half = text("morning" if start.hour < 12 else "afternoon", lang)
    return f"{start:%d/%m} {half}"


def commune_rows(scenario: Scenario) -> list[tuple[str, str]]:
    """Return the Gantt rows as (commune code, label), grouped by district.

    Communes are sorted by their district (``parent_code``) and then by code,
    so that with 150+ communes of several districts each district is a block.
    A name that occurs twice gets its code added.
    """
    ordered = sorted(
        scenario.communes, key=lambda c: (c.parent_code or "", c.commune_code)
    )
    counts = Counter(c.commune_name for c in ordered)
    return [
        (
            c.commune_code,
            c.commune_name
            if counts[c.commune_name] == 1
            else f"{c.commune_name} ({c.commune_code})",
        )
        for c in ordered
    ]


def staff_rows(scenario: Scenario) -> list[tuple[str, str]]:
    """Return the staff Gantt rows as (staff id, label) in table order."""
    counts = Counter(p.name for p in scenario.staff)
    return [
        (p.staff_id, p.name if counts[p.name] == 1 else f"{p.name} ({p.staff_id})")
        for p in scenario.staff
    ]


def _merge_days(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Group sorted dates into runs of consecutive days (first, last)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for d in sorted(days):
        if runs and d == runs[-1][1] + dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def _calendar_shapes(
    fig: go.Figure, scenario: Scenario, plan: Plan, lang: str, today: dt.date | None
) -> None:
    """Shade public holidays; mark quarter starts, milestones and today.

    Holiday rectangles are named after the holidays; the vertical lines are
    named ``quarter:…``, ``milestone:…`` and ``today:…`` so that the figure
    data says what each one is.
    """
    grid = build_grid(scenario, lang)
    start, end = plan.horizon_start, plan.horizon_end
    for first, last in _merge_days(list(grid.holiday_names)):
        names = sorted(
            {
                grid.holiday_names[first + dt.timedelta(days=i)]
                for i in range((last - first).days + 1)
            }
        )
        span = day(first, lang)
        if last != first:
            span += f" – {day(last, lang)}"
        fig.add_shape(
            type="rect",
            xref="x",
            yref="paper",
            x0=_fmt_day(first),
            x1=_fmt_day(last + dt.timedelta(days=1)),
            y0=0,
            y1=1,
            fillcolor=HOLIDAY_FILL,
            line={"width": 0},
            layer="below",
            name=f"{text('holiday', lang)}: {'; '.join(names)} ({span})",
        )
    lines: list[tuple[str, str, str, dict[str, Any]]] = [
        (
            _fmt_day(q_start),
            f"quarter:{quarter_key(q_start)}",
            quarter(quarter_key(q_start), lang),
            {"color": QUARTER_LINE, "width": 1, "dash": "dot"},
        )
        for q_start in _quarter_starts(start, end)
    ]
    lines += [
        (
            _fmt_day(mark),
            f"milestone:{mark.isoformat()}",
            title,
            {"color": MILESTONE_LINE, "width": 2, "dash": "dash"},
        )
        for mark, title in _milestones(scenario, start, end, lang)
    ]
    if today is not None and start <= today <= end:
        lines.append(
            (
                _fmt_day(today),
                f"today:{today.isoformat()}",
                f"{text('today', lang)} {day(today, lang)}",
                {"color": TODAY_LINE, "width": 2},
            )
        )
    # Labels go above the plot, one text row per line in date order, so that
    # lines a day apart (a target on 30/09, the quarter on 01/10) stay readable.
    lines.sort(key=lambda item: item[0])
    # above the dates of the top axis when the chart has one
    base = 20 if "xaxis2" in fig.layout and fig.layout.xaxis2.side == "top" else 2
    for row, (x, name, title, style) in enumerate(lines):
        fig.add_vline(x=x, line=style, name=name)
        fig.add_annotation(
            x=x,
            xref="x",
            y=1.0,
            yref="paper",
            yanchor="bottom",
            xanchor="center",
            yshift=base + 13 * (row % LABEL_ROWS),
            text=title,
            showarrow=False,
            font={"size": 10, "color": style["color"]},
            name=name,
        )


def _quarter_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the first days of the quarters that begin inside (start, end]."""
    out = []
    for year in range(start.year, end.year + 1):
        for month in (1, 4, 7, 10):
            first = dt.date(year, month, 1)
            if start < first <= end:
                out.append(first)
    return out


def _milestones(
    scenario: Scenario, start: dt.date, end: dt.date, lang: str
) -> list[tuple[dt.date, str]]:
    """Return the dated milestones inside the horizon: 17 October and targets."""
    marks: list[tuple[dt.date, str]] = []
    for year in range(start.year, end.year + 1):
        poor_day = dt.date(year, *DAY_FOR_THE_POOR)
        if start <= poor_day <= end:
            marks.append((poor_day, text("day_for_poor", lang)))
    for target in scenario.targets:
        if start <= target.by <= end:
            share = f"{target.min_fraction:.0%}"
            name = activity_name(scenario, target.activity, lang)
            marks.append(
                (
                    target.by,
                    f"{text('target', lang)}: {share} {name} "
                    f"{text('by_date', lang)} {day(target.by, lang)}",
                )
            )
    return marks


def _blocked_shapes(
    fig: go.Figure,
    scenario: Scenario,
    plan: Plan,
    kind: str,
    rows: list[str],
    lang: str,
) -> None:
    """Shade the blocked periods of the rows (communes or staff) they belong to."""
    index = {ref: i for i, ref in enumerate(rows)}
    for b in scenario.blocked:
        if b.kind != kind or b.ref not in index:
            continue
        first = max(b.start_date, plan.horizon_start)
        last = min(b.end_date, plan.horizon_end)
        if last < first:
            continue
        i = index[b.ref]
        fig.add_shape(
            type="rect",
            xref="x",
            yref="y",
            x0=_fmt_day(first),
            x1=_fmt_day(last + dt.timedelta(days=1)),
            y0=i - 0.5,
            y1=i + 0.5,
            fillcolor=BLOCKED_FILL,
            line={"width": 0},
            layer="below",
            name=f"{text('blocked', lang)}: {b.reason or ''}".rstrip(": "),
        )


def _gantt_layout(
    fig: go.Figure,
    title: str,
    labels: list[str],
    row_title: str,
    plan: Plan,
    lang: str,
) -> None:
    start = _fmt_day(plan.horizon_start)
    stop = _fmt_day(plan.horizon_end + dt.timedelta(days=1))
    rows = max(len(labels), 3)
    # a range slider about 60 px high whatever the number of rows
    slider = min(max(60 / (ROW_PX * rows), 0.02), 0.15)
    fig.update_layout(
        title={"text": title},
        height=GANTT_MARGIN_PX + ROW_PX * rows,
        barmode="overlay",
        separators=_separators(lang),
        hovermode="closest",
        legend={
            "orientation": "h",
            "yref": "container",
            "yanchor": "bottom",
            "y": 0,
            "x": 0,
        },
        margin={"l": 10, "r": 10, "t": 120, "b": 70},
        xaxis={
            "type": "date",
            "range": [start, stop],
            "tickformat": _date_format(lang),
            "hoverformat": _date_format(lang),
            "rangeslider": {
                "visible": True,
                "thickness": slider,
                "range": [start, stop],
            },
            "title": {"text": text("date", lang)},
            "showgrid": True,
        },
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            # first row on top; a fixed range keeps shapes from widening the axis
            "range": [len(labels) - 0.5, -0.5],
            "autorange": False,
            "title": {"text": row_title},
            "automargin": True,
            "fixedrange": True,
        },
    )
    if len(labels) > TOP_AXIS_ROWS:
        # a long chart also gets its dates along the top, on an axis that follows
        # the main one (it needs a trace to be drawn: one invisible point)
        fig.add_trace(
            go.Scatter(
                x=[start],
                y=[labels[0]],
                xaxis="x2",
                mode="markers",
                marker={"opacity": 0},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.update_layout(
            margin={"t": 150},
            xaxis2={
                "type": "date",
                "overlaying": "x",
                "matches": "x",
                "side": "top",
                "tickformat": _date_format(lang),
                "showgrid": False,
            },
        )


def _event_bars(
    scenario: Scenario,
    events_by_activity: dict[str, list[tuple[str, Event]]],
    lang: str,
    named: bool = True,
    half_days: bool = False,
    labels: bool = False,
) -> list[go.Bar]:
    """Return one horizontal bar trace per activity: one bar per (row, event).

    ``half_days`` draws each bar over its half-day (:func:`_half_day_span`)
    instead of its whole day; ``labels`` writes :func:`bar_label` beside it.
    """
    colours = activity_colours(scenario)
    span_of = _half_day_span if half_days else _bar_span
    traces = []
    for act_id, rows in events_by_activity.items():
        if not rows:
            continue
        spans = [span_of(e) for _, e in rows]
        shown: dict[str, Any] = {}
        # a class's bar spans days and sits next to the sessions of its
        # communes: its label would cover theirs (the hover gives its dates)
        if labels and rows[0][1].kind != "training":
            shown = {
                "text": [bar_label(e, lang) for _, e in rows],
                "textposition": "outside",
                "textfont": {"size": 9},
                "cliponaxis": False,
                "constraintext": "none",
            }
        traces.append(
            go.Bar(
                orientation="h",
                name=activity_name(scenario, act_id, lang),
                y=[label for label, _ in rows],
                base=[s for s, _ in spans],
                x=[length for _, length in spans],
                marker={
                    "color": colours.get(act_id, PALETTE[-1]),
                    # a white edge keeps a morning and an afternoon bar apart
                    "line": {"width": 1, "color": "#ffffff"}
                    if half_days
                    else {"width": 0},
                },
                hovertext=[_hover(scenario, e, lang, named) for _, e in rows],
                hovertemplate="%{hovertext}<extra></extra>",
                customdata=[e.event_id for _, e in rows],
                meta={"activity": act_id, "kind": rows[0][1].kind},
                legendgroup=act_id,
                **shown,
            )
        )
    return traces


def gantt_by_commune(
    scenario: Scenario,
    plan: Plan,
    lang: str = "vi",
    today: dt.date | None = None,
    named: bool = True,
    broadcasts: bool = True,
    labels: bool = False,
) -> go.Figure:
    """Return the Gantt chart with one row per commune.

    Sessions are one bar each on their commune's row; a training class is a
    bar on the row of every commune that sends trainees; broadcasts (unless
    ``broadcasts=False``, as in report.html, which shows them in a view of
    their own) are thin ticks on their commune's row. A commune with
    something left out of the plan (``plan.unscheduled``) has ``⚠`` before
    its name. Public holidays are shaded over all rows,
    a commune's blocked periods on its own row; quarter starts, 17 October,
    target dates and (when inside the horizon) ``today`` are vertical lines.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"``.
    today
        The date of the "today" line; no line when ``None`` or outside the horizon.
    named
        Name the staff in the hover texts; ``False`` gives their roles and
        offices instead (the public report.html).
    broadcasts
        Draw the broadcast ticks.
    labels
        Write each bar's date and half-day beside it.

    Returns
    -------
    plotly.graph_objects.Figure
        Bar traces have ``meta.activity`` and one ``customdata`` event id per bar.
    """
    missing = {u.commune_code for u in plan.unscheduled if u.commune_code}
    rows = [
        (code, f"⚠ {name}" if code in missing else name)
        for code, name in commune_rows(scenario)
    ]
    label_of = dict(rows)
    by_activity: dict[str, list[tuple[str, Event]]] = {
        a: [] for a in scenario.activities
    }
    ticks: dict[str, list[Event]] = {a: [] for a in scenario.activities}
    for e in plan.events:
        if e.kind == "broadcast":
            if broadcasts and e.commune_code in label_of:
                ticks.setdefault(e.activity, []).append(e)
            continue
        codes = (
            e.communes_served
            if e.kind == "training"
            else ((e.commune_code,) if e.commune_code else ())
        )
        for code in codes:
            if code in label_of:
                by_activity.setdefault(e.activity, []).append((label_of[code], e))
    fig = go.Figure()
    colours = activity_colours(scenario)
    for act_id, events in ticks.items():
        if not events:
            continue
        fig.add_trace(
            go.Scatter(
                mode="markers",
                name=activity_name(scenario, act_id, lang),
                x=[_fmt_dt(e.start) for e in events],
                y=[label_of[e.commune_code or ""] for e in events],
                marker={
                    "symbol": "line-ns-open",
                    "size": 10,
                    "color": colours.get(act_id, PALETTE[-1]),
                    "opacity": 0.5,
                    "line": {"width": 1},
                },
                hovertext=[_hover(scenario, e, lang, named) for e in events],
                hovertemplate="%{hovertext}<extra></extra>",
                customdata=[e.event_id for e in events],
                meta={"activity": act_id, "kind": "broadcast"},
                legendgroup=act_id,
            )
        )
    for trace in _event_bars(scenario, by_activity, lang, named, labels=labels):
        fig.add_trace(trace)
    row_labels = [label for _, label in rows]
    _gantt_layout(
        fig, text("gantt_commune", lang), row_labels, text("commune", lang), plan, lang
    )
    _calendar_shapes(fig, scenario, plan, lang, today)
    _blocked_shapes(fig, scenario, plan, "commune", [code for code, _ in rows], lang)
    _district_bands(fig, scenario, rows, lang)
    return fig


def _district_bands(
    fig: go.Figure, scenario: Scenario, rows: list[tuple[str, str]], lang: str
) -> None:
    """Separate and label the districts when the communes come from several."""
    parents = {
        c.commune_code: (c.parent_code or "", c.parent_name or c.parent_code or "")
        for c in scenario.communes
    }
    groups: list[tuple[str, str, int, int]] = []
    for i, (code, _) in enumerate(rows):
        parent, name = parents[code]
        if groups and groups[-1][0] == parent:
            groups[-1] = (parent, name, groups[-1][2], i)
        else:
            groups.append((parent, name, i, i))
    if len(groups) < 2:
        return
    # room on the right for the district names
    fig.update_layout(margin={"r": 40})
    for parent, name, first, last in groups:
        fig.add_hline(
            y=first - 0.5,
            line={"color": "#333333", "width": 1},
            name=f"district:{parent}",
        )
        fig.add_annotation(
            xref="paper",
            yref="y",
            x=1.0,
            y=(first + last) / 2,
            xanchor="left",
            text=f"{name or text('district', lang)}",
            textangle=90,
            showarrow=False,
            font={"size": 10},
        )


def gantt_by_staff(
    scenario: Scenario,
    plan: Plan,
    lang: str = "vi",
    today: dt.date | None = None,
    labels: bool = False,
) -> go.Figure:
    """Return the Gantt chart with one row per staff member.

    Each event a person is named on is a bar on their row over its half-day,
    coloured like in :func:`gantt_by_commune`: a morning and an afternoon
    session of one day are two bars, and two bars over one half-day show a
    double booking. A person's blocked periods are shaded on their row.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"``.
    today
        The date of the "today" line; no line when ``None`` or outside the horizon.
    labels
        Write each bar's date and half-day beside it (pictures, which have no hover).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per activity that has staff.
    """
    rows = staff_rows(scenario)
    label_of = dict(rows)
    by_activity: dict[str, list[tuple[str, Event]]] = {
        a: [] for a in scenario.activities
    }
    for e in plan.events:
        for a in e.staff:
            if a.staff_id in label_of:
                by_activity.setdefault(e.activity, []).append((label_of[a.staff_id], e))
    fig = go.Figure(
        _event_bars(scenario, by_activity, lang, half_days=True, labels=labels)
    )
    row_labels = [label for _, label in rows]
    _gantt_layout(
        fig, text("gantt_staff", lang), row_labels, text("staff", lang), plan, lang
    )
    _calendar_shapes(fig, scenario, plan, lang, today)
    _blocked_shapes(fig, scenario, plan, "staff", [pid for pid, _ in rows], lang)
    return fig


def _week_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the Monday of every ISO week the horizon touches."""
    monday = start - dt.timedelta(days=start.weekday())
    out = []
    while monday <= end:
        out.append(monday)
        monday += dt.timedelta(days=7)
    return out


def month_requirements(scenario: Scenario, plan: Plan) -> dict[str, dict[str, int]]:
    """Return the broadcast items required per commune and month (all activities).

    A month the horizon covers only in part requires its share, rounded down,
    as the model does (``per_month × days covered // days in the month``).

    Returns
    -------
    dict
        Commune code → month (``YYYY-MM``) → required items, summed over the
        broadcast activities that apply to the commune.
    """
    covered: Counter[str] = Counter(
        month_key(plan.horizon_start + dt.timedelta(days=i))
        for i in range((plan.horizon_end - plan.horizon_start).days + 1)
    )
    months = list(covered)
    need: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(months, 0))
    for act_id, spec in scenario.activities.items():
        if spec.kind != "broadcast":
            continue
        for m in months:
            full = pycal.monthrange(int(m[:4]), int(m[5:]))[1]
            share = spec.per_month_override.get(m, spec.per_month) * covered[m] // full
            for c in scenario.communes_for(act_id):
                need[c.commune_code][m] += share
    return dict(need)


def broadcast_coverage(scenario: Scenario, plan: Plan, lang: str = "vi") -> go.Figure:
    """Return the heat map of broadcast items per commune and ISO week.

    The colour is the number of items in the week. The required items per
    month are written above the weeks of each month, and the hover text gives
    the commune's count for the week and for the month against the month's
    requirement.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace; ``z[row][week]`` counts items, rows as in
        :func:`commune_rows`, columns the Mondays of the horizon's weeks.
    """
    rows = commune_rows(scenario)
    weeks = _week_starts(plan.horizon_start, plan.horizon_end)
    week_index = {week_key(w): i for i, w in enumerate(weeks)}
    row_index = {code: i for i, (code, _) in enumerate(rows)}
    z = [[0] * len(weeks) for _ in rows]
    per_month: Counter[tuple[str, str]] = Counter()
    for e in plan.events:
        if e.kind != "broadcast" or e.commune_code not in row_index:
            continue
        d = e.start.astimezone(TZ).date()
        z[row_index[e.commune_code]][week_index[week_key(d)]] += 1
        per_month[(e.commune_code, month_key(d))] += 1
    need = month_requirements(scenario, plan)
    hover = []
    for code, label in rows:
        line = []
        for i, w in enumerate(weeks):
            m = month_key(max(w, plan.horizon_start))
            required = need.get(code, {}).get(m, 0)
            line.append(
                f"<b>{label}</b><br>{text('week', lang)} {week_key(w)[-2:]}: "
                f"{day(w, lang)} – {day(w + dt.timedelta(days=6), lang)}<br>"
                f"{text('broadcasts', lang)}: {z[row_index[code]][i]}<br>"
                f"{text('month', lang)} {m[5:]}/{m[:4]}: {per_month[(code, m)]} / "
                f"{required} {text('required_month', lang)}"
            )
        hover.append(line)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_fmt_day(w) for w in weeks],
            y=[label for _, label in rows],
            text=hover,
            hovertemplate="%{text}<extra></extra>",
            colorscale="Blues",
            zmin=0,
            colorbar={"title": {"text": text("broadcasts", lang)}},
            xgap=1,
            ygap=1,
        )
    )
    # required items per month, written over the middle of each month
    month_totals: dict[str, set[int]] = defaultdict(set)
    for code, _ in rows:
        for m, n in need.get(code, {}).items():
            month_totals[m].add(n)
    for m, values in month_totals.items():
        first = dt.date(int(m[:4]), int(m[5:]), 1)
        middle = max(first, plan.horizon_start) + dt.timedelta(days=14)
        shown = "–".join(str(v) for v in sorted(values))
        fig.add_annotation(
            x=_fmt_day(min(middle, plan.horizon_end)),
            y=1.0,
            yref="paper",
            yanchor="bottom",
            text=f"{m[5:]}/{m[:4]}: {shown} {text('required_month', lang)}",
            showarrow=False,
            font={"size": 10},
            name=f"required:{m}",
        )
    fig.update_layout(
        title={"text": text("coverage", lang)},
        height=GANTT_MARGIN_PX + ROW_PX * max(len(rows), 3),
        separators=_separators(lang),
        margin={"l": 10, "r": 10, "t": 110, "b": 10},
        xaxis={
            "type": "date",
            "tickformat": _date_format(lang),
            "title": {"text": text("week", lang)},
        },
        yaxis={
            "type": "category",
            "autorange": "reversed",
            "automargin": True,
            "title": {"text": text("commune", lang)},
        },
    )
    return fig


def spend_by_source_quarter(plan: Plan) -> dict[tuple[str, str], int]:
    """Return the planned spend (VND) per (funding source id, quarter)."""
    spent: Counter[tuple[str, str]] = Counter()
    for e in plan.events:
        spent[(e.funding_source or "", quarter_key(e.start.astimezone(TZ).date()))] += (
            e.cost_vnd
        )
    return dict(spent)


def _quarters(scenario: Scenario, plan: Plan) -> list[str]:
    keys = {
        quarter_key(plan.horizon_start + dt.timedelta(days=i))
        for i in range((plan.horizon_end - plan.horizon_start).days + 1)
    }
    for f in scenario.funding:
        keys |= set(f.allowance_vnd)
    return sorted(keys)


def budget_by_quarter(scenario: Scenario, plan: Plan, lang: str = "vi") -> go.Figure:
    """Return planned spend per funding source and quarter against its allowance.

    One panel per funding source: a bar per quarter for the planned spend and
    a marker line at the quarter's allowance.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    plotly.graph_objects.Figure
        Per source, a bar trace (``meta.role == "spend"``) and a scatter trace
        (``meta.role == "allowance"``) whose ``y`` are the allowances.
    """
    quarters = _quarters(scenario, plan)
    spent = spend_by_source_quarter(plan)
    sources = list(scenario.funding)
    names = [name_in(f, lang) for f in sources]
    fig = make_subplots(
        rows=1,
        cols=max(len(sources), 1),
        shared_yaxes=True,
        subplot_titles=names,
        horizontal_spacing=0.04,
    )
    for col, (source, name) in enumerate(zip(sources, names, strict=True), start=1):
        used = [spent.get((source.id, q), 0) for q in quarters]
        allowed = [source.allowance_vnd.get(q, 0) for q in quarters]
        fig.add_trace(
            go.Bar(
                x=[quarter(q, lang) for q in quarters],
                y=used,
                name=text("spend", lang),
                marker={"color": PALETTE[0]},
                hovertext=[
                    f"<b>{name}</b><br>{q}<br>{text('spend', lang)}: {vnd(u, lang)}"
                    f"<br>{text('allowance', lang)}: {vnd(a, lang)}"
                    for q, u, a in zip(quarters, used, allowed, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
                legendgroup="spend",
                showlegend=col == 1,
                meta={"role": "spend", "source": source.id},
            ),
            row=1,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=[quarter(q, lang) for q in quarters],
                y=allowed,
                mode="markers",
                name=text("allowance", lang),
                marker={
                    "symbol": "line-ew-open",
                    "size": 44,
                    "color": PALETTE[3],
                    "line": {"width": 3, "color": PALETTE[3]},
                },
                hovertext=[
                    f"<b>{name}</b><br>{q}<br>{text('allowance', lang)}: {vnd(a, lang)}"
                    for q, a in zip(quarters, allowed, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
                legendgroup="allowance",
                showlegend=col == 1,
                meta={"role": "allowance", "source": source.id},
            ),
            row=1,
            col=col,
        )
    fig.update_yaxes(tickformat=",d", rangemode="tozero")
    fig.update_yaxes(title={"text": text("vnd", lang)}, row=1, col=1)
    fig.update_xaxes(title={"text": text("quarter", lang)}, type="category")
    fig.update_layout(
        title={"text": text("budget", lang)},
        height=420,
        separators=_separators(lang),
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
    )
    return fig


def budget_burn(scenario: Scenario, plan: Plan, lang: str = "vi") -> go.Figure:
    """Return the cumulative planned spend of each source against its allowance.

    Solid steps: money committed by the events up to each date. Dashed steps:
    the sum of the allowances of the quarters begun so far.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    plotly.graph_objects.Figure
        Per source a ``meta.role == "spend"`` and a ``"cumulative_allowance"`` trace.
    """
    fig = go.Figure()
    start, end = plan.horizon_start, plan.horizon_end
    for i, source in enumerate(scenario.funding):
        name = name_in(source, lang)
        colour = PALETTE[i % len(PALETTE)]
        daily: Counter[dt.date] = Counter()
        for e in plan.events:
            if e.funding_source == source.id:
                daily[e.start.astimezone(TZ).date()] += e.cost_vnd
        xs, ys, total = [_fmt_day(start)], [0], 0
        for d in sorted(daily):
            total += daily[d]
            xs.append(_fmt_day(d))
            ys.append(total)
        xs.append(_fmt_day(end))
        ys.append(total)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"shape": "hv", "color": colour, "width": 2},
                name=f"{name}: {text('spend', lang)}",
                hovertext=[
                    f"<b>{name}</b><br>{day(dt.date.fromisoformat(x), lang)}<br>"
                    f"{text('spend', lang)}: {vnd(y, lang)}"
                    for x, y in zip(xs, ys, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
                meta={"role": "spend", "source": source.id},
            )
        )
        ax, ay, running = [], [], 0
        for q in sorted(source.allowance_vnd):
            year, nth = int(q[:4]), int(q[-1])
            q_start = dt.date(year, 3 * nth - 2, 1)
            if q_start > end:
                continue
            running += source.allowance_vnd[q]
            ax.append(_fmt_day(max(q_start, start)))
            ay.append(running)
        if ax:
            ax.append(_fmt_day(end))
            ay.append(running)
        fig.add_trace(
            go.Scatter(
                x=ax,
                y=ay,
                mode="lines",
                line={"shape": "hv", "color": colour, "width": 1, "dash": "dash"},
                name=f"{name}: {text('cumulative_allowance', lang)}",
                hovertext=[
                    f"<b>{name}</b><br>{day(dt.date.fromisoformat(x), lang)}<br>"
                    f"{text('cumulative_allowance', lang)}: {vnd(y, lang)}"
                    for x, y in zip(ax, ay, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
                meta={"role": "cumulative_allowance", "source": source.id},
            )
        )
    fig.update_layout(
        title={"text": text("burn", lang)},
        height=420,
        separators=_separators(lang),
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        xaxis={
            "type": "date",
            "tickformat": _date_format(lang),
            "title": {"text": text("date", lang)},
        },
        yaxis={"tickformat": ",d", "title": {"text": text("vnd", lang)}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
    )
    return fig


def workload_by_week(scenario: Scenario, plan: Plan, lang: str = "vi") -> go.Figure:
    """Return the heat map of sessions per staff member per ISO week.

    Counts half-day sessions (the events the weekly cap
    ``max_sessions_per_week`` limits); the hover text gives the person's cap.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace, ``z[person][week]`` sessions, rows as :func:`staff_rows`.
    """
    rows = staff_rows(scenario)
    caps = {p.staff_id: p.max_sessions_per_week for p in scenario.staff}
    weeks = _week_starts(plan.horizon_start, plan.horizon_end)
    week_index = {week_key(w): i for i, w in enumerate(weeks)}
    row_index = {pid: i for i, (pid, _) in enumerate(rows)}
    z = [[0] * len(weeks) for _ in rows]
    for e in plan.events:
        if e.kind != "session":
            continue
        col = week_index[week_key(e.start.astimezone(TZ).date())]
        for a in e.staff:
            if a.staff_id in row_index:
                z[row_index[a.staff_id]][col] += 1
    hover = [
        [
            f"<b>{label}</b><br>{text('week', lang)} {week_key(w)[-2:]}: "
            f"{day(w, lang)} – {day(w + dt.timedelta(days=6), lang)}<br>"
            f"{text('sessions', lang)}: {z[i][j]} ({text('cap', lang)} {caps[pid]})"
            for j, w in enumerate(weeks)
        ]
        for i, (pid, label) in enumerate(rows)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_fmt_day(w) for w in weeks],
            y=[label for _, label in rows],
            text=hover,
            hovertemplate="%{text}<extra></extra>",
            colorscale="Oranges",
            zmin=0,
            zmax=max([*caps.values(), 1]),
            colorbar={"title": {"text": text("sessions", lang)}},
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(
        title={"text": text("workload", lang)},
        height=GANTT_MARGIN_PX + ROW_PX * max(len(rows), 3),
        separators=_separators(lang),
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        xaxis={
            "type": "date",
            "tickformat": _date_format(lang),
            "title": {"text": text("week", lang)},
        },
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
    )
    return fig


def travel_minutes(scenario: Scenario, plan: Plan) -> dict[str, tuple[int, int]]:
    """Return each person's travel: (minutes, days out).

    Each working day a person leaves the district office (``area.hq_venue``),
    goes to their events of the day in time order and comes back; a training
    class counts one return trip per class day. Minutes come from
    :func:`scheduler.travel.travel_between`, like the model and the checker.
    """
    hq = scenario.area.hq_venue or ""
    stops: dict[tuple[str, dt.date], list[tuple[dt.datetime, str]]] = defaultdict(list)
    for e in plan.events:
        for a in e.staff:
            for d in e.days:
                stops[(a.staff_id, d)].append((e.start, e.venue_id or ""))
    out: dict[str, tuple[int, int]] = {p.staff_id: (0, 0) for p in scenario.staff}
    for (pid, _), visits in stops.items():
        route = [hq, *(v for _, v in sorted(visits)), hq]
        minutes = sum(travel_between(scenario, a, b) for a, b in pairwise(route))
        total, days_out = out.get(pid, (0, 0))
        out[pid] = (total + minutes, days_out + 1)
    return out


def travel_by_person(scenario: Scenario, plan: Plan, lang: str = "vi") -> go.Figure:
    """Return a bar chart of the travel minutes of each staff member.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal bar trace, ``x`` the minutes per person of :func:`staff_rows`.
    """
    rows = staff_rows(scenario)
    travel = travel_minutes(scenario, plan)
    minutes = [travel.get(pid, (0, 0))[0] for pid, _ in rows]
    days_out = [travel.get(pid, (0, 0))[1] for pid, _ in rows]
    fig = go.Figure(
        go.Bar(
            orientation="h",
            x=minutes,
            y=[label for _, label in rows],
            marker={"color": PALETTE[0]},
            hovertext=[
                f"<b>{label}</b><br>{text('minutes', lang)}: {number(m, lang)}<br>"
                f"{text('trips', lang)}: {n}"
                for (_, label), m, n in zip(rows, minutes, days_out, strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": text("travel", lang)},
        height=160 + ROW_PX * max(len(rows), 3),
        separators=_separators(lang),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        xaxis={"title": {"text": text("minutes", lang)}, "tickformat": ",d"},
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
    )
    return fig


#: The charts with one row per person: they name the staff, so report.html
#: (public) leaves them to report-staff.html (private).
STAFF_CHARTS = ("gantt-staff", "workload-week", "travel")

#: Every chart id, in report order.
CHART_IDS = (
    "gantt-commune",
    "gantt-staff",
    "broadcast-coverage",
    "budget-quarter",
    "budget-burn",
    "workload-week",
    "travel",
)


def all_charts(
    scenario: Scenario,
    plan: Plan,
    lang: str = "vi",
    today: dt.date | None = None,
    named: bool = True,
    only: Collection[str] | None = None,
    pictures: bool = False,
) -> dict[str, go.Figure]:
    """Return every chart of a plan by a stable id, in report order.

    Ids: ``gantt-commune``, ``gantt-staff``, ``broadcast-coverage``,
    ``budget-quarter``, ``budget-burn``, ``workload-week``, ``travel``.
    ``named=False`` keeps names out of the commune Gantt's hover texts (the
    charts of :data:`STAFF_CHARTS` name people whatever it says); ``only``
    builds just the charts it lists. ``pictures`` makes them for still images,
    which nobody can hover or zoom: the Gantt bars are labelled, the commune
    Gantt leaves the broadcast ticks out (its broadcasts chart has them), and
    :func:`for_picture` drops the range sliders and writes the bars' values.
    """
    builders: dict[str, Callable[[], Any]] = {
        "gantt-commune": lambda: gantt_by_commune(
            scenario,
            plan,
            lang,
            today,
            named,
            broadcasts=not pictures,
            labels=pictures,
        ),
        "gantt-staff": lambda: gantt_by_staff(scenario, plan, lang, today, pictures),
        "broadcast-coverage": lambda: broadcast_coverage(scenario, plan, lang),
        "budget-quarter": lambda: budget_by_quarter(scenario, plan, lang),
        "budget-burn": lambda: budget_burn(scenario, plan, lang),
        "workload-week": lambda: workload_by_week(scenario, plan, lang),
        "travel": lambda: travel_by_person(scenario, plan, lang),
    }
    charts = {
        cid: build() for cid, build in builders.items() if only is None or cid in only
    }
    if pictures:
        charts = {cid: for_picture(fig) for cid, fig in charts.items()}
    return charts


def for_picture(fig: go.Figure) -> go.Figure:
    """Return a figure made for a still picture: no range slider, bars that say their value.

    A picture cannot be hovered: a bar without a label of its own (the
    budget, workload and travel bars) gets its value written on it; the
    range slider, a control for the page, is left out.
    """
    out = go.Figure(fig)
    out.update_xaxes(rangeslider={"visible": False})
    for trace in out.data:
        # a Gantt bar (its meta names its event's kind) is a span of time, not a
        # value: the Gantts label theirs themselves, or not at all (a class)
        gantt = isinstance(trace.meta, dict) and "kind" in trace.meta
        if trace.type != "bar" or trace.text is not None or gantt:
            continue
        horizontal = trace.orientation == "h"
        trace.texttemplate = "%{x:,.0f}" if horizontal else "%{y:,.0f}"
        trace.textposition = "auto"
    return out
