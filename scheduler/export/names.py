"""What people read instead of ids, and the figures the planner's files share.

``schedule.xlsx`` and the plan document ``ke-hoach.docx`` show communes,
people, roles, topics and funding sources by name, and the same budget table
(planned spend against the allowance, by source and quarter). Both take them
from here so that they agree with each other.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.calendar import TZ, quarter_key
from scheduler.i18n import name_in

if TYPE_CHECKING:
    from scheduler.plan import Event, Plan
    from scheduler.scenario.schema import Scenario


class Names:
    """Display names of a scenario's ids in one language (the id when unnamed)."""

    def __init__(self, scenario: Scenario, lang: str = "vi") -> None:
        self.scenario = scenario
        self.lang = lang
        self._communes = {c.commune_code: c.commune_name for c in scenario.communes}
        self._people = {s.staff_id: s.name for s in scenario.staff}
        self._topics = {tp.topic_id: name_in(tp, lang) for tp in scenario.topics}
        self._sources = {f.id: name_in(f, lang) for f in scenario.funding}

    def commune(self, code: str | None) -> str:
        """Return a commune's name."""
        return self._communes.get(code or "", code or "")

    def communes(self, codes: tuple[str, ...]) -> str:
        """Return commune names separated by commas."""
        return ", ".join(self.commune(c) for c in codes)

    def activity(self, act_id: str) -> str:
        """Return an activity's name."""
        spec = self.scenario.activities.get(act_id)
        if spec is None:
            return act_id
        return name_in(spec, self.lang)

    def role(self, role: str) -> str:
        """Return a role's name from ``[roles]``."""
        return self.scenario.role_name(role, self.lang)

    def person(self, staff_id: str, role: str) -> str:
        """Return ``Nguyễn Văn Hải (Lãnh đạo UBND huyện)``."""
        return f"{self._people.get(staff_id, staff_id)} ({self.role(role)})"

    def staff(self, event: Event, sep: str = ", ") -> str:
        """Return the people on an event with their roles."""
        return sep.join(self.person(a.staff_id, a.role) for a in event.staff)

    def topic(self, topic_id: str | None) -> str:
        """Return a topic's name (empty for none)."""
        return self._topics.get(topic_id or "", topic_id or "")

    def source(self, source_id: str | None) -> str:
        """Return a funding source's name (empty for none)."""
        return self._sources.get(source_id or "", source_id or "")


def local_day(value: dt.datetime) -> dt.date:
    """Return the local (Vietnam) date of a time."""
    return value.astimezone(TZ).date()


def half_of(scenario: Scenario, event: Event) -> str | None:
    """Return ``morning`` or ``afternoon`` for a session, ``None`` for other events."""
    if event.kind != "session":
        return None
    start = event.start.astimezone(TZ).time()
    return "afternoon" if start >= scenario.calendar.afternoon.start else "morning"


@dataclass(frozen=True)
class BudgetLine:
    """Planned spend of one funding source in one quarter, against its allowance."""

    source: str
    quarter: str
    planned: int
    allowance: int

    @property
    def left(self) -> int:
        """Return the allowance not planned (negative when overspent)."""
        return self.allowance - self.planned


def budget_lines(scenario: Scenario, plan: Plan) -> list[BudgetLine]:
    """Return one line per funding source and quarter, in scenario and time order.

    The quarters are those of the plan period, of the allowances and of the
    spending; a quarter without an allowance has 0.
    """
    spent: Counter[tuple[str, str]] = Counter()
    for e in plan.events:
        spent[(e.funding_source or "", quarter_key(local_day(e.start)))] += e.cost_vnd
    quarters = {
        quarter_key(plan.horizon_start + dt.timedelta(days=i))
        for i in range((plan.horizon_end - plan.horizon_start).days + 1)
    }
    out: list[BudgetLine] = []
    for f in scenario.funding:
        keys = quarters | set(f.allowance_vnd) | {q for s, q in spent if s == f.id}
        out.extend(
            BudgetLine(f.id, q, spent.get((f.id, q), 0), f.allowance_vnd.get(q, 0))
            for q in sorted(keys)
        )
    return out
