"""The ``scheduler`` command: assembles the Typer application from ``scheduler.commands``.

Every command is a module-level function in a module of :mod:`scheduler.commands`,
registered by that module's ``register(app)``. Exit codes: 0 success, 1
unexpected failure, 2 bad input (invalid files, or a scenario whose hard rules
conflict), 3 a plan that breaks hard rules (check).
"""

from __future__ import annotations

import sys

import typer

from scheduler import interrupt
from scheduler.commands import register_all
from scheduler.commands.common import err, interrupted_line, lang_of_argv, utf8_streams

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Lập lịch chiến dịch truyền thông giảm nghèo / Poverty-reduction campaign scheduler.",
)
register_all(app)


def main() -> None:
    """Entry point of the ``scheduler`` command.

    Ctrl-C and SIGTERM end any command with one line and exit code 130 or 143
    (128 + the signal), having written nothing (:mod:`scheduler.interrupt`).
    """
    utf8_streams()
    interrupt.install()
    try:
        app()
    except interrupt.Interrupted as exc:
        line = interrupted_line(exc.signum, lang_of_argv(sys.argv), exc.written)
        err.print(line, markup=False)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
