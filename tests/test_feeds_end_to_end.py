"""Plan → publish → token → serve → re-plan → publish, through the real commands and HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import icalendar
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.plan import Plan
from tests.test_serve import Server

NHA_NAM = "configs/scenarios/nha-nam-2023.toml"
runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _vevents(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def test_published_plan_is_served_and_a_replan_updates_the_same_entries(
    tmp_path: Path,
) -> None:
    out, store = tmp_path / "out", tmp_path / "plans.sqlite"
    _run("plan", NHA_NAM, "--out", str(out), "--time-limit", "20")
    _run("publish", str(out), "--store", str(store))
    links = _run("token", "create", "--store", str(store))
    staff_link = re.search(r"(/nha-nam-2023/staff/[^/\s]+/[A-Za-z0-9_-]+\.ics)", links)
    assert staff_link is not None, links

    with Server(store) as server:
        status, headers, body = server.get("/nha-nam-2023/all.ics")
        assert status == 200
        assert headers["Content-Type"] == "text/calendar; charset=utf-8"
        first = _vevents(body)
        # The whole-plan feed holds every scheduled event of plan.json, one VEVENT each.
        plan = Plan.read(out / "plan.json")
        assert len(first) == len(plan.events)
        etag = headers["ETag"]
        assert server.get("/nha-nam-2023/all.ics", {"If-None-Match": etag})[0] == 304
        assert server.get(staff_link.group(1))[0] == 200

        # Re-plan by hand: the first timed event moves one day later, the last is
        # dropped (a training class is all-day: its DTSTART is a date).
        moved = next(e for e in plan.events if not e.all_day)
        dropped = plan.events[-1]
        assert moved is not dropped
        shifted = dataclasses.replace(
            moved,
            start=moved.start + dt.timedelta(days=1),
            end=moved.end + dt.timedelta(days=1),
        )
        kept = tuple(shifted if e is moved else e for e in plan.events[:-1])
        replanned = dataclasses.replace(plan, events=kept)
        (out / "plan.json").write_text(replanned.to_json(), encoding="utf-8")
        _run("publish", str(out), "--store", str(store))

        # The same server, no restart: the old ETag no longer matches.
        status, headers, body = server.get(
            "/nha-nam-2023/all.ics", {"If-None-Match": etag}
        )
        assert status == 200
        second = _vevents(body)
    # Same UIDs (the dropped one is still there, cancelled), no duplicates.
    assert set(second) == set(first)
    uid_moved = next(u for u in second if u.startswith(moved.event_id + "@"))
    uid_dropped = next(u for u in second if u.startswith(dropped.event_id + "@"))
    assert int(second[uid_moved]["SEQUENCE"]) == int(first[uid_moved]["SEQUENCE"]) + 1
    assert second[uid_moved].decoded("DTSTART") == shifted.start
    assert str(second[uid_dropped]["STATUS"]) == "CANCELLED"
    unchanged = set(first) - {uid_moved, uid_dropped}
    assert all(second[u]["SEQUENCE"] == first[u]["SEQUENCE"] for u in unchanged)
