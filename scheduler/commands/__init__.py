"""Sub-commands of ``scheduler`` that live outside ``scheduler.cli``.

Each module here defines ``register(app)``, which adds its commands to the
Typer application. ``register_all`` is called once by ``scheduler.cli``.
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
        province,
        replan,
        serve,
        workbook,
        workspace,
    )

    charts.register(app)
    explain.register(app)
    feeds.register(app)
    province.register(app)
    replan.register(app)
    serve.register(app)
    workbook.register(app)
    workspace.register(app)
