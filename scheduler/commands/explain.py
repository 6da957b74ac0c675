"""``scheduler explain`` (why no plan, what to change) and ``scheduler suggest`` (what if).

The solver is imported inside the commands only, so that ``scheduler --help``
stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from scheduler.commands.common import (
    Lang,
    check_seconds,
    console,
    err,
    load_or_exit,
    read_plan_or_exit,
    whole_number,
)
from scheduler.errors import say
from scheduler.i18n import number, t, t_of

if TYPE_CHECKING:
    from scheduler.plan import Plan


def tr(key: str, lang: str) -> str:
    """Return a text of these commands in a language."""
    return t(f"explain.{key}", lang)


def score_table(plan: Plan, lang: str, limit: int = 3) -> Table:
    """Return the score breakdown of a plan as a table.

    Parameters
    ----------
    plan : Plan
        A plan (its ``penalties`` carry weights and the events involved).
    lang : str
        ``vi`` or ``en``.
    limit : int
        Most event ids shown per goal (the count of the rest follows).
    """
    table = Table(title=tr("score", lang), title_justify="left")
    for key in ("goal", "weight", "violations", "penalty", "involved"):
        table.add_column(
            tr(key, lang), justify="right" if key != "involved" else "left"
        )
    table.columns[0].justify = "left"
    for p in plan.penalties:
        shown = [*p.events, *p.items]
        involved = ", ".join(shown[:limit])
        if len(shown) > limit:
            involved += f" … (+{len(shown) - limit})"
        table.add_row(
            t("goal." + p.name, lang),
            number(p.weight, lang),
            number(p.violations, lang),
            number(p.penalty, lang),
            involved,
        )
    return table


def print_score(plan: Plan, lang: str) -> None:
    """Print the score breakdown of a plan."""
    console.print(score_table(plan, lang))


def explain(
    scenario: Annotated[
        Path, typer.Argument(help="Tệp kịch bản TOML / scenario TOML file.")
    ],
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="plan.json: giải thích các hoạt động chưa xếp được / "
            "explain what this plan left out.",
        ),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Giây cho mỗi bước / seconds per step.",
            parser=str,
            callback=check_seconds,
        ),
    ] = 60.0,
    relax: Annotated[
        bool,
        typer.Option(
            "--relax/--no-relax", help="Đề xuất nới quy tắc / suggest relaxations."
        ),
    ] = True,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Giải lại với các thay đổi đề xuất / solve again with the changes.",
        ),
    ] = False,
    lang: Lang = "vi",
) -> None:
    """Say why a scenario has no plan (or why a plan left things out), and what to change."""
    from scheduler.calendar import build_grid
    from scheduler.explain import apply_relaxation
    from scheduler.explain import explain as run_explain

    sc = load_or_exit(scenario, lang)
    grid = build_grid(sc, lang)
    try:
        result = run_explain(sc, grid, time_limit, relax)
    except RuntimeError as exc:
        err.print(say(exc, lang), style="bold red", markup=False)
        raise typer.Exit(1) from exc
    console.print(f"[bold]{tr('prechecks', lang)}[/]:")
    for f in result.prechecks:
        console.print(f"  - {f.text(lang)}", markup=False)
    if not result.prechecks:
        console.print(f"  {tr('prechecks.none', lang)}")
    if result.feasible:
        console.print(f"[bold green]{tr('feasible', lang)}[/]")
        _explain_left_out(sc, grid, plan_file, time_limit, lang)
        _print_seconds(result.seconds, lang)
        return
    console.print(f"[bold red]{tr('conflict', lang)}[/]:")
    for f in result.conflicts:
        console.print(f"  - {f.text(lang)}", markup=False)
    console.print(tr("minimal" if result.minimal else "not_minimal", lang))
    if relax:
        table = Table(title=tr("relax", lang), title_justify="left")
        table.add_column(tr("change", lang))
        table.add_column(tr("cost", lang), justify="right")
        for r in result.relaxations:
            table.add_row(r.text(lang), number(r.cost, lang))
        if result.relaxations:
            console.print(table)
            cheapest = "cheapest" if result.relaxation_status == "OPTIMAL" else "found"
            console.print(tr(cheapest, lang))
            proof = {True: "proven", False: "disproven", None: "unproven"}
            console.print(tr(proof[result.relaxation_proven], lang))
        else:
            console.print(f"{tr('relax', lang)}: {tr('relax.none', lang)}")
        if verify and result.relaxations:
            _verify(apply_relaxation(sc, result.relaxations), lang)
    _print_seconds(result.seconds, lang)
    raise typer.Exit(2)


def suggest(
    plan_file: Annotated[Path, typer.Argument(help="plan.json.")],
    event_id: Annotated[str, typer.Argument(help="Mã sự kiện / event id.")],
    scenario: Annotated[
        Path, typer.Option("--scenario", help="Tệp kịch bản TOML / scenario TOML.")
    ],
    k: Annotated[
        int,
        typer.Option(
            "--k",
            help="Số phương án / alternatives.",
            parser=str,
            callback=whole_number(1, 50),
        ),
    ] = 5,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Giây mỗi phương án / per option.",
            parser=str,
            callback=check_seconds,
        ),
    ] = 10.0,
    lang: Lang = "vi",
) -> None:
    """List the best k other half-days (or broadcast days) for one event, with staff and score change."""
    from scheduler.calendar import build_grid
    from scheduler.suggest import alternatives

    sc = load_or_exit(scenario, lang)
    plan = read_plan_or_exit(plan_file, lang)
    if event_id not in {e.event_id for e in plan.events}:
        err.print(f"{tr('unknown_event', lang)} '{event_id}' ({plan_file})")
        raise typer.Exit(2)
    grid = build_grid(sc, lang)
    try:
        options = alternatives(sc, grid, plan, event_id, k, time_limit)
    except ValueError as exc:
        err.print(str(exc))
        raise typer.Exit(2) from exc
    table = Table(title=f"{tr('suggest.title', lang)} {event_id}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column(tr("when", lang))
    table.add_column(tr("delta", lang), justify="right")
    table.add_column(tr("who", lang))
    for n, o in enumerate(options, start=1):
        who = "; ".join(
            f"{role}: {', '.join(people) or '—'}" for role, people in o.staff.items()
        )
        table.add_row(str(n), o.label(lang), f"{o.delta:+,}", who)
    if options:
        console.print(table)
    else:
        console.print(tr("suggest.none", lang))


def register(app: typer.Typer) -> None:
    """Add ``explain`` and ``suggest`` to the application."""
    app.command("explain")(explain)
    app.command("suggest")(suggest)


def _print_seconds(seconds: dict[str, float], lang: str) -> None:
    from scheduler.i18n import seconds as shown

    def step(name: str) -> str:
        return t_of("explain_step", name, lang)

    console.print(
        f"{tr('seconds', lang)}: "
        + ", ".join(f"{step(k)} {shown(v, lang)}" for k, v in seconds.items())
    )


def _verify(relaxed: object, lang: str) -> None:
    from scheduler.check import check_plan
    from scheduler.errors import InfeasibleScenario
    from scheduler.scenario.schema import Scenario
    from scheduler.solver.solve import solve

    assert isinstance(relaxed, Scenario)
    try:
        plan = solve(relaxed)
    except (InfeasibleScenario, RuntimeError):
        console.print(f"[bold red]{tr('verify_failed', lang)}[/]")
        return
    problems = check_plan(relaxed, plan)
    if problems:
        console.print(f"[bold red]{tr('verify_failed', lang)}[/] ({len(problems)})")
    else:
        console.print(f"[green]{tr('verified', lang)}[/]")


def _explain_left_out(
    sc: object, grid: object, plan_file: Path | None, time_limit: float, lang: str
) -> None:
    """Explain the required activities a feasible plan left out."""
    from scheduler.calendar import TimeGrid
    from scheduler.explain import explain_unscheduled
    from scheduler.scenario.schema import Scenario
    from scheduler.solver.solve import solve

    assert isinstance(sc, Scenario)
    assert isinstance(grid, TimeGrid)
    plan = read_plan_or_exit(plan_file, lang) if plan_file else solve(sc, grid)
    print_score(plan, lang)
    if not plan.unscheduled:
        return
    console.print(f"[bold]{tr('left_out', lang)}[/]:")
    for u in plan.unscheduled:
        if u.reason != "left_out":
            where = " ".join(x for x in (u.commune_code, u.period) if x)
            console.print(
                f"  - {u.activity} {where} ×{u.count}: {u.text(lang)}",
                markup=False,
            )
    for item, reasons in explain_unscheduled(sc, grid, plan, time_limit):
        console.print(
            f"  - {item.activity} {item.commune_code or ''} ×{item.count}:",
            markup=False,
        )
        for f in reasons:
            console.print(f"      · {f.text(lang)}", markup=False)
