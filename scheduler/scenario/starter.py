"""A new plan's starting point: an area's real communes and the programme's usual activities.

``scheduler workbook new`` writes what :func:`starter_scenario` returns: the
communes of a district (2023 three-level units) or of a province (the
two-level units of 1 July 2025, with real points), each with its hall and two
loudspeaker slots, the programme's usual dialogue, station programme and
training (:mod:`scheduler.programme`), its usual topics, and two funding
sources with empty allowances. Staff, money, poor-household counts and blocked
periods are the planner's to fill: they are left empty (or zero), never
invented.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from scheduler.programme import (
    DISTRICT_DIALOGUE_ROLES,
    PROVINCE_DIALOGUE_ROLES,
    usual_activities,
    usual_role_names,
    usual_topics,
)
from scheduler.scenario.schema import (
    DEFAULT_SOLVER_PARAMETERS,
    Area,
    CalendarSettings,
    Commune,
    FundingSource,
    Horizon,
    Scenario,
    SolverSettings,
    StationSlot,
    TravelSettings,
    Venue,
    Weights,
)
from scheduler.units import communes_2023, wards_of_province_2025


def slug(text: str) -> str:
    """Return ``text`` as a short ASCII name for folders (``Hưng Nguyên`` → ``hung-nguyen``)."""
    bare = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    ascii_text = "".join(c for c in bare if not unicodedata.combining(c)).lower()
    words = "".join(c if c.isalnum() else " " for c in ascii_text).split()
    return "-".join(words)


def _funding(year: int, local: tuple[str, str, str]) -> tuple[FundingSource, ...]:
    quarters = {f"{year}-Q3": 0, f"{year}-Q4": 0}
    return (
        FundingSource(
            id="ctmtqg",
            name_vi="Kinh phí Chương trình MTQG giảm nghèo bền vững",
            name_en="National Target Programme budget",
            allowance_vnd=dict(quarters),
        ),
        FundingSource(
            id=local[0],
            name_vi=local[1],
            name_en=local[2],
            allowance_vnd=dict(quarters),
        ),
    )


def _stations(codes: list[str]) -> tuple[StationSlot, ...]:
    slots = (("sang", dt.time(6, 0), 15), ("chieu", dt.time(17, 30), 15))
    return tuple(
        StationSlot(commune_code=code, slot_id=slot, start=start, airtime_minutes=m)
        for code in codes
        for slot, start, m in slots
    )


def _scenario(
    *,
    area: Area,
    year: int,
    communes: tuple[Commune, ...],
    seat: str,
    seat_point: tuple[float | None, float | None],
    office: str,
    school: str,
    roles: dict[str, int],
    local: tuple[str, str, str],
    road_kmh: float,
) -> Scenario:
    venues = [
        Venue(
            venue_id="hq",
            name=f"Hội trường {office}",
            commune_code=seat,
            capacity=200,
            lat=seat_point[0],
            lon=seat_point[1],
        ),
        Venue(
            venue_id="ttct",
            name=school,
            commune_code=seat,
            capacity=60,
            lat=seat_point[0],
            lon=seat_point[1],
        ),
    ]
    venues += [
        Venue(
            venue_id=f"hall-{c.commune_code}",
            name=f"Hội trường UBND {c.commune_name}",
            commune_code=c.commune_code,
            capacity=100,
        )
        for c in communes
    ]
    return Scenario(
        name=f"ke-hoach-{slug(area.name)}-{year}",
        title=f"Kế hoạch truyền thông giảm nghèo {area.name}, Quý III–IV/{year}",
        area=area,
        horizon=Horizon(start=dt.date(year, 7, 1), end=dt.date(year, 12, 31)),
        calendar=CalendarSettings(),
        activities=usual_activities(
            year=year, dialogue_roles=roles, local_source=local[0]
        ),
        funding=_funding(year, local),
        weights=Weights(),
        targets=(),
        pins=(),
        travel=TravelSettings(road_kmh=road_kmh),
        solver=SolverSettings(parameters=dict(DEFAULT_SOLVER_PARAMETERS)),
        communes=communes,
        staff=(),
        venues=tuple(venues),
        topics=usual_topics(),
        stations=_stations([c.commune_code for c in communes]),
        blocked=(),
        travel_times=(),
        input_hash="",
        roles=usual_role_names(roles),
    )


def district_starter(district_code: str, year: int) -> Scenario:
    """Return a new plan for a district of the 2023 three-level units.

    Parameters
    ----------
    district_code : str
        Three-digit GSO district code of 2023 (e.g. ``"216"``, Tân Yên).
    year : int
        The plan's year; the period is its third and fourth quarters.

    Raises
    ------
    ValueError
        When no 2023 district has this code.
    """
    code = district_code.strip().zfill(3)
    units = [u for u in communes_2023() if u.district_code == code]
    if not units:
        raise ValueError(f"district_code: no 2023 district has code {district_code!r}")
    first = units[0]
    seat = next((u for u in units if u.commune_type == "Thị trấn"), first)
    communes = tuple(
        Commune(
            commune_code=u.commune_code,
            commune_name=u.commune_name,
            parent_code=code,
            parent_name=u.district_name,
            poor_households=0,
            lat=u.lat,
            lon=u.lon,
        )
        for u in units
    )
    return _scenario(
        area=Area(
            code=code,
            name=first.district_name,
            level="district",
            parent_name=first.province_name,
            hq_venue="hq",
        ),
        year=year,
        communes=communes,
        seat=seat.commune_code,
        seat_point=(seat.lat, seat.lon),
        office=f"UBND {first.district_name}",
        school=f"Trung tâm Chính trị {first.district_name}",
        roles=DISTRICT_DIALOGUE_ROLES,
        local=("ngan_sach_huyen", "Ngân sách huyện", "District budget"),
        road_kmh=30.0,
    )


def province_starter(province_code: str, year: int) -> Scenario:
    """Return a new plan for a province of the two-level units of 1 July 2025.

    Parameters
    ----------
    province_code : str
        Two-digit GSO province code of 2025 (e.g. ``"40"``, Nghệ An).
    year : int
        The plan's year (2025 or later); the period is Q3–Q4.

    Raises
    ------
    ValueError
        When no 2025 province has this code, or the year is before 2025.
    """
    if year < 2025:
        raise ValueError(f"year: the two-level units start in 2025, got {year}")
    wards = wards_of_province_2025(province_code)
    first = wards[0]
    communes = tuple(
        Commune(
            commune_code=w.ward_code,
            commune_name=w.ward_name,
            parent_code=first.province_code,
            parent_name=first.province_name,
            poor_households=0,
            lat=w.lat,
            lon=w.lon,
        )
        for w in wards
    )
    return _scenario(
        area=Area(
            code=first.province_code,
            name=first.province_name,
            level="province",
            hq_venue="hq",
        ),
        year=year,
        communes=communes,
        seat=first.ward_code,
        seat_point=(first.lat, first.lon),
        office=f"Sở Nông nghiệp và Môi trường {first.province_name}",
        school=f"Trường Chính trị {first.province_name}",
        roles=PROVINCE_DIALOGUE_ROLES,
        local=("ngan_sach_tinh", "Ngân sách tỉnh", "Provincial budget"),
        road_kmh=40.0,
    )
