"""Money: each event's cost recomputed from the scenario, spending per source and quarter.

Costs are recomputed independently of :mod:`scheduler.costs`.
"""

from __future__ import annotations

from collections import defaultdict

from scheduler.calendar import quarter_key
from scheduler.check.base import Checks, Facts, Findings, days_between
from scheduler.officials import commune_roles
from scheduler.plan import Event
from scheduler.scenario.schema import ActivitySpec, Scenario
from scheduler.travel import overnight_cost, travel_between


def expected_cost(sc: Scenario, e: Event, spec: ActivitySpec) -> int:
    """Return what an event costs by the scenario's prices and travel times."""
    hq = sc.area.hq_venue
    # commune officials (people with a home commune) do not travel
    local = commune_roles(sc)
    n_staff = sum(n for r, n in spec.roles.items() if r not in local)
    if e.kind == "session":
        trip = 2 * travel_between(sc, hq, e.venue_id or "") if hq else 0
        expect = spec.cost_fixed_vnd + spec.attendees * spec.cost_per_attendee_vnd
        expect += n_staff * trip * spec.travel_vnd_per_minute
        # a far venue reached by staying the night before ([travel.overnight])
        return expect + overnight_cost(sc, e.venue_id or "", n_staff)
    if e.kind in ("broadcast", "publication"):
        return spec.cost_per_item_vnd
    trip = 2 * travel_between(sc, hq, spec.venue or "") if hq else 0
    expect = spec.cost_fixed_vnd + n_staff * trip * spec.travel_vnd_per_minute
    return expect + (
        len(e.communes_served)
        * spec.trainees_per_commune
        * spec.duration_days
        * spec.cost_per_trainee_day_vnd
    )


def check_cost(sc: Scenario, e: Event, spec: ActivitySpec, found: Findings) -> None:
    """Check that an event costs what the scenario says it costs."""
    expect = expected_cost(sc, e, spec)
    if e.cost_vnd != expect:
        found.bad(
            "cost",
            [e.event_id],
            f"cost {e.cost_vnd} VND, expected {expect}",
            f"kinh phí {e.cost_vnd} đồng, đúng ra là {expect}",
        )


def check_budget(facts: Facts) -> Findings:
    """Spending of each source stays within its allowance per quarter.

    A source with ``carry_over`` keeps spending up to each quarter within the
    allowances up to that quarter.
    """
    found = Findings()
    sc, h = facts.sc, facts.sc.horizon
    spent: dict[tuple[str | None, str], int] = defaultdict(int)
    for e in facts.plan.events:
        spent[(e.funding_source, quarter_key(e.start.date()))] += e.cost_vnd
    budget_quarters = sorted({quarter_key(d) for d in days_between(h.start, h.end)})
    for f in sc.funding:
        running_spent = running_allowed = 0
        for q in budget_quarters:
            allowance = f.allowance_vnd.get(q, 0)
            used = spent.get((f.id, q), 0)
            running_spent += used
            running_allowed += allowance
            if f.carry_over:
                if running_spent > running_allowed:
                    found.bad(
                        "budget",
                        [],
                        f"{f.id} up to {q}: {running_spent} VND > {running_allowed}",
                        f"{f.id} đến {q}: {running_spent} đồng > {running_allowed}",
                    )
            elif used > allowance:
                found.bad(
                    "budget",
                    [],
                    f"{f.id} {q}: {used} VND > {allowance}",
                    f"{f.id} {q}: {used} đồng > {allowance}",
                )
    return found


# Where this family's findings come in check_plan's report (see CHECKS in base).
CHECKS: Checks = ((130, check_budget),)
