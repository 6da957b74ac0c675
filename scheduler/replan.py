"""Re-plan after real changes, keeping the past and changing as little of the future as it can.

A change file (``changes.toml``, see docs/replan.md) lists what happened:
communes closed, staff unavailable, budget cuts, cancelled events, new
communes, and locks on events the planner wants kept. :func:`replan`

- writes the changes into the scenario (blocked periods from ``today`` on,
  smaller allowances, one session fewer for a cancelled one, new rows);
- pins everything before ``today`` exactly as the old plan has it (same
  times, same people, same ids, status ``pinned``) and honours the locks
  (a whole event, only its date, or only its staff);
- solves lexicographically: first required coverage (nothing is dropped that
  can be kept), then the number of events moved or re-staffed, then how far
  they move (in half-days), then the usual objective, with the old plan as the
  solution hint and the old staff preferred by the naming stage;
- gives each new event the id of the old event it continues, so that
  published calendars update the same entries, and lists every difference
  (moved, re-staffed, added, cancelled) with its reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from scheduler.calendar import TimeGrid, build_grid, quarter_key
from scheduler.errors import InputProblem, ScenarioError
from scheduler.explain import explained
from scheduler.i18n import pick
from scheduler.kinds import Kind
from scheduler.model.builder import BuiltModel
from scheduler.plan import Change, Event, Plan
from scheduler.scenario.schema import (
    BlockedPeriod,
    Code,
    Commune,
    CommuneCode,
    Day,
    Frozen,
    Money,
    OptText,
    People,
    Scenario,
    StationSlot,
    Venue,
)

# --------------------------------------------------------------------------- the file


class Closure(Frozen):
    """A commune that cannot host anything for some days (storm, flood, harvest)."""

    commune: CommuneCode
    start: Day
    end: Day
    reason: OptText = None


class Absence(Frozen):
    """A person who cannot work for some days (illness, other duty)."""

    staff: Code
    start: Day
    end: Day
    reason: OptText = None


class BudgetCut(Frozen):
    """Money taken away from a funding source in a quarter."""

    source: Code
    quarter: str
    amount_vnd: Money
    reason: OptText = None


class Cancellation(Frozen):
    """An event that will not happen (and is not to be held elsewhere)."""

    event: str
    reason: OptText = None


class NewCommune(Frozen):
    """A commune joining the campaign, with its venue and station slots."""

    commune_code: CommuneCode
    commune_name: str
    poor_households: People
    near_poor_households: People = 0
    venues: tuple[Venue, ...] = ()
    stations: tuple[StationSlot, ...] = ()


class Lock(Frozen):
    """An event to keep: whole (``all``), only its date, or only its staff."""

    event: str
    keep: Literal["all", "date", "staff"] = "all"


class ChangeSet(Frozen):
    """Everything a ``changes.toml`` file says."""

    commune_closed: tuple[Closure, ...] = ()
    staff_unavailable: tuple[Absence, ...] = ()
    budget_cut: tuple[BudgetCut, ...] = ()
    cancel: tuple[Cancellation, ...] = ()
    new_commune: tuple[NewCommune, ...] = ()
    lock: tuple[Lock, ...] = ()


def read_changes(path: Path) -> ChangeSet:
    """Read a ``changes.toml`` file.

    Raises
    ------
    ScenarioError
        With every problem found, each naming the file and the key.
    """
    # the scenario's readers and messages: the file named, in both languages
    from scheduler.scenario.load import validation_problems
    from scheduler.scenario.readers import read_toml

    data, _ = read_toml(path)
    try:
        return ChangeSet.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, path.name, None)) from exc


def _reversed_period(
    file: str, section: str, i: int, start: dt.date, end: dt.date
) -> list[InputProblem]:
    """Return the problem of a period that ends before it starts, if it does."""
    if end >= start:
        return []
    return [
        InputProblem(
            file,
            None,
            f"{section}.{i}.end",
            "kết thúc trước khi bắt đầu",
            "end before start",
        )
    ]


def check_changes(
    changes: ChangeSet, scenario: Scenario, plan: Plan, file: str
) -> list[InputProblem]:
    """Return the references in a change set that point at nothing."""
    out = []
    codes = {c.commune_code for c in scenario.communes}
    staff = {p.staff_id for p in scenario.staff}
    ids = {e.event_id for e in plan.events}
    sources = {f.id for f in scenario.funding}
    for i, c in enumerate(changes.commune_closed):
        if c.commune not in codes | {n.commune_code for n in changes.new_commune}:
            out.append(
                InputProblem(
                    file,
                    None,
                    f"commune_closed.{i}.commune",
                    f"không có xã '{c.commune}'",
                    f"no commune '{c.commune}'",
                )
            )
        out.extend(_reversed_period(file, "commune_closed", i, c.start, c.end))
    for i, a in enumerate(changes.staff_unavailable):
        if a.staff not in staff:
            out.append(
                InputProblem(
                    file,
                    None,
                    f"staff_unavailable.{i}.staff",
                    f"không có cán bộ '{a.staff}'",
                    f"no staff '{a.staff}'",
                )
            )
        out.extend(_reversed_period(file, "staff_unavailable", i, a.start, a.end))
    for i, b in enumerate(changes.budget_cut):
        if b.source not in sources:
            out.append(
                InputProblem(
                    file,
                    None,
                    f"budget_cut.{i}.source",
                    f"không có nguồn '{b.source}'",
                    f"no funding source '{b.source}'",
                )
            )
    refs: list[tuple[str, int, str]] = [
        ("cancel", i, c.event) for i, c in enumerate(changes.cancel)
    ] + [("lock", i, lk.event) for i, lk in enumerate(changes.lock)]
    for key, i, event in refs:
        if True:
            if event not in ids:
                out.append(
                    InputProblem(
                        file,
                        None,
                        f"{key}.{i}.event",
                        f"kế hoạch không có sự kiện '{event}'",
                        f"the plan has no event '{event}'",
                    )
                )
    by_id = {e.event_id: e for e in plan.events}
    for i, lk in enumerate(changes.lock):
        e = by_id.get(lk.event)
        if e is None:
            continue
        day = e.start.date()
        if lk.keep in ("all", "date") and any(
            c.commune == e.commune_code and c.start <= day <= c.end
            for c in changes.commune_closed
        ):
            out.append(
                InputProblem(
                    file,
                    None,
                    f"lock.{i}.event",
                    f"giữ nguyên ngày của '{lk.event}' nhưng xã đóng cửa ngày {day:%d/%m/%Y}",
                    f"'{lk.event}' is locked to {day} but its commune is closed then",
                )
            )
        if lk.keep in ("all", "staff") and any(
            a.staff in e.staff_ids and a.start <= day <= a.end
            for a in changes.staff_unavailable
        ):
            out.append(
                InputProblem(
                    file,
                    None,
                    f"lock.{i}.event",
                    f"giữ nguyên cán bộ của '{lk.event}' nhưng có người vắng ngày {day:%d/%m/%Y}",
                    f"'{lk.event}' keeps its staff but one of them is away on {day}",
                )
            )
    for i, n in enumerate(changes.new_commune):
        if n.commune_code in codes:
            out.append(
                InputProblem(
                    file,
                    None,
                    f"new_commune.{i}.commune_code",
                    f"xã '{n.commune_code}' đã có",
                    f"commune '{n.commune_code}' already exists",
                )
            )
    return out  # fmt: skip


# --------------------------------------------------------------------------- scenario


def apply_changes(
    scenario: Scenario, changes: ChangeSet, today: dt.date, plan: Plan
) -> Scenario:
    """Return the scenario with the changes written in (blocked periods from ``today`` on)."""
    sc = scenario
    blocked = list(sc.blocked)
    for c in changes.commune_closed:
        if c.end >= today:
            blocked.append(
                BlockedPeriod(
                    kind="commune",
                    ref=c.commune,
                    start_date=max(c.start, today),
                    end_date=c.end,
                    reason=c.reason,
                )
            )
    for a in changes.staff_unavailable:
        if a.end >= today:
            blocked.append(
                BlockedPeriod(
                    kind="staff",
                    ref=a.staff,
                    start_date=max(a.start, today),
                    end_date=a.end,
                    reason=a.reason,
                )
            )
    funding = []
    for f in sc.funding:
        allowance = dict(f.allowance_vnd)
        for cut in changes.budget_cut:
            if cut.source == f.id:
                allowance[cut.quarter] = max(
                    allowance.get(cut.quarter, 0) - cut.amount_vnd, 0
                )
        funding.append(f.model_copy(update={"allowance_vnd": allowance}))
    activities = dict(sc.activities)
    by_id = {e.event_id: e for e in plan.events}
    for cancel in changes.cancel:
        e = by_id[cancel.event]
        if e.kind != Kind.SESSION or e.commune_code is None:
            continue
        spec = activities[e.activity]
        left = sc.required_count(e.activity, e.commune_code) - 1
        activities[e.activity] = spec.model_copy(
            update={
                "per_commune_override": {
                    **spec.per_commune_override,
                    e.commune_code: max(left, 0),
                }
            }
        )
        sc = sc.model_copy(update={"activities": activities})
    communes = list(sc.communes)
    venues = list(sc.venues)
    stations = list(sc.stations)
    for n in changes.new_commune:
        communes.append(
            Commune(
                commune_code=n.commune_code,
                commune_name=n.commune_name,
                poor_households=n.poor_households,
                near_poor_households=n.near_poor_households,
            )
        )
        venues.extend(n.venues)
        stations.extend(n.stations)
    return sc.model_copy(
        update={
            "blocked": tuple(blocked),
            "funding": tuple(funding),
            "activities": activities,
            "communes": tuple(communes),
            "venues": tuple(venues),
            "stations": tuple(stations),
        }
    )


# --------------------------------------------------------------------------- model


def _prepare(
    old: Plan, today: dt.date, changes: ChangeSet
) -> Callable[[BuiltModel], None]:
    """Return the hook that pins the past, honours locks and adds the change goals.

    The fixing is the model's (:meth:`scheduler.model.variables.Variables.fix`);
    the change goals weigh what it returns: each event moved or paid from
    another source, and the half-days between old and new sessions.
    """
    cancelled = {c.event for c in changes.cancel}
    keep_date = {lk.event for lk in changes.lock if lk.keep in ("all", "date")}

    def prepare(built: BuiltModel) -> None:
        ctx = built.ctx
        fixed = ctx.vars.fix(old, before=today, keep=keep_date, drop=cancelled)
        ctx.penalise("moved", sum(fixed.moved), 1, "replan")
        ctx.penalise("distance", sum(fixed.distance), 1, "replan")

    return prepare


# --------------------------------------------------------------------------- ids and changes


def _match(
    sc: Scenario, old: Plan, new: Plan, cancelled: set[str]
) -> tuple[list[Event], list[Event]]:
    """Give new events the ids of the old events they continue.

    Within each activity and commune, an event at the same time as an old one
    takes its id; the others take the remaining old ids in time order; any
    event beyond keeps the solver's id, or ``…-r<n>`` when an old event has it;
    any old id left over is cancelled.
    """
    groups_old: dict[tuple[str, str | None], list[Event]] = {}
    groups_new: dict[tuple[str, str | None], list[Event]] = {}
    for e in old.events:
        if e.event_id not in cancelled:
            groups_old.setdefault((e.activity, e.commune_code), []).append(e)
    for e in new.events:
        groups_new.setdefault((e.activity, e.commune_code), []).append(e)
    taken = {e.event_id for e in old.events}
    events: list[Event] = []
    gone: list[Event] = [e for e in old.events if e.event_id in cancelled]
    fresh = 0
    for key in sorted(
        set(groups_old) | set(groups_new), key=lambda k: (k[0], k[1] or "")
    ):
        olds = sorted(groups_old.get(key, []), key=lambda e: e.start)
        news = sorted(groups_new.get(key, []), key=lambda e: e.start)
        pairs: dict[int, Event] = {}
        left_old = list(olds)
        for n, e in enumerate(news):
            same = next((o for o in left_old if o.start == e.start), None)
            if same is not None:
                pairs[n] = same
                left_old.remove(same)
        for n, _ in enumerate(news):
            if n not in pairs and left_old:
                pairs[n] = left_old.pop(0)
        for n, e in enumerate(news):
            if n in pairs:
                events.append(replace(e, event_id=pairs[n].event_id))
            else:
                eid = e.event_id
                while eid in taken:
                    fresh += 1
                    eid = f"{e.event_id}-r{fresh}"
                taken.add(eid)
                events.append(replace(e, event_id=eid))
        gone.extend(left_old)
    return events, gone


def _reason(
    sc: Scenario, changes: ChangeSet, e: Event, kind: str, old: Plan | None = None
) -> tuple[str, str]:
    """Return why an event changed, in Vietnamese and English."""
    day = e.start.date()
    for c in changes.commune_closed:
        if e.commune_code == c.commune and c.start <= day <= c.end:
            name = sc.commune(c.commune).commune_name
            why = f" ({c.reason})" if c.reason else ""
            return (
                f"{name} đóng cửa {c.start:%d/%m}–{c.end:%d/%m}{why}",
                f"{name} closed {c.start}–{c.end}{why}",
            )
    for a in changes.staff_unavailable:
        if a.staff in e.staff_ids and a.start <= day <= a.end:
            who = next(p.name for p in sc.staff if p.staff_id == a.staff)
            why = f" ({a.reason})" if a.reason else ""
            return (
                f"{who} vắng {a.start:%d/%m}–{a.end:%d/%m}{why}",
                f"{who} away {a.start}–{a.end}{why}",
            )
    for cancel in changes.cancel:
        if cancel.event == e.event_id:
            why = f" ({cancel.reason})" if cancel.reason else ""
            return f"huỷ theo yêu cầu{why}", f"cancelled on request{why}"
    if any(n.commune_code == e.commune_code for n in changes.new_commune):
        return "xã mới tham gia", "new commune"
    if kind == "added" and old is not None and _fills_shortfall(old, e):
        return (
            "bù phần kế hoạch cũ còn thiếu (chưa xếp được)",
            "fills what the old plan left out",
        )
    if changes.budget_cut and kind in ("cancelled", "moved", "source"):
        return (
            "cắt giảm kinh phí hoặc dời theo các thay đổi khác",
            "budget cut, or a knock-on of the other changes",
        )
    if kind == "source":
        return (
            "đổi nguồn kinh phí để đủ tiền cho các thay đổi khác (kéo theo)",
            "paid from another source to fund the other changes (knock-on)",
        )
    return (
        "dời theo các thay đổi khác (kéo theo)",
        "knock-on of the other changes",
    )


def _fills_shortfall(old: Plan, e: Event) -> bool:
    """Return whether the old plan left out an item of this event's kind and place."""
    month = e.start.strftime("%Y-%m") if e.kind == Kind.BROADCAST else None
    for u in old.unscheduled:
        if u.activity != e.activity:
            continue
        if e.kind == Kind.TRAINING:
            if u.commune_code in e.communes_served:
                return True
        elif u.commune_code == e.commune_code and u.period in (None, month):
            return True
    return False


def diff(
    sc: Scenario, old: Plan, events: list[Event], gone: list[Event], changes: ChangeSet
) -> list[Change]:
    """List moved, re-staffed, re-funded, added and cancelled events with their reasons.

    A kept event paid from another funding source is a change too (kind
    ``source``): its calendar entry and the spending tables change.
    """
    before = {e.event_id: e for e in old.events}
    out = []
    for e in events:
        o = before.get(e.event_id)
        if o is None:
            out.append(
                Change(
                    e.event_id,
                    "added",
                    *_reason(sc, changes, e, "added", old),
                    None,
                    e.start,
                    (),
                    e.staff_ids,
                    None,
                    e.funding_source,
                )
            )
            continue
        moved = o.start != e.start
        restaffed = sorted(o.staff_ids) != sorted(e.staff_ids)
        refunded = o.funding_source != e.funding_source
        if not moved and not restaffed and not refunded:
            continue
        kind = (
            "moved_restaffed"
            if moved and restaffed
            else "moved"
            if moved
            else "restaffed"
            if restaffed
            else "source"
        )
        out.append(
            Change(
                e.event_id,
                kind,
                *_reason(sc, changes, o, kind),
                o.start,
                e.start,
                o.staff_ids,
                e.staff_ids,
                o.funding_source,
                e.funding_source,
            )
        )
    for o in gone:
        out.append(
            Change(
                o.event_id,
                "cancelled",
                *_reason(sc, changes, o, "cancelled"),
                o.start,
                None,
                o.staff_ids,
                (),
                o.funding_source,
                None,
            )
        )
    return sorted(out, key=lambda c: (c.kind, c.event_id))  # fmt: skip


# --------------------------------------------------------------------------- whole


@dataclass(frozen=True)
class Replan:
    """A re-plan: the new plan and the scenario it was made for (changes applied)."""

    plan: Plan
    scenario: Scenario
    grid: TimeGrid


def replan(
    scenario: Scenario,
    old: Plan,
    today: dt.date,
    changes: ChangeSet,
    overrides: dict[str, Any] | None = None,
) -> Replan:
    """Re-plan from ``today`` on.

    Parameters
    ----------
    scenario : Scenario
        The scenario the old plan was made for.
    old : Plan
        The plan in force.
    today : datetime.date
        Everything that starts before this day is kept exactly as it was.
    changes : ChangeSet
        What happened (see :func:`read_changes`).
    overrides : dict, optional
        CP-SAT parameters over the scenario's.

    Returns
    -------
    Replan
        The new plan (events keep their ids; ``changes`` lists the
        differences, ``cancelled`` the events dropped) and the changed
        scenario, to check and export it against.

    Raises
    ------
    ScenarioError
        When the changes point at nothing or contradict their own locks.
    InfeasibleScenario
        When the changes leave no plan that keeps the past and the locks.
    """
    from scheduler.solver.solve import solve

    problems = check_changes(changes, scenario, old, "changes.toml")
    if problems:
        raise ScenarioError(problems)
    sc = apply_changes(scenario, changes, today, old)
    stages = (("coverage",), ("moved",), ("distance",))
    sc = sc.model_copy(
        update={"solver": sc.solver.model_copy(update={"stages": stages})}
    )
    grid = build_grid(sc)
    cancelled = {c.event for c in changes.cancel}
    keep_staff = {lk.event for lk in changes.lock if lk.keep in ("all", "staff")}
    by_id = {e.event_id: e for e in old.events}
    fixed = {
        e.event_id: tuple((a.staff_id, a.role) for a in e.staff)
        for e in old.events
        if e.start.date() < today or e.event_id in keep_staff
    }
    prefer = {
        e.event_id: tuple((a.staff_id, a.role) for a in e.staff)
        for e in old.events
        if e.staff and e.event_id not in cancelled
    }
    # naming sees the solver's draft ids (activity-commune-ordinal in time
    # order, activity-ordinal for classes); they equal the old ids whenever a
    # commune's events keep their order, which pinning the past guarantees for
    # the past and which holds for every one-per-commune activity
    with explained(sc, grid):
        fresh = solve(
            sc,
            grid,
            overrides=overrides,
            prepare=_prepare(old, today, changes),
            fixed_staff=fixed,
            preferred_staff=prefer,
        )
    fresh = replace(fresh, events=_keep_broadcast_slots(sc, old, fresh, today))
    fresh = replace(fresh, events=_keep_broadcast_topics(sc, old, fresh, today))
    events, gone = _match(sc, old, fresh, cancelled)
    events = _keep_sources(sc, old, events, today)
    # the past is kept exactly: the old event itself, marked pinned
    kept = []
    for e in events:
        before = by_id.get(e.event_id)
        if e.start.date() < today and before is not None:
            kept.append(replace(before, status="pinned"))
        else:
            kept.append(e)
    kept.sort(key=lambda e: (e.start, e.event_id))
    changes_list = diff(sc, old, kept, gone, changes)
    digest = hashlib.sha256(old.to_json().encode("utf-8")).hexdigest()[:16]
    plan = replace(
        fresh,
        events=tuple(kept),
        changes=tuple(changes_list),
        cancelled=tuple(replace(e, status="cancelled") for e in gone),
        replanned_from=digest,
        today=today,
    )
    return Replan(plan, sc, grid)


def _keep_broadcast_slots(
    sc: Scenario, old: Plan, new: Plan, today: dt.date
) -> tuple[Event, ...]:
    """Air a broadcast on a day the old plan already aired one in the old slot.

    With one item a day, the plan alternates a commune's usable station slots
    in time order (``solve._extract``), and the model counts items per day,
    not slots. So one item added or removed flipped the slot, and the start,
    of every later item of that commune: on Hưng Nguyên a storm re-plan listed
    27 broadcasts as moved whose days had not changed. A future day that held
    an item of the same activity in the same commune keeps that item's slot
    and times; only the days that changed are changes.
    """
    before = {
        (e.activity, e.commune_code, e.start.date()): e
        for e in old.events
        if e.kind == Kind.BROADCAST and e.start.date() >= today
    }
    out = []
    for e in new.events:
        was = before.get((e.activity, e.commune_code, e.start.date()))
        if (
            e.kind == Kind.BROADCAST
            and was is not None
            and was.slot_id != e.slot_id
            and sc.activities[e.activity].max_per_day == 1
        ):
            e = replace(e, slot_id=was.slot_id, start=was.start, end=was.end)
        out.append(e)
    return tuple(out)


def _keep_broadcast_topics(
    sc: Scenario, old: Plan, new: Plan, today: dt.date
) -> tuple[Event, ...]:
    """Keep the old topic of every broadcast day kept, when the topic rules allow.

    Topics follow a fixed rotation by item number (``model/broadcasts.py``), so
    one item added to a commune gave every later item the next topic: on the
    storm re-plan of Hưng Nguyên 54 broadcasts kept their day and slot but not
    their topic, and their calendar entries changed. Here a kept day keeps its
    topic, and an added day takes a topic not aired within ``topic_gap_days``
    of it (preferring one its quarter lacks). When that breaks the gap or
    "every topic each quarter" for a commune, its items keep the rotation,
    which the model proved to satisfy both.
    """
    before = {
        (e.activity, e.commune_code, e.start.date()): e.topic
        for e in old.events
        if e.kind == Kind.BROADCAST
    }
    groups: dict[tuple[str, str | None], list[Event]] = {}
    for e in new.events:
        if e.kind == Kind.BROADCAST:
            groups.setdefault((e.activity, e.commune_code), []).append(e)
    chosen: dict[str, str | None] = {}  # event id -> topic
    for (act, code), items in groups.items():
        spec = sc.activities[act]
        topics = [t.topic_id for t in sc.topics_for(act)]
        items = sorted(items, key=lambda e: e.start)
        # the past (pinned: old topics) and the kept days are fixed
        fixed = {
            e.event_id: before[(act, code, e.start.date())]
            for e in items
            if (act, code, e.start.date()) in before
        }
        if not topics:
            continue
        mine = dict(fixed)
        gap = spec.topic_gap_days
        for e in items:
            if e.event_id in mine:
                continue
            day, quarter = e.start.date(), quarter_key(e.start.date())
            near = {
                mine[o.event_id]
                for o in items
                if o.event_id in mine and abs((o.start.date() - day).days) < gap
            }
            lacking = set(topics) - {
                mine[o.event_id]
                for o in items
                if o.event_id in mine and quarter_key(o.start.date()) == quarter
            }
            free = [t for t in topics if t not in near]
            if not free:
                break
            # the rotation's own topic when it fits, else one the quarter lacks
            mine[e.event_id] = (
                e.topic
                if e.topic in free and (e.topic in lacking or not lacking & set(free))
                else next((t for t in free if t in lacking), free[0])
            )
        if len(mine) == len(items) and _topics_hold(sc, act, items, mine):
            chosen.update(mine)
    return tuple(
        replace(e, topic=chosen[e.event_id]) if e.event_id in chosen else e
        for e in new.events
    )


def _topics_hold(
    sc: Scenario, act: str, items: list[Event], topic: dict[str, str | None]
) -> bool:
    """Return whether a commune's items keep the topic gap and every topic each quarter."""
    spec = sc.activities[act]
    last: dict[str | None, dt.date] = {}
    for e in items:
        t, day = topic[e.event_id], e.start.date()
        if t in last and (day - last[t]).days < spec.topic_gap_days:
            return False
        last[t] = day
    if spec.every_topic_per_quarter:
        topics = {t.topic_id for t in sc.topics_for(act)}
        aired: dict[str, set[str | None]] = {}
        for e in items:
            aired.setdefault(quarter_key(e.start.date()), set()).add(topic[e.event_id])
        # a quarter the rotation covered must still be covered
        rotation: dict[str, set[str | None]] = {}
        for e in items:
            rotation.setdefault(quarter_key(e.start.date()), set()).add(e.topic)
        for q, had in rotation.items():
            if topics <= had and not topics <= aired.get(q, set()):
                return False
    return True


def _keep_sources(
    sc: Scenario, old: Plan, events: list[Event], today: dt.date
) -> list[Event]:
    """Give each event its old funding source wherever the model's counts allow.

    The solver labels a quarter's events with sources in time order, as many
    of each as the model's split says; relabelled in time order, one event
    added early in a quarter shifted the source of every later one. Here the
    past keeps its sources (the model guarantees each count covers them),
    then every kept event takes its old source while that source's count
    lasts, and the rest take what remains, in time order.
    """
    before = {e.event_id: e for e in old.events}
    groups: dict[tuple[str, str | None, str], list[int]] = {}
    for n, e in enumerate(events):
        if e.kind != Kind.TRAINING:
            groups.setdefault(
                (e.activity, e.commune_code, quarter_key(e.start.date())), []
            ).append(n)
    out = list(events)

    def rank(n: int) -> tuple[int, dt.datetime]:
        e, was = events[n], before.get(events[n].event_id)
        if was is None or quarter_key(was.start.date()) != quarter_key(e.start.date()):
            return (3, e.start)
        if e.start.date() < today:
            return (0, e.start)
        return (1 if was.start == e.start else 2, e.start)

    for (act, _, _), members in groups.items():
        counts = Counter(events[n].funding_source for n in members)
        rest = []
        for n in sorted(members, key=rank):
            was = before.get(events[n].event_id)
            want = was.funding_source if was is not None and rank(n)[0] < 3 else None
            if want is not None and counts[want] > 0:
                counts[want] -= 1
                out[n] = replace(events[n], funding_source=want)
            else:
                rest.append(n)
        order = sc.activities[act].funding_sources
        remaining: list[str | None] = [
            f for f in order for _ in range(max(counts.get(f, 0), 0))
        ]
        remaining += [f for f in counts if f not in order for _ in range(counts[f])]
        for n, f in zip(
            sorted(rest, key=lambda n: events[n].start), remaining, strict=False
        ):
            out[n] = replace(events[n], funding_source=f)
    return out


def changes_csv(plan: Plan, lang: str = "vi") -> bytes:
    """Return the differences of a re-plan as CSV (UTF-8 with BOM for Excel)."""
    import csv
    import io

    head = {
        "vi": ("Mã sự kiện", "Thay đổi", "Lý do", "Thời gian cũ", "Thời gian mới", "Cán bộ cũ", "Cán bộ mới", "Nguồn cũ", "Nguồn mới"),
        "en": ("Event id", "Change", "Reason", "Old start", "New start", "Old staff", "New staff", "Old source", "New source"),
    }[pick(lang, "vi", "en")]  # fmt: skip
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(head)
    for c in plan.changes:
        w.writerow(
            [
                c.event_id,
                c.kind,
                pick(lang, c.reason, c.reason_en or c.reason),
                c.old_start.isoformat() if c.old_start else "",
                c.new_start.isoformat() if c.new_start else "",
                ";".join(c.old_staff),
                ";".join(c.new_staff),
                c.old_source or "",
                c.new_source or "",
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
