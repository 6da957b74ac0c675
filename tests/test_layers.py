"""The package's layers: no import cycle, no edge that runs back up, no product
module that imports the benchmarks; the solver package's own promises.

The graph is read with ``ast`` by scripts/import_graph.py (the layer order is
there and in docs/architecture.md); function-level imports count as edges, since
they run when the function is called.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import make_scenario

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scheduler"


def _graph_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "import_graph", ROOT / "scripts" / "import_graph.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_graph"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


graph = _graph_module()

# Cycles other work is removing; this list must only shrink.
ALLOWED_CYCLES: list[list[str]] = []

# Upward edges (source, target) other work is removing; this list must only shrink.
ALLOWED_UPWARD: set[tuple[str, str]] = set()

# Product modules that may import the benchmarks: the `scheduler bench` command,
# which runs them (deferred to the command itself).
ALLOWED_BENCH: set[tuple[str, str]] = {
    ("scheduler.commands.province", "scheduler.bench.generate"),
    ("scheduler.commands.province", "scheduler.province.bench"),
    ("scheduler.commands.province", "scheduler.bench.two_level_bench"),
}

# Function-level imports of the package's own modules: 210 before the solver
# package, 159 after it, 151, then 153: `scheduler plan`'s helper process
# (export/bundle.py) imports the workbook's and reports' module itself, so
# that the command's own process never loads openpyxl and plotly, and the
# command imports python-docx only for the document it makes (two such imports
# in bundle.py became three, and the command imports `start_helper`). Each one left defers a heavy import
# (CLI start-up, a page that answers before the solver loads) or waits for
# other work (commands/, province/); the ceiling must only come down.
MAX_FUNCTION_IMPORTS = 153


def test_every_module_has_a_layer() -> None:
    # a new top-level module or package must be placed in the order first
    assert graph.unplaced(PACKAGE) == []


def test_the_package_has_no_import_cycle() -> None:
    cycles = graph.cycles_of(graph.edges_of(PACKAGE))
    assert [c for c in cycles if c not in ALLOWED_CYCLES] == []
    # an entry that no longer holds comes off the list
    assert [c for c in ALLOWED_CYCLES if c not in cycles] == []


def test_no_edge_runs_back_up_a_layer() -> None:
    up = {(e.source, e.target) for e in graph.upward_edges(graph.edges_of(PACKAGE))}
    assert up - ALLOWED_UPWARD == set()
    assert ALLOWED_UPWARD - up == set()


def test_no_product_module_imports_the_benchmarks() -> None:
    into_bench = {
        (e.source, e.target) for e in graph.bench_imports(graph.edges_of(PACKAGE))
    }
    assert into_bench - ALLOWED_BENCH == set()
    assert ALLOWED_BENCH - into_bench == set()


def test_no_product_module_runs_a_benchmark_module() -> None:
    # `python -m scheduler.bench.mip` in a string escapes the import graph
    named = []
    for module, path in graph.modules_of(PACKAGE).items():
        if graph.layer_of(module) == graph.SIDE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # docstrings may name the benchmarks; code may not
        prose = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "scheduler.bench" in node.value
                and id(node) not in prose
            ):
                named.append(f"{module}:{node.lineno}")
    assert named == []


def test_function_level_imports_only_come_down() -> None:
    local = graph.function_imports(graph.edges_of(PACKAGE))
    assert len(local) <= MAX_FUNCTION_IMPORTS


def test_the_solver_package_reaches_no_higher_layer() -> None:
    edges = graph.edges_of(PACKAGE)
    solver = [e for e in edges if e.source.startswith("scheduler.solver")]
    assert solver, "the solver package is missing"
    rank = graph.rank_of("solver")
    assert [
        (e.source, e.target)
        for e in solver
        if graph.rank_of(graph.layer_of(e.target)) > rank
    ] == []


# ----------------------------------------------------------------- the graph itself


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "scheduler"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_graph_sees_cycles_and_upward_edges_in_function_bodies(
    tmp_path: Path,
) -> None:
    # the checks above can fail: a cycle through a function-level import and an
    # upward edge are found, a TYPE_CHECKING import is no cycle
    root = _package(
        tmp_path,
        {
            "solver/__init__.py": "",
            "solver/solve.py": (
                "def f():\n    from scheduler.explain import why\n    return why\n"
            ),
            "explain.py": "from scheduler.solver import solve\n",
            "plan.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from scheduler.model import context\n"
            ),
            "model/__init__.py": "",
            "model/context.py": "from scheduler import plan\n",
            "commands/__init__.py": "",
            "commands/bench.py": "def run():\n    from scheduler.bench import gen\n",
            "bench/__init__.py": "",
            "bench/gen.py": "",
        },
    )
    edges = graph.edges_of(root)
    assert graph.cycles_of(edges) == [["scheduler.explain", "scheduler.solver.solve"]]
    assert [(e.source, e.target, e.kind) for e in graph.upward_edges(edges)] == [
        ("scheduler.plan", "scheduler.model.context", "typing"),
        ("scheduler.solver.solve", "scheduler.explain", "function"),
    ]
    assert [(e.source, e.target) for e in graph.bench_imports(edges)] == [
        ("scheduler.commands.bench", "scheduler.bench.gen")
    ]
    assert len(graph.function_imports(edges)) == 2


# ----------------------------------------------------------------- one HiGHS policy


def test_one_kill_policy_for_every_highs_run() -> None:
    from scheduler.solver.highs import kill_after

    # a 20 s limit ran 45 s on a 173-commune province: killed at 30 s
    assert kill_after(20.0) == 30.0
    # nobody keeps a margin of their own
    own = []
    for module, path in graph.modules_of(PACKAGE).items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and module != "scheduler.solver.highs":
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                own += [f"{module}.{n}" for n in names if n.startswith("HARD_")]
    assert own == []


def test_the_race_and_the_province_kill_highs_through_the_one_policy() -> None:
    # every wait on a HiGHS process (result(timeout=…), hard_limit_s=…) is
    # kill_after(…)
    waits = []
    for module in ("solver/portfolio.py", "province/tasks.py"):
        tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg in (
                "timeout",
                "hard_limit_s",
            ):
                value = node.value
                called = (
                    value.func.id
                    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                    else None
                )
                waits.append((module, node.arg, called))
    assert waits == [
        ("solver/portfolio.py", "timeout", "kill_after"),
        ("province/tasks.py", "hard_limit_s", "kill_after"),
    ]


# ----------------------------------------------------------------- Status


def test_status_is_a_str_enum_that_writes_plan_json_as_before() -> None:
    from enum import StrEnum

    from scheduler.plan import Status

    assert issubclass(Status, StrEnum)
    assert Status.OPTIMAL == "OPTIMAL"
    assert json.dumps({"status": Status.FEASIBLE}) == '{"status": "FEASIBLE"}'
    assert f"{Status.INFEASIBLE}" == "INFEASIBLE"


def test_a_solve_reports_a_status_and_plan_json_keeps_it(tmp_path: Path) -> None:
    from scheduler.plan import Plan, Status
    from scheduler.solver.solve import solve

    sc = make_scenario(tmp_path, {"solver": {"parameters": {"num_workers": 1}}})
    plan = solve(sc, overrides={"max_time_in_seconds": 5.0})
    assert isinstance(plan.solver.status, Status)
    assert plan.solver.status in (Status.OPTIMAL, Status.FEASIBLE)
    written = json.loads(plan.to_json())["solver"]["status"]
    assert written == str(plan.solver.status)
    assert Plan.from_dict(json.loads(plan.to_json())).solver.status is (
        plan.solver.status
    )


# ----------------------------------------------------------------- infeasible


def _pinned_on_a_holiday(tmp_path: Path):  # type: ignore[no-untyped-def]
    # 4 Sep 2023 is the National Day substitute holiday: the pin cannot hold
    pins = [{"activity": "dialogue", "commune": "00001", "date": "2023-09-04"}]
    return make_scenario(
        tmp_path, {"pins": pins, "solver": {"parameters": {"num_workers": 1}}}
    )


def test_the_solver_proves_no_plan_and_leaves_the_reasons_to_explain(
    tmp_path: Path,
) -> None:
    from scheduler.errors import InfeasibleScenario
    from scheduler.solver.solve import NO_PLAN_REASON, solve

    sc = _pinned_on_a_holiday(tmp_path)
    with pytest.raises(InfeasibleScenario) as info:
        solve(sc)
    assert info.value.explained is False
    assert info.value.reasons == [NO_PLAN_REASON]


def test_explained_names_the_conflicting_rules(tmp_path: Path) -> None:
    from scheduler.errors import InfeasibleScenario
    from scheduler.explain import explained
    from scheduler.solver.solve import solve

    sc = _pinned_on_a_holiday(tmp_path)
    with pytest.raises(InfeasibleScenario) as info, explained(sc):
        solve(sc)
    assert info.value.explained is True
    assert any("Mốc cố định" in vi for vi, _ in info.value.reasons)
    assert any("Milestone" in en for _, en in info.value.reasons)


def test_explained_leaves_an_explained_reason_alone(tmp_path: Path) -> None:
    from scheduler.errors import InfeasibleScenario
    from scheduler.explain import explained

    sc = _pinned_on_a_holiday(tmp_path)
    reason = ("lý do", "reason")
    with pytest.raises(InfeasibleScenario) as info, explained(sc):
        raise InfeasibleScenario([reason])
    assert info.value.reasons == [reason]
