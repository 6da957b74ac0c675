"""Publications: press articles, radio and TV programmes, web posts (seed 002, seed 000 §III.2).

A ``publication`` activity is produced centrally: it has no commune, venue or
staff slot. Each of its outlets (the provincial newspaper, the radio-TV
station, a web portal) must carry ``per_period`` items per month or quarter.
This module says, without the solver, what is required and on which working
days items may be dated; the model (``model/publications.py``), the greedy
baseline and the solve's event reader all use it, so they agree. The checker
works the same facts out on its own.

- **Quota.** A period the activity's window (within the horizon) covers in
  part requires its share, rounded down: ``per_period × covered days // days
  of the period`` (like broadcasts' months).
- **Days.** An item is dated on a working day of its period, inside the
  window and not after ``deadline``. A period with no such day cannot be held
  (its items are left out: past the deadline, or no working day).
- **Dates of the items.** ``n`` items of a period are spread evenly over its
  days (:func:`item_days`), so a plan dates them without a variable per day.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from dataclasses import dataclass

from scheduler.calendar import TimeGrid, month_key, quarter_key
from scheduler.scenario.schema import ActivitySpec, Scenario


@dataclass(frozen=True)
class Quota:
    """Items one outlet must carry in one period, and the days they may take."""

    activity: str
    outlet: str
    period: str  # ``YYYY-MM`` or ``YYYY-Qn``
    need: int
    days: tuple[dt.date, ...]  # working days an item may be dated on
    late_days: tuple[dt.date, ...]  # the period's days after the deadline

    @property
    def key(self) -> tuple[str, str, str]:
        """Return ``(activity, outlet, period)``."""
        return (self.activity, self.outlet, self.period)

    @property
    def label(self) -> str:
        """Return ``period/outlet``, the ``period`` of an :class:`Unscheduled` item."""
        return f"{self.period}/{self.outlet}"


def period_key(spec: ActivitySpec, day: dt.date) -> str:
    """Return the quota period of a day: its month or its quarter."""
    return month_key(day) if spec.period == "month" else quarter_key(day)


def period_length(period: str) -> int:
    """Return the number of calendar days of a ``YYYY-MM`` or ``YYYY-Qn`` period."""
    year, _, rest = period.partition("-")
    if rest.startswith("Q"):
        first = (int(rest[1:]) - 1) * 3 + 1
        return sum(pycal.monthrange(int(year), m)[1] for m in range(first, first + 3))
    return pycal.monthrange(int(year), int(rest))[1]


def publication_event_id(activity: str, outlet: str, period: str, n: int) -> str:
    """Return the stable id of an outlet's ``n``-th item of an activity in a period."""
    return f"{activity}-{outlet}-{period}-p{n:02d}"


def quotas(scenario: Scenario, grid: TimeGrid, activity: str) -> list[Quota]:
    """Return the quotas of a publication activity, by outlet then period."""
    spec = scenario.activities[activity]
    lo = max(spec.window_start or scenario.horizon.start, scenario.horizon.start)
    hi = min(spec.window_end or scenario.horizon.end, scenario.horizon.end)
    covered: dict[str, int] = {}
    usable: dict[str, list[dt.date]] = {}
    late: dict[str, list[dt.date]] = {}
    for d in grid.days:
        if not lo <= d <= hi:
            continue
        p = period_key(spec, d)
        covered[p] = covered.get(p, 0) + 1
        usable.setdefault(p, [])
        late.setdefault(p, [])
        if d in grid.working:
            if spec.deadline is None or d <= spec.deadline:
                usable[p].append(d)
            else:
                late[p].append(d)
    out = []
    for o in spec.outlets:
        per = spec.per_period if o.per_period is None else o.per_period
        for p, n_days in covered.items():
            need = per * n_days // period_length(p)
            if need > 0:
                out.append(
                    Quota(activity, o.id, p, need, tuple(usable[p]), tuple(late[p]))
                )
    return out


def all_quotas(scenario: Scenario, grid: TimeGrid) -> list[Quota]:
    """Return the quotas of every publication activity, in activity order."""
    return [
        q
        for act_id, spec in scenario.activities.items()
        if spec.kind == "publication"
        for q in quotas(scenario, grid, act_id)
    ]


def item_days(days: tuple[dt.date, ...], n: int) -> list[dt.date]:
    """Return the dates of ``n`` items spread evenly over the days (in order).

    Item ``k`` takes the middle of the ``k``-th of ``n`` equal stretches:
    ``days[(2k + 1) · len(days) // (2n)]``. Several items may share a day
    when there are more items than days.
    """
    if n <= 0 or not days:
        return []
    return [days[(2 * k + 1) * len(days) // (2 * n)] for k in range(n)]


def item_times(grid: TimeGrid, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return an item's start and end: its working day, morning start to afternoon end."""
    start, _ = grid.session_times(day, "morning")
    _, end = grid.session_times(day, "afternoon")
    return start, end
