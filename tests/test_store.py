"""The plan store: publish keeps calendar state, feeds and pages; history; diff; commands.

Each publish is given its time, so the expected stamps are exact. Re-plans are
simulated with ``dataclasses.replace`` on the tiny scenario of ``calendar_fixtures``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.export.bundle import plan_files
from scheduler.export.display import DisplayData
from scheduler.export.ical import event_uid
from scheduler.export.table import write_atomically
from scheduler.outputs import files_now
from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario
from scheduler.store import (
    connect,
    diff,
    diff_plans,
    history,
    load_state,
    publish,
    read_out_folder,
)
from tests.calendar_fixtures import feed_scenario, solved

UTC = dt.UTC
T1 = dt.datetime(2023, 8, 1, 3, 0, tzinfo=UTC)
T2 = dt.datetime(2023, 8, 10, 3, 0, tzinfo=UTC)
T3 = dt.datetime(2023, 8, 30, 3, 0, tzinfo=UTC)  # 20 days after T2: past a 14-day grace
runner = CliRunner()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return feed_scenario(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def plan(scenario: Scenario) -> Plan:
    return solved(scenario)


@pytest.fixture(scope="module")
def display(scenario: Scenario) -> DisplayData:
    return DisplayData.from_scenario(scenario)


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    return connect(tmp_path / "plans.sqlite")


def feed(conn: sqlite3.Connection, version: int, name: str) -> tuple[bytes, str, str]:
    row = conn.execute(
        "SELECT b.body, f.etag, f.last_modified FROM feeds f"
        " JOIN blobs b ON b.hash = f.body_hash WHERE f.version = ? AND f.name = ?",
        (version, name),
    ).fetchone()
    assert row is not None
    return bytes(row[0]), row[1], row[2]


def events_of(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def without(plan: Plan, event_id: str) -> Plan:
    return dataclasses.replace(
        plan, events=tuple(e for e in plan.events if e.event_id != event_id)
    )


def shifted(plan: Plan, event_id: str, days: int) -> Plan:
    delta = dt.timedelta(days=days)
    return dataclasses.replace(
        plan,
        events=tuple(
            dataclasses.replace(e, start=e.start + delta, end=e.end + delta)
            if e.event_id == event_id
            else e
            for e in plan.events
        ),
    )


# ---------------------------------------------------------------- publish


def test_publishing_an_unchanged_plan_again_gives_the_same_feeds(
    conn: sqlite3.Connection, plan: Plan, display: DisplayData
) -> None:
    first = publish(conn, plan, display, now=T1)
    second = publish(conn, plan, display, now=T2)
    assert (first.version, second.version) == (1, 2)
    assert len(first.added) == len(plan.events)
    assert second.added == ()
    assert second.changed == second.cancelled == second.expired == ()
    names = [f.name for f in first.feeds]
    assert len(names) == 11
    for name in names:
        body, etag, modified = feed(conn, 2, name)
        assert (body, etag, modified) == feed(conn, 1, name)
        # a strong, quoted ETag: the SHA-256 of the body
        assert etag == f'"{hashlib.sha256(body).hexdigest()}"'
    # Last-Modified of a feed with events: its newest event's, the first publish
    assert feed(conn, 2, "all")[2] == "2023-08-01T03:00:00+00:00"


def test_moved_event_gets_sequence_1_and_the_feed_a_new_last_modified(
    conn: sqlite3.Connection, plan: Plan, display: DisplayData
) -> None:
    moved = plan.by_activity("dialogue")[0]
    publish(conn, plan, display, now=T1)
    result = publish(conn, shifted(plan, moved.event_id, 1), display, now=T2)
    uid = event_uid("tiny", moved.event_id)
    assert result.changed == (uid,)
    body, _, modified = feed(conn, 2, "all")
    assert int(events_of(body)[uid]["SEQUENCE"]) == 1
    assert modified == "2023-08-10T03:00:00+00:00"  # the moved event's stamp
    # a feed without the moved event keeps its bytes and Last-Modified
    untouched = "staff-T1"  # the trainer is only on the training class
    assert feed(conn, 2, untouched) == feed(conn, 1, untouched)
    state = load_state(conn, "tiny")
    assert state[uid].sequence == 1
    assert state[uid].last_modified == T2


def test_removed_event_is_cancelled_then_expires(
    conn: sqlite3.Connection, plan: Plan, display: DisplayData
) -> None:
    dropped = plan.by_activity("dialogue")[0]
    uid = event_uid("tiny", dropped.event_id)
    replanned = without(plan, dropped.event_id)
    publish(conn, plan, display, now=T1)
    second = publish(conn, replanned, display, now=T2, grace_days=14)
    assert second.cancelled == (uid,)
    event = events_of(feed(conn, 2, "all")[0])[uid]
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 1)
    # its content came from version 1's plan.json: same start as before
    assert event["DTSTART"].dt == dropped.start
    third = publish(conn, replanned, display, now=T3, grace_days=14)
    assert third.expired == (uid,)
    body, _, modified = feed(conn, 3, "all")
    assert uid not in events_of(body)
    # the feed lost an event: its Last-Modified moves on to the publish time,
    # never back to the newest remaining event (T1), or If-Modified-Since would lie
    assert modified == "2023-08-30T03:00:00+00:00"
    assert uid not in load_state(conn, "tiny")


def test_grace_days_must_not_be_negative(
    conn: sqlite3.Connection, plan: Plan, display: DisplayData
) -> None:
    with pytest.raises(ValueError, match="grace days"):
        publish(conn, plan, display, now=T1, grace_days=-1)
    assert history(conn) == []  # nothing was recorded


def test_plan_files_continue_the_published_state(
    scenario: Scenario,
    plan: Plan,
    display: DisplayData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = tmp_path / "plans.sqlite"
    monkeypatch.setenv("SCHEDULER_STORE", str(store))
    moved = plan.by_activity("dialogue")[0]
    db = connect(store)
    publish(db, plan, display, now=T1)
    result = publish(db, shifted(plan, moved.event_id, 1), display, now=T2)
    db.close()
    # written after the publish, the plan's files equal the published feeds
    files = files_now(scenario, shifted(plan, moved.event_id, 1))
    for f in result.feeds:
        assert files[f"calendars/{f.filename}"] == f.body
    # and the store was only read: still two versions
    assert len(history(connect(store))) == 2


# ---------------------------------------------------------------- history and diff


def test_history_and_diff_name_every_kind_of_change(
    conn: sqlite3.Connection, plan: Plan, display: DisplayData
) -> None:
    dialogues = plan.by_activity("dialogue")
    training = plan.by_activity("training")[0]
    moved, removed = dialogues[0].event_id, dialogues[1].event_id
    # v2: the first dialogue moves a day and changes hands, the second is dropped,
    # the class costs more, and a new broadcast is added
    first = dialogues[0]
    other = "L2" if first.staff_ids == ("L1",) else "L1"
    events = []
    for e in plan.events:
        if e.event_id == moved:
            delta = dt.timedelta(days=1)
            e = dataclasses.replace(
                e,
                start=e.start + delta,
                end=e.end + delta,
                staff=(dataclasses.replace(e.staff[0], staff_id=other),),
            )
        elif e.event_id == training.event_id:
            e = dataclasses.replace(e, cost_vnd=e.cost_vnd + 100_000)
        elif e.event_id == removed:
            continue
        events.append(e)
    extra = dataclasses.replace(
        plan.by_activity("broadcast")[0], event_id="broadcast-00001-2023-09-s09"
    )
    replanned = dataclasses.replace(plan, events=(*events, extra))
    publish(conn, plan, display, now=T1, note="đầu tiên")
    publish(conn, replanned, display, now=T2)
    versions = history(conn, "tiny")
    assert [(v.version, v.published_at, v.note) for v in versions] == [
        (1, "2023-08-01T03:00:00+00:00", "đầu tiên"),
        (2, "2023-08-10T03:00:00+00:00", None),
    ]
    assert versions[1].events == len(plan.events)  # one removed, one added
    assert history(conn, "other") == []
    changes = diff(conn, 1, 2)
    assert changes.added == ["broadcast-00001-2023-09-s09"]
    assert changes.moved == [moved]
    assert changes.restaffed == [moved]
    assert changes.changed == [training.event_id]
    assert changes.cancelled == [removed]
    # nothing changes between a version and itself
    assert diff(conn, 2, 2).changes == ()
    with pytest.raises(KeyError):
        diff(conn, 1, 9)


def test_diff_refuses_versions_of_different_scenarios(
    conn: sqlite3.Connection, plan: Plan, display: DisplayData
) -> None:
    publish(conn, plan, display, now=T1)
    other = dataclasses.replace(plan, scenario="khac")
    publish(conn, other, dataclasses.replace(display, scenario="khac"), now=T2)
    with pytest.raises(ValueError, match="scenario"):
        diff(conn, 1, 2)
    # the second scenario's state is its own: nothing of 'tiny' was cancelled
    assert all(st.cancelled_at is None for st in load_state(conn, "tiny").values())


def test_an_event_cancelled_in_the_plan_counts_as_cancelled(plan: Plan) -> None:
    first = plan.events[0]
    after = dataclasses.replace(
        plan,
        events=(dataclasses.replace(first, status="cancelled"), *plan.events[1:]),
    )
    (change,) = diff_plans(plan, after)
    assert (change.event_id, change.kinds) == (first.event_id, ("cancelled",))


# ---------------------------------------------------------------- out folder and commands


def write_out(
    scenario: Scenario, plan: Plan, folder: Path, report: bool = True
) -> None:
    files = plan_files(scenario, plan, today=plan.horizon_start, calendar_state=None)
    if not report:
        # an out folder from an older version of the tool, before report.html
        del files["report.html"]
    write_atomically(folder, files)


def test_publish_command_history_diff_and_export(
    scenario: Scenario, plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "plans.sqlite"
    monkeypatch.setenv("SCHEDULER_STORE", str(tmp_path / "unused.sqlite"))
    out = tmp_path / "out" / "tiny"
    write_out(scenario, plan, out)
    args = ["--store", str(store)]
    first = runner.invoke(app, ["publish", str(out), *args])
    assert first.exit_code == 0, first.output
    assert "Đã công bố phiên bản 1" in first.output
    moved = plan.by_activity("dialogue")[0].event_id
    write_out(scenario, shifted(plan, moved, 2), out, report=False)
    second = runner.invoke(app, ["publish", str(out), *args, "--lang", "en"])
    assert second.exit_code == 0, second.output
    assert "Published version 2" in second.output
    assert "changed 1" in second.output
    db = connect(store)
    pages = db.execute("SELECT version, name, content_type FROM pages").fetchall()
    # the report (version 1 only: the second out folder has none) and each
    # commune's public sheet; never a staff/ page
    html = "text/html; charset=utf-8"
    sheets = sorted(f"communes/{p.name}" for p in (out / "communes").glob("*.html"))
    assert sheets
    assert sorted(pages) == sorted(
        [(1, "report.html", html), *((v, n, html) for v in (1, 2) for n in sheets)]
    )
    listed = runner.invoke(app, ["history", *args, "--scenario", "tiny"])
    assert listed.exit_code == 0
    assert "Phiên bản" in listed.output
    changes = runner.invoke(app, ["diff", "1", "2", *args, "--lang", "en"])
    assert changes.exit_code == 0, changes.output
    assert moved in changes.output
    assert "moved" in changes.output
    # export ics: rebuild the calendars of the published plan.json elsewhere
    target = tmp_path / "again"
    exported = runner.invoke(
        app, ["export", "ics", str(out / "plan.json"), "--out", str(target), *args]
    )
    assert exported.exit_code == 0, exported.output
    # Vietnamese export, continuing the store: the moved event at SEQUENCE 1
    body = (target / "calendars" / "all.ics").read_bytes()
    assert int(events_of(body)[event_uid("tiny", moved)]["SEQUENCE"]) == 1


def test_commands_exit_2_on_bad_input(
    scenario: Scenario, plan: Plan, tmp_path: Path
) -> None:
    store = ["--store", str(tmp_path / "plans.sqlite")]
    missing = runner.invoke(app, ["publish", str(tmp_path / "nothing"), *store])
    assert missing.exit_code == 2
    assert "plan.json" in missing.output
    out = tmp_path / "out"
    write_out(scenario, plan, out)
    (out / "display.json").write_text("{}", encoding="utf-8")
    broken = runner.invoke(app, ["publish", str(out), *store])
    assert broken.exit_code == 2
    assert "display.json" in broken.output
    no_store = ["--store", str(tmp_path / "absent.sqlite")]
    assert runner.invoke(app, ["history", *no_store]).exit_code == 2
    assert runner.invoke(app, ["diff", "1", "2", *no_store]).exit_code == 2
    assert not (tmp_path / "absent.sqlite").exists()  # readers never create it
    exported = runner.invoke(app, ["export", "ics", str(out / "plan.json")])
    assert exported.exit_code == 2
    assert "display.json" in exported.output


def test_read_out_folder_rejects_display_data_of_another_scenario(
    scenario: Scenario, plan: Plan, display: DisplayData, tmp_path: Path
) -> None:
    write_out(scenario, plan, tmp_path)
    (tmp_path / "display.json").write_text(
        dataclasses.replace(display, scenario="khac").to_json(), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="khac"):
        read_out_folder(tmp_path)


def test_feeds_and_store_do_not_import_the_solver() -> None:
    code = (
        "import sys, scheduler.store, scheduler.export.ical, scheduler.export.bundle, "
        "scheduler.commands.feeds; print('ortools' in ' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
