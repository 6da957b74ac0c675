"""Where events happen and what they cost, as plain functions of the scenario.

The model prices events with these functions; the checker recomputes costs on
its own from the scenario and compares.
"""

from __future__ import annotations

from scheduler.officials import travelling_count
from scheduler.scenario.schema import Scenario
from scheduler.travel import overnight_cost, travel_between


def hq_ref(scenario: Scenario) -> str | None:
    """Return where staff set out from: the area's HQ venue, if declared."""
    return scenario.area.hq_venue


def session_venue(scenario: Scenario, activity: str, commune: str) -> str | None:
    """Return the venue of a commune session: the smallest commune venue that fits.

    Returns ``None`` when no venue in the commune holds the expected attendees.
    """
    need = scenario.activities[activity].attendees
    fitting = [
        v
        for v in scenario.venues
        if v.commune_code == commune
        and v.capacity >= need
        and v.venue_id != scenario.area.hq_venue
    ]
    if not fitting:
        fitting = [
            v
            for v in scenario.venues
            if v.commune_code == commune and v.capacity >= need
        ]
    if not fitting:
        return None
    return min(fitting, key=lambda v: (v.capacity, v.venue_id)).venue_id


def round_trip_minutes(scenario: Scenario, place: str) -> int:
    """Return minutes from the HQ to a place and back (0 without an HQ)."""
    hq = hq_ref(scenario)
    if hq is None:
        return 0
    return 2 * travel_between(scenario, hq, place)


def staff_count(scenario: Scenario, activity: str) -> int:
    """Return how many staff of an event of this activity travel to it.

    Every role's need, but commune officials' (they are at home:
    :mod:`scheduler.officials`).
    """
    return travelling_count(scenario, activity)


def session_cost(scenario: Scenario, activity: str, venue: str) -> int:
    """Return the cost in VND of one session at a venue.

    fixed + attendees × per-attendee + staff × round-trip minutes × VND per minute,
    + staff × (per-diem + lodging) at a far venue (``[travel.overnight]``).
    """
    spec = scenario.activities[activity]
    return (
        spec.cost_fixed_vnd
        + spec.attendees * spec.cost_per_attendee_vnd
        + staff_count(scenario, activity)
        * round_trip_minutes(scenario, venue)
        * spec.travel_vnd_per_minute
        + overnight_cost(scenario, venue, staff_count(scenario, activity))
    )


def training_class_cost(scenario: Scenario, activity: str, trainees: int) -> int:
    """Return the cost in VND of one training class with a number of trainees.

    fixed + trainees × days × per-trainee-day + trainers' travel to the venue.
    """
    spec = scenario.activities[activity]
    assert spec.venue is not None
    return (
        spec.cost_fixed_vnd
        + trainees * spec.duration_days * spec.cost_per_trainee_day_vnd
        + staff_count(scenario, activity)
        * round_trip_minutes(scenario, spec.venue)
        * spec.travel_vnd_per_minute
    )


def broadcast_cost(scenario: Scenario, activity: str) -> int:
    """Return the cost in VND of one broadcast item."""
    return scenario.activities[activity].cost_per_item_vnd
