"""``scheduler replan``: a new plan after real changes, keeping the past and the locks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from scheduler.commands.common import (
    Lang,
    check_seconds,
    console,
    err,
    load_or_exit,
    output_folder,
    read_plan_or_exit,
)
from scheduler.errors import InfeasibleScenario, ScenarioError, say
from scheduler.i18n import pick, seconds, t


def replan(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.json đang dùng.")],
    today: Annotated[
        str,
        typer.Option("--today", help="YYYY-MM-DD: giữ nguyên mọi thứ trước ngày này."),
    ],
    changes_file: Annotated[
        Path, typer.Option("--changes", help="changes.toml (docs/replan.md).")
    ],
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="Kịch bản TOML (mặc định configs/scenarios/<tên kịch bản>.toml).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Thư mục kết quả (mặc định out/<kịch bản>-replan/)."
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Giới hạn thời gian giải (giây).",
            parser=str,
            callback=check_seconds,
        ),
    ] = None,
    lang: Lang = "vi",
) -> None:
    """Re-plan from --today with the changes; write the plan files and changes.csv."""
    from scheduler.export.table import write_atomically
    from scheduler.outputs import files_now
    from scheduler.replan import changes_csv, check_changes, read_changes
    from scheduler.replan import replan as run_replan

    old = read_plan_or_exit(plan_file, lang)
    try:
        day = dt.date.fromisoformat(today)
    except ValueError as exc:
        err.print(f"--today: '{today}' không phải ngày YYYY-MM-DD / not a date")
        raise typer.Exit(2) from exc
    if not old.horizon_start <= day <= old.horizon_end + dt.timedelta(days=1):
        err.print(
            f"--today {day} nằm ngoài kế hoạch / outside the plan "
            f"({old.horizon_start}–{old.horizon_end})"
        )
        raise typer.Exit(2)
    path = scenario or Path("configs/scenarios") / f"{old.scenario}.toml"
    if not path.exists():
        err.print(f"--scenario: không thấy / not found: {path}")
        raise typer.Exit(2)
    sc = load_or_exit(path, lang)
    try:
        changes = read_changes(changes_file)
    except ScenarioError as exc:
        for p in exc.problems:
            err.print(f"  - {p.render(lang)}", markup=False)
        raise typer.Exit(2) from exc
    problems = check_changes(changes, sc, old, changes_file.name)
    if problems:
        for p in problems:
            err.print(f"  - {p.render(lang)}", markup=False)
        raise typer.Exit(2)
    if old.input_hash != sc.input_hash:
        err.print(
            "[yellow]plan.json được lập cho phiên bản kịch bản khác / "
            "the plan was made for another version of the scenario[/]"
        )
    overrides = {"max_time_in_seconds": time_limit} if time_limit else None
    folder = out or Path("out") / f"{sc.name}-replan"
    with output_folder(folder, lang):
        with console.status(f"{t('summary.solving', lang)}…"):
            try:
                result = run_replan(sc, old, day, changes, overrides)
            except InfeasibleScenario as exc:
                err.print(f"[bold red]{t('infeasible', lang)}:[/]")
                for reason in exc.render(lang):
                    err.print(f"  - {reason}", markup=False)
                raise typer.Exit(2) from exc
            except RuntimeError as exc:
                err.print(say(exc, lang), style="bold red", markup=False)
                raise typer.Exit(1) from exc
        plan = result.plan
        files = files_now(result.scenario, plan, lang)
        files["changes.csv"] = changes_csv(plan, lang)
        write_atomically(folder, files)
    table = Table(
        title="Thay đổi so với kế hoạch cũ"
        if lang != "en"
        else "Changes against the old plan",
        title_justify="left",
    )
    for head in (
        ("Mã sự kiện", "Event"),
        ("Thay đổi", "Change"),
        ("Cũ", "Old"),
        ("Mới", "New"),
        ("Lý do", "Reason"),
    ):
        table.add_column(pick(lang, *head))
    for c in plan.changes:
        old_when = c.old_start.strftime("%d/%m %H:%M") if c.old_start else ""
        new_when = c.new_start.strftime("%d/%m %H:%M") if c.new_start else ""
        if c.kind in ("restaffed", "moved_restaffed"):
            old_when += f" ({', '.join(c.old_staff)})"
            new_when += f" ({', '.join(c.new_staff)})"
        if c.old_source != c.new_source and c.old_source and c.new_source:
            old_when += f" [{c.old_source}]"
            new_when += f" [{c.new_source}]"
        kind = t(f"change.{c.kind}", lang)
        reason = pick(lang, c.reason, c.reason_en or c.reason)
        table.add_row(c.event_id, kind, old_when, new_when, reason)
    pinned = sum(1 for e in plan.events if e.status == "pinned")
    console.print(
        f"{pinned} sự kiện trước {day:%d/%m/%Y} giữ nguyên / kept before {day}; "
        f"{len(plan.changes)} thay đổi / changes"
    )
    if plan.changes:
        console.print(table)
    s = plan.solver
    console.print(
        f"{t('summary.status', lang)} {s.status}, {t('summary.wall', lang)} "
        f"{seconds(s.wall_time_s, lang)}; {t('summary.written', lang)} {folder}/"
    )


def register(app: typer.Typer) -> None:
    """Add ``replan`` to the application."""
    app.command("replan")(replan)
