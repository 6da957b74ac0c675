"""Publications: items per outlet and period (press, radio-TV programmes, web posts).

Seed 002 asks the provincial press, the radio-TV station and the agencies' web
portals to carry poverty-reduction articles; seed 000 §III.2 lists mass media
among the forms. Rules (:mod:`scheduler.publications` has the facts):

- soft: each outlet carries its quota per period; an item left out costs the
  ``coverage`` penalty (weight × activity priority, one unit per item: a
  publication reaches the whole area, not one commune's poor households);
- hard: items are dated on working days of their period, inside the window,
  not after the ``deadline``; each is paid whole from an allowed source
  (``model/budget.py`` reads :attr:`PublicationVars.n <scheduler.model.variables.PublicationVars>`);
- soft: ``cost`` like sessions.

One integer per (activity, outlet, period) — how many items are held — is
enough: nothing else in the model depends on the day an item takes, so the
solve dates them afterwards (:func:`scheduler.publications.item_days`).
The owner is named, not counted: an article is written over days at a desk,
not in a half-day at a venue, so it takes nobody's half-days or weekly cap.

With ``guarded=True`` (explanations) the deadline is a rule group of its own:
items dated in the period's days after the deadline are a variable held at 0
by the literal, so an explanation can name the deadline.
"""

from __future__ import annotations

from scheduler.model.context import ModelContext, RuleKey, RuleKind
from scheduler.model.family import Family, switch_off
from scheduler.model.sessions import COST_UNIT_VND
from scheduler.publications import quotas

# The kinds of this family's rule groups (subjects in the comments).
DEADLINE = RuleKind.declare("deadline")  # (activity,)


def deadline_key(activity: str) -> RuleKey:
    """Return the rule group key of a publication activity's deadline."""
    return RuleKey.of(DEADLINE, activity)


def add_publications(ctx: ModelContext) -> None:
    """Create the items-per-outlet-and-period variables and their penalties."""
    sc, grid, m = ctx.scenario, ctx.grid, ctx.model
    w = sc.weights
    for act_id, spec in sc.activities.items():
        if spec.kind != "publication":
            continue
        lit = None
        if ctx.guarded and spec.deadline is not None:
            lit = ctx.guard(
                deadline_key(act_id),
                f"{spec.name_vi}: mọi bài phải xong trước {spec.deadline:%d/%m/%Y}",
                f"{spec.name_en}: every item is due by {spec.deadline}",
            )
        for q in quotas(sc, grid, act_id):
            on_time = q.need if q.days else 0
            may_be_late = lit is not None and bool(q.late_days)
            if not on_time and not may_be_late:
                continue  # left out: no working day (the solve names why)
            n = m.new_int_var(0, q.need, f"pub[{act_id},{q.outlet},{q.period}]")
            if may_be_late:
                late = m.new_int_var(0, q.need, f"late[{act_id},{q.outlet},{q.period}]")
                m.add(late == 0).only_enforce_if(lit)
                m.add(n <= late + on_time)
            missing = m.new_int_var(
                0, q.need, f"missing[{act_id},{q.outlet},{q.period}]"
            )
            m.add(n + missing == q.need)
            ctx.vars.publications.n[q.key] = n
            ctx.vars.publications.missing[q.key] = missing
            ctx.vars.publications.need[q.key] = q.need
            detail = f"{act_id}:{q.outlet}:{q.period}"
            ctx.penalise(
                "coverage", missing, w.coverage * max(spec.priority, 1), detail
            )
            ctx.penalise(
                "cost",
                n,
                w.cost * (spec.cost_per_item_vnd // COST_UNIT_VND),
                detail,
            )


FAMILY = Family(
    "publications",
    place=50,
    add=add_publications,
    drop_costs={DEADLINE: 20_000},
    relax={DEADLINE: switch_off("deadline", None)},
)
