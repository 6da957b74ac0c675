"""The constraint families declare themselves: build step, rule kinds, relaxations.

Every ``model/<family>.py`` ends with a ``FAMILY = Family(...)`` saying

- ``add`` and ``place``: the function that adds its rows and where it runs in
  :func:`scheduler.model.builder.build_model` (a family reads variables made by
  families of lower places; ``add=None`` for one another family calls, such as
  :mod:`scheduler.model.reach` from :mod:`scheduler.model.staff`);
- ``drop_costs``: its rule-group kinds (declared in its module with
  :meth:`RuleKind.declare`) and what dropping such a group costs in a relaxation;
- ``relax``: what dropping or loosening a group of a kind changes in the
  scenario (:func:`scheduler.explain.apply_relaxation`).

:func:`families` finds them by walking the package, so no module lists the
families by hand; tests/test_family_registry.py keeps it that way.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

from scheduler.model.context import ModelContext, RuleKey, RuleKind
from scheduler.model.variables import Split
from scheduler.scenario.schema import Scenario

# (scenario, the group's or slack's key, steps to loosen it by; 0 = drop it)
Relax = Callable[[Scenario, RuleKey, int], Scenario]

# What dropping a group costs when its family does not say (points).
DEFAULT_DROP_COST = 20_000


@dataclass(frozen=True)
class Family:
    """What one constraint family declares (see the module docstring)."""

    name: str
    place: int | None
    add: Callable[[ModelContext], Split | None] | None
    drop_costs: Mapping[RuleKind, int] = field(default_factory=dict)
    relax: Mapping[RuleKind, Relax] = field(default_factory=dict)


def switch_off(setting: str, value: object) -> Relax:
    """Return a relaxation that turns an activity's setting off.

    For groups keyed ``kind:activity:…`` whose rule an activity's setting
    switches on (an announcement, training first, a minimum gap, a deadline).
    """

    def relax(sc: Scenario, key: RuleKey, amount: int) -> Scenario:
        act_id = key.subject[0]
        spec = sc.activities[act_id].model_copy(update={setting: value})
        return sc.model_copy(update={"activities": {**sc.activities, act_id: spec}})

    return relax


@cache
def families(package: str = "scheduler.model") -> tuple[Family, ...]:
    """Return the families the modules of a package declare, in build order.

    Parameters
    ----------
    package : str
        The dotted name of the package whose modules may hold a ``FAMILY``.

    Returns
    -------
    tuple of Family
        Sorted by ``place`` (families without one, called by others, last).

    Raises
    ------
    ValueError
        When two families claim one place or one rule kind (the build order
        or a kind's drop cost would be ambiguous).
    """
    found: list[Family] = []
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        declared = getattr(module, "FAMILY", None)
        if isinstance(declared, Family):
            found.append(declared)
    found.sort(key=lambda f: (f.place is None, f.place or 0, f.name))
    placed = [f for f in found if f.place is not None]
    for a, b in itertools.pairwise(placed):
        if a.place == b.place:
            raise ValueError(
                f"families {a.name} and {b.name} both claim place {a.place}"
            )
    owners: dict[RuleKind, str] = {}
    for f in found:
        for kind in f.drop_costs:
            if kind in owners:
                raise ValueError(
                    f"rule kind {kind} declared by {owners[kind]} and {f.name}"
                )
            owners[kind] = f.name
    return tuple(found)


def rule_key(text: str) -> RuleKey:
    """Return the key a text renders, with every family's kinds declared.

    A key read back (a stored relaxation) may name a kind whose family's
    module nothing has imported yet; loading the families declares it.

    Raises
    ------
    ValueError
        When no family declares the key's kind.
    """
    families()
    return RuleKey.parse(text)


def drop_cost(kind: RuleKind) -> int:
    """Return what dropping a rule group of a kind costs, in points."""
    for f in families():
        if kind in f.drop_costs:
            return f.drop_costs[kind]
    return DEFAULT_DROP_COST


def relaxation(kind: RuleKind) -> Relax:
    """Return how a kind's groups are dropped or loosened in the scenario.

    Raises
    ------
    KeyError
        When no family says how (such a group is never offered as a change).
    """
    for f in families():
        if kind in f.relax:
            return f.relax[kind]
    raise KeyError(kind)
