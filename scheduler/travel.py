"""Travel times between venues and communes, shared by the model, checker and exports.

No solver objects here: the independent checker imports this module.
"""

from __future__ import annotations

import datetime as dt
import math

from scheduler.scenario.schema import Scenario, Staff

# One table per scenario object; the object itself is kept so its id is not reused.
_TABLES: dict[int, tuple[Scenario, dict[tuple[str, str], int]]] = {}


def _travel_table(scenario: Scenario) -> dict[tuple[str, str], int]:
    hit = _TABLES.get(id(scenario))
    if hit is not None and hit[0] is scenario:
        return hit[1]
    table: dict[tuple[str, str], int] = {}
    for row in scenario.travel_times:
        table[(row.from_ref, row.to_ref)] = row.minutes
        table.setdefault((row.to_ref, row.from_ref), row.minutes)
    if len(_TABLES) > 16:
        _TABLES.clear()
    _TABLES[id(scenario)] = (scenario, table)
    return table


def travel_between(scenario: Scenario, a: str, b: str) -> int:
    """Return travel minutes between two places (venue ids or commune codes).

    Parameters
    ----------
    scenario : Scenario
        Supplies the travel table, coordinates and defaults.
    a, b : str
        Venue ids or commune codes.

    Returns
    -------
    int
        From the travel table in either direction; else estimated from
        coordinates (great-circle distance times the road factor at the road
        speed); else the scenario's default minutes.
    """
    if a == b:
        return 0
    table = _travel_table(scenario)
    # a row may name a venue or the commune it stands in
    for x in (a, _commune_of(scenario, a)):
        for y in (b, _commune_of(scenario, b)):
            if x == y:
                return 0
            if (x, y) in table:
                return table[(x, y)]
    pa, pb = _point(scenario, a), _point(scenario, b)
    t = scenario.travel
    if pa is not None and pb is not None and pa != pb:
        km = haversine_km(pa, pb) * t.road_factor
        return max(1, round(km / t.road_kmh * 60))
    return t.default_minutes


def base_of(scenario: Scenario, person: Staff) -> str | None:
    """Return the venue a person sets out from: their own base, else the area's HQ."""
    return person.base or scenario.area.hq_venue


def is_far(scenario: Scenario, venue: str) -> bool:
    """Return whether staff may stay the night before a session at a venue.

    Only with ``[travel.overnight]``: a venue more than its ``after_minutes``
    from the area's HQ venue is far (công tác phí pays per-diem and lodging).
    """
    stay = scenario.travel.overnight
    hq = scenario.area.hq_venue
    if stay is None or hq is None:
        return False
    return travel_between(scenario, hq, venue) > stay.after_minutes


def overnight_cost(scenario: Scenario, venue: str, places: int) -> int:
    """Return the per-diem and lodging of ``places`` staff at a far venue (else 0)."""
    stay = scenario.travel.overnight
    if stay is None or not is_far(scenario, venue):
        return 0
    return places * (stay.per_diem_vnd + stay.lodging_vnd)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def arrives_in_time(
    scenario: Scenario, person: Staff, venue: str, start: dt.time
) -> bool:
    """Return whether a person can be at a venue by a session's start from their base.

    True when ``travel.leave_base_at`` is not set (the rule is off), when the
    person has no base (nor the area an HQ), when the venue is far and
    overnight stays are allowed (:func:`is_far`), or when leaving the base at
    ``leave_base_at`` and travelling there arrives by ``start``.
    """
    leave = scenario.travel.leave_base_at
    base = base_of(scenario, person)
    if leave is None or base is None or is_far(scenario, venue):
        return True
    return _minutes(leave) + travel_between(scenario, base, venue) <= _minutes(start)


def _commune_of(scenario: Scenario, ref: str) -> str:
    for v in scenario.venues:
        if v.venue_id == ref:
            return v.commune_code or ref
    return ref


def _point(scenario: Scenario, ref: str) -> tuple[float, float] | None:
    for v in scenario.venues:
        if v.venue_id == ref:
            if v.lat is not None and v.lon is not None:
                return (v.lat, v.lon)
            ref = v.commune_code or ref
            break
    for c in scenario.communes:
        if c.commune_code == ref and c.lat is not None and c.lon is not None:
            return (c.lat, c.lon)
    return None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the great-circle distance in km between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))
