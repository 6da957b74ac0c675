"""Shared state of the model under construction: the CP-SAT model, variables, penalties.

Every constraint family receives one :class:`ModelContext`, adds its variables and
constraints, and registers named penalties and guarded rule groups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

from scheduler.calendar import Session, TimeGrid
from scheduler.model.variables import Variables
from scheduler.scenario.schema import Scenario
from scheduler.travel import travel_between

_BOOL = Domain(0, 1)


class RuleKind(str):
    """A kind of rule group (what an explanation or relaxation says of them).

    Each family declares its kinds in its own module
    (``SPACING = RuleKind.declare("spacing")``) and their drop costs in its
    ``FAMILY`` (:mod:`scheduler.model.family`), so a new family adds kinds
    without editing this module. ``RuleKind(text)`` returns a declared kind
    and raises ``ValueError`` for any other text.
    """

    _declared: ClassVar[dict[str, RuleKind]] = {}

    def __new__(cls, text: str) -> RuleKind:
        """Return the declared kind named ``text`` (``ValueError`` if none)."""
        try:
            return cls._declared[text]
        except KeyError:
            raise ValueError(f"{text!r} is not a declared rule kind") from None

    @classmethod
    def declare(cls, text: str) -> RuleKind:
        """Return the kind named ``text``, declaring it on first use."""
        if text not in cls._declared:
            cls._declared[text] = str.__new__(cls, text)
        return cls._declared[text]

    @property
    def value(self) -> str:
        """Return the kind's name (as it appears in a key's text)."""
        return str.__str__(self)


@dataclass(frozen=True)
class RuleKey:
    """The key of a rule group or slack: its kind and what it is about.

    It renders as ``kind:subject:…`` (``budget:ctmtqg:2023-Q3``): that text
    names the group in variable names, explanations and relaxations, and
    :meth:`parse` reads it back.
    """

    kind: RuleKind
    subject: tuple[str, ...] = ()

    def __str__(self) -> str:
        return ":".join((self.kind.value, *self.subject))

    @classmethod
    def of(cls, kind: RuleKind, *subject: object) -> RuleKey:
        """Return the key of a kind about some things (dates and ids as text)."""
        return cls(kind, tuple(str(s) for s in subject))

    @classmethod
    def parse(cls, text: str) -> RuleKey:
        """Return the key a text renders (``ValueError`` for an unknown kind)."""
        kind, *subject = text.split(":")
        return cls(RuleKind(kind), tuple(subject))


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

    key: RuleKey
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

    key: RuleKey
    var: cp_model.IntVar
    step: int
    cost: int


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
    # spending per (funding source, quarter), in money units of ``money_unit`` VND
    spend: dict[tuple[str, str], cp_model.LinearExprT] = field(default_factory=dict)
    money_unit: int = 1
    # the placement variables by kind, and the plan <-> variables mapping
    vars: Variables = field(init=False)
    # False when stage 1 leaves travel between far venues of a day to stars
    # and cuts (a very large province): names may then fail (scheduler.solver.repair)
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
        self.vars = Variables(self.scenario, self.grid, self.model)

    def guard(
        self,
        key: RuleKey,
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
        Keys are typed (:class:`RuleKey`; kinds declared by the families).
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
        self, key: RuleKey, upper: int, step: int, cost: int
    ) -> cp_model.IntVar | int:
        """Return a slack loosening a rule group (0 unless rules are made soft).

        Parameters
        ----------
        key : RuleKey
            The rule group's key (with a part, e.g. ``seats``, when the group
            has more than one slack).
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
