"""Hard: half-day sessions held in communes (policy dialogues and any ``session`` type).

Rules (seed 004 §III.2.2: 18 dialogues, one per commune, one half-day each):

- each commune gets its required number of sessions of each session activity,
  each on a half-day of a working day (no weekend, public holiday or substitute
  day; make-up Saturdays count), outside the commune's blocked periods and the
  activity's window; a session left out costs the ``coverage`` penalty
  (weight × activity priority × the commune's poor households);
- a commune hosts at most one campaign session per half-day;
- the venue must hold the expected attendees (else the session is left out,
  with that reason).

Soft: ``early`` (sessions sooner in communes with more poor households),
``weekday`` (sessions off the preferred weekdays), ``cost``.
"""

from __future__ import annotations

import datetime as dt

from ortools.sat.python import cp_model

from scheduler.costs import session_cost, session_venue
from scheduler.model.context import ModelContext, RuleKey, RuleKind
from scheduler.model.family import Family
from scheduler.scenario.schema import WEEKDAYS, Scenario

# The kinds of this family's rule groups (subjects in the comments).
COMMUNE_BLOCKED = RuleKind.declare(
    "commune_blocked"
)  # (commune, start, end, half or "")

COST_UNIT_VND = 10_000  # the ``cost`` penalty counts money in tens of thousands of VND


def add_sessions(ctx: ModelContext) -> None:
    """Create the session variables and their per-commune rules."""
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    w = sc.weights
    for act_id, spec in sc.activities.items():
        if spec.kind != "session":
            continue
        lo = spec.window_start or sc.horizon.start
        hi = spec.window_end or sc.horizon.end
        preferred = {WEEKDAYS.index(d) for d in spec.preferred_weekdays}
        for commune in sc.communes_for(act_id):
            code = commune.commune_code
            need = sc.required_count(act_id, code)
            if need == 0:
                continue
            venue = session_venue(sc, act_id, code)
            if venue is None:
                ctx.vars.excluded.append((act_id, code, need, "venue_too_small"))
                continue
            blocked = grid.commune_blocked.get(code, frozenset())
            xs = {}
            for s in grid.sessions:
                if not lo <= s.day <= hi:
                    continue
                if (s.day, s.half) not in blocked:
                    xs[s.index] = ctx.new_bool(f"x[{act_id},{code},{s.key}]")
                elif ctx.guarded:
                    # explanations: a blocked half-day is a variable held at 0 by
                    # the blocked period's own literal, so the period can be named
                    x = m.new_bool_var(f"x[{act_id},{code},{s.key}]")
                    for lit in _blocking_periods(ctx, code, s.day, s.half):
                        m.add(x == 0).only_enforce_if(lit)
                    xs[s.index] = x
            if not xs:
                ctx.vars.excluded.append((act_id, code, need, "no_free_half_day"))
                continue
            missing = m.new_int_var(0, need, f"missing[{act_id},{code}]")
            m.add(cp_model.LinearExpr.sum([*xs.values(), missing]) == need)
            ctx.vars.sessions.x[(act_id, code)] = xs
            ctx.vars.sessions.missing[(act_id, code)] = missing
            ctx.vars.sessions.venue[(act_id, code)] = venue
            cost = session_cost(sc, act_id, venue)
            ctx.vars.sessions.cost[(act_id, code)] = cost
            poor = max(commune.poor_households, 1)
            ctx.penalise(
                "coverage",
                missing,
                w.coverage * max(spec.priority, 1) * poor,
                f"{act_id}:{code}",
            )
            by_session = {s.index: s for s in grid.sessions}
            ctx.penalise(
                "early",
                cp_model.LinearExpr.weighted_sum(
                    list(xs.values()), [by_session[i].workday_index for i in xs]
                ),
                w.early * poor * spec.priority,
                f"{act_id}:{code}",
            )
            if preferred:
                off = [
                    v
                    for i, v in xs.items()
                    if by_session[i].day.weekday() not in preferred
                ]
                if off:
                    ctx.penalise(
                        "weekday",
                        cp_model.LinearExpr.sum(off),
                        w.weekday,
                        f"{act_id}:{code}",
                    )
            ctx.penalise(
                "cost",
                cp_model.LinearExpr.sum(list(xs.values())),
                w.cost * (cost // COST_UNIT_VND),
                f"{act_id}:{code}",
            )

    # one campaign session per commune per half-day
    per_commune: dict[tuple[str, int], list] = {}  # type: ignore[type-arg]
    for (_, code), xs in ctx.vars.sessions.x.items():
        for i, v in xs.items():
            per_commune.setdefault((code, i), []).append(v)
    for vs in per_commune.values():
        if len(vs) > 1:
            m.add_at_most_one(vs)


def _blocking_periods(
    ctx: ModelContext, code: str, day: dt.date, half: str
) -> list[cp_model.IntVar]:
    """Return the literals of the commune's blocked periods covering a half-day."""
    name = ctx.scenario.commune(code).commune_name
    out = []
    for b in ctx.scenario.blocked:
        if b.kind != "commune" or b.ref != code:
            continue
        if not b.start_date <= day <= b.end_date or b.half not in (None, half):
            continue
        why = f" ({b.reason})" if b.reason else ""
        span_vi = f"{b.start_date:%d/%m/%Y} đến {b.end_date:%d/%m/%Y}"
        part_vi = {"morning": " buổi sáng", "afternoon": " buổi chiều"}.get(
            b.half or "", ""
        )
        part_en = f" ({b.half}s)" if b.half else ""
        lit = ctx.guard(
            RuleKey.of(COMMUNE_BLOCKED, code, b.start_date, b.end_date, b.half or ""),
            f"{name} bận{part_vi} từ {span_vi}{why}",
            f"{name} is blocked{part_en} {b.start_date}–{b.end_date}{why}",
        )
        if lit is not None:
            out.append(lit)
    return out


def _unblock_commune(sc: Scenario, key: RuleKey, amount: int) -> Scenario:
    """Return the scenario without the commune's blocked period the key names."""
    code, start, end, half = (
        key.subject[0],
        key.subject[1],
        key.subject[2],
        key.subject[3] or None,
    )
    blocked = tuple(
        b
        for b in sc.blocked
        if not (
            b.kind == "commune"
            and b.ref == code
            and str(b.start_date) == start
            and str(b.end_date) == end
            and b.half == half
        )
    )
    return sc.model_copy(update={"blocked": blocked})


FAMILY = Family(
    "sessions",
    place=10,
    add=add_sessions,
    drop_costs={COMMUNE_BLOCKED: 20_000},
    relax={COMMUNE_BLOCKED: _unblock_commune},
)
