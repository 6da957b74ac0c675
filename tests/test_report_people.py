"""report.html read by people: agenda first, phone and paper that work, small and fast.

The bundled Hưng Nguyên scenario is planned once per module (10 s limit); the
pages are opened offline from file:// in Debian's Chromium driven by
Playwright (nothing downloaded). Screenshots of the first screen at 1440 px
and 390 px go to test-artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from scheduler.calendar import TZ
from scheduler.export.report import (
    label,
    quarter_label,
    report_html,
    staff_report_html,
    status_words,
    weekday_day,
)
from scheduler.export.sheets import sheet_files
from scheduler.i18n import t
from scheduler.plan import Plan, Unscheduled
from scheduler.scenario.load import load_scenario
from scheduler.scenario.schema import Scenario

ARTIFACTS = Path("test-artifacts")
MAX_BYTES = 1_500_000
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
DRAWN = "document.documentElement.dataset.charts === 'drawn'"


def chromium() -> str | None:
    for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(path).exists():
            return path
    return shutil.which("chromium")


needs_browser = pytest.mark.skipif(
    chromium() is None, reason="no system Chromium (apt-get install -y chromium)"
)


@pytest.fixture(scope="module")
def solved() -> tuple[Scenario, Plan]:
    from scheduler.solver.solve import solve

    sc = load_scenario("configs/scenarios/hung-nguyen-2023.toml")
    plan = solve(
        sc, overrides={"max_time_in_seconds": 10.0, "num_workers": 2, "random_seed": 0}
    )
    return sc, plan


@pytest.fixture(scope="module")
def pages(
    solved: tuple[Scenario, Plan], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    sc, plan = solved
    folder = tmp_path_factory.mktemp("people")
    (folder / "report.html").write_bytes(
        report_html(sc, plan, "vi", dt.date(2023, 10, 1))
    )
    (folder / "report-staff.html").write_bytes(staff_report_html(sc, plan, "vi"))
    for rel, body in sheet_files(sc, plan).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(body)
    return folder


@pytest.fixture(scope="module")
def browser() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser: Any, path: Path, width: int, problems: list[str]) -> Any:
    context = browser.new_context(
        offline=True, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.on(
        "console",
        lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(path.resolve().as_uri())
    page.wait_for_function(DRAWN, timeout=60_000)
    return page


def visible_text(page_html: str) -> str:
    """Return the text of a page without its scripts and styles."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S)
    return html_unescape(re.sub(r"<[^>]+>", " ", body))


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


# ------------------------------------------------------------------ the page itself


def test_report_is_small(pages: Path) -> None:
    assert (pages / "report.html").stat().st_size <= MAX_BYTES


def test_first_screen_is_for_people(solved: tuple[Scenario, Plan]) -> None:
    sc, plan = solved
    page = report_html(sc, plan, "vi").decode()
    first, _, technical = page.partition('id="technical"')
    shown = visible_text(first)
    # key figures per activity: 18 dialogues of 18, 18 communes trained, broadcasts
    assert "18/18 buổi" in shown
    assert "18/18 xã có học viên" in shown
    broadcasts = len([e for e in plan.events if e.kind == "broadcast"])
    assert f"{broadcasts:,}/".replace(",", ".") in shown
    # budget by source and quarter, with what is left
    assert quarter_label("2023-Q3", "vi") == "Quý III/2023"
    assert "Quý III/2023" in shown
    assert "Quý IV/2023" in shown
    assert label("left", "vi") in shown
    # the agenda: every session with its weekday date and half-day
    for e in plan.events:
        if e.kind == "session":
            assert f'data-event="{e.event_id}"' in first
            start = e.start.astimezone(TZ)
            assert weekday_day(start.date(), "vi") in shown
    assert "buổi sáng" in shown
    assert "buổi chiều" in shown
    # no solver words, ISO quarters, "s" durations or jargon before the technical part
    for word in ("OPTIMAL", "FEASIBLE", "2023-Q3", "Khoảng cách tối ưu", "Mã băm"):
        assert word not in shown
    assert not re.search(r"\d\.\d s\b", shown)
    # the technical section says it in plain words, with points as points
    tech = visible_text(technical)
    assert status_words(plan.solver.status, "vi") in tech
    assert "điểm" in tech


def test_the_report_in_english(solved: tuple[Scenario, Plan]) -> None:
    sc, plan = solved
    page = report_html(sc, plan, "en").decode()
    shown = visible_text(page)
    for words in ("Agenda of sessions", "Q3 2023", "18/18 sessions", "morning"):
        assert words in shown
    assert status_words(plan.solver.status, "en") in shown
    # (the plan title is the scenario's own text, Vietnamese here)
    for word in ("buổi sáng", "Quý III/2023", "Lịch các buổi", "Tối ưu"):
        assert word not in shown


def test_public_report_names_no_one(solved: tuple[Scenario, Plan]) -> None:
    sc, plan = solved
    page = report_html(sc, plan, "vi").decode()
    for person in sc.staff:
        assert person.name not in page
    assert "Lãnh đạo UBND huyện" in page
    private = staff_report_html(sc, plan, "vi").decode()
    assert sc.staff[0].name in private


def test_what_was_left_out_has_its_reason_and_is_marked(
    solved: tuple[Scenario, Plan],
) -> None:
    sc, plan = solved
    dropped = next(e for e in plan.events if e.kind == "session")
    short = dataclasses.replace(
        plan,
        events=tuple(e for e in plan.events if e is not dropped),
        unscheduled=(
            Unscheduled(
                activity=dropped.activity,
                commune_code=dropped.commune_code,
                count=1,
                reason="no_free_staff",
            ),
        ),
    )
    page = report_html(sc, short, "vi").decode()
    first = visible_text(page.partition('id="agenda-section"')[0])
    assert "17/18 buổi" in first
    assert "Thiếu 1" in first
    assert t("reason.no_free_staff", "vi") in first
    name = next(
        c.commune_name for c in sc.communes if c.commune_code == dropped.commune_code
    )
    # the timeline marks the commune (its row label, JSON-escaped in the page)
    assert json.dumps(f"⚠ {name}")[1:-1] in page


# ------------------------------------------------------------------ sheets


def test_every_commune_and_person_has_a_sheet(
    solved: tuple[Scenario, Plan], pages: Path
) -> None:
    sc, plan = solved
    for c in sc.communes:
        sheet = (pages / "communes" / f"{c.commune_code}.html").read_text()
        assert c.commune_name in sheet
        for person in sc.staff:
            assert person.name not in sheet  # public: roles and offices only
        dialogue = next(
            e
            for e in plan.events
            if e.kind == "session" and e.commune_code == c.commune_code
        )
        assert weekday_day(dialogue.start.astimezone(TZ).date(), "vi") in sheet
        assert "Tháng 7/2023" in sheet  # broadcasts by month
    for person in sc.staff:
        sheet = (pages / "staff" / f"{person.staff_id}.html").read_text()
        assert person.name in sheet


@needs_browser
def test_sheets_print_on_one_a4_page(browser: Any, pages: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    page = browser.new_page()
    for rel in ("communes/18025.html", "staff/ld01.html"):
        page.goto((pages / rel).resolve().as_uri())
        pdf = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
        assert len(pdf.pages) == 1, rel
    page.close()


# ------------------------------------------------------------------ in the browser


@needs_browser
def test_first_paint_comes_before_any_chart_script(browser: Any, pages: Path) -> None:
    problems: list[str] = []
    page = open_page(browser, pages / "report.html", 1440, problems)
    fcp, started = page.evaluate(
        """[performance.getEntriesByName('first-contentful-paint')[0].startTime,
            window.__plotlyStart]"""
    )
    assert fcp < started
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-first-screen-1440.png"))
    assert problems == []
    page.context.close()


@needs_browser
def test_hovering_every_session_bar_shows_that_session(
    browser: Any, pages: Path, solved: tuple[Scenario, Plan]
) -> None:
    _, plan = solved
    problems: list[str] = []
    page = open_page(browser, pages / "report.html", 1440, problems)
    page.locator("#chart-gantt-commune").scroll_into_view_if_needed()
    bars = page.evaluate(
        """() => {
          const gd = document.getElementById('chart-gantt-commune');
          const bars = gd.data.filter(t => t.type === 'bar');
          const groups = gd.querySelectorAll('.cartesianlayer .barlayer .trace');
          const out = [];
          groups.forEach((g, i) => g.querySelectorAll('.point').forEach((p, j) => {
            const r = p.querySelector('path').getBoundingClientRect();
            out.push([bars[i].customdata[j], r.x + r.width / 2, r.y + r.height / 2]);
          }));
          return out;
        }"""
    )
    sessions = {e.event_id for e in plan.events if e.kind != "broadcast"}
    assert {eid for eid, _, _ in bars} == sessions
    for eid, x, y in bars:
        page.mouse.move(x - 30, y - 30)
        page.mouse.move(x, y, steps=3)
        page.wait_for_function(
            "id => (document.querySelector('#chart-gantt-commune .hoverlayer')"
            " .textContent || '').includes(id)",
            arg=eid,
            timeout=5_000,
        )
    assert problems == []
    page.context.close()


@needs_browser
def test_phone_width_has_no_horizontal_overflow(browser: Any, pages: Path) -> None:
    problems: list[str] = []
    for name in ("report.html", "report-staff.html"):
        page = open_page(browser, pages / name, 390, problems)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        # nothing sticks out either, even where a box would scroll it: only the
        # wide tables meant to scroll sideways (.xscroll) may (inside a chart the
        # <svg> clips what it holds, so the svg elements themselves are checked)
        wide = page.evaluate(
            """() => Array.from(document.body.querySelectorAll('*'))
                 .filter(e => !e.closest('.xscroll') && e.getClientRects().length)
                 .filter(e => !(e instanceof SVGElement) || e.tagName === 'svg')
                 .filter(e => e.getBoundingClientRect().right > 391)
                 .map(e => e.tagName + '#' + e.id + '.' + e.getAttribute('class'))"""
        )
        assert wide == [], name
        if name == "report.html":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-first-screen-390.png"))
            # the agenda is cards: its header row is hidden
            assert not page.locator("#agenda thead").is_visible()
        page.context.close()
    assert problems == []
    # the sheets too: their tables turn into cards
    context = browser.new_context(offline=True, viewport={"width": 390, "height": 900})
    sheet = context.new_page()
    for rel in ("communes/18025.html", "staff/ld01.html"):
        sheet.goto((pages / rel).resolve().as_uri())
        assert sheet.evaluate("document.documentElement.scrollWidth") <= 390, rel
    context.close()


@needs_browser
def test_a4_print_fits_charts_and_prints_the_whole_agenda(
    browser: Any, pages: Path, solved: tuple[Scenario, Plan]
) -> None:
    pypdf = pytest.importorskip("pypdf")
    sc, plan = solved
    problems: list[str] = []
    page = open_page(browser, pages / "report.html", 1440, problems)
    page.wait_for_function("document.documentElement.dataset.print === 'ready'")
    # A4 less 12 mm margins each side, at 96 px per inch
    printable = round((210 - 24) / 25.4 * 96)
    page.set_viewport_size({"width": printable, "height": 1100})
    page.emulate_media(media="print")
    widths = page.evaluate(
        """() => Array.from(document.querySelectorAll('.chart')).map(s => {
             const shown = Array.from(s.querySelectorAll('*'))
               .filter(e => e.getClientRects().length && getComputedStyle(e).display !== 'none');
             return [s.dataset.chart, Math.max(0, ...shown.map(e => e.getBoundingClientRect().right)),
                     s.querySelector('img.print-chart') !== null];
           })"""
    )
    assert widths
    for chart, right, has_picture in widths:
        assert has_picture, chart
        assert right <= printable + 1, chart
    assert not page.locator(".modebar-container").first.is_visible()
    pdf = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    text = " ".join(p.extract_text() for p in pdf.pages)
    flat = re.sub(r"\s+", " ", text)
    names = {c.commune_code: c.commune_name for c in sc.communes}
    for e in plan.events:
        if e.kind == "session":
            assert names[e.commune_code or ""] in flat, e.event_id
    assert len(pdf.pages) > 1
    assert problems == []
    page.context.close()


def test_staff_gantt_keeps_a_morning_and_an_afternoon_apart(
    solved: tuple[Scenario, Plan],
) -> None:
    from collections import defaultdict

    from scheduler.export.charts import gantt_by_staff, staff_rows

    sc, plan = solved
    label_of = dict(staff_rows(sc))
    spans: dict[tuple[str, str], list[tuple[dt.datetime, dt.datetime]]] = defaultdict(
        list
    )
    for trace in gantt_by_staff(sc, plan).data:
        if trace.type != "bar" or trace.meta["kind"] != "session":
            continue
        for row, base, length in zip(trace.y, trace.base, trace.x, strict=True):
            start = dt.datetime.fromisoformat(base)
            spans[(row, base[:10])].append(
                (start, start + dt.timedelta(milliseconds=length))
            )
    # the bundled plan has people with two sessions on one day (who and when
    # depends on the solve: any one of them shows the rule)
    twice = {key: s for key, s in spans.items() if len(s) > 1}
    assert twice
    assert all(row in label_of.values() for row, _ in twice)
    for key, pair in twice.items():
        (a0, a1), (b0, _b1) = sorted(pair)
        assert a1 <= b0, key  # two half-day bars side by side, not one day-long bar
        assert a1 - a0 == dt.timedelta(hours=12)


def test_commune_timeline_labels_sessions_and_leaves_broadcasts_out(
    solved: tuple[Scenario, Plan],
) -> None:
    from scheduler.export.report import chart_figures

    sc, plan = solved
    fig = chart_figures(sc, plan, "vi", None, named=False)["gantt-commune"]
    kinds = {trace.meta["kind"] for trace in fig.data if trace.meta}
    assert "broadcast" not in kinds
    for trace in fig.data:
        if trace.type == "bar" and trace.meta["kind"] == "session":
            assert all(re.fullmatch(r"\d\d/\d\d (sáng|chiều)", s) for s in trace.text)
