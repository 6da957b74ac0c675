"""``scheduler validate``, ``plan`` and ``check``: the scenario, its plan, the proof.

Exit codes: 0 success, 1 unexpected failure, 2 bad input (invalid files, or a
scenario whose hard rules conflict), 3 a plan that breaks hard rules (check).
"""

from __future__ import annotations

import gc
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scheduler.commands.common import (
    Lang,
    check_seconds,
    check_seed,
    check_workers,
    console,
    err,
    load_or_exit,
    output_folder,
    read_plan_or_exit,
)
from scheduler.errors import InfeasibleScenario, say
from scheduler.i18n import name_in, number, percent, pick, seconds, t, vnd

if TYPE_CHECKING:
    from scheduler.export.forked import Helper
    from scheduler.plan import Plan
    from scheduler.scenario.schema import Scenario


def register(app: typer.Typer) -> None:
    """Add ``validate``, ``plan`` and ``check`` to the application."""
    app.command("validate")(validate)
    app.command("plan")(plan)
    app.command("check")(check)


def validate(
    scenario: Annotated[
        Path, typer.Argument(help="Tệp kịch bản TOML / scenario TOML file.")
    ],
    lang: Lang = "vi",
) -> None:
    """Check the scenario files without solving."""
    sc = load_or_exit(scenario, lang)
    counts = pick(
        lang,
        f"{len(sc.communes)} xã, {len(sc.staff)} cán bộ, "
        f"{len(sc.activities)} hoạt động",
        f"{len(sc.communes)} communes, {len(sc.staff)} staff, "
        f"{len(sc.activities)} activities",
    )
    console.print(f"{t('valid', lang)}: {sc.title} — {counts}")


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
        typer.Option(
            "--time-limit",
            help="Giới hạn thời gian giải (giây).",
            parser=str,
            callback=check_seconds,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", help="Số luồng CP-SAT.", parser=str, callback=check_workers
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", help="Hạt giống ngẫu nhiên.", parser=str, callback=check_seed
        ),
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
    from scheduler.export.bundle import start_helper
    from scheduler.export.forked import spare_core
    from scheduler.export.table import write_atomically
    from scheduler.outputs import outputs_now

    started = time.perf_counter()
    # what is loaded so far lives until the end: the collector need not walk
    # it on every full collection of the model build and the outputs
    gc.freeze()
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
    folder = out or Path("out") / sc.name
    # if a core is free, a second process imports the workbook's and the
    # reports' libraries while this one imports the solver and builds the
    # model, then makes those files beside the calendars and the document
    helper = start_helper(sc, lang) if spare_core() else None
    try:
        with output_folder(folder, lang):
            result = _solve_for_cli(sc, scenario, overrides, lang, helper)
            files, feed_notes = outputs_now(sc, result, lang, helper=helper)
            write_atomically(folder, files)
    finally:
        if helper is not None:  # no plan (a conflict, an interrupt): not needed
            helper.cancel()
    print_summary(sc, result, lang)
    for note in feed_notes:  # a feed split or shortened to stay under 1 MB
        console.print(note, style="yellow", markup=False)
    console.print(
        f"{t('summary.written', lang)} {folder}/ "
        f"({seconds(time.perf_counter() - started, lang)})"
    )


def _solve_for_cli(
    sc: Scenario,
    scenario: Path,
    overrides: dict[str, object],
    lang: str,
    helper: Helper[dict[str, bytes]] | None = None,
) -> Plan:
    """Solve with a progress line; a conflict exits 2, no plan in time exits 1.

    The public holidays come from ``helper`` if it read them meanwhile (this
    process then never imports the holidays package), else are read here.
    """
    from scheduler.calendar import build_grid
    from scheduler.explain import explained
    from scheduler.solver.solve import solve

    public = helper.early(wait_s=0.1) if helper is not None else None
    grid = build_grid(sc, lang, public)
    with console.status(f"{t('summary.solving', lang)}…") as status:

        def progress(seconds: float, objective: float, bound: float) -> None:
            status.update(
                f"{t('summary.solving', lang)}… {seconds:5.1f}s  "
                f"{t('summary.objective', lang)} {number(objective, lang)}  "
                f"{t('summary.bound', lang)} {number(bound, lang)}"
            )

        try:
            with explained(sc, grid):
                result = solve(sc, grid, overrides=overrides, progress=progress)
        except InfeasibleScenario as exc:
            err.print(f"[bold red]{t('infeasible', lang)}:[/]")
            for reason in exc.render(lang):
                err.print(f"  - {reason}", markup=False)
            hint = t("infeasible.explain", lang)
            err.print(f"{hint}: scheduler explain {scenario}", markup=False)
            raise typer.Exit(2) from exc
        except RuntimeError as exc:
            err.print(say(exc, lang), style="bold red", markup=False)
            raise typer.Exit(1) from exc
    return result


def print_summary(sc: Scenario, result: Plan, lang: str) -> None:
    """Print the planner's summary of a plan."""
    from scheduler.calendar import quarter_key
    from scheduler.leftout import placed_of

    console.print(f"[bold]{result.title}[/]")
    for act_id, spec in sc.activities.items():
        name = name_in(spec, lang)
        n = len(result.by_activity(act_id))
        held, need, extra = placed_of(result, act_id)
        if spec.kind == "training":
            classes, communes = t("word.classes", lang), t("word.communes", lang)
            console.print(f"  {name}: {n} {classes}, {held}/{need} {communes}")
        else:
            more = f", +{extra} {t('summary.extra', lang)}" if extra else ""
            counted = "summary.placed" + (
                "_publication" if spec.kind == "publication" else ""
            )
            console.print(f"  {name}: {held}/{need} ({t(counted, lang)}{more})")
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
        name = name_in(f, lang)
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
    result = read_plan_or_exit(plan_file, lang)
    problems = check_plan(sc, result)
    if problems:
        err.print(f"[bold red]{t('check.bad', lang)}[/] ({len(problems)}):")
        for v in problems:
            err.print(f"  - {v.render(lang)}", markup=False)
        raise typer.Exit(3)
    events = t("cli.events", lang)
    console.print(f"{t('check.ok', lang)} ({len(result.events)} {events}).")
