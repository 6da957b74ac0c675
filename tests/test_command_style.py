"""Every command is a module-level function registered in one style; cli.py only assembles.

The style (``scheduler/commands/__init__.py``): ``register(app)`` holds only
``app.command("name")(function)``, command groups built as
``group = typer.Typer(...)`` / ``group.command("name")(function)`` /
``app.add_typer(group, name=...)``; no decorators, no function defined inside
``register``. ``commands/province.py`` is the one module not yet in this style.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scheduler.cli import app

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ROOT / "scheduler" / "commands"
NOT_YET = {"province.py"}
NOT_COMMANDS = {"__init__.py", "common.py"}
MODULES = sorted(
    p.name for p in COMMANDS.glob("*.py") if p.name not in NOT_YET | NOT_COMMANDS
)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _is_registration(stmt: ast.stmt, functions: set[str]) -> bool:
    """``x.command("name")(function)``, ``x.add_typer(...)`` or ``g = typer.Typer(...)``."""
    if isinstance(stmt, ast.Assign):
        call = stmt.value
        return (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "Typer"
        )
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    call = stmt.value
    if isinstance(call.func, ast.Attribute) and call.func.attr == "add_typer":
        return True
    inner = call.func
    return (
        isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Attribute)
        and inner.func.attr == "command"
        and len(inner.args) == 1
        and isinstance(inner.args[0], ast.Constant)
        and not inner.keywords
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Name)
        and call.args[0].id in functions
    )


@pytest.mark.parametrize("name", MODULES)
def test_commands_are_module_functions_registered_by_name(name: str) -> None:
    tree = _tree(COMMANDS / name)
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            assert not node.decorator_list, f"{name}: @decorator on {node.name}"
    register = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "register"
    )
    body = register.body[1:]  # after the docstring
    assert body
    for stmt in body:
        assert _is_registration(stmt, functions), (
            f"{name}:{stmt.lineno}: register() only registers module-level functions"
        )


def test_every_command_module_is_registered() -> None:
    init = (COMMANDS / "__init__.py").read_text(encoding="utf-8")
    for name in MODULES + sorted(NOT_YET):
        assert f"{name.removesuffix('.py')}.register(app)" in init


def test_cli_only_assembles_the_app() -> None:
    tree = _tree(ROOT / "scheduler" / "cli.py")
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert functions == ["main"]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            assert not node.decorator_list


def test_help_lists_the_commands_in_their_order() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    order = [
        "validate",
        "plan",
        "check",
        "charts",
        "explain",
        "suggest",
        "publish",
        "history",
        "diff",
        "prune",
        "bench",
        "plan-province",
        "sweep",
        "replan",
        "serve",
        "app",
        "export",
        "token",
        "workbook",
        "user",
    ]
    lines = [line.strip("│ ").split(" ")[0] for line in result.output.splitlines()]
    listed = [word for word in lines if word in order]
    assert listed == order
