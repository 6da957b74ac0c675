"""Pieces shared by every command: consoles, the --lang option, scenario loading, output folders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def output_folder(folder: Path, lang: str) -> Iterator[Path]:
    """Hold an output folder for a run; refuse or fail with one line and an exit code.

    Entered before the solve: a folder the tool must not replace (exit 2) or
    one another run is writing (exit 1) stops the run before any work. A
    failure to write inside the block (disk full, permissions) exits 1 naming
    the path; the earlier results are then unchanged
    (:mod:`scheduler.export.folder`).
    """
    from scheduler.export.folder import OutputError, claim

    try:
        with claim(folder):
            yield folder
    except OutputError as exc:
        err.print(exc.render(lang), style="bold red", markup=False)
        raise typer.Exit(exc.exit_code) from exc
