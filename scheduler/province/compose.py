"""District scenarios of a province, given their share of the shared resources.

Everything here is pure data manipulation on validated :class:`Scenario`
records; nothing imports the solver, so the results pickle to Dask workers.

- :func:`restrict` cuts a scenario down to a group of its communes and staff
  (post-2025 provinces, where a "district" is a group of communes).
- :func:`district_scenario` gives one district its allowance of the shared
  budget and the provincial trainers (with the half-days they may not work).
- :func:`whole_scenario` builds one monolithic scenario of the whole province,
  used to measure how far the decomposition is from the true optimum on small
  cases; :func:`whole_relaxation` is the same with the shared allowance open
  to every district, whose proven bound bounds the province.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from scheduler.plan import Event, Plan
from scheduler.province.schema import ProvinceScenario, ProvincialTrainer
from scheduler.scenario.schema import (
    ActivitySpec,
    BlockedPeriod,
    Commune,
    FundingSource,
    Pin,
    Scenario,
    Staff,
    StationSlot,
    Target,
    Topic,
    TravelTime,
    Venue,
)

# (trainer id, date, half or None for the whole day)
TrainerBlock = tuple[str, dt.date, str | None]


def restrict(
    scenario: Scenario, communes: Iterable[str], staff: Iterable[str] = ()
) -> Scenario:
    """Return the scenario cut down to some communes (and, if given, some staff).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    communes : iterable of str
        Commune codes to keep (all must be in the scenario).
    staff : iterable of str
        Staff ids to keep; empty keeps everybody.

    Returns
    -------
    Scenario
        The same rules over the kept communes: stations, commune blocks, pins
        and per-commune exceptions of other communes are dropped, and so are
        their venues (except the HQ and training venues) and travel rows.
    """
    keep = set(communes)
    people = set(staff)
    activities = {}
    for act_id, spec in scenario.activities.items():
        update: dict[str, object] = {
            "per_commune_override": {
                c: n for c, n in spec.per_commune_override.items() if c in keep
            }
        }
        if spec.communes:
            update["communes"] = tuple(c for c in spec.communes if c in keep)
        activities[act_id] = spec.model_copy(update=update)
    kept_staff = tuple(s for s in scenario.staff if not people or s.staff_id in people)
    # venues of other communes go, except the HQ and training venues, which
    # stay as places with no commune
    needed = {scenario.area.hq_venue} | {s.venue for s in scenario.activities.values()}
    venues = tuple(
        v
        if v.commune_code is None or v.commune_code in keep
        else v.model_copy(update={"commune_code": None})
        for v in scenario.venues
        if v.commune_code is None or v.commune_code in keep or v.venue_id in needed
    )
    places = keep | {v.venue_id for v in venues}
    staff_ids = {s.staff_id for s in kept_staff}
    return scenario.model_copy(
        update={
            "activities": activities,
            "communes": tuple(c for c in scenario.communes if c.commune_code in keep),
            "staff": kept_staff,
            "stations": tuple(s for s in scenario.stations if s.commune_code in keep),
            "blocked": tuple(
                b
                for b in scenario.blocked
                if (b.kind == "commune" and b.ref in keep)
                or (b.kind == "staff" and b.ref in staff_ids)
            ),
            "pins": tuple(p for p in scenario.pins if p.commune in keep),
            "venues": venues,
            "travel_times": tuple(
                t
                for t in scenario.travel_times
                if t.from_ref in places and t.to_ref in places
            ),
        }
    )


def trainer_as_staff(trainer: ProvincialTrainer) -> Staff:
    """Return a provincial trainer as a district staff record.

    The trainer's weekly cap in days caps both their sessions and their class
    days (a class takes the whole day); across districts the decomposition
    and :mod:`scheduler.province.shared` hold it.
    """
    return Staff(
        staff_id=trainer.staff_id,
        name=trainer.name,
        roles=trainer.roles,
        organisation=trainer.organisation,
        email=trainer.email,
        phone=trainer.phone,
        max_sessions_per_week=trainer.max_days_per_week,
        max_class_days_per_week=trainer.max_days_per_week,
    )


def district_scenario(
    province: ProvinceScenario,
    district_id: str,
    *,
    allowance: Mapping[str, int] | None = None,
    trainer_blocks: Iterable[TrainerBlock] = (),
) -> Scenario:
    """Return one district's scenario with its share of the shared resources.

    Parameters
    ----------
    province : ProvinceScenario
        The province.
    district_id : str
        Which district.
    allowance : mapping of quarter to VND, optional
        The district's allowance of the shared budget per quarter.
    trainer_blocks : iterable of (trainer, date, half)
        Half-days (or whole days, half ``None``) on which a provincial trainer
        may not work in this district (used by others, or over the weekly cap).

    Returns
    -------
    Scenario
        A normal scenario: the shared budget replaces the district's own line
        of the same id, and the provincial trainers join its staff table.
    """
    district = province.district(district_id)
    sc = district.scenario
    update: dict[str, object] = {}
    budget = province.budget
    if budget is not None and allowance is not None:
        source = FundingSource(
            id=budget.id,
            name_vi=budget.name_vi,
            name_en=budget.name_en,
            allowance_vnd=dict(allowance),
        )
        update["funding"] = tuple(
            source if f.id == budget.id else f for f in sc.funding
        )
    if province.trainers:
        # a district file may list a provincial trainer so that it plans on its
        # own; in the province the provincial row replaces that copy
        ids = {t.staff_id for t in province.trainers}
        update["staff"] = tuple(s for s in sc.staff if s.staff_id not in ids) + tuple(
            trainer_as_staff(t) for t in province.trainers
        )
        blocks = [
            BlockedPeriod(
                kind="staff",
                ref=tid,
                start_date=day,
                end_date=day,
                half=half,
                reason="Giảng viên tỉnh bận ở huyện khác / provincial trainer elsewhere",
            )
            for tid, day, half in sorted(
                set(trainer_blocks), key=lambda b: (b[0], b[1], b[2] or "")
            )
        ]
        update["blocked"] = sc.blocked + province.trainer_blocked + tuple(blocks)
    return sc.model_copy(update=update)


def whole_scenario(province: ProvinceScenario) -> Scenario:
    """Return the whole province as one scenario (the monolithic formulation).

    District staff, venues, activities, roles and the district's own funding
    lines are prefixed with ``<district>.`` so that each district keeps its own;
    communes keep their (unique) codes. The shared budget keeps its id with the
    provincial allowances, and each provincial trainer holds the prefixed
    roles of every district, so one person serves any district but is in one
    place at a time. Activities, weights, horizon and calendar are the
    districts' (they must agree, which the loader checks).

    Two things are not expressed exactly and are reported as limits: the
    trainers' ``max_days_per_week`` caps their class days and, separately,
    their sessions (a week of sessions on days without a class and class days
    could exceed it together), and the HQ venue (the first district's, which
    matters only when activities pay travel per minute).
    """
    first = province.districts[0].scenario
    shared_id = province.budget.id if province.budget else None
    trainer_ids = {t.staff_id for t in province.trainers}
    parts = _WholeParts()
    for d in province.districts:
        _add_district(parts, f"{d.id}.", d.scenario, shared_id, trainer_ids)
    if province.budget is not None:
        b = province.budget
        parts.funding.append(
            FundingSource(
                id=b.id,
                name_vi=b.name_vi,
                name_en=b.name_en,
                allowance_vnd=b.allowance_vnd,
            )
        )
    # each provincial trainer holds the roles of every district
    parts.staff.extend(
        trainer_as_staff(t).model_copy(
            update={
                "roles": tuple(
                    f"{d.id}.{r}" for d in province.districts for r in t.roles
                )
            }
        )
        for t in province.trainers
    )
    parts.blocked.extend(province.trainer_blocked)
    hq = first.area.hq_venue
    return first.model_copy(
        update={
            "name": province.name,
            "title": province.title,
            "area": province.area.model_copy(
                update={"hq_venue": f"{province.districts[0].id}.{hq}" if hq else None}
            ),
            "activities": parts.activities,
            "funding": tuple(parts.funding),
            "targets": tuple(parts.targets),
            "pins": tuple(parts.pins),
            "communes": tuple(parts.communes),
            "staff": tuple(parts.staff),
            "venues": tuple(parts.venues),
            "topics": _shared_topics(province),
            "stations": tuple(parts.stations),
            "blocked": tuple(parts.blocked),
            "travel_times": tuple(parts.travel),
            "input_hash": province.input_hash,
        }
    )


@dataclass
class _WholeParts:
    """The records of the whole province's scenario, gathered district by district."""

    activities: dict[str, ActivitySpec] = field(default_factory=dict)
    communes: list[Commune] = field(default_factory=list)
    staff: list[Staff] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    stations: list[StationSlot] = field(default_factory=list)
    blocked: list[BlockedPeriod] = field(default_factory=list)
    travel: list[TravelTime] = field(default_factory=list)
    funding: list[FundingSource] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)


def _add_district(
    parts: _WholeParts,
    p: str,
    sc: Scenario,
    shared_id: str | None,
    trainer_ids: set[str],
) -> None:
    """Add one district's records, their ids prefixed with ``p`` (``<district>.``).

    The provincial trainers are left out here (they are added once, with
    every district's roles), and so is the shared budget.
    """
    codes = tuple(c.commune_code for c in sc.communes)
    for act_id, spec in sc.activities.items():
        parts.activities[p + act_id] = _prefixed_activity(spec, p, codes, shared_id)
    parts.communes.extend(sc.communes)
    parts.staff.extend(
        s.model_copy(
            update={"staff_id": p + s.staff_id, "roles": tuple(p + r for r in s.roles)}
        )
        for s in sc.staff
        if s.staff_id not in trainer_ids
    )
    parts.venues.extend(
        v.model_copy(update={"venue_id": p + v.venue_id}) for v in sc.venues
    )
    parts.stations.extend(sc.stations)
    parts.blocked.extend(
        b.model_copy(update={"ref": p + b.ref}) if b.kind == "staff" else b
        for b in sc.blocked
        if b.ref not in trainer_ids
    )

    def place(ref: str) -> str:
        return p + ref if any(v.venue_id == ref for v in sc.venues) else ref

    parts.travel.extend(
        tt.model_copy(
            update={"from_ref": place(tt.from_ref), "to_ref": place(tt.to_ref)}
        )
        for tt in sc.travel_times
    )
    parts.funding.extend(
        f.model_copy(update={"id": p + f.id}) for f in sc.funding if f.id != shared_id
    )
    parts.targets.extend(
        x.model_copy(update={"activity": p + x.activity}) for x in sc.targets
    )
    parts.pins.extend(
        Pin(**{**x.model_dump(), "activity": p + x.activity}) for x in sc.pins
    )


def _prefixed_activity(
    spec: ActivitySpec, p: str, codes: tuple[str, ...], shared_id: str | None
) -> ActivitySpec:
    """Return a district's activity as the whole scenario names its references."""
    return spec.model_copy(
        update={
            "communes": spec.communes or codes,
            "funding_sources": tuple(
                f if f == shared_id else p + f for f in spec.funding_sources
            ),
            "roles": {p + r: n for r, n in spec.roles.items()},
            "venue": p + spec.venue if spec.venue else None,
            "requires_training": (
                p + spec.requires_training if spec.requires_training else None
            ),
            "announce": (
                spec.announce.model_copy(update={"via": p + spec.announce.via})
                if spec.announce
                else None
            ),
        }
    )


def _shared_topics(province: ProvinceScenario) -> tuple[Topic, ...]:
    """Return every topic once, used by the prefixed activities of every district."""
    topics: list[Topic] = []
    seen: set[str] = set()
    for d in province.districts:
        for topic in d.scenario.topics:
            if topic.topic_id in seen:
                continue
            seen.add(topic.topic_id)
            users = tuple(
                q.id + "." + a
                for q in province.districts
                for a in next(
                    (
                        x.activities
                        for x in q.scenario.topics
                        if x.topic_id == topic.topic_id
                    ),
                    (),
                )
            )
            topics.append(topic.model_copy(update={"activities": users}))
    return tuple(topics)


def whole_relaxation(
    province: ProvinceScenario, allowance: Mapping[str, int] | None = None
) -> Scenario | None:
    """Return the whole province as one scenario whose optimum bounds the province's.

    :func:`whole_scenario` with the shared budget at ``allowance`` (default: the
    province's). Every plan of the province is a plan of this scenario with the
    same objective when two conditions hold, so the proven bound of its solve
    is a valid lower bound for the province:

    - no activity pays travel by the minute (the whole scenario has one HQ,
      the districts each have their own, so costs would differ);
    - the provincial trainers' roles are used by training activities only:
      classes take whole days, so no same-day travel between districts arises,
      and the trainers' weekly caps in days are their class-day caps
      (``max_class_days_per_week``), which the whole model holds across
      districts. A province plan is then a plan of the whole scenario and,
      the other way round, the whole plan split by district is a province
      plan (:func:`split_plan`): the relaxation is exact.

    Returns None when a condition fails.
    """
    trainer_roles = {r for t in province.trainers for r in t.roles}
    for d in province.districts:
        for spec in d.scenario.activities.values():
            if spec.travel_vnd_per_minute:
                return None
            if spec.kind != "training" and trainer_roles & set(spec.roles):
                return None
    whole = whole_scenario(province)
    if allowance is None or province.budget is None:
        return whole
    shared = province.budget.id
    funding = tuple(
        f.model_copy(update={"allowance_vnd": dict(allowance)}) if f.id == shared else f
        for f in whole.funding
    )
    return whole.model_copy(update={"funding": funding})


def split_plan(province: ProvinceScenario, plan: Plan) -> dict[str, Plan]:
    """Return each district's part of a plan of the whole scenario.

    A part holds the district's events with their activity ids as the
    district names them (:func:`whole_scenario` prefixes them with
    ``<district>.``); venue and staff ids stay the whole scenario's, and the
    totals are the whole plan's. A part is meant as a warm start: solved in the district's scenario
    with its placements fixed, it becomes a district plan.
    """
    out: dict[str, Plan] = {}
    for d in province.districts:
        prefix = f"{d.id}."
        events: tuple[Event, ...] = tuple(
            replace(e, activity=e.activity.removeprefix(prefix))
            for e in plan.events
            if e.activity.startswith(prefix)
        )
        out[d.id] = replace(plan, events=events)
    return out
