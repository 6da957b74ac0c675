"""The plan ⇄ variables mapping: the model's placement variables, typed, and what reads them.

The constraint families create the variables (:mod:`scheduler.model.sessions`,
:mod:`~scheduler.model.broadcasts`, :mod:`~scheduler.model.training`,
:mod:`~scheduler.model.publications`) and store them here, one typed record per
kind. Everything that turns a solution into events, or a plan into values of
these variables, lives in :class:`Variables` and nowhere else:

- :meth:`Variables.decode` reads a solution into events (with their funding
  sources split as the model chose) — the one place a solution becomes a plan;
- :meth:`Variables.left_out` counts what a plan's events leave out;
- :meth:`Variables.hint` hints a plan's placements (warm starts);
- :meth:`Variables.fix` fixes a plan's placements (what-ifs, re-plans);
- :meth:`Variables.cap_left_out`, :meth:`Variables.literal_of`,
  :meth:`Variables.held_sessions` and :meth:`Variables.session_literal` serve
  explanations and the naming stage's cuts.

Code outside ``scheduler/model/`` calls these and never reads the per-kind
records (a test reads the source to keep it so).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.calendar import (
    HALVES,
    TZ,
    Session,
    TimeGrid,
    half_of,
    month_key,
    quarter_key,
)
from scheduler.costs import broadcast_cost
from scheduler.kinds import Kind
from scheduler.plan import (
    Event,
    Plan,
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
    quotas,
)
from scheduler.scenario.schema import HalfDay, Scenario

Pair = tuple[str, str]  # (activity, commune)
Monthly = tuple[str, str, str]  # (activity, commune, month)
Period = tuple[str, str, str]  # (activity, outlet, period)
Halves = tuple[tuple[dt.date, HalfDay], ...]
# (activity, commune or outlet, quarter, source) -> number of events paid from the source
Split = dict[tuple[str, str, str, str], cp_model.IntVar]


def topic_rotation(topics: list[str], commune_index: int, ordinal: int) -> str:
    """Return the topic of a commune's item number ``ordinal`` (0-based) in the rotation.

    Communes start the rotation at different topics, so that neighbouring
    stations do not all air the same topic on the same day.
    """
    return topics[(commune_index + ordinal) % len(topics)]


@dataclass
class SessionVars:
    """Variables of the session activities, per (activity, commune).

    ``x[(a, c)][i]`` says session ``a`` is held in commune ``c`` in half-day
    ``i`` (a :class:`~scheduler.calendar.Session` index); ``missing`` counts the
    sessions left out; ``cost`` and ``venue`` are fixed by the scenario.
    """

    x: dict[Pair, dict[int, cp_model.IntVar]] = field(default_factory=dict)
    missing: dict[Pair, cp_model.IntVar] = field(default_factory=dict)
    cost: dict[Pair, int] = field(default_factory=dict)
    venue: dict[Pair, str] = field(default_factory=dict)


@dataclass
class BroadcastVars:
    """Variables of the broadcast activities, per (activity, commune).

    ``x[(a, c)][day][slot]`` says an item airs that day (item ``n`` of a day in
    the ``n``-th usable slot); ``short`` counts a month's items left out of
    ``required``; ``usable`` lists the commune's slots long enough, in order.
    """

    x: dict[Pair, dict[dt.date, dict[str, cp_model.IntVar]]] = field(
        default_factory=dict
    )
    short: dict[Monthly, cp_model.IntVar] = field(default_factory=dict)
    required: dict[Monthly, int] = field(default_factory=dict)
    usable: dict[Pair, list[str]] = field(default_factory=dict)


@dataclass
class TrainingVars:
    """Variables of one training activity, indexed by the workday a class starts.

    A class is identified by its start day: ``open[d]`` says a class starts on
    workday ``d``; ``attend[(c, d)]`` says commune ``c`` sends its trainees to it.
    """

    activity: str
    duration: int
    open: dict[int, cp_model.IntVar]
    attend: dict[tuple[str, int], cp_model.IntVar]
    untrained: dict[str, cp_model.IntVar]
    fixed_cost: int
    per_commune_cost: int
    source: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)

    def running_on(self, workday: int) -> cp_model.LinearExprT | None:
        """Return an expression equal to 1 when a class runs on a workday, else None."""
        terms = [v for d, v in self.open.items() if d <= workday < d + self.duration]
        return sum(terms) if terms else None

    def trained_before(self, commune: str, workday: int) -> cp_model.LinearExprT:
        """Return 1 when the commune's class ended before a workday, else 0."""
        return sum(
            v
            for (c, d), v in self.attend.items()
            if c == commune and d + self.duration - 1 < workday
        )


@dataclass
class PublicationVars:
    """Variables of the publication activities, per (activity, outlet, period).

    ``n`` items are held and ``missing`` left out of the quota ``need``.
    """

    n: dict[Period, cp_model.IntVar] = field(default_factory=dict)
    missing: dict[Period, cp_model.IntVar] = field(default_factory=dict)
    need: dict[Period, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Placed:
    """An event read from a solution, with what the naming stage needs of it.

    ``halves`` are the half-days it takes (none for a broadcast item);
    ``literal`` is the variable that placed it (a session's half-day, a
    class's start day; None for a broadcast item).
    """

    event: Event
    halves: Halves
    literal: cp_model.IntVar | None


@dataclass(frozen=True)
class Decoded:
    """A solution read into events, staff not named yet.

    ``placed`` holds the sessions, broadcast items and classes in the model's
    order (the naming stage sees them so); ``publications`` the items held,
    which need no names.
    """

    placed: list[Placed]
    publications: list[Event]


@dataclass(frozen=True)
class LeftOut:
    """What a plan leaves out of one activity, before its reason is put in words.

    ``item`` has the counts, reason, period and penalty (no detail text);
    ``quota`` is the outlet's period for a publication.
    """

    item: Unscheduled
    quota: Quota | None = None


@dataclass(frozen=True)
class HeldSession:
    """A session a solution holds: activity, commune, its half-day and venue."""

    activity: str
    commune: str
    session: Session
    venue: str


@dataclass
class Fixed:
    """What :meth:`Variables.fix` leaves to the caller.

    ``choices`` are the session variables the free event may take (by session
    index); ``day_choices`` for a free broadcast item, one term per other day
    (1 when it moves there), on ``choice_days``. ``moved`` and ``distance`` are
    the minimal-change terms of a re-plan (events moved or paid from another
    source; half-days between an old and a new session).
    """

    choices: dict[int, cp_model.IntVar] = field(default_factory=dict)
    day_choices: list[cp_model.LinearExprT] = field(default_factory=list)
    choice_days: list[dt.date] = field(default_factory=list)
    moved: list[cp_model.LinearExprT] = field(default_factory=list)
    distance: list[cp_model.LinearExprT] = field(default_factory=list)


@dataclass
class Variables:
    """Every placement variable of one model, by kind, and the plan ⇄ variables mapping."""

    scenario: Scenario
    grid: TimeGrid
    model: cp_model.CpModel
    sessions: SessionVars = field(default_factory=SessionVars)
    broadcasts: BroadcastVars = field(default_factory=BroadcastVars)
    training: dict[str, TrainingVars] = field(default_factory=dict)
    publications: PublicationVars = field(default_factory=PublicationVars)
    # what could not even be offered to the solver, and why: (activity, commune, n, why)
    excluded: list[tuple[str, str, int, str]] = field(default_factory=list)
    # how many events each funding source pays (set by the budget family)
    split: Split = field(default_factory=dict)

    # ------------------------------------------------------------------ decode

    def decode(self, solver: cp_model.CpSolver) -> Decoded:
        """Read a solution into events (staff not named), sources split as chosen.

        Parameters
        ----------
        solver : cp_model.CpSolver
            A solver holding a solution of this model.

        Returns
        -------
        Decoded
            The sessions, broadcast items and classes, then the publications.
        """
        placed = self._decode_sessions(solver)
        placed += self._decode_broadcasts(solver)
        placed += self._decode_training(solver)
        return Decoded(placed, self._decode_publications(solver))

    def _decode_sessions(self, solver: cp_model.CpSolver) -> list[Placed]:
        sc, grid = self.scenario, self.grid
        by_index = {s.index: s for s in grid.sessions}
        out = []
        for (act_id, code), xs in self.sessions.x.items():
            spec = sc.activities[act_id]
            chosen = sorted(
                (by_index[i] for i, v in xs.items() if solver.value(v)),
                key=lambda s: s.index,
            )
            paid_by = self._sources(solver, act_id, code, [x.day for x in chosen])
            for ordinal, (s, source) in enumerate(
                zip(chosen, paid_by, strict=True), start=1
            ):
                start, end = grid.session_times(s.day, s.half)
                event = Event(
                    event_id=session_event_id(act_id, code, ordinal),
                    activity=act_id,
                    kind=Kind.SESSION,
                    commune_code=code,
                    venue_id=self.sessions.venue[(act_id, code)],
                    start=start,
                    end=end,
                    communes_served=(code,),
                    topic=spec.topic,
                    cost_vnd=self.sessions.cost[(act_id, code)],
                    funding_source=source,
                    attendees=spec.attendees,
                )
                out.append(Placed(event, ((s.day, s.half),), xs[s.index]))
        return out

    def _decode_broadcasts(self, solver: cp_model.CpSolver) -> list[Placed]:
        sc = self.scenario
        commune_index = {c.commune_code: i for i, c in enumerate(sc.communes)}
        out = []
        for (act_id, code), days in self.broadcasts.x.items():
            spec = sc.activities[act_id]
            topics = [t.topic_id for t in sc.topics_for(act_id)]
            slots = {s.slot_id: s for s in sc.stations if s.commune_code == code}
            usable = self.broadcasts.usable[(act_id, code)]
            aired = [
                (d, slot)
                for d in sorted(days)
                for slot, v in days[d].items()
                if solver.value(v)
            ]
            # with one item a day, alternate the usable slots so both audiences hear it
            placed = []
            for n, (d, slot) in enumerate(aired):
                if spec.max_per_day == 1 and len(usable) > 1:
                    slot = usable[n % len(usable)]
                placed.append((d, slot))
            source_of = dict(
                enumerate(self._sources(solver, act_id, code, [d for d, _ in placed]))
            )
            month_count: dict[str, int] = {}
            for n, (d, slot) in enumerate(placed):
                month = month_key(d)
                month_count[month] = month_count.get(month, 0) + 1
                start = dt.datetime.combine(d, slots[slot].start, tzinfo=TZ)
                event = Event(
                    event_id=broadcast_event_id(
                        act_id, code, month, month_count[month]
                    ),
                    activity=act_id,
                    kind=Kind.BROADCAST,
                    commune_code=code,
                    venue_id=None,
                    start=start,
                    end=start + dt.timedelta(minutes=spec.minutes),
                    communes_served=(code,),
                    topic=topic_rotation(topics, commune_index[code], n),
                    cost_vnd=broadcast_cost(sc, act_id),
                    funding_source=source_of.get(n, spec.funding_sources[0]),
                    slot_id=slot,
                )
                out.append(Placed(event, (), None))
        return out

    def _decode_training(self, solver: cp_model.CpSolver) -> list[Placed]:
        sc, grid = self.scenario, self.grid
        cal = sc.calendar
        out = []
        for act_id, tv in self.training.items():
            spec = sc.activities[act_id]
            opened = sorted(d for d, v in tv.open.items() if solver.value(v))
            for ordinal, wd in enumerate(opened, start=1):
                served = tuple(
                    c
                    for (c, day), v in tv.attend.items()
                    if day == wd and solver.value(v)
                )
                class_days = grid.workdays[wd : wd + tv.duration]
                start = dt.datetime.combine(
                    class_days[0], cal.training_day_start, tzinfo=TZ
                )
                end = dt.datetime.combine(
                    class_days[-1], cal.training_day_end, tzinfo=TZ
                )
                source = spec.funding_sources[0]
                for (day, f), lit in tv.source.items():
                    if day == wd and solver.value(lit):
                        source = f
                event = Event(
                    event_id=training_event_id(act_id, ordinal),
                    activity=act_id,
                    kind=Kind.TRAINING,
                    commune_code=None,
                    venue_id=spec.venue,
                    start=start,
                    end=end,
                    communes_served=served,
                    topic=spec.topic,
                    cost_vnd=tv.fixed_cost + tv.per_commune_cost * len(served),
                    funding_source=source,
                    attendees=spec.trainees_per_commune * len(served),
                    all_day=True,
                )
                halves = tuple((day, h) for day in class_days for h in HALVES)
                out.append(Placed(event, halves, tv.open[wd]))
        return out

    def _decode_publications(self, solver: cp_model.CpSolver) -> list[Event]:
        """Return the publication items held, dated evenly over their period's days.

        The sources are read per outlet over all its periods at once: the
        model's split counts an outlet's items per quarter, and a quarter
        holds three months.
        """
        sc, grid = self.scenario, self.grid
        out = []
        for act_id in dict.fromkeys(a for a, _, _ in self.publications.n):
            spec = sc.activities[act_id]
            items: dict[str, list[tuple[dt.date, str, int]]] = {}
            for q in quotas(sc, grid, act_id):
                var = self.publications.n.get(q.key)
                n_held = solver.value(var) if var is not None else 0
                for n, d in enumerate(item_days(q.days, n_held), 1):
                    items.setdefault(q.outlet, []).append((d, q.period, n))
            for outlet, held in items.items():
                held.sort()
                paid_by = self._sources(solver, act_id, outlet, [d for d, _, _ in held])
                for (d, period, n), source in zip(held, paid_by, strict=True):
                    start, end = item_times(grid, d)
                    out.append(
                        Event(
                            event_id=publication_event_id(act_id, outlet, period, n),
                            activity=act_id,
                            kind=Kind.PUBLICATION,
                            commune_code=None,
                            venue_id=None,
                            start=start,
                            end=end,
                            topic=spec.topic,
                            cost_vnd=spec.cost_per_item_vnd,
                            funding_source=source,
                            slot_id=outlet,
                            all_day=True,
                        )
                    )
        return out

    def _sources(
        self, solver: cp_model.CpSolver, act_id: str, code: str, days: list[dt.date]
    ) -> list[str]:
        """Return the funding source of each event (given by its date, in time order).

        Within each quarter, events take the sources in declared order, as
        many of each as the model's split variables say.
        """
        sources = self.scenario.activities[act_id].funding_sources
        by_q: dict[str, list[int]] = {}
        for n, d in enumerate(days):
            by_q.setdefault(quarter_key(d), []).append(n)
        out = [sources[0]] * len(days)
        for q, positions in by_q.items():
            counts = {
                f: solver.value(self.split[(act_id, code, q, f)])
                for f in sources
                if (act_id, code, q, f) in self.split
            }
            for n, f in zip(
                positions, _assign_sources(sources, counts, len(positions)), strict=True
            ):
                out[n] = f
        return out

    # ------------------------------------------------------------------ left out

    def left_out(self, events: list[Event]) -> list[LeftOut]:
        """Return what the events leave out of each activity, with its penalty.

        The counts come from the events, not from the model's left-out
        variables: a plan found before the search ended may hold one above
        what is missing. What could not be offered to the solver comes first,
        then sessions, broadcast months, publication periods and training.
        """
        sc = self.scenario
        w = sc.weights.coverage
        held: Counter[tuple[str, str | None, str | None]] = Counter()
        served: set[tuple[str, str]] = set()
        for e in events:
            month = month_key(e.start.date()) if e.kind == Kind.BROADCAST else None
            held[(e.activity, e.commune_code, month)] += 1
            served.update((e.activity, c) for c in e.communes_served)
        out = [LeftOut(Unscheduled(a, c, n, why)) for a, c, n, why in self.excluded]

        def weight(act_id: str, code: str) -> int:
            poor = max(sc.commune(code).poor_households, 1)
            return w * max(sc.activities[act_id].priority, 1) * poor

        for act_id, code in self.sessions.missing:
            n = sc.required_count(act_id, code) - held[(act_id, code, None)]
            if n > 0:
                penalty = n * weight(act_id, code)
                out.append(
                    LeftOut(Unscheduled(act_id, code, n, "left_out", None, penalty))
                )
        for (act_id, code, month), need in self.broadcasts.required.items():
            n = need - held[(act_id, code, month)]
            if n > 0:
                penalty = n * weight(act_id, code)
                out.append(
                    LeftOut(Unscheduled(act_id, code, n, "short", month, penalty))
                )
        out += self._publications_left_out(events)
        for act_id, tv in self.training.items():
            for code in tv.untrained:
                if (act_id, code) not in served:
                    penalty = weight(act_id, code)
                    out.append(
                        LeftOut(Unscheduled(act_id, code, 1, "left_out", None, penalty))
                    )
        return out

    def _publications_left_out(self, events: list[Event]) -> list[LeftOut]:
        """Return each outlet's period short of its quota (``period`` is ``period/outlet``)."""
        sc = self.scenario
        held = Counter(
            (
                e.activity,
                e.slot_id or "",
                period_key(sc.activities[e.activity], e.start.date()),
            )
            for e in events
            if e.kind == Kind.PUBLICATION
        )
        out = []
        for act_id, spec in sc.activities.items():
            if spec.kind != "publication":  # the scenario's own Literal
                continue
            for q in quotas(sc, self.grid, act_id):
                n = q.need - held[q.key]
                if n <= 0:
                    continue
                offered = q.key in self.publications.n
                # a period never offered to the solver costs nothing, as in the model
                item = Unscheduled(
                    act_id,
                    None,
                    n,
                    "left_out" if offered else "past_deadline",
                    q.label,
                    n * sc.weights.coverage * max(spec.priority, 1) if offered else 0,
                )
                out.append(LeftOut(item, q))
        return out

    def broadcast_items_required(self, activity: str) -> int:
        """Return the items a broadcast activity requires, offered to the solver or not."""
        offered = sum(
            n for (a, _, _), n in self.broadcasts.required.items() if a == activity
        )
        return offered + sum(n for a, _, n, _ in self.excluded if a == activity)

    # ------------------------------------------------------------------ hint

    def hint(self, plan: Plan) -> None:
        """Replace the model's hints by the placements of ``plan``.

        Only the placement variables are hinted (half-day sessions, broadcast
        items per day, publication counts, training classes and who attends
        them); events the model has no variable for are skipped.
        """
        sc, grid, m = self.scenario, self.grid, self.model
        m.clear_hints()  # type: ignore[no-untyped-call]
        held: set[tuple[str, str | None, int]] = set()
        aired: Counter[tuple[str, str | None, dt.date]] = Counter()
        classes: dict[tuple[str, int], tuple[str, ...]] = {}
        published: Counter[tuple[str, str, str]] = Counter()
        workday = {d: i for i, d in enumerate(grid.workdays)}
        for e in plan.events:
            if e.kind == Kind.TRAINING:
                start = workday.get(e.start.date())
                if start is not None:
                    classes[(e.activity, start)] = e.communes_served
            elif e.kind == Kind.BROADCAST:
                aired[(e.activity, e.commune_code, e.start.date())] += 1
            elif e.kind == Kind.PUBLICATION:
                spec = sc.activities.get(e.activity)
                if spec is not None:
                    published[
                        (e.activity, e.slot_id or "", period_key(spec, e.start.date()))
                    ] += 1
            else:
                s = self._session_of(e)
                if s is not None:
                    held.add((e.activity, e.commune_code, s.index))
        for (act, code), xs in self.sessions.x.items():
            for i, v in xs.items():
                m.add_hint(v, 1 if (act, code, i) in held else 0)
        for (act, code), days in self.broadcasts.x.items():
            for d, slots in days.items():
                n = aired[(act, code, d)]
                for k, v in enumerate(slots.values()):
                    m.add_hint(v, 1 if k < n else 0)
        pubs = self.publications
        for key, v in pubs.n.items():
            m.add_hint(v, min(published[key], pubs.need[key]))
        for act, tv in self.training.items():
            for start, v in tv.open.items():
                m.add_hint(v, 1 if (act, start) in classes else 0)
            for (code, start), v in tv.attend.items():
                m.add_hint(v, 1 if code in classes.get((act, start), ()) else 0)

    # ------------------------------------------------------------------ fix

    def fix(
        self,
        plan: Plan,
        *,
        before: dt.date | None = None,
        keep: Collection[str] = (),
        free: Event | None = None,
        drop: Collection[str] = (),
    ) -> Fixed:
        """Fix the placements of a plan in the model.

        Two uses, told apart by ``before``:

        - ``before=None`` (what-if): every placement is fixed where the plan
          has it, and the sessions left out at the plan's count, except the
          event ``free``, which must move: the result's ``choices`` (a
          session's other half-days) or ``day_choices`` (a broadcast item's
          other days) say where it goes.
        - ``before=date`` (re-plan): placements on days before it are fixed,
          later ones hinted; events in ``keep`` stay on their date; events in
          ``drop`` are cancelled. The past keeps its funding sources, and the
          result holds the minimal-change terms (``moved``, ``distance``).

        Parameters
        ----------
        plan : Plan
            A plan of the scenario this model was built for.
        before : datetime.date, optional
            The first day that may change (re-plans).
        keep : collection of str
            Ids of events locked on their date (re-plans).
        free : Event, optional
            The one event that moves (what-ifs).
        drop : collection of str
            Ids of cancelled events (re-plans).

        Returns
        -------
        Fixed
            The free event's choices, or the re-plan's change terms.
        """
        if before is None:
            return self._fix_all(plan, free)
        return self._fix_past(plan, before, keep, drop)

    def _fix_all(self, plan: Plan, moving: Event | None) -> Fixed:
        """Fix every event of the plan but ``moving``; return the moving event's choices."""
        m, out = self.model, Fixed()
        placed = _by_place(plan.events)
        for (act, code), xs in self.sessions.x.items():
            taken = {
                s.index: e
                for e in placed.get((act, code), [])
                if (s := self._session_of(e)) is not None
            }
            mine = moving is not None and (act, code) == (
                moving.activity,
                moving.commune_code,
            )
            for i, v in xs.items():
                there = taken.get(i)
                if mine and moving is not None:
                    if there is None:
                        out.choices[i] = v
                        continue
                    m.add(v == (0 if there.event_id == moving.event_id else 1))
                else:
                    m.add(v == (1 if there is not None else 0))
            m.add(self.sessions.missing[(act, code)] == _missing(plan, act, code))
        for (act, code), days in self.broadcasts.x.items():
            count = Counter(e.start.date() for e in placed.get((act, code), []))
            mine = moving is not None and (act, code) == (
                moving.activity,
                moving.commune_code,
            )
            for d, slots in days.items():
                vs = list(slots.values())
                n = count.get(d, 0)
                if mine and moving is not None and d == moving.start.date():
                    m.add(sum(vs) == n - 1)
                elif mine:
                    m.add(sum(vs) >= n)
                    m.add(sum(vs) <= n + 1)
                    out.day_choices.append(sum(vs) - n)
                    out.choice_days.append(d)
                else:
                    m.add(sum(vs) == n)
            if mine:
                m.add(sum(out.day_choices) == 1)
        for act, tv in self.training.items():
            starts = self._class_starts(placed.get((act, None), []))
            for wd, v in tv.open.items():
                m.add(v == (1 if wd in starts else 0))
            for (code, wd), v in tv.attend.items():
                old_class = starts.get(wd)
                sent = old_class is not None and code in old_class.communes_served
                m.add(v == (1 if sent else 0))
        return out

    def _fix_past(
        self,
        old: Plan,
        today: dt.date,
        keep_date: Collection[str],
        cancelled: Collection[str],
    ) -> Fixed:
        """Pin the past, honour locks and collect the minimal-change terms."""
        out = Fixed()
        by_place = _by_place(old.events)
        self._replan_sessions(by_place, today, keep_date, cancelled, out)
        self._replan_broadcasts(old, by_place, today, cancelled, out)
        self._replan_training(by_place, today, keep_date, cancelled, out)
        self._pin_past_sources(old, by_place, today)
        out.moved.extend(self._source_changes(old, cancelled))
        return out

    def _replan_sessions(
        self,
        by_place: dict[tuple[str, str | None], list[Event]],
        today: dt.date,
        keep_date: Collection[str],
        cancelled: Collection[str],
        out: Fixed,
    ) -> None:
        m = self.model
        by_index = {s.index: s for s in self.grid.sessions}
        for (act, code), xs in self.sessions.x.items():
            olds = [
                e for e in by_place.get((act, code), []) if e.event_id not in cancelled
            ]
            at: dict[int, Event] = {}
            for e in olds:
                s = self._session_of(e)
                if s is not None:
                    at[s.index] = e
            for i, v in xs.items():
                day = by_index[i].day
                if day < today:
                    m.add(v == (1 if i in at else 0))
                    continue
                m.add_hint(v, 1 if i in at else 0)
                if i in at and at[i].event_id in keep_date:
                    m.add(v == 1)
            future = [i for i in at if by_index[i].day >= today]
            for i in future:
                out.moved.append(1 - xs[i] if i in xs else 1)
            for e in olds:
                if e.start.date() >= today and not any(at.get(i) is e for i in future):
                    out.moved.append(1)  # its old half-day is gone from the model
            if future:
                for j, v in xs.items():
                    if by_index[j].day >= today:
                        gap = min(abs(j - i) for i in future)
                        if gap:
                            out.distance.append(gap * v)

    def _replan_broadcasts(
        self,
        old: Plan,
        by_place: dict[tuple[str, str | None], list[Event]],
        today: dt.date,
        cancelled: Collection[str],
        out: Fixed,
    ) -> None:
        m = self.model
        for (act, code), days in self.broadcasts.x.items():
            count: dict[dt.date, int] = {}
            for e in by_place.get((act, code), []):
                count[e.start.date()] = count.get(e.start.date(), 0) + 1
            gone = {
                e.start.date()
                for e in old.events
                if e.event_id in cancelled
                and (e.activity, e.commune_code) == (act, code)
            }
            for d, slots in days.items():
                vs = list(slots.values())
                n = count.get(d, 0)
                for k, v in enumerate(vs):
                    if d < today:
                        m.add(v == (1 if k < n else 0))
                    else:
                        m.add_hint(v, 1 if k < n else 0)
                if d >= today and d in gone:
                    m.add(sum(vs) <= n - 1)
                    n -= 1
                if d >= today and n:
                    lost = m.new_int_var(0, n, f"lost[{act},{code},{d}]")
                    m.add(lost >= n - sum(vs))
                    out.moved.append(lost)

    def _replan_training(
        self,
        by_place: dict[tuple[str, str | None], list[Event]],
        today: dt.date,
        keep_date: Collection[str],
        cancelled: Collection[str],
        out: Fixed,
    ) -> None:
        m, workdays = self.model, self.grid.workdays
        for act, tv in self.training.items():
            starts = self._class_starts(by_place.get((act, None), []))
            for wd, v in tv.open.items():
                old_class = starts.get(wd)
                if workdays[wd] < today or (
                    old_class is not None and old_class.event_id in keep_date
                ):
                    held = old_class is not None and old_class.event_id not in cancelled
                    m.add(v == (1 if held else 0))
                elif old_class is not None and old_class.event_id in cancelled:
                    m.add(v == 0)
                else:
                    m.add_hint(v, 1 if old_class is not None else 0)
                    if old_class is not None:
                        out.moved.append(1 - v)
            for (code, wd), v in tv.attend.items():
                old_class = starts.get(wd)
                there = old_class is not None and code in old_class.communes_served
                if workdays[wd] < today:
                    m.add(v == (1 if there else 0))
                else:
                    m.add_hint(v, 1 if there else 0)

    def _pin_past_sources(
        self,
        old: Plan,
        by_place: dict[tuple[str, str | None], list[Event]],
        today: dt.date,
    ) -> None:
        """Keep the past's publication counts and funding sources.

        Each source's share of a quarter covers at least the past events it
        paid for; a past class keeps its source.
        """
        m, grid = self.model, self.grid
        past_paid = Counter(
            (
                e.activity,
                e.slot_id if e.kind == Kind.PUBLICATION else e.commune_code,
                quarter_key(e.start.date()),
                e.funding_source,
            )
            for e in old.events
            if e.start.date() < today and e.kind != Kind.TRAINING
        )
        self._pin_publications(old, today)
        for (paid_act, paid_code, paid_q, paid_src), n in past_paid.items():
            share = self.split.get((paid_act, paid_code or "", paid_q, paid_src or ""))
            if share is not None:
                m.add(share >= n)
        for act, tv in self.training.items():
            for e in by_place.get((act, None), []):
                if e.start.date() < today and e.start.date() in grid.workdays:
                    wd = grid.workdays.index(e.start.date())
                    pick = tv.source.get((wd, e.funding_source or ""))
                    if pick is not None:
                        m.add(pick == 1)

    def _pin_publications(self, old: Plan, today: dt.date) -> None:
        """Keep the old count of items of every publication period begun before ``today``.

        A period's items are dated evenly over its days, so the same count
        gives the same dates: the items already out stay, and so do the rest
        of that period's (the outlet has them in its schedule).
        """
        sc = self.scenario
        held = Counter(
            (
                e.activity,
                e.slot_id or "",
                period_key(sc.activities[e.activity], e.start.date()),
            )
            for e in old.events
            if e.kind == Kind.PUBLICATION and e.activity in sc.activities
        )
        for q in all_quotas(sc, self.grid):
            var = self.publications.n.get(q.key)
            if var is not None and q.days and q.days[0] < today:
                self.model.add(var == min(held[q.key], q.need))

    def _source_changes(
        self, old: Plan, cancelled: Collection[str]
    ) -> list[cp_model.LinearExprT]:
        """Return terms counting the old events that would be paid from another source.

        The model chooses per (activity, commune, quarter) how many events
        each source pays; the old plan's counts are kept unless money forces a
        move (one unit of ``moved`` per event that changes source), so that a
        re-plan with no change gives back every event's source and a budget
        cut moves only what it must. A training class keeps the source of the
        old class on its day.
        """
        sc, grid, m = self.scenario, self.grid, self.model
        had: Counter[tuple[str, str, str, str]] = Counter()
        classes: dict[tuple[str, int], str] = {}
        for e in old.events:
            if e.event_id in cancelled or e.funding_source is None:
                continue
            if e.kind == Kind.TRAINING:
                if e.start.date() in grid.workdays:
                    wd = grid.workdays.index(e.start.date())
                    classes[(e.activity, wd)] = e.funding_source
                continue
            key = (e.activity, e.commune_code or "", quarter_key(e.start.date()))
            had[(*key, e.funding_source)] += 1
        out: list[cp_model.LinearExprT] = []
        for (act, code, q, src), n in sorted(had.items()):
            if len(sc.activities[act].funding_sources) < 2:
                continue
            share = self.split.get((act, code, q, src))
            lost = m.new_int_var(0, n, f"refunded[{act},{code},{q},{src}]")
            m.add(lost >= n - (share if share is not None else 0))
            out.append(lost)
        for (act, wd), src in sorted(classes.items()):
            tv = self.training.get(act)
            if tv is None or wd not in tv.open or (wd, src) not in tv.source:
                continue
            out.append(tv.open[wd] - tv.source[(wd, src)])
        return out

    # ------------------------------------------------------------------ explanations, cuts

    def cap_left_out(self, plan: Plan, item: Unscheduled) -> None:
        """Hold every left-out count at most the plan's, and ``item``'s at none.

        An explanation of why ``item`` is left out asks whether it fits with
        every other required item held as the plan holds it.
        """
        m = self.model
        missing_now = {(u.activity, u.commune_code): u.count for u in plan.unscheduled}
        short_now = {
            (u.activity, u.commune_code, u.period): u.count
            for u in plan.unscheduled
            if u.reason == "short"
        }
        pubs_now = {
            (u.activity, u.period): u.count
            for u in plan.unscheduled
            if u.commune_code is None and u.period is not None
        }
        # every broadcast month keeps what the plan airs: the item may not be
        # paid for by dropping broadcasts
        for key3, var in self.broadcasts.short.items():
            m.add(var <= short_now.get(key3, 0))
        for key, var in self.sessions.missing.items():
            mine = key == (item.activity, item.commune_code)
            m.add(var <= (0 if mine else missing_now.get(key, 0)))
        # publications keep what the plan holds; the item itself is held
        for (act_id, outlet, period), var in self.publications.missing.items():
            label = f"{period}/{outlet}"
            mine = (item.activity, item.period) == (act_id, label)
            m.add(var <= (0 if mine else pubs_now.get((act_id, label), 0)))
        for act_id, tv in self.training.items():
            for code, var in tv.untrained.items():
                mine = (act_id, code) == (item.activity, item.commune_code)
                m.add(var <= (0 if mine else missing_now.get((act_id, code), 0)))

    def literal_of(self, event: Event) -> cp_model.IntVar | None:
        """Return the variable that places an event, or None.

        A session's half-day variable; a class's start-day variable; None for
        other kinds, and for an event the model has no variable for.
        """
        if event.kind == Kind.SESSION:
            s = self._session_of(event)
            xs = self.sessions.x.get((event.activity, event.commune_code or ""), {})
            return xs.get(s.index) if s is not None else None
        if event.kind == Kind.TRAINING:
            tv = self.training.get(event.activity)
            wd = _workday(self.grid, event.start.date())
            return tv.open.get(wd) if tv is not None and wd is not None else None
        return None

    def placement_vars(self) -> list[cp_model.IntVar]:
        """Return every variable that places an event (sessions, broadcasts, classes).

        Publications' counts per period are included: they place items too.
        """
        out = [x for xs in self.sessions.x.values() for x in xs.values()]
        out += [
            v
            for days in self.broadcasts.x.values()
            for slots in days.values()
            for v in slots.values()
        ]
        out += list(self.publications.n.values())
        for tv in self.training.values():
            out += list(tv.open.values())
            out += list(tv.attend.values())
        return out

    def whole_counts(self) -> list[list[int]]:
        """Return groups of variable indices whose sum every plan has whole.

        Each training activity's classes opened, the dearest class (fixed
        cost) first, then each session activity's sessions held, the dearest
        session first, then the same counts quarter by quarter (the budget's
        periods) for each activity that has days in more than one: the order
        to split a linear relaxation on them (:mod:`scheduler.solver.guided`).
        """
        trainings = sorted(
            (tv for tv in self.training.values() if tv.open),
            key=lambda tv: -tv.fixed_cost,
        )
        quarter_of_session = {s.index: quarter_key(s.day) for s in self.grid.sessions}
        held: dict[str, list[int]] = {}
        held_in: dict[tuple[str, str], list[int]] = {}
        dearest: dict[str, int] = {}
        for (act_id, code), xs in self.sessions.x.items():
            held.setdefault(act_id, []).extend(v.index for v in xs.values())
            for i, v in xs.items():
                key = (act_id, quarter_of_session[i])
                held_in.setdefault(key, []).append(v.index)
            price = self.sessions.cost[(act_id, code)]
            dearest[act_id] = max(dearest.get(act_id, 0), price)
        classes = [[v.index for v in tv.open.values()] for tv in trainings]
        by_price = sorted(held, key=lambda a: -dearest[a])
        sessions = [held[act_id] for act_id in by_price if held[act_id]]
        quarters = sorted({q for _, q in held_in})
        classes_in: list[list[int]] = []
        for tv in trainings:
            by_quarter: dict[str, list[int]] = {}
            for d, v in tv.open.items():
                q = quarter_key(self.grid.workdays[d])
                by_quarter.setdefault(q, []).append(v.index)
            if len(by_quarter) > 1:
                classes_in += [by_quarter[q] for q in sorted(by_quarter)]
        sessions_in = []
        for act_id in by_price:
            mine = [held_in[(act_id, q)] for q in quarters if (act_id, q) in held_in]
            if len(mine) > 1:  # one quarter's count would be the total again
                sessions_in += mine
        # a quarter's count is whole too: the relaxation that holds 50.8
        # dialogues in one quarter's budget and 51.5 in the next is split on
        # them (130 communes ×0.8: the bound 7,556,600 → 7,671,440, the optimum
        # of the placement model)
        return classes + sessions + classes_in + sessions_in

    def placing_indices(self, event: Event) -> set[int]:
        """Return the proto indices of the variables that place a session or a class.

        A session's half-day variable; a class's start-day variable and its
        communes' attendance on that day. Empty for other kinds.
        """
        if event.kind == Kind.SESSION:
            x = self.literal_of(event)
            return {x.index} if x is not None else set()
        if event.kind == Kind.TRAINING:
            tv = self.training.get(event.activity)
            start = _workday(self.grid, event.start.date())
            if tv is None or start is None or start not in tv.open:
                return set()
            return {tv.open[start].index} | {
                v.index for (_, d), v in tv.attend.items() if d == start
            }
        return set()

    def session_row(self, event: Event) -> set[int] | None:
        """Return the proto indices of every half-day variable of a session's row.

        The row is the session's activity in its commune: the half-days it
        may take. None for an event that is not a session of the model.
        """
        if event.kind != Kind.SESSION:
            return None
        xs = self.sessions.x.get((event.activity, event.commune_code or ""))
        return None if xs is None else {v.index for v in xs.values()}

    def held_sessions(self, solver: cp_model.CpSolver) -> list[HeldSession]:
        """Return the sessions a solution holds, in the model's order."""
        by_index = {s.index: s for s in self.grid.sessions}
        return [
            HeldSession(act_id, code, by_index[i], self.sessions.venue[(act_id, code)])
            for (act_id, code), xs in self.sessions.x.items()
            for i, v in xs.items()
            if solver.value(v)
        ]

    def session_literal(
        self, activity: str, commune: str, day: dt.date, half: HalfDay
    ) -> cp_model.IntVar | None:
        """Return the variable of a session on a half-day, or None when it has none."""
        s = self.grid.session_at.get((day, half))
        xs = self.sessions.x.get((activity, commune))
        if s is None or xs is None:
            return None
        return xs.get(s.index)

    # ------------------------------------------------------------------ helpers

    def _session_of(self, event: Event) -> Session | None:
        """Return the half-day session an event starts in (None off the grid)."""
        day = event.start.date()
        return self.grid.session_at.get(
            (day, half_of(self.scenario.calendar, event.start))
        )

    def _class_starts(self, classes: list[Event]) -> dict[int, Event]:
        """Return the classes by the workday they start on (classes off workdays skipped)."""
        starts: dict[int, Event] = {}
        for e in classes:
            wd = _workday(self.grid, e.start.date())
            if wd is not None:
                starts[wd] = e
        return starts


def _workday(grid: TimeGrid, day: dt.date) -> int | None:
    """Return the index of a working day (None when it is not one)."""
    return grid.workdays.index(day) if day in grid.workdays else None


def _by_place(events: tuple[Event, ...]) -> dict[tuple[str, str | None], list[Event]]:
    """Return the events per (activity, commune), in plan order."""
    out: dict[tuple[str, str | None], list[Event]] = {}
    for e in events:
        out.setdefault((e.activity, e.commune_code), []).append(e)
    return out


def _missing(plan: Plan, act: str, code: str) -> int:
    """Return the sessions of an activity a plan leaves out in a commune."""
    return sum(
        u.count
        for u in plan.unscheduled
        if u.activity == act and u.commune_code == code and u.reason == "left_out"
    )


def _assign_sources(
    sources: tuple[str, ...], counts: dict[str, int], n_events: int
) -> list[str]:
    """Spread events (in time order) over sources in declared order by their counts."""
    out: list[str] = []
    for f in sources:
        out.extend([f] * counts.get(f, 0))
    # counts always add up to n_events; the guard keeps a short list usable
    while len(out) < n_events:
        out.append(sources[0])
    return out[:n_events]
