"""A planner's plan made by hand, as a baseline for the solver.

:func:`greedy_plan` does what a district officer does with a calendar and a
spreadsheet, one decision at a time and never going back:

1. training classes first (where the scenario has them): communes in priority
   order, as many per class as the class holds, each class on the earliest
   run of working days when the venue and enough trainers are free;
2. on every station, the few items each quarter that are a hard rule (every
   topic once a quarter), on the earliest days the station rules allow;
3. sessions (policy dialogues): milestones first, then communes in priority
   order (activity priority × poor households), each session on its earliest
   feasible half-day with the first free staff of each role (not blocked,
   not busy, within their weekly cap, able to travel between two sessions of
   one day), after the commune's training, with its announcements added on
   the station in the days before;
4. the rest of each month's station items, earliest first.

Every event is paid from the first of its activity's funding sources that has
room left in the quarter, so the budget runs out on the lowest priorities.
What cannot be placed is listed in ``plan.unscheduled`` with the reason.

Two measures make CP-SAT plans and greedy plans comparable, computed from a
plan alone by the same functions:

- :func:`plan_objective`: the solver's stage-1 objective (coverage, early,
  weekday, spread and cost penalties) recomputed from the plan's events;
- :func:`weighted_coverage`: the required items the plan holds, each weighted
  by its activity priority × the poor households of its commune (the weight
  the ``coverage`` goal gives it), as a share of all required items. A
  required item is one session, one broadcast item of a month's quota, or one
  commune's trainees sent to a class.

No solver is used here.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.calendar import (
    HALVES,
    TZ,
    Session,
    TimeGrid,
    month_key,
    quarter_key,
    week_key,
)
from scheduler.costs import (
    broadcast_cost,
    round_trip_minutes,
    session_cost,
    session_venue,
    staff_count,
    training_class_cost,
)
from scheduler.officials import serves
from scheduler.plan import (
    Assignment,
    Event,
    PenaltyLine,
    Plan,
    SolverReport,
    Status,
    Unscheduled,
    broadcast_event_id,
    session_event_id,
    training_event_id,
)
from scheduler.publications import (
    Quota,
    all_quotas,
    item_days,
    item_times,
    period_key,
    publication_event_id,
)
from scheduler.scenario.schema import WEEKDAYS, HalfDay, Scenario, Staff
from scheduler.travel import travel_between

COST_UNIT_VND = 10_000  # as in the model: the cost goal counts tens of thousands
# reasons the model itself gives for items it cannot even offer the solver
EXCLUDED_REASONS = frozenset(
    {
        "venue_too_small",
        "no_free_half_day",
        "no_station_slot",
        "class_too_small",
        "past_deadline",
    }
)
GREEDY_SOLVER = "greedy baseline"


# ------------------------------------------------------------------ shared measures


def item_weight(scenario: Scenario, activity: str, commune_code: str) -> int:
    """Return the coverage weight of one required item.

    Activity priority (at least 1) × the commune's poor households (at least 1),
    the factor the model's ``coverage`` goal multiplies its weight by.
    """
    spec = scenario.activities[activity]
    poor = max(scenario.commune(commune_code).poor_households, 1)
    return max(spec.priority, 1) * poor


def broadcast_days(scenario: Scenario, grid: TimeGrid, activity: str) -> list[dt.date]:
    """Return the days a broadcast activity may air (window, working days if asked)."""
    spec = scenario.activities[activity]
    lo = max(spec.window_start or scenario.horizon.start, scenario.horizon.start)
    hi = min(spec.window_end or scenario.horizon.end, scenario.horizon.end)
    return [
        d
        for d in grid.days
        if lo <= d <= hi and (spec.days == "every_day" or d in grid.working)
    ]


def monthly_requirement(
    scenario: Scenario, grid: TimeGrid, activity: str
) -> dict[str, int]:
    """Return the items required per month, pro rata for a partly covered month."""
    spec = scenario.activities[activity]
    days_in: dict[str, int] = defaultdict(int)
    for d in grid.days:
        days_in[month_key(d)] += 1
    out = {}
    for month, covered in days_in.items():
        full = pycal.monthrange(int(month[:4]), int(month[5:]))[1]
        base = spec.per_month_override.get(month, spec.per_month)
        out[month] = base * covered // full
    return out


def usable_slots(scenario: Scenario, activity: str, commune: str) -> list[str]:
    """Return a commune's station slots long enough for the activity, by start time."""
    minutes = scenario.activities[activity].minutes
    return [
        s.slot_id
        for s in sorted(scenario.stations, key=lambda s: (s.start, s.slot_id))
        if s.commune_code == commune and s.airtime_minutes >= minutes
    ]


@dataclass(frozen=True)
class Coverage:
    """Weighted coverage of a plan: required items held, weighted by priority."""

    covered: int
    required: int

    @property
    def fraction(self) -> float:
        """Return covered / required (1.0 when nothing is required)."""
        return self.covered / self.required if self.required else 1.0


@dataclass(frozen=True)
class _Counts:
    """What a plan holds, counted per required item."""

    sessions: dict[tuple[str, str], int]
    broadcasts: dict[tuple[str, str, str], int]
    trained: set[tuple[str, str]]


def _counts(plan: Plan) -> _Counts:
    sessions: dict[tuple[str, str], int] = defaultdict(int)
    broadcasts: dict[tuple[str, str, str], int] = defaultdict(int)
    trained: set[tuple[str, str]] = set()
    for e in plan.events:
        if e.kind == "session":
            sessions[(e.activity, e.commune_code or "")] += 1
        elif e.kind == "broadcast":
            broadcasts[
                (e.activity, e.commune_code or "", month_key(e.start.date()))
            ] += 1
        elif e.kind == "training":
            trained.update((e.activity, c) for c in e.communes_served)
    return _Counts(sessions, broadcasts, trained)


def _required_items(
    scenario: Scenario, grid: TimeGrid
) -> list[tuple[str, str, str | None, int]]:
    """Return every required item group: (activity, commune, month, count)."""
    out: list[tuple[str, str, str | None, int]] = []
    for act_id, spec in scenario.activities.items():
        communes = scenario.communes_for(act_id)
        if spec.kind == "session":
            for c in communes:
                need = scenario.required_count(act_id, c.commune_code)
                if need:
                    out.append((act_id, c.commune_code, None, need))
        elif spec.kind == "broadcast":
            required = monthly_requirement(scenario, grid, act_id)
            for c in communes:
                out += [
                    (act_id, c.commune_code, m, n) for m, n in required.items() if n
                ]
        elif spec.trainees_per_commune > 0:
            out += [(act_id, c.commune_code, None, 1) for c in communes]
    return out


def _held(
    counts: _Counts, activity: str, kind: str, commune: str, month: str | None
) -> int:
    if kind == "session":
        return counts.sessions.get((activity, commune), 0)
    if kind == "broadcast":
        return counts.broadcasts.get((activity, commune, month or ""), 0)
    return 1 if (activity, commune) in counts.trained else 0


def weighted_coverage(scenario: Scenario, grid: TimeGrid, plan: Plan) -> Coverage:
    """Return the weighted coverage of a plan (CP-SAT's or the greedy one).

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan is for.
    grid : TimeGrid
        Its time grid (for the months of the broadcast quotas).
    plan : Plan
        Any plan of the scenario.

    Returns
    -------
    Coverage
        ``covered`` = Σ over required items held × their weight, ``required``
        = Σ over all required items × their weight, where the weight is
        :func:`item_weight` (activity priority × poor households). A session
        counts up to its commune's required number, broadcast items up to the
        month's quota, training once per commune sent to a class.
    """
    counts = _counts(plan)
    covered = required = 0
    for act_id, code, month, need in _required_items(scenario, grid):
        kind = scenario.activities[act_id].kind
        weight = item_weight(scenario, act_id, code)
        required += need * weight
        covered += min(_held(counts, act_id, kind, code, month), need) * weight
    for q, missing in _publications_missing(scenario, grid, plan):
        weight = max(scenario.activities[q.activity].priority, 1)
        required += q.need * weight
        covered += (q.need - missing) * weight
    return Coverage(covered, required)


def plan_objective(scenario: Scenario, grid: TimeGrid, plan: Plan) -> dict[str, int]:
    """Return the solver's stage-1 objective of a plan, goal by goal.

    The penalties are the model's (see docs/architecture.md, "Soft goals"),
    worked out from the events alone, so that a greedy plan and a CP-SAT plan
    are scored alike. For an optimal CP-SAT plan the sum equals the solver's
    objective. Items the model could not offer at all (listed in
    ``plan.unscheduled`` with a reason in :data:`EXCLUDED_REASONS`) cost
    nothing, as in the model.

    Returns
    -------
    dict of str to int
        Penalty per goal: ``coverage``, ``early``, ``weekday``, ``spread``,
        ``cost``.
    """
    return {
        name: penalty for name, (_, penalty) in _score(scenario, grid, plan).items()
    }


def _publications_missing(
    scenario: Scenario, grid: TimeGrid, plan: Plan
) -> list[tuple[Quota, int]]:
    """Return each publication quota the model can offer and the items it lacks.

    A period with no working day before the deadline cannot be offered: it
    costs nothing, as in the model.
    """
    held = Counter(
        (
            e.activity,
            e.slot_id or "",
            period_key(scenario.activities[e.activity], e.start.date()),
        )
        for e in plan.events
        if e.kind == "publication"
    )
    return [
        (q, max(q.need - held[q.key], 0)) for q in all_quotas(scenario, grid) if q.days
    ]


def _score(
    scenario: Scenario, grid: TimeGrid, plan: Plan
) -> dict[str, tuple[int, int]]:
    """Return (violations, penalty) per goal; see :func:`plan_objective`."""
    sc, w = scenario, scenario.weights
    counts = _counts(plan)
    excluded = {
        (u.activity, u.commune_code or "")
        for u in plan.unscheduled
        if u.reason in EXCLUDED_REASONS
    }
    goals = ("coverage", "early", "weekday", "spread", "cost")
    count = dict.fromkeys(goals, 0)
    out = dict.fromkeys(goals, 0)

    def add(goal: str, violations: int, penalty: int) -> None:
        count[goal] += violations
        out[goal] += penalty

    for act_id, code, month, need in _required_items(sc, grid):
        if (act_id, code) in excluded:
            continue
        kind = sc.activities[act_id].kind
        missing = max(need - _held(counts, act_id, kind, code, month), 0)
        add("coverage", missing, w.coverage * item_weight(sc, act_id, code) * missing)
    for q, missing in _publications_missing(sc, grid, plan):
        priority = max(sc.activities[q.activity].priority, 1)
        add("coverage", missing, w.coverage * priority * missing)
    aired: dict[tuple[str, str], set[dt.date]] = defaultdict(set)
    classes: dict[str, int] = defaultdict(int)
    attendances: dict[str, int] = defaultdict(int)
    for e in plan.events:
        spec = sc.activities[e.activity]
        if e.kind == "session":
            code = e.commune_code or ""
            poor = max(sc.commune(code).poor_households, 1)
            morning = e.start.timetz().replace(tzinfo=None) == sc.calendar.morning.start
            half: HalfDay = "morning" if morning else "afternoon"
            workday = grid.session_at[(e.start.date(), half)].workday_index
            add("early", workday, w.early * poor * spec.priority * workday)
            preferred = {WEEKDAYS.index(d) for d in spec.preferred_weekdays}
            if preferred and e.start.weekday() not in preferred:
                add("weekday", 1, w.weekday)
            units = e.cost_vnd // COST_UNIT_VND
            add("cost", units, w.cost * units)
        elif e.kind == "broadcast":
            aired[(e.activity, e.commune_code or "")].add(e.start.date())
            units = broadcast_cost(sc, e.activity) // COST_UNIT_VND
            add("cost", units, w.cost * units)
        elif e.kind == "publication":
            units = spec.cost_per_item_vnd // COST_UNIT_VND
            add("cost", units, w.cost * units)
        else:
            classes[e.activity] += 1
            attendances[e.activity] += len(e.communes_served)
    for act_id, n in classes.items():
        spec = sc.activities[act_id]
        assert spec.venue is not None
        fixed = spec.cost_fixed_vnd + staff_count(sc, act_id) * round_trip_minutes(
            sc, spec.venue
        ) * (spec.travel_vnd_per_minute)
        per_commune = (
            spec.trainees_per_commune
            * spec.duration_days
            * spec.cost_per_trainee_day_vnd
        )
        units = (fixed // COST_UNIT_VND) * n + (
            per_commune // COST_UNIT_VND
        ) * attendances[act_id]
        add("cost", units, w.cost * units)
    if w.spread:
        for act_id, spec in sc.activities.items():
            if spec.kind != "broadcast":
                continue
            by_week: dict[str, list[dt.date]] = defaultdict(list)
            for d in broadcast_days(sc, grid, act_id):
                by_week[week_key(d)].append(d)
            full_weeks = [days for days in by_week.values() if len(days) == 7]
            for c in sc.communes_for(act_id):
                if not usable_slots(sc, act_id, c.commune_code):
                    continue
                days_aired = aired.get((act_id, c.commune_code), set())
                empty = sum(
                    1 for days in full_weeks if not days_aired.intersection(days)
                )
                add("spread", empty, w.spread * empty)
    return {goal: (count[goal], out[goal]) for goal in goals}


# ------------------------------------------------------------------ greedy planner


class _Budget:
    """Spending per funding source and quarter, against the allowances."""

    def __init__(self, scenario: Scenario, quarters: Iterable[str]) -> None:
        self.quarters = list(quarters)
        self.sources = {f.id: f for f in scenario.funding}
        self.spent: dict[tuple[str, str], int] = defaultdict(int)

    def _fits(self, source: str, quarter: str, amount: int) -> bool:
        f = self.sources[source]
        if not f.carry_over:
            return self.spent[(source, quarter)] + amount <= f.allowance_vnd.get(
                quarter, 0
            )
        # with carry-over, every running total from this quarter on must still fit
        running_spent = running_allowed = 0
        for q in self.quarters:
            running_spent += self.spent[(source, q)] + (amount if q == quarter else 0)
            running_allowed += f.allowance_vnd.get(q, 0)
            if q >= quarter and running_spent > running_allowed:
                return False
        return True

    def pay(self, sources: Iterable[str], quarter: str, amount: int) -> str | None:
        """Charge the first source with room; return it, or None when none has."""
        for f in sources:
            if f in self.sources and self._fits(f, quarter, amount):
                self.spent[(f, quarter)] += amount
                return f
        return None

    def refund(self, source: str, quarter: str, amount: int) -> None:
        """Take back a charge (a tentative placement that was abandoned)."""
        self.spent[(source, quarter)] -= amount


@dataclass
class _Item:
    """A broadcast item placed on a station."""

    day: dt.date
    source: str


class _Greedy:
    """State of the hand-made plan while it is built."""

    def __init__(self, scenario: Scenario, grid: TimeGrid) -> None:
        self.sc, self.grid = scenario, grid
        self.budget = _Budget(scenario, grid.quarters)
        self.blocked = grid.staff_blocked
        self.commune_blocked = grid.commune_blocked
        # staff id -> (date, half) -> venue of what they do then
        self.busy: dict[str, dict[tuple[dt.date, HalfDay], str]] = defaultdict(dict)
        self.weekly: dict[tuple[str, str], int] = defaultdict(int)
        self.commune_busy: set[tuple[str, dt.date, HalfDay]] = set()
        # days of the sessions placed per (activity, commune), for ``min_gap_days``
        self.session_days: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        self.sessions: list[Event] = []
        self.publications: list[Event] = []
        self.classes: list[Event] = []
        self.trained_until: dict[tuple[str, str], dt.date] = {}
        self.items: dict[tuple[str, str], list[_Item]] = defaultdict(list)
        # items per day and per ISO week of each (activity, commune) station
        self.on_day: dict[tuple[str, str], Counter[dt.date]] = defaultdict(Counter)
        self.in_week: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self.unscheduled: list[Unscheduled] = []
        cal = scenario.calendar
        gap = dt.datetime.combine(
            dt.date.min, cal.afternoon.start
        ) - dt.datetime.combine(dt.date.min, cal.morning.end)
        self.lunch_minutes = gap.total_seconds() / 60
        self.venue_days: dict[str, set[dt.date]] = defaultdict(set)
        self.allowed_days: dict[str, frozenset[dt.date]] = {}
        # memos of lookups the planner repeats thousands of times
        self.slots_memo: dict[tuple[str, str], list[str]] = {}
        self.holders_memo = {
            role: [p for p in scenario.staff if role in p.roles]
            for p0 in scenario.staff
            for role in p0.roles
        }
        self.week_memo: dict[dt.date, str] = {}
        # commune officials serve only the sessions of their commune
        self.venue_commune = {v.venue_id: v.commune_code for v in scenario.venues}
        self.around_memo: dict[tuple[dt.date, int], list[dt.date]] = {}

    def _slots(self, act_id: str, code: str) -> list[str]:
        slots = self.slots_memo.get((act_id, code))
        if slots is None:
            slots = self.slots_memo[(act_id, code)] = usable_slots(
                self.sc, act_id, code
            )
        return slots

    def _holders(self, role: str) -> list[Staff]:
        return self.holders_memo.get(role, [])

    def _week(self, day: dt.date) -> str:
        week = self.week_memo.get(day)
        if week is None:
            week = self.week_memo[day] = week_key(day)
        return week

    def _around(self, day: dt.date, gap: int) -> list[dt.date]:
        """Return the 2·gap − 1 days centred on a day (every window of gap days)."""
        days = self.around_memo.get((day, gap))
        if days is None:
            days = [day + dt.timedelta(days=k) for k in range(1 - gap, gap)]
            self.around_memo[(day, gap)] = days
        return days

    # ---------------------------------------------------------------- staff

    def _free(self, staff_id: str, day: dt.date, half: HalfDay, venue: str) -> bool:
        if (day, half) in self.blocked.get(staff_id, frozenset()):
            return False
        mine = self.busy[staff_id]
        if (day, half) in mine:
            return False
        other: HalfDay = "afternoon" if half == "morning" else "morning"
        there = mine.get((day, other))
        return there is None or (
            travel_between(self.sc, there, venue) <= self.lunch_minutes
        )

    def _pick_staff(
        self, roles: dict[str, int], halves: list[tuple[dt.date, HalfDay]], venue: str
    ) -> list[tuple[str, str]] | None:
        """Return the first free holders of each role for all the halves, or None."""
        chosen: list[tuple[str, str]] = []
        taken: set[str] = set()
        counts_for_cap = len(halves) == 1
        commune = self.venue_commune.get(venue) if counts_for_cap else None
        for role, need in roles.items():
            got = 0
            for p in self._holders(role):
                if got == need:
                    break
                if p.staff_id in taken or not serves(p, commune):
                    continue
                if counts_for_cap:
                    week = week_key(halves[0][0])
                    if self.weekly[(p.staff_id, week)] >= p.max_sessions_per_week:
                        continue
                if all(self._free(p.staff_id, d, h, venue) for d, h in halves):
                    chosen.append((p.staff_id, role))
                    taken.add(p.staff_id)
                    got += 1
            if got < need:
                return None
        return chosen

    def _book(
        self,
        people: list[tuple[str, str]],
        halves: list[tuple[dt.date, HalfDay]],
        venue: str,
    ) -> None:
        for staff_id, _ in people:
            for d, h in halves:
                self.busy[staff_id][(d, h)] = venue
            if len(halves) == 1:
                self.weekly[(staff_id, week_key(halves[0][0]))] += 1

    # ---------------------------------------------------------------- training

    def place_training(self) -> None:
        for act_id, spec in self.sc.activities.items():
            if spec.kind != "training" or spec.trainees_per_commune == 0:
                continue
            assert spec.venue is not None
            communes = sorted(
                self.sc.communes_for(act_id),
                key=lambda c: (
                    -item_weight(self.sc, act_id, c.commune_code),
                    c.commune_code,
                ),
            )
            size = min(spec.class_size, self.sc.venue(spec.venue).capacity)
            per_class = size // spec.trainees_per_commune
            if per_class == 0:
                self._leave(
                    act_id, [c.commune_code for c in communes], "class_too_small"
                )
                continue
            waiting = [c.commune_code for c in communes]
            opened = 0
            while waiting:
                if spec.max_classes is not None and opened >= spec.max_classes:
                    self._leave(act_id, waiting, "left_out")
                    break
                group = waiting[:per_class]
                taken = self._open_class(act_id, group)
                if taken == 0:
                    # With nothing booked yet, no class at all means no run of
                    # free days with free trainers, which the model excludes too.
                    reason = self._class_reason
                    if reason == "no_free_half_day" and opened:
                        reason = "left_out"
                    self._leave(act_id, waiting, reason)
                    break
                opened += 1
                # a class cut to what the budget pays: the rest of the group waits
                # for no later class, which would find the same empty purse
                self._leave(act_id, group[taken:], "budget")
                waiting = waiting[per_class:]

    _class_reason = "no_free_half_day"

    def _open_class(self, act_id: str, group: list[str]) -> int:
        """Open the earliest class for a group; return how many communes it takes."""
        spec = self.sc.activities[act_id]
        assert spec.venue is not None
        lo = spec.window_start or self.sc.horizon.start
        hi = spec.window_end or self.sc.horizon.end
        work = self.grid.workdays
        self._class_reason = "no_free_half_day"
        for i in range(len(work) - spec.duration_days + 1):
            span = work[i : i + spec.duration_days]
            if (span[-1] - span[0]).days != spec.duration_days - 1:
                continue
            if span[0] < lo or span[-1] > hi:
                continue
            if any(d in self.venue_days[spec.venue] for d in span):
                continue
            halves = [(d, h) for d in span for h in HALVES]
            people = self._pick_staff(dict(spec.roles), halves, spec.venue)
            if people is None:
                continue
            quarter = quarter_key(span[0])
            for n in range(len(group), 0, -1):
                cost = training_class_cost(
                    self.sc, act_id, n * spec.trainees_per_commune
                )
                source = self.budget.pay(spec.funding_sources, quarter, cost)
                if source is None:
                    continue
                self._book(people, halves, spec.venue)
                self.venue_days[spec.venue].update(span)
                served = tuple(group[:n])
                for code in served:
                    self.trained_until[(act_id, code)] = span[-1]
                cal = self.sc.calendar
                self.classes.append(
                    Event(
                        event_id="",
                        activity=act_id,
                        kind="training",
                        commune_code=None,
                        venue_id=spec.venue,
                        start=dt.datetime.combine(
                            span[0], cal.training_day_start, tzinfo=TZ
                        ),
                        end=dt.datetime.combine(
                            span[-1], cal.training_day_end, tzinfo=TZ
                        ),
                        staff=tuple(Assignment(p, r) for p, r in people),
                        communes_served=served,
                        topic=spec.topic,
                        cost_vnd=cost,
                        funding_source=source,
                        attendees=n * spec.trainees_per_commune,
                        all_day=True,
                    )
                )
                return n
            self._class_reason = "budget"
            return 0
        return 0

    def _leave(self, act_id: str, communes: Iterable[str], reason: str) -> None:
        w = self.sc.weights.coverage
        for code in communes:
            penalty = (
                0
                if reason in EXCLUDED_REASONS
                else w * item_weight(self.sc, act_id, code)
            )
            self.unscheduled.append(Unscheduled(act_id, code, 1, reason, None, penalty))

    # ---------------------------------------------------------------- broadcasts

    def _station(self, act_id: str) -> list[tuple[str, list[str]]]:
        """Return (commune, usable slots) in priority order, for communes with slots."""
        communes = sorted(
            self.sc.communes_for(act_id),
            key=lambda c: (
                -item_weight(self.sc, act_id, c.commune_code),
                c.commune_code,
            ),
        )
        return [
            (c.commune_code, slots)
            for c in communes
            if (slots := self._slots(act_id, c.commune_code))
        ]

    def _can_air(self, act_id: str, code: str, day: dt.date, per_day: int) -> bool:
        spec = self.sc.activities[act_id]
        on_day = self.on_day[(act_id, code)]
        if on_day[day] >= per_day:
            return False
        if self.in_week[(act_id, code)][self._week(day)] >= spec.max_per_week:
            return False
        n_topics = len(self.sc.topics_for(act_id))
        gap = spec.topic_gap_days
        if gap > 1 and n_topics:
            # every window of `gap` days holds at most one item per topic
            window = self._around(day, gap)
            counts = [on_day[d] for d in window]
            for first in range(gap):
                if sum(counts[first : first + gap]) + 1 > n_topics:
                    return False
        return True

    def _count(self, act_id: str, code: str, day: dt.date, change: int) -> None:
        self.on_day[(act_id, code)][day] += change
        self.in_week[(act_id, code)][self._week(day)] += change

    def _air(self, act_id: str, code: str, day: dt.date, per_day: int) -> bool:
        """Place one item on a day if the station rules and the budget allow."""
        if not self._can_air(act_id, code, day, per_day):
            return False
        spec = self.sc.activities[act_id]
        source = self.budget.pay(
            spec.funding_sources, quarter_key(day), broadcast_cost(self.sc, act_id)
        )
        if source is None:
            return False
        self.items[(act_id, code)].append(_Item(day, source))
        self._count(act_id, code, day, 1)
        return True

    def _per_day(self, act_id: str, slots: list[str]) -> int:
        return min(self.sc.activities[act_id].max_per_day, len(slots))

    def place_topic_minimum(self) -> None:
        """Air every topic once a quarter on every station (a hard rule)."""
        for act_id, spec in self.sc.activities.items():
            if spec.kind != "broadcast" or not spec.every_topic_per_quarter:
                continue
            n_topics = len(self.sc.topics_for(act_id))
            days = broadcast_days(self.sc, self.grid, act_id)
            for code, slots in self._station(act_id):
                per_day = self._per_day(act_id, slots)
                for q in self.grid.quarters:
                    placed = 0
                    for d in (d for d in days if quarter_key(d) == q):
                        while placed < n_topics and self._air(act_id, code, d, per_day):
                            placed += 1
                        if placed == n_topics:
                            break

    def place_quotas(self) -> None:
        """Fill each month's quota of items, earliest days first."""
        w = self.sc.weights.coverage
        for act_id, spec in self.sc.activities.items():
            if spec.kind != "broadcast":
                continue
            required = monthly_requirement(self.sc, self.grid, act_id)
            days = broadcast_days(self.sc, self.grid, act_id)
            with_slots = dict(self._station(act_id))
            for c in self.sc.communes_for(act_id):
                code = c.commune_code
                if code not in with_slots:
                    total = sum(required.values())
                    if total:
                        self.unscheduled.append(
                            Unscheduled(act_id, code, total, "no_station_slot")
                        )
            for code, slots in self._station(act_id):
                per_day = self._per_day(act_id, slots)
                for month, need in required.items():
                    if need == 0:
                        continue
                    have = sum(
                        1
                        for i in self.items[(act_id, code)]
                        if month_key(i.day) == month
                    )
                    for d in (d for d in days if month_key(d) == month):
                        while have < need and self._air(act_id, code, d, per_day):
                            have += 1
                        if have >= need:
                            break
                    if have < need:
                        short = need - have
                        self.unscheduled.append(
                            Unscheduled(
                                act_id,
                                code,
                                short,
                                "short",
                                month,
                                short * w * item_weight(self.sc, act_id, code),
                            )
                        )

    # ---------------------------------------------------------------- sessions

    def _announce(
        self, act_id: str, code: str, day: dt.date
    ) -> list[tuple[str, _Item]] | None:
        """Add the station items a session needs in the days before; None if impossible.

        Returns the items added, so that they can be taken back.
        """
        rule = self.sc.activities[act_id].announce
        if rule is None:
            return []
        slots = self._slots(rule.via, code)
        if not slots:
            return []  # nothing can be aired there: the rule does not apply
        allowed = self._allowed_days(rule.via)
        window = [day - dt.timedelta(days=k) for k in range(1, rule.window_days + 1)]
        have = sum(1 for i in self.items[(rule.via, code)] if i.day in window)
        added: list[tuple[str, _Item]] = []
        per_day = self._per_day(rule.via, slots)
        # the latest days first: the announcement is fresh when the session comes
        for d in window:
            while (
                have < rule.min_broadcasts
                and d in allowed
                and self._air(rule.via, code, d, per_day)
            ):
                added.append((rule.via, self.items[(rule.via, code)][-1]))
                have += 1
        if have >= rule.min_broadcasts:
            return added
        self._take_back(code, added)
        return None

    def _allowed_days(self, act_id: str) -> frozenset[dt.date]:
        days = self.allowed_days.get(act_id)
        if days is None:
            days = frozenset(broadcast_days(self.sc, self.grid, act_id))
            self.allowed_days[act_id] = days
        return days

    def _take_back(self, code: str, added: list[tuple[str, _Item]]) -> None:
        for via, item in added:
            self.items[(via, code)].remove(item)
            self._count(via, code, item.day, -1)
            self.budget.refund(
                item.source, quarter_key(item.day), broadcast_cost(self.sc, via)
            )

    def _try_session(
        self, act_id: str, code: str, s: Session, venue: str, cost: int
    ) -> str | None:
        """Place a session on a half-day; return None, or how far it got (a reason)."""
        spec = self.sc.activities[act_id]
        if (code, s.day, s.half) in self.commune_busy:
            return "left_out"
        gap = spec.min_gap_days
        if gap and any(
            abs((d - s.day).days) < gap for d in self.session_days[(act_id, code)]
        ):
            return "left_out"  # too close to a session of the same activity
        if spec.requires_training:
            training = self.sc.activities.get(spec.requires_training)
            if training is not None and training.trainees_per_commune > 0:
                until = self.trained_until.get((spec.requires_training, code))
                if until is None or until >= s.day:
                    return "not_trained"
        halves = [(s.day, s.half)]
        people = self._pick_staff(dict(spec.roles), halves, venue)
        if people is None:
            return "no_free_staff"
        added = self._announce(act_id, code, s.day)
        if added is None:
            return "no_announcement"
        source = self.budget.pay(spec.funding_sources, quarter_key(s.day), cost)
        if source is None:
            self._take_back(code, added)
            return "budget"
        self._book(people, halves, venue)
        self.commune_busy.add((code, s.day, s.half))
        self.session_days[(act_id, code)].append(s.day)
        start, end = self.grid.session_times(s.day, s.half)
        self.sessions.append(
            Event(
                event_id="",
                activity=act_id,
                kind="session",
                commune_code=code,
                venue_id=venue,
                start=start,
                end=end,
                staff=tuple(Assignment(p, r) for p, r in people),
                communes_served=(code,),
                topic=spec.topic,
                cost_vnd=cost,
                funding_source=source,
                attendees=spec.attendees,
            )
        )
        return None

    # how far a half-day got before failing: the furthest decides the reason
    _STAGES = ("left_out", "not_trained", "no_free_staff", "no_announcement", "budget")

    def _candidates(self, act_id: str, code: str) -> list[Session]:
        spec = self.sc.activities[act_id]
        lo = spec.window_start or self.sc.horizon.start
        hi = spec.window_end or self.sc.horizon.end
        blocked = self.commune_blocked.get(code, frozenset())
        return [
            s
            for s in self.grid.sessions
            if lo <= s.day <= hi and (s.day, s.half) not in blocked
        ]

    def place_sessions(self) -> None:
        sc = self.sc
        held: dict[tuple[str, str], int] = defaultdict(int)
        venues: dict[tuple[str, str], str | None] = {}
        for act_id, spec in sc.activities.items():
            if spec.kind == "session":
                for c in sc.communes_for(act_id):
                    venues[(act_id, c.commune_code)] = session_venue(
                        sc, act_id, c.commune_code
                    )
        # milestones first, on their own date
        for pin in sc.pins:
            venue = venues.get((pin.activity, pin.commune))
            if venue is None or held[(pin.activity, pin.commune)] >= sc.required_count(
                pin.activity, pin.commune
            ):
                continue
            cost = session_cost(sc, pin.activity, venue)
            for half in HALVES if pin.half is None else (pin.half,):
                s = self.grid.session_at.get((pin.date, half))
                if s is None or (pin.date, half) in self.commune_blocked.get(
                    pin.commune, frozenset()
                ):
                    continue
                if self._try_session(pin.activity, pin.commune, s, venue, cost) is None:
                    held[(pin.activity, pin.commune)] += 1
                    break
        wanted = []
        for act_id, spec in sc.activities.items():
            if spec.kind != "session":
                continue
            for c in sc.communes_for(act_id):
                need = sc.required_count(act_id, c.commune_code)
                if need:
                    wanted.append((act_id, c.commune_code, need))
        order = list(sc.activities)
        wanted.sort(
            key=lambda x: (-item_weight(sc, x[0], x[1]), order.index(x[0]), x[1])
        )
        w = sc.weights.coverage
        for act_id, code, need in wanted:
            venue = venues[(act_id, code)]
            if venue is None:
                self.unscheduled.append(
                    Unscheduled(act_id, code, need, "venue_too_small")
                )
                continue
            candidates = self._candidates(act_id, code)
            if not candidates:
                self.unscheduled.append(
                    Unscheduled(act_id, code, need, "no_free_half_day")
                )
                continue
            cost = session_cost(sc, act_id, venue)
            furthest = 0
            while held[(act_id, code)] < need:
                placed = False
                for s in candidates:
                    why = self._try_session(act_id, code, s, venue, cost)
                    if why is None:
                        placed = True
                        break
                    furthest = max(furthest, self._STAGES.index(why))
                if not placed:
                    break
                held[(act_id, code)] += 1
            missing = need - held[(act_id, code)]
            if missing:
                self.unscheduled.append(
                    Unscheduled(
                        act_id,
                        code,
                        missing,
                        self._STAGES[furthest],
                        None,
                        missing * w * item_weight(sc, act_id, code),
                    )
                )

    def place_publications(self) -> None:
        """Pay each outlet's items per period, highest priority first, while money lasts."""
        sc = self.sc
        order = list(sc.activities)
        todo = sorted(
            all_quotas(sc, self.grid),
            key=lambda q: (
                -sc.activities[q.activity].priority,
                order.index(q.activity),
            ),
        )
        w = sc.weights.coverage
        for q in todo:
            spec = sc.activities[q.activity]
            if not q.days:
                self.unscheduled.append(
                    Unscheduled(q.activity, None, q.need, "past_deadline", q.label)
                )
                continue
            quarter = quarter_key(q.days[0])  # a period lies in one quarter
            sources = []
            for _ in range(q.need):
                paid = self.budget.pay(
                    spec.funding_sources, quarter, spec.cost_per_item_vnd
                )
                if paid is None:
                    break
                sources.append(paid)
            for n, (d, source) in enumerate(
                zip(item_days(q.days, len(sources)), sources, strict=True), 1
            ):
                start, end = item_times(self.grid, d)
                self.publications.append(
                    Event(
                        event_id=publication_event_id(
                            q.activity, q.outlet, q.period, n
                        ),
                        activity=q.activity,
                        kind="publication",
                        commune_code=None,
                        venue_id=None,
                        start=start,
                        end=end,
                        topic=spec.topic,
                        cost_vnd=spec.cost_per_item_vnd,
                        funding_source=source,
                        slot_id=q.outlet,
                        all_day=True,
                    )
                )
            missing = q.need - len(sources)
            if missing:
                priority = max(spec.priority, 1)
                self.unscheduled.append(
                    Unscheduled(
                        q.activity,
                        None,
                        missing,
                        "budget",
                        q.label,
                        missing * w * priority,
                    )
                )

    # ---------------------------------------------------------------- events

    def events(self) -> list[Event]:
        """Return every event with its stable id, broadcasts with slots and topics."""
        out: list[Event] = []
        by_commune: dict[tuple[str, str], list[Event]] = defaultdict(list)
        for e in self.sessions:
            by_commune[(e.activity, e.commune_code or "")].append(e)
        for (act_id, code), evs in by_commune.items():
            for n, e in enumerate(sorted(evs, key=lambda e: e.start), start=1):
                out.append(_with_id(e, session_event_id(act_id, code, n)))
        by_activity: dict[str, list[Event]] = defaultdict(list)
        for e in self.classes:
            by_activity[e.activity].append(e)
        for act_id, evs in by_activity.items():
            for n, e in enumerate(sorted(evs, key=lambda e: e.start), start=1):
                out.append(_with_id(e, training_event_id(act_id, n)))
        commune_index = {c.commune_code: i for i, c in enumerate(self.sc.communes)}
        for (act_id, code), items in self.items.items():
            spec = self.sc.activities[act_id]
            topics = [t.topic_id for t in self.sc.topics_for(act_id)]
            usable = usable_slots(self.sc, act_id, code)
            slot_start = {
                s.slot_id: s.start for s in self.sc.stations if s.commune_code == code
            }
            month_count: dict[str, int] = defaultdict(int)
            on_day: dict[dt.date, int] = defaultdict(int)
            for n, item in enumerate(sorted(items, key=lambda i: i.day)):
                if spec.max_per_day == 1 and len(usable) > 1:
                    # one item a day: alternate the slots so both audiences hear it
                    slot = usable[n % len(usable)]
                else:
                    slot = usable[on_day[item.day]]
                on_day[item.day] += 1
                month = month_key(item.day)
                month_count[month] += 1
                start = dt.datetime.combine(item.day, slot_start[slot], tzinfo=TZ)
                out.append(
                    Event(
                        event_id=broadcast_event_id(
                            act_id, code, month, month_count[month]
                        ),
                        activity=act_id,
                        kind="broadcast",
                        commune_code=code,
                        venue_id=None,
                        start=start,
                        end=start + dt.timedelta(minutes=spec.minutes),
                        communes_served=(code,),
                        # the rotation the solver's plans use (model/broadcasts.py)
                        topic=topics[(commune_index[code] + n) % len(topics)]
                        if topics
                        else None,
                        cost_vnd=broadcast_cost(self.sc, act_id),
                        funding_source=item.source,
                        slot_id=slot,
                    )
                )
        out += self.publications
        out.sort(key=lambda e: (e.start, e.event_id))
        return out


def _with_id(e: Event, event_id: str) -> Event:
    return Event(**{**e.__dict__, "event_id": event_id})


def _required_counts(scenario: Scenario, grid: TimeGrid) -> dict[str, int]:
    out = dict.fromkeys(scenario.activities, 0)
    for act_id, _, _, n in _required_items(scenario, grid):
        out[act_id] += n
    return out


def greedy_plan(
    scenario: Scenario, grid: TimeGrid, *, stations_first: bool = False
) -> Plan:
    """Plan a scenario by hand, the way a district officer would.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    grid : TimeGrid
        Its time grid.
    stations_first : bool
        Fill every month's station items before the sessions (the baseline
        places sessions first). When a quarter's money is short, sessions
        placed as early as possible spend it and the cheap items of that
        quarter's months go unaired; with the items first, sessions take
        what is left and move to the next quarter. A warm start for the
        solver (:func:`scheduler.solver.solve.solve`), not the baseline.

    Returns
    -------
    Plan
        Events with named staff and funding sources, the items left out with
        their reasons (``budget``, ``no_free_staff``, ``not_trained``,
        ``no_announcement``, ``no_free_half_day``, ``short`` …), the score
        breakdown of :func:`plan_objective`, and a report whose ``solver`` is
        ``"greedy baseline"``, ``status`` ``"HEURISTIC"`` and ``bound`` 0 (the
        only bound a heuristic knows: penalties are never negative).
    """
    started = time.perf_counter()
    g = _Greedy(scenario, grid)
    g.place_training()
    g.place_topic_minimum()
    if stations_first:
        g.place_quotas()
        g.place_sessions()
    else:
        g.place_sessions()
        g.place_quotas()
    g.place_publications()
    events = tuple(g.events())
    wall = time.perf_counter() - started
    draft = Plan(
        scenario=scenario.name,
        title=scenario.title,
        input_hash=scenario.input_hash,
        horizon_start=scenario.horizon.start,
        horizon_end=scenario.horizon.end,
        events=events,
        unscheduled=tuple(
            sorted(
                g.unscheduled,
                key=lambda u: (u.activity, u.commune_code or "", u.period or ""),
            )
        ),
        penalties=(),
        solver=SolverReport(
            status=Status.HEURISTIC,
            objective=0.0,
            bound=0.0,
            gap=0.0,
            wall_time_s=round(wall, 3),
            build_time_s=0.0,
            solver=GREEDY_SOLVER,
            parameters={},
            num_booleans=0,
            num_constraints=0,
            naming_status="GREEDY",
        ),
        required=_required_counts(scenario, grid),
    )
    score = _score(scenario, grid, draft)
    objective = float(sum(penalty for _, penalty in score.values()))
    penalties = tuple(
        PenaltyLine(name, violations, penalty)
        for name, (violations, penalty) in sorted(score.items())
        if penalty
    )
    return Plan(
        **{
            **draft.__dict__,
            "penalties": penalties,
            "solver": SolverReport(
                **{
                    **draft.solver.__dict__,
                    "objective": objective,
                    "gap": 1.0 if objective > 0 else 0.0,
                }
            ),
        }
    )
