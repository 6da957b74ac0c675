"""Seeded two-level provinces (the units of 1 July 2025) for benchmarks.

Since 1 July 2025 there are no districts: a province department plans its
communes and wards directly, with one pool of provincial staff. The units here
are real (:func:`scheduler.units.wards_of_province_2025`: official codes and
names, and a point inside each ward's boundary); everything added to them is
made up in the shapes of the 2023 generator (:mod:`scheduler.bench.generate`):
the same activities, prices and blocked periods over Q3–Q4 of ``year``, with

- provincial staff sized to the commune count: leaders of the department
  (Sở Nông nghiệp và Môi trường, which took over the poverty-reduction remit
  in 2025), its poverty-reduction officers, officers of the provincial branch
  of the Social Policy Bank, a culture officer, and trainers of the provincial
  Political School;
- the department's office and the Political School in the provincial seat,
  taken to be the first ward of the province in the official list (the list
  opens with the capital city's wards);
- a hall in every commune at the ward's point, and travel estimated from the
  points (great-circle distance × 1.4 road factor at 40 km/h; no travel table);
- a provincial budget beside the National Target Programme.

- the officials of every commune (seed 004 §III.2.2.b: the Party committee,
  the chair or vice-chair, the Fatherland Front and the unions of *that*
  commune), six a commune, who serve only their commune's dialogue
  (:mod:`scheduler.officials`), with a few days away each; the dialogue needs
  one of each group beside the provincial staff (``officials=False`` leaves
  them out, as the generator was before).

Each provincial person has a base: the department's office (``hq``) for its
staff and the bank's and culture officers, the Political School (``ttct``)
for its trainers. The rule that sessions start no earlier than the arrival
from the base (``travel.leave_base_at``) and overnight stays are not switched
on, so the instances plan as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from scheduler.bench.generate import (
    seed_blocked_periods,
    seed_funding,
    seed_halls,
    seed_person_name,
    seed_poor_households,
    seed_stations,
)
from scheduler.programme import (
    PROVINCE_DIALOGUE_ROLES,
    usual_activities,
    usual_role_names,
    usual_topics,
)
from scheduler.scenario.schema import (
    DEFAULT_SOLVER_PARAMETERS,
    Area,
    BlockedPeriod,
    CalendarSettings,
    Commune,
    Horizon,
    RoleName,
    Scenario,
    SolverSettings,
    Staff,
    TravelSettings,
    Venue,
    Weights,
)
from scheduler.units import Ward2025, wards_of_province_2025

TWO_LEVEL_VERSION = 2  # part of input_hash: change it when the output changes
ROAD_KMH = 40.0
ROAD_FACTOR = 1.4
LEADER_ROLE = "lanh_dao_so"
OFFICER_ROLE = "can_bo_giam_ngheo"
BANK_ROLE = "nhcsxh"
TRAINER_ROLE = "giang_vien"
DIALOGUE_ROLES = PROVINCE_DIALOGUE_ROLES
# the commune's side of a dialogue (seed 004 §III.2.2.b): role id → (need,
# Vietnamese, English, the posts that hold it)
COMMUNE_ROLES: dict[str, tuple[int, str, str, tuple[str, ...]]] = {
    "dang_uy_xa": (
        1,
        "Đại diện Đảng ủy xã",
        "Commune Party committee",
        ("Phó Bí thư Đảng ủy",),
    ),
    "ubnd_xa": (
        1,
        "Chủ tịch hoặc Phó Chủ tịch UBND xã",
        "Commune People's Committee chair or vice-chair",
        ("Chủ tịch UBND", "Phó Chủ tịch UBND"),
    ),
    "mttq_xa": (
        1,
        "Chủ tịch UBMTTQ xã",
        "Commune Fatherland Front chair",
        ("Chủ tịch UBMTTQ",),
    ),
    "doan_the_xa": (
        1,
        "Đoàn thể xã (Hội LHPN, Hội Nông dân)",
        "Commune mass unions (women's, farmers')",
        ("Chủ tịch Hội LHPN", "Chủ tịch Hội Nông dân"),
    ),
}
DEPARTMENT = "Sở Nông nghiệp và Môi trường"
PROVINCIAL_BUDGET = ("ngan_sach_tinh", "Ngân sách tỉnh", "Provincial budget")


@dataclass(frozen=True)
class TwoLevelRecipe:
    """The plain-data form of a generated two-level province: its arguments.

    A worker that has the project rebuilds the same scenario with :meth:`build`.
    """

    province_code: str
    seed: int
    communes: int | None = None
    year: int = 2027
    budget_scale: float = 1.0
    officials: bool = True

    def build(self) -> Scenario:
        """Return the scenario these arguments generate."""
        return two_level_scenario(
            self.province_code,
            self.seed,
            communes=self.communes,
            year=self.year,
            budget_scale=self.budget_scale,
            officials=self.officials,
        )


def _provincial_staff(rng: random.Random, n_communes: int) -> list[Staff]:
    """Return the provincial pool, growing with the commune count.

    Per 100 communes about 6 leaders, 11 poverty-reduction officers, 7 bank
    officers and 5 trainers (36 people for 130 communes, as the two-level
    provinces measured when the reform came in): enough weekly capacity for one
    dialogue per commune in a half-year with room for travel.
    """
    plan = [
        ("ld", LEADER_ROLE, f"{DEPARTMENT} (lãnh đạo Sở)", 2 + n_communes // 25, 2),
        (
            "gn",
            OFFICER_ROLE,
            f"{DEPARTMENT} (Phòng Giảm nghèo)",
            3 + n_communes // 12,
            3,
        ),
        ("nh", BANK_ROLE, "Chi nhánh NHCSXH tỉnh", 2 + n_communes // 20, 3),
        ("vh", "vhtt", "Sở Văn hóa, Thể thao và Du lịch", 1, 3),
    ]
    out = []
    for prefix, role, org, count, cap in plan:
        for i in range(1, count + 1):
            roles = [role]
            # a deputy head of the poverty-reduction office also trains
            if (prefix, i) == ("gn", 2):
                roles.append(TRAINER_ROLE)
            out.append(
                Staff(
                    staff_id=f"{prefix}{i:02d}",
                    name=seed_person_name(rng),
                    roles=tuple(roles),
                    organisation=org,
                    max_sessions_per_week=cap,
                    base="hq",
                )
            )
    for i in range(1, 1 + max(1, n_communes // 25)):
        out.append(
            Staff(
                staff_id=f"gv{i:02d}",
                name=seed_person_name(rng),
                roles=(TRAINER_ROLE,),
                organisation="Trường Chính trị tỉnh",
                max_sessions_per_week=3,
                base="ttct",
            )
        )
    return out


def _commune_officials(
    rng: random.Random, wards: tuple[Ward2025, ...], year: int
) -> tuple[list[Staff], list[BlockedPeriod]]:
    """Return the officials of every commune and the days they are away.

    Six a commune (:data:`COMMUNE_ROLES`), at most 2 sessions a week; one in
    four is away 3–5 days once in the half-year (a training course, a
    meeting of the province), the People's Committee chair and vice-chair
    never both on the same days.
    """
    staff: list[Staff] = []
    away: list[BlockedPeriod] = []
    for w in wards:
        k = 0
        for role, (_, _, _, posts) in COMMUNE_ROLES.items():
            for post in posts:
                k += 1
                sid = f"x{w.ward_code}-{k}"
                staff.append(
                    Staff(
                        staff_id=sid,
                        name=seed_person_name(rng),
                        roles=(role,),
                        organisation=f"{post} {w.ward_name}",
                        max_sessions_per_week=2,
                        home_commune=w.ward_code,
                    )
                )
                if rng.random() < 0.25 and post != "Phó Chủ tịch UBND":
                    first = dt.date(year, 7, 6) + dt.timedelta(days=rng.randint(0, 170))
                    away.append(
                        BlockedPeriod(
                            kind="staff",
                            ref=sid,
                            start_date=first,
                            end_date=first + dt.timedelta(days=rng.randint(2, 4)),
                            reason=rng.choice(
                                ("Bồi dưỡng tại tỉnh", "Họp tỉnh", "Việc riêng")
                            ),
                        )
                    )
    return staff, away


def _pick(
    rng: random.Random, wards: tuple[Ward2025, ...], n: int | None
) -> tuple[Ward2025, ...]:
    """Return ``n`` of the province's wards (all when None), in official order.

    The seat (the first ward) is always kept; the rest is a seeded sample, so a
    smaller instance still spans the province's distances.
    """
    if n is None or n >= len(wards):
        return wards
    if n < 1:
        raise ValueError(f"communes: must be at least 1, got {n}")
    rest = sorted(rng.sample(range(1, len(wards)), n - 1))
    return (wards[0], *(wards[i] for i in rest))


def _venues(
    rng: random.Random, wards: tuple[Ward2025, ...], province: str
) -> list[Venue]:
    seat = wards[0]
    out = [
        Venue(
            venue_id="hq",
            name=f"Hội trường {DEPARTMENT} {province}",
            commune_code=seat.ward_code,
            capacity=200,
            lat=seat.lat,
            lon=seat.lon,
        ),
        Venue(
            venue_id="ttct",
            name=f"Trường Chính trị {province}",
            commune_code=seat.ward_code,
            capacity=60,
            lat=seat.lat,
            lon=seat.lon,
        ),
    ]
    out += seed_halls(rng, [(w.ward_code, w.ward_name, (w.lat, w.lon)) for w in wards])
    return out


def two_level_scenario(
    province_code: str,
    seed: int,
    *,
    communes: int | None = None,
    year: int = 2027,
    budget_scale: float = 1.0,
    officials: bool = True,
) -> Scenario:
    """Generate a seeded, valid scenario for a province of the two-level structure.

    Parameters
    ----------
    province_code : str
        Two-digit GSO province code of 2025, e.g. ``"40"`` (Nghệ An, 130
        communes and wards) or ``"38"`` (Thanh Hóa, 166).
    seed : int
        Seed of everything made up; the same arguments give the same scenario.
    communes : int, optional
        Plan only this many of the province's units (the seat and a seeded
        sample of the rest); all of them by default.
    year : int
        The plan's year; the horizon is 1 July – 31 December.
    budget_scale : float
        Multiplies both funding sources' allowances: at 1.0 every need is
        covered with 5–10 % to spare, below 1.0 the budget binds.
    officials : bool
        Give every commune its officials, required at its dialogue (seed 004
        §III.2.2.b); False: the provincial staff alone.

    Returns
    -------
    Scenario
        A validated scenario with real codes, names and points.

    Raises
    ------
    ValueError
        For an unknown province, a year before 2025, a commune count below 1 or
        a budget scale that is not positive.
    """
    if year < 2025:
        raise ValueError(f"year: the two-level units start in 2025, got {year}")
    if not budget_scale > 0:
        raise ValueError(f"budget_scale: must be positive, got {budget_scale}")
    everything = wards_of_province_2025(province_code)
    code = everything[0].province_code
    province = everything[0].province_name
    # str seeds are hashed with SHA-512 by random.Random: stable across runs
    rng = random.Random(f"2025:{code}:{seed}:{communes}")
    wards = _pick(rng, everything, communes)
    n = len(wards)
    commune_rows = tuple(
        Commune(
            commune_code=w.ward_code,
            commune_name=w.ward_name,
            parent_code=code,
            parent_name=province,
            poor_households=(poor := seed_poor_households(rng, w.ward_type)),
            near_poor_households=round(poor * rng.uniform(1.5, 1.9)),
            lat=w.lat,
            lon=w.lon,
        )
        for w in wards
    )
    staff = _provincial_staff(rng, n)
    blocked = seed_blocked_periods(
        rng,
        [(w.ward_code, w.ward_type) for w in wards],
        staff,
        year=year,
        leader_role=LEADER_ROLE,
        council="Kỳ họp HĐND tỉnh",
    )
    roles = dict(DIALOGUE_ROLES)
    role_names = usual_role_names(DIALOGUE_ROLES)
    if officials:
        # their own stream: the rest of the scenario is as without them
        local, away = _commune_officials(
            random.Random(f"2025:{code}:{seed}:{communes}:officials"), wards, year
        )
        staff += local
        blocked += away
        for role, (need, vi, en, _) in COMMUNE_ROLES.items():
            roles[role] = need
            role_names[role] = RoleName(name_vi=vi, name_en=en)
    digest = hashlib.sha256(
        f"vn-admin-2025|{code}|{seed}|{communes}|{year}|{budget_scale!r}"
        f"|{officials}|v{TWO_LEVEL_VERSION}".encode()
    ).hexdigest()
    size = "" if communes is None else f"-n{n}"
    return Scenario(
        name=f"gen2025-{code}{size}-s{seed}",
        title=(
            f"Kế hoạch truyền thông giảm nghèo {province}, Quý III–IV/{year} "
            f"(dữ liệu mô phỏng, {n} xã, phường, hạt giống {seed})"
        ),
        area=Area(code=code, name=province, level="province", hq_venue="hq"),
        horizon=Horizon(start=dt.date(year, 7, 1), end=dt.date(year, 12, 31)),
        calendar=CalendarSettings(),
        activities=usual_activities(
            year=year, dialogue_roles=roles, local_source=PROVINCIAL_BUDGET[0]
        ),
        funding=seed_funding(rng, n, budget_scale, year=year, local=PROVINCIAL_BUDGET),
        weights=Weights(coverage=1000, early=1, spread=20, weekday=30, cost=1),
        targets=(),
        pins=(),
        travel=TravelSettings(
            default_minutes=30, road_kmh=ROAD_KMH, road_factor=ROAD_FACTOR
        ),
        solver=SolverSettings(parameters=dict(DEFAULT_SOLVER_PARAMETERS)),
        communes=commune_rows,
        staff=tuple(staff),
        venues=tuple(_venues(rng, wards, province)),
        topics=usual_topics(),
        stations=tuple(seed_stations(rng, [w.ward_code for w in wards])),
        blocked=tuple(blocked),
        travel_times=(),
        input_hash=digest,
        roles=role_names,
    )
