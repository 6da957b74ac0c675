"""One-page sheets: a page per commune (public) and an itinerary per person (private).

``communes/<commune_code>.html`` is for a commune's chairman and its radio
operator: the commune's dialogue (when, where, who comes, by role and office),
its training seats, its broadcasts by month with their topics, and anything of
the commune left out of the plan with its reason. It is public, so it names no
one unless the scenario says ``[publish] public_names = true``.

``staff/<staff_id>.html`` is one person's itinerary: every event they work,
with the day, half-day, place, who else goes and the travel from the district
office. It names people, so it is private, like the staff calendar feeds.

Both are plain HTML with their styles inline (no script) and a print
stylesheet for one A4 page: print them from the browser (Ctrl+P).
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from scheduler.calendar import TZ, month_key
from scheduler.export.charts import activity_name, month_requirements, travel_minutes
from scheduler.export.report import (
    half_day_text,
    label,
    month_label,
    place_text,
    role_name,
    when_text,
    who_goes,
)
from scheduler.export.table import venue_name
from scheduler.i18n import name_in, number, t
from scheduler.travel import travel_between

if TYPE_CHECKING:
    from scheduler.plan import Plan
    from scheduler.scenario.schema import Commune, Scenario, Staff


_CSS = """
* { box-sizing: border-box; }
body { font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; margin: 0 auto;
       padding: 0.8rem 1rem 2rem; max-width: 50rem; color: #222; font-size: 0.95rem; }
h1 { font-size: 1.3rem; margin: 0.3rem 0; }
h2 { font-size: 1.05rem; margin: 1rem 0 0.3rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.4rem; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; }
td.num { text-align: right; white-space: nowrap; }
.note { font-size: 0.85rem; color: #555; }
@media (max-width: 640px) {
  table, tbody, tr, td, th { display: block; }
  thead { display: none; }
  tr { border: 1px solid #ccc; border-radius: 6px; margin-bottom: 0.5rem; padding: 0.3rem; }
  td, th { border: none; padding: 0.1rem 0; }
  td[data-label]::before { content: attr(data-label) ": "; color: #666; }
  td.num { text-align: left; }
}
@page { size: A4; margin: 10mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
}
"""


def _x(key: str, lang: str) -> str:
    return t(f"sheets.{key}", lang)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, lang: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{t("format.html_lang", lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    ).encode()


def _table(heads: list[str], rows: list[list[str]]) -> str:
    """Return a table; cells are already escaped HTML."""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{_e(h)}">{c}</td>'
            for h, c in zip(heads, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def commune_sheet(
    scenario: Scenario, plan: Plan, commune: Commune, lang: str = "vi"
) -> bytes:
    """Return the public one-page sheet of one commune.

    Parameters
    ----------
    scenario, plan
        The scenario and its plan.
    commune
        The commune of the sheet.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    bytes
        UTF-8 HTML, no script; names people only when ``public_names``.
    """
    code = commune.commune_code
    named = scenario.publish.public_names
    events = sorted(
        (e for e in plan.events if e.commune_code == code and e.kind == "session"),
        key=lambda e: e.start,
    )
    session_rows = [
        [
            _e(when_text(e, lang)),
            _e(half_day_text(e, lang)),
            _e(activity_name(scenario, e.activity, lang)),
            _e(venue_name(scenario, e)),
            "<br>".join(_e(w) for w in who_goes(scenario, e, named, lang)),
        ]
        for e in events
    ]
    heads = [
        t("date", lang),
        label("half_day", lang),
        t("activity", lang),
        t("venue", lang),
        label("who", lang),
    ]
    sessions = (
        _table(heads, session_rows)
        if events
        else f"<p>{_e(_x('no_sessions', lang))}</p>"
    )
    classes = sorted(
        (e for e in plan.events if e.kind == "training" and code in e.communes_served),
        key=lambda e: e.start,
    )
    training_rows = []
    for e in classes:
        spec = scenario.activities.get(e.activity)
        seats = spec.trainees_per_commune if spec else 0
        training_rows.append(
            [
                _e(when_text(e, lang)),
                _e(activity_name(scenario, e.activity, lang)),
                _e(venue_name(scenario, e)),
                f'<span class="num">{number(seats, lang)}</span>',
                "<br>".join(_e(w) for w in who_goes(scenario, e, named, lang)),
            ]
        )
    training = (
        _table(
            [
                t("date", lang),
                t("activity", lang),
                t("venue", lang),
                _x("seats", lang),
                label("who", lang),
            ],
            training_rows,
        )
        if classes
        else f"<p>{_e(_x('no_training', lang))}</p>"
    )
    body = (
        f"<h1>{_e(_x('commune_sheet', lang))}: {_e(commune.commune_name)}</h1>"
        f'<p class="note">{_e(plan.title)} · {_e(_x("for_commune", lang))}</p>'
        f"<h2>{_e(_x('sessions', lang))}</h2>{sessions}"
        f"<h2>{_e(_x('training', lang))}</h2>{training}"
        f"<h2>{_e(_x('broadcasts', lang))}</h2>{_broadcasts(scenario, plan, code, lang)}"
        f"{_left_out(scenario, plan, code, lang)}"
    )
    return _page(f"{commune.commune_name} — {plan.title}", lang, body)


def _broadcasts(scenario: Scenario, plan: Plan, code: str, lang: str) -> str:
    topics = {tp.topic_id: name_in(tp, lang) for tp in scenario.topics}
    need = month_requirements(scenario, plan).get(code, {})
    count: Counter[str] = Counter()
    by_topic: dict[str, Counter[str]] = defaultdict(Counter)
    for e in plan.events:
        if e.kind == "broadcast" and e.commune_code == code:
            m = month_key(e.start.astimezone(TZ).date())
            count[m] += 1
            by_topic[m][topics.get(e.topic or "", e.topic or "")] += 1
    months = sorted(set(need) | set(count))
    rows = [
        [
            _e(month_label(m, lang)),
            f"{count[m]} / {need.get(m, 0)}",
            _e("; ".join(f"{k} ({v})" for k, v in by_topic[m].most_common() if k)),
        ]
        for m in months
        if count[m] or need.get(m, 0)
    ]
    if not rows:
        return f"<p>{_e(_x('no_events', lang))}</p>"
    heads = [_x("month", lang), _x("placed_required", lang), _x("topics", lang)]
    return _table(heads, rows)


def _left_out(scenario: Scenario, plan: Plan, code: str, lang: str) -> str:
    lines = [u for u in plan.unscheduled if u.commune_code == code]
    if not lines:
        return ""
    rows = [
        [
            _e(activity_name(scenario, u.activity, lang)),
            str(u.count),
            _e(u.text(lang)),
        ]
        for u in lines
    ]
    return f"<h2>{_e(_x('left_out', lang))}</h2>" + _table(
        [t("activity", lang), t("count", lang), t("reason", lang)], rows
    )


def staff_sheet(
    scenario: Scenario, plan: Plan, person: Staff, lang: str = "vi"
) -> bytes:
    """Return the private one-page itinerary of one person.

    Parameters
    ----------
    scenario, plan
        The scenario and its plan.
    person
        The staff member.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    bytes
        UTF-8 HTML, no script.
    """
    people = {p.staff_id: p for p in scenario.staff}
    hq = scenario.area.hq_venue or ""
    mine = sorted(
        (e for e in plan.events if any(a.staff_id == person.staff_id for a in e.staff)),
        key=lambda e: e.start,
    )
    rows = []
    for e in mine:
        others = [
            people[a.staff_id].name if a.staff_id in people else a.staff_id
            for a in e.staff
            if a.staff_id != person.staff_id
        ]
        minutes = travel_between(scenario, hq, e.venue_id) if hq and e.venue_id else 0
        rows.append(
            [
                _e(when_text(e, lang)),
                _e(half_day_text(e, lang)),
                _e(activity_name(scenario, e.activity, lang)),
                _e(place_text(scenario, e)) + "<br>" + _e(venue_name(scenario, e)),
                _e(", ".join(others)),
                _e(_x("minutes", lang).format(n=minutes)),
            ]
        )
    heads = [
        t("date", lang),
        label("half_day", lang),
        t("activity", lang),
        t("venue", lang),
        _x("with", lang),
        _x("travel", lang),
    ]
    total, days_out = travel_minutes(scenario, plan).get(person.staff_id, (0, 0))
    roles = ", ".join(role_name(r, lang, scenario) for r in person.roles)
    office = f" — {person.organisation}" if person.organisation else ""
    table = _table(heads, rows) if rows else f"<p>{_e(_x('no_events', lang))}</p>"
    body = (
        f"<h1>{_e(_x('itinerary', lang))}: {_e(person.name)}</h1>"
        f'<p class="note">{_e(roles + office)} · {_e(plan.title)}</p>'
        f'<p class="note"><strong>{_e(_x("private", lang))}</strong></p>'
        f"<p>{_e(_x('totals', lang).format(days=days_out, minutes=number(total, lang)))}</p>"
        f"{table}"
    )
    return _page(f"{person.name} — {plan.title}", lang, body)


def sheet_files(scenario: Scenario, plan: Plan, lang: str = "vi") -> dict[str, bytes]:
    """Return every sheet by relative path: ``communes/<code>.html`` and ``staff/<id>.html``."""
    files = {
        f"communes/{c.commune_code}.html": commune_sheet(scenario, plan, c, lang)
        for c in scenario.communes
    }
    files.update(
        {
            f"staff/{p.staff_id}.html": staff_sheet(scenario, plan, p, lang)
            for p in scenario.staff
        }
    )
    return files
