"""Publications: no commune, venue or staff; an outlet, a working day, the deadline, quotas."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from scheduler.calendar import quarter_key
from scheduler.check.base import Checks, Facts, Findings
from scheduler.scenario.schema import Scenario


def check_publications(facts: Facts) -> Findings:
    """Each item is in an outlet of its activity on a working day by the deadline.

    Each outlet carries at most its quota per period.
    """
    found = Findings()
    sc = facts.sc
    per_period: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for e in facts.of_kind("publication"):
        spec = sc.activities[e.activity]
        d = e.start.date()
        if e.commune_code is not None or e.venue_id is not None or e.staff:
            found.bad(
                "publication_place",
                [e.event_id],
                "a publication has no commune, venue or staff",
                "bài đăng không gắn với xã, địa điểm hay cán bộ",
            )
        if e.slot_id not in {o.id for o in spec.outlets}:
            found.bad(
                "outlet",
                [e.event_id],
                f"'{e.slot_id}' is not an outlet of {e.activity}",
                f"'{e.slot_id}' không phải cơ quan báo chí của {e.activity}",
            )
            continue
        if not facts.working(d):
            found.bad(
                "working_day",
                [e.event_id],
                f"{d} is not a working day",
                f"{d} không phải ngày làm việc",
            )
        if spec.deadline is not None and d > spec.deadline:
            found.bad(
                "deadline",
                [e.event_id],
                f"{d} is after the deadline {spec.deadline}",
                f"{d} sau hạn chót {spec.deadline}",
            )
        per_period[(e.activity, e.slot_id, _period_of(spec.period, d))].append(
            e.event_id
        )
    for (act, outlet, period), eids in sorted(per_period.items()):
        quota = _quota(sc, act, outlet, period)
        if len(eids) > quota:
            found.bad(
                "publication_quota",
                eids,
                f"{act} in {outlet} {period}: {len(eids)} items, quota {quota}",
                f"{act} trên {outlet} kỳ {period}: {len(eids)} bài, định mức {quota}",
            )
    return found


def _period_of(period: str, d: dt.date) -> str:
    return f"{d.year}-{d.month:02d}" if period == "month" else quarter_key(d)


def _quota(sc: Scenario, act: str, outlet: str, period: str) -> int:
    """Return an outlet's quota in a period, pro rata for a part the window covers."""
    spec = sc.activities[act]
    per = next(
        (
            o.per_period
            for o in spec.outlets
            if o.id == outlet and o.per_period is not None
        ),
        spec.per_period,
    )
    lo = max(spec.window_start or sc.horizon.start, sc.horizon.start)
    hi = min(spec.window_end or sc.horizon.end, sc.horizon.end)
    first, last = _period_bounds(period)
    covered = max((min(hi, last) - max(lo, first)).days + 1, 0)
    return per * covered // ((last - first).days + 1)


def _period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a period key (``2023-07`` or ``2023-Q3``)."""
    year = int(period[:4])
    if "Q" in period:
        first_month = (int(period[6:]) - 1) * 3 + 1
        first = dt.date(year, first_month, 1)
        last = (
            dt.date(year + 1, 1, 1)
            if first_month == 10
            else dt.date(year, first_month + 3, 1)
        ) - dt.timedelta(days=1)
        return first, last
    month = int(period[5:])
    first = dt.date(year, month, 1)
    last = (
        dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    ) - dt.timedelta(days=1)
    return first, last


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = ((120, check_publications),)
