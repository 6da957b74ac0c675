"""Hard: spending per funding source and quarter within its allowance (section IV of every seed).

Every event is paid whole from one funding source its activity may use. For
each (activity, commune, quarter) the model chooses how many of the events go
to each source; a training class chooses its source directly. Spending of a
source in a quarter stays within its allowance, or, for a source with
``carry_over = true``, spending up to a quarter stays within the allowances up
to that quarter (unspent money moves forward).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduler.calendar import quarter_key
from scheduler.costs import broadcast_cost
from scheduler.i18n import quarter, vnd
from scheduler.model.context import ModelContext, RuleKey, RuleKind
from scheduler.model.family import Family
from scheduler.model.variables import Split
from scheduler.scenario.schema import Scenario

# The kinds of this family's rule groups (subjects in the comments).
BUDGET = RuleKind.declare("budget")  # (source, quarter)


def money_unit(ctx: ModelContext) -> int:
    """Return the largest amount of VND that divides every price in the model.

    Budget rows are written in this unit: with raw VND the coefficients run to
    millions, which ruins the LP relaxation CP-SAT bounds the objective with.
    Dividing is exact: the left side is a multiple of the unit, so flooring the
    allowance to the unit changes no solution.
    """
    sc = ctx.scenario
    prices = list(ctx.vars.sessions.cost.values())
    prices += [broadcast_cost(sc, a) for (a, _) in ctx.vars.broadcasts.x]
    prices += [tv.fixed_cost for tv in ctx.vars.training.values()]
    prices += [tv.per_commune_cost for tv in ctx.vars.training.values()]
    prices += [
        sc.activities[a].cost_per_item_vnd for (a, _, _) in ctx.vars.publications.n
    ]
    unit = 0
    for p in prices:
        unit = math.gcd(unit, p)
    return unit or 1


def add_budget(ctx: ModelContext) -> Split:
    """Add the source split and the allowance rules; return the split variables."""
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    quarters = grid.quarters
    spend: dict[tuple[str, str], list[cp_model.LinearExprT]] = {
        (f.id, q): [] for f in sc.funding for q in quarters
    }
    split: Split = ctx.vars.split  # the decoding reads the sources from it
    unit = money_unit(ctx)
    session_quarter = {s.index: quarter_key(s.day) for s in grid.sessions}

    def share(
        act_id: str,
        code: str,
        q: str,
        count: cp_model.LinearExprT,
        bound: int,
        price: int,
    ) -> None:
        price //= unit
        sources = sc.activities[act_id].funding_sources
        if len(sources) == 1:
            spend[(sources[0], q)].append(price * count)
            split[(act_id, code, q, sources[0])] = count  # type: ignore[assignment]
            return
        parts = []
        for f in sources:
            n = m.new_int_var(0, bound, f"pay[{act_id},{code},{q},{f}]")
            split[(act_id, code, q, f)] = n
            spend[(f, q)].append(price * n)
            parts.append(n)
        m.add(sum(parts) == count)

    for (act_id, code), xs in ctx.vars.sessions.x.items():
        cost = ctx.vars.sessions.cost[(act_id, code)]
        for q in quarters:
            in_q = [v for i, v in xs.items() if session_quarter[i] == q]
            if in_q:
                share(act_id, code, q, sum(in_q), len(in_q), cost)
    for (act_id, code), days in ctx.vars.broadcasts.x.items():
        item_price = broadcast_cost(sc, act_id)
        if item_price == 0:
            continue
        for q in quarters:
            items = [
                v
                for d, topics in days.items()
                if quarter_key(d) == q
                for v in topics.values()
            ]
            if items:
                share(act_id, code, q, sum(items), len(items), item_price)
    _publications(ctx, share)
    for act_id, tv in ctx.vars.training.items():
        for d, opened in tv.open.items():
            q = quarter_key(grid.workdays[d])
            enrolled = sum(v for (_, day), v in tv.attend.items() if day == d)
            sources = sc.activities[act_id].funding_sources
            if len(sources) == 1:
                spend[(sources[0], q)].append(
                    (tv.fixed_cost // unit) * opened
                    + (tv.per_commune_cost // unit) * enrolled
                )
                continue
            # the whole class is paid from one source
            pick = {f: m.new_bool_var(f"src[{act_id},{d},{f}]") for f in sources}
            m.add(sum(pick.values()) == opened)
            for src, src_lit in pick.items():
                tv.source[(d, src)] = src_lit
                bound = (
                    tv.fixed_cost + tv.per_commune_cost * len(tv.untrained)
                ) // unit
                paid = m.new_int_var(0, bound, f"paid[{act_id},{d},{src}]")
                m.add(
                    paid
                    == (tv.fixed_cost // unit) * opened
                    + (tv.per_commune_cost // unit) * enrolled
                ).only_enforce_if(src_lit)
                m.add(paid == 0).only_enforce_if(~src_lit)
                spend[(src, q)].append(paid)

    ctx.money_unit = unit
    for (source, q), terms in spend.items():
        if terms:
            ctx.spend[(source, q)] = cp_model.LinearExpr.sum(terms)
    for f in sc.funding:
        running: list[cp_model.LinearExprT] = []
        running_slack: list[cp_model.IntVar | int] = []
        allowed = 0
        # most a relaxation may add: everything the model could possibly pay
        ceiling = _ceiling(ctx, unit)
        for q in quarters:
            allowance = f.allowance_vnd.get(q, 0)
            cap = allowance // unit
            terms = spend[(f.id, q)]
            measured = cp_model.LinearExpr.sum(
                [*running, *terms] if f.carry_over else list(terms)
            )
            kept = allowed + cap if f.carry_over else cap
            lit = ctx.guard(
                RuleKey.of(BUDGET, f.id, q),
                f"{f.name_vi} {quarter(q, in_sentence=True)} có {vnd(allowance)}"
                + (" (cộng dồn từ các quý trước)" if f.carry_over else ""),
                f"{f.name_en} {q} allows {allowance:,} VND"
                + (" (carried over from earlier quarters)" if f.carry_over else ""),
                measure=measured,
                limit=kept,
                sense="<=",
                scale=unit,
            )
            extra = ctx.slack(
                RuleKey.of(BUDGET, f.id, q),
                ceiling,
                unit,
                max(unit // 1000, 1),
            )
            if f.carry_over:
                running.extend(terms)
                running_slack.append(extra)
                allowed += cap
                if running:
                    ctx.add(m.add(sum(running) <= allowed + sum(running_slack)), lit)
            elif terms:
                ctx.add(m.add(sum(terms) <= cap + extra), lit)
    return split


def _publications(
    ctx: ModelContext,
    share: Callable[[str, str, str, cp_model.LinearExprT, int, int], None],
) -> None:
    """Pay each outlet's items of a quarter (its periods lie in one quarter each)."""
    sc = ctx.scenario
    by_quarter: dict[tuple[str, str, str], list[cp_model.IntVar]] = {}
    bound: dict[tuple[str, str, str], int] = {}
    for (act_id, outlet, period), n in ctx.vars.publications.n.items():
        if sc.activities[act_id].cost_per_item_vnd == 0:
            continue
        q = _quarter_of(period)
        by_quarter.setdefault((act_id, outlet, q), []).append(n)
        bound[(act_id, outlet, q)] = (
            bound.get((act_id, outlet, q), 0)
            + ctx.vars.publications.need[(act_id, outlet, period)]
        )
    for (act_id, outlet, q), ns in by_quarter.items():
        price = sc.activities[act_id].cost_per_item_vnd
        share(act_id, outlet, q, sum(ns), bound[(act_id, outlet, q)], price)


def _quarter_of(period: str) -> str:
    """Return the quarter of a ``YYYY-MM`` or ``YYYY-Qn`` period."""
    year, _, rest = period.partition("-")
    if rest.startswith("Q"):
        return period
    return f"{year}-Q{(int(rest) - 1) // 3 + 1}"


def _ceiling(ctx: ModelContext, unit: int) -> int:
    """Return the cost, in money units, of every event the model could place."""
    sc = ctx.scenario
    total = sum(
        ctx.vars.sessions.cost[key] // unit * len(xs)
        for key, xs in ctx.vars.sessions.x.items()
    )
    total += sum(
        broadcast_cost(sc, a) // unit * sum(len(slots) for slots in days.values())
        for (a, _), days in ctx.vars.broadcasts.x.items()
    )
    total += sum(
        (tv.fixed_cost + tv.per_commune_cost * len(tv.untrained)) // unit * len(tv.open)
        for tv in ctx.vars.training.values()
    )
    total += sum(
        sc.activities[key[0]].cost_per_item_vnd // unit * need
        for key, need in ctx.vars.publications.need.items()
    )
    return total


def _raise_allowance(sc: Scenario, key: RuleKey, amount: int) -> Scenario:
    """Return the scenario with the quarter's allowance of the source raised."""
    source, q = key.subject[0], key.subject[1]
    more = amount if amount else 10**12
    funding = tuple(
        f.model_copy(
            update={
                "allowance_vnd": {
                    **f.allowance_vnd,
                    q: f.allowance_vnd.get(q, 0) + more,
                }
            }
        )
        if f.id == source
        else f
        for f in sc.funding
    )
    return sc.model_copy(update={"funding": funding})


FAMILY = Family(
    "budget",
    place=90,
    add=add_budget,
    drop_costs={BUDGET: 10_000_000},
    relax={BUDGET: _raise_allowance},
)
