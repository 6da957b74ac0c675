"""The time grid: working days, Vietnamese public holidays, half-day sessions.

Public holidays and their substitute days come from the ``holidays`` package,
which also knows the Saturdays the government turns into make-up working days
(e.g. 4 May 2024); those count as working days here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from scheduler.scenario.schema import WEEKDAYS, CalendarSettings, HalfDay, Scenario

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HALVES: tuple[HalfDay, HalfDay] = ("morning", "afternoon")


def half_of(calendar: CalendarSettings, start: dt.datetime) -> HalfDay:
    """Return the half-day an event starting at ``start`` (local time) belongs to."""
    return "morning" if start.time() < calendar.afternoon.start else "afternoon"


@dataclass(frozen=True)
class Session:
    """One half-day on a working day."""

    index: int
    day: dt.date
    half: HalfDay
    workday_index: int

    @property
    def key(self) -> str:
        """Return a stable text key such as ``2023-09-12/morning``."""
        return f"{self.day.isoformat()}/{self.half}"


def quarter_key(day: dt.date) -> str:
    """Return the quarter of a date as ``YYYY-Qn``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def month_key(day: dt.date) -> str:
    """Return the month of a date as ``YYYY-MM``."""
    return f"{day.year}-{day.month:02d}"


def week_key(day: dt.date) -> str:
    """Return the ISO week of a date as ``YYYY-Www``."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def public_holidays(
    country: str, years: range, lang: str = "vi"
) -> tuple[dict[dt.date, str], set[dt.date]]:
    """Return public holidays (with names) and make-up working Saturdays.

    Parameters
    ----------
    country : str
        ISO country code understood by ``holidays`` (``VN``).
    years : range
        The years to cover.
    lang : str
        ``vi`` or ``en`` for the holiday names.

    Returns
    -------
    tuple of (dict, set)
        Date → holiday name, and the set of weekend days that are working days.
    """
    # imported here: 0.07 s, and its first table as much again (it imports
    # every country's module); ``scheduler plan`` has its helper process
    # read the table (:func:`scenario_holidays`) while it imports the solver
    import holidays

    language = "vi" if lang == "vi" else "en_US"
    try:
        table = holidays.country_holidays(country, years=list(years), language=language)
    except NotImplementedError:
        table = holidays.country_holidays(country, years=list(years))
    workdays = {d for d in getattr(table, "weekend_workdays", set()) if d.year in years}
    return dict(table.items()), workdays


@dataclass(frozen=True)
class TimeGrid:
    """Every date of the horizon, which are working days, and the half-day sessions.

    Build it with :func:`build_grid`.
    """

    scenario: Scenario
    days: tuple[dt.date, ...]
    working: frozenset[dt.date]
    holiday_names: dict[dt.date, str] = field(hash=False)
    sessions: tuple[Session, ...]

    @cached_property
    def day_index(self) -> dict[dt.date, int]:
        """Map a date to its position in :attr:`days`."""
        return {d: i for i, d in enumerate(self.days)}

    @cached_property
    def workdays(self) -> tuple[dt.date, ...]:
        """Return the working days in order."""
        return tuple(d for d in self.days if d in self.working)

    @cached_property
    def session_at(self) -> dict[tuple[dt.date, HalfDay], Session]:
        """Map (date, half) to its session."""
        return {(s.day, s.half): s for s in self.sessions}

    @cached_property
    def quarters(self) -> tuple[str, ...]:
        """Return the quarters the horizon touches, in order."""
        return tuple(dict.fromkeys(quarter_key(d) for d in self.days))

    @cached_property
    def months(self) -> tuple[str, ...]:
        """Return the months the horizon touches, in order."""
        return tuple(dict.fromkeys(month_key(d) for d in self.days))

    @cached_property
    def weeks(self) -> tuple[str, ...]:
        """Return the ISO weeks the horizon touches, in order."""
        return tuple(dict.fromkeys(week_key(d) for d in self.days))

    @cached_property
    def commune_blocked(self) -> dict[str, frozenset[tuple[dt.date, HalfDay]]]:
        """Map a commune code to its blocked (date, half) pairs."""
        return self._blocked("commune")

    @cached_property
    def staff_blocked(self) -> dict[str, frozenset[tuple[dt.date, HalfDay]]]:
        """Map a staff id to their blocked (date, half) pairs."""
        return self._blocked("staff")

    def _blocked(self, kind: str) -> dict[str, frozenset[tuple[dt.date, HalfDay]]]:
        out: dict[str, set[tuple[dt.date, HalfDay]]] = {}
        for b in self.scenario.blocked:
            if b.kind != kind:
                continue
            day = max(b.start_date, self.days[0])
            while day <= min(b.end_date, self.days[-1]):
                for half in HALVES if b.half is None else (b.half,):
                    out.setdefault(b.ref, set()).add((day, half))
                day += dt.timedelta(days=1)
        return {k: frozenset(v) for k, v in out.items()}

    def session_times(
        self, day: dt.date, half: HalfDay
    ) -> tuple[dt.datetime, dt.datetime]:
        """Return the aware start and end datetimes of a half-day session."""
        cal = self.scenario.calendar
        times = cal.morning if half == "morning" else cal.afternoon
        return (
            dt.datetime.combine(day, times.start, tzinfo=TZ),
            dt.datetime.combine(day, times.end, tzinfo=TZ),
        )

    def blocked_reason(self, kind: str, ref: str, day: dt.date) -> str | None:
        """Return the reason a commune or person is blocked on a day, if any."""
        for b in self.scenario.blocked:
            if b.kind == kind and b.ref == ref and b.start_date <= day <= b.end_date:
                return b.reason or ""
        return None


def is_working_day(
    day: dt.date,
    weekend: set[int],
    holiday_dates: set[dt.date],
    makeup: set[dt.date],
) -> bool:
    """Return whether a date is a working day (make-up Saturdays included)."""
    if day in holiday_dates:
        return False
    if day in makeup:
        return True
    return day.weekday() not in weekend


def scenario_holidays(
    scenario: Scenario, lang: str = "vi"
) -> tuple[dict[dt.date, str], set[dt.date]]:
    """Return the public holidays of the scenario's country over its horizon's years.

    As :func:`public_holidays` returns them; :func:`build_grid` takes them
    made elsewhere (``scheduler plan``'s helper process).
    """
    h = scenario.horizon
    years = range(h.start.year, h.end.year + 1)
    return public_holidays(scenario.calendar.country_holidays, years, lang)


def build_grid(
    scenario: Scenario,
    lang: str = "vi",
    public: tuple[dict[dt.date, str], set[dt.date]] | None = None,
) -> TimeGrid:
    """Build the time grid of a scenario.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    lang : str
        Language of the holiday names kept for reports.
    public : tuple of (dict, set), optional
        The country's public holidays, as :func:`scenario_holidays` returns
        them for this scenario and language (read when not given).

    Returns
    -------
    TimeGrid
        Days, working days, holiday names and half-day sessions.
    """
    cal = scenario.calendar
    h = scenario.horizon
    names, makeup = public if public is not None else scenario_holidays(scenario, lang)
    names, makeup = dict(names), set(makeup)  # the caller's stay as they were
    names.update(
        {
            d: "Ngày nghỉ bổ sung" if lang == "vi" else "Extra holiday"
            for d in cal.extra_holidays
        }
    )
    makeup |= set(cal.extra_working_days)
    weekend = {WEEKDAYS.index(w) for w in cal.weekend}
    days = []
    day = h.start
    while day <= h.end:
        days.append(day)
        day += dt.timedelta(days=1)
    working = frozenset(
        d for d in days if is_working_day(d, weekend, set(names), makeup)
    )
    sessions: list[Session] = []
    for w_i, d in enumerate(d for d in days if d in working):
        for half in HALVES:
            sessions.append(Session(len(sessions), d, half, w_i))
    holiday_names = {d: n for d, n in names.items() if h.start <= d <= h.end}
    return TimeGrid(scenario, tuple(days), working, holiday_names, tuple(sessions))
