"""Every command of ``scheduler``, one module per command or group of commands.

Each command is a module-level function. Each module defines ``register(app)``,
which adds its commands to the Typer application by name,
``app.command("name")(function)``, and builds its command groups the same way
(``group.command("name")(function)``, then ``app.add_typer(group, name=...)``).
``register_all`` is called once by ``scheduler.cli``; the order of the calls is
the order of ``scheduler --help``.
"""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    """Add every command group of this package to ``app``."""
    # One import per command module; keep the list sorted.
    from scheduler.commands import (
        charts,
        explain,
        feeds,
        plan,
        province,
        replan,
        serve,
        workbook,
        workspace,
    )

    plan.register(app)  # validate, plan and check come first in --help
    charts.register(app)
    explain.register(app)
    feeds.register(app)
    province.register(app)
    replan.register(app)
    serve.register(app)
    workbook.register(app)
    workspace.register(app)
