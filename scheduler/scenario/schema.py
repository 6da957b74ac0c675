"""Frozen, validated scenario records (pydantic v2).

Every model forbids unknown keys, so a misspelt key in a TOML file or an extra
column in a table is an error rather than a silently ignored setting. Text is
normalised to Unicode NFC on the way in, so that "Hưng" typed on a Mac and on
Windows compares equal.
"""

from __future__ import annotations

import datetime as dt
import math
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

from scheduler.errors import BilingualValueError
from scheduler.i18n import both, name_in

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HalfDay = Literal["morning", "afternoon"]


# Characters that cannot be written to an XLSX, CSV or iCalendar file: the C0
# controls except tab, line feed and carriage return, DEL and the C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Domains: wide enough for any real plan, narrow enough that every sum the
# solver forms stays an exact integer (see MAX_TOTAL_VND and validate.py).
MAX_MONEY_VND = 10**12  # one price: a thousand billion đồng
MAX_ALLOWANCE_VND = 10**15  # one funding source in one quarter
MAX_PEOPLE = 1_000_000  # households, attendees, trainees, seats
MAX_PER_COMMUNE = 1_000  # events of one activity in one commune (or month)
MAX_WEIGHT = 1_000_000  # a soft goal's weight, an activity's priority
MAX_MINUTES = 1_440  # a day: travel, airtime, item length
MAX_DAYS = 366  # windows, gaps, durations in days


def _nfc(value: object) -> object:
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value.strip())
        bad = _CONTROL.search(value)
        if bad is not None:
            code = f"U+{ord(bad.group()):04X}"
            raise BilingualValueError(
                f"có ký tự điều khiển {code} (vô hình, không in được); hãy xoá nó",
                f"contains the control character {code} (invisible, "
                "unprintable); delete it",
            )
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


COMMUNE_CODE_DIGITS = 5


def _commune_code(value: object) -> object:
    """Official commune codes have 5 digits; a spreadsheet turns 07306 into 7306, so pad.

    The number comes back from an XLSX cell as a number and from a CSV saved
    by a spreadsheet as the text ``7306``: both are padded.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    value = _nfc(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value.zfill(COMMUNE_CODE_DIGITS)
    return value


def _list(value: object) -> object:
    """Accept ``a;b;c`` in a table cell as well as a real list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [_nfc(v) for v in value.split(";") if v.strip()]
    return value


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DATE_FORMS = both("input.date")


def _date(value: object) -> object:
    """Accept a date, a spreadsheet date cell, ``2023-09-25`` or ``25/09/2023``.

    A number is never a date (pydantic would read ``0`` as 1970-01-01), and
    ``25/09/2023`` is read day first, as dates are written in Vietnam.
    """
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date()
        raise BilingualValueError(
            "phải là một ngày, không kèm giờ", "must be a date without a time of day"
        )
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        dmy, iso = _DMY.fullmatch(text), _ISO_DATE.fullmatch(text)
        if dmy is not None or iso is not None:
            if dmy is not None:
                day, month, year = (int(g) for g in dmy.groups())
            else:
                assert iso is not None
                year, month, day = (int(g) for g in iso.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise BilingualValueError(
                    "không có ngày này trong lịch", "there is no such day"
                ) from None
    raise BilingualValueError(*DATE_FORMS)


_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2})(?::(\d{2}))?|[hH](\d{2})?)")
_TIME_FORM = ("phải là giờ dạng HH:MM", "must be a clock time as HH:MM")


def _time(value: object) -> object:
    """Accept ``07:30``, ``7:30``, ``7h30``, a time cell, or a fraction of a day.

    Excel stores 07:30 as 0.3125 (of a day); a number of 1 or more is no
    time of day and is rejected.
    """
    if isinstance(value, dt.datetime):
        if value.date() <= dt.date(1900, 1, 1):  # Excel's day 0 or 1: a time
            return value.time()
        raise BilingualValueError(*_TIME_FORM)
    if isinstance(value, dt.time):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isfinite(value) and 0 <= value < 1:
            seconds = round(value * 86_400)
            if seconds < 86_400:
                hours, rest = divmod(seconds, 3600)
                return dt.time(hours, *divmod(rest, 60))
        raise BilingualValueError(
            "phải là giờ dạng HH:MM; một con số chỉ được nhận khi là phần của "
            "ngày (Excel lưu 07:30 thành 0,3125)",
            "must be a clock time as HH:MM; a number is accepted only as a "
            "fraction of a day (Excel stores 07:30 as 0.3125)",
        )
    if isinstance(value, str):
        match = _CLOCK.fullmatch(value.strip())
        if match is not None:
            hour, minute, second, h_minute = match.groups()
            try:
                return dt.time(
                    int(hour), int(minute or h_minute or 0), int(second or 0)
                )
            except ValueError:
                pass
    raise BilingualValueError(*_TIME_FORM)


_GROUPED = re.compile(r"\d{1,3}(?:([.,\u00a0 ])\d{3})(?:\1\d{3})*")
_CURRENCY = re.compile(r"\s*(?:đ|đồng|vnđ|vnd)\s*$", re.IGNORECASE)


def _integer(value: object) -> object:
    """Accept an integer typed with thousands separators: ``1.500.000``.

    A cell of an integer column with groups of three digits has only one
    integer reading, whichever of ``.`` and ``,`` is the decimal mark
    (``1.500`` is not a whole number read the other way), so the separators
    are dropped.
    """
    if isinstance(value, str):
        text = value.strip()
        if _GROUPED.fullmatch(text):
            return int(re.sub(r"\D", "", text))
    return value


def _money(value: object) -> object:
    """Accept an amount typed ``1.500.000`` or ``1.500.000 đ``."""
    if isinstance(value, str):
        value = _CURRENCY.sub("", value)
    return _integer(value)


def _decimal(value: object) -> object:
    """Accept a decimal comma (``18,678`` from a spreadsheet in Vietnamese)."""
    if isinstance(value, str) and value.count(",") == 1 and "." not in value:
        return value.replace(",", ".")
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
Day = Annotated[dt.date, BeforeValidator(_date)]
Money = Annotated[int, BeforeValidator(_money), Field(ge=0, le=MAX_MONEY_VND)]
Allowance = Annotated[int, BeforeValidator(_money), Field(ge=0, le=MAX_ALLOWANCE_VND)]
People = Annotated[int, BeforeValidator(_integer), Field(ge=0, le=MAX_PEOPLE)]
PerCommune = Annotated[int, BeforeValidator(_integer), Field(ge=0, le=MAX_PER_COMMUNE)]
Minutes = Annotated[int, BeforeValidator(_integer), Field(ge=0, le=MAX_MINUTES)]
Weight = Annotated[int, BeforeValidator(_integer), Field(ge=0, le=MAX_WEIGHT)]
Days = Annotated[int, BeforeValidator(_integer), Field(ge=0, le=MAX_DAYS)]
Real = Annotated[float, BeforeValidator(_decimal), Field(allow_inf_nan=False)]


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

    start: Day
    end: Day

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if self.end < self.start:
            raise BilingualValueError(
                "ngày kết thúc (end) không được trước ngày bắt đầu (start)",
                "end must not be before start",
            )
        if (self.end - self.start).days >= 3 * MAX_DAYS:
            raise BilingualValueError(
                f"kỳ kế hoạch dài quá {3 * MAX_DAYS} ngày",
                f"the horizon is longer than {3 * MAX_DAYS} days",
            )
        return self


class HalfDayTimes(Frozen):
    """Clock times of one half-day session."""

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> HalfDayTimes:
        if self.end <= self.start:
            raise BilingualValueError(
                "giờ kết thúc (end) phải sau giờ bắt đầu (start)",
                "end must be after start",
            )
        return self


class CalendarSettings(Frozen):
    """Working days and session times."""

    country_holidays: Text = "VN"
    weekend: tuple[Weekday, ...] = ("sat", "sun")
    morning: HalfDayTimes = HalfDayTimes(start=dt.time(7, 30), end=dt.time(11, 30))
    afternoon: HalfDayTimes = HalfDayTimes(start=dt.time(13, 30), end=dt.time(17, 0))
    extra_holidays: tuple[Day, ...] = ()
    extra_working_days: tuple[Day, ...] = ()
    training_day_start: ClockTime = dt.time(7, 30)
    training_day_end: ClockTime = dt.time(17, 0)

    @model_validator(mode="after")
    def _morning_first(self) -> CalendarSettings:
        if self.afternoon.start < self.morning.end:
            raise BilingualValueError(
                "buổi chiều (afternoon.start) không được bắt đầu trước khi buổi "
                "sáng kết thúc (morning.end)",
                "afternoon.start must not be before morning.end",
            )
        return self


class Announcement(Frozen):
    """A session announced on its commune's station before it happens."""

    via: Text = "broadcast"
    min_broadcasts: PerCommune = Field(default=2, ge=1)
    window_days: Days = Field(default=5, ge=1)


class Outlet(Frozen):
    """A press outlet a ``publication`` activity publishes in (báo, đài, cổng).

    ``per_period`` overrides the activity's quota for this outlet.
    """

    id: Code
    name: Text = Field(min_length=1)
    per_period: PerCommune | None = None

    def cell(self) -> str:
        """Return the outlet as a workbook cell writes it: ``id=name[=per_period]``."""
        tail = "" if self.per_period is None else f"={self.per_period}"
        return f"{self.id}={self.name}{tail}"


def _outlets(value: object) -> object:
    """Accept ``id=name[=per_period]; …`` in a workbook cell as well as a real list."""
    if not isinstance(value, str):
        return value
    out: list[dict[str, str]] = []
    for item in value.split(";"):
        if not item.strip():
            continue
        parts = [p.strip() for p in item.split("=")]
        if len(parts) not in (2, 3):
            raise BilingualValueError(
                f"cơ quan báo chí '{item.strip()}' phải có dạng mã=tên hoặc "
                "mã=tên=số bài mỗi kỳ",
                f"outlet '{item.strip()}' must be id=name or id=name=items per period",
            )
        row = {"id": parts[0], "name": parts[1]}
        if len(parts) == 3:
            row["per_period"] = parts[2]
        out.append(row)
    return out


class ActivitySpec(Frozen):
    """One activity type and the rules it is scheduled under.

    ``kind`` selects the mechanics: ``session`` (half-day events held in a
    commune: dialogues, leaflet handouts, contests), ``broadcast`` (items on a
    commune station's daily slots), ``training`` (multi-day classes at a
    central venue serving several communes), ``publication`` (press articles,
    radio and TV programmes, web posts produced centrally: a quota per outlet
    and period, no commune, venue or staff slot).
    """

    kind: Literal["session", "broadcast", "training", "publication"]
    name_vi: Text
    name_en: Text
    funding_sources: TextList = Field(min_length=1)
    priority: Weight = 1
    communes: Annotated[tuple[CommuneCode, ...], BeforeValidator(_list)] = ()
    window_start: Day | None = None
    window_end: Day | None = None
    preferred_weekdays: tuple[Weekday, ...] = ()
    topic: OptText = None
    # session mechanics
    per_commune: PerCommune = 1
    per_commune_override: dict[str, PerCommune] = Field(default_factory=dict)
    half_days: Literal[1] = 1
    attendees: People = 0
    roles: dict[str, PerCommune] = Field(default_factory=dict)
    cost_fixed_vnd: Money = 0
    cost_per_attendee_vnd: Money = 0
    travel_vnd_per_minute: Money = 0
    announce: Announcement | None = None
    requires_training: OptText = None
    # two sessions of the activity in one commune start at least this many days
    # apart (0: no rule)
    min_gap_days: Days = 0
    # broadcast mechanics
    per_month: PerCommune = 0
    per_month_override: dict[str, PerCommune] = Field(default_factory=dict)
    max_per_week: PerCommune = Field(default=7, ge=1)
    max_per_day: PerCommune = Field(default=1, ge=1)
    minutes: Minutes = Field(default=10, ge=1)
    topic_gap_days: Days = 0
    every_topic_per_quarter: bool = False
    days: Literal["every_day", "working_days"] = "every_day"
    cost_per_item_vnd: Money = 0
    # training mechanics
    class_size: People = Field(default=30, ge=1)
    duration_days: Days = Field(default=1, ge=1)
    trainees_per_commune: People = 0
    max_classes: PerCommune | None = Field(default=None, ge=1)
    venue: Code | None = None
    cost_per_trainee_day_vnd: Money = 0
    # publication mechanics (cost_per_item_vnd is the price of one item)
    outlets: Annotated[tuple[Outlet, ...], BeforeValidator(_outlets)] = ()
    per_period: PerCommune = 0
    period: Literal["month", "quarter"] = "month"
    deadline: Day | None = None
    owner: OptText = None

    @field_validator("roles", "per_commune_override", "per_month_override")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        return {_nfc(k): v for k, v in value.items()}  # type: ignore[misc]

    @model_validator(mode="after")
    def _kind_fields(self) -> ActivitySpec:
        if self.kind == "training" and self.venue is None:
            raise BilingualValueError(
                "hoạt động tập huấn cần 'venue' (mã một địa điểm trung tâm)",
                "a training activity needs 'venue' (a central venue id)",
            )
        if self.kind == "publication":
            self._publication_fields()
        if (
            self.window_start is not None
            and self.window_end is not None
            and self.window_end < self.window_start
        ):
            raise BilingualValueError(
                "window_end không được trước window_start",
                "window_end must not be before window_start",
            )
        return self

    def _publication_fields(self) -> None:
        if not self.outlets:
            raise BilingualValueError(
                "hoạt động đăng bài (publication) cần ít nhất một cơ quan báo chí "
                "trong 'outlets'",
                "a publication activity needs at least one outlet in 'outlets'",
            )
        ids = [o.id for o in self.outlets]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise BilingualValueError(
                f"mã cơ quan báo chí trùng trong 'outlets': {', '.join(twice)}",
                f"outlet ids repeated in 'outlets': {', '.join(twice)}",
            )
        if self.roles:
            raise BilingualValueError(
                "hoạt động đăng bài không có cán bộ tại chỗ: bỏ 'roles', dùng 'owner'",
                "a publication has no staff at a venue: drop 'roles', use 'owner'",
            )


class FundingSource(Frozen):
    """A budget line with an allowance per quarter (keys like ``2023-Q3``)."""

    id: Code
    name_vi: Text
    name_en: Text
    allowance_vnd: dict[str, Allowance]
    carry_over: bool = False

    @field_validator("allowance_vnd")
    @classmethod
    def _quarter_keys(cls, value: dict[str, int]) -> dict[str, int]:
        for key in value:
            year, _, q = key.partition("-Q")
            if not (year.isdigit() and q in {"1", "2", "3", "4"}):
                raise BilingualValueError(
                    f"khoá quý '{key}' phải có dạng 2023-Q3",
                    f"quarter key '{key}' must look like 2023-Q3",
                )
        return value


class RoleName(Frozen):
    """How people read a role id (``[roles.<id>]``): ``Lãnh đạo UBND huyện``."""

    name_vi: Text = Field(min_length=1)
    name_en: Text = Field(min_length=1)


class Weights(Frozen):
    """Weights of the named soft goals (penalty per unit; 0 switches a goal off)."""

    coverage: Weight = 1000
    early: Weight = 1
    spread: Weight = 20
    weekday: Weight = 5
    cost: Weight = 1
    workload: Weight = 10


class Target(Frozen):
    """At least a share of an activity's required events done by a date."""

    activity: Text
    by: Day
    min_fraction: Real = Field(gt=0, le=1)


class Pin(Frozen):
    """A milestone: an event fixed to a date (and optionally a half-day)."""

    activity: Text
    commune: CommuneCode
    date: Day
    half: HalfDay | None = None
    ordinal: PerCommune = Field(default=1, ge=1)


class OvernightStay(Frozen):
    """Công tác phí for far communes: staff may stay the night before, paid.

    A venue farther than ``after_minutes`` from the area's HQ venue is far:
    anyone may reach its sessions by staying there the night before, and each
    session there costs, per staff place, a per-diem and a night's lodging.
    """

    after_minutes: Minutes
    per_diem_vnd: Money = 0
    lodging_vnd: Money = 0


class TravelSettings(Frozen):
    """Travel rules between venues, in minutes."""

    default_minutes: Minutes = 30
    road_kmh: Real = Field(default=30.0, gt=0, le=200)
    road_factor: Real = Field(default=1.4, ge=1.0, le=10)
    # staff leave their base no earlier than this: a session starts no earlier
    # than the arrival from each person's base (None: the rule is off)
    leave_base_at: ClockTime | None = None
    overnight: OvernightStay | None = None


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
    poor_households: People
    near_poor_households: People = 0
    lat: Real | None = Field(default=None, ge=-90, le=90)
    lon: Real | None = Field(default=None, ge=-180, le=180)


class Staff(Frozen):
    """A person who staffs events: a leader, an officer, a trainer, a commune official."""

    staff_id: Code
    name: Text
    roles: TextList = Field(min_length=1)
    organisation: OptText = None
    email: OptText = None
    phone: OptText = None
    max_sessions_per_week: PerCommune = 3
    # days of training classes a week (a provincial trainer's days across
    # districts); None: classes are limited only by the person's free days
    max_class_days_per_week: PerCommune | None = Field(default=None, le=7)
    # a commune official (seed 004 §III.2.2.b): serves only this commune's
    # sessions, and does not travel (scheduler.officials)
    home_commune: CommuneCode | None = None
    # the venue the person sets out from (their office); None: the area's HQ
    base: Code | None = None


class Venue(Frozen):
    """A place where sessions or classes are held."""

    venue_id: Code
    name: Text
    commune_code: CommuneCode | None = None
    capacity: People
    lat: Real | None = Field(default=None, ge=-90, le=90)
    lon: Real | None = Field(default=None, ge=-180, le=180)


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
    airtime_minutes: Minutes = Field(ge=1)


class BlockedPeriod(Frozen):
    """Days a commune cannot host, or a person cannot work (harvest, storm, duty)."""

    kind: Literal["commune", "staff"]
    ref: Code
    start_date: Day
    end_date: Day
    half: HalfDay | None = None
    reason: OptText = None

    @field_validator("end_date")
    @classmethod
    def _ordered(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start_date")
        if start is not None and end < start:
            raise BilingualValueError(
                "end_date không được trước start_date",
                "end_date must not be before start_date",
            )
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
    minutes: Minutes


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
    ``highs_after_s`` seconds (:mod:`scheduler.solver.portfolio`); ``"cp-sat"``
    never does.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    parameters: dict[str, bool | int | float | str] = Field(default_factory=dict)
    stages: tuple[tuple[str, ...], ...] = ()
    naming_time_limit_s: Real = Field(default=10.0, gt=0)
    # to find the conflicting rules when no plan exists (scheduler.explain)
    explain_time_limit_s: Real = Field(default=60.0, gt=0)
    engine: Literal["portfolio", "cp-sat"] = "portfolio"
    highs_after_s: Real = Field(default=2.0, ge=0)


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
        return name_in(named, lang)

    def holders(self, role: str) -> tuple[Staff, ...]:
        """Return the staff who hold a role, in table order."""
        return tuple(s for s in self.staff if role in s.roles)
