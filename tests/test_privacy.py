"""Nothing leaked, nothing lost: personal data stays out of public outputs; feeds conform.

- Privacy, on the bundled Hưng Nguyên plan: no staff name, e-mail or phone of
  data/hung-nguyen-2023/staff.csv appears in any public output (public feeds,
  report.html), neither in the out folder nor served by ``scheduler serve``; the
  staff feed served with its token is the one place a person's named schedule
  is published. ``[publish] public_names = true`` opts a scenario in to names.
- RFC 5546: every feed is ``METHOD:PUBLISH`` with one ORGANIZER and no
  ATTENDEE, checked with libical's restriction check (system Python, see
  tests/libical_check.py) and read back with Mozilla's ical.js.
- Size: a feed over the limit leaves out past events only, else splits by
  quarter; no event still to come is ever left out, and ``plan`` says so.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import html
import json
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.export.display import DisplayData
from scheduler.export.ical import (
    Feed,
    advance_state,
    build_feeds,
    feed_notes,
)
from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario
from scheduler.serve.tokens import create_tokens
from scheduler.store import connect
from tests.calendar_fixtures import feed_scenario, node_parse, solved
from tests.conftest import make_scenario
from tests.test_serve import Server

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "configs" / "scenarios" / "hung-nguyen-2023.toml"
STAFF_CSV = ROOT / "data" / "hung-nguyen-2023" / "staff.csv"
SCENARIO = "hung-nguyen-2023"
LIBICAL_CHECK = Path(__file__).parent / "libical_check.py"
SYSTEM_PYTHON = "/usr/bin/python3"

#: How docs/outputs.md classifies the files of an out folder.
PUBLIC = "public"  # published and served: no personal data
PRIVATE = "private"  # personal data; a staff feed is served only with its token
WORKING = "working"  # the planner's files: never published


def classify(rel: str) -> str:
    """Return the class of an out-folder file (relative path), as docs/outputs.md does."""
    if rel.startswith("calendars/"):
        return PRIVATE if rel.startswith("calendars/staff-") else PUBLIC
    if rel == "report.html" or rel.startswith("communes/"):
        return PUBLIC
    if rel == "report-staff.html" or rel.startswith("staff/"):
        return PRIVATE
    assert rel in {
        "schedule.csv",
        "schedule.xlsx",
        "ke-hoach.docx",
        "unscheduled.csv",
        "plan.json",
        "display.json",
        ".scheduler-output",
    }, f"{rel}: an output docs/outputs.md does not classify"
    return WORKING


def personal_data() -> dict[str, list[str]]:
    """Return every name, e-mail and phone of the bundled staff table, by staff id."""
    with STAFF_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows, STAFF_CSV
    out = {
        r["staff_id"]: [v for v in (r["name"], r["email"], r["phone"]) if v.strip()]
        for r in rows
    }
    assert sum(1 for r in rows if r["email"]) >= 5  # the check has e-mails to find
    return out


def forms(value: str) -> set[bytes]:
    """Return the ways a text can be written in a page or feed: NFC/NFD, HTML, JSON."""
    found = set()
    for text in {
        unicodedata.normalize("NFC", value),
        unicodedata.normalize("NFD", value),
    }:
        found.add(text.encode())
        found.add(html.escape(text).encode())
        found.add(json.dumps(text)[1:-1].encode())  # \\u escapes, as in plotly's data
    return found


def leaks(body: bytes, values: list[str]) -> list[str]:
    """Return the values found in a file (a feed is unfolded first)."""
    text = body.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
    return [v for v in values if any(form in text for form in forms(v))]


# ---------------------------------------------------------------- the bundled plan


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Plan the bundled scenario with the CLI and publish it: (out folder, store)."""
    folder = tmp_path_factory.mktemp("hung-nguyen")
    out, store = folder / "out", folder / "plans.sqlite"
    result = runner.invoke(
        app,
        [
            "plan",
            str(BUNDLED),
            "--out",
            str(out),
            "--time-limit",
            "10",
            "--workers",
            "2",
            "--seed",
            "0",
        ],
        env={"SCHEDULER_STORE": str(store)},
    )
    assert result.exit_code == 0, result.output
    published = runner.invoke(app, ["publish", str(out), "--store", str(store)])
    assert published.exit_code == 0, published.output
    return out, store


def out_files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_no_public_output_holds_a_name_email_or_phone(
    bundled: tuple[Path, Path],
) -> None:
    out, _ = bundled
    people = personal_data()
    every = [v for values in people.values() for v in values]
    files = out_files(out)
    public = {rel: body for rel, body in files.items() if classify(rel) == PUBLIC}
    assert "report.html" in public
    assert "calendars/all.ics" in public
    assert sum(rel.startswith("calendars/commune-") for rel in public) == 18
    assert sum(rel.startswith("communes/") for rel in public) == 18
    found = {rel: leaks(body, every) for rel, body in public.items()}
    assert {rel: hit for rel, hit in found.items() if hit} == {}
    # the public texts still say who works: by role and office
    assert b"lanh_dao_huyen" in public["calendars/all.ics"]
    assert "UBND huyện".encode() in public["report.html"]
    # and the staff charts went to the private page
    assert b'id="chart-gantt-staff"' not in public["report.html"]
    assert b'id="chart-gantt-staff"' in files["report-staff.html"]


def test_the_private_outputs_do_name_people(bundled: tuple[Path, Path]) -> None:
    # the leak check finds names where they are meant to be (it is not blind)
    out, _ = bundled
    files = out_files(out)
    name = personal_data()["ld01"][0]
    assert leaks(files["calendars/staff-ld01.ics"], [name]) == [name]
    assert leaks(files["report-staff.html"], [name]) == [name]
    assert leaks(files["staff/ld01.html"], [name]) == [name]
    # no e-mail in any feed, private ones included: ORGANIZER is the office
    emails = [v for vs in personal_data().values() for v in vs if "@" in v]
    for rel, body in files.items():
        if rel.endswith(".ics"):
            assert leaks(body, emails) == [], rel


@pytest.fixture(scope="module")
def server(bundled: tuple[Path, Path]) -> Iterator[Server]:
    _, store = bundled
    with Server(store) as running:
        yield running


@pytest.fixture(scope="module")
def secret(bundled: tuple[Path, Path]) -> str:
    conn = connect(bundled[1])
    try:
        tokens = {t.staff_id: t.secret for t in create_tokens(conn, SCENARIO)}
    finally:
        conn.close()
    return tokens["ld01"]


def test_served_public_pages_and_feeds_name_no_one(
    bundled: tuple[Path, Path], server: Server, secret: str
) -> None:
    every = [v for values in personal_data().values() for v in values]
    status, _, index = server.get(f"/{SCENARIO}/")
    assert status == 200
    assert leaks(index, every) == []
    links = sorted(set(re_links(index)))
    assert f"/{SCENARIO}/all.ics" in links
    assert not any("staff" in link for link in links)
    for path in [*links, f"/{SCENARIO}/report.html"]:
        status, _, body = server.get(path)
        assert status == 200, path
        assert leaks(body, every) == [], path
    # nothing private is reachable without the token
    for path in (
        f"/{SCENARIO}/report-staff.html",
        f"/{SCENARIO}/staff-ld01.ics",
        f"/{SCENARIO}/calendars/staff-ld01.ics",
        f"/{SCENARIO}/staff/ld01.ics",
        f"/{SCENARIO}/staff/ld01/{'0' * len(secret)}.ics",
        f"/{SCENARIO}/staff/ld02/{secret}.ics",  # another person's token
        f"/{SCENARIO}/display.json",
        f"/{SCENARIO}/plan.json",
    ):
        assert server.get(path)[0] == 404, path


def test_the_staff_feed_with_its_token_names_its_person(
    server: Server, secret: str
) -> None:
    status, headers, body = server.get(f"/{SCENARIO}/staff/ld01/{secret}.ics")
    assert status == 200
    assert headers["Cache-Control"].startswith("private")
    name = personal_data()["ld01"][0]
    assert leaks(body, [name]) == [name]


def re_links(page: bytes) -> list[str]:
    """Return the paths of the .ics links of an index page."""
    import re

    return [
        "/" + m.split("/", 3)[3]
        for m in re.findall(r'href="(https?://[^"]+\.ics)"', page.decode())
    ]


# ---------------------------------------------------------------- RFC 5546


def libical(files: list[Path]) -> dict[str, list[str]]:
    """Run libical's restriction check on files (system Python); skip without libical."""
    if not Path(SYSTEM_PYTHON).is_file():
        pytest.skip("no system Python for libical (apt: python3-gi gir1.2-ical-3.0)")
    done = subprocess.run(
        [SYSTEM_PYTHON, str(LIBICAL_CHECK), *map(str, files)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    if done.returncode == 3:
        pytest.skip(
            "libical's GObject binding is missing (apt: gir1.2-ical-3.0 python3-gi)"
        )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_libical_check_catches_an_attendee_and_a_missing_organizer(
    tmp_path: Path,
) -> None:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:PUBLISH\r\n"
    event = (
        "BEGIN:VEVENT\r\nUID:1@t\r\nDTSTAMP:20230801T030000Z\r\n"
        "DTSTART:20230801T030000Z\r\nDTEND:20230801T040000Z\r\nSUMMARY:x\r\n{}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    good, bare, attended = (tmp_path / n for n in ("good.ics", "bare.ics", "att.ics"))
    organizer = "ORGANIZER;CN=Huyện:urn:x-scheduler:t\r\n"
    good.write_text(head + event.format(organizer), encoding="utf-8")
    bare.write_text(head + event.format(""), encoding="utf-8")
    attended.write_text(
        head + event.format(organizer + "ATTENDEE:mailto:a@example.org\r\n"),
        encoding="utf-8",
    )
    result = libical([good, bare, attended])
    assert result[str(good)] == []
    assert any("ORGANIZER" in e for e in result[str(bare)])
    assert any("ATTENDEE" in e for e in result[str(attended)])


def test_every_bundled_feed_passes_libical_and_icaljs(
    bundled: tuple[Path, Path],
) -> None:
    out, _ = bundled
    feeds = sorted((out / "calendars").glob("*.ics"))
    assert len(feeds) >= 40
    failing = {f: e for f, e in libical(feeds).items() if e}
    assert failing == {}
    parsed = node_parse(feeds)
    for name, cal in parsed.items():
        assert cal["method"] == "PUBLISH", name
        for event in cal["events"]:
            assert event["attendees"] == [], (name, event["uid"])
            assert event["organizers"] == [
                {"value": f"urn:x-scheduler:{SCENARIO}", "cn": "Huyện Hưng Nguyên"}
            ], (name, event["uid"])


# ---------------------------------------------------------------- opting in


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Plan]:
    scenario = feed_scenario(tmp_path_factory.mktemp("tiny"))
    return scenario, solved(scenario)


def test_public_names_opt_in_and_organizer_email(
    tiny: tuple[Scenario, Plan], tmp_path: Path
) -> None:
    from scheduler.export.bundle import plan_files
    from scheduler.scenario.schema import PublishSettings

    scenario, plan = tiny
    name = scenario.staff[0].name
    closed = plan_files(scenario, plan, today=plan.horizon_start, calendar_state=None)
    assert leaks(closed["calendars/all.ics"], [name]) == []
    assert leaks(closed["report.html"], [name]) == []
    assert leaks(closed["calendars/staff-L1.ics"], [name]) == [name]
    opened = scenario.model_copy(
        update={
            "publish": PublishSettings(
                public_names=True, organizer_email="ubnd@huyen.example.vn"
            )
        }
    )
    files = plan_files(opened, plan, today=plan.horizon_start, calendar_state=None)
    assert leaks(files["calendars/all.ics"], [name]) == [name]
    assert leaks(files["report.html"], [name]) == [name]
    unfolded = files["calendars/all.ics"].replace(b"\r\n ", b"")
    for event in icalendar.Calendar.from_ical(files["calendars/all.ics"]).walk(
        "VEVENT"
    ):
        assert str(event["ORGANIZER"]) == "mailto:ubnd@huyen.example.vn"
        assert event["ORGANIZER"].params["CN"] == "Huyện Thử"
    # still private: the per-person charts, and never an e-mail of a person
    assert b'id="chart-gantt-staff"' not in files["report.html"]
    assert b"lanhdao1@example.org" not in unfolded


def test_publish_keys_are_read_from_the_scenario_and_misspellings_refused(
    tmp_path: Path,
) -> None:
    sc = make_scenario(tmp_path / "ok", {"publish": {"public_names": True}})
    assert sc.publish.public_names is True
    assert make_scenario(tmp_path / "default").publish.public_names is False
    make_scenario(tmp_path / "bad")
    toml = tmp_path / "bad" / "tiny.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + "\n[publish]\npublic_name = true\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(toml)])
    assert result.exit_code == 2
    assert "publish" in result.output
    assert "public_name" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- size limit


T1 = dt.datetime(2023, 8, 1, 3, 0, tzinfo=dt.UTC)


def two_quarters(plan: Plan) -> Plan:
    """Return the plan with a copy of every event three months later (Q3 and Q4)."""
    later = tuple(
        dataclasses.replace(
            e,
            event_id=f"{e.event_id}-q4",
            start=e.start + dt.timedelta(days=91),
            end=e.end + dt.timedelta(days=91),
        )
        for e in plan.events
    )
    return dataclasses.replace(
        plan, events=plan.events + later, horizon_end=dt.date(2023, 12, 31)
    )


@pytest.fixture(scope="module")
def big(tiny: tuple[Scenario, Plan]) -> tuple[Plan, DisplayData, list[Feed]]:
    scenario, plan = tiny
    display = DisplayData.from_scenario(scenario)
    plan = two_quarters(plan)
    state = advance_state(plan, display, {}, T1)
    return plan, display, build_feeds(plan, display, state)


def by_name(feeds: list[Feed]) -> dict[str, Feed]:
    return {f.name: f for f in feeds}


def test_a_large_feed_is_split_by_quarter_and_loses_no_event(
    big: tuple[Plan, DisplayData, list[Feed]],
) -> None:
    plan, display, full = big
    whole = by_name(full)["all"]
    assert not whole.parts
    assert not whole.dropped
    limit = len(whole.body) - 500
    state = advance_state(plan, display, {}, T1)
    feeds = by_name(build_feeds(plan, display, state, limit_bytes=limit))
    index = feeds["all"]
    assert index.parts == ("all-2023-q3", "all-2023-q4")
    assert index.uids == ()
    assert index.last_modified == whole.last_modified
    parts = [feeds[p] for p in index.parts]
    assert sorted(u for p in parts for u in p.uids) == sorted(whole.uids)
    assert all(len(p.body) <= limit and p.kind == "plan" for p in parts)
    description = str(icalendar.Calendar.from_ical(index.body)["DESCRIPTION"])
    assert "all-2023-q3.ics, all-2023-q4.ics" in description
    assert (
        "Toàn bộ kế hoạch (Quý 3/2023)" in parts[0].body.replace(b"\r\n ", b"").decode()
    )
    notes = feed_notes(feeds.values())
    assert any(
        n.startswith("all.ics: quá 1 MB, đã chia thành 2 lịch: all-2023-q3.ics")
        for n in notes
    )
    assert any("split into 2 feeds" in n for n in feed_notes(feeds.values(), "en"))


def test_a_month_still_too_large_is_split_by_week_and_loses_no_event(
    big: tuple[Plan, DisplayData, list[Feed]],
) -> None:
    # must hold: the tiny plan's events fall on 5-8 and 11-15 Sep (ISO weeks
    # 36 and 37) and their copies three months later. With the limit 200
    # bytes below the third quarter's feed, that quarter and its only month
    # (September: the same events) are too large, and September goes by week:
    # two parts, each about half of it, under the limit; no event is lost.
    # Must break without the weeks: September's one part stays over the limit
    plan, display, full = big
    whole = by_name(full)["all"]
    state = advance_state(plan, display, {}, T1)
    quarters = by_name(
        build_feeds(plan, display, state, limit_bytes=len(whole.body) - 500)
    )
    limit = len(quarters["all-2023-q3"].body) - 200
    feeds = by_name(build_feeds(plan, display, state, limit_bytes=limit))
    index = feeds["all"]
    assert index.parts[:2] == ("all-2023-09-w36", "all-2023-09-w37")
    parts = [feeds[p] for p in index.parts]
    assert all(len(p.body) <= limit for p in parts)
    assert sorted(u for p in parts for u in p.uids) == sorted(whole.uids)
    assert "(Tuần 36/2023)" in parts[0].body.replace(b"\r\n ", b"").decode()


def test_a_large_feed_leaves_out_past_events_only(
    big: tuple[Plan, DisplayData, list[Feed]],
) -> None:
    plan, display, full = big
    whole = by_name(full)["all"]
    now = dt.datetime(2023, 10, 1, tzinfo=dt.UTC)  # Q3 is past
    limit = len(whole.body) - 500
    state = advance_state(plan, display, {}, T1)
    cut = by_name(build_feeds(plan, display, state, limit_bytes=limit, now=now))["all"]
    assert cut.dropped > 0
    assert not cut.parts
    assert len(cut.body) <= limit
    ends = {f"{e.event_id}@tiny.scheduler": e.end for e in plan.events}
    gone = set(whole.uids) - set(cut.uids)
    assert len(gone) == cut.dropped
    assert all(ends[u] <= now for u in gone)
    assert all(u in cut.uids for u in whole.uids if ends[u] > now)
    assert (
        f"đã bỏ {cut.dropped} sự kiện đã qua"
        in cut.body.replace(b"\r\n ", b"").decode()
    )


def test_no_future_event_is_lost_at_any_limit(
    big: tuple[Plan, DisplayData, list[Feed]],
) -> None:
    plan, display, full = big
    state = advance_state(plan, display, {}, T1)
    feeds = by_name(build_feeds(plan, display, state, limit_bytes=2300))
    for original in full:
        shown = feeds[original.name]
        parts = [feeds[p] for p in shown.parts]
        kept = {*shown.uids, *(u for p in parts for u in p.uids)}
        assert kept == set(original.uids), original.name
        if original.kind == "staff":  # one private link per person: never split
            assert not shown.parts
            assert shown.oversize == (len(shown.body) > 2300)
    notes = feed_notes(feeds.values(), "en")
    assert any(n.startswith("staff-L1.ics: ") and "over 1 MB" in n for n in notes)


def test_plan_prints_a_split_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scheduler.export.ical as ical

    make_scenario(tmp_path / "sc")
    monkeypatch.setattr(ical, "FEED_LIMIT_BYTES", 1500)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["plan", str(tmp_path / "sc" / "tiny.toml"), "--out", str(out), "--lang", "en"],
        env={"SCHEDULER_STORE": str(tmp_path / "none.sqlite")},
    )
    assert result.exit_code == 0, result.output
    assert "all.ics: over 1 MB, split into" in result.output
    assert sorted((out / "calendars").glob("all-2023-*.ics"))


# ---------------------------------------------------------------- the dashboard


def test_the_dashboard_opens_with_the_plan_and_every_link_resolves(
    bundled: tuple[Path, Path], server: Server
) -> None:
    import json
    import re
    import urllib.parse

    out, _ = bundled
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    status, _, index = server.get(f"/{SCENARIO}/")
    assert status == 200
    page = index.decode()
    # the plan's title, not the scenario id, and its key figures
    assert f"<h1>{plan['title']}</h1>" in page
    dialogues = sum(1 for e in plan["events"] if e["activity"] == "dialogue")
    assert f"<b>{dialogues}/{plan['required']['dialogue']}</b>" in page
    # the commune feeds are grouped and folded, after the whole plan's
    first_commune_feed = page.index("commune-")
    assert page.index("all.ics") < first_commune_feed
    assert page.rfind("<details><summary>", 0, first_commune_feed) > page.index(
        "all.ics"
    )
    # every page it links (the report, each commune's sheet) is served, and
    # every calendar the report links resolves where the report points
    every = [v for values in personal_data().values() for v in values]
    pages = re.findall(r'href="((?:report|communes/)[^"]*)"', page)
    assert "report.html" in pages
    assert sum(p.startswith("communes/") for p in pages) == len(
        list((out / "communes").glob("*.html"))
    )
    for rel in pages:
        status, _, body = server.get(f"/{SCENARIO}/{urllib.parse.unquote(rel)}")
        assert status == 200, rel
        assert leaks(body, every) == [], rel
    _, _, report = server.get(f"/{SCENARIO}/report.html")
    calendars = set(re.findall(r'href="(calendars/[^"]+\.ics)"', report.decode()))
    assert calendars
    for rel in calendars:
        assert server.get(f"/{SCENARIO}/{rel}")[0] == 200, rel
    # the private itineraries are never published
    assert server.get(f"/{SCENARIO}/staff/ld01.html")[0] == 404
