"""report.html: one self-contained page a district leader opens by double-click.

The page holds the key figures, the charts of :mod:`scheduler.export.charts`
that are not about single people, the sortable event table, what was left
out and why, the penalty breakdown and links to the public calendar feeds.
It is public (``scheduler publish`` serves it), so it names no one unless the
scenario says ``[publish] public_names = true``: staff appear by role and
office. The charts and table by person are in report-staff.html, which stays
in the out folder and is never published. plotly.js is inlined once in each
page head, and the small table-sorting script is inline too, so the files
work from ``file://`` with no network (district offices are often offline).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter
from collections.abc import Collection
from typing import TYPE_CHECKING

import plotly.io as pio
from plotly.offline import get_plotlyjs

from scheduler.calendar import TZ, quarter_key
from scheduler.export.charts import (
    CHART_IDS,
    STAFF_CHARTS,
    activity_name,
    all_charts,
    staff_label,
)
from scheduler.export.table import venue_name
from scheduler.i18n import day, number, percent, t, vnd

if TYPE_CHECKING:
    from scheduler.plan import PenaltyLine, Plan
    from scheduler.scenario.schema import Scenario

_LABELS: dict[str, tuple[str, str]] = {
    "key_figures": ("Số liệu chính", "Key figures"),
    "coverage": ("Bao phủ", "Coverage"),
    "spend": ("Kinh phí dự kiến / hạn mức", "Planned spend / allowance"),
    "gap": ("Khoảng cách tối ưu", "Optimality gap"),
    "solve_time": ("Thời gian giải", "Solve time"),
    "charts": ("Biểu đồ", "Charts"),
    "events": ("Danh sách sự kiện", "Events"),
    "filter": ("Lọc", "Filter"),
    "unscheduled": ("Chưa xếp được và lý do", "Not scheduled, and why"),
    "all_scheduled": (
        "Mọi hoạt động yêu cầu đều đã được xếp lịch.",
        "Every required activity is scheduled.",
    ),
    "penalties": ("Điểm phạt theo mục tiêu mềm", "Penalty by soft goal"),
    "violations": ("Số vi phạm", "Violations"),
    "goal": ("Mục tiêu", "Goal"),
    "feeds": ("Lịch điện tử (iCalendar)", "Calendar feeds (iCalendar)"),
    "feeds_note": (
        "Mở hoặc đăng ký các tệp .ics trong thư mục calendars/ bằng ứng dụng lịch.",
        "Open or subscribe to the .ics files in the calendars/ folder with a calendar app.",
    ),
    "feed_all": ("Toàn bộ kế hoạch", "The whole plan"),
    "feed_commune": ("Theo xã", "By commune"),
    "feed_activity": ("Theo hoạt động", "By activity"),
    "horizon": ("Thời gian", "Period"),
    "generated": ("Lập ngày", "Made on"),
    "placed": ("đã xếp / yêu cầu", "placed / required"),
    "communes_trained": ("xã được tập huấn", "communes trained"),
    "time": ("Giờ", "Time"),
    "sort_hint": (
        "Bấm vào tiêu đề cột để sắp xếp.",
        "Click a column header to sort.",
    ),
    "shading": (
        "Nền đỏ nhạt: ngày lễ; nền xám: thời gian bị chặn; nét chấm: đầu quý; "
        "nét đứt tím: mốc (17/10 Ngày vì người nghèo, chỉ tiêu); vạch đỏ: hôm nay.",
        "Light red: public holidays; grey: blocked periods; dotted: quarter starts; "
        "dashed purple: milestones (17 October, targets); red line: today.",
    ),
    "input_hash": ("Mã băm đầu vào", "Input hash"),
    "status": ("Trạng thái bộ giải", "Solver status"),
    "total": ("Tổng", "Total"),
    "weight": ("Trọng số", "Weight"),
    "involved": ("Sự kiện / hạng mục liên quan", "Events / items involved"),
    "changes": ("Thay đổi so với kế hoạch trước", "Changes from the previous plan"),
    "change_kind": ("Loại thay đổi", "Change"),
    "old_start": ("Trước", "Before"),
    "new_start": ("Sau", "After"),
    "old_staff": ("Cán bộ trước", "Staff before"),
    "new_staff": ("Cán bộ sau", "Staff after"),
    "event": ("Sự kiện", "Event"),
    "why": ("Lý do", "Reason"),
    "moved": ("dời lịch", "moved"),
    "restaffed": ("đổi cán bộ", "re-staffed"),
    "moved_restaffed": ("dời lịch và đổi cán bộ", "moved and re-staffed"),
    "added": ("thêm mới", "added"),
    "cancelled": ("huỷ", "cancelled"),
    "staff_title": ("Lịch công tác theo cán bộ", "Duties by staff member"),
    "staff_private": (
        "Trang nội bộ: có tên và lịch công tác của từng cán bộ. Không công bố, "
        "không gửi ra ngoài cơ quan; report.html là trang công khai.",
        "Internal page: it names each staff member and their duties. Do not publish "
        "it or send it outside the office; report.html is the public page.",
    ),
    "staff_table": ("Sự kiện của từng cán bộ", "Events of each staff member"),
    "role": ("Vai trò", "Role"),
    "office": ("Cơ quan", "Office"),
}

# Sorts the event table by the clicked column: numbers and ISO dates by their
# data-sort value, text with Vietnamese collation. No library, no network.
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

_CSS = """
body { font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; margin: 0 1.5rem 3rem;
       color: #222; }
h1 { font-size: 1.5rem; margin-top: 1.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8rem; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 0.9rem; min-width: 12rem; }
.card .label { font-size: 0.8rem; color: #555; }
.card .value { font-size: 1.3rem; font-weight: 600; }
.card .detail { font-size: 0.8rem; color: #555; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.45rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; position: sticky; top: 0; }
table.sortable th { cursor: pointer; }
th[aria-sort=ascending]::after { content: " ▲"; }
th[aria-sort=descending]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
.chart { margin: 1rem 0; }
.note { font-size: 0.85rem; color: #555; }
.scroll { max-height: 36rem; overflow: auto; }
"""


def label(key: str, lang: str) -> str:
    """Return a report label in Vietnamese or English (the key itself when unknown)."""
    pair = _LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


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


def _cards(scenario: Scenario, plan: Plan, lang: str) -> str:
    rows = coverage_rows(scenario, plan)
    required = sum(need for _, _, need in rows)
    placed = sum(min(done, need) for _, done, need in rows)
    share = placed / required if required else 1.0
    detail = "<br>".join(
        f"{_e(activity_name(scenario, a, lang))}: {done}/{need}"
        for a, done, need in rows
    )
    quarters = {
        quarter_key(plan.horizon_start + dt.timedelta(days=i))
        for i in range((plan.horizon_end - plan.horizon_start).days + 1)
    }
    allowance = sum(
        amount
        for f in scenario.funding
        for q, amount in f.allowance_vnd.items()
        if q in quarters
    )
    spent = sum(e.cost_vnd for e in plan.events)
    s = plan.solver
    cards = [
        (label("coverage", lang), percent(share, lang), detail),
        (
            label("spend", lang),
            vnd(spent, lang),
            f"/ {vnd(allowance, lang)}"
            + (f" ({percent(spent / allowance, lang)})" if allowance else ""),
        ),
        (
            label("gap", lang),
            percent(s.gap, lang, 2),
            f"{label('status', lang)}: {_e(s.status)}",
        ),
        (
            label("solve_time", lang),
            f"{s.wall_time_s:.1f} s",
            f"{_e(s.solver)}",
        ),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card" data-key="{i}"><div class="label">{_e(title)}</div>'
            f'<div class="value">{_e(value)}</div><div class="detail">{more}</div></div>'
            for i, (title, value, more) in enumerate(cards)
        )
        + "</div>"
    )


def _event_table(scenario: Scenario, plan: Plan, lang: str, named: bool) -> str:
    communes = {c.commune_code: c.commune_name for c in scenario.communes}
    topics = {
        tp.topic_id: (tp.name_en if lang == "en" else tp.name_vi)
        for tp in scenario.topics
    }
    sources = {
        f.id: (f.name_en if lang == "en" else f.name_vi) for f in scenario.funding
    }
    heads = [
        ("event_id", "text"),
        ("activity", "text"),
        ("commune", "text"),
        ("date", "text"),
        ("time", "text"),
        ("venue", "text"),
        ("staff", "text"),
        ("topic", "text"),
        ("cost_vnd", "number"),
        ("funding_source", "text"),
    ]
    head_html = "".join(
        f'<th data-type="{kind}" scope="col">'
        f"{_e(label(key, lang) if key == 'time' else t(key, lang))}</th>"
        for key, kind in heads
    )
    body = []
    for e in plan.events:
        start, end = e.start.astimezone(TZ), e.end.astimezone(TZ)
        when = day(start.date(), lang)
        if end.date() != start.date():
            when += f" – {day(end.date(), lang)}"
        place = (
            communes.get(e.commune_code, e.commune_code)
            if e.commune_code
            else ", ".join(communes.get(c, c) for c in e.communes_served)
        )
        cells = [
            _e(e.event_id),
            _e(activity_name(scenario, e.activity, lang)),
            _e(place),
            f'<td class="nowrap" data-sort="{start.isoformat()}">{_e(when)}</td>',
            f'<td class="nowrap">{_e(f"{start:%H:%M}–{end:%H:%M}")}</td>',
            _e(venue_name(scenario, e)),
            _e(staff_label(scenario, e, named)),
            _e(topics.get(e.topic or "", e.topic or "")),
            f'<td class="num" data-sort="{e.cost_vnd}">{_e(vnd(e.cost_vnd, lang))}</td>',
            _e(sources.get(e.funding_source or "", e.funding_source or "")),
        ]
        body.append(
            f'<tr data-event="{_e(e.event_id)}" data-kind="{_e(e.kind)}">'
            + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in cells)
            + "</tr>"
        )
    return (
        f'<p class="note">{_e(label("sort_hint", lang))} '
        f'<label>{_e(label("filter", lang))}: <input class="table-filter" '
        f'data-table="events" type="search"></label></p>'
        f'<div class="scroll"><table id="events" class="sortable"><thead><tr>'
        f"{head_html}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _unscheduled(scenario: Scenario, plan: Plan, lang: str) -> str:
    if not plan.unscheduled:
        return f"<p>{_e(label('all_scheduled', lang))}</p>"
    communes = {c.commune_code: c.commune_name for c in scenario.communes}
    rows = "".join(
        "<tr>"
        f"<td>{_e(activity_name(scenario, u.activity, lang))}</td>"
        f"<td>{_e(communes.get(u.commune_code or '', u.commune_code or ''))}</td>"
        f'<td class="num">{u.count}</td>'
        f"<td>{_e(u.period or '')}</td>"
        f"<td>{_e(u.text(lang))}</td>"
        f'<td class="num">{number(u.penalty, lang)}</td>'
        "</tr>"
        for u in plan.unscheduled
    )
    heads = "".join(
        f"<th>{_e(t(k, lang))}</th>"
        for k in ("activity", "commune", "count", "period", "reason", "penalty")
    )
    return (
        f'<table id="unscheduled"><thead><tr>{heads}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _penalties(plan: Plan, lang: str) -> str:
    # a goal can involve hundreds of events (every broadcast for "early"); the
    # first few identify it, the count says how many there are
    shown = 8

    def involved(p: PenaltyLine) -> str:
        ids = [*p.events, *p.items]
        more = f" … (+{number(len(ids) - shown, lang)})" if len(ids) > shown else ""
        return _e(", ".join(ids[:shown])) + more

    rows = "".join(
        f"<tr><td>{_e(t('goal.' + p.name, lang))}</td>"
        f'<td class="num">{number(p.weight, lang)}</td>'
        f'<td class="num">{number(p.violations, lang)}</td>'
        f'<td class="num">{number(p.penalty, lang)}</td>'
        f'<td class="ids">{involved(p)}</td></tr>'
        for p in plan.penalties
    )
    total = sum(p.penalty for p in plan.penalties)
    return (
        f'<table id="penalties"><thead><tr><th>{_e(label("goal", lang))}</th>'
        f"<th>{_e(label('weight', lang))}</th>"
        f"<th>{_e(label('violations', lang))}</th><th>{_e(t('penalty', lang))}</th>"
        f"<th>{_e(label('involved', lang))}</th>"
        f"</tr></thead><tbody>{rows}</tbody><tfoot><tr><th>{_e(label('total', lang))}"
        f'</th><td></td><td></td><td class="num">{number(total, lang)}</td><td></td>'
        "</tr></tfoot></table>"
    )


def _changes(scenario: Scenario, plan: Plan, lang: str, named: bool) -> str:
    """Return the table of what a re-plan changed, or nothing for a first plan.

    Staff are shown by id when ``named``, else by office (or roles): an id
    may be a person's name.
    """
    if not plan.changes:
        return ""
    offices = {p.staff_id: p.organisation or "/".join(p.roles) for p in scenario.staff}

    def who(ids: tuple[str, ...]) -> str:
        return _e(", ".join(ids if named else (offices.get(i, "?") for i in ids)))

    def when(value: dt.datetime | None) -> str:
        return "" if value is None else f"{day(value.date(), lang)} {value:%H:%M}"

    rows = "".join(
        f"<tr><td>{_e(c.event_id)}</td><td>{_e(label(c.kind, lang))}</td>"
        f"<td>{when(c.old_start)}</td><td>{when(c.new_start)}</td>"
        f"<td>{who(c.old_staff)}</td><td>{who(c.new_staff)}</td>"
        f"<td>{_e(c.reason_en if lang == 'en' and c.reason_en else c.reason)}</td></tr>"
        for c in plan.changes
    )
    heads = "".join(
        f"<th>{_e(label(k, lang))}</th>"
        for k in (
            "event",
            "change_kind",
            "old_start",
            "new_start",
            "old_staff",
            "new_staff",
            "why",
        )
    )
    return (
        f'<h2 id="changes-section">{_e(label("changes", lang))} '
        f"({len(plan.changes)})</h2>"
        f'<table id="changes"><thead><tr>{heads}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
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
        f"{_e(c.commune_name)}</a></li>"
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


def chart_divs(
    scenario: Scenario,
    plan: Plan,
    lang: str = "vi",
    today: dt.date | None = None,
    named: bool = True,
    only: Collection[str] | None = None,
) -> dict[str, str]:
    """Return each chart as an HTML fragment (a div and its script, no plotly.js).

    The div of chart ``<id>`` has the element id ``chart-<id>``; ``named``
    and ``only`` as in :func:`scheduler.export.charts.all_charts`.
    """
    config = {"displaylogo": False, "responsive": True}
    return {
        chart_id: pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{chart_id}",
            config=config,
            default_width="100%",
            default_height=f"{fig.layout.height or 450}px",
            validate=False,
        )
        for chart_id, fig in all_charts(
            scenario, plan, lang, today, named, only
        ).items()
    }


def _page(title: str, lang: str, body: str, data: dict[str, object]) -> bytes:
    """Return a whole page: head with plotly.js, body, data block, table script."""
    page = f"""<!DOCTYPE html>
<html lang="{"en" if lang == "en" else "vi"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="scheduler">
<title>{_e(title)}</title>
<style>{_CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
{body}
<script type="application/json" id="report-data">{json.dumps(data)}</script>
<script type="text/javascript">{_TABLE_JS}</script>
</body>
</html>
"""
    return page.encode("utf-8")


def _chart_sections(charts: dict[str, str]) -> str:
    return "".join(
        f'<section class="chart" data-chart="{cid}">{div}</section>'
        for cid, div in charts.items()
    )


def _heading(plan: Plan, lang: str, today: dt.date | None) -> str:
    made = f" · {_e(label('generated', lang))} {day(today, lang)}" if today else ""
    return (
        f'<p class="note">{_e(label("horizon", lang))}: {day(plan.horizon_start, lang)}'
        f" – {day(plan.horizon_end, lang)}{made} · {_e(label('input_hash', lang))} "
        f"<code>{_e(plan.input_hash[:12])}</code></p>"
    )


def report_html(
    scenario: Scenario, plan: Plan, lang: str = "vi", today: dt.date | None = None
) -> bytes:
    """Return report.html: the public review page, self-contained and offline.

    It names no one unless ``scenario.publish.public_names``: the event
    table, the changes table and the hover texts give roles and offices; the
    charts by person are left to :func:`staff_report_html`.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    plan
        The plan.
    lang
        ``"vi"`` or ``"en"`` for every text on the page.
    today
        The date of the "today" line in the Gantt charts (none when ``None``
        or outside the horizon); also printed as the date the report was made.

    Returns
    -------
    bytes
        UTF-8 HTML with plotly.js inlined exactly once.
    """
    named = scenario.publish.public_names
    public = [c for c in CHART_IDS if c not in STAFF_CHARTS]
    charts = chart_divs(scenario, plan, lang, today, named, public)
    kinds = Counter(e.kind for e in plan.events)
    body = f"""<h1>{_e(plan.title)}</h1>
{_heading(plan, lang, today)}
<h2 id="key-figures">{_e(label("key_figures", lang))}</h2>
{_cards(scenario, plan, lang)}
<h2 id="charts">{_e(label("charts", lang))}</h2>
<p class="note">{_e(label("shading", lang))}</p>
{_chart_sections(charts)}
{_changes(scenario, plan, lang, named)}
<h2 id="unscheduled-section">{_e(label("unscheduled", lang))}</h2>
{_unscheduled(scenario, plan, lang)}
<h2 id="penalties-section">{_e(label("penalties", lang))}</h2>
{_penalties(plan, lang)}
<h2 id="feeds">{_e(label("feeds", lang))}</h2>
{_feeds(scenario, lang)}
<h2 id="events-section">{_e(label("events", lang))} ({len(plan.events)})</h2>
{_event_table(scenario, plan, lang, named)}"""
    data = {
        "charts": list(charts),
        "events": len(plan.events),
        "kinds": dict(sorted(kinds.items())),
    }
    return _page(plan.title, lang, body, data)


def _staff_table(scenario: Scenario, plan: Plan, lang: str) -> str:
    """Return one row per person and event they work, by person then start."""
    communes = {c.commune_code: c.commune_name for c in scenario.communes}
    order = {p.staff_id: i for i, p in enumerate(scenario.staff)}
    people = {p.staff_id: p for p in scenario.staff}
    rows = sorted(
        ((a, e) for e in plan.events for a in e.staff),
        key=lambda pair: (order.get(pair[0].staff_id, len(order)), pair[1].start),
    )
    body = []
    for a, e in rows:
        person = people.get(a.staff_id)
        start, end = e.start.astimezone(TZ), e.end.astimezone(TZ)
        when = day(start.date(), lang)
        if end.date() != start.date():
            when += f" – {day(end.date(), lang)}"
        place = (
            communes.get(e.commune_code, e.commune_code)
            if e.commune_code
            else ", ".join(communes.get(c, c) for c in e.communes_served)
        )
        cells = [
            _e(person.name if person else a.staff_id),
            _e(a.role),
            _e(person.organisation or "" if person else ""),
            f'<td class="nowrap" data-sort="{start.isoformat()}">{_e(when)}</td>',
            f'<td class="nowrap">{_e(f"{start:%H:%M}–{end:%H:%M}")}</td>',
            _e(activity_name(scenario, e.activity, lang)),
            _e(place),
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
        label("time", lang),
        t("activity", lang),
        t("commune", lang),
        t("venue", lang),
        label("event", lang),
    ]
    head_html = "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
    return (
        f'<p class="note">{_e(label("sort_hint", lang))} '
        f'<label>{_e(label("filter", lang))}: <input class="table-filter" '
        f'data-table="staff-events" type="search"></label></p>'
        f'<div class="scroll"><table id="staff-events" class="sortable"><thead><tr>'
        f"{head_html}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def staff_report_html(
    scenario: Scenario, plan: Plan, lang: str = "vi", today: dt.date | None = None
) -> bytes:
    """Return report-staff.html: the private page of who does what, by person.

    It holds the charts of :data:`~scheduler.export.charts.STAFF_CHARTS` (the
    Gantt chart by staff member, sessions per week, travel time) and one table
    row per person and event. It names people, so ``scheduler publish`` never
    copies it into the plan store and ``scheduler serve`` never serves it.

    Parameters
    ----------
    scenario, plan, lang, today
        As for :func:`report_html`.

    Returns
    -------
    bytes
        UTF-8 HTML with plotly.js inlined exactly once.
    """
    charts = chart_divs(scenario, plan, lang, today, True, STAFF_CHARTS)
    title = f"{plan.title} — {label('staff_title', lang)}"
    body = f"""<h1>{_e(title)}</h1>
<p><strong>{_e(label("staff_private", lang))}</strong></p>
{_heading(plan, lang, today)}
<h2 id="charts">{_e(label("charts", lang))}</h2>
{_chart_sections(charts)}
<h2 id="staff-events-section">{_e(label("staff_table", lang))}</h2>
{_staff_table(scenario, plan, lang)}"""
    data = {"charts": list(charts), "private": True}
    return _page(title, lang, body, data)
