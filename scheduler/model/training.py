"""Hard: training classes for commune staff at a central venue (seeds 001, 004).

Rules for each ``training`` activity:

- classes of at most ``class_size`` trainees (and no more than the venue
  holds), each lasting ``duration_days`` consecutive working days inside the
  activity's window, on days when enough holders of each role (trainers) are
  free for the whole class;
- one class at a time at a venue;
- every commune sends its ``trainees_per_commune`` trainees to one class; a
  commune left untrained costs the ``coverage`` penalty;
- trainers are counted like session staff on both half-days of every class day
  (see :mod:`scheduler.model.staff`).

Soft: ``cost`` (fixed cost of each class opened, trainee-days).

A class is identified by the workday it starts (time-indexed). This keeps
"trained before the dialogue" a plain linear inequality, which CP-SAT's
relaxation bounds well, instead of a big-M link between class and date.
"""

from __future__ import annotations

import datetime as dt

from ortools.sat.python import cp_model

from scheduler.calendar import HALVES
from scheduler.costs import round_trip_minutes, staff_count
from scheduler.model.context import ModelContext, RuleKey, RuleKind
from scheduler.model.family import Family
from scheduler.model.sessions import COST_UNIT_VND
from scheduler.model.staff import staff_blocked_literal
from scheduler.model.variables import TrainingVars
from scheduler.scenario.schema import Scenario

# The kinds of this family's rule groups (subjects in the comments).
TRAINING_CAPACITY = RuleKind.declare(
    "training_capacity"
)  # (activity,) or (activity, seats|classes)


def class_start_days(
    ctx: ModelContext, act_id: str, ignore_blocks: bool = False
) -> list[int]:
    """Return the workday indices a class may start on.

    The class's days must be consecutive calendar days inside the window, and
    enough holders of each role must be free on all of them (the same trainer
    leads a whole class), unless ``ignore_blocks`` (explanations, where the
    trainers' blocked days are rule groups of their own).
    """
    sc, grid = ctx.scenario, ctx.grid
    spec = sc.activities[act_id]
    lo = spec.window_start or sc.horizon.start
    hi = spec.window_end or sc.horizon.end
    work = grid.workdays
    out = []
    for i in range(len(work) - spec.duration_days + 1):
        span = work[i : i + spec.duration_days]
        consecutive = (span[-1] - span[0]).days == spec.duration_days - 1
        if (
            consecutive
            and span[0] >= lo
            and span[-1] <= hi
            and (ignore_blocks or _staffable(ctx, act_id, span))
        ):
            out.append(i)
    return out


def _staffable(ctx: ModelContext, act_id: str, span: tuple[dt.date, ...]) -> bool:
    spec = ctx.scenario.activities[act_id]
    blocked = ctx.grid.staff_blocked
    for role, need in spec.roles.items():
        free = [
            p
            for p in ctx.scenario.holders(role)
            if not any(
                (d, h) in blocked.get(p.staff_id, ()) for d in span for h in HALVES
            )
        ]
        if len(free) < need:
            return False
    return True


def add_training(ctx: ModelContext) -> None:
    """Create training classes, attendance and the venue rule."""
    sc, m = ctx.scenario, ctx.model
    by_venue: dict[str, list[TrainingVars]] = {}
    for act_id, spec in sc.activities.items():
        if spec.kind != "training":
            continue
        assert spec.venue is not None
        communes = [c for c in sc.communes_for(act_id) if spec.trainees_per_commune > 0]
        if not communes:
            continue
        size = min(spec.class_size, sc.venue(spec.venue).capacity)
        reason = None
        starts = class_start_days(ctx, act_id)
        if spec.trainees_per_commune > size:
            reason = "class_too_small"
        elif not starts:
            reason = "no_free_half_day"
        if reason is not None:
            ctx.vars.excluded.extend(
                (act_id, c.commune_code, 1, reason) for c in communes
            )
            continue
        if ctx.guarded:
            starts = class_start_days(ctx, act_id, ignore_blocks=True)
        fixed = (
            spec.cost_fixed_vnd
            + staff_count(sc, act_id)
            * round_trip_minutes(sc, spec.venue)
            * spec.travel_vnd_per_minute
        )
        per_commune = (
            spec.trainees_per_commune
            * spec.duration_days
            * (spec.cost_per_trainee_day_vnd)
        )
        opened = {d: m.new_bool_var(f"class[{act_id},{d}]") for d in starts}
        attend = {}
        untrained = {}
        for c in communes:
            code = c.commune_code
            row = {d: m.new_bool_var(f"attend[{act_id},{code},{d}]") for d in starts}
            for d, v in row.items():
                m.add_implication(v, opened[d])
                attend[(code, d)] = v
            untrained[code] = m.new_bool_var(f"untrained[{act_id},{code}]")
            m.add_exactly_one([*row.values(), untrained[code]])
            ctx.penalise(
                "coverage",
                untrained[code],
                sc.weights.coverage * max(spec.priority, 1) * max(c.poor_households, 1),
                f"{act_id}:{code}",
            )
        if ctx.guarded:
            _trainers_free(ctx, act_id, opened)
        name = spec.name_vi
        classes_vi = f"tối đa {spec.max_classes} lớp, " if spec.max_classes else ""
        classes_en = f"at most {spec.max_classes} classes, " if spec.max_classes else ""
        lit = ctx.guard(
            RuleKey.of(TRAINING_CAPACITY, act_id),
            f"{name}: {classes_vi}mỗi lớp {size} học viên; {len(communes)} xã, "
            f"mỗi xã {spec.trainees_per_commune} học viên",
            f"{spec.name_en}: {classes_en}{size} trainees a class; "
            f"{len(communes)} communes of {spec.trainees_per_commune} trainees",
        )
        seats = ctx.slack(
            RuleKey.of(TRAINING_CAPACITY, act_id, "seats"),
            spec.trainees_per_commune * len(communes),
            1,
            1_000,
        )
        for d, v in opened.items():
            enrolled = [attend[(c.commune_code, d)] for c in communes]
            # no empty class: an open class has at least one commune
            ctx.add(
                m.add(spec.trainees_per_commune * sum(enrolled) <= size * v + seats),
                lit,
            )
            m.add(sum(enrolled) >= v)
        if not ctx.guarded:
            _class_count_cut(
                m,
                list(opened.values()),
                list(untrained.values()),
                size // spec.trainees_per_commune,
            )
        if spec.max_classes is not None:
            more = ctx.slack(
                RuleKey.of(TRAINING_CAPACITY, act_id, "classes"),
                len(communes),
                1,
                10_000,
            )
            ctx.add(m.add(sum(opened.values()) <= spec.max_classes + more), lit)
        tv = TrainingVars(
            act_id, spec.duration_days, opened, attend, untrained, fixed, per_commune
        )
        ctx.vars.training[act_id] = tv
        by_venue.setdefault(spec.venue, []).append(tv)
        ctx.penalise(
            "cost",
            (fixed // COST_UNIT_VND) * sum(opened.values())
            + (per_commune // COST_UNIT_VND) * sum(attend.values()),
            sc.weights.cost,
            act_id,
        )
    # one class at a time per venue
    for trainings in by_venue.values():
        for day in range(len(ctx.grid.workdays)):
            running = [r for tv in trainings if (r := tv.running_on(day)) is not None]
            if running and (
                len(running) > 1 or any(tv.duration > 1 for tv in trainings)
            ):
                m.add(sum(running) <= 1)


def class_count_facet(communes: int, per_class: int) -> tuple[int, int] | None:
    """Return ``(r, m)`` of the cut ``r·C ≥ r·m + T − m·k``, or None when not needed.

    C is the number of classes, T the number of communes trained out of
    ``communes`` (N), k = ``per_class`` the communes a class takes. The linear
    relaxation opens fractional classes: 14 communes in classes of 10 need
    1.4 classes, not 2, and under a high price of money the missing 0.6 of a
    class's fixed cost is most of the relaxation's gap. The integer points
    (C, T) with T ≤ C·k and T ≤ N have the lower hull C ≥ T/k up to (m, m·k),
    m = ⌊N/k⌋, then the segment to (m + 1, N): r·C ≥ r·m + T − m·k with
    r = N − m·k. Every integer point satisfies it (C ≤ m: T ≤ C·k ≤
    r(C − m) + m·k as k > r; C > m: T ≤ N ≤ r(C − m) + m·k), so no plan is
    lost; at T = N it forces C ≥ m + 1. None when r = 0 (C ≥ T/k, the sum of
    the capacity rows, is then the whole hull).
    """
    if per_class <= 0:
        return None
    full, rest = divmod(communes, per_class)
    return (rest, full) if rest else None


def _class_count_cut(
    m: cp_model.CpModel,
    opened: list[cp_model.IntVar],
    untrained: list[cp_model.IntVar],
    per_class: int,
) -> None:
    """Add :func:`class_count_facet`'s cut (not for explanations, whose slack may enlarge a class)."""
    facet = class_count_facet(len(untrained), per_class)
    if facet is None:
        return
    rest, full = facet
    trained = len(untrained) - sum(untrained)
    m.add(rest * sum(opened) >= rest * full + trained - full * per_class)


def _trainers_free(
    ctx: ModelContext, act_id: str, opened: dict[int, cp_model.IntVar]
) -> None:
    """Explanations: a class needs its trainers free, through their blocked-days literals."""
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    spec = sc.activities[act_id]
    blocked = grid.staff_blocked
    for d, v in opened.items():
        span = grid.workdays[d : d + spec.duration_days]
        for role, need in spec.roles.items():
            holders = sc.holders(role)
            lits = []
            for p in holders:
                if any(
                    (day, h) in blocked.get(p.staff_id, ())
                    for day in span
                    for h in HALVES
                ):
                    lit = staff_blocked_literal(ctx, p.staff_id)
                    lits.append(lit if lit is not None else 1)
            if lits:
                m.add(need * v + sum(lits) <= len(holders))


def _relax_training(sc: Scenario, key: RuleKey, amount: int) -> Scenario:
    """Return the scenario with a training's seats or classes (or both) raised.

    The key's subject is ``(activity,)`` for the whole group (dropped: both
    lifted) or ``(activity, "seats" | "classes")`` for one of its slacks.
    """
    subject = key.subject
    act_id, part = subject[0], subject[1] if len(subject) > 1 else ""
    spec = sc.activities[act_id]
    assert spec.venue is not None
    size = min(spec.class_size, sc.venue(spec.venue).capacity)
    update: dict[str, object] = {}
    new_size = size
    if part in ("", "seats"):
        new_size = size + (amount if amount else 10**4)
        update["class_size"] = new_size
    if part in ("", "classes"):
        update["max_classes"] = None if not amount else (spec.max_classes or 0) + amount
    venues = tuple(
        v.model_copy(update={"capacity": max(v.capacity, new_size)})
        if v.venue_id == spec.venue
        else v
        for v in sc.venues
    )
    spec = spec.model_copy(update=update)
    return sc.model_copy(
        update={"activities": {**sc.activities, act_id: spec}, "venues": venues}
    )


FAMILY = Family(
    "training",
    place=40,
    add=add_training,
    drop_costs={TRAINING_CAPACITY: 10_000_000},
    relax={TRAINING_CAPACITY: _relax_training},
)
