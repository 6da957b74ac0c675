"""Hard: order in time between activities, quarter targets and milestones.

Rules:

- announcement: a session with ``announce`` is preceded, in its commune, by at
  least ``min_broadcasts`` items of the ``via`` broadcast activity within the
  ``window_days`` days before it (communes without a usable station slot are
  exempt: nothing can be aired there);
- training first (``requires_training``): a commune's session happens only
  after the last day of the training class its staff attend, and not at all
  while its staff are untrained;
- quarter targets: at least ``min_fraction`` of an activity's required sessions
  (rounded up) are held on or before ``by`` (seed 004: half of the dialogues by
  the end of Q3);
- milestones: a pinned session is held on its date (and half-day, if given),
  e.g. on 17 October, the National Day for the Poor.
"""

from __future__ import annotations

import datetime as dt
import math

from ortools.sat.python import cp_model

from scheduler.calendar import public_holidays
from scheduler.i18n import both
from scheduler.model.context import ModelContext, RuleKey, RuleKind
from scheduler.model.family import Family, switch_off
from scheduler.scenario.schema import Scenario

# The kinds of this family's rule groups (subjects in the comments).
ANNOUNCE = RuleKind.declare("announce")  # (activity, commune)
TRAINED_FIRST = RuleKind.declare("trained_first")  # (activity,)
TARGET = RuleKind.declare("target")  # (activity, by date)
PIN = RuleKind.declare("pin")  # (activity, commune, date)


def add_sequencing(ctx: ModelContext) -> None:
    """Add announcement, training-first, target and milestone rules."""
    _announcements(ctx)
    _training_first(ctx)
    _targets(ctx)
    _pins(ctx)


def _announcements(ctx: ModelContext) -> None:
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    by_index = {s.index: s for s in grid.sessions}
    for (act_id, code), xs in ctx.vars.sessions.x.items():
        rule = sc.activities[act_id].announce
        if rule is None:
            continue
        aired = ctx.vars.broadcasts.x.get((rule.via, code))
        if aired is None:
            continue
        name = sc.commune(code).commune_name
        lit = ctx.guard(
            RuleKey.of(ANNOUNCE, act_id, code),
            f"Buổi {act_id} ở {name} phải được thông báo ít nhất {rule.min_broadcasts} lần "
            f"trên đài xã trong {rule.window_days} ngày trước",
            f"The {act_id} in {name} must be announced at least {rule.min_broadcasts} "
            f"times on the station in the {rule.window_days} days before",
        )
        per_day: dict[dt.date, list[cp_model.IntVar]] = {}
        for i, v in xs.items():
            per_day.setdefault(by_index[i].day, []).append(v)
        items = {d: list(on.values()) for d, on in aired.items()}
        window = [dt.timedelta(days=k) for k in range(1, rule.window_days + 1)]
        for day, vs in per_day.items():
            before = [v for back in window for v in items.get(day - back, ())]
            if not before:
                ctx.add(m.add(cp_model.LinearExpr.sum(vs) == 0), lit)
            else:
                # items aired before ≥ min_broadcasts × sessions held that day
                ctx.add(
                    m.add(
                        cp_model.LinearExpr.weighted_sum(
                            before + vs,
                            [1] * len(before) + [-rule.min_broadcasts] * len(vs),
                        )
                        >= 0
                    ),
                    lit,
                )


def _training_first(ctx: ModelContext) -> None:
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    by_index = {s.index: s for s in grid.sessions}
    for (act_id, code), xs in ctx.vars.sessions.x.items():
        training = sc.activities[act_id].requires_training
        tv = ctx.vars.training.get(training) if training else None
        if tv is None or code not in tv.untrained:
            continue  # no such training, or this commune sends nobody to it
        # one rule group per activity: "staff trained before the dialogue"
        lit = ctx.guard(
            RuleKey.of(TRAINED_FIRST, act_id),
            f"Cán bộ xã phải được tập huấn ({sc.activities[tv.activity].name_vi}) "
            f"trước {sc.activities[act_id].name_vi}",
            f"Commune staff must be trained ({sc.activities[tv.activity].name_en}) "
            f"before the {sc.activities[act_id].name_en}",
        )
        # the classes that have ended before each workday: one pass over the
        # commune's classes sorted by last day (this rule is the model's largest)
        ends = sorted(
            (d + tv.duration - 1, a) for (c, d), a in tv.attend.items() if c == code
        )
        # (the sets grow: a set is named by how many classes it holds)
        done: dict[int, list[cp_model.IntVar]] = {}
        count: dict[int, int] = {}
        ended: list[cp_model.IntVar] = []
        k = 0
        for wd in sorted({by_index[i].workday_index for i in xs}):
            while k < len(ends) and ends[k][0] < wd:
                ended.append(ends[k][1])
                k += 1
            if k not in done:
                done[k] = list(ended)
            count[wd] = k
        # with one session to hold, every half-day with the same classes ended
        # before it shares one row: at most one of them is used, so the sum of
        # them is 1 exactly when the session is there, which needs one of those
        # classes. The same plans, a tighter relaxation (two halves at ½ each
        # no longer pass), and one row for all the days after the last class
        # instead of one per day
        single = sc.required_count(act_id, code) == 1
        rows: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for i, v in xs.items():
            wd = by_index[i].workday_index
            rows.setdefault((count[wd], 0 if single else i), []).append(v)
        for (ended_count, _), held in rows.items():
            terms = done[ended_count]
            ctx.add(
                m.add(
                    cp_model.LinearExpr.weighted_sum(
                        [*terms, *held], [1] * len(terms) + [-1] * len(held)
                    )
                    >= 0
                ),
                lit,
            )


def _targets(ctx: ModelContext) -> None:
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    by_index = {s.index: s for s in grid.sessions}
    for t in sc.targets:
        required = sum(
            sc.required_count(t.activity, c.commune_code)
            for c in sc.communes_for(t.activity)
        )
        need = math.ceil(t.min_fraction * required - 1e-9)
        early = [
            v
            for (a, _), xs in ctx.vars.sessions.x.items()
            if a == t.activity
            for i, v in xs.items()
            if by_index[i].day <= t.by
        ]
        name = sc.activities[t.activity].name_vi
        lit = ctx.guard(
            RuleKey.of(TARGET, t.activity, t.by),
            f"Chỉ tiêu: ít nhất {need}/{required} buổi {name} xong trước "
            f"{t.by:%d/%m/%Y}",
            f"Target: at least {need} of {required} "
            f"{sc.activities[t.activity].name_en} done by {t.by}",
            measure=sum(early),
            limit=need,
            sense=">=",
        )
        short = ctx.slack(RuleKey.of(TARGET, t.activity, t.by), need, 1, 5_000)
        ctx.add(m.add(sum(early) + short >= need), lit)


def _pins(ctx: ModelContext) -> None:
    sc, m = ctx.scenario, ctx.model
    for p in sc.pins:
        xs = ctx.vars.sessions.x.get((p.activity, p.commune), {})
        on_day = [
            xs[s.index]
            for s in ctx.sessions_on(p.date)
            if s.index in xs and (p.half is None or s.half == p.half)
        ]
        name = sc.commune(p.commune).commune_name
        why_vi, why_en = ("", "")
        if not on_day:
            why_vi, why_en = _no_session_on(ctx, p.activity, p.commune, p.date)
        lit = ctx.guard(
            RuleKey.of(PIN, p.activity, p.commune, p.date),
            f"Mốc cố định: {p.activity} ở {name} ngày {p.date:%d/%m/%Y}{why_vi}",
            f"Milestone: {p.activity} in {name} on {p.date}{why_en}",
        )
        if on_day:
            ctx.add(m.add(sum(on_day) >= 1), lit)
        else:
            # the date is not a working day or is blocked: nothing can satisfy it
            ctx.add(m.add_bool_or([]), lit)


def _no_session_on(
    ctx: ModelContext, act_id: str, code: str, day: dt.date
) -> tuple[str, str]:
    """Say why a pinned date has no half-day: a holiday, a weekend, a block, the window."""
    grid, cal = ctx.grid, ctx.scenario.calendar
    spec = ctx.scenario.activities[act_id]
    lo = spec.window_start or ctx.scenario.horizon.start
    hi = spec.window_end or ctx.scenario.horizon.end
    if not lo <= day <= hi:
        return (
            f" — ngoài thời gian của hoạt động ({lo:%d/%m/%Y}–{hi:%d/%m/%Y})",
            f" — outside the activity's window ({lo}–{hi})",
        )
    if day not in grid.working:
        if day in cal.extra_holidays:
            return (
                " (ngày nghỉ bổ sung của kịch bản)",
                " (an extra holiday of the scenario)",
            )
        if day in grid.holiday_names:
            vi = public_holidays(
                cal.country_holidays, range(day.year, day.year + 1), "vi"
            )[0].get(day, "")
            en = public_holidays(
                cal.country_holidays, range(day.year, day.year + 1), "en"
            )[0].get(day, "")
            return f" — ngày nghỉ lễ: {vi}", f" — a public holiday: {en}"
        vi, en = both(f"weekday_lower.{day.weekday()}")
        return (
            f" — {vi}, không phải ngày làm việc",
            f" — a {en}, not a working day",
        )
    reason = grid.blocked_reason("commune", code, day)
    if reason is not None:
        why = f" ({reason})" if reason else ""
        return (
            f" — xã bị chặn ngày này{why}",
            f" — the commune is blocked that day{why}",
        )
    return "", ""


def _lower_target(sc: Scenario, key: RuleKey, amount: int) -> Scenario:
    """Return the scenario with the target lowered by ``amount`` (0: dropped)."""
    targets = []
    for t in sc.targets:
        if RuleKey.of(TARGET, t.activity, t.by) != key:
            targets.append(t)
            continue
        required = sum(
            sc.required_count(t.activity, c.commune_code)
            for c in sc.communes_for(t.activity)
        )
        need = math.ceil(t.min_fraction * required - 1e-9) - amount
        if amount and need > 0:
            targets.append(t.model_copy(update={"min_fraction": need / required}))
    return sc.model_copy(update={"targets": tuple(targets)})


def _unpin(sc: Scenario, key: RuleKey, amount: int) -> Scenario:
    """Return the scenario without the pinned date the key names."""
    pins = tuple(
        p for p in sc.pins if RuleKey.of(PIN, p.activity, p.commune, p.date) != key
    )
    return sc.model_copy(update={"pins": pins})


FAMILY = Family(
    "sequencing",
    place=80,
    add=add_sequencing,
    drop_costs={
        ANNOUNCE: 20_000,
        TRAINED_FIRST: 50_000,
        TARGET: 10_000_000,
        PIN: 50_000,
    },
    relax={
        ANNOUNCE: switch_off("announce", None),
        TRAINED_FIRST: switch_off("requires_training", None),
        TARGET: _lower_target,
        PIN: _unpin,
    },
)
