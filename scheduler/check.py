"""The independent checker: does a plan keep every hard rule of its scenario.

It reads only the scenario and the plan, recomputes working days, costs,
spending and staff loads on its own, and never imports the solver or the model,
so that it can prove what the solver returns (tests use it as the oracle).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from scheduler.calendar import public_holidays, quarter_key, week_key
from scheduler.plan import Event, Plan
from scheduler.scenario.schema import WEEKDAYS, Scenario
from scheduler.travel import arrives_in_time, base_of, overnight_cost, travel_between

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
        if lang == "en":
            head = f"[{self.rule}] {self.message}"
        else:
            rule = RULES_VI.get(self.rule, self.rule)
            head = f"[{rule}] {self.message_vi or self.message}"
        return head + (f" ({ids})" if ids else "")

    def __str__(self) -> str:
        return self.render("en")


def _half_of(scenario: Scenario, e: Event) -> str | None:
    cal = scenario.calendar
    t0, t1 = e.start.timetz().replace(tzinfo=None), e.end.timetz().replace(tzinfo=None)
    if (t0, t1) == (cal.morning.start, cal.morning.end):
        return "morning"
    if (t0, t1) == (cal.afternoon.start, cal.afternoon.end):
        return "afternoon"
    return None


def check_plan(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Check a plan against the hard rules of its scenario.

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan claims to solve.
    plan : Plan
        The plan (typically read back from ``plan.json``).

    Returns
    -------
    list of Violation
        Empty when every hard rule holds.
    """
    out: list[Violation] = []

    def bad(
        rule: str, events: list[str] | tuple[str, ...], message: str, vi: str
    ) -> None:
        out.append(Violation(rule, tuple(events), message, vi))

    sc = scenario
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

    def blocked(kind: str, ref: str, d: dt.date, half: str | None) -> bool:
        return any(
            b.kind == kind
            and b.ref == ref
            and b.start_date <= d <= b.end_date
            and (b.half is None or half is None or b.half == half)
            for b in sc.blocked
        )

    staff = {p.staff_id: p for p in sc.staff}
    venues = {v.venue_id: v for v in sc.venues}
    ids = Counter(e.event_id for e in plan.events)
    for eid, n in ids.items():
        if n > 1:
            bad(
                "unique_ids",
                [eid],
                f"event id used {n} times",
                f"mã sự kiện dùng {n} lần",
            )

    sessions = [e for e in plan.events if e.kind == "session"]
    broadcasts = [e for e in plan.events if e.kind == "broadcast"]
    classes = [e for e in plan.events if e.kind == "training"]

    for e in plan.events:
        spec = sc.activities.get(e.activity)
        if spec is None or spec.kind != e.kind:
            bad(
                "activity",
                [e.event_id],
                f"unknown activity '{e.activity}' of kind {e.kind}",
                f"không có hoạt động '{e.activity}' loại {e.kind}",
            )
            continue
        if e.start.utcoffset() != dt.timedelta(hours=7):
            bad(
                "time_zone",
                [e.event_id],
                "start is not in Asia/Ho_Chi_Minh (UTC+7)",
                "giờ bắt đầu không theo múi giờ Asia/Ho_Chi_Minh (UTC+7)",
            )
        lo = spec.window_start or h.start
        hi = spec.window_end or h.end
        if not (max(lo, h.start) <= e.start.date() and e.end.date() <= min(hi, h.end)):
            bad(
                "window",
                [e.event_id],
                f"{e.start.date()}–{e.end.date()} outside {lo}–{hi}",
                f"{e.start.date()}–{e.end.date()} nằm ngoài {lo}–{hi}",
            )
        if e.funding_source not in spec.funding_sources:
            bad(
                "funding_source",
                [e.event_id],
                f"{e.funding_source} may not pay for {e.activity}",
                f"nguồn {e.funding_source} không được chi cho {e.activity}",
            )
        # costs recomputed from the scenario, independently of scheduler.costs
        hq = sc.area.hq_venue
        n_staff = sum(spec.roles.values())
        if e.kind == "session":
            trip = 2 * travel_between(sc, hq, e.venue_id or "") if hq else 0
            expect = spec.cost_fixed_vnd + spec.attendees * spec.cost_per_attendee_vnd
            expect += n_staff * trip * spec.travel_vnd_per_minute
            expect += overnight_cost(sc, e.venue_id or "", n_staff)
        elif e.kind in ("broadcast", "publication"):
            expect = spec.cost_per_item_vnd
        else:
            trip = 2 * travel_between(sc, hq, spec.venue or "") if hq else 0
            expect = spec.cost_fixed_vnd + n_staff * trip * spec.travel_vnd_per_minute
            expect += (
                len(e.communes_served)
                * spec.trainees_per_commune
                * spec.duration_days
                * spec.cost_per_trainee_day_vnd
            )
        if e.cost_vnd != expect:
            bad(
                "cost",
                [e.event_id],
                f"cost {e.cost_vnd} VND, expected {expect}",
                f"kinh phí {e.cost_vnd} đồng, đúng ra là {expect}",
            )
        if e.kind != "broadcast":
            held = Counter(a.role for a in e.staff)
            for role, need in spec.roles.items():
                if held.get(role, 0) != need:
                    bad(
                        "roles",
                        [e.event_id],
                        f"role {role}: {held.get(role, 0)} of {need}",
                        f"vai trò {role}: {held.get(role, 0)} trên {need} người",
                    )
            if len({a.staff_id for a in e.staff}) != len(e.staff):
                bad(
                    "roles",
                    [e.event_id],
                    "one person fills two places",
                    "một người giữ hai chỗ",
                )
            for asg in e.staff:
                p = staff.get(asg.staff_id)
                if p is None or asg.role not in p.roles:
                    bad(
                        "roles",
                        [e.event_id],
                        f"{asg.staff_id} does not hold role {asg.role}",
                        f"{asg.staff_id} không giữ vai trò {asg.role}",
                    )
                for d in e.days:
                    if blocked(
                        "staff",
                        asg.staff_id,
                        d,
                        _half_of(sc, e) if e.kind == "session" else None,
                    ):
                        bad(
                            "staff_blocked",
                            [e.event_id],
                            f"{asg.staff_id} is blocked on {d}",
                            f"{asg.staff_id} bận ngày {d}",
                        )

    # sessions: working half-days, commune free, venue fits, one per commune half-day
    per_commune_half: dict[tuple[str | None, dt.date, str | None], list[str]] = (
        defaultdict(list)
    )
    for e in sessions:
        spec = sc.activities[e.activity]
        half = _half_of(sc, e)
        d = e.start.date()
        if half is None:
            bad(
                "half_day",
                [e.event_id],
                "times are not a configured half-day",
                "giờ không khớp buổi sáng hay buổi chiều đã khai báo",
            )
        if not working(d):
            bad(
                "working_day",
                [e.event_id],
                f"{d} is not a working day",
                f"{d} không phải ngày làm việc",
            )
        if e.commune_code and blocked("commune", e.commune_code, d, half):
            bad(
                "commune_blocked",
                [e.event_id],
                f"{e.commune_code} is blocked on {d}",
                f"xã {e.commune_code} bận ngày {d}",
            )
        v = venues.get(e.venue_id or "")
        if v is None or v.commune_code != e.commune_code or v.capacity < spec.attendees:
            bad(
                "venue",
                [e.event_id],
                f"venue {e.venue_id} missing, elsewhere or too small",
                f"địa điểm {e.venue_id} không có, ở xã khác hoặc quá nhỏ",
            )
        per_commune_half[(e.commune_code, d, half)].append(e.event_id)
    for key, eids in per_commune_half.items():
        if len(eids) > 1:
            bad(
                "one_session_per_half_day",
                eids,
                f"{key[0]} hosts {len(eids)} sessions on {key[1]} {key[2]}",
                f"xã {key[0]} có {len(eids)} buổi vào {key[1]} {key[2]}",
            )
    _check_spacing(sc, sessions, bad)
    done = Counter((e.activity, e.commune_code) for e in sessions)
    for (act, code), n in done.items():
        need = sc.required_count(act, code or "")
        if n > need:
            bad(
                "count",
                [],
                f"{act} in {code}: {n} held, {need} required",
                f"{act} ở xã {code}: tổ chức {n}, yêu cầu {need}",
            )

    # staff: one place at a time, travel between same-day events, weekly caps
    by_person: dict[str, list[Event]] = defaultdict(list)
    for e in plan.events:
        for asg in e.staff:
            by_person[asg.staff_id].append(e)
    for pid, evs in by_person.items():
        evs.sort(key=lambda e: e.start)
        _check_reach(sc, pid, evs, bad)
        for i, a in enumerate(evs):
            for b in evs[i + 1 :]:
                if b.start >= a.end + dt.timedelta(hours=24) and a.kind != "training":
                    break
                if b.start < a.end:
                    bad(
                        "double_booked",
                        [a.event_id, b.event_id],
                        f"{pid} is in two places",
                        f"{pid} ở hai nơi cùng lúc",
                    )
                elif b.start.date() == a.end.date():
                    need = travel_between(sc, a.venue_id or "", b.venue_id or "")
                    if (b.start - a.end).total_seconds() / 60 < need:
                        bad(
                            "travel",
                            [a.event_id, b.event_id],
                            f"{pid} needs {need} min to travel",
                            f"{pid} cần {need} phút đi đường",
                        )
        weekly = Counter(week_key(e.start.date()) for e in evs if e.kind == "session")
        cap = staff[pid].max_sessions_per_week if pid in staff else 0
        for week, n in weekly.items():
            if n > cap:
                bad(
                    "weekly_cap",
                    [],
                    f"{pid} has {n} sessions in {week}, cap {cap}",
                    f"{pid} có {n} buổi trong tuần {week}, tối đa {cap}",
                )
        day_cap = staff[pid].max_class_days_per_week if pid in staff else None
        if day_cap is not None:
            taught = Counter(
                week_key(d)
                for d in {d for e in evs if e.kind == "training" for d in e.days}
            )
            for week, n in taught.items():
                if n > day_cap:
                    bad(
                        "class_days_cap",
                        [
                            e.event_id
                            for e in evs
                            if e.kind == "training"
                            and any(week_key(d) == week for d in e.days)
                        ],
                        f"{pid} teaches {n} class days in {week}, cap {day_cap}",
                        f"{pid} dạy {n} ngày trong tuần {week}, tối đa {day_cap}",
                    )

    # broadcasts
    slots = {(s.commune_code, s.slot_id): s for s in sc.stations}
    by_station: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in broadcasts:
        spec = sc.activities[e.activity]
        slot = slots.get((e.commune_code or "", e.slot_id or ""))
        if (
            slot is None
            or slot.airtime_minutes < spec.minutes
            or e.start.timetz().replace(tzinfo=None) != slot.start
        ):
            bad(
                "station_slot",
                [e.event_id],
                f"slot {e.slot_id} unusable for {spec.minutes} min",
                f"khung giờ {e.slot_id} không dùng được cho {spec.minutes} phút",
            )
        if spec.days == "working_days" and not working(e.start.date()):
            bad(
                "working_day",
                [e.event_id],
                f"{e.start.date()} is not a working day",
                f"{e.start.date()} không phải ngày làm việc",
            )
        by_station[(e.activity, e.commune_code or "")].append(e)
    for (act, code), evs in by_station.items():
        spec = sc.activities[act]
        topics = [t.topic_id for t in sc.topics_for(act)]
        per_day = Counter(e.start.date() for e in evs)
        per_week = Counter(week_key(d) for d in [e.start.date() for e in evs])
        for d, n in per_day.items():
            if n > spec.max_per_day:
                bad(
                    "broadcast_per_day",
                    [],
                    f"{code}: {n} items on {d}",
                    f"xã {code}: {n} buổi phát ngày {d}",
                )
        for w, n in per_week.items():
            if n > spec.max_per_week:
                bad(
                    "broadcast_per_week",
                    [],
                    f"{code}: {n} items in {w}, cap {spec.max_per_week}",
                    f"xã {code}: {n} buổi phát trong tuần {w}, tối đa {spec.max_per_week}",
                )
        if len({(e.start.date(), e.slot_id) for e in evs}) != len(evs):
            bad(
                "broadcast_slot_twice",
                [],
                f"{code}: a slot is used twice on one day",
                f"xã {code}: một khung giờ dùng hai lần trong một ngày",
            )
        last_seen: dict[str | None, dt.date] = {}
        for e in sorted(evs, key=lambda e: e.start):
            if e.topic not in topics:
                bad(
                    "topic",
                    [e.event_id],
                    f"topic {e.topic} not allowed for {act}",
                    f"chủ đề {e.topic} không dành cho {act}",
                )
            d = e.start.date()
            prev = last_seen.get(e.topic)
            if prev is not None and (d - prev).days < spec.topic_gap_days:
                bad(
                    "topic_gap",
                    [e.event_id],
                    f"{code}: topic {e.topic} again after {(d - prev).days} days",
                    f"xã {code}: chủ đề {e.topic} lặp lại sau {(d - prev).days} ngày",
                )
            last_seen[e.topic] = d
        if spec.every_topic_per_quarter:
            quarters = {quarter_key(d) for d in _days(h.start, h.end)}
            for q in sorted(quarters):
                aired = {e.topic for e in evs if quarter_key(e.start.date()) == q}
                if set(topics) - aired:
                    bad(
                        "topic_per_quarter",
                        [],
                        f"{code}: {sorted(set(topics) - aired)} not aired in {q}",
                        f"xã {code}: {sorted(set(topics) - aired)} chưa phát trong {q}",
                    )
    for e in sessions:
        rule = sc.activities[e.activity].announce
        if rule is None or (rule.via, e.commune_code or "") not in _station_communes(
            sc, rule.via
        ):
            continue
        d = e.start.date()
        before = [
            b
            for b in by_station.get((rule.via, e.commune_code or ""), [])
            if 1 <= (d - b.start.date()).days <= rule.window_days
        ]
        if len(before) < rule.min_broadcasts:
            bad(
                "announce",
                [e.event_id],
                f"{len(before)} announcements, {rule.min_broadcasts} required",
                f"{len(before)} lần thông báo, yêu cầu {rule.min_broadcasts}",
            )

    # training
    trained_until: dict[tuple[str, str], dt.date] = {}
    per_venue: dict[str | None, list[Event]] = defaultdict(list)
    for e in classes:
        spec = sc.activities[e.activity]
        days = e.days
        if any(not working(d) for d in days) or len(days) != spec.duration_days:
            bad(
                "training_days",
                [e.event_id],
                f"{len(days)} days, not {spec.duration_days} working days in a row",
                f"{len(days)} ngày, không phải {spec.duration_days} ngày làm việc liền nhau",
            )
        cap = min(
            spec.class_size, venues[spec.venue].capacity if spec.venue in venues else 0
        )
        if (
            e.attendees != spec.trainees_per_commune * len(e.communes_served)
            or e.attendees > cap
        ):
            bad(
                "class_size",
                [e.event_id],
                f"{e.attendees} trainees, at most {cap}",
                f"{e.attendees} học viên, tối đa {cap}",
            )
        if e.venue_id != spec.venue:
            bad(
                "venue",
                [e.event_id],
                f"class at {e.venue_id}, not {spec.venue}",
                f"lớp ở {e.venue_id}, không phải {spec.venue}",
            )
        per_venue[e.venue_id].append(e)
        for c in e.communes_served:
            if (e.activity, c) in trained_until:
                bad(
                    "trained_twice",
                    [e.event_id],
                    f"{c} attends two classes",
                    f"xã {c} dự hai lớp",
                )
            trained_until[(e.activity, c)] = e.end.date()
    for evs in per_venue.values():
        evs.sort(key=lambda e: e.start)
        for a, b in itertools.pairwise(evs):
            if b.start < a.end:
                bad(
                    "venue_overlap",
                    [a.event_id, b.event_id],
                    "two classes at once",
                    "hai lớp cùng lúc",
                )
    for e in sessions:
        need_training = sc.activities[e.activity].requires_training
        if (
            need_training is None
            or sc.activities[need_training].trainees_per_commune == 0
        ):
            continue
        end = trained_until.get((need_training, e.commune_code or ""))
        if end is None or end >= e.start.date():
            bad(
                "trained_first",
                [e.event_id],
                f"{e.commune_code} not trained before {e.start.date()}",
                f"xã {e.commune_code} chưa được tập huấn trước {e.start.date()}",
            )

    _check_publications(
        sc, [e for e in plan.events if e.kind == "publication"], working, bad
    )

    # budget per source and quarter
    spent: dict[tuple[str | None, str], int] = defaultdict(int)
    for e in plan.events:
        spent[(e.funding_source, quarter_key(e.start.date()))] += e.cost_vnd
    budget_quarters = sorted({quarter_key(d) for d in _days(h.start, h.end)})
    for f in sc.funding:
        running_spent = running_allowed = 0
        for q in budget_quarters:
            allowance = f.allowance_vnd.get(q, 0)
            used = spent.get((f.id, q), 0)
            running_spent += used
            running_allowed += allowance
            if f.carry_over:
                if running_spent > running_allowed:
                    bad(
                        "budget",
                        [],
                        f"{f.id} up to {q}: {running_spent} VND > {running_allowed}",
                        f"{f.id} đến {q}: {running_spent} đồng > {running_allowed}",
                    )
            elif used > allowance:
                bad(
                    "budget",
                    [],
                    f"{f.id} {q}: {used} VND > {allowance}",
                    f"{f.id} {q}: {used} đồng > {allowance}",
                )

    # quarter targets and milestones
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
            bad(
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
            and (pin.half is None or _half_of(sc, e) == pin.half)
        ]
        if not hit:
            bad(
                "pin",
                [],
                f"{pin.activity} in {pin.commune} not held on {pin.date}",
                f"{pin.activity} ở xã {pin.commune} không diễn ra ngày {pin.date}",
            )
    return out


def _check_reach(
    sc: Scenario,
    pid: str,
    events: list[Event],
    bad: Callable[[str, list[str], str, str], None],
) -> None:
    """Flag each session a person cannot reach from their base by its start.

    Only with ``travel.leave_base_at``; a far venue reached by an overnight
    stay (``[travel.overnight]``) is always in reach (:func:`arrives_in_time`).
    """
    person = next((p for p in sc.staff if p.staff_id == pid), None)
    leave = sc.travel.leave_base_at
    if person is None or leave is None:
        return
    base = base_of(sc, person) or ""
    for e in events:
        venue = e.venue_id or ""
        if e.kind != "session" or arrives_in_time(sc, person, venue, e.start.time()):
            continue
        need = travel_between(sc, base, venue)
        bad(
            "reach",
            [e.event_id],
            f"{pid} leaves {base} at {leave:%H:%M} and needs {need} min to reach "
            f"{venue} by {e.start:%H:%M}",
            f"{pid} rời {base} lúc {leave:%H:%M}, cần {need} phút để đến {venue} "
            f"trước {e.start:%H:%M}",
        )


def _publication_period(period: str, d: dt.date) -> str:
    return f"{d.year}-{d.month:02d}" if period == "month" else quarter_key(d)


def _publication_quota(sc: Scenario, act: str, outlet: str, period: str) -> int:
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
    year = int(period[:4])
    if "Q" in period:
        first_month = (int(period[6:]) - 1) * 3 + 1
        first = dt.date(year, first_month, 1)
        last = (
            dt.date(year + 1, 1, 1)
            if first_month == 10
            else dt.date(year, first_month + 3, 1)
        ) - dt.timedelta(days=1)
    else:
        month = int(period[5:])
        first = dt.date(year, month, 1)
        last = (
            dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        ) - dt.timedelta(days=1)
    covered = max((min(hi, last) - max(lo, first)).days + 1, 0)
    return per * covered // ((last - first).days + 1)


def _check_publications(
    sc: Scenario,
    items: list[Event],
    working: Callable[[dt.date], bool],
    bad: Callable[[str, list[str], str, str], None],
) -> None:
    """Publications: no commune, venue or staff; outlet, working day, deadline, quota."""
    per_period: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for e in items:
        spec = sc.activities[e.activity]
        d = e.start.date()
        if e.commune_code is not None or e.venue_id is not None or e.staff:
            bad(
                "publication_place",
                [e.event_id],
                "a publication has no commune, venue or staff",
                "bài đăng không gắn với xã, địa điểm hay cán bộ",
            )
        if e.slot_id not in {o.id for o in spec.outlets}:
            bad(
                "outlet",
                [e.event_id],
                f"'{e.slot_id}' is not an outlet of {e.activity}",
                f"'{e.slot_id}' không phải cơ quan báo chí của {e.activity}",
            )
            continue
        if not working(d):
            bad(
                "working_day",
                [e.event_id],
                f"{d} is not a working day",
                f"{d} không phải ngày làm việc",
            )
        if spec.deadline is not None and d > spec.deadline:
            bad(
                "deadline",
                [e.event_id],
                f"{d} is after the deadline {spec.deadline}",
                f"{d} sau hạn chót {spec.deadline}",
            )
        per_period[(e.activity, e.slot_id, _publication_period(spec.period, d))].append(
            e.event_id
        )
    for (act, outlet, period), eids in sorted(per_period.items()):
        quota = _publication_quota(sc, act, outlet, period)
        if len(eids) > quota:
            bad(
                "publication_quota",
                eids,
                f"{act} in {outlet} {period}: {len(eids)} items, quota {quota}",
                f"{act} trên {outlet} kỳ {period}: {len(eids)} bài, định mức {quota}",
            )


def _check_spacing(
    sc: Scenario,
    sessions: list[Event],
    bad: Callable[[str, list[str], str, str], None],
) -> None:
    """Name every two sessions of an activity in a commune closer than ``min_gap_days``."""
    by_item: dict[tuple[str, str | None], list[Event]] = defaultdict(list)
    for e in sessions:
        if sc.activities[e.activity].min_gap_days > 0:
            by_item[(e.activity, e.commune_code)].append(e)
    for (act, code), evs in sorted(by_item.items(), key=lambda kv: str(kv[0])):
        gap = sc.activities[act].min_gap_days
        evs.sort(key=lambda e: (e.start, e.event_id))
        for a, b in itertools.pairwise(evs):
            apart = (b.start.date() - a.start.date()).days
            if apart < gap:
                bad(
                    "min_gap",
                    [a.event_id, b.event_id],
                    f"{act} in {code}: sessions {apart} day(s) apart, "
                    f"at least {gap} required",
                    f"{act} ở xã {code}: hai buổi cách nhau {apart} ngày, "
                    f"cần ít nhất {gap} ngày",
                )


def _days(a: dt.date, b: dt.date) -> list[dt.date]:
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


def _station_communes(sc: Scenario, act: str) -> set[tuple[str, str]]:
    minutes = sc.activities[act].minutes
    return {(act, s.commune_code) for s in sc.stations if s.airtime_minutes >= minutes}
