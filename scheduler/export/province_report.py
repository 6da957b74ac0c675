"""province-report.html: a province's districts side by side, its shared budget and trainers.

``scheduler plan-province`` writes it beside the district folders. It answers
what a provincial leader asks first: how far each district got (each activity
placed of required), what each district spends and was allotted of the shared
source, what is left of the province's allowance each quarter, and how the
provincial trainers' days fall across districts. Each district's own
report.html is one link away.

A public page like report.html: people appear by id and office, never by name.
One self-contained HTML file with its style inline, readable on a phone
(tables turn into cards) and printable on A4; it needs no script.
"""

from __future__ import annotations

import html
from collections import defaultdict
from typing import TYPE_CHECKING

from scheduler.calendar import quarter_key
from scheduler.export.report import quarter_label, status_words
from scheduler.i18n import name_in, number, percent, vnd
from scheduler.i18n import t as tr

if TYPE_CHECKING:
    from scheduler.plan import Plan
    from scheduler.province.result import ProvincePlan
    from scheduler.province.schema import ProvinceScenario


_CSS = """
* { box-sizing: border-box; }
body { font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; margin: 0 auto 3rem;
       padding: 0 1rem; color: #222; max-width: 1200px; line-height: 1.4; }
h1 { font-size: 1.4rem; margin: 1rem 0 0.3rem; }
h2 { font-size: 1.15rem; margin-top: 1.8rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9rem; width: 100%; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.short { color: #b00; font-weight: 600; }
tfoot td { font-weight: 600; }
.note { font-size: 0.85rem; color: #555; }
@media (max-width: 640px) {
  table, thead, tbody, tfoot, tr, th, td { display: block; width: 100%; }
  thead { display: none; }
  tr { border: 1px solid #ccc; border-radius: 6px; margin: 0 0 0.6rem; padding: 0.3rem; }
  td { border: 0; padding: 0.15rem 0.3rem; text-align: left !important;
       white-space: normal !important; overflow-wrap: anywhere; }
  td[data-label]::before { content: attr(data-label) ": "; color: #555; font-weight: 400; }
}
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _w(key: str, lang: str) -> str:
    return tr(f"province_report.{key}", lang)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _cell(label: str, value: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<td{klass} data-label="{_e(label)}">{value}</td>'


def _placed(plan: Plan, activity: str, kind: str) -> tuple[int, int]:
    """Return (placed, required) of an activity: communes trained for a training."""
    need = plan.required.get(activity, 0)
    missing = sum(u.count for u in plan.unscheduled if u.activity == activity)
    if kind == "training":
        served = sum(len(e.communes_served) for e in plan.by_activity(activity))
        return min(served, need), need
    return need - missing, need


def _districts(province: ProvinceScenario, result: ProvincePlan, lang: str) -> str:
    first = province.districts[0].scenario
    activities = [
        (act, spec)
        for act, spec in first.activities.items()
        if spec.kind != "broadcast"
    ] + [
        (act, spec)
        for act, spec in first.activities.items()
        if spec.kind == "broadcast"
    ]
    shared = province.budget.id if province.budget else None
    heads = [
        _w("district", lang),
        _w("communes", lang),
        *(name_in(s, lang) for _, s in activities),
        _w("spend", lang),
        *([_w("shared_spent", lang), _w("allotted", lang)] if shared else []),
        _w("status", lang),
        _w("report", lang),
    ]
    rows = []
    for r in result.districts:
        name = province.district(r.district).name
        cells = [
            _cell(heads[0], _e(name)),
            _cell(heads[1], str(len(r.scenario.communes)), "num"),
        ]
        for i, (act, spec) in enumerate(activities):
            placed, need = _placed(r.plan, act, spec.kind)
            cls = "num short" if placed < need else "num"
            cells.append(_cell(heads[2 + i], f"{placed}/{need}", cls))
        spent = sum(e.cost_vnd for e in r.plan.events)
        cells.append(_cell(_w("spend", lang), vnd(spent, lang), "num"))
        if shared:
            from_shared = sum(
                e.cost_vnd for e in r.plan.events if e.funding_source == shared
            )
            cells.append(_cell(_w("shared_spent", lang), vnd(from_shared, lang), "num"))
            cells.append(
                _cell(
                    _w("allotted", lang), vnd(sum(r.allocation.values()), lang), "num"
                )
            )
        cells.append(
            _cell(_w("status", lang), _e(status_words(r.plan.solver.status, lang)))
        )
        link = f'<a href="{_e(r.district)}/report.html">{_e(_w("report", lang))}</a>'
        cells.append(_cell(_w("report", lang), link))
        rows.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _budget(province: ProvinceScenario, result: ProvincePlan, lang: str) -> str:
    if province.budget is None:
        return f"<p>{_e(_w('none', lang))}</p>"
    source = province.budget.id
    spent: dict[tuple[str, str], int] = defaultdict(int)
    for r in result.districts:
        for e in r.plan.events:
            if e.funding_source == source:
                spent[(r.district, quarter_key(e.start.date()))] += e.cost_vnd
    names = {d.id: d.name for d in province.districts}
    heads = [
        _w("quarter", lang),
        _w("allowance", lang),
        *(names[r.district] for r in result.districts),
        _w("left", lang),
    ]
    rows = []
    for quarter in province.quarters:
        allowance = province.budget.allowance_vnd[quarter]
        used = [spent[(r.district, quarter)] for r in result.districts]
        left = allowance - sum(used)
        cells = [
            _cell(heads[0], _e(quarter_label(quarter, lang))),
            _cell(heads[1], vnd(allowance, lang), "num"),
            *(_cell(heads[2 + i], vnd(u, lang), "num") for i, u in enumerate(used)),
            _cell(heads[-1], vnd(left, lang), "num short" if left < 0 else "num"),
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    name = name_in(province.budget, lang)
    return (
        f'<p class="note">{_e(name)}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _trainers(province: ProvinceScenario, result: ProvincePlan, lang: str) -> str:
    if not province.trainers:
        return f"<p>{_e(_w('none', lang))}</p>"
    ids = {t.staff_id for t in province.trainers}
    days: dict[tuple[str, str], int] = defaultdict(int)
    for r in result.districts:
        for e in r.plan.events:
            for a in e.staff:
                if a.staff_id in ids:
                    days[(a.staff_id, r.district)] += len(e.days)
    names = {d.id: d.name for d in province.districts}
    heads = [_w("trainer", lang), *(names[r.district] for r in result.districts)]
    heads.append(_w("total", lang))
    rows = []
    for t in province.trainers:
        # public like report.html: the id and the office, never the name
        who = f"{t.staff_id}" + (f" — {t.organisation}" if t.organisation else "")
        per = [days[(t.staff_id, r.district)] for r in result.districts]
        cells = [
            _cell(heads[0], _e(who)),
            *(_cell(heads[1 + i], str(n), "num") for i, n in enumerate(per)),
            _cell(heads[-1], f"{sum(per)} {_e(_w('days', lang))}", "num"),
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def province_report_html(
    province: ProvinceScenario, result: ProvincePlan, lang: str = "vi"
) -> bytes:
    """Return the province's report: districts side by side, shared budget and trainers.

    Parameters
    ----------
    province : ProvinceScenario
        The province as loaded (districts, trainers, shared budget).
    result : ProvincePlan
        The decomposition's result: each district's plan and allocation.
    lang : {"vi", "en"}
        The page's language.

    Returns
    -------
    bytes
        One self-contained UTF-8 HTML page.
    """
    communes = sum(len(r.scenario.communes) for r in result.districts)
    intro = _w("intro", lang).format(n=len(result.districts), c=number(communes, lang))
    technical = (
        f"<ul><li>{_e(_w('objective', lang))}: {number(result.objective, lang)}</li>"
        f"<li>{_e(_w('bound', lang))}: {number(result.bound, lang)}</li>"
        f"<li>{_e(_w('gap', lang))}: {percent(result.gap, lang, 2)}</li></ul>"
    )
    body = [
        f"<h1>{_e(province.title)}</h1>",
        f'<p class="note">{_e(intro)}</p>',
        f"<h2>{_e(_w('districts', lang))}</h2>",
        _districts(province, result, lang),
        f"<h2>{_e(_w('budget', lang))}</h2>",
        _budget(province, result, lang),
        f"<h2>{_e(_w('trainers', lang))}</h2>",
        _trainers(province, result, lang),
        f"<h2>{_e(_w('technical', lang))}</h2>",
        technical,
    ]
    page = (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(province.title)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
    return page.encode("utf-8")
