"""What every family of the checker shares: findings, and the scenario's facts.

The facts (working days, blocked periods, staff and venues by id, the plan's
events by kind) are recomputed here from the scenario alone, never taken from
the solver or the model.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.calendar import public_holidays
from scheduler.i18n import pick
from scheduler.plan import Event, Plan
from scheduler.scenario.schema import WEEKDAYS, Scenario, Staff, Venue

# The hard rules in Vietnamese words (the English name is the rule id).
RULES_VI = {
    "unique_ids": "mã sự kiện trùng",
    "activity": "hoạt động",
    "time_zone": "múi giờ",
    "window": "khoảng thời gian",
    "funding_source": "nguồn kinh phí",
    "cost": "kinh phí",
    "roles": "vai trò",
    "staff_blocked": "cán bộ bận",
    "half_day": "buổi",
    "working_day": "ngày làm việc",
    "commune_blocked": "xã bận",
    "venue": "địa điểm",
    "one_session_per_half_day": "một buổi mỗi xã mỗi buổi",
    "count": "số buổi",
    "double_booked": "trùng lịch",
    "travel": "đi đường",
    "reach": "kịp đến từ nơi xuất phát",
    "weekly_cap": "số buổi mỗi tuần",
    "class_days_cap": "số ngày dạy mỗi tuần",
    "station_slot": "khung giờ phát",
    "broadcast_per_day": "số buổi phát mỗi ngày",
    "broadcast_per_week": "số buổi phát mỗi tuần",
    "broadcast_slot_twice": "khung giờ dùng hai lần",
    "topic": "chủ đề",
    "topic_gap": "khoảng cách chủ đề",
    "topic_per_quarter": "chủ đề mỗi quý",
    "announce": "thông báo trước",
    "training_days": "ngày tập huấn",
    "class_size": "sĩ số lớp",
    "trained_twice": "tập huấn hai lần",
    "venue_overlap": "trùng hội trường",
    "trained_first": "tập huấn trước",
    "budget": "kinh phí theo quý",
    "target": "chỉ tiêu",
    "pin": "mốc cố định",
    "home_commune": "cán bộ xã",
    "shared_districts": "các huyện",
    "shared_budget": "kinh phí chung của tỉnh",
    "shared_trainer_overlap": "giảng viên tỉnh trùng lịch",
    "shared_trainer_week": "số ngày của giảng viên tỉnh",
    "shared_trainer_blocked": "giảng viên tỉnh bận",
}


@dataclass(frozen=True)
class Violation:
    """One broken hard rule, said in English (``message``) and Vietnamese."""

    rule: str
    events: tuple[str, ...]
    message: str
    message_vi: str = ""

    def render(self, lang: str = "vi") -> str:
        """Return the violation in one language, with up to five event ids."""
        ids = ", ".join(self.events[:5]) + (" …" if len(self.events) > 5 else "")
        rule = pick(lang, RULES_VI.get(self.rule, self.rule), self.rule)
        message = pick(lang, self.message_vi or self.message, self.message)
        head = f"[{rule}] {message}"
        return head + (f" ({ids})" if ids else "")

    def __str__(self) -> str:
        return self.render("en")


class Findings(list[Violation]):
    """The violations one family finds, in the order it finds them."""

    def bad(
        self, rule: str, events: list[str] | tuple[str, ...], message: str, vi: str
    ) -> None:
        """Record that ``rule`` is broken by ``events`` (English, then Vietnamese)."""
        self.append(Violation(rule, tuple(events), message, vi))


Checker = Callable[["Facts"], Findings]
# What a check/<family>.py declares: its checkers, each with its place in the
# report (check_plan sorts by it; tests pin the order people read findings in).
Checks = tuple[tuple[int, Checker], ...]


def checks_in(package: str) -> tuple[Checker, ...]:
    """Return the checkers the modules of a package declare, in report order.

    Every module of ``package`` that has a ``CHECKS`` (:data:`Checks`) takes
    part; no list is kept by hand, so a new ``check/<family>.py`` is composed
    by declaring its place.

    Parameters
    ----------
    package : str
        The dotted name of the package (``scheduler.check``).

    Returns
    -------
    tuple of Checker
        The checkers sorted by their declared place.

    Raises
    ------
    ValueError
        When two checkers claim the same place (the order would be ambiguous).
    """
    placed: dict[int, Checker] = {}
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        checks: Checks = getattr(module, "CHECKS", ())
        for place, checker in checks:
            if place in placed:
                other = placed[place].__qualname__
                raise ValueError(
                    f"{checker.__qualname__} and {other} both claim place {place}"
                )
            placed[place] = checker
    return tuple(placed[place] for place in sorted(placed))


@dataclass
class Facts:
    """The scenario's facts a family checks a plan against.

    Attributes
    ----------
    sc : Scenario
        The scenario.
    plan : Plan
        The plan under check.
    working : callable
        Whether a date is a working day (holidays, weekend, make-up days).
    staff, venues : dict
        Staff members and venues by id.
    """

    sc: Scenario
    plan: Plan
    working: Callable[[dt.date], bool]
    staff: dict[str, Staff]
    venues: dict[str, Venue]
    by_kind: dict[str, list[Event]] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Event]:
        """Return the plan's events of one kind, in plan order."""
        return self.by_kind.get(kind, [])

    def blocked(self, kind: str, ref: str, d: dt.date, half: str | None) -> bool:
        """Whether a commune or a person (``kind``) is blocked on a (half-)day."""
        return any(
            b.kind == kind
            and b.ref == ref
            and b.start_date <= d <= b.end_date
            and (b.half is None or half is None or b.half == half)
            for b in self.sc.blocked
        )


def facts_of(sc: Scenario, plan: Plan) -> Facts:
    """Recompute the facts of a scenario (and index the plan's events by kind)."""
    h = sc.horizon
    names, makeup = public_holidays(
        sc.calendar.country_holidays, range(h.start.year, h.end.year + 1)
    )
    holidays = set(names) | set(sc.calendar.extra_holidays)
    makeup |= set(sc.calendar.extra_working_days)
    weekend = {WEEKDAYS.index(w) for w in sc.calendar.weekend}

    def working(d: dt.date) -> bool:
        if d in holidays:
            return False
        return d in makeup or d.weekday() not in weekend

    by_kind: dict[str, list[Event]] = {}
    for e in plan.events:
        by_kind.setdefault(e.kind, []).append(e)
    return Facts(
        sc=sc,
        plan=plan,
        working=working,
        staff={p.staff_id: p for p in sc.staff},
        venues={v.venue_id: v for v in sc.venues},
        by_kind=by_kind,
    )


def half_of(scenario: Scenario, e: Event) -> str | None:
    """Return ``morning`` or ``afternoon`` for a session's times, else None."""
    cal = scenario.calendar
    t0, t1 = e.start.timetz().replace(tzinfo=None), e.end.timetz().replace(tzinfo=None)
    if (t0, t1) == (cal.morning.start, cal.morning.end):
        return "morning"
    if (t0, t1) == (cal.afternoon.start, cal.afternoon.end):
        return "afternoon"
    return None


def days_between(a: dt.date, b: dt.date) -> list[dt.date]:
    """Return every date from ``a`` to ``b``, both included."""
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]
