"""report.html: one self-contained page a district leader opens by double-click.

The page is read top down by people, not by planners: first the key figures
of each activity, the budget by source and quarter, what was left out and
why, and the agenda of sessions (date, half-day, commune, venue, who goes,
cost); then a month calendar, the timelines (sessions labelled, broadcasts
in a view of their own, the money over time), the changes of a re-plan, the
calendar feeds, every event, and at the end the solver's figures in plain
words. It is public (``scheduler publish`` serves it), so it names no one
unless the scenario says ``[publish] public_names = true``: staff appear by
role and office. The charts and tables by person are in report-staff.html,
which stays in the out folder and is never published.

The page works from ``file://`` with no network (district offices are often
offline): the styles, the data and plotly.js's small "basic" bundle are
inline. plotly.js sits at the end of the body as inert text and runs only
after the page's first paint, so the figures and the agenda show at once and
the charts draw after them. On a phone the tables turn into cards and the
charts get fewer ticks; printed on A4 the charts are pictures that fit the
page width, the whole agenda prints and toolbars do not.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import plotly.io as pio

from scheduler.calendar import TZ, build_grid, month_key, quarter_key
from scheduler.export.charts import (
    activity_colours,
    activity_name,
    budget_burn,
    gantt_by_commune,
    gantt_by_staff,
    month_requirements,
    travel_by_person,
)
from scheduler.export.table import venue_name
from scheduler.i18n import (
    day,
    day_with_weekday,
    name_in,
    number,
    percent,
    pick,
    quarter,
    seconds,
    t,
    t_of,
    vnd,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from scheduler.plan import Event, PenaltyLine, Plan
    from scheduler.scenario.schema import Scenario


def label(key: str, lang: str) -> str:
    """Return a report label in Vietnamese or English (the key itself when unknown)."""
    return t_of("report", key, lang)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def weekday_day(value: dt.date, lang: str) -> str:
    """Return a date with its weekday: ``Thứ Hai 25/09/2023`` or ``Mon 2023-09-25``."""
    short = t(f"weekday_short.{value.weekday()}", lang)
    return pick(lang, day_with_weekday(value, lang), f"{short} {value.isoformat()}")


def quarter_label(key: str, lang: str) -> str:
    """Return a quarter key (``2023-Q3``) as people write it: ``Quý III/2023``."""
    return quarter(key, lang)


def month_label(key: str, lang: str) -> str:
    """Return a month key (``2023-09``) as ``Tháng 9/2023`` or ``September 2023``."""
    year, month = int(key[:4]), int(key[5:7])
    return pick(
        lang, f"Tháng {month}/{year}", dt.date(year, month, 1).strftime("%B %Y")
    )


def period_label(period: str | None, lang: str) -> str:
    """Return an unscheduled line's period (month, quarter or text) for people."""
    if not period:
        return ""
    if "-Q" in period:
        return quarter_label(period, lang)
    if len(period) == 7 and period[4] == "-" and period[:4].isdigit():
        return month_label(period, lang)
    return period


def status_words(status: str, lang: str) -> str:
    """Return a solver status (``OPTIMAL``…) in plain words."""
    return t_of("solver_status", status.upper(), lang, default=status)


def role_name(role: str, lang: str, scenario: Scenario | None = None) -> str:
    """Return a role id (``lanh_dao_huyen``) as people say it.

    The scenario's ``[roles]`` name wins; else the usual name; else the id.
    """
    if scenario is not None and role in scenario.roles:
        return scenario.role_name(role, lang)
    return t_of("role", role, lang, default=role.replace("_", " "))


def half_day_text(event: Event, lang: str) -> str:
    """Return ``buổi sáng``/``buổi chiều`` with the hours, or ``cả ngày`` over days."""
    start, end = event.start.astimezone(TZ), event.end.astimezone(TZ)
    hours = f"{start:%H:%M}–{end:%H:%M}"
    if start.date() != end.date():
        return f"{label('whole_day', lang)}, {hours}"
    half = label("morning" if start.hour < 12 else "afternoon", lang)
    return f"{half} {hours}"


def when_text(event: Event, lang: str) -> str:
    """Return an event's day(s) with weekdays."""
    start, end = event.start.astimezone(TZ), event.end.astimezone(TZ)
    shown = weekday_day(start.date(), lang)
    if end.date() != start.date():
        shown += f" – {weekday_day(end.date(), lang)}"
    return shown


def who_goes(scenario: Scenario, event: Event, named: bool, lang: str) -> list[str]:
    """Return one line per person on an event.

    ``named``: ``Nguyễn Văn Hải — UBND huyện (Chủ tịch)``; otherwise the role
    and office only: ``Lãnh đạo UBND huyện — UBND huyện (Chủ tịch)``.
    """
    people = {p.staff_id: p for p in scenario.staff}
    out = []
    for a in event.staff:
        person = people.get(a.staff_id)
        office = person.organisation if person else None
        first = (
            (person.name if person else a.staff_id)
            if named
            else role_name(a.role, lang, scenario)
        )
        out.append(f"{first} — {office}" if office else first)
    return out


def place_text(scenario: Scenario, event: Event) -> str:
    """Return the commune of an event, or the communes a class serves."""
    communes = {c.commune_code: c.commune_name for c in scenario.communes}
    if event.commune_code:
        return communes.get(event.commune_code, event.commune_code)
    return ", ".join(communes.get(c, c) for c in event.communes_served)


def sessions_of(plan: Plan) -> list[Event]:
    """Return the events of the agenda (everything but broadcasts) by start."""
    return sorted(
        (e for e in plan.events if e.kind != "broadcast"),
        key=lambda e: (e.start, e.commune_code or "", e.event_id),
    )


def coverage_rows(scenario: Scenario, plan: Plan) -> list[tuple[str, int, int]]:
    """Return (activity id, placed, required) for each activity.

    Sessions and broadcasts count events; training counts the communes that
    send trainees to a class, as ``plan.required`` does.
    """
    out = []
    for act_id, spec in scenario.activities.items():
        events = plan.by_activity(act_id)
        if spec.kind == "training":
            placed = len({c for e in events for c in e.communes_served})
        else:
            placed = len(events)
        out.append((act_id, placed, plan.required.get(act_id, 0)))
    return out


def horizon_quarters(plan: Plan) -> list[str]:
    """Return the quarter keys the plan's horizon touches, in order."""
    return sorted(
        {
            quarter_key(plan.horizon_start + dt.timedelta(days=i))
            for i in range((plan.horizon_end - plan.horizon_start).days + 1)
        }
    )


def _fmt(template: str, **values: object) -> str:
    return template.format(**values)


def _card(key: str, title: str, value: str, detail: str, ok: bool) -> str:
    state = "ok" if ok else "short"
    return (
        f'<div class="card {state}" data-key="{_e(key)}"><div class="label">'
        f'{_e(title)}</div><div class="value">{_e(value)}</div>'
        f'<div class="detail">{detail}</div></div>'
    )


def _cards(scenario: Scenario, plan: Plan, lang: str) -> str:
    """Return one card per activity (placed/required, and what is short) and the money."""
    cards = []
    for act_id, placed, need in coverage_rows(scenario, plan):
        spec = scenario.activities[act_id]
        events = plan.by_activity(act_id)
        if spec.kind == "training":
            unit = label("communes_trained", lang)
            more = _fmt(label("classes", lang), n=len(events))
        elif spec.kind == "broadcast":
            unit = label("items", lang)
            stations = len({e.commune_code for e in events if e.commune_code})
            more = _fmt(label("on_stations", lang), n=stations)
        else:
            unit = label("sessions_unit", lang)
            where = len({e.commune_code for e in events if e.commune_code})
            more = _fmt(label("in_communes", lang), n=where)
        ok = placed >= need
        state = (
            label("enough", lang)
            if ok
            else f"{label('short_by', lang)} {number(need - placed, lang)}"
        )
        cards.append(
            _card(
                act_id,
                activity_name(scenario, act_id, lang),
                f"{number(placed, lang)}/{number(need, lang)} {unit}",
                f"{_e(more)} · <strong>{_e(state)}</strong>",
                ok,
            )
        )
    quarters = set(horizon_quarters(plan))
    allowance = sum(
        amount
        for f in scenario.funding
        for q, amount in f.allowance_vnd.items()
        if q in quarters
    )
    spent = sum(e.cost_vnd for e in plan.events)
    share = f" ({percent(spent / allowance, lang)})" if allowance else ""
    cards.append(
        _card(
            "budget",
            label("budget_card", lang),
            vnd(spent, lang),
            _e(f"{label('of_allowance', lang)} {vnd(allowance, lang)}{share}"),
            spent <= allowance,
        )
    )
    return '<div class="cards">' + "".join(cards) + "</div>"


def spend_by_source_quarter(plan: Plan) -> dict[tuple[str, str], int]:
    """Return the planned spend (VND) per (funding source id, quarter)."""
    spent: Counter[tuple[str, str]] = Counter()
    for e in plan.events:
        q = quarter_key(e.start.astimezone(TZ).date())
        spent[(e.funding_source or "", q)] += e.cost_vnd
    return dict(spent)


def _budget_table(scenario: Scenario, plan: Plan, lang: str) -> str:
    """Return the budget by source and quarter: planned, allowance, left, a bar."""
    spent = spend_by_source_quarter(plan)
    quarters = horizon_quarters(plan)
    rows = []
    totals = [0, 0]
    for f in scenario.funding:
        name = name_in(f, lang)
        for q in quarters:
            used, allowed = spent.get((f.id, q), 0), f.allowance_vnd.get(q, 0)
            totals[0] += used
            totals[1] += allowed
            rows.append(_budget_row(name, quarter_label(q, lang), used, allowed, lang))
    heads = [
        label(k, lang) for k in ("source", "quarter", "planned", "allowance", "left")
    ]
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in heads) + "<th></th>"
    foot = _budget_row(label("total", lang), "", totals[0], totals[1], lang, "th")
    return (
        f'<table id="budget" class="cards-on-phone"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody><tfoot>{foot}</tfoot></table>"
    )


def _budget_row(
    name: str, quarter: str, used: int, allowed: int, lang: str, cell: str = "td"
) -> str:
    left = allowed - used
    share = min(used / allowed, 1.0) if allowed else (1.0 if used else 0.0)
    over = ' class="num over"' if left < 0 else ' class="num"'
    left_text = (
        vnd(left, lang) if left >= 0 else f"{label('over', lang)} {vnd(-left, lang)}"
    )
    return (
        f'<tr><{cell} data-label="{_e(label("source", lang))}">{_e(name)}</{cell}>'
        f'<td data-label="{_e(label("quarter", lang))}">{_e(quarter)}</td>'
        f'<td class="num" data-label="{_e(label("planned", lang))}">'
        f"{_e(vnd(used, lang))}</td>"
        f'<td class="num" data-label="{_e(label("allowance", lang))}">'
        f"{_e(vnd(allowed, lang))}</td>"
        f'<td{over} data-label="{_e(label("left", lang))}">{_e(left_text)}</td>'
        f'<td class="bar-cell"><span class="bar" style="width:{share * 100:.0f}%">'
        "</span></td></tr>"
    )


def _unscheduled(scenario: Scenario, plan: Plan, lang: str) -> str:
    if not plan.unscheduled:
        return f'<p class="all-ok">{_e(label("all_scheduled", lang))}</p>'
    communes = {c.commune_code: c.commune_name for c in scenario.communes}
    keys = ("activity", "commune", "count", "period", "reason")
    rows = "".join(
        "<tr>"
        f'<td data-label="{_e(t("activity", lang))}">'
        f"{_e(activity_name(scenario, u.activity, lang))}</td>"
        f'<td data-label="{_e(t("commune", lang))}">'
        f"{_e(communes.get(u.commune_code or '', u.commune_code or ''))}</td>"
        f'<td class="num" data-label="{_e(t("count", lang))}">{u.count}</td>'
        f'<td data-label="{_e(t("period", lang))}">{_e(period_label(u.period, lang))}</td>'
        f'<td data-label="{_e(t("reason", lang))}">{_e(u.text(lang))}</td>'
        "</tr>"
        for u in plan.unscheduled
    )
    heads = "".join(f'<th scope="col">{_e(t(k, lang))}</th>' for k in keys)
    return (
        f'<table id="unscheduled" class="cards-on-phone"><thead><tr>{heads}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _agenda(scenario: Scenario, plan: Plan, lang: str, named: bool) -> str:
    """Return the agenda: one row per session or class, by date, months as headings."""
    heads = [
        ("date", t("date", lang)),
        ("half", label("half_day", lang)),
        ("activity", t("activity", lang)),
        ("commune", t("commune", lang)),
        ("venue", t("venue", lang)),
        ("who", label("who", lang)),
        ("cost", t("cost_vnd", lang)),
    ]
    body = []
    month = ""
    for e in sessions_of(plan):
        start = e.start.astimezone(TZ)
        if month_key(start.date()) != month:
            month = month_key(start.date())
            body.append(
                f'<tr class="month-row"><th colspan="{len(heads)}" scope="rowgroup">'
                f"{_e(month_label(month, lang))}</th></tr>"
            )
        cells = {
            "date": _e(when_text(e, lang)),
            "half": _e(half_day_text(e, lang)),
            "activity": _e(activity_name(scenario, e.activity, lang)),
            "commune": _e(place_text(scenario, e)),
            "venue": _e(venue_name(scenario, e)),
            "who": "<br>".join(_e(w) for w in who_goes(scenario, e, named, lang)),
            "cost": _e(vnd(e.cost_vnd, lang)),
        }
        tds = "".join(
            f'<td class="{key}" data-label="{_e(title)}">{cells[key]}</td>'
            for key, title in heads
        )
        body.append(
            f'<tr id="ev-{_e(e.event_id)}" data-event="{_e(e.event_id)}" '
            f'data-kind="{_e(e.kind)}">{tds}</tr>'
        )
    head = "".join(f'<th scope="col" class="{k}">{_e(h)}</th>' for k, h in heads)
    return (
        f'<p class="note">{_e(label("agenda_note", lang))}</p>'
        f'<table id="agenda" class="cards-on-phone"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _short_place(name: str) -> str:
    """Return a commune name without its unit word, for a calendar chip."""
    for prefix in ("Xã ", "Thị trấn ", "Phường ", "xã ", "thị trấn ", "phường "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _month_calendar(scenario: Scenario, plan: Plan, lang: str) -> str:
    """Return a month grid per month of the horizon with a chip per session.

    Each chip links to its agenda row; a day's broadcasts are one quiet line.
    Public holidays are shaded and named in the day's title.
    """
    colours = activity_colours(scenario)
    holidays = build_grid(scenario, lang).holiday_names
    by_day: dict[dt.date, list[Event]] = defaultdict(list)
    for e in sessions_of(plan):
        for d in e.days:
            by_day[d].append(e)
    broadcasts: Counter[dt.date] = Counter(
        e.start.astimezone(TZ).date() for e in plan.events if e.kind == "broadcast"
    )
    names = [t(f"weekday_short.{i}", lang) for i in range(7)]
    months = sorted(
        {
            month_key(plan.horizon_start + dt.timedelta(days=i))
            for i in range((plan.horizon_end - plan.horizon_start).days + 1)
        }
    )
    out = []
    for m in months:
        first = dt.date(int(m[:4]), int(m[5:7]), 1)
        cells = [f'<div class="dow">{n}</div>' for n in names]
        cells += ['<div class="day pad"></div>'] * first.weekday()
        d = first
        while d.month == first.month:
            cells.append(
                _calendar_day(
                    scenario, d, plan, by_day, broadcasts, holidays, colours, lang
                )
            )
            d += dt.timedelta(days=1)
        out.append(
            f'<div class="month-cal" data-month="{m}"><h3>{_e(month_label(m, lang))}</h3>'
            f'<div class="cal-grid">{"".join(cells)}</div></div>'
        )
    return "".join(out)


def _calendar_day(
    scenario: Scenario,
    d: dt.date,
    plan: Plan,
    by_day: dict[dt.date, list[Event]],
    broadcasts: Counter[dt.date],
    holidays: dict[dt.date, str],
    colours: dict[str, str],
    lang: str,
) -> str:
    inside = plan.horizon_start <= d <= plan.horizon_end
    classes = ["day"]
    title = weekday_day(d, lang)
    if d in holidays:
        classes.append("holiday")
        title += f" — {holidays[d]}"
    if not inside:
        classes.append("outside")
    chips = []
    for e in by_day.get(d, []):
        start = e.start.astimezone(TZ)
        half = label("morning" if start.hour < 12 else "afternoon", lang).split()[-1]
        if e.kind == "training":
            text = _e(activity_name(scenario, e.activity, lang))
        else:
            # the half-day is left out on a phone, where a chip is ~50 px wide
            place = _short_place(place_text(scenario, e))
            text = f'<span class="half">{_e(half)} · </span>{_e(place)}'
        tip = (
            f"{activity_name(scenario, e.activity, lang)} — {place_text(scenario, e)} — "
            f"{half_day_text(e, lang)} — {venue_name(scenario, e)}"
        )
        colour = colours.get(e.activity, "#7f7f7f")
        chips.append(
            f'<a class="chip" href="#ev-{_e(e.event_id)}" data-event="{_e(e.event_id)}" '
            f'style="--c:{colour}" title="{_e(tip)}">{text}</a>'
        )
    if broadcasts.get(d):
        chips.append(
            f'<span class="bc">{_e(_fmt(label("broadcast_items_day", lang), n=broadcasts[d]))}</span>'
        )
    return (
        f'<div class="{" ".join(classes)}" data-date="{d.isoformat()}" title="{_e(title)}">'
        f'<span class="dnum">{d.day}</span>{"".join(chips)}</div>'
    )


def _broadcast_view(scenario: Scenario, plan: Plan, lang: str) -> str:
    """Return the broadcasts by commune and month: placed / required, topics on hover."""
    from scheduler.export.charts import commune_rows

    need = month_requirements(scenario, plan)
    topics = {tp.topic_id: name_in(tp, lang) for tp in scenario.topics}
    count: Counter[tuple[str, str]] = Counter()
    topic_count: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for e in plan.events:
        if e.kind != "broadcast" or not e.commune_code:
            continue
        m = month_key(e.start.astimezone(TZ).date())
        count[(e.commune_code, m)] += 1
        topic_count[(e.commune_code, m)][topics.get(e.topic or "", e.topic or "")] += 1
    months = sorted({m for per in need.values() for m in per} | {m for _, m in count})
    if not months:
        return ""
    short = {m: (f"{int(m[5:])}/{m[2:4]}" if lang != "en" else m) for m in months}
    head = f'<th scope="col">{_e(t("commune", lang))}</th>' + "".join(
        f'<th scope="col" class="num">{_e(short[m])}</th>' for m in months
    )
    rows = []
    for code, name in commune_rows(scenario):
        cells = []
        for m in months:
            n, req = count[(code, m)], need.get(code, {}).get(m, 0)
            tip = "; ".join(
                f"{k}: {v}" for k, v in topic_count[(code, m)].most_common()
            )
            level = min(n / req, 1.0) if req else (1.0 if n else 0.0)
            state = " short" if n < req else ""
            cells.append(
                f'<td class="num heat{state}" style="--l:{level:.2f}" '
                f'title="{_e(f"{name} — {month_label(m, lang)}: {tip}")}">{n}/{req}</td>'
            )
        rows.append(
            f'<tr data-commune="{_e(code)}"><th scope="row">{_e(name)}</th>{"".join(cells)}</tr>'
        )
    return (
        f'<h3 id="broadcast-coverage">{_e(label("broadcast_view", lang))}</h3>'
        f'<p class="note">{_e(label("broadcast_note", lang))}</p>'
        f'<div class="xscroll"><table id="broadcasts" class="heat-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _all_events(plan: Plan, lang: str) -> str:
    """Return where every event (each broadcast too) is listed: the schedule files.

    A row per broadcast would double the page (936 rows for Hưng Nguyên); the
    page sums broadcasts up by commune and month, the files list them all.
    """
    return (
        f"<p>{_e(_fmt(label('events_note', lang), n=number(len(plan.events), lang)))} "
        '<a href="schedule.xlsx">schedule.xlsx</a> · <a href="schedule.csv">schedule.csv</a>'
        ' · <a href="calendars/all.ics">calendars/all.ics</a></p>'
    )


def _penalties(plan: Plan, lang: str) -> str:
    # a goal can involve hundreds of events (every broadcast for "early"); the
    # first few identify it, the count says how many there are
    shown = 8
    points = label("points", lang)

    def involved(p: PenaltyLine) -> str:
        ids = [*p.events, *p.items]
        more = f" … (+{number(len(ids) - shown, lang)})" if len(ids) > shown else ""
        return _e(", ".join(ids[:shown])) + more

    rows = "".join(
        f"<tr><td>{_e(t('goal.' + p.name, lang))}</td>"
        f'<td class="num">{number(p.weight, lang)}</td>'
        f'<td class="num">{number(p.violations, lang)}</td>'
        f'<td class="num">{number(p.penalty, lang)} {points}</td>'
        f'<td class="ids">{involved(p)}</td></tr>'
        for p in plan.penalties
    )
    total = sum(p.penalty for p in plan.penalties)
    return (
        f"<h3>{_e(label('penalties', lang))}</h3>"
        f'<div class="xscroll"><table id="penalties"><thead><tr><th>{_e(label("goal", lang))}</th>'
        f"<th>{_e(label('weight', lang))}</th>"
        f"<th>{_e(label('violations', lang))}</th><th>{_e(t('penalty', lang))}</th>"
        f"<th>{_e(label('involved', lang))}</th>"
        f"</tr></thead><tbody>{rows}</tbody><tfoot><tr><th>{_e(label('total', lang))}"
        f'</th><td></td><td></td><td class="num">{number(total, lang)} {points}</td><td></td>'
        "</tr></tfoot></table></div>"
    )


def _technical(plan: Plan, lang: str) -> str:
    """Return the solver's figures in plain words, and the penalty table."""
    s = plan.solver
    points = label("points", lang)
    rows = [
        ("status", status_words(s.status, lang)),
        ("objective", f"{number(s.objective, lang)} {points}"),
        ("bound", f"{number(s.bound, lang)} {points}"),
        ("gap", percent(s.gap, lang, 2)),
        ("solve_time", seconds(s.wall_time_s, lang, digits=1)),
        ("solver", s.solver),
        ("input_hash", plan.input_hash[:12]),
    ]
    items = "".join(
        f'<tr data-key="{k}"><th scope="row">{_e(label(k, lang))}</th><td>{_e(v)}</td></tr>'
        for k, v in rows
    )
    return (
        f'<p class="note">{_e(label("technical_note", lang))}</p>'
        f'<table id="solver"><tbody>{items}</tbody></table>{_penalties(plan, lang)}'
    )


def _changes(scenario: Scenario, plan: Plan, lang: str, named: bool) -> str:
    """Return the table of what a re-plan changed, or nothing for a first plan.

    Staff are shown by name when ``named``, else by office (or roles).
    """
    if not plan.changes:
        return ""
    people = {p.staff_id: p for p in scenario.staff}

    def who(ids: tuple[str, ...]) -> str:
        shown = []
        for i in ids:
            p = people.get(i)
            if p is None:
                shown.append(i if named else "?")
            elif named:
                shown.append(p.name)
            else:
                shown.append(
                    p.organisation
                    or "/".join(role_name(r, lang, scenario) for r in p.roles)
                )
        return _e(", ".join(shown))

    def when(value: dt.datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(TZ)
        return f"{weekday_day(local.date(), lang)} {local:%H:%M}"

    keys = (
        "event",
        "change_kind",
        "old_start",
        "new_start",
        "old_staff",
        "new_staff",
        "why",
    )
    rows = "".join(
        f"<tr><td>{_e(c.event_id)}</td><td>{_e(label(c.kind, lang))}</td>"
        f"<td>{when(c.old_start)}</td><td>{when(c.new_start)}</td>"
        f"<td>{who(c.old_staff)}</td><td>{who(c.new_staff)}</td>"
        f"<td>{_e(pick(lang, c.reason, c.reason_en or c.reason))}</td></tr>"
        for c in plan.changes
    )
    heads = "".join(f"<th>{_e(label(k, lang))}</th>" for k in keys)
    return (
        f'<section id="changes-section"><h2>{_e(label("changes", lang))} '
        f"({len(plan.changes)})</h2>"
        f'<div class="xscroll"><table id="changes"><thead><tr>{heads}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def feed_links(scenario: Scenario) -> list[tuple[str, str]]:
    """Return the calendar feeds as (relative path, what it holds), all first."""
    out = [("calendars/all.ics", "all")]
    out += [
        (f"calendars/commune-{c.commune_code}.ics", c.commune_code)
        for c in scenario.communes
    ]
    out += [(f"calendars/activity-{a}.ics", a) for a in scenario.activities]
    return out


def _feeds(scenario: Scenario, lang: str) -> str:
    communes = "".join(
        f'<li><a href="calendars/commune-{_e(c.commune_code)}.ics">'
        f"{_e(c.commune_name)}</a> · "
        f'<a href="communes/{_e(c.commune_code)}.html">{_e(label("sheets", lang))}</a></li>'
        for c in scenario.communes
    )
    activities = "".join(
        f'<li><a href="calendars/activity-{_e(a)}.ics">'
        f"{_e(activity_name(scenario, a, lang))}</a></li>"
        for a in scenario.activities
    )
    return (
        f'<p class="note">{_e(label("feeds_note", lang))}</p>'
        f'<p><a href="calendars/all.ics">{_e(label("feed_all", lang))}</a></p>'
        f"<details><summary>{_e(label('feed_commune', lang))}</summary>"
        f"<ul>{communes}</ul></details>"
        f"<details><summary>{_e(label('feed_activity', lang))}</summary>"
        f"<ul>{activities}</ul></details>"
    )


# ---------------------------------------------------------------- charts and page

#: The interactive charts of each page, in page order.
PUBLIC_CHARTS = ("gantt-commune", "budget-burn")
STAFF_PAGE_CHARTS = ("gantt-staff", "travel")


def chart_figures(
    scenario: Scenario,
    plan: Plan,
    lang: str,
    today: dt.date | None,
    named: bool,
    private: bool = False,
) -> dict[str, go.Figure]:
    """Return the plotly figures of report.html (or, ``private``, report-staff.html).

    The commune Gantt of the report leaves the broadcasts to their own view
    and writes each bar's date and half-day beside it.
    """
    if private:
        return {
            "gantt-staff": gantt_by_staff(scenario, plan, lang, today),
            "travel": travel_by_person(scenario, plan, lang),
        }
    gantt = gantt_by_commune(
        scenario, plan, lang, today, named, broadcasts=False, labels=True
    )
    # the slider would repeat every label in miniature; dragging zooms anyway
    gantt.update_layout(xaxis={"rangeslider": {"visible": False}})
    return {
        "gantt-commune": gantt,
        "budget-burn": budget_burn(scenario, plan, lang),
    }


def _chart_blocks(
    figures: dict[str, go.Figure], lang: str, plan: Plan
) -> dict[str, str]:
    """Return each chart as its empty div and its figure as inert JSON.

    The boot script draws them once plotly.js has run (after first paint).
    On a phone a Gantt chart opens on five weeks from its first session (the
    figure's ``layout.meta.phone_range``) and can be dragged sideways.
    """
    out = {}
    first = min(
        (e.start.astimezone(TZ).date() for e in plan.events if e.kind != "broadcast"),
        default=plan.horizon_start,
    )
    # five weeks from just before the first session: a day is ~6 px on a phone
    begin = max(first - dt.timedelta(days=2), plan.horizon_start)
    phone_range = [begin.isoformat(), (begin + dt.timedelta(days=35)).isoformat()]
    for cid, fig in figures.items():
        if cid.startswith("gantt"):
            fig.update_layout(meta={"phone_range": phone_range})
        spec = pio.to_json(fig, validate=False, pretty=False, engine="json")
        # "</" would end the script element early
        spec = spec.replace("</", "<\\/")
        height = int(fig.layout.height or 450)
        out[cid] = (
            f'<section class="chart" data-chart="{cid}">'
            f'<div id="chart-{cid}" class="chart-box" style="min-height:{height}px">'
            f'<p class="loading no-print">{_e(label("charts_loading", lang))}</p></div>'
            f'<script type="application/json" class="chart-spec" data-target="chart-{cid}">'
            f"{spec}</script></section>"
        )
    return out


@cache
def plotly_js() -> str:
    """Return the vendored plotly.js basic bundle (bar and scatter traces)."""
    return (
        resources.files("scheduler.export")
        .joinpath("vendor/plotly-basic.min.js")
        .read_text(encoding="utf-8")
    )


# Sorts a table by the clicked column (numbers and ISO dates by their data-sort
# value, text with Vietnamese collation) and filters it. No library, no network.
_TABLE_JS = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.addEventListener('click', function () {
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var numeric = th.dataset.type === 'number';
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort || a.cells[col].textContent;
        var y = b.cells[col].dataset.sort || b.cells[col].textContent;
        var c = numeric ? Number(x) - Number(y) : x.localeCompare(y, 'vi');
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
document.querySelectorAll('input.table-filter').forEach(function (input) {
  var table = document.getElementById(input.dataset.table);
  input.addEventListener('input', function () {
    var q = input.value.toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      r.hidden = q !== '' && r.textContent.toLowerCase().indexOf(q) < 0;
    });
  });
});
"""

# Runs plotly.js (kept as inert text at the end of the body) only after the
# first paint, then draws the charts one at a time so the page stays responsive.
# On a narrow screen the charts get fewer ticks, no range slider, and a Gantt
# opens on two months that can be dragged. After drawing, each chart is also
# rendered as an SVG picture that the print stylesheet scales to the page width.
_BOOT_JS = """
(function () {
  var narrow = window.matchMedia('(max-width: 640px)').matches;
  function fit(layout) {
    if (!narrow) { return layout; }
    layout.margin = {l: 4, r: 8, t: 60, b: 30};
    ['xaxis', 'xaxis2'].forEach(function (k) {
      if (!layout[k]) { return; }
      layout[k].nticks = 4;
      if (layout[k].rangeslider) { layout[k].rangeslider.visible = false; }
      if (k === 'xaxis' && layout.meta && layout.meta.phone_range) {
        layout[k].range = layout.meta.phone_range;
      }
    });
    layout.title = {text: (layout.title && layout.title.text) || '', font: {size: 13}};
    layout.legend = {orientation: 'h', x: 0, y: -0.02, yanchor: 'top'};
    layout.dragmode = 'pan';
    if (layout.yaxis) {
      layout.yaxis.title = {text: ''};
      layout.yaxis.tickfont = {size: 10};
    }
    if (layout.xaxis) { layout.xaxis.title = {text: ''}; }
    layout.annotations = (layout.annotations || []).filter(function (a) { return a.xref !== 'x'; });
    return layout;
  }
  function pictures(divs) {
    var jobs = divs.map(function (div) {
      return Plotly.toImage(div, {format: 'svg', width: 1000,
                                  height: div.layout.height || 450})
        .then(function (url) {
          var img = document.createElement('img');
          img.className = 'print-chart';
          img.alt = '';
          img.src = url;
          div.parentNode.appendChild(img);
        });
    });
    Promise.all(jobs).then(function () { document.documentElement.dataset.print = 'ready'; });
  }
  function draw(specs, i, divs) {
    if (i >= specs.length) {
      window.__chartsDrawn = performance.now();
      document.documentElement.dataset.charts = 'drawn';
      setTimeout(function () { pictures(divs); }, 0);
      return;
    }
    var fig = JSON.parse(specs[i].textContent);
    var div = document.getElementById(specs[i].dataset.target);
    div.textContent = '';
    Plotly.newPlot(div, fig.data, fit(fig.layout),
                   {displaylogo: false, responsive: true}).then(function () {
      div.style.minHeight = '';
      divs.push(div);
      setTimeout(function () { draw(specs, i + 1, divs); }, 0);
    });
  }
  function start() {
    window.__plotlyStart = performance.now();
    var code = document.getElementById('plotly-src');
    var run = document.createElement('script');
    run.textContent = code.textContent;
    document.body.appendChild(run);
    code.textContent = '';
    draw(Array.prototype.slice.call(document.querySelectorAll('script.chart-spec')), 0, []);
  }
  var started = false;
  function once() { if (!started) { started = true; setTimeout(start, 0); } }
  if (!document.querySelector('script.chart-spec')) { return; }
  try {
    if (performance.getEntriesByName('first-contentful-paint').length) { once(); }
    new PerformanceObserver(function (list) {
      if (list.getEntriesByName('first-contentful-paint').length) { once(); }
    }).observe({type: 'paint', buffered: true});
  } catch (err) { /* no paint timing: the timer below starts the charts */ }
  setTimeout(once, 1500);
})();
"""

_CSS = """
* { box-sizing: border-box; }
body { font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; margin: 0 auto 3rem;
       padding: 0 1.2rem; color: #222; max-width: 1400px; line-height: 1.4; }
h1 { font-size: 1.5rem; margin: 1.2rem 0 0.3rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1rem; margin: 1.2rem 0 0.4rem; }
nav.toc { font-size: 0.85rem; display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 0.8rem; }
.card { border: 1px solid #ddd; border-left: 5px solid #2ca02c; border-radius: 6px;
        padding: 0.6rem 0.9rem; }
.card.short { border-left-color: #d62728; }
.card .label { font-size: 0.85rem; color: #555; }
.card .value { font-size: 1.3rem; font-weight: 600; }
.card .detail { font-size: 0.85rem; color: #444; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.45rem; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; }
table.sortable th { cursor: pointer; position: sticky; top: 0; }
th[aria-sort=ascending]::after { content: " ▲"; }
th[aria-sort=descending]::after { content: " ▼"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.over { color: #b00; font-weight: 600; }
td.bar-cell { width: 8rem; }
.bar { display: block; height: 0.8rem; background: #1f77b4; border-radius: 2px; }
#agenda { width: 100%; }
#agenda td.date, #agenda td.half, #agenda td.cost { white-space: nowrap; }
#agenda td.cost { text-align: right; }
tr.month-row th { background: #e8eef6; font-size: 0.95rem; }
.note { font-size: 0.85rem; color: #555; }
.all-ok { color: #1a7f37; font-weight: 600; }
.scroll { max-height: 36rem; overflow: auto; }
.xscroll { max-width: 100%; overflow-x: auto; }
.chart { margin: 1rem 0; max-width: 100%; }
.chart-box { width: 100%; }
.print-chart { display: none; }
.phone-only { display: none; }
.loading { color: #888; }
.heat-table td.heat { background: rgba(31, 119, 180, calc(0.1 + 0.5 * var(--l))); }
.heat-table td.short { background: rgba(214, 39, 40, 0.25); }
.heat-table th, .heat-table td { padding: 0.15rem 0.3rem; font-size: 0.8rem; }
.months { max-width: 1100px; }
.cal-grid { display: grid; grid-template-columns: repeat(7, minmax(0, 1fr)); gap: 2px; }
.cal-grid .dow { font-size: 0.75rem; font-weight: 600; text-align: center; color: #555; }
.cal-grid .day { min-height: 4.2rem; border: 1px solid #e3e3e3; padding: 1px 2px; font-size: 0.7rem;
                 overflow: hidden; }
.cal-grid .day.pad { border: none; }
.cal-grid .day.holiday { background: rgba(214, 39, 40, 0.08); }
.cal-grid .day.outside { background: #f6f6f6; color: #aaa; }
.dnum { display: block; font-weight: 600; color: #555; }
.chip { display: block; background: var(--c); color: #fff; border-radius: 3px; padding: 0 3px;
        margin: 1px 0; text-decoration: none; white-space: nowrap; overflow: hidden;
        text-overflow: ellipsis; }
.bc { display: block; color: #777; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
@media (max-width: 640px) {
  body { padding: 0 0.6rem; }
  .phone-only { display: block; }
  h1 { font-size: 1.2rem; }
  .months { grid-template-columns: 1fr; }
  .cal-grid .day { min-height: 3rem; font-size: 0.6rem; }
  .cal-grid .chip { white-space: normal; line-height: 1.15; overflow-wrap: anywhere; }
  .cal-grid .half, .cal-grid .bc { display: none; }
  table.cards-on-phone, table.cards-on-phone tbody, table.cards-on-phone tfoot,
  table.cards-on-phone tr, table.cards-on-phone td, table.cards-on-phone th { display: block; }
  table.cards-on-phone { width: 100%; }
  table.cards-on-phone thead { display: none; }
  table.cards-on-phone tr { border: 1px solid #ccc; border-radius: 6px; margin: 0 0 0.6rem;
                             padding: 0.3rem 0.5rem; }
  table.cards-on-phone tr.month-row { border: none; padding: 0; }
  table.cards-on-phone td, table.cards-on-phone th { border: none; padding: 0.1rem 0; }
  table.cards-on-phone td[data-label]::before { content: attr(data-label) ": "; color: #666; }
  #agenda td.date, #agenda td.half, #agenda td.cost { white-space: normal; text-align: left; }
  td.bar-cell { width: auto; }
  table.sortable { font-size: 0.75rem; }
}
@page { size: A4; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .no-print, nav.toc, input, .modebar-container, .loading { display: none !important; }
  .scroll { max-height: none; overflow: visible; }
  .xscroll { overflow: visible; }
  .page-break { break-before: page; }
  h2, h3 { break-after: avoid; }
  tr, .card, .month-cal { break-inside: avoid; }
  thead { display: table-header-group; }
  .chart-box { display: none; }
  .print-chart { display: block; width: 100%; height: auto; break-inside: avoid; }
  .chip { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .heat-table td, .card, .bar { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
  details:not([open]) { display: none; }
}
"""


def _page(
    title: str, lang: str, body: str, data: dict[str, object], charts: bool
) -> bytes:
    """Return a whole page: styles in the head, body, then data and scripts.

    plotly.js goes last, as inert text the boot script runs after first paint.
    """
    plotly = (
        f'<script type="text/plain" id="plotly-src">{plotly_js()}</script>\n'
        f'<script type="text/javascript">{_BOOT_JS}</script>'
        if charts
        else ""
    )
    page = f"""<!DOCTYPE html>
<html lang="{t("format.html_lang", lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="scheduler">
<title>{_e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
{body}
<script type="application/json" id="report-data">{json.dumps(data)}</script>
<script type="text/javascript">{_TABLE_JS}</script>
{plotly}
</body>
</html>
"""
    return page.encode("utf-8")


def _heading(plan: Plan, lang: str, today: dt.date | None) -> str:
    made = f" · {_e(label('generated', lang))} {day(today, lang)}" if today else ""
    return (
        f'<p class="note">{_e(label("horizon", lang))}: '
        f"{_e(weekday_day(plan.horizon_start, lang))} – "
        f"{_e(weekday_day(plan.horizon_end, lang))}{made}</p>"
    )


def _toc(entries: Iterable[tuple[str, str]]) -> str:
    return (
        '<nav class="toc no-print">'
        + "".join(f'<a href="#{anchor}">{_e(title)}</a>' for anchor, title in entries)
        + "</nav>"
    )


def report_html(
    scenario: Scenario, plan: Plan, lang: str = "vi", today: dt.date | None = None
) -> bytes:
    """Return report.html: the public review page, self-contained and offline.

    It names no one unless ``scenario.publish.public_names``: the agenda, the
    changes table and the hover texts give roles and offices; the charts by
    person are left to :func:`staff_report_html`.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"`` for every text on the page.
    today
        The date of the "today" line in the Gantt chart (none when ``None``
        or outside the horizon); also printed as the date the report was made.

    Returns
    -------
    bytes
        UTF-8 HTML with plotly.js's basic bundle inlined once, at the end.
    """
    named = scenario.publish.public_names
    charts = _chart_blocks(
        chart_figures(scenario, plan, lang, today, named), lang, plan
    )
    sessions = sessions_of(plan)
    kinds = Counter(e.kind for e in plan.events)
    toc = _toc(
        [
            ("key-figures", label("key_figures", lang)),
            ("budget-section", label("budget_title", lang)),
            ("unscheduled-section", label("unscheduled", lang)),
            ("agenda-section", label("agenda", lang)),
            ("calendar-section", label("calendar", lang)),
            ("timelines", label("timelines", lang)),
            ("feeds", label("feeds", lang)),
            ("events-section", label("events", lang)),
            ("technical", label("technical", lang)),
        ]
    )
    missing = (
        f'<p class="note">{_e(label("missing_note", lang))}</p>'
        if plan.unscheduled
        else ""
    )
    body = f"""<header><h1>{_e(plan.title)}</h1>
{_heading(plan, lang, today)}
{toc}</header>
<section id="key-figures"><h2>{_e(label("key_figures", lang))}</h2>
{_cards(scenario, plan, lang)}</section>
<section id="budget-section"><h2>{_e(label("budget_title", lang))}</h2>
{_budget_table(scenario, plan, lang)}</section>
<section id="unscheduled-section"><h2>{_e(label("unscheduled", lang))}</h2>
{_unscheduled(scenario, plan, lang)}</section>
<section id="agenda-section" class="page-break"><h2>{_e(label("agenda", lang))} ({len(sessions)})</h2>
{_agenda(scenario, plan, lang, named)}</section>
<section id="calendar-section" class="page-break"><h2>{_e(label("calendar", lang))}</h2>
<div class="months">{_month_calendar(scenario, plan, lang)}</div></section>
<section id="timelines" class="page-break"><h2>{_e(label("timelines", lang))}</h2>
<p class="note">{_e(label("shading", lang))}</p>{missing}
<p class="note phone-only">{_e(label("phone_note", lang))}</p>
{charts["gantt-commune"]}
{_broadcast_view(scenario, plan, lang)}
{charts["budget-burn"]}</section>
{_changes(scenario, plan, lang, named)}
<section id="feeds" class="no-print"><h2>{_e(label("feeds", lang))}</h2>
{_feeds(scenario, lang)}</section>
<section id="events-section"><h2>{_e(label("events", lang))}</h2>
{_all_events(plan, lang)}</section>
<section id="technical" class="page-break"><h2>{_e(label("technical", lang))}</h2>
{_technical(plan, lang)}</section>"""
    data = {
        "charts": list(charts),
        "events": len(plan.events),
        "sessions": [e.event_id for e in sessions],
        "kinds": dict(sorted(kinds.items())),
    }
    return _page(plan.title, lang, body, data, charts=True)


def _workload_table(scenario: Scenario, plan: Plan, lang: str) -> str:
    """Return sessions per person per ISO week, shaded against the person's cap."""
    from scheduler.calendar import week_key

    monday = plan.horizon_start - dt.timedelta(days=plan.horizon_start.weekday())
    weeks = []
    while monday <= plan.horizon_end:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    count: Counter[tuple[str, str]] = Counter()
    for e in plan.events:
        if e.kind == "session":
            key = week_key(e.start.astimezone(TZ).date())
            for a in e.staff:
                count[(a.staff_id, key)] += 1
    head = f'<th scope="col">{_e(t("staff", lang))}</th>' + "".join(
        f'<th scope="col" class="num" title="{_e(label("week_of", lang))} '
        f'{_e(day(w, lang))}">{w:%d/%m}</th>'
        for w in weeks
    )
    rows = []
    for p in scenario.staff:
        cells = []
        for w in weeks:
            n = count[(p.staff_id, week_key(w))]
            level = (
                min(n / p.max_sessions_per_week, 1.0)
                if p.max_sessions_per_week
                else 0.0
            )
            cells.append(f'<td class="num heat" style="--l:{level:.2f}">{n or ""}</td>')
        rows.append(f'<tr><th scope="row">{_e(p.name)}</th>{"".join(cells)}</tr>')
    return (
        f'<h3 id="workload-week">{_e(label("workload", lang))}</h3>'
        f'<div class="xscroll"><table id="workload" class="heat-table"><thead><tr>{head}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _staff_table(scenario: Scenario, plan: Plan, lang: str) -> str:
    """Return one row per person and event they work, by person then start."""
    order = {p.staff_id: i for i, p in enumerate(scenario.staff)}
    people = {p.staff_id: p for p in scenario.staff}
    rows = sorted(
        ((a, e) for e in plan.events for a in e.staff),
        key=lambda pair: (order.get(pair[0].staff_id, len(order)), pair[1].start),
    )
    body = []
    for a, e in rows:
        person = people.get(a.staff_id)
        start = e.start.astimezone(TZ)
        cells = [
            _e(person.name if person else a.staff_id),
            _e(role_name(a.role, lang, scenario)),
            _e(person.organisation or "" if person else ""),
            f'<td class="nowrap" data-sort="{start.isoformat()}">{_e(when_text(e, lang))}</td>',
            _e(half_day_text(e, lang)),
            _e(activity_name(scenario, e.activity, lang)),
            _e(place_text(scenario, e)),
            _e(venue_name(scenario, e)),
            _e(e.event_id),
        ]
        body.append(
            f'<tr data-staff="{_e(a.staff_id)}">'
            + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in cells)
            + "</tr>"
        )
    heads = [
        t("staff", lang),
        label("role", lang),
        label("office", lang),
        t("date", lang),
        label("half_day", lang),
        t("activity", lang),
        t("commune", lang),
        t("venue", lang),
        label("event", lang),
    ]
    head_html = "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
    return (
        f'<p class="note no-print">{_e(label("sort_hint", lang))} '
        f'<label>{_e(label("filter", lang))}: <input class="table-filter" '
        f'data-table="staff-events" type="search"></label></p>'
        f'<div class="scroll xscroll"><table id="staff-events" class="sortable"><thead><tr>'
        f"{head_html}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def staff_report_html(
    scenario: Scenario, plan: Plan, lang: str = "vi", today: dt.date | None = None
) -> bytes:
    """Return report-staff.html: the private page of who does what, by person.

    It holds the Gantt chart by staff member at half-day resolution, the
    travel time per person, the sessions per person and week, one table row
    per person and event, and links to each person's one-page itinerary
    (``staff/<staff_id>.html``). It names people, so ``scheduler publish``
    never copies it into the plan store and ``scheduler serve`` never serves it.

    Parameters
    ----------
    scenario, plan, lang, today
        As for :func:`report_html`.

    Returns
    -------
    bytes
        UTF-8 HTML with plotly.js's basic bundle inlined once, at the end.
    """
    charts = _chart_blocks(
        chart_figures(scenario, plan, lang, today, True, private=True), lang, plan
    )
    title = f"{plan.title} — {label('staff_title', lang)}"
    sheets = "".join(
        f'<li><a href="staff/{_e(p.staff_id)}.html">{_e(p.name)}</a></li>'
        for p in scenario.staff
    )
    body = f"""<header><h1>{_e(title)}</h1>
<p><strong>{_e(label("staff_private", lang))}</strong></p>
{_heading(plan, lang, today)}</header>
<section id="staff-sheets"><h2>{_e(label("staff_sheets", lang))}</h2><ul class="sheet-list">{sheets}</ul></section>
<section id="charts"><h2>{_e(label("timelines", lang))}</h2>
<p class="note">{_e(label("shading", lang))}</p>
{charts["gantt-staff"]}
{_workload_table(scenario, plan, lang)}
{charts["travel"]}</section>
<section id="staff-events-section" class="page-break"><h2>{_e(label("staff_table", lang))}</h2>
{_staff_table(scenario, plan, lang)}</section>"""
    data = {"charts": [*charts, "workload-week"], "private": True}
    return _page(title, lang, body, data, charts=True)
