"""Rules every event keeps, whatever its kind: ids, activity, time, source, cost, places."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from scheduler.check.base import Checks, Facts, Findings
from scheduler.check.budget import check_cost
from scheduler.check.staff import check_places
from scheduler.plan import Event


def check_events(facts: Facts) -> Findings:
    """Check every event on its own, in plan order.

    Event ids are unique; each event belongs to a known activity of its kind,
    starts in UTC+7 inside the activity's window and the horizon, is paid by a
    source its activity may use at the cost the scenario gives, and (except a
    broadcast) has the right people in its places.
    """
    found = Findings()
    ids = Counter(e.event_id for e in facts.plan.events)
    for eid, n in ids.items():
        if n > 1:
            found.bad(
                "unique_ids",
                [eid],
                f"event id used {n} times",
                f"mã sự kiện dùng {n} lần",
            )
    for e in facts.plan.events:
        _check_event(facts, e, found)
    return found


def _check_event(facts: Facts, e: Event, found: Findings) -> None:
    sc, h = facts.sc, facts.sc.horizon
    spec = sc.activities.get(e.activity)
    if spec is None or spec.kind != e.kind:
        found.bad(
            "activity",
            [e.event_id],
            f"unknown activity '{e.activity}' of kind {e.kind}",
            f"không có hoạt động '{e.activity}' loại {e.kind}",
        )
        return
    if e.start.utcoffset() != dt.timedelta(hours=7):
        found.bad(
            "time_zone",
            [e.event_id],
            "start is not in Asia/Ho_Chi_Minh (UTC+7)",
            "giờ bắt đầu không theo múi giờ Asia/Ho_Chi_Minh (UTC+7)",
        )
    lo = spec.window_start or h.start
    hi = spec.window_end or h.end
    if not (max(lo, h.start) <= e.start.date() and e.end.date() <= min(hi, h.end)):
        found.bad(
            "window",
            [e.event_id],
            f"{e.start.date()}–{e.end.date()} outside {lo}–{hi}",
            f"{e.start.date()}–{e.end.date()} nằm ngoài {lo}–{hi}",
        )
    if e.funding_source not in spec.funding_sources:
        found.bad(
            "funding_source",
            [e.event_id],
            f"{e.funding_source} may not pay for {e.activity}",
            f"nguồn {e.funding_source} không được chi cho {e.activity}",
        )
    check_cost(sc, e, spec, found)
    if e.kind != "broadcast":
        check_places(facts, e, spec, found)


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = ((10, check_events),)
