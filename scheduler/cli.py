"""The ``scheduler`` command: a thin layer over the library.

Exit codes: 0 success, 1 unexpected failure, 2 bad input (invalid files, or a
scenario whose hard rules conflict), 3 a plan that breaks hard rules (check).
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated

import typer

from scheduler.commands import register_all
from scheduler.commands.common import (
    Lang,
    console,
    err,
    load_or_exit,
    read_plan_or_exit,
)
from scheduler.errors import InfeasibleScenario
from scheduler.i18n import number, percent, seconds, t, vnd

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Lập lịch chiến dịch truyền thông giảm nghèo / Poverty-reduction campaign scheduler.",
)


@app.command()
def validate(
    scenario: Annotated[
        Path, typer.Argument(help="Tệp kịch bản TOML / scenario TOML file.")
    ],
    lang: Lang = "vi",
) -> None:
    """Check the scenario files without solving."""
    sc = load_or_exit(scenario, lang)
    console.print(
        f"{t('valid', lang)}: {sc.title} — {len(sc.communes)} xã/communes, "
        f"{len(sc.staff)} cán bộ/staff, {len(sc.activities)} hoạt động/activities"
    )


@app.command()
def plan(
    scenario: Annotated[
        Path, typer.Argument(help="Tệp kịch bản TOML / scenario TOML file.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Thư mục kết quả (mặc định out/<kịch bản>/)."),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", help="Giới hạn thời gian giải (giây)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Số luồng CP-SAT.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Hạt giống ngẫu nhiên.")
    ] = None,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            help="Cùng đầu vào và hạt giống cho cùng kế hoạch (chậm hơn) / "
            "same input and seed give the same plan (slower).",
        ),
    ] = False,
    lang: Lang = "vi",
) -> None:
    """Plan a scenario and write the schedule, plan.json, calendars and report.html."""
    from scheduler.calendar import build_grid
    from scheduler.export.bundle import plan_files
    from scheduler.export.table import write_atomically
    from scheduler.solve import solve

    started = time.perf_counter()
    sc = load_or_exit(scenario, lang)
    overrides: dict[str, object] = {}
    if time_limit is not None:
        overrides["max_time_in_seconds"] = time_limit
    if workers is not None:
        overrides["num_workers"] = workers
    if seed is not None:
        overrides["random_seed"] = seed
    if deterministic:
        # CP-SAT's parallel workers race; interleaving them is repeatable
        overrides["interleave_search"] = True
    grid = build_grid(sc, lang)
    with console.status(f"{t('summary.solving', lang)}…") as status:

        def progress(seconds: float, objective: float, bound: float) -> None:
            status.update(
                f"{t('summary.solving', lang)}… {seconds:5.1f}s  "
                f"{t('summary.objective', lang)} {number(objective, lang)}  "
                f"{t('summary.bound', lang)} {number(bound, lang)}"
            )

        try:
            result = solve(sc, grid, overrides=overrides, progress=progress)
        except InfeasibleScenario as exc:
            err.print(f"[bold red]{t('infeasible', lang)}:[/]")
            for reason in exc.render(lang):
                err.print(f"  - {reason}", markup=False)
            hint = t("infeasible.explain", lang)
            err.print(f"{hint}: scheduler explain {scenario}", markup=False)
            raise typer.Exit(2) from exc
        except RuntimeError as exc:
            err.print(f"[bold red]{exc}[/]")
            raise typer.Exit(1) from exc
    folder = out or Path("out") / sc.name
    write_atomically(folder, plan_files(sc, result, lang))
    print_summary(sc, result, lang)
    console.print(
        f"{t('summary.written', lang)} {folder}/ "
        f"({seconds(time.perf_counter() - started, lang)})"
    )


def print_summary(sc, result, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Print the planner's summary of a plan."""
    from scheduler.calendar import quarter_key
    from scheduler.leftout import placed_of

    console.print(f"[bold]{result.title}[/]")
    for act_id, spec in sc.activities.items():
        name = spec.name_en if lang == "en" else spec.name_vi
        n = len(result.by_activity(act_id))
        held, need, extra = placed_of(result, act_id)
        if spec.kind == "training":
            console.print(f"  {name}: {n} lớp/classes, {held}/{need} xã/communes")
        else:
            more = f", +{extra} {t('summary.extra', lang)}" if extra else ""
            console.print(
                f"  {name}: {held}/{need} ({t('summary.placed', lang)}{more})"
            )
    per_commune = Counter(
        e.commune_code for e in result.events if e.kind == "broadcast"
    )
    if per_commune:
        lo, hi = min(per_commune.values()), max(per_commune.values())
        console.print(f"  {t('summary.broadcasts_per_commune', lang)}: {lo}–{hi}")
    console.print(f"[bold]{t('summary.spend', lang)}[/]")
    spent: dict[tuple[str | None, str], int] = defaultdict(int)
    for e in result.events:
        spent[(e.funding_source, quarter_key(e.start.date()))] += e.cost_vnd
    for f in sc.funding:
        name = f.name_en if lang == "en" else f.name_vi
        for q, allowance in sorted(f.allowance_vnd.items()):
            used = spent.get((f.id, q), 0)
            console.print(f"  {name} {q}: {vnd(used, lang)} / {vnd(allowance, lang)}")
    load = Counter(a.staff_id for e in result.events for a in e.staff)
    if load:
        console.print(
            f"[bold]{t('summary.staff_load', lang)}[/]: "
            + ", ".join(f"{pid} {n}" for pid, n in sorted(load.items()))
        )
    if result.unscheduled:
        console.print(
            f"[bold]{t('summary.unscheduled', lang)}[/]: {len(result.unscheduled)}"
        )
        for u in result.unscheduled[:10]:
            console.print(
                f"  {u.activity} {u.commune_code or ''} {u.period or ''} ×{u.count}: "
                f"{u.text(lang)}",
                markup=False,
            )
    from scheduler.commands.explain import print_score

    print_score(result, lang)
    s = result.solver
    console.print(
        f"[bold]{t('summary.solver', lang)}[/]: {s.solver}, {t('summary.status', lang)} {s.status}, "
        f"{t('summary.objective', lang)} {number(s.objective, lang)}, "
        f"{t('summary.bound', lang)} {number(s.bound, lang)}, "
        f"{t('summary.gap', lang)} {percent(s.gap, lang, 2)}, "
        f"{t('summary.wall', lang)} {seconds(s.wall_time_s, lang)}"
    )


@app.command()
def check(
    scenario: Annotated[
        Path, typer.Argument(help="Tệp kịch bản TOML / scenario TOML file.")
    ],
    plan_file: Annotated[Path, typer.Argument(help="plan.json.")],
    lang: Lang = "vi",
) -> None:
    """Verify a plan against the scenario's hard rules (independent of the solver)."""
    from scheduler.check import check_plan

    sc = load_or_exit(scenario, lang)
    result = read_plan_or_exit(plan_file)
    problems = check_plan(sc, result)
    if problems:
        err.print(f"[bold red]{t('check.bad', lang)}[/] ({len(problems)}):")
        for v in problems:
            err.print(f"  - {v}", markup=False)
        raise typer.Exit(3)
    console.print(f"{t('check.ok', lang)} ({len(result.events)} events).")


register_all(app)


def main() -> None:
    """Entry point of the ``scheduler`` command."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted; earlier results are left as they were")
        sys.exit(1)


if __name__ == "__main__":
    main()
