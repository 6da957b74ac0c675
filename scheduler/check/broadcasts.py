"""Programmes on commune loudspeaker stations: slots, caps per day and week, topics."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from scheduler.calendar import quarter_key, week_key
from scheduler.check.base import Checks, Facts, Findings, days_between
from scheduler.plan import Event


def broadcasts_by_station(facts: Facts) -> dict[tuple[str, str], list[Event]]:
    """Return the plan's broadcasts per (activity, commune), in plan order."""
    by_station: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in facts.of_kind("broadcast"):
        by_station[(e.activity, e.commune_code or "")].append(e)
    return by_station


def check_broadcasts(facts: Facts) -> Findings:
    """Each item fits its station's slot on an allowed day; each station keeps its caps."""
    found = Findings()
    sc = facts.sc
    slots = {(s.commune_code, s.slot_id): s for s in sc.stations}
    for e in facts.of_kind("broadcast"):
        spec = sc.activities[e.activity]
        slot = slots.get((e.commune_code or "", e.slot_id or ""))
        if (
            slot is None
            or slot.airtime_minutes < spec.minutes
            or e.start.timetz().replace(tzinfo=None) != slot.start
        ):
            found.bad(
                "station_slot",
                [e.event_id],
                f"slot {e.slot_id} unusable for {spec.minutes} min",
                f"khung giờ {e.slot_id} không dùng được cho {spec.minutes} phút",
            )
        if spec.days == "working_days" and not facts.working(e.start.date()):
            found.bad(
                "working_day",
                [e.event_id],
                f"{e.start.date()} is not a working day",
                f"{e.start.date()} không phải ngày làm việc",
            )
    for (act, code), evs in broadcasts_by_station(facts).items():
        _check_station_caps(facts, act, code, evs, found)
        _check_topics(facts, act, code, evs, found)
    return found


def _check_station_caps(
    facts: Facts, act: str, code: str, evs: list[Event], found: Findings
) -> None:
    """At most ``max_per_day`` and ``max_per_week`` items; a slot once a day."""
    spec = facts.sc.activities[act]
    per_day = Counter(e.start.date() for e in evs)
    per_week = Counter(week_key(d) for d in [e.start.date() for e in evs])
    for d, n in per_day.items():
        if n > spec.max_per_day:
            found.bad(
                "broadcast_per_day",
                [],
                f"{code}: {n} items on {d}",
                f"xã {code}: {n} buổi phát ngày {d}",
            )
    for w, n in per_week.items():
        if n > spec.max_per_week:
            found.bad(
                "broadcast_per_week",
                [],
                f"{code}: {n} items in {w}, cap {spec.max_per_week}",
                f"xã {code}: {n} buổi phát trong tuần {w}, tối đa {spec.max_per_week}",
            )
    if len({(e.start.date(), e.slot_id) for e in evs}) != len(evs):
        found.bad(
            "broadcast_slot_twice",
            [],
            f"{code}: a slot is used twice on one day",
            f"xã {code}: một khung giờ dùng hai lần trong một ngày",
        )


def _check_topics(
    facts: Facts, act: str, code: str, evs: list[Event], found: Findings
) -> None:
    """Check topics: allowed ones, ``topic_gap_days`` apart, each one every quarter."""
    sc, h = facts.sc, facts.sc.horizon
    spec = sc.activities[act]
    topics = [t.topic_id for t in sc.topics_for(act)]
    last_seen: dict[str | None, dt.date] = {}
    for e in sorted(evs, key=lambda e: e.start):
        if e.topic not in topics:
            found.bad(
                "topic",
                [e.event_id],
                f"topic {e.topic} not allowed for {act}",
                f"chủ đề {e.topic} không dành cho {act}",
            )
        d = e.start.date()
        prev = last_seen.get(e.topic)
        if prev is not None and (d - prev).days < spec.topic_gap_days:
            found.bad(
                "topic_gap",
                [e.event_id],
                f"{code}: topic {e.topic} again after {(d - prev).days} days",
                f"xã {code}: chủ đề {e.topic} lặp lại sau {(d - prev).days} ngày",
            )
        last_seen[e.topic] = d
    if not spec.every_topic_per_quarter:
        return
    quarters = {quarter_key(d) for d in days_between(h.start, h.end)}
    for q in sorted(quarters):
        aired = {e.topic for e in evs if quarter_key(e.start.date()) == q}
        if set(topics) - aired:
            found.bad(
                "topic_per_quarter",
                [],
                f"{code}: {sorted(set(topics) - aired)} not aired in {q}",
                f"xã {code}: {sorted(set(topics) - aired)} chưa phát trong {q}",
            )


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = ((80, check_broadcasts),)
