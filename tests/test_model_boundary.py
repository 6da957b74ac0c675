"""The model owns the plan ⇄ variables mapping: nothing outside ``scheduler/model/`` reads its variables.

Code outside the model calls :class:`scheduler.model.variables.Variables`'
public methods (``ctx.vars.decode(solver)``, ``ctx.vars.fix(plan, …)``, …) and
never reads the per-kind records behind them, nor the raw fields the model
context once had. The test reads the source, like the test that exporters
never import the solver.
"""

from __future__ import annotations

import ast
from pathlib import Path

from scheduler.model.variables import Variables

PACKAGE = Path(__file__).resolve().parent.parent / "scheduler"

# the per-kind fields ModelContext exposed before the variables layer
RAW_FIELDS = frozenset(
    {
        "session_x",
        "session_missing",
        "session_cost",
        "session_venue",
        "broadcast_x",
        "broadcast_short",
        "broadcast_required",
        "training",
        "publication_n",
        "publication_missing",
        "publication_need",
        "excluded",
    }
)
PUBLIC = frozenset(
    name
    for name, value in vars(Variables).items()
    if callable(value) and not name.startswith("_")
)


def _names_ctx(node: ast.expr) -> bool:
    """Return whether an expression is a model context (``ctx`` or ``….ctx``)."""
    if isinstance(node, ast.Name):
        return node.id == "ctx"
    return isinstance(node, ast.Attribute) and node.attr == "ctx"


def offences(source: str) -> list[tuple[int, str]]:
    """Return (line, code) of every read of per-kind variables in a module's source."""
    tree = ast.parse(source)
    parent: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parent[child] = node
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr in RAW_FIELDS and _names_ctx(node.value):
            out.append((node.lineno, ast.unparse(node)))
        elif node.attr == "vars" and _names_ctx(node.value):
            up = parent.get(node)
            if not (isinstance(up, ast.Attribute) and up.attr in PUBLIC):
                out.append((node.lineno, ast.unparse(up or node)))
    return sorted(out)


def _outside_model() -> list[Path]:
    model = PACKAGE / "model"
    return [p for p in sorted(PACKAGE.rglob("*.py")) if model not in p.parents]


def test_no_module_outside_the_model_reads_per_kind_variables() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {code}"
        for path in _outside_model()
        for line, code in offences(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_check_finds_raw_fields_and_records() -> None:
    source = (
        "def f(built, ctx, solver):\n"
        "    a = built.ctx.session_x\n"
        "    b = ctx.training['x']\n"
        "    c = built.ctx.vars.sessions.x\n"
        "    v = ctx.vars\n"
        "    d = built.ctx.vars.decode(solver)\n"
        "    e = spec.training\n"
    )
    assert [line for line, _ in offences(source)] == [2, 3, 4, 5]


def test_the_public_methods_are_the_mapping() -> None:
    assert {"decode", "left_out", "hint", "fix"} <= PUBLIC
    assert not PUBLIC & {"sessions", "broadcasts", "training", "publications"}
