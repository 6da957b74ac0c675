"""The plan: immutable events with stable ids, what was left out and why, solver facts.

A plan is plain data. It knows nothing of the solver and round-trips through
JSON (``plan.json``, with a schema version) so that exporters, the checker and
the server work from the file alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scheduler.i18n import pick, t

if TYPE_CHECKING:  # pandas loads only when a frame is asked for
    import pandas as pd

SCHEMA_VERSION = 1


def session_event_id(activity: str, commune_code: str, ordinal: int) -> str:
    """Return the stable id of a commune's ``ordinal``-th session of an activity (by date)."""
    return f"{activity}-{commune_code}-{ordinal}"


def broadcast_event_id(activity: str, commune_code: str, month: str, n: int) -> str:
    """Return the stable id of a commune's ``n``-th broadcast item in a month (``YYYY-MM``)."""
    return f"{activity}-{commune_code}-{month}-s{n:02d}"


def training_event_id(activity: str, ordinal: int) -> str:
    """Return the stable id of an activity's ``ordinal``-th training class (by date)."""
    return f"{activity}-{ordinal}"


# the columns of Plan.to_frame, in order
_EVENT_COLUMNS = [
    "event_id",
    "activity",
    "kind",
    "commune_code",
    "venue_id",
    "start",
    "end",
    "staff",
    "communes_served",
    "topic",
    "cost_vnd",
    "funding_source",
    "status",
    "date",
    "quarter",
    "month",
]


@dataclass(frozen=True)
class Assignment:
    """A person placed on an event in a role."""

    staff_id: str
    role: str


@dataclass(frozen=True)
class Event:
    """One scheduled occurrence: a session, a broadcast item or a training class.

    ``event_id`` is derived from what the event is (activity, commune, ordinal or
    month), never from where the solver put it, so re-plans keep it.
    """

    event_id: str
    activity: str
    kind: str
    commune_code: str | None
    venue_id: str | None
    start: dt.datetime
    end: dt.datetime
    staff: tuple[Assignment, ...] = ()
    communes_served: tuple[str, ...] = ()
    topic: str | None = None
    cost_vnd: int = 0
    funding_source: str | None = None
    status: str = "scheduled"
    attendees: int = 0
    slot_id: str | None = None
    all_day: bool = False

    @property
    def staff_ids(self) -> tuple[str, ...]:
        """Return the ids of the staff on the event."""
        return tuple(a.staff_id for a in self.staff)

    @property
    def days(self) -> list[dt.date]:
        """Return the dates the event covers."""
        out, d = [], self.start.date()
        while d <= self.end.date():
            out.append(d)
            d += dt.timedelta(days=1)
        return out


@dataclass(frozen=True)
class Unscheduled:
    """Required activity that the plan leaves out, with the reason."""

    activity: str
    commune_code: str | None
    count: int
    reason: str
    period: str | None = None
    penalty: int = 0
    # which limit bound, with its numbers ("… quý III/2023 còn 1.200.000 đ")
    detail_vi: str = ""
    detail_en: str = ""

    def text(self, lang: str = "vi") -> str:
        """Return the reason in a language, with the binding limit when known."""
        detail = pick(lang, self.detail_vi, self.detail_en)
        base = t("reason." + self.reason, lang)
        return f"{base}: {detail}" if detail else base


@dataclass(frozen=True)
class PenaltyLine:
    """One named soft goal in the score breakdown.

    ``weight`` is the goal's weight from ``[weights]``; ``violations`` the
    goal's own count (sessions left out, workday indices, off-weekday
    sessions, empty weeks, tens of thousands of VND); ``penalty`` what it adds
    to the objective. ``events`` are the ids of the events that cost
    something, ``items`` what costs something without being an event (a
    session left out, a week without broadcasts) as ``activity:commune[:period]``.
    """

    name: str
    violations: int
    penalty: int
    weight: int = 0
    events: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """One difference between a plan and the plan it re-plans.

    ``kind`` is ``moved``, ``restaffed``, ``moved_restaffed``, ``source``
    (same time and staff, another funding source), ``added`` or
    ``cancelled``; ``reason`` is in Vietnamese, ``reason_en`` in English;
    times, staff and funding sources are the old and new values
    (``None``/empty when the event did not exist on that side).
    """

    event_id: str
    kind: str
    reason: str
    reason_en: str = ""
    old_start: dt.datetime | None = None
    new_start: dt.datetime | None = None
    old_staff: tuple[str, ...] = ()
    new_staff: tuple[str, ...] = ()
    old_source: str | None = None
    new_source: str | None = None


class Status(StrEnum):
    """A solver's status, in CP-SAT's words (HiGHS's are mapped onto them).

    A ``StrEnum``: it equals, prints and writes to JSON as its name, so
    ``plan.json`` reads ``"OPTIMAL"`` as before.
    """

    OPTIMAL = "OPTIMAL"  # proven best
    FEASIBLE = "FEASIBLE"  # a plan, not proven best
    INFEASIBLE = "INFEASIBLE"  # proven: no plan keeps the hard rules
    UNKNOWN = "UNKNOWN"  # no plan and no proof (time ran out)
    MODEL_INVALID = "MODEL_INVALID"  # a model CP-SAT refuses (a bug)
    HEURISTIC = "HEURISTIC"  # the greedy planner's plan: no solver, no bound


@dataclass(frozen=True)
class SolverReport:
    """What the solver did: status, objective, bound, gap, time and settings."""

    status: Status
    objective: float
    bound: float
    gap: float
    wall_time_s: float
    build_time_s: float
    solver: str
    parameters: dict[str, Any]
    num_booleans: int
    num_constraints: int
    naming_status: str = ""
    stages: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Plan:
    """A whole plan for a scenario."""

    scenario: str
    title: str
    input_hash: str
    horizon_start: dt.date
    horizon_end: dt.date
    events: tuple[Event, ...]
    unscheduled: tuple[Unscheduled, ...]
    penalties: tuple[PenaltyLine, ...]
    solver: SolverReport
    schema_version: int = SCHEMA_VERSION
    required: dict[str, int] = field(default_factory=dict)
    # re-plans only: the plan's changes against the plan it re-plans, the
    # events it cancelled (kept so that feeds can mark them CANCELLED) and
    # the day before which everything was kept as it was
    changes: tuple[Change, ...] = ()
    cancelled: tuple[Event, ...] = ()
    replanned_from: str | None = None
    today: dt.date | None = None

    def by_activity(self, activity: str) -> list[Event]:
        """Return the events of one activity in time order."""
        return [e for e in self.events if e.activity == activity]

    def to_frame(self) -> pd.DataFrame:
        """Return the events as a table, one row per event, for analysis in pandas.

        Returns
        -------
        pandas.DataFrame
            The columns of ``schedule.csv`` (``event_id``, ``activity``,
            ``kind``, ``commune_code``, ``venue_id``, ``start``, ``end`` as
            time-zone-aware timestamps, ``staff`` as a tuple of ids,
            ``communes_served``, ``topic``, ``cost_vnd``, ``funding_source``,
            ``status``) plus ``date``, ``quarter`` (``2023-Q3``) and ``month``
            (``2023-09``) of the start, for grouping.
        """
        import pandas as pd

        rows = [
            {
                "event_id": e.event_id,
                "activity": e.activity,
                "kind": e.kind,
                "commune_code": e.commune_code,
                "venue_id": e.venue_id,
                "start": pd.Timestamp(e.start),
                "end": pd.Timestamp(e.end),
                "staff": e.staff_ids,
                "communes_served": e.communes_served,
                "topic": e.topic,
                "cost_vnd": e.cost_vnd,
                "funding_source": e.funding_source,
                "status": e.status,
                "date": e.start.date(),
                "quarter": f"{e.start.year}-Q{(e.start.month - 1) // 3 + 1}",
                "month": f"{e.start.year}-{e.start.month:02d}",
            }
            for e in self.events
        ]
        return pd.DataFrame(rows, columns=_EVENT_COLUMNS)

    def unscheduled_frame(self, lang: str = "vi") -> pd.DataFrame:
        """Return what was left out, one row per line of ``unscheduled.csv``.

        Returns
        -------
        pandas.DataFrame
            ``activity``, ``commune_code``, ``count``, ``period``, ``reason``
            (the code), ``reason_text`` (in ``lang``, with the limit that
            bound) and ``penalty``.
        """
        import pandas as pd

        rows = [
            {
                "activity": u.activity,
                "commune_code": u.commune_code,
                "count": u.count,
                "period": u.period,
                "reason": u.reason,
                "reason_text": u.text(lang),
                "penalty": u.penalty,
            }
            for u in self.unscheduled
        ]
        columns = ["activity", "commune_code", "count", "period", "reason"]
        return pd.DataFrame(rows, columns=[*columns, "reason_text", "penalty"])

    def spending_frame(self) -> pd.DataFrame:
        """Return the planned spending by funding source and quarter.

        Returns
        -------
        pandas.DataFrame
            One row per (``funding_source``, ``quarter``) with ``cost_vnd``
            (the sum of its events) and ``events`` (their number), sorted.
        """
        events = self.to_frame()
        grouped = events.groupby(["funding_source", "quarter"], dropna=False)
        table = grouped.agg(cost_vnd=("cost_vnd", "sum"), events=("event_id", "count"))
        return table.reset_index().sort_values(["funding_source", "quarter"])

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as JSON-ready data."""
        # one walk over the fields: asdict's deep copies were most of the time
        return _encode(self)  # type: ignore[no-any-return]

    def to_json(self) -> str:
        """Return the plan as a JSON document (UTF-8 text, stable key order)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Rebuild a plan from :meth:`to_dict` output.

        Raises
        ------
        ValueError
            When the schema version is not one this code reads.
        """
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"plan.json schema_version {version!r}, expected {SCHEMA_VERSION}"
            )
        events = tuple(_event(e) for e in data["events"])
        solver = dict(data["solver"])
        solver["status"] = Status(solver["status"])
        solver["stages"] = tuple(solver.get("stages", ()))
        penalties = tuple(
            PenaltyLine(
                **{
                    **p,
                    "events": tuple(p.get("events", ())),
                    "items": tuple(p.get("items", ())),
                }
            )
            for p in data["penalties"]
        )
        changes = tuple(
            Change(
                **{
                    **c,
                    "old_start": _when(c.get("old_start")),
                    "new_start": _when(c.get("new_start")),
                    "old_staff": tuple(c.get("old_staff", ())),
                    "new_staff": tuple(c.get("new_staff", ())),
                }
            )
            for c in data.get("changes", ())
        )
        today = data.get("today")
        return cls(
            scenario=data["scenario"],
            title=data["title"],
            input_hash=data["input_hash"],
            horizon_start=dt.date.fromisoformat(data["horizon_start"]),
            horizon_end=dt.date.fromisoformat(data["horizon_end"]),
            events=events,
            unscheduled=tuple(Unscheduled(**u) for u in data["unscheduled"]),
            penalties=penalties,
            solver=SolverReport(**solver),
            schema_version=version,
            required=dict(data.get("required", {})),
            changes=changes,
            cancelled=tuple(_event(e) for e in data.get("cancelled", ())),
            replanned_from=data.get("replanned_from"),
            today=dt.date.fromisoformat(today) if today else None,
        )

    @classmethod
    def read(cls, path: str | Path) -> Plan:
        """Read a ``plan.json`` file."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _event(e: dict[str, Any]) -> Event:
    return Event(
        **{
            **e,
            "start": dt.datetime.fromisoformat(e["start"]),
            "end": dt.datetime.fromisoformat(e["end"]),
            "staff": tuple(Assignment(**a) for a in e["staff"]),
            "communes_served": tuple(e["communes_served"]),
        }
    )


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def _encode(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {
            name: _encode(getattr(value, name)) for name in _field_names(type(value))
        }
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
