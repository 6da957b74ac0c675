"""iCalendar feeds: parsed back by icalendar and by Mozilla's ical.js, state rules by hand.

The plan is the tiny scenario of ``calendar_fixtures`` (2 communes, 2 dialogues, a
two-day training class serving both communes, broadcasts). Re-plans are
simulated with ``dataclasses.replace`` so the expected values are exact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import icalendar
import pytest

from scheduler.export.bundle import plan_files
from scheduler.export.display import DisplayData
from scheduler.export.ical import (
    EventState,
    advance_state,
    build_feeds,
    calendar_files,
    default_stamp,
    event_uid,
)
from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario
from scheduler.store import diff_plans
from tests.calendar_fixtures import (
    LONG_NAME,
    feed_scenario,
    fold_problems,
    node_parse,
    solved,
)

UTC = dt.UTC
T1 = dt.datetime(2023, 8, 1, 3, 0, tzinfo=UTC)  # first publish
T2 = dt.datetime(2023, 8, 10, 3, 0, tzinfo=UTC)  # a re-plan nine days later
GRACE = dt.timedelta(days=14)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return feed_scenario(tmp_path_factory.mktemp("feeds"))


@pytest.fixture(scope="module")
def plan(scenario: Scenario) -> Plan:
    return solved(scenario)


@pytest.fixture(scope="module")
def display(scenario: Scenario) -> DisplayData:
    return DisplayData.from_scenario(scenario)


def parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in parse(body).walk("VEVENT")}


def feeds_of(
    plan: Plan, display: DisplayData, state: dict[str, EventState], lang: str = "vi"
) -> dict[str, bytes]:
    return {f.name: f.body for f in build_feeds(plan, display, state, lang=lang)}


# ---------------------------------------------------------------- which feeds, which events


def test_every_feed_parses_and_holds_its_subjects_events(
    plan: Plan, display: DisplayData
) -> None:
    files = calendar_files(plan, display)
    # 1 whole plan + 2 communes + 2 stations + 3 staff + 3 activities = 11
    assert sorted(files) == sorted(
        f"calendars/{n}.ics"
        for n in (
            "all",
            "commune-00001",
            "commune-00002",
            "station-00001",
            "station-00002",
            "staff-L1",
            "staff-L2",
            "staff-T1",
            "activity-dialogue",
            "activity-training",
            "activity-broadcast",
        )
    )
    every = vevents(files["calendars/all.ics"])
    assert set(every) == {event_uid("tiny", e.event_id) for e in plan.events}
    training = plan.by_activity("training")[0]
    for code in ("00001", "00002"):
        uids = set(vevents(files[f"calendars/commune-{code}.ics"]))
        expected = {
            event_uid("tiny", e.event_id)
            for e in plan.events
            if e.commune_code == code or code in e.communes_served
        }
        assert uids == expected
        # the class serves both communes, so both commune feeds show it
        assert event_uid("tiny", training.event_id) in uids
        station = vevents(files[f"calendars/station-{code}.ics"])
        assert {str(v["CATEGORIES"].cats[0]) for v in station.values()} == {
            "Phát thanh tuyên truyền"
        }
    staff_t1 = vevents(files["calendars/staff-T1.ics"])
    assert set(staff_t1) == {event_uid("tiny", training.event_id)}


def test_uids_are_unique_and_stable_across_two_solves(
    scenario: Scenario, plan: Plan, display: DisplayData
) -> None:
    again = solved(scenario)
    first, second = calendar_files(plan, display), calendar_files(again, display)
    for name, body in first.items():
        uids = [str(e["UID"]) for e in parse(body).walk("VEVENT")]
        assert len(uids) == len(set(uids)), name
    assert first == second  # same scenario, same seed: the very same bytes


def test_unchanged_plan_gives_byte_identical_files(
    plan: Plan, display: DisplayData, tmp_path: Path
) -> None:
    # through plan.json and back: times come back with a fixed +07:00 offset
    (tmp_path / "plan.json").write_text(plan.to_json(), encoding="utf-8")
    reread = Plan.read(tmp_path / "plan.json")
    state = advance_state(plan, display, {}, T1)
    assert feeds_of(plan, display, state) == feeds_of(reread, display, state)
    # and publishing the same plan again later changes nothing at all
    later = advance_state(reread, display, state, T2)
    assert later == state
    assert feeds_of(reread, display, later) == feeds_of(plan, display, state)


def test_no_state_stamp_is_midnight_local_on_the_horizon_start(
    plan: Plan, display: DisplayData
) -> None:
    # horizon starts Mon 4 Sep 2023: 00:00 +07:00 is 3 Sep 17:00 UTC
    assert default_stamp(plan) == dt.datetime(2023, 9, 3, 17, 0, tzinfo=UTC)
    body = calendar_files(plan, display)["calendars/all.ics"]
    stamps = {v["DTSTAMP"].dt for v in parse(body).walk("VEVENT")}
    assert stamps == {dt.datetime(2023, 9, 3, 17, 0, tzinfo=UTC)}
    assert b"SEQUENCE:0\r\n" in body
    assert b"SEQUENCE:1" not in body


# ---------------------------------------------------------------- change tracking


def test_moved_event_keeps_its_uid_with_a_higher_sequence(
    plan: Plan, display: DisplayData
) -> None:
    state = advance_state(plan, display, {}, T1)
    moved = plan.by_activity("dialogue")[0]
    day = dt.timedelta(days=1)
    replanned = dataclasses.replace(
        plan,
        events=tuple(
            dataclasses.replace(e, start=e.start + day, end=e.end + day)
            if e.event_id == moved.event_id
            else e
            for e in plan.events
        ),
    )
    after = advance_state(replanned, display, state, T2)
    events = vevents(feeds_of(replanned, display, after)["all"])
    uid = event_uid("tiny", moved.event_id)
    assert int(events[uid]["SEQUENCE"]) == 1  # 0 → 1
    assert events[uid]["DTSTART"].dt == (moved.start + day)
    assert events[uid]["DTSTAMP"].dt == T2 == events[uid]["LAST-MODIFIED"].dt
    # every other event is untouched: still SEQUENCE 0, stamped at the first publish
    others = [v for u, v in events.items() if u != uid]
    assert others
    assert all(int(v["SEQUENCE"]) == 0 for v in others)
    assert {v["DTSTAMP"].dt for v in others} == {T1}


def test_restaffing_and_renaming_a_venue_are_visible_changes(
    plan: Plan, display: DisplayData
) -> None:
    state = advance_state(plan, display, {}, T1)
    dialogue = plan.by_activity("dialogue")[0]
    uid = event_uid("tiny", dialogue.event_id)
    other = "L2" if dialogue.staff_ids == ("L1",) else "L1"
    restaffed = dataclasses.replace(
        plan,
        events=tuple(
            dataclasses.replace(
                e, staff=(dataclasses.replace(e.staff[0], staff_id=other),)
            )
            if e.event_id == dialogue.event_id
            else e
            for e in plan.events
        ),
    )
    assert advance_state(restaffed, display, state, T2)[uid].sequence == 1
    venue = dialogue.venue_id
    assert venue is not None
    renamed = dataclasses.replace(
        display,
        venues={
            **display.venues,
            venue: dataclasses.replace(display.venues[venue], name="Nhà văn hoá mới"),
        },
    )
    assert advance_state(plan, renamed, state, T2)[uid].sequence == 1
    # a venue no event uses changes nothing: hq is the district office
    unused = dataclasses.replace(
        display,
        venues={
            **display.venues,
            "hq": dataclasses.replace(display.venues["hq"], name="X"),
        },
    )
    assert advance_state(plan, unused, state, T2) == state


def test_removed_event_is_cancelled_then_disappears_after_the_grace_period(
    plan: Plan, display: DisplayData
) -> None:
    state = advance_state(plan, display, {}, T1)
    dropped = plan.by_activity("dialogue")[0]
    uid = event_uid("tiny", dropped.event_id)
    replanned = dataclasses.replace(
        plan, events=tuple(e for e in plan.events if e.event_id != dropped.event_id)
    )
    cancelled = advance_state(replanned, display, state, T2, GRACE)
    assert cancelled[uid].cancelled_at == T2
    event = vevents(feeds_of(replanned, display, cancelled)["all"])[uid]
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1  # 0 → 1 when it was removed
    assert str(event["SUMMARY"]).startswith("[Đã huỷ] ")
    # it also stays in its commune's and its staff member's feeds
    staff_feed = feeds_of(replanned, display, cancelled)[
        f"staff-{dropped.staff_ids[0]}"
    ]
    assert uid in vevents(staff_feed)
    # one second before the grace period ends it is still there, at the end it is gone
    almost = advance_state(
        replanned, display, cancelled, T2 + GRACE - dt.timedelta(seconds=1), GRACE
    )
    assert almost[uid] == cancelled[uid]  # republishing does not bump it again
    gone = advance_state(replanned, display, cancelled, T2 + GRACE, GRACE)
    assert uid not in gone
    assert uid not in vevents(feeds_of(replanned, display, gone)["all"])
    # a cancelled event that comes back is confirmed again with SEQUENCE 2
    back = advance_state(plan, display, cancelled, T2 + dt.timedelta(days=1), GRACE)
    assert back[uid].sequence == 2
    assert back[uid].cancelled_at is None


def test_pinning_an_event_is_not_a_change_but_cancelling_it_is(
    plan: Plan, display: DisplayData
) -> None:
    state = advance_state(plan, display, {}, T1)
    first = plan.events[0]
    uid = event_uid("tiny", first.event_id)

    def with_status(status: str) -> Plan:
        changed = dataclasses.replace(first, status=status)
        return dataclasses.replace(plan, events=(changed, *plan.events[1:]))

    # a re-plan keeps the event where it was and marks it pinned: nothing to notify
    pinned = advance_state(with_status("pinned"), display, state, T2)
    assert (pinned[uid].sequence, pinned[uid].last_modified) == (0, T1)
    assert diff_plans(plan, with_status("pinned")) == ()
    # the plan itself cancels it: SEQUENCE 0 → 1 and STATUS:CANCELLED
    cancelled = advance_state(with_status("cancelled"), display, state, T2)
    assert cancelled[uid].sequence == 1
    body = feeds_of(with_status("cancelled"), display, cancelled)["all"]
    assert str(vevents(body)[uid]["STATUS"]) == "CANCELLED"


# ---------------------------------------------------------------- text and times


def test_vietnamese_text_survives_folding(plan: Plan, display: DisplayData) -> None:
    files = calendar_files(plan, display)
    for name, body in files.items():
        assert fold_problems(body) == [], name
    body = files["calendars/staff-L1.ics"]
    # the long name is folded (its DESCRIPTION line is far beyond 75 octets) …
    assert LONG_NAME.encode() not in body
    # … and unfolds to exactly the same NFC text
    (event,) = parse(body).walk("VEVENT")
    assert LONG_NAME in str(event["DESCRIPTION"])
    # RFC 5546 PUBLISH: the office organizes, no one attends; no e-mail anywhere
    assert str(event["ORGANIZER"]) == "urn:x-scheduler:tiny"
    assert event["ORGANIZER"].params["CN"] == "Huyện Thử"
    assert "ATTENDEE" not in event
    assert not any(b"lanhdao1@example.org" in b for b in files.values())


def test_fold_check_catches_a_fold_inside_a_character() -> None:
    # "ệ" is 3 bytes (E1 BB 87); folding after its first byte leaves invalid UTF-8
    text = ("SUMMARY:" + "Việt " * 20).encode()
    cut = text.index("ệ".encode()) + 1
    bad = text[:cut] + b"\r\n " + text[cut:] + b"\r\n"
    assert any("splits a UTF-8" in p for p in fold_problems(bad))
    assert any("octets" in p for p in fold_problems(bad))  # the tail is > 75 octets


def test_every_date_time_carries_the_zone_and_all_day_ends_are_exclusive(
    plan: Plan, display: DisplayData
) -> None:
    body = calendar_files(plan, display)["calendars/all.ics"]
    unfolded = body.replace(b"\r\n ", b"").decode()
    inside, checked = "", 0
    for line in unfolded.split("\r\n"):
        if line.startswith("BEGIN:"):
            inside = line  # (a VTIMEZONE's DTSTART is local time by definition)
        if inside != "BEGIN:VEVENT":
            continue
        if re.match(r"(DTSTART|DTEND)[;:]", line):
            checked += 1
            assert "TZID=Asia/Ho_Chi_Minh:" in line or "VALUE=DATE:" in line, line
        if re.match(r"(DTSTAMP|LAST-MODIFIED)[;:]", line):
            assert line.endswith("Z"), line
    assert checked == 2 * len(plan.events)  # one DTSTART and one DTEND each
    cal = parse(body)
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    training = plan.by_activity("training")[0]
    # a two-day class on Tue 5 – Wed 6 Sep: DATE values 5 Sep .. 7 Sep (exclusive)
    assert training.start.date() + dt.timedelta(days=1) == training.end.date()
    event = vevents(body)[event_uid("tiny", training.event_id)]
    assert event["DTSTART"].dt == training.start.date()
    assert event["DTEND"].dt == training.end.date() + dt.timedelta(days=1)
    assert not isinstance(event["DTEND"].dt, dt.datetime)


def test_english_feeds_and_calendar_properties(
    plan: Plan, display: DisplayData
) -> None:
    body = calendar_files(plan, display, lang="en")["calendars/activity-dialogue.ics"]
    cal = parse(body)
    assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"]) == "Dialogue — Huyện Thử"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in body
    assert b"X-PUBLISHED-TTL:PT6H\r\n" in body
    assert str(cal["COLOR"]) == "slateblue"
    for event in cal.walk("VEVENT"):
        assert event["SUMMARY"].params["LANGUAGE"] == "en"
        assert str(event["SUMMARY"]).startswith("Dialogue — Xã ")
        assert "Cost: 1,000,000 VND" in str(event["DESCRIPTION"])


def test_geo_where_coordinates_are_known(plan: Plan, display: DisplayData) -> None:
    events = vevents(calendar_files(plan, display)["calendars/all.ics"])
    for e in plan.by_activity("dialogue"):
        geo = events[event_uid("tiny", e.event_id)].get("GEO")
        if e.commune_code == "00001":  # its hall has no coordinates; the commune has
            assert (geo.latitude, geo.longitude) == (18.67, 105.6)
        else:  # neither hall nor commune 00002 has coordinates
            assert geo is None


def test_valarm_only_when_asked(plan: Plan, display: DisplayData) -> None:
    state = advance_state(plan, display, {}, T1)
    plain = build_feeds(plan, display, state)[0].body
    with_alarm = build_feeds(plan, display, state, alarm=dt.timedelta(minutes=30))[
        0
    ].body
    assert b"BEGIN:VALARM" not in plain
    alarms = parse(with_alarm).walk("VALARM")
    assert len(alarms) == len(plan.events)
    assert {a["TRIGGER"].dt for a in alarms} == {-dt.timedelta(minutes=30)}


def test_ids_unsafe_in_file_names_are_escaped(plan: Plan, display: DisplayData) -> None:
    odd = dataclasses.replace(
        display, staff={"a/b c": display.staff["L1"], "Ngân": display.staff["L2"]}
    )
    names = [f.name for f in build_feeds(plan, odd, {}) if f.kind == "staff"]
    # "/" → %2F, " " → %20, "â" (C3 A2 in UTF-8) → %C3%A2; plain ids stay as they are
    assert names == ["staff-a%2Fb%20c", "staff-Ng%C3%A2n"]
    assert [f.name for f in build_feeds(plan, display, {}) if f.kind == "staff"] == [
        "staff-L1",
        "staff-L2",
        "staff-T1",
    ]


# ---------------------------------------------------------------- size limit


# (tests/test_privacy.py: past events only, else split by quarter)


# ---------------------------------------------------------------- display data, bundle


def test_display_data_round_trips_and_rejects_bad_files(display: DisplayData) -> None:
    assert DisplayData.from_json(display.to_json()) == display
    with pytest.raises(ValueError, match="schema_version"):
        DisplayData.from_json('{"schema_version": 99}')
    with pytest.raises(ValueError, match="missing or malformed"):
        DisplayData.from_json('{"schema_version": 1, "scenario": "x"}')


def test_plan_files_include_display_data_and_calendars(
    scenario: Scenario, plan: Plan
) -> None:
    files = plan_files(scenario, plan, today=plan.horizon_start, calendar_state=None)
    assert DisplayData.from_json(
        files["display.json"].decode()
    ) == DisplayData.from_scenario(scenario)
    assert {
        k: v for k, v in files.items() if k.startswith("calendars/")
    } == calendar_files(plan, DisplayData.from_scenario(scenario))


# ---------------------------------------------------------------- ical.js


def test_every_feed_parses_with_ical_js(
    plan: Plan, display: DisplayData, tmp_path: Path
) -> None:
    dropped = plan.by_activity("dialogue")[0]
    state = advance_state(plan, display, {}, T1)
    replanned = dataclasses.replace(
        plan, events=tuple(e for e in plan.events if e.event_id != dropped.event_id)
    )
    state = advance_state(replanned, display, state, T2)
    paths = []
    for feed in build_feeds(replanned, display, state, alarm=dt.timedelta(minutes=15)):
        paths.append(tmp_path / feed.filename)
        paths[-1].write_bytes(feed.body)
    parsed = node_parse(paths)
    by_uid = {event_uid("tiny", e.event_id): e for e in plan.events}
    for path in paths:
        ours = vevents(path.read_bytes())
        theirs = parsed[str(path)]
        assert theirs["zones"] == ["Asia/Ho_Chi_Minh"]
        assert theirs["refresh"] == "PT6H"
        assert theirs["ttl"] == "PT6H"
        assert (
            theirs["name"] == theirs["calname"] == str(parse(path.read_bytes())["NAME"])
        )
        assert sorted(e["uid"] for e in theirs["events"]) == sorted(ours)
        for e in theirs["events"]:
            event = by_uid[e["uid"]]
            assert e["summary"] == str(ours[e["uid"]]["SUMMARY"])
            assert e["description"] == str(ours[e["uid"]]["DESCRIPTION"])
            assert e["dtstamp"]["utc"]
            assert e["lastModified"]["utc"]
            if event.all_day:
                assert e["dtstart"]["isDate"]
                assert e["dtend"]["isDate"]
            else:
                assert e["dtstart"]["tzid"] == e["dtend"]["tzid"] == "Asia/Ho_Chi_Minh"
                # ical.js resolves the zone through our VTIMEZONE to the same instant
                assert e["startEpoch"] == int(event.start.timestamp())
            expected = ("CANCELLED", 1) if event is dropped else ("CONFIRMED", 0)
            assert (e["status"], e["sequence"]) == expected
