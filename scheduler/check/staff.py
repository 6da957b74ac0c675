"""People: the right holders in every place, free, in one place at a time, within caps."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from scheduler.calendar import week_key
from scheduler.check.base import Checks, Facts, Findings, half_of
from scheduler.plan import Event
from scheduler.scenario.schema import ActivitySpec
from scheduler.travel import travel_between


def check_places(facts: Facts, e: Event, spec: ActivitySpec, found: Findings) -> None:
    """Each role of an event has its number of holders, each free on its days."""
    held = Counter(a.role for a in e.staff)
    for role, need in spec.roles.items():
        if held.get(role, 0) != need:
            found.bad(
                "roles",
                [e.event_id],
                f"role {role}: {held.get(role, 0)} of {need}",
                f"vai trò {role}: {held.get(role, 0)} trên {need} người",
            )
    if len({a.staff_id for a in e.staff}) != len(e.staff):
        found.bad(
            "roles",
            [e.event_id],
            "one person fills two places",
            "một người giữ hai chỗ",
        )
    half = half_of(facts.sc, e) if e.kind == "session" else None
    for asg in e.staff:
        p = facts.staff.get(asg.staff_id)
        if p is None or asg.role not in p.roles:
            found.bad(
                "roles",
                [e.event_id],
                f"{asg.staff_id} does not hold role {asg.role}",
                f"{asg.staff_id} không giữ vai trò {asg.role}",
            )
        for d in e.days:
            if facts.blocked("staff", asg.staff_id, d, half):
                found.bad(
                    "staff_blocked",
                    [e.event_id],
                    f"{asg.staff_id} is blocked on {d}",
                    f"{asg.staff_id} bận ngày {d}",
                )


def check_staff(facts: Facts) -> Findings:
    """Each person is in one place at a time, has time to travel, keeps weekly caps."""
    found = Findings()
    by_person: dict[str, list[Event]] = defaultdict(list)
    for e in facts.plan.events:
        for asg in e.staff:
            by_person[asg.staff_id].append(e)
    for pid, evs in by_person.items():
        evs.sort(key=lambda e: e.start)
        _check_overlaps(facts, pid, evs, found)
        _check_caps(facts, pid, evs, found)
    return found


def _check_overlaps(facts: Facts, pid: str, evs: list[Event], found: Findings) -> None:
    """Two events of a person do not overlap; on one day, the travel fits between."""
    for i, a in enumerate(evs):
        for b in evs[i + 1 :]:
            if b.start >= a.end + dt.timedelta(hours=24) and a.kind != "training":
                break
            if b.start < a.end:
                found.bad(
                    "double_booked",
                    [a.event_id, b.event_id],
                    f"{pid} is in two places",
                    f"{pid} ở hai nơi cùng lúc",
                )
            elif b.start.date() == a.end.date():
                need = travel_between(facts.sc, a.venue_id or "", b.venue_id or "")
                if (b.start - a.end).total_seconds() / 60 < need:
                    found.bad(
                        "travel",
                        [a.event_id, b.event_id],
                        f"{pid} needs {need} min to travel",
                        f"{pid} cần {need} phút đi đường",
                    )


def _check_caps(facts: Facts, pid: str, evs: list[Event], found: Findings) -> None:
    """Sessions per week and class days per week stay within the person's caps."""
    person = facts.staff.get(pid)
    weekly = Counter(week_key(e.start.date()) for e in evs if e.kind == "session")
    cap = person.max_sessions_per_week if person else 0
    for week, n in weekly.items():
        if n > cap:
            found.bad(
                "weekly_cap",
                [],
                f"{pid} has {n} sessions in {week}, cap {cap}",
                f"{pid} có {n} buổi trong tuần {week}, tối đa {cap}",
            )
    day_cap = person.max_class_days_per_week if person else None
    if day_cap is None:
        return
    taught = Counter(
        week_key(d) for d in {d for e in evs if e.kind == "training" for d in e.days}
    )
    for week, n in taught.items():
        if n > day_cap:
            found.bad(
                "class_days_cap",
                [
                    e.event_id
                    for e in evs
                    if e.kind == "training" and any(week_key(d) == week for d in e.days)
                ],
                f"{pid} teaches {n} class days in {week}, cap {day_cap}",
                f"{pid} dạy {n} ngày trong tuần {week}, tối đa {day_cap}",
            )


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = ((60, check_staff),)
