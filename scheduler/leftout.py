"""Which limit kept a required item out of a plan, said with its numbers.

A plan that leaves a required session, a commune's training or a month's
broadcast items out says why in the planner's words: which funding source
and quarter has too little money left, which role has nobody free, which
blocked period covers the commune's days. Every statement is about the plan
as it is ("with the rest of the plan as it is"): it is read off the plan's
events, not proven for every other plan; ``scheduler explain --plan`` proves
what holding the item would take.

No solver objects here: the functions read a scenario, its grid and events.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from scheduler.calendar import (
    HALVES,
    Session,
    TimeGrid,
    half_of,
    month_key,
    quarter_key,
    week_key,
)
from scheduler.costs import (
    broadcast_cost,
    session_cost,
    session_venue,
    training_class_cost,
)
from scheduler.i18n import quarter, vnd
from scheduler.officials import commune_roles, serving
from scheduler.plan import Event, Plan
from scheduler.scenario.schema import Scenario

Text = tuple[str, str]  # (Vietnamese, English)
T = TypeVar("T")

# the last plan's facts, kept with the objects they were computed from: one
# plan's left-out items are explained one after another from the same events
_LAST: dict[str, tuple[Scenario, Sequence[Event], Any]] = {}


def _cached(
    kind: str, sc: Scenario, events: Sequence[Event], make: Callable[[], T]
) -> T:
    hit = _LAST.get(kind)
    if hit is not None and hit[0] is sc and hit[1] is events:
        return hit[2]  # type: ignore[no-any-return]
    value = make()
    _LAST[kind] = (sc, events, value)
    return value


def money_left(
    sc: Scenario, grid: TimeGrid, events: Iterable[Event]
) -> dict[tuple[str, str], int]:
    """Return what each source could still pay in each quarter, the plan as it is.

    Without carry-over: the quarter's allowance less its spending. With
    carry-over, money spent in a quarter also counts against every later
    quarter's running total, so what an extra event in quarter ``q`` may use
    is the smallest running balance from ``q`` on.
    """
    spent: dict[tuple[str | None, str], int] = defaultdict(int)
    for e in events:
        spent[(e.funding_source, quarter_key(e.start.date()))] += e.cost_vnd
    out: dict[tuple[str, str], int] = {}
    for f in sc.funding:
        if not f.carry_over:
            for q in grid.quarters:
                out[(f.id, q)] = f.allowance_vnd.get(q, 0) - spent[(f.id, q)]
            continue
        running, balance = 0, []
        for q in grid.quarters:
            running += f.allowance_vnd.get(q, 0) - spent[(f.id, q)]
            balance.append(running)
        for i, q in enumerate(grid.quarters):
            out[(f.id, q)] = min(balance[i:])
    return out


def _money_text(
    sc: Scenario, sources: Sequence[str], quarters: Sequence[str], cost: int,
    left: dict[tuple[str, str], int], what_vi: str, what_en: str,
) -> Text:  # fmt: skip
    """Say that no source has the cost left in any of the quarters."""
    funding = {f.id: f for f in sc.funding}
    parts_vi, parts_en = [], []
    for f in sources:
        if f not in funding:
            continue
        for q in quarters:
            money = max(left.get((f, q), 0), 0)
            parts_vi.append(
                f"{funding[f].name_vi} {quarter(q, in_sentence=True)} còn {vnd(money, 'vi')}"
            )
            parts_en.append(f"{funding[f].name_en} {q} has {vnd(money, 'en')} left")
    return (
        f"kinh phí: {what_vi} cần {vnd(cost, 'vi')}, nhưng (giữ nguyên phần còn lại "
        f"của kế hoạch) " + "; ".join(parts_vi),
        f"budget: {what_en} costs {vnd(cost, 'en')}, but (the rest of the plan as "
        f"it is) " + "; ".join(parts_en),
    )


def _blocked_periods(sc: Scenario, code: str, lo: dt.date, hi: dt.date) -> str:
    """Return a commune's blocked periods that meet two dates, with their reasons."""
    return ", ".join(
        f"{b.start_date:%d/%m}–{b.end_date:%d/%m}" + (f" ({b.reason})" if b.reason else "")
        for b in sc.blocked
        if b.kind == "commune" and b.ref == code and b.end_date >= lo and b.start_date <= hi
    )  # fmt: skip


def _blocked_text(sc: Scenario, code: str, lo: dt.date, hi: dt.date) -> Text:
    """Say that the commune has no free working half-day between two dates."""
    name = sc.commune(code).commune_name
    listed = _blocked_periods(sc, code, lo, hi)
    return (
        f"lịch: {name} không còn buổi làm việc trống từ {lo:%d/%m/%Y} đến "
        f"{hi:%d/%m/%Y}" + (f" (bị chặn {listed})" if listed else ""),
        f"calendar: {name} has no free working half-day between {lo} and {hi}"
        + (f" (blocked {listed})" if listed else ""),
    )


class _Busy:
    """Who works when in a plan: half-days taken and sessions per ISO week."""

    def __init__(self, sc: Scenario, events: Iterable[Event]) -> None:
        self.at: set[tuple[str, dt.date, str]] = set()
        self.week: dict[tuple[str, str], int] = defaultdict(int)
        self.cap = {p.staff_id: p.max_sessions_per_week for p in sc.staff}
        for e in events:
            for pid in e.staff_ids:
                for day in e.days:
                    if e.all_day or e.kind == "training":
                        self.at.update((pid, day, h) for h in HALVES)
                    else:
                        self.at.add((pid, day, half_of(sc.calendar, e.start)))
                if e.kind == "session":
                    self.week[(pid, week_key(e.start.date()))] += 1

    def free(self, sc: Scenario, grid: TimeGrid, pid: str, s: Session) -> bool:
        return (
            (s.day, s.half) not in grid.staff_blocked.get(pid, frozenset())
            and (pid, s.day, s.half) not in self.at
            and self.week[(pid, week_key(s.day))] < self.cap[pid]
        )


def session_limit(
    sc: Scenario, grid: TimeGrid, events: Sequence[Event], act_id: str, code: str
) -> Text:
    """Return the limit that kept one session of an activity out of a commune."""
    spec = sc.activities[act_id]
    lo = max(spec.window_start or sc.horizon.start, sc.horizon.start)
    hi = min(spec.window_end or sc.horizon.end, sc.horizon.end)
    blocked = grid.commune_blocked.get(code, frozenset())
    here = [e for e in events if e.commune_code == code]
    taken = {
        (e.start.date(), half_of(sc.calendar, e.start))
        for e in here
        if e.kind == "session"
    }
    free = [
        s for s in grid.sessions
        if lo <= s.day <= hi and (s.day, s.half) not in blocked and (s.day, s.half) not in taken
    ]  # fmt: skip
    if not free:
        return _blocked_text(sc, code, lo, hi)
    if spec.requires_training:
        trained = [
            e.end.date() for e in events
            if e.activity == spec.requires_training and code in e.communes_served
        ]  # fmt: skip
        if not trained:
            name = sc.commune(code).commune_name
            return (
                f"tập huấn trước: cán bộ {name} chưa được tập huấn trong kế hoạch",
                f"training first: the staff of {name} are not trained in the plan",
            )
        free = [s for s in free if s.day > min(trained)]
        if not free:
            return (
                "tập huấn trước: sau buổi tập huấn không còn buổi trống nào",
                "training first: no free half-day is left after the training",
            )
    gap = spec.min_gap_days
    if gap:
        mine = [e.start.date() for e in here if e.activity == act_id]
        free = [s for s in free if all(abs((s.day - d).days) >= gap for d in mine)]
        if not free:
            name = sc.commune(code).commune_name
            return (
                f"cách nhau ít nhất {gap} ngày: mọi buổi trống của {name} đều "
                f"cách một buổi {spec.name_vi} đã xếp chưa đến {gap} ngày",
                f"at least {gap} days apart: every free half-day of {name} is "
                f"within {gap} days of a {spec.name_en} already planned",
            )
    venue = session_venue(sc, act_id, code)
    cost = session_cost(sc, act_id, venue) if venue is not None else 0
    left = _cached("left", sc, events, lambda: money_left(sc, grid, events))
    quarters = sorted({quarter_key(s.day) for s in free})
    paid = [
        q for q in quarters
        if any(left.get((f, q), 0) >= cost for f in spec.funding_sources)
    ]  # fmt: skip
    if not paid:
        vi, en = _money_text(
            sc, spec.funding_sources, quarters, cost, left,
            f"một buổi {spec.name_vi}", f"one {spec.name_en}",
        )  # fmt: skip
        window = {quarter_key(d) for d in grid.workdays if lo <= d <= hi}
        if window - set(quarters):
            # money elsewhere cannot help: say what keeps the other quarters out
            listed = _blocked_periods(sc, code, lo, hi)
            vi += " (các quý khác không còn buổi trống của xã" + (
                f": bị chặn {listed})" if listed else ")"
            )
            en += " (the other quarters have no free half-day of the commune" + (
                f": blocked {listed})" if listed else ")"
            )
        return vi, en
    free = [s for s in free if quarter_key(s.day) in paid]
    busy = _cached("busy", sc, events, lambda: _Busy(sc, events))
    lacking: dict[str, int] = defaultdict(int)
    open_days = 0
    for s in free:
        short = [
            role for role, need in spec.roles.items()
            if sum(busy.free(sc, grid, p.staff_id, s) for p in serving(sc, role, code))
            < need
        ]  # fmt: skip
        for role in short:
            lacking[role] += 1
        if not short:
            open_days += 1
    if open_days == 0 and lacking:
        role = max(sorted(lacking), key=lambda r: lacking[r])
        n = len(serving(sc, role, code))
        if role in commune_roles(sc):  # the commune's own officials
            name = sc.commune(code).commune_name
            return (
                f"cán bộ xã: vai trò {role} ({n} người của {name}) không còn ai rảnh "
                f"ở {lacking[role]} buổi trống có kinh phí của xã (bận, nghỉ, hoặc đã "
                f"đủ số buổi/tuần), giữ nguyên phần còn lại của kế hoạch",
                f"commune officials: no holder of role {role} ({n} people of "
                f"{name}) is free on {lacking[role]} of the commune's free half-days "
                f"with money (busy, away, or at their weekly cap), the rest of the "
                f"plan as it is",
            )
        return (
            f"cán bộ: vai trò {role} ({n} người) không còn ai rảnh ở {lacking[role]} "
            f"buổi trống có kinh phí của xã (bận sự kiện khác, nghỉ, hoặc đã đủ số "
            f"buổi/tuần), giữ nguyên phần còn lại của kế hoạch",
            f"staff: no holder of role {role} ({n} people) is free on {lacking[role]} "
            f"of the commune's free half-days with money (busy, away, or at their "
            f"weekly cap), the rest of the plan as it is",
        )
    return _no_single_limit(open_days)


def _no_single_limit(open_days: int) -> Text:
    return (
        f"không do một giới hạn riêng: giữ nguyên phần còn lại của kế hoạch vẫn còn "
        f"{open_days} buổi có kinh phí, địa điểm và cán bộ rảnh; xếp thêm cần dời "
        f"sự kiện khác (các quy tắc như thông báo trước, mốc, chỉ tiêu) hoặc bộ giải "
        f"dừng trước khi tìm thấy. Xem `scheduler explain --plan`",
        f"no single limit: with the rest of the plan as it is, {open_days} half-days "
        f"still have money, a venue and free staff; holding it needs other events "
        f"moved (announcement, milestone or target rules) or the solver stopped "
        f"before finding it. See `scheduler explain --plan`",
    )


def training_limit(
    sc: Scenario, grid: TimeGrid, events: Sequence[Event], act_id: str, code: str
) -> Text:
    """Return the limit that kept a commune out of every training class."""
    spec = sc.activities[act_id]
    assert spec.venue is not None
    size = min(spec.class_size, sc.venue(spec.venue).capacity)
    classes = [e for e in events if e.activity == act_id]
    left = _cached("left", sc, events, lambda: money_left(sc, grid, events))
    per_commune = training_class_cost(sc, act_id, spec.trainees_per_commune) - (
        training_class_cost(sc, act_id, 0)
    )
    room = [
        e for e in classes
        if (len(e.communes_served) + 1) * spec.trainees_per_commune <= size
    ]  # fmt: skip
    if room:
        q_of = {quarter_key(e.start.date()) for e in room}
        if not any(
            left.get((e.funding_source or "", quarter_key(e.start.date())), 0)
            >= per_commune
            for e in room
        ):
            return _money_text(
                sc, spec.funding_sources, sorted(q_of), per_commune, left,
                f"{spec.trainees_per_commune} học viên thêm vào lớp còn chỗ",
                f"{spec.trainees_per_commune} more trainees in a class with room",
            )  # fmt: skip
        return _no_single_limit(len(room))
    if spec.max_classes is not None and len(classes) >= spec.max_classes:
        return (
            f"sức chứa: đã mở đủ tối đa {spec.max_classes} lớp {spec.name_vi}, lớp nào "
            f"cũng đủ {size} chỗ",
            f"capacity: the most {spec.max_classes} {spec.name_en} classes are open "
            f"and each is full ({size} seats)",
        )
    lo = max(spec.window_start or sc.horizon.start, sc.horizon.start)
    hi = min(spec.window_end or sc.horizon.end, sc.horizon.end)
    quarters = sorted({quarter_key(d) for d in grid.workdays if lo <= d <= hi})
    cost = training_class_cost(sc, act_id, spec.trainees_per_commune)
    if not any(
        left.get((f, q), 0) >= cost for f in spec.funding_sources for q in quarters
    ):
        return _money_text(
            sc, spec.funding_sources, quarters, cost, left,
            f"các lớp đã đủ chỗ; một lớp {spec.name_vi} nữa",
            f"the classes are full; one more {spec.name_en} class",
        )  # fmt: skip
    return _no_single_limit(0)


def broadcast_limit(
    sc: Scenario, grid: TimeGrid, events: Sequence[Event], act_id: str, code: str,
    month: str,
) -> Text:  # fmt: skip
    """Return the limit that kept a month's broadcast items short in a commune."""
    spec = sc.activities[act_id]
    days = [d for d in grid.days if month_key(d) == month]
    quarters = sorted({quarter_key(d) for d in days})
    cost = broadcast_cost(sc, act_id)
    left = _cached("left", sc, events, lambda: money_left(sc, grid, events))
    if cost and not any(
        left.get((f, q), 0) >= cost for f in spec.funding_sources for q in quarters
    ):
        return _money_text(
            sc, spec.funding_sources, quarters, cost, left,
            f"một lượt {spec.name_vi}", f"one {spec.name_en} item",
        )  # fmt: skip
    aired = sum(
        1 for e in events
        if e.activity == act_id and e.commune_code == code and month_key(e.start.date()) == month
    )  # fmt: skip
    return (
        f"lịch phát: {aired} lượt trong tháng {month}, trong giới hạn tối đa "
        f"{spec.max_per_week} lượt/tuần, {spec.max_per_day} lượt/ngày và mỗi chủ đề "
        f"cách nhau {spec.topic_gap_days} ngày; kinh phí còn đủ cho một lượt",
        f"station rules: {aired} items in {month}, within at most "
        f"{spec.max_per_week} a week, {spec.max_per_day} a day and "
        f"{spec.topic_gap_days} days between airings of a topic; money is left for "
        f"an item",
    )


def placed_of(plan: Plan, act_id: str) -> tuple[int, int, int]:
    """Return (held within the requirement, required, held beyond it) for an activity.

    Counted per commune (and month, for broadcasts): the plan's required
    count less what it leaves out, which :mod:`scheduler.solver.solve` counts per
    commune and month. So an announcement item aired beyond one commune's
    quota does not hide another commune's missing item (a month of one
    commune one item short no longer reads "1144/1144").
    """
    need = plan.required.get(act_id, 0)
    missing = sum(u.count for u in plan.unscheduled if u.activity == act_id)
    held = need - missing
    events = sum(1 for e in plan.events if e.activity == act_id)
    return held, need, max(events - held, 0)
