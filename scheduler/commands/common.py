"""Pieces shared by every command: consoles, the --lang option, scenario loading."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from scheduler.errors import ScenarioError
from scheduler.i18n import t

if TYPE_CHECKING:
    from scheduler.plan import Plan
    from scheduler.scenario.schema import Scenario

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

Lang = Annotated[str, typer.Option("--lang", help="Ngôn ngữ / language: vi or en.")]


def load_or_exit(scenario: Path, lang: str) -> Scenario:
    """Load a scenario, or print every problem and exit with code 2."""
    from scheduler.scenario.load import load_scenario

    try:
        return load_scenario(scenario)
    except ScenarioError as exc:
        if _is_province_file(scenario):
            err.print(
                f"[bold red]{scenario}[/]: "
                + (
                    "a province scenario (it lists [[districts]]): plan it with "
                    f"`scheduler plan-province {scenario}`"
                    if lang == "en"
                    else "kịch bản cấp tỉnh (có [[districts]]): lập kế hoạch bằng "
                    f"`scheduler plan-province {scenario}`"
                ),
                markup=False,
            )
            raise typer.Exit(2) from exc
        err.print(f"[bold red]{t('invalid', lang)}[/] ({len(exc.problems)}):")
        for p in exc.problems:
            err.print(f"  - {p.render(lang)}", markup=False)
        raise typer.Exit(2) from exc


def _is_province_file(path: Path) -> bool:
    """Tell whether a TOML file is a province scenario (it lists districts)."""
    import tomllib

    try:
        return "districts" in tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def read_plan_or_exit(plan_file: Path) -> Plan:
    """Read a plan.json, or name the file and exit with code 2."""
    from scheduler.plan import Plan

    try:
        return Plan.read(plan_file)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        err.print(f"[bold red]{plan_file}: {exc}[/]")
        raise typer.Exit(2) from exc
