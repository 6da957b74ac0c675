"""Order in time: announcements before sessions, training first, targets, pinned dates."""

from __future__ import annotations

import math

from scheduler.check.base import Checks, Facts, Findings, half_of
from scheduler.check.broadcasts import broadcasts_by_station
from scheduler.check.training import trained_until


def check_announcements(facts: Facts) -> Findings:
    """Check that a session with ``announce`` follows enough items on the station.

    Communes without a usable station slot are exempt.
    """
    found = Findings()
    sc = facts.sc
    by_station = broadcasts_by_station(facts)
    for e in facts.of_kind("session"):
        rule = sc.activities[e.activity].announce
        if rule is None or not _has_station(facts, rule.via, e.commune_code or ""):
            continue
        d = e.start.date()
        before = [
            b
            for b in by_station.get((rule.via, e.commune_code or ""), [])
            if 1 <= (d - b.start.date()).days <= rule.window_days
        ]
        if len(before) < rule.min_broadcasts:
            found.bad(
                "announce",
                [e.event_id],
                f"{len(before)} announcements, {rule.min_broadcasts} required",
                f"{len(before)} lần thông báo, yêu cầu {rule.min_broadcasts}",
            )
    return found


def _has_station(facts: Facts, act: str, code: str) -> bool:
    """Whether a commune has a station slot long enough for a broadcast activity."""
    minutes = facts.sc.activities[act].minutes
    return any(
        s.commune_code == code and s.airtime_minutes >= minutes
        for s in facts.sc.stations
    )


def check_trained_first(facts: Facts) -> Findings:
    """Check that a session needing training comes after its commune's class."""
    found = Findings()
    sc = facts.sc
    until = trained_until(facts)
    for e in facts.of_kind("session"):
        need_training = sc.activities[e.activity].requires_training
        if (
            need_training is None
            or sc.activities[need_training].trainees_per_commune == 0
        ):
            continue
        end = until.get((need_training, e.commune_code or ""))
        if end is None or end >= e.start.date():
            found.bad(
                "trained_first",
                [e.event_id],
                f"{e.commune_code} not trained before {e.start.date()}",
                f"xã {e.commune_code} chưa được tập huấn trước {e.start.date()}",
            )
    return found


def check_targets_and_pins(facts: Facts) -> Findings:
    """Quarter targets are met by their dates; every pinned session is where pinned."""
    found = Findings()
    sc = facts.sc
    sessions = facts.of_kind("session")
    for t in sc.targets:
        required = sum(
            sc.required_count(t.activity, c.commune_code)
            for c in sc.communes_for(t.activity)
        )
        need = math.ceil(t.min_fraction * required - 1e-9)
        held_count = sum(
            1 for e in sessions if e.activity == t.activity and e.start.date() <= t.by
        )
        if held_count < need:
            found.bad(
                "target",
                [],
                f"{t.activity}: {held_count} by {t.by}, target {need}",
                f"{t.activity}: {held_count} đến {t.by}, chỉ tiêu {need}",
            )
    for pin in sc.pins:
        hit = [
            e
            for e in sessions
            if e.activity == pin.activity
            and e.commune_code == pin.commune
            and e.start.date() == pin.date
            and (pin.half is None or half_of(sc, e) == pin.half)
        ]
        if not hit:
            found.bad(
                "pin",
                [],
                f"{pin.activity} in {pin.commune} not held on {pin.date}",
                f"{pin.activity} ở xã {pin.commune} không diễn ra ngày {pin.date}",
            )
    return found


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = (
    (90, check_announcements),
    (110, check_trained_first),
    (140, check_targets_and_pins),
)
