"""Pieces shared by every command: consoles, the --lang option, scenario loading, output folders."""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from scheduler.errors import InputProblem, ScenarioError
from scheduler.i18n import LANGS, pick, t

if TYPE_CHECKING:
    from scheduler.plan import Plan
    from scheduler.scenario.schema import Scenario

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _check_lang(value: str) -> str:
    """Accept ``vi`` or ``en``; anything else is named and exits with code 2."""
    if value not in LANGS:
        # the language is what is wrong, so say it in both
        err.print(
            f"--lang: '{value}' không phải ngôn ngữ được hỗ trợ (vi, en) / "
            f"'{value}' is not a supported language (vi, en)",
            style="bold red",
            markup=False,
        )
        raise typer.Exit(2)
    return value


# Eager, so that it is read before the other options and their messages can
# be in the chosen language.
Lang = Annotated[
    str,
    typer.Option(
        "--lang",
        help="Ngôn ngữ / language: vi or en.",
        is_eager=True,
        callback=_check_lang,
    ),
]

MAX_WORKERS = 256


def _option_error(ctx: typer.Context, vi: str, en: str) -> typer.Exit:
    """Print a bad option value in the command's language; return Exit(2) to raise."""
    lang = ctx.params.get("lang", "vi")
    err.print(pick(lang, vi, en), style="bold red", markup=False)
    return typer.Exit(2)


def check_seconds(
    ctx: typer.Context, param: typer.CallbackParam, value: str | None
) -> float | None:
    """Read a time limit: a finite number of seconds above 0 (else exit 2)."""
    if value is None:
        return None
    try:
        seconds = float(value.replace(",", "."))
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        name = param.opts[0] if param.opts else "--time-limit"
        raise _option_error(
            ctx,
            f"{name}: phải là số giây lớn hơn 0 (đang là '{value}')",
            f"{name}: must be a number of seconds above 0 (got '{value}')",
        )
    return seconds


def whole_number(
    low: int, high: int | None = None
) -> Callable[[typer.Context, typer.CallbackParam, str | None], int | None]:
    """Return an option callback reading a whole number from ``low`` to ``high``.

    Parameters
    ----------
    low : int
        The smallest value accepted.
    high : int, optional
        The largest value accepted (none: no upper limit).

    Returns
    -------
    callable
        A typer callback (use it with ``parser=str``) that returns the number,
        or prints the option, the range and the value in the command's
        language and exits with code 2.
    """

    def check(
        ctx: typer.Context, param: typer.CallbackParam, value: str | None
    ) -> int | None:
        if value is None:
            return None
        text = str(value).strip()
        digits = text.removeprefix("-")
        number = int(text) if digits.isascii() and digits.isdigit() else None
        if number is None or number < low or (high is not None and number > high):
            name = param.opts[0] if param.opts else "-"
            if high is None:
                vi_range, en_range = f"từ {low} trở lên", f"of {low} or more"
            else:
                vi_range, en_range = f"từ {low} đến {high}", f"from {low} to {high}"
            raise _option_error(
                ctx,
                f"{name}: phải là số nguyên {vi_range} (đang là '{value}')",
                f"{name}: must be a whole number {en_range} (got '{value}')",
            )
        return number

    return check


check_workers = whole_number(1, MAX_WORKERS)
check_seed = whole_number(0, 2**31 - 1)  # CP-SAT's random_seed is an int32


def print_warnings(warnings: list[InputProblem], lang: str) -> None:
    """Print what looks wrong in the input but does not stop it (on stderr)."""
    if not warnings:
        return
    word = t("word.warning", lang)
    err.print(f"[bold yellow]{word}[/] ({len(warnings)}):")
    for w in warnings:
        err.print(f"  - {w.render(lang)}", markup=False)


def load_or_exit(scenario: Path, lang: str) -> Scenario:
    """Load a scenario and print its warnings, or print every problem and exit with code 2."""
    from scheduler.scenario.load import load_scenario_with_warnings

    try:
        loaded, warnings = load_scenario_with_warnings(scenario)
    except ScenarioError as exc:
        if _is_province_file(scenario):
            err.print(
                f"{scenario}: "
                + pick(
                    lang,
                    "kịch bản cấp tỉnh (có [[districts]]): lập kế hoạch bằng "
                    f"`scheduler plan-province {scenario}`",
                    "a province scenario (it lists [[districts]]): plan it with "
                    f"`scheduler plan-province {scenario}`",
                ),
                style="bold red",
                markup=False,
            )
            raise typer.Exit(2) from exc
        err.print(f"[bold red]{t('invalid', lang)}[/] ({len(exc.problems)}):")
        for p in exc.problems:
            err.print(f"  - {p.render(lang)}", markup=False)
        raise typer.Exit(2) from exc
    print_warnings(warnings, lang)
    return loaded


def _is_province_file(path: Path) -> bool:
    """Tell whether a TOML file is a province scenario (it lists districts)."""
    import tomllib

    try:
        return "districts" in tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def read_plan_or_exit(plan_file: Path, lang: str = "vi") -> Plan:
    """Read a plan.json, or name the file, say why in the user's language, and exit 2."""
    from scheduler.plan import SCHEMA_VERSION, Plan
    from scheduler.scenario.readers import os_reason

    try:
        return Plan.read(plan_file)
    except OSError as exc:
        vi, en = os_reason(exc)
        vi, en = f"không đọc được tệp ({vi})", f"cannot read the file ({en})"
        failure: BaseException = exc
    except (ValueError, KeyError, TypeError) as exc:
        vi = (
            f"không phải plan.json do scheduler plan ghi (JSON hỏng, thiếu "
            f"trường, hoặc schema_version khác {SCHEMA_VERSION})"
        )
        en = (
            f"not a plan.json written by scheduler plan (broken JSON, a missing "
            f"field, or a schema_version other than {SCHEMA_VERSION})"
        )
        failure = exc
    err.print(f"{plan_file}: {pick(lang, vi, en)}", style="bold red", markup=False)
    raise typer.Exit(2) from failure


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


def interrupted_line(signum: int, lang: str, written: bool = False) -> str:
    """Return the one line an interrupted run prints.

    ``written``: the signal came while the results were being put in place,
    and was held until they were.
    """
    import signal

    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    key = "cli.stopped_after_writing" if written else "cli.stopped"
    return t(key, lang).format(name=name)


def lang_of_argv(argv: list[str]) -> str:
    """Return the ``--lang`` of a command line (for messages outside a command)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.removeprefix("--lang=")
    return "vi"


def utf8_streams() -> None:
    """Write UTF-8 where the console's encoding cannot spell Vietnamese.

    A Windows console or a redirection may use a code page such as cp1252,
    where printing "Lập lịch" raises UnicodeEncodeError.
    """
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper):
            continue
        try:
            "Lập lịch đối thoại".encode(stream.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            stream.reconfigure(encoding="utf-8", errors="replace")
