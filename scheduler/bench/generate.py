"""Seeded benchmark instances built on the real 2023 list of districts and communes.

The units (codes, names, districts, provinces, approximate points) are real and
come from the official lists shipped in the package (:mod:`scheduler.units`;
``scheduler/data/vn-admin/README.md`` names the source and licence).
Everything added to them is made up, but in the shapes of the bundled Hưng
Nguyên scenario: poor-household counts, staff, venues, station slots, blocked
periods, travel times and budgets. The same district and seed always give the
same scenario.

The activities are those of the Hưng Nguyên plan (a policy dialogue in every
commune, programmes on the commune stations, a training course for commune
staff) over Q3–Q4 2023. The budget is worked out from what the district's
communes need and multiplied by ``budget_scale``: at 1.0 it leaves a few per cent
to spare, below 1.0 it binds.

Generated scenarios carry no quarter targets and no milestones. Both are hard
rules, and with a scaled-down budget they would make instances infeasible
rather than budget-bound, which is not what a coverage-versus-budget sweep
needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from scheduler.programme import (
    BROADCAST_ITEM_VND,
    CLASS_SIZE,
    DIALOGUE_ATTENDEES,
    DIALOGUE_FIXED_VND,
    DIALOGUE_PER_ATTENDEE_VND,
    TOPICS,
    TRAINEES_PER_COMMUNE,
    TRAINING_DAYS,
    TRAINING_FIXED_VND,
    TRAINING_PER_TRAINEE_DAY_VND,
    usual_activities,
)
from scheduler.scenario.schema import (
    DEFAULT_SOLVER_PARAMETERS,
    Area,
    BlockedPeriod,
    CalendarSettings,
    Commune,
    FundingSource,
    Horizon,
    Scenario,
    SolverSettings,
    Staff,
    StationSlot,
    Topic,
    TravelSettings,
    TravelTime,
    Venue,
    Weights,
)
from scheduler.travel import haversine_km
from scheduler.units import Commune2023, communes_2023, districts_2023

GENERATOR_VERSION = 1  # part of input_hash: change it when the output changes

# Broadcast items required per month of Q3–Q4 (10 in the "For the Poor" peak
# month, 17 October – 18 November).
ITEMS_PER_MONTH_OF_YEAR = {7: 8, 8: 8, 9: 8, 10: 10, 11: 10, 12: 8}
ITEMS_PER_MONTH = {f"2023-{m:02d}": n for m, n in ITEMS_PER_MONTH_OF_YEAR.items()}
# Share of the National Target Programme in each quarter's allowance (the rest is
# the local budget); Hưng Nguyên has 105/135 in Q3 and 70/105 in Q4.
NTP_SHARE_OF_QUARTER = {"Q3": 0.78, "Q4": 0.67}
NTP_SHARE = {f"2023-{q}": v for q, v in NTP_SHARE_OF_QUARTER.items()}
SPARE = 1.05  # the budget at scale 1.0 covers every need with 5 % to spare
MONEY_ROUND_VND = 1_000_000

# family, middle and given names (one word each), separated by spaces
_FAMILY = "Nguyễn Trần Lê Phạm Hoàng Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý"
_MIDDLE = "Văn Thị Hữu Đức Minh Thanh Ngọc Quang Xuân"
_GIVEN = (
    "Hải Hà Minh Thành Hương Nam Lan Tùng Thu Đức Hùng Dũng Mai Hoa Sơn Tâm Phúc Trang"
)

UnitRow = Commune2023  # one commune-level unit of the 2023 list


@dataclass(frozen=True)
class ScenarioRecipe:
    """The plain-data form of a generated scenario: the generator's arguments.

    A few dozen bytes to pickle, where a whole district :class:`Scenario` is
    tens of kilobytes; a worker that has the project rebuilds the same scenario
    from it with :meth:`build`.
    """

    district_code: str
    seed: int
    year: int = 2023
    budget_scale: float = 1.0

    def build(self) -> Scenario:
        """Return the scenario these arguments generate."""
        return district_scenario(
            self.district_code,
            self.seed,
            year=self.year,
            budget_scale=self.budget_scale,
        )


@lru_cache(maxsize=1)
def _units() -> dict[str, tuple[UnitRow, ...]]:
    """Return the 2023 communes grouped by district code, in file order."""
    out: dict[str, list[UnitRow]] = {}
    for unit in communes_2023():
        out.setdefault(unit.district_code, []).append(unit)
    return {k: tuple(v) for k, v in out.items()}


def _districts() -> tuple[tuple[str, str], ...]:
    """Return (province code, district code) of every 2023 district, in file order."""
    return districts_2023()


def all_districts() -> list[str]:
    """Return the codes of the 700 districts of 2023 that have communes.

    Returns
    -------
    list of str
        Zero-padded GSO district codes in the order of the official list.
    """
    return [d for _, d in _districts()]


def districts_of_province(province_code: str) -> list[str]:
    """Return the district codes of one province (2023 units).

    Parameters
    ----------
    province_code : str
        Two-digit GSO province code, e.g. ``"52"`` (Bình Định).

    Returns
    -------
    list of str
        The province's district codes in official order.

    Raises
    ------
    ValueError
        When no 2023 district has this province code.
    """
    code = province_code.strip().zfill(2)
    out = [d for p, d in _districts() if p == code]
    if not out:
        raise ValueError(f"province_code: no 2023 province has code {province_code!r}")
    return out


def seed_poor_households(rng: random.Random, commune_type: str) -> int:
    """Return a made-up poor-household count for a commune of this type.

    Rural communes (``Xã``) have more poor households than towns and wards.
    """
    if commune_type == "Xã":
        return rng.randint(20, 90)
    if commune_type == "Thị trấn":
        return rng.randint(10, 45)
    return rng.randint(3, 25)


def seed_person_name(rng: random.Random) -> str:
    """Return a made-up Vietnamese full name (family, middle and given name)."""
    parts = (rng.choice(names.split()) for names in (_FAMILY, _MIDDLE, _GIVEN))
    return " ".join(parts)


def _staff(rng: random.Random, n_communes: int) -> list[Staff]:
    """Return district staff in numbers that grow with the commune count.

    Hưng Nguyên (18 communes) has 3 leaders, 4 labour officers, 2 bank officers
    and a culture officer; two of them also train. The same proportions hold
    here, so weekly caps leave room for one dialogue per commune.
    """
    plan = [
        ("ld", "lanh_dao_huyen", "UBND huyện", 2 + n_communes // 12, 2),
        ("lt", "ldtbxh", "Phòng LĐ-TB&XH", 2 + n_communes // 9, 3),
        ("nh", "nhcsxh", "Phòng giao dịch NHCSXH huyện", 1 + n_communes // 12, 3),
        ("vh", "vhtt", "Phòng Văn hóa - Thông tin", 1, 3),
    ]
    out = []
    for prefix, role, org, count, cap in plan:
        for i in range(1, count + 1):
            roles = [role]
            # the deputy head of labour and the culture officer also train
            if (prefix, i) in {("lt", 2), ("vh", 1)}:
                roles.append("giang_vien")
            out.append(
                Staff(
                    staff_id=f"{prefix}{i:02d}",
                    name=seed_person_name(rng),
                    roles=tuple(roles),
                    organisation=org,
                    max_sessions_per_week=cap,
                )
            )
    for i in range(1, n_communes // 20 + 1):
        out.append(
            Staff(
                staff_id=f"gv{i:02d}",
                name=seed_person_name(rng),
                roles=("giang_vien",),
                organisation="Trung tâm Chính trị huyện",
                max_sessions_per_week=3,
            )
        )
    return out


def seed_halls(
    rng: random.Random,
    communes: Sequence[tuple[str, str, tuple[float, float] | None]],
) -> list[Venue]:
    """Return a commune hall of made-up capacity for each (code, name, point)."""
    return [
        Venue(
            venue_id=f"hall-{code}",
            name=f"Hội trường UBND {name}",
            commune_code=code,
            capacity=rng.randrange(60, 151, 5),
            lat=point[0] if point else None,
            lon=point[1] if point else None,
        )
        for code, name, point in communes
    ]


def seed_stations(rng: random.Random, codes: Sequence[str]) -> list[StationSlot]:
    """Return each commune's morning and evening loudspeaker slots, times made up."""
    out = []
    for code in codes:
        out.append(
            StationSlot(
                commune_code=code,
                slot_id="sang",
                start=rng.choice((dt.time(5, 30), dt.time(6, 0))),
                airtime_minutes=15,
            )
        )
        out.append(
            StationSlot(
                commune_code=code,
                slot_id="chieu",
                start=rng.choice((dt.time(17, 0), dt.time(17, 30))),
                airtime_minutes=rng.choice((10, 15)),
            )
        )
    return out


def seed_blocked_periods(
    rng: random.Random,
    communes: Sequence[tuple[str, str]],
    staff: Sequence[Staff],
    *,
    year: int = 2023,
    leader_role: str = "lanh_dao_huyen",
    council: str = "Kỳ họp HĐND huyện",
) -> list[BlockedPeriod]:
    """Return council sessions, leave, harvests and storm-season closures.

    ``communes`` are (code, type) pairs; only rural communes (``Xã``) get
    harvests and storm-season closures. The dates are those of 2023 moved to
    ``year``.
    """
    out = []
    # mid-year and year-end sessions of the People's Council
    for start in (dt.date(year, 7, 10), dt.date(year, 12, 18)):
        first = start + dt.timedelta(days=rng.choice((0, 1, 2)))
        for p in staff:
            if leader_role in p.roles:
                out.append(
                    BlockedPeriod(
                        kind="staff",
                        ref=p.staff_id,
                        start_date=first,
                        end_date=first + dt.timedelta(days=2),
                        reason=council,
                    )
                )
    # one person in eight takes two weeks of leave
    for p in rng.sample(list(staff), max(1, len(staff) // 8)):
        first = dt.date(year, 7, 3) + dt.timedelta(weeks=rng.randint(0, 22))
        out.append(
            BlockedPeriod(
                kind="staff",
                ref=p.staff_id,
                start_date=first,
                end_date=first + dt.timedelta(days=11),
                reason="Nghỉ phép",
            )
        )
    for code, commune_type in communes:
        if commune_type != "Xã":
            continue
        roll = rng.random()
        if roll < 0.3:
            first = dt.date(year, 8, 21) + dt.timedelta(weeks=rng.randint(0, 2))
            out.append(
                BlockedPeriod(
                    kind="commune",
                    ref=code,
                    start_date=first,
                    end_date=first + dt.timedelta(days=11),
                    reason="Thu hoạch lúa hè thu",
                )
            )
        elif roll < 0.45:
            out.append(
                BlockedPeriod(
                    kind="commune",
                    ref=code,
                    start_date=dt.date(year, 9, 25),
                    end_date=dt.date(year, 10, 6),
                    reason="Mùa mưa bão",
                )
            )
    return out


def seed_funding(
    rng: random.Random,
    n_communes: int,
    budget_scale: float,
    *,
    year: int = 2023,
    local: tuple[str, str, str] = (
        "ngan_sach_huyen",
        "Ngân sách huyện",
        "District budget",
    ),
) -> tuple[FundingSource, ...]:
    """Return the two sources with allowances scaled to what the communes need.

    Need per quarter: Q3 pays the training (classes of 10 communes) and half of
    the dialogues, Q4 the other half; both pay the month's broadcast items.
    ``local`` is the local budget's (id, Vietnamese name, English name).
    """
    dialogue = DIALOGUE_FIXED_VND + DIALOGUE_ATTENDEES * DIALOGUE_PER_ATTENDEE_VND
    per_class = CLASS_SIZE // TRAINEES_PER_COMMUNE
    training = TRAINING_FIXED_VND * math.ceil(n_communes / per_class) + (
        n_communes * TRAINEES_PER_COMMUNE * TRAINING_DAYS * TRAINING_PER_TRAINEE_DAY_VND
    )
    items = {"Q3": 0, "Q4": 0}
    for month, n in ITEMS_PER_MONTH_OF_YEAR.items():
        items["Q3" if month <= 9 else "Q4"] += n
    need = {
        q: n_communes * (dialogue // 2 + items[q] * BROADCAST_ITEM_VND) for q in items
    }
    need["Q3"] += training
    ntp: dict[str, int] = {}
    rest: dict[str, int] = {}
    for q, amount in need.items():
        total = amount * SPARE * rng.uniform(1.0, 1.05) * budget_scale
        share = NTP_SHARE_OF_QUARTER[q]
        key = f"{year}-{q}"
        ntp[key] = round(total * share / MONEY_ROUND_VND) * MONEY_ROUND_VND
        rest[key] = round(total * (1 - share) / MONEY_ROUND_VND) * MONEY_ROUND_VND
    return (
        FundingSource(
            id="ctmtqg",
            name_vi="Kinh phí Chương trình MTQG giảm nghèo bền vững",
            name_en="National Target Programme budget",
            allowance_vnd=ntp,
        ),
        FundingSource(
            id=local[0], name_vi=local[1], name_en=local[2], allowance_vnd=rest
        ),
    )


def district_scenario(
    district_code: str, seed: int, *, year: int = 2023, budget_scale: float = 1.0
) -> Scenario:
    """Generate a seeded, valid scenario for one 2023 district.

    Parameters
    ----------
    district_code : str
        Three-digit GSO district code of 2023, e.g. ``"431"`` (Hưng Nguyên).
    seed : int
        Seed of everything made up; the same code and seed give the same
        scenario.
    year : int
        Year of the unit list and of the Q3–Q4 horizon; only 2023 is available.
    budget_scale : float
        Multiplies both funding sources' allowances. At 1.0 every need is
        covered with about 5–10 % to spare; below 1.0 the budget binds.

    Returns
    -------
    Scenario
        A validated scenario (the same pydantic models as the loader builds),
        with real commune codes, names and approximate points.

    Raises
    ------
    ValueError
        For an unknown district, a year other than 2023 or a budget scale that
        is not positive.
    """
    if year != 2023:
        raise ValueError(f"year: only the 2023 unit list is available, got {year}")
    if not budget_scale > 0:
        raise ValueError(f"budget_scale: must be positive, got {budget_scale}")
    code = district_code.strip().zfill(3)
    units = _units().get(code)
    if units is None:
        raise ValueError(f"district_code: no 2023 district has code {district_code!r}")
    # str seeds are hashed with SHA-512 by random.Random: stable across runs
    rng = random.Random(f"{code}:{seed}")
    first = units[0]
    n = len(units)

    communes = tuple(
        Commune(
            commune_code=u.commune_code,
            commune_name=u.commune_name,
            parent_code=code,
            parent_name=u.district_name,
            poor_households=(poor := seed_poor_households(rng, u.commune_type)),
            near_poor_households=round(poor * rng.uniform(1.5, 1.9)),
            lat=u.lat,
            lon=u.lon,
        )
        for u in units
    )
    # the district seat: its first township, else its first ward, else first unit
    seat = next(
        (u for u in units if u.commune_type == "Thị trấn"),
        next((u for u in units if u.commune_type == "Phường"), first),
    )
    venues = [
        Venue(
            venue_id="hq",
            name=f"Hội trường UBND {first.district_name}",
            commune_code=seat.commune_code,
            capacity=200,
        ),
        Venue(
            venue_id="ttct",
            name=f"Trung tâm Chính trị {first.district_name}",
            commune_code=seat.commune_code,
            capacity=60,
        ),
    ]
    venues += seed_halls(rng, [(u.commune_code, u.commune_name, None) for u in units])
    stations = seed_stations(rng, [u.commune_code for u in units])
    travel = [TravelTime(from_ref="hq", to_ref="ttct", minutes=5)]
    seat_point = (seat.lat, seat.lon)
    for u in units:
        if u.commune_code == seat.commune_code:
            continue
        if (
            seat_point[0] is not None
            and seat_point[1] is not None
            and u.lat is not None
            and u.lon is not None
        ):
            km = haversine_km((seat_point[0], seat_point[1]), (u.lat, u.lon)) * 1.4
            minutes = max(8, round(km / 30 * 60)) + rng.randint(0, 6)
        else:
            minutes = rng.randint(10, 40)
        travel.append(TravelTime(from_ref="hq", to_ref=u.commune_code, minutes=minutes))
    staff = _staff(rng, n)
    blocked = seed_blocked_periods(
        rng, [(u.commune_code, u.commune_type) for u in units], staff
    )
    digest = hashlib.sha256(
        f"vn-admin-2023|{code}|{seed}|{year}|{budget_scale!r}|v{GENERATOR_VERSION}".encode()
    ).hexdigest()
    return Scenario(
        name=f"gen-{code}-s{seed}",
        title=(
            f"Kế hoạch truyền thông giảm nghèo {first.district_name}, "
            f"Quý III–IV/{year} (dữ liệu mô phỏng, hạt giống {seed})"
        ),
        area=Area(
            code=code,
            name=first.district_name,
            level="district",
            parent_name=first.province_name,
            hq_venue="hq",
        ),
        horizon=Horizon(start=dt.date(year, 7, 1), end=dt.date(year, 12, 31)),
        calendar=CalendarSettings(),
        activities=usual_activities(),
        funding=seed_funding(rng, n, budget_scale),
        weights=Weights(coverage=1000, early=1, spread=20, weekday=30, cost=1),
        targets=(),
        pins=(),
        travel=TravelSettings(default_minutes=30),
        solver=SolverSettings(parameters=dict(DEFAULT_SOLVER_PARAMETERS)),
        communes=communes,
        staff=tuple(staff),
        venues=tuple(venues),
        topics=tuple(
            Topic(topic_id=t, name_vi=vi, name_en=en, activities=("broadcast",))
            for t, vi, en in TOPICS
        ),
        stations=tuple(stations),
        blocked=tuple(blocked),
        travel_times=tuple(travel),
        input_hash=digest,
    )


def province_code_of(district_code: str) -> str:
    """Return the province code of a 2023 district.

    Raises
    ------
    ValueError
        When no 2023 district has this code.
    """
    code = district_code.strip().zfill(3)
    for p, d in _districts():
        if d == code:
            return p
    raise ValueError(f"district_code: no 2023 district has code {district_code!r}")
