"""The province package's shape, read from the source (AST): no cycles, no private reach.

Imports inside functions and under ``TYPE_CHECKING`` count as edges too: a
cycle hidden in a function-level import is still a cycle a reader has to
untangle.
"""

from __future__ import annotations

import ast
import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.errors import ScenarioError
from scheduler.province.decompose import plan_province
from scheduler.province.load import load_province
from scheduler.province.shared import check_province, check_shared
from scheduler.scenario.schema import BlockedPeriod, Pin
from scheduler.scenario.validate import cross_check
from tests.conftest import make_scenario
from tests.test_province import write_province

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scheduler"
PROVINCE = PACKAGE / "province"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[str, str]]:
    """Yield (module, name) for every ``from module import name`` in a file.

    A plain ``import a.b`` yields (``a.b``, ""). Relative imports are resolved
    against the file's package.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ""
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                yield module, alias.name


def _province_graph() -> dict[str, set[str]]:
    """Return each province module's imports of other province modules."""
    modules = {_module_name(p): p for p in PROVINCE.glob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for module, imported in _imports(path):
            for target in (module, f"{module}.{imported}"):
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """Return one import cycle of the graph as a path, or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_cycle_finder_sees_a_cycle() -> None:
    # the finder itself: a test that cannot fail is a defect
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_inside_province() -> None:
    graph = _province_graph()
    assert len(graph) > 5  # the package was found
    assert _cycle(graph) == []


def _private_cross_package() -> list[str]:
    """Return every import of a private name from another package of scheduler."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = _module_name(path)
        own_package = own if path.name == "__init__.py" else own.rpartition(".")[0]
        for module, name in _imports(path):
            if not module.startswith("scheduler"):
                continue
            private = name.startswith("_") and not name.startswith("__")
            if private and module.rpartition(".")[0] != own_package and module != own:
                found.append(f"{own}: from {module} import {name}")
    return found


def test_no_private_import_across_packages() -> None:
    assert _private_cross_package() == []


# a function of the decomposition fits on a screen: its body, docstring aside
SCREEN_LINES = 65
# the benchmark's functions are measured elsewhere (docs/performance.md)
NOT_MEASURED = {"bench.py"}


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    first = body[0]
    documented = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    start = body[1].lineno if documented and len(body) > 1 else body[0].lineno
    return (node.end_lineno or node.lineno) - start + 1


def _long_functions(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.glob("*.py")):
        if path.name in NOT_MEASURED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if is_function and _body_lines(node) > SCREEN_LINES:
                found.append(f"{path.name}:{node.name} {_body_lines(node)} lines")
    return found


def test_province_functions_fit_on_a_screen() -> None:
    assert _long_functions(PROVINCE) == []


def test_a_long_function_is_found(tmp_path: Path) -> None:
    # the measure itself: a test that cannot fail is a defect
    lines = "\n".join(f"    x{i} = {i}" for i in range(SCREEN_LINES + 1))
    (tmp_path / "long.py").write_text(f'def f():\n    """Doc."""\n{lines}\n')
    assert _long_functions(tmp_path) == [f"long.py:f {SCREEN_LINES + 1} lines"]


@pytest.mark.parametrize("path", [PACKAGE / "commands" / "province.py"])
def test_commands_are_module_level_functions(path: Path) -> None:
    # one registration style: app.command(name)(function), never a command
    # defined inside the function that registers it
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested = [
        inner.name
        for outer in ast.walk(tree)
        if isinstance(outer, ast.FunctionDef)
        for inner in ast.walk(outer)
        if isinstance(inner, ast.FunctionDef)
        and inner is not outer
        and inner.decorator_list
    ]
    assert nested == []


# load_province was split into small functions: the problems it reports, and
# their order, are pinned here (the same lists as before the split)


def _problems_of(path: Path) -> list[tuple[str, int | None, str, str]]:
    with pytest.raises(ScenarioError) as info:
        load_province(path)
    return [
        (Path(p.file).name, p.row, p.field, p.message_en) for p in info.value.problems
    ]


def test_province_loader_reports_every_file_problem_in_order(tmp_path: Path) -> None:
    path = write_province(tmp_path)
    with open(tmp_path / "blocked.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["kind", "ref", "start_date", "end_date"])
        w.writerow(["staff", "T1", "2023-07-03", "2023-07-03"])
        w.writerow(["staff", "aL1", "2023-07-04", "2023-07-04"])
        w.writerow(["commune", "00001", "2023-07-05", "2023-07-05"])
    text = path.read_text(encoding="utf-8")
    text = "colour = 'red'\n" + text
    text = text.replace('id = "d2"', 'id = "d1"\ncommunes = ["00003", "99999"]')
    text = text.replace(
        'trainers = "trainers.csv"',
        'trainers = "trainers.csv"\ntrainer_blocked_periods = "blocked.csv"',
    )
    path.write_text(text, encoding="utf-8")
    assert _problems_of(path) == [
        ("province.toml", None, "colour", "unknown key (check the spelling)"),
        ("province.toml", None, "districts[1].id", "id 'd1' is repeated"),
        ("province.toml", None, "districts[1]", "not in d2/tiny.toml: 99999"),
        ("blocked.csv", 3, "ref", "must be a provincial trainer id (kind = staff)"),
        ("blocked.csv", 4, "ref", "must be a provincial trainer id (kind = staff)"),
    ]


def test_province_loader_reports_cross_district_problems_in_order(
    tmp_path: Path,
) -> None:
    path = write_province(tmp_path)
    with open(tmp_path / "trainers.csv", "a", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["T1", "Giảng viên tỉnh", "trainer", 5])
        w.writerow(["aL1", "Lãnh đạo", "trainer", 5])
    text = path.read_text(encoding="utf-8").replace(
        'scenario = "d2/tiny.toml"', 'scenario = "d1/tiny.toml"'
    )
    path.write_text(text, encoding="utf-8")
    assert _problems_of(path) == [
        ("province.toml", None, "districts[1]", "commune 00001 already belongs to d1"),
        ("province.toml", None, "districts[1]", "commune 00002 already belongs to d1"),
        ("trainers.csv", 3, "staff_id", "repeated id"),
        (
            "trainers.csv",
            4,
            "staff_id",
            "same id as a staff member of d2 with other roles",
        ),
    ]


def test_province_loader_checks_the_group_and_the_shared_source(
    tmp_path: Path,
) -> None:
    path = write_province(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        'scenario = "d2/tiny.toml"', 'scenario = "d2/tiny.toml"\nstaff = ["bL1"]'
    )
    text = text.replace("[shared]\n", "[shared]\ntrainer_blocked_periods = 'x.csv'\n")
    text = text.replace('trainers = "trainers.csv"\n', "")
    path.write_text(text, encoding="utf-8")
    got = _problems_of(path)
    assert got[-1] == (
        "province.toml",
        None,
        "shared.trainer_blocked_periods",
        "needs the trainers table",
    )


def test_cross_check_reports_every_reference_in_order(tmp_path: Path) -> None:
    # cross_check was split into one function per family of records: the
    # problems and their order are those of the function before the split
    sc = make_scenario(tmp_path)
    venues = (*sc.venues, sc.venues[0].model_copy(update={"commune_code": "99999"}))
    dialogue = next(a for a, s in sc.activities.items() if s.kind == "session")
    spec = sc.activities[dialogue]
    activities = {
        **sc.activities,
        dialogue: spec.model_copy(
            update={"funding_sources": ("nowhere",), "roles": {"juggler": 1}}
        ),
    }
    pin = Pin(activity="nothing", commune="99999", date=sc.horizon.end)
    bad = sc.model_copy(
        update={
            "venues": venues,
            "activities": activities,
            "pins": (pin,),
            "communes": (*sc.communes, sc.communes[0]),
        }
    )
    got = [(p.row, p.field, p.message_en) for p in cross_check(bad, "tiny.toml", {})]
    code = sc.communes[0].commune_code
    assert got == [
        (None, "commune_code", f"duplicate id '{code}'"),
        (None, "venue_id", f"duplicate id '{sc.venues[0].venue_id}'"),
        (None, "commune_code", "commune code '99999' is not in the commune table"),
        (
            None,
            f"activities.{dialogue}.funding_sources",
            "funding source 'nowhere' is not in [[funding]]",
        ),
        (
            None,
            f"activities.{dialogue}.roles",
            "nobody in the staff table holds the role 'juggler'",
        ),
        (
            None,
            "pins[0].activity",
            "'nothing' is not a session activity (kind = \"session\")",
        ),
        (None, "pins[0].commune", "commune code '99999' is not in the commune table"),
    ]


def test_check_province_checks_each_district_and_what_they_share(
    tmp_path: Path,
) -> None:
    # the command's checks, now a library function: a provincial trainer's
    # blocked day under a class is a shared violation, a missing district too
    province = load_province(write_province(tmp_path, allowance=6_000_000))
    result = plan_province(province, deterministic=True)
    assert len(check_province(province, result)) == 0
    d1 = next(r for r in result.districts if r.district == "d1")
    c1 = next(e for e in d1.plan.events if e.kind == "training")
    day = c1.start.date()
    block = BlockedPeriod(kind="staff", ref="T1", start_date=day, end_date=day)
    blocked = province.model_copy(update={"trainer_blocked": (block,)})
    found = check_province(blocked, result)
    assert found.districts == []
    assert {v.rule for v in found.shared} == {"shared_trainer_blocked"}
    assert len(found) == len(found.shared) > 0
    alone = check_shared(province, {"d1": d1.plan})
    assert [v.rule for v in alone] == ["shared_districts"]
