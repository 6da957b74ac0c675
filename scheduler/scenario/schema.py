"""Frozen, validated scenario records (pydantic v2).

Every model forbids unknown keys, so a misspelt key in a TOML file or an extra
column in a table is an error rather than a silently ignored setting. Text is
normalised to Unicode NFC on the way in, so that "Hưng" typed on a Mac and on
Windows compares equal.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HalfDay = Literal["morning", "afternoon"]


def _nfc(value: object) -> object:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.strip())
    return value


def _opt_str(value: object) -> object:
    value = _nfc(value)
    if value == "":
        return None
    return value


def _code(value: object) -> object:
    """Ids are strings even when a spreadsheet stored them as numbers."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _nfc(value)


def _commune_code(value: object) -> object:
    """Official commune codes have 5 digits; Excel turns 07306 into 7306, so pad."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:05d}"
    return _nfc(value)


def _list(value: object) -> object:
    """Accept ``a;b;c`` in a table cell as well as a real list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [_nfc(v) for v in value.split(";") if v.strip()]
    return value


def _time(value: object) -> object:
    if isinstance(value, str):
        return dt.time.fromisoformat(value.strip())
    return value


SLUG = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
SLUG_MAX = 64
# the words of the problem with a scenario's ``name`` (vi, en)
SLUG_PROBLEM = (
    "phải là tên ngắn chỉ gồm chữ thường không dấu, số và dấu '-' (ví dụ "
    "hung-nguyen-2023): nó là tên thư mục kết quả out/<tên>/",
    "must be a short name of lower-case letters without accents, digits and "
    "'-' (e.g. hung-nguyen-2023): it names the output folder out/<name>/",
)


def is_slug(value: str) -> bool:
    """Return whether a name is safe as one folder name on every system."""
    return len(value) <= SLUG_MAX and SLUG.fullmatch(value) is not None


def slug_of(text: str) -> str:
    """Return a slug made from free text ("Hưng Nguyên 2023" → "hung-nguyen-2023")."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_only = plain.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")[:SLUG_MAX].strip("-")


def _slug(value: str) -> str:
    if not is_slug(value):
        raise ValueError(SLUG_PROBLEM[1])
    return value


Text = Annotated[str, BeforeValidator(_nfc)]
# a scenario's name: one folder name (out/<name>/), never a path
Slug = Annotated[str, BeforeValidator(_nfc), AfterValidator(_slug)]
OptText = Annotated[str | None, BeforeValidator(_opt_str)]
Code = Annotated[str, BeforeValidator(_code), Field(min_length=1)]
CommuneCode = Annotated[str, BeforeValidator(_commune_code), Field(min_length=1)]
TextList = Annotated[tuple[str, ...], BeforeValidator(_list)]
ClockTime = Annotated[dt.time, BeforeValidator(_time)]
Money = Annotated[int, Field(ge=0)]


class Frozen(BaseModel):
    """Base for every scenario record: immutable, no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- TOML


class Area(Frozen):
    """The planning area: a pre-2025 district, a post-2025 province, or any group."""

    code: Code
    name: Text
    level: Text = "district"
    parent_name: OptText = None
    hq_venue: Code | None = None


class Horizon(Frozen):
    """First and last day of the plan, inclusive."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class HalfDayTimes(Frozen):
    """Clock times of one half-day session."""

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> HalfDayTimes:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class CalendarSettings(Frozen):
    """Working days and session times."""

    country_holidays: Text = "VN"
    weekend: tuple[Weekday, ...] = ("sat", "sun")
    morning: HalfDayTimes = HalfDayTimes(start=dt.time(7, 30), end=dt.time(11, 30))
    afternoon: HalfDayTimes = HalfDayTimes(start=dt.time(13, 30), end=dt.time(17, 0))
    extra_holidays: tuple[dt.date, ...] = ()
    extra_working_days: tuple[dt.date, ...] = ()
    training_day_start: ClockTime = dt.time(7, 30)
    training_day_end: ClockTime = dt.time(17, 0)

    @model_validator(mode="after")
    def _morning_first(self) -> CalendarSettings:
        if self.afternoon.start < self.morning.end:
            raise ValueError("afternoon.start must not be before morning.end")
        return self


class Announcement(Frozen):
    """A session announced on its commune's station before it happens."""

    via: Text = "broadcast"
    min_broadcasts: int = Field(default=2, ge=1)
    window_days: int = Field(default=5, ge=1)


class ActivitySpec(Frozen):
    """One activity type and the rules it is scheduled under.

    ``kind`` selects the mechanics: ``session`` (half-day events held in a
    commune: dialogues, leaflet handouts, contests), ``broadcast`` (items on a
    commune station's daily slots), ``training`` (multi-day classes at a
    central venue serving several communes).
    """

    kind: Literal["session", "broadcast", "training"]
    name_vi: Text
    name_en: Text
    funding_sources: TextList = Field(min_length=1)
    priority: int = Field(default=1, ge=0)
    communes: TextList = ()
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    preferred_weekdays: tuple[Weekday, ...] = ()
    topic: OptText = None
    # session mechanics
    per_commune: int = Field(default=1, ge=0)
    per_commune_override: dict[str, int] = Field(default_factory=dict)
    half_days: Literal[1] = 1
    attendees: int = Field(default=0, ge=0)
    roles: dict[str, int] = Field(default_factory=dict)
    cost_fixed_vnd: Money = 0
    cost_per_attendee_vnd: Money = 0
    travel_vnd_per_minute: Money = 0
    announce: Announcement | None = None
    requires_training: OptText = None
    # broadcast mechanics
    per_month: int = Field(default=0, ge=0)
    per_month_override: dict[str, int] = Field(default_factory=dict)
    max_per_week: int = Field(default=7, ge=1)
    max_per_day: int = Field(default=1, ge=1)
    minutes: int = Field(default=10, ge=1)
    topic_gap_days: int = Field(default=0, ge=0)
    every_topic_per_quarter: bool = False
    days: Literal["every_day", "working_days"] = "every_day"
    cost_per_item_vnd: Money = 0
    # training mechanics
    class_size: int = Field(default=30, ge=1)
    duration_days: int = Field(default=1, ge=1)
    trainees_per_commune: int = Field(default=0, ge=0)
    max_classes: int | None = Field(default=None, ge=1)
    venue: Code | None = None
    cost_per_trainee_day_vnd: Money = 0

    @field_validator("roles", "per_commune_override", "per_month_override")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        for key, count in value.items():
            if count < 0:
                raise ValueError(f"'{key}' must be 0 or more, got {count}")
        return {_nfc(k): v for k, v in value.items()}  # type: ignore[misc]

    @model_validator(mode="after")
    def _kind_fields(self) -> ActivitySpec:
        if self.kind == "training" and self.venue is None:
            raise ValueError("a training activity needs 'venue' (a central venue id)")
        if (
            self.window_start is not None
            and self.window_end is not None
            and self.window_end < self.window_start
        ):
            raise ValueError("window_end must not be before window_start")
        return self


class FundingSource(Frozen):
    """A budget line with an allowance per quarter (keys like ``2023-Q3``)."""

    id: Code
    name_vi: Text
    name_en: Text
    allowance_vnd: dict[str, Money]
    carry_over: bool = False

    @field_validator("allowance_vnd")
    @classmethod
    def _quarter_keys(cls, value: dict[str, int]) -> dict[str, int]:
        for key in value:
            year, _, q = key.partition("-Q")
            if not (year.isdigit() and q in {"1", "2", "3", "4"}):
                raise ValueError(f"quarter key '{key}' must look like 2023-Q3")
        return value


class RoleName(Frozen):
    """How people read a role id (``[roles.<id>]``): ``Lãnh đạo UBND huyện``."""

    name_vi: Text = Field(min_length=1)
    name_en: Text = Field(min_length=1)


class Weights(Frozen):
    """Weights of the named soft goals (penalty per unit; 0 switches a goal off)."""

    coverage: int = Field(default=1000, ge=0)
    early: int = Field(default=1, ge=0)
    spread: int = Field(default=20, ge=0)
    weekday: int = Field(default=5, ge=0)
    cost: int = Field(default=1, ge=0)
    workload: int = Field(default=10, ge=0)


class Target(Frozen):
    """At least a share of an activity's required events done by a date."""

    activity: Text
    by: dt.date
    min_fraction: float = Field(gt=0, le=1)


class Pin(Frozen):
    """A milestone: an event fixed to a date (and optionally a half-day)."""

    activity: Text
    commune: CommuneCode
    date: dt.date
    half: HalfDay | None = None
    ordinal: int = Field(default=1, ge=1)


class TravelSettings(Frozen):
    """Travel rules between venues, in minutes."""

    default_minutes: int = Field(default=30, ge=0)
    road_kmh: float = Field(default=30.0, gt=0)
    road_factor: float = Field(default=1.4, ge=1.0)


class DataFiles(Frozen):
    """Paths (relative to the TOML file) of the scenario's tables."""

    communes: Text
    staff: Text
    venues: Text
    topics: Text
    stations: Text | None = None
    blocked_periods: Text | None = None
    travel_times: Text | None = None


# --------------------------------------------------------------------------- tables


class Commune(Frozen):
    """A commune-level unit (xã / phường / thị trấn) keyed by its official code."""

    commune_code: CommuneCode
    commune_name: Text
    parent_code: Code | None = None
    parent_name: OptText = None
    poor_households: int = Field(ge=0)
    near_poor_households: int = Field(default=0, ge=0)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Staff(Frozen):
    """A person who staffs events: a district leader, an officer, a trainer."""

    staff_id: Code
    name: Text
    roles: TextList = Field(min_length=1)
    organisation: OptText = None
    email: OptText = None
    phone: OptText = None
    max_sessions_per_week: int = Field(default=3, ge=0)
    # days of training classes a week (a provincial trainer's days across
    # districts); None: classes are limited only by the person's free days
    max_class_days_per_week: int | None = Field(default=None, ge=0)


class Venue(Frozen):
    """A place where sessions or classes are held."""

    venue_id: Code
    name: Text
    commune_code: CommuneCode | None = None
    capacity: int = Field(ge=0)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Topic(Frozen):
    """A campaign topic (health insurance, credit, housing, …)."""

    topic_id: Code
    name_vi: Text
    name_en: Text
    activities: TextList = Field(min_length=1)


class StationSlot(Frozen):
    """One daily slot of a commune loudspeaker station."""

    commune_code: CommuneCode
    slot_id: Code
    start: ClockTime
    airtime_minutes: int = Field(ge=1)


class BlockedPeriod(Frozen):
    """Days a commune cannot host, or a person cannot work (harvest, storm, duty)."""

    kind: Literal["commune", "staff"]
    ref: Code
    start_date: dt.date
    end_date: dt.date
    half: HalfDay | None = None
    reason: OptText = None

    @field_validator("end_date")
    @classmethod
    def _ordered(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start_date")
        if start is not None and end < start:
            raise ValueError("end_date must not be before start_date")
        return end

    @model_validator(mode="before")
    @classmethod
    def _pad_commune_ref(cls, data: object) -> object:
        """Pad a commune ref like a commune code (Excel turns 07306 into 7306)."""
        if (
            isinstance(data, dict)
            and str(data.get("kind", "")).strip() == "commune"
            and "ref" in data
        ):
            return {**data, "ref": _commune_code(data["ref"])}
        return data


class TravelTime(Frozen):
    """Travel minutes between two venues or communes (both directions)."""

    from_ref: Code
    to_ref: Code
    minutes: int = Field(ge=0)


# --------------------------------------------------------------------------- scenario


# CP-SAT's presolve is off by default: on the Hưng Nguyên model it rewrites the
# coverage terms so that the relaxation loses them (bound stays below 0 after 20 s),
# while without it the same model is proven optimal in about 4 s
# (see docs/performance.md).
DEFAULT_SOLVER_PARAMETERS: dict[str, bool | int | float | str] = {
    "num_workers": 2,
    "max_time_in_seconds": 30.0,
    "random_seed": 0,
    "cp_model_presolve": False,
}


class SolverSettings(Frozen):
    """CP-SAT settings, by SatParameters field name, plus staged priorities.

    ``engine = "portfolio"`` (the default) runs HiGHS beside CP-SAT when the
    solve has two or more threads and CP-SAT has not proven its plan after
    ``highs_after_s`` seconds (:mod:`scheduler.portfolio`); ``"cp-sat"``
    never does.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    parameters: dict[str, bool | int | float | str] = Field(default_factory=dict)
    stages: tuple[tuple[str, ...], ...] = ()
    naming_time_limit_s: float = Field(default=10.0, gt=0)
    # to find the conflicting rules when no plan exists (scheduler.explain)
    explain_time_limit_s: float = Field(default=60.0, gt=0)
    engine: Literal["portfolio", "cp-sat"] = "portfolio"
    highs_after_s: float = Field(default=2.0, ge=0)


class PublishSettings(Frozen):
    """What the public outputs show: the feeds other than staff feeds, and report.html.

    By default they carry no personal data: staff appear by role and office,
    never by name, e-mail or phone. ``public_names`` lets a scenario show the
    names too; ``organizer_email`` is the office mailbox given as each event's
    ORGANIZER (RFC 5546 wants one in a published calendar).
    """

    public_names: bool = False
    organizer_email: OptText = None


class Scenario(Frozen):
    """A whole validated scenario: everything the model needs, no file access."""

    name: Slug
    title: Text
    area: Area
    horizon: Horizon
    calendar: CalendarSettings
    activities: dict[str, ActivitySpec]
    funding: tuple[FundingSource, ...]
    weights: Weights
    targets: tuple[Target, ...]
    pins: tuple[Pin, ...]
    travel: TravelSettings
    solver: SolverSettings
    communes: tuple[Commune, ...]
    staff: tuple[Staff, ...]
    venues: tuple[Venue, ...]
    topics: tuple[Topic, ...]
    stations: tuple[StationSlot, ...]
    blocked: tuple[BlockedPeriod, ...]
    travel_times: tuple[TravelTime, ...]
    input_hash: str
    publish: PublishSettings = PublishSettings()
    # display names of role ids ([roles]); optional, ids are shown without them
    roles: dict[str, RoleName] = Field(default_factory=dict)

    def commune(self, code: str) -> Commune:
        """Return the commune with this official code."""
        for c in self.communes:
            if c.commune_code == code:
                return c
        raise KeyError(code)

    def venue(self, venue_id: str) -> Venue:
        """Return the venue with this id."""
        for v in self.venues:
            if v.venue_id == venue_id:
                return v
        raise KeyError(venue_id)

    def funding_source(self, source_id: str) -> FundingSource:
        """Return the funding source with this id."""
        for f in self.funding:
            if f.id == source_id:
                return f
        raise KeyError(source_id)

    def communes_for(self, activity_id: str) -> tuple[Commune, ...]:
        """Return the communes an activity applies to (all when not restricted)."""
        spec = self.activities[activity_id]
        if not spec.communes:
            return self.communes
        wanted = set(spec.communes)
        return tuple(c for c in self.communes if c.commune_code in wanted)

    def required_count(self, activity_id: str, commune_code: str) -> int:
        """Return how many sessions of an activity a commune must get."""
        spec = self.activities[activity_id]
        return spec.per_commune_override.get(commune_code, spec.per_commune)

    def topics_for(self, activity_id: str) -> tuple[Topic, ...]:
        """Return the topics that may be used by an activity, in table order."""
        return tuple(t for t in self.topics if activity_id in t.activities)

    def role_name(self, role: str, lang: str = "vi") -> str:
        """Return a role's display name in the language (the id when unnamed)."""
        named = self.roles.get(role)
        if named is None:
            return role
        return named.name_en if lang == "en" else named.name_vi

    def holders(self, role: str) -> tuple[Staff, ...]:
        """Return the staff who hold a role, in table order."""
        return tuple(s for s in self.staff if role in s.roles)
