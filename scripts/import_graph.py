"""Print the import graph of the ``scheduler`` package and where it runs back up.

Usage: ``python scripts/import_graph.py [--root scheduler]``

It reads the source with ``ast`` (nothing is imported) and prints:

- every import edge between the package's modules, marked ``module`` (runs at
  import time), ``typing`` (under ``if TYPE_CHECKING:``, never runs) or
  ``function`` (inside a function or method body: runs when called);
- the import cycles: strongly connected components of the graph of module-level and
  function-level edges (typing edges left out: they never run);
- the upward edges: an edge from a module to one of a higher layer (``LAYERS``
  below; docs/architecture.md gives the same order);
- the product modules that import ``scheduler.bench`` (the benchmarks);
- the count of function-level imports of the package's own modules;
- the 15 longest functions, with their cyclomatic complexity (1 + the branches:
  if/elif, loops, except, boolean operators, conditional expressions,
  comprehension filters, match cases).

The layer tests (tests/test_layers.py) use the same functions.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "scheduler"

# Layers from the bottom up: a module may import its own layer and the ones below,
# never one above. The first prefix that matches a module decides its layer (the
# longest prefixes come first where they overlap). ``bench`` sits on the side: it may
# import anything, and nothing in the product imports it.
LAYERS: list[tuple[str, list[str]]] = [
    (
        "base",
        [
            "scheduler.errors",
            "scheduler.kinds",
            "scheduler.i18n",
            "scheduler.interrupt",
            "scheduler.units",
            "scheduler.data",
        ],
    ),
    (
        "scenario",
        [
            "scheduler.scenario",
            "scheduler.calendar",
            "scheduler.travel",
            "scheduler.costs",
            "scheduler.publications",
            "scheduler.programme",
            "scheduler.officials",
        ],
    ),
    # a plan as data, and what is read off a plan with the scenario alone: the
    # independent checker and why each left-out item is out (no solver in them)
    ("plan", ["scheduler.plan", "scheduler.check", "scheduler.leftout"]),
    ("model", ["scheduler.model"]),
    ("solver", ["scheduler.solver", "scheduler.hints"]),
    ("analysis", ["scheduler.explain", "scheduler.suggest", "scheduler.replan"]),
    ("province", ["scheduler.province", "scheduler.sweep"]),
    ("export", ["scheduler.export"]),
    ("store", ["scheduler.store", "scheduler.outputs"]),
    ("serve", ["scheduler.serve", "scheduler.workspace"]),
    ("commands", ["scheduler.commands", "scheduler.cli", "scheduler.__main__"]),
    # The package's __init__ names the public API (load, grid, check, Plan): it sits
    # on top, since importing any module of the package runs it first.
    ("package", ["scheduler"]),
]
SIDE = "bench"
# the benchmarks; the province's own (``scheduler bench`` at province size) is
# benchmark code too, kept beside the province code it measures
SIDE_PREFIXES = ("scheduler.bench", "scheduler.province.bench")


@dataclass(frozen=True)
class Edge:
    """One import of a package module by another."""

    source: str
    target: str
    kind: str  # "module", "typing" or "function"
    line: int


@dataclass(frozen=True)
class Function:
    """One function or method, with its size."""

    module: str
    name: str
    line: int
    lines: int
    complexity: int


def module_name(root: Path, path: Path) -> str:
    """Return the dotted name of the module in ``path`` under the package ``root``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules_of(root: Path) -> dict[str, Path]:
    """Return every module of the package by dotted name."""
    return {
        module_name(root, path): path
        for path in sorted(root.rglob("*.py"))
        if "vendor" not in path.parts
    }


# Where the modules that moved into scheduler/solver/ lived before (issue 19), so
# that the script reads an older tree with the same layers.
FORMER_NAMES = {
    "scheduler.solve": "scheduler.solver.solve",
    "scheduler.naming": "scheduler.solver.staffing",
    "scheduler.portfolio": "scheduler.solver.portfolio",
    "scheduler.baseline": "scheduler.solver.greedy",
}
UNPLACED = "?"


def layer_of(module: str) -> str:
    """Return the layer of a module (``bench`` for the benchmarks, ``?`` if none)."""
    module = FORMER_NAMES.get(module, module)
    if any(module == p or module.startswith(p + ".") for p in SIDE_PREFIXES):
        return SIDE
    best = ("", "")
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            if prefix == PACKAGE:  # the package's own __init__ only
                matches = module == PACKAGE
            else:
                matches = module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > len(best[1]):
                best = (layer, prefix)
    return best[0] or UNPLACED


def rank_of(layer: str) -> int:
    """Return a layer's height (bench and unplaced modules: above everything)."""
    names = [name for name, _ in LAYERS]
    return names.index(layer) if layer in names else len(names)


def unplaced(root: Path) -> list[str]:
    """Return the modules no layer names (each module must have one)."""
    return [m for m in modules_of(root) if layer_of(m) == UNPLACED]


def _resolve(
    module: str, is_package: bool, node: ast.ImportFrom, known: set[str]
) -> list[str]:
    """Return the package modules a ``from … import …`` statement loads."""
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        origin = ".".join([*base, *([node.module] if node.module else [])])
    else:
        origin = node.module or ""
    if origin != PACKAGE and not origin.startswith(PACKAGE + "."):
        return []
    targets = []
    for alias in node.names:
        sub = f"{origin}.{alias.name}"
        targets.append(sub if sub in known else origin)
    return sorted(set(targets))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk_imports(
    body: list[ast.stmt], kind: str
) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    """Yield each import statement under ``body`` with its kind."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, kind
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _walk_imports(node.body, "function")
        elif isinstance(node, ast.If) and _is_type_checking(node):
            yield from _walk_imports(node.body, "typing")
            yield from _walk_imports(node.orelse, kind)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    stmts = []
                    for child in children:
                        if isinstance(child, ast.ExceptHandler | ast.match_case):
                            stmts.extend(child.body)
                        elif isinstance(child, ast.stmt):
                            stmts.append(child)
                    yield from _walk_imports(stmts, kind)


def edges_of(root: Path) -> list[Edge]:
    """Return every import edge between the package's modules."""
    modules = modules_of(root)
    known = set(modules)
    edges: set[Edge] = set()
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        for node, kind in _walk_imports(tree.body, "module"):
            if isinstance(node, ast.Import):
                targets = [
                    _longest_known(alias.name, known)
                    for alias in node.names
                    if alias.name.split(".")[0] == PACKAGE
                ]
            else:
                targets = _resolve(module, is_package, node, known)
            for target in targets:
                if target != module:
                    edges.add(Edge(module, target, kind, node.lineno))
    return sorted(edges, key=lambda e: (e.source, e.line, e.target))


def _longest_known(name: str, known: set[str]) -> str:
    parts = name.split(".")
    while parts and ".".join(parts) not in known:
        parts.pop()
    return ".".join(parts) or name


def cycles_of(edges: list[Edge]) -> list[list[str]]:
    """Return the strongly connected components (of two modules or more).

    Module-level and function-level edges count; typing edges never run.
    """
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if edge.kind != "typing":
            graph.setdefault(edge.source, set()).add(edge.target)
            graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def upward_edges(edges: list[Edge]) -> list[Edge]:
    """Return the edges (typing ones too) from a module to a higher layer."""
    up = []
    for edge in edges:
        source, target = layer_of(edge.source), layer_of(edge.target)
        if SIDE in (source, target) or UNPLACED in (source, target):
            continue  # the bench's own imports; product → bench is listed apart
        if rank_of(target) > rank_of(source):
            up.append(edge)
    return up


def bench_imports(edges: list[Edge]) -> list[Edge]:
    """Return the edges from a product module into ``scheduler.bench``."""
    return [
        edge
        for edge in edges
        if layer_of(edge.target) == SIDE and layer_of(edge.source) != SIDE
    ]


def _complexity(node: ast.AST) -> int:
    """Return McCabe's number for one function, not counting nested functions."""
    count = 1
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(
            child,
            ast.If | ast.For | ast.AsyncFor | ast.While | ast.IfExp | ast.ExceptHandler,
        ):
            count += 1
        elif isinstance(child, ast.BoolOp):
            count += len(child.values) - 1
        elif isinstance(child, ast.comprehension):
            count += 1 + len(child.ifs)
        elif isinstance(child, ast.match_case):
            count += 1
        stack.extend(ast.iter_child_nodes(child))
    return count


def functions_of(root: Path) -> list[Function]:
    """Return every function and method of the package with its lines and complexity."""
    found = []
    for module, path in modules_of(root).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        scopes: list[tuple[ast.AST, str]] = [(tree, "")]
        while scopes:
            scope, prefix = scopes.pop()
            for node in ast.iter_child_nodes(scope):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    name = f"{prefix}{node.name}"
                    lines = (node.end_lineno or node.lineno) - node.lineno + 1
                    found.append(
                        Function(module, name, node.lineno, lines, _complexity(node))
                    )
                    scopes.append((node, name + "."))
                elif isinstance(node, ast.ClassDef):
                    scopes.append((node, f"{prefix}{node.name}."))
    return found


def function_imports(edges: list[Edge]) -> list[Edge]:
    """Return the function-level imports of the package's own modules."""
    return [edge for edge in edges if edge.kind == "function"]


def function_import_statements(root: Path) -> int:
    """Return how many import statements sit in function bodies, whatever they import."""
    count = 0
    for path in modules_of(root).values():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        count += sum(
            kind == "function" for _, kind in _walk_imports(tree.body, "module")
        )
    return count


def report(root: Path) -> str:
    """Return the whole printout for the package under ``root``."""
    edges = edges_of(root)
    out: list[str] = []
    out.append("# Layers, bottom up (bench on the side)")
    for rank, (layer, prefixes) in enumerate(LAYERS):
        out.append(f"{rank:2d} {layer:9s} {', '.join(prefixes)}")
    out.append(f" - {SIDE:9s} {', '.join(SIDE_PREFIXES)}")
    out.append(f"Modules in no layer: {', '.join(unplaced(root)) or 'none'}")
    out.append("")
    out.append(f"# Import edges ({len(edges)}: source -> target [kind] line)")
    for edge in edges:
        out.append(f"{edge.source} -> {edge.target} [{edge.kind}] {edge.line}")
    out.append("")
    cycles = cycles_of(edges)
    out.append(f"# Cycles ({len(cycles)} strongly connected components)")
    for component in cycles:
        out.append(f"{len(component):3d}: {' '.join(component)}")
    out.append("")
    up = upward_edges(edges)
    out.append(f"# Upward edges ({len(up)})")
    for edge in up:
        out.append(
            f"{edge.source} ({layer_of(edge.source)}) -> {edge.target}"
            f" ({layer_of(edge.target)}) [{edge.kind}] {edge.line}"
        )
    out.append("")
    bench = bench_imports(edges)
    out.append(f"# Product modules importing scheduler.bench ({len(bench)} edges)")
    for edge in bench:
        out.append(f"{edge.source} -> {edge.target} [{edge.kind}] {edge.line}")
    out.append("")
    local = function_imports(edges)
    out.append(f"# Function-level imports of the package's modules: {len(local)}")
    out.append(
        "# Function-level import statements of any module (stdlib, third-party):"
        f" {function_import_statements(root)}"
    )
    out.append("")
    longest = sorted(functions_of(root), key=lambda f: (-f.lines, f.module, f.name))
    out.append("# The 15 longest functions (lines, cyclomatic complexity)")
    for function in longest[:15]:
        out.append(
            f"{function.lines:5d} {function.complexity:4d}"
            f"  {function.module}.{function.name} (line {function.line})"
        )
    return "\n".join(out) + "\n"


def main() -> None:
    """Print the report for the package (``--root`` names its folder)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=Path(__file__).resolve().parent.parent / PACKAGE
    )
    args = parser.parse_args()
    sys.stdout.write(report(args.root.resolve()))


if __name__ == "__main__":
    main()
