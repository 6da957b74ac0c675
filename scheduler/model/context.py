"""Shared state of the model under construction: the CP-SAT model, variables, penalties.

Every constraint family receives one :class:`ModelContext`, adds its variables and
constraints, and registers named penalties and guarded rule groups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

from scheduler.calendar import Session, TimeGrid
from scheduler.scenario.schema import Scenario
from scheduler.travel import travel_between

_BOOL = Domain(0, 1)


@dataclass(frozen=True)
class Penalty:
    """A named soft-goal term: ``weight * expr`` is added to the objective."""

    name: str
    expr: cp_model.LinearExprT
    weight: int
    detail: str = ""


@dataclass(frozen=True)
class RuleGroup:
    """A group of hard rules switched on by one literal (for explanations).

    ``measure``/``limit``/``sense`` describe the rule as ``measure <= limit`` or
    ``measure >= limit`` (in ``scale`` domain units per model unit), so that an
    explanation can say how far the rest of a conflict pushes it.
    """

    key: str
    literal: cp_model.IntVar
    text_vi: str
    text_en: str
    measure: cp_model.LinearExprT | None = None
    limit: int = 0
    sense: str = ""
    scale: int = 1


@dataclass(frozen=True)
class Slack:
    """How far a rule group is loosened when rules are made soft (relaxation).

    ``var`` counts steps of ``step`` domain units (VND, sessions, seats, …);
    each step costs ``cost`` points (one point is worth 1,000 VND).
    """

    key: str
    var: cp_model.IntVar
    step: int
    cost: int


# What dropping a whole rule group costs in a relaxation, in points (1 point =
# 1,000 VND): a planner would rather find money or loosen a number than give up
# a rule outright, and rather move a blocked period than a milestone.
DROP_COST = {
    "budget": 10_000_000,
    "target": 10_000_000,
    "weekly": 10_000_000,
    "class_days": 10_000_000,
    "training_capacity": 10_000_000,
    "commune_blocked": 20_000,
    "staff_blocked": 20_000,
    "announce": 20_000,
    "topics_per_quarter": 20_000,
    "trained_first": 50_000,
    "pin": 50_000,
    "spacing": 20_000,
    "deadline": 20_000,
}


@dataclass
class TrainingVars:
    """Variables of one training activity, indexed by the workday a class starts.

    A class is identified by its start day: ``open[d]`` says a class starts on
    workday ``d``; ``attend[(c, d)]`` says commune ``c`` sends its trainees to it.
    """

    activity: str
    duration: int
    open: dict[int, cp_model.IntVar]
    attend: dict[tuple[str, int], cp_model.IntVar]
    untrained: dict[str, cp_model.IntVar]
    fixed_cost: int
    per_commune_cost: int
    source: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)

    def running_on(self, workday: int) -> cp_model.LinearExprT | None:
        """Return an expression equal to 1 when a class runs on a workday, else None."""
        terms = [v for d, v in self.open.items() if d <= workday < d + self.duration]
        return sum(terms) if terms else None

    def trained_before(self, commune: str, workday: int) -> cp_model.LinearExprT:
        """Return 1 when the commune's class ended before a workday, else 0."""
        return sum(
            v
            for (c, d), v in self.attend.items()
            if c == commune and d + self.duration - 1 < workday
        )


@dataclass
class ModelContext:
    """Everything the constraint families share while building one model."""

    scenario: Scenario
    grid: TimeGrid
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    penalties: list[Penalty] = field(default_factory=list)
    groups: list[RuleGroup] = field(default_factory=list)
    guarded: bool = False
    # rules made soft: slack variables registered by the families (relaxation)
    relaxed: bool = False
    slacks: list[Slack] = field(default_factory=list)
    # session activities: (activity, commune) -> session index -> placed?
    session_x: dict[tuple[str, str], dict[int, cp_model.IntVar]] = field(
        default_factory=dict
    )
    session_missing: dict[tuple[str, str], cp_model.IntVar] = field(
        default_factory=dict
    )
    session_cost: dict[tuple[str, str], int] = field(default_factory=dict)
    session_venue: dict[tuple[str, str], str] = field(default_factory=dict)
    # broadcasts: (activity, commune) -> day -> slot id -> aired?
    broadcast_x: dict[tuple[str, str], dict[dt.date, dict[str, cp_model.IntVar]]] = (
        field(default_factory=dict)
    )
    broadcast_short: dict[tuple[str, str, str], cp_model.IntVar] = field(
        default_factory=dict
    )
    broadcast_required: dict[tuple[str, str, str], int] = field(default_factory=dict)
    training: dict[str, TrainingVars] = field(default_factory=dict)
    # publications: (activity, outlet, period) -> items held, items left out
    publication_n: dict[tuple[str, str, str], cp_model.IntVar] = field(
        default_factory=dict
    )
    publication_missing: dict[tuple[str, str, str], cp_model.IntVar] = field(
        default_factory=dict
    )
    publication_need: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # what could not even be offered to the solver, and why: (activity, commune, n, why)
    excluded: list[tuple[str, str, int, str]] = field(default_factory=list)
    # spending per (funding source, quarter), in money units of ``money_unit`` VND
    spend: dict[tuple[str, str], cp_model.LinearExprT] = field(default_factory=dict)
    money_unit: int = 1
    # False when stage 1 leaves travel between far venues of a day to stars
    # and cuts (a very large province): names may then fail (scheduler.repair)
    travel_exact: bool = True
    # False when even the stars were too many rows (scheduler.model.trips)
    travel_stars: bool = True
    # per (person, half-day index): the places and classes that take them then
    busy: dict[tuple[str, int], list[cp_model.IntVar]] = field(default_factory=dict)

    def new_bool(self, name: str) -> cp_model.IntVar:
        """Return a new 0-1 variable of the model.

        The same as ``model.new_bool_var`` with one shared domain object
        instead of a new one per call: the families create ten thousand
        of these for a district, and this takes a fifth less time.
        """
        return cp_model.IntVar(self._proto).with_name(name).with_domain(_BOOL)

    def __post_init__(self) -> None:
        # the model's proto, looked up once (``model.proto`` is a property)
        self._proto = self.model.proto

    def guard(
        self,
        key: str,
        text_vi: str,
        text_en: str,
        measure: cp_model.LinearExprT | None = None,
        limit: int = 0,
        sense: str = "",
        scale: int = 1,
    ) -> cp_model.IntVar | None:
        """Return an enforcement literal for a group of rules, or None when unguarded.

        In a normal solve the rules are plain constraints (``None``); when the
        model is built for an explanation every group gets its own literal.
        Keys are ``<kind>:<subject>`` (kinds as in :data:`DROP_COST`).
        """
        if not self.guarded:
            return None
        for g in self.groups:
            if g.key == key:
                return g.literal
        lit = self.model.new_bool_var(f"guard[{key}]")
        self.groups.append(
            RuleGroup(key, lit, text_vi, text_en, measure, limit, sense, scale)
        )
        return lit

    def slack(
        self, key: str, upper: int, step: int, cost: int
    ) -> cp_model.IntVar | int:
        """Return a slack loosening a rule group (0 unless rules are made soft).

        Parameters
        ----------
        key : str
            The rule group's key.
        upper : int
            Most steps the rule may be loosened by.
        step : int
            Domain units (VND, sessions, seats) per step, for the report.
        cost : int
            Points (1 point = 1,000 VND) per step.
        """
        if not self.relaxed:
            return 0
        var = self.model.new_int_var(0, max(upper, 0), f"slack[{key}]")
        self.slacks.append(Slack(key, var, step, cost))
        return var

    def add(self, constraint: cp_model.Constraint, lit: cp_model.IntVar | None) -> None:
        """Attach an optional enforcement literal to a constraint."""
        if lit is not None:
            constraint.only_enforce_if(lit)

    def penalise(
        self, name: str, expr: cp_model.LinearExprT, weight: int, detail: str = ""
    ) -> None:
        """Register a named soft-goal term (skipped when its weight is 0)."""
        if weight > 0:
            self.penalties.append(Penalty(name, expr, weight, detail))

    def sessions_on(self, day: dt.date) -> list[Session]:
        """Return the half-day sessions of a date (none on a non-working day)."""
        return [s for s in self.grid.sessions if s.day == day]

    def travel_minutes(self, a: str, b: str) -> int:
        """Return the travel minutes between two places (see :func:`travel_between`)."""
        return travel_between(self.scenario, a, b)
