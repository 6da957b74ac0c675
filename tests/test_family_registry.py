"""The constraint families declare themselves; no module lists them by hand.

A model family is a ``model/<family>.py`` with a ``FAMILY`` (its build step
and place, rule kinds with drop costs, relaxations); its checker is a
``check/<family>.py`` with ``CHECKS`` (its checkers' places in the report).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pickle
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import scheduler.model.builder as builder
from scheduler.check import FAMILIES
from scheduler.check.base import checks_in
from scheduler.model.context import RuleKey, RuleKind
from scheduler.model.family import DEFAULT_DROP_COST, drop_cost, families, relaxation

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "scheduler" / "model"
# the model's machinery, not families (see tests/test_check_families.py)
MACHINERY = {"__init__", "builder", "context", "family", "variables", "trips"}

# What dropping a group of each kind cost when context.py listed it by hand.
DROP_COSTS_BEFORE = {
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
    "reach": 20_000,
}


def test_every_model_family_is_registered_and_has_a_checker() -> None:
    modules = {p.stem for p in MODEL.glob("*.py")} - MACHINERY
    assert {f.name for f in families()} == modules
    composed = {c.__module__ for c in FAMILIES}
    for family in families():
        module = importlib.import_module(f"scheduler.check.{family.name}")
        assert getattr(module, "CHECKS", ()), (
            f"check/{family.name}.py declares no CHECKS"
        )
        assert module.__name__ in composed


def test_the_build_order_is_todays() -> None:
    built = [f.name for f in families() if f.add is not None]
    assert built == [
        "sessions",
        "spacing",
        "broadcasts",
        "training",
        "publications",
        "staff",
        "officials",
        "sequencing",
        "budget",
    ]


def test_every_kind_has_its_drop_cost_and_a_family() -> None:
    owned = {kind for f in families() for kind in f.drop_costs}
    assert {k.value for k in owned} == set(DROP_COSTS_BEFORE)
    for text, cost in DROP_COSTS_BEFORE.items():
        assert drop_cost(RuleKind(text)) == cost, text
    # every kind but the reach from the base can be dropped in a relaxation
    for kind in owned - {RuleKind("reach")}:
        assert callable(relaxation(kind))
    with pytest.raises(KeyError):
        relaxation(RuleKind("reach"))
    assert DEFAULT_DROP_COST == 20_000


def test_rule_kinds_are_typed_declared_and_pickle_to_themselves() -> None:
    kind = RuleKind("spacing")
    assert isinstance(kind, RuleKind)
    assert kind is RuleKind.declare("spacing")
    assert pickle.loads(pickle.dumps(kind)) is kind
    key = RuleKey.parse("spacing:dialogue:00001")
    assert key == RuleKey.of(kind, "dialogue", "00001")
    assert str(key) == "spacing:dialogue:00001"
    with pytest.raises(ValueError, match="not a declared rule kind"):
        RuleKey.parse("no_such_kind:x")


def test_builder_lists_no_family_by_hand() -> None:
    """build_model runs what the families declare: no family imported or called."""
    tree = ast.parse(inspect.getsource(builder))
    allowed = {
        "scheduler.model.context",
        "scheduler.model.family",
        "scheduler.model.variables",
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "scheduler.model."
        ):
            assert node.module in allowed, f"builder.py imports {node.module}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert not node.func.id.startswith("add_"), (
                f"builder.py calls {node.func.id}"
            )


@pytest.fixture
def package(tmp_path: Path) -> Iterator[Path]:
    """A temporary package on the import path, removed with its modules after."""
    root = tmp_path / "extra_families"
    root.mkdir()
    (root / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    families.cache_clear()  # the registry is cached per package name
    yield root
    families.cache_clear()
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.split(".")[0] == root.name]:
        del sys.modules[name]


FAMILY_MODULE = """
from scheduler.model.context import RuleKind
from scheduler.model.family import Family, switch_off

GAP = RuleKind.declare("test_gap_{name}")


def add(ctx):
    return None


FAMILY = Family(
    "{name}",
    place={place},
    add=add,
    drop_costs={{GAP: 7}},
    relax={{GAP: switch_off("min_gap_days", 0)}},
)
"""


def test_a_family_module_added_to_a_package_is_picked_up(package: Path) -> None:
    for name, place in (("late", 20), ("early", 10)):
        text = FAMILY_MODULE.format(name=name, place=place)
        (package / f"{name}.py").write_text(textwrap.dedent(text))
    (package / "helper.py").write_text("X = 1\n")  # not a family
    found = families(package.name)
    assert [f.name for f in found] == ["early", "late"]
    assert found[0].drop_costs == {RuleKind("test_gap_early"): 7}


def test_two_families_in_one_place_are_refused(package: Path) -> None:
    for name in ("one", "two"):
        (package / f"{name}.py").write_text(FAMILY_MODULE.format(name=name, place=5))
    with pytest.raises(ValueError, match="both claim place 5"):
        families(package.name)


CHECK_MODULE = """
from scheduler.check.base import Findings


def check_{name}(facts):
    return Findings()


CHECKS = (({place}, check_{name}),)
"""


def test_checkers_are_composed_in_their_declared_places(package: Path) -> None:
    for name, place in (("b", 2), ("a", 3), ("c", 1)):
        (package / f"{name}.py").write_text(CHECK_MODULE.format(name=name, place=place))
    assert [c.__name__ for c in checks_in(package.name)] == [
        "check_c",
        "check_b",
        "check_a",
    ]
    (package / "d.py").write_text(CHECK_MODULE.format(name="d", place=2))
    with pytest.raises(ValueError, match="both claim place 2"):
        checks_in(package.name)


def test_check_plan_composes_no_hand_list() -> None:
    """check/__init__.py imports no checker: the order comes from CHECKS."""
    source = (ROOT / "scheduler" / "check" / "__init__.py").read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "scheduler.check."
        ):
            assert node.module == "scheduler.check.base", f"imports {node.module}"


def test_a_stored_relaxation_applies_before_any_model_is_built() -> None:
    """A fresh process applying a relaxation knows every family's kinds.

    The kinds are declared in the family modules; ``explain`` imports only a
    few of them, and nothing was built yet (the workspace applies a stored
    relaxation to the workbook).
    """
    code = (
        "from scheduler.explain import Relaxation, apply_relaxation\n"
        "from scheduler.scenario.load import load_scenario\n"
        f"sc = load_scenario({str(ROOT / 'configs/scenarios/nha-nam-2023.toml')!r})\n"
        "act = next(a for a, s in sc.activities.items() if s.kind == 'session')\n"
        "sc = sc.model_copy(update={'activities': {**sc.activities,\n"
        "    act: sc.activities[act].model_copy(update={'min_gap_days': 3})}})\n"
        "out = apply_relaxation(sc, [Relaxation(f'spacing:{act}:x', 0, 1, '', '')])\n"
        "print(out.activities[act].min_gap_days)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0"]
