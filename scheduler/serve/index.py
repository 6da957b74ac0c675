"""The HTML index pages: every public feed with its links and a QR code.

Vietnamese by default, English on request. Staff feeds are never listed: their
URLs are private and reach people through ``scheduler token``.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import segno

from scheduler.i18n import pick, t, t_of
from scheduler.serve.reader import Entry, Published

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def text(key: str, lang: str) -> str:
    """Return the server's text for a key in ``vi`` or ``en``."""
    return t(f"serve.{key}", lang)


def feed_url(base_url: str, scenario: str, name: str) -> str:
    """Return the absolute URL of a public feed under ``base_url``."""
    return (
        f"{base_url.rstrip('/')}/{urllib.parse.quote(scenario, safe='')}/"
        f"{urllib.parse.quote(name, safe='')}.ics"
    )


def staff_feed_url(base_url: str, scenario: str, staff_id: str, secret: str) -> str:
    """Return the private URL of a staff member's feed (it carries the secret)."""
    return (
        f"{base_url.rstrip('/')}/{urllib.parse.quote(scenario, safe='')}/staff/"
        f"{urllib.parse.quote(staff_id, safe='')}/{secret}.ics"
    )


def webcal_url(url: str) -> str:
    """Return the ``webcal://`` form of an http(s) URL, which calendar apps subscribe to."""
    scheme, rest = url.split("://", 1)
    return f"webcal://{rest}" if scheme in ("http", "https") else url


def qr_svg(data: str) -> str:
    """Return a QR code of ``data`` as inline SVG (segno, error correction M)."""
    code = segno.make(data, error="m", micro=False)
    return str(code.svg_inline(scale=3, border=2, dark="#111", light="#fff"))


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
ul.feeds{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:1rem}
ul.feeds li{border:1px solid #ccc;border-radius:.5rem;padding:.75rem}
.kind{color:#555;font-size:.85rem}.links a{display:block;word-break:break-all;font-size:.85rem}
nav{float:right}
.figures{display:flex;flex-wrap:wrap;gap:.75rem;padding:0;list-style:none}
.figures li{border:1px solid #ccc;border-radius:.5rem;padding:.5rem .75rem}
.figures b{font-size:1.3rem;display:block}
a.main{display:inline-block;background:#1a5fb4;color:#fff;padding:.6rem 1rem;border-radius:.4rem;text-decoration:none}
details{margin:.75rem 0}summary{cursor:pointer;font-weight:600}
ul.sheets{columns:14rem;padding-left:1.2rem}
"""


def _page(title: str, lang: str, switch_href: str, body: Iterable[str]) -> bytes:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f'<nav><a href="{html.escape(switch_href)}">{text("other_lang", lang)}</a></nav>',
        *body,
        "</body></html>",
    ]
    return "\n".join(parts).encode("utf-8")


def _when(published: Published, lang: str) -> str:
    local = published.published_at.astimezone(VN_TZ)
    fmt = t("format.date_time", lang)
    return local.strftime(fmt)


def render_home(scenarios: list[Published], lang: str) -> bytes:
    """Render ``/``: the scenarios with a published version, each linking to its index."""
    other = pick(lang, "en", "vi")  # the other language
    body = [f"<h1>{text('site', lang)}</h1>", f"<h2>{text('scenarios', lang)}</h2>"]
    if not scenarios:
        body.append(f"<p>{text('none', lang)}</p>")
    else:
        body.append("<ul>")
        for pub in sorted(scenarios, key=lambda p: p.scenario):
            href = f"{urllib.parse.quote(pub.scenario, safe='')}/?lang={lang}"
            body.append(
                f'<li><a href="{html.escape(href)}">{html.escape(pub.scenario)}</a>'
                f" — {text('version', lang)} {pub.version},"
                f" {text('published', lang)} {_when(pub, lang)}</li>"
            )
        body.append("</ul>")
    return _page(text("site", lang), lang, f"?lang={other}", body)


def _feed_item(entry: Entry, url: str, lang: str) -> str:
    webcal = webcal_url(url)
    kind = text(f"kind.{entry.kind}", lang)
    return (
        f"<li><strong>{html.escape(entry.title)}</strong>"
        f'<div class="kind">{html.escape(kind)} · {html.escape(entry.name)}.ics</div>'
        f'<div class="links"><a href="{html.escape(url)}">{html.escape(url)}</a>'
        f'<a href="{html.escape(webcal)}">{html.escape(webcal)}</a></div>'
        f'<figure role="img" aria-label="{text("qr", lang)}">{qr_svg(webcal)}</figure>'
        "</li>"
    )


def _figures(published: Published, lang: str) -> list[str]:
    """Return the key figures: each activity's placed / required."""
    if not published.figures:
        return []
    # an activity feed's title is "<activity> — <area>": the page names the area once
    names = {
        e.subject: e.title.rsplit(" — ", 1)[0]
        for e in published.feeds.values()
        if e.kind == "activity"
    }
    items = []
    for activity, placed, required in published.figures:
        unit = text("communes_trained", lang) if activity == "training" else ""
        items.append(
            f"<li><b>{placed}/{required}</b>{html.escape(names.get(activity, activity))}"
            f"{' — ' + unit if unit else ''}</li>"
        )
    return [
        f"<h2>{text('figures', lang)}</h2>",
        f'<p class="kind">{text("placed", lang)}</p>',
        '<ul class="figures">',
        *items,
        "</ul>",
    ]


def _reading(published: Published, lang: str) -> list[str]:
    """Return the links to the report and the commune sheets."""
    out: list[str] = []
    if "report.html" in published.pages:
        out.append(
            f'<p><a class="main" href="report.html">{text("report", lang)}</a></p>'
        )
    sheets = sorted(n for n in published.pages if n.startswith("communes/"))
    if sheets:
        links = "".join(
            f'<li><a href="{html.escape(urllib.parse.quote(n))}">'
            f"{html.escape(published.pages[n].title.removeprefix('communes/'))}</a></li>"
            for n in sheets
        )
        out.append(
            f"<details><summary>{text('sheets', lang)} ({len(sheets)})</summary>"
            f'<ul class="sheets">{links}</ul></details>'
        )
    return [f"<h2>{text('read', lang)}</h2>", *out] if out else []


def render_scenario(published: Published, base_url: str, lang: str) -> bytes:
    """Render ``/<scenario>/``: the plan's title, key figures, its pages and its feeds.

    The whole-plan calendar comes first with its QR code; the feeds of each
    commune, station and activity follow in groups that open on a click.

    Parameters
    ----------
    published
        The scenario's latest version.
    base_url
        Absolute URL the feeds are reached under (scheme, host, optional prefix).
    lang
        ``vi`` or ``en``.

    Returns
    -------
    bytes
        The UTF-8 HTML page.
    """
    other = pick(lang, "en", "vi")  # the other language
    title = published.title or published.scenario
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{text('version', lang)} {published.version},"
        f" {text('published', lang)} {_when(published, lang)}</p>",
        *_figures(published, lang),
        *_reading(published, lang),
        f"<h2>{text('feeds', lang)}</h2>",
        f"<p>{text('how', lang)}</p>",
    ]
    groups: dict[str, list[str]] = {}
    for entry in published.public_feeds():
        url = feed_url(base_url, published.scenario, entry.name)
        groups.setdefault(entry.kind, []).append(_feed_item(entry, url, lang))
    for kind, items in groups.items():
        if kind == "plan":
            body += ['<ul class="feeds">', *items, "</ul>"]
            continue
        label = t_of("serve.group", kind, lang)
        body.append(
            f"<details><summary>{html.escape(label)} ({len(items)} {text('more', lang)})"
            f'</summary><ul class="feeds">{"".join(items)}</ul></details>'
        )
    body.append(f"<p>{text('staff_note', lang)}</p>")
    return _page(title, lang, f"?lang={other}", body)
