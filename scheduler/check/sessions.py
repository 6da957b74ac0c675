"""Sessions in communes: working half-days, commune free, venue fits, counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from scheduler.check.base import Checks, Facts, Findings, half_of


def check_sessions(facts: Facts) -> Findings:
    """Each session is on a configured half-day of a working day, its commune free.

    Its venue is in the commune and holds the attendees, and a commune hosts at
    most one session per half-day.
    """
    found = Findings()
    sc = facts.sc
    per_commune_half: dict[tuple[str | None, dt.date, str | None], list[str]] = (
        defaultdict(list)
    )
    for e in facts.of_kind("session"):
        spec = sc.activities[e.activity]
        half = half_of(sc, e)
        d = e.start.date()
        if half is None:
            found.bad(
                "half_day",
                [e.event_id],
                "times are not a configured half-day",
                "giờ không khớp buổi sáng hay buổi chiều đã khai báo",
            )
        if not facts.working(d):
            found.bad(
                "working_day",
                [e.event_id],
                f"{d} is not a working day",
                f"{d} không phải ngày làm việc",
            )
        if e.commune_code and facts.blocked("commune", e.commune_code, d, half):
            found.bad(
                "commune_blocked",
                [e.event_id],
                f"{e.commune_code} is blocked on {d}",
                f"xã {e.commune_code} bận ngày {d}",
            )
        v = facts.venues.get(e.venue_id or "")
        if v is None or v.commune_code != e.commune_code or v.capacity < spec.attendees:
            found.bad(
                "venue",
                [e.event_id],
                f"venue {e.venue_id} missing, elsewhere or too small",
                f"địa điểm {e.venue_id} không có, ở xã khác hoặc quá nhỏ",
            )
        per_commune_half[(e.commune_code, d, half)].append(e.event_id)
    for key, eids in per_commune_half.items():
        if len(eids) > 1:
            found.bad(
                "one_session_per_half_day",
                eids,
                f"{key[0]} hosts {len(eids)} sessions on {key[1]} {key[2]}",
                f"xã {key[0]} có {len(eids)} buổi vào {key[1]} {key[2]}",
            )
    return found


def check_session_counts(facts: Facts) -> Findings:
    """No commune holds more sessions of an activity than it requires."""
    found = Findings()
    done = Counter((e.activity, e.commune_code) for e in facts.of_kind("session"))
    for (act, code), n in done.items():
        need = facts.sc.required_count(act, code or "")
        if n > need:
            found.bad(
                "count",
                [],
                f"{act} in {code}: {n} held, {need} required",
                f"{act} ở xã {code}: tổ chức {n}, yêu cầu {need}",
            )
    return found


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = (
    (20, check_sessions),
    (50, check_session_counts),
)
