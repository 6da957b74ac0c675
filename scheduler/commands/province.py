"""``scheduler plan-province`` and ``scheduler sweep``: many solves, on Dask.

Both run their solves on an embedded Dask ``LocalCluster`` (``--workers``
processes, one thread each) or on an existing scheduler (``--cluster
tcp://host:8786``), with a progress bar per phase either way.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TimeElapsedColumn,
)
from rich.table import Table

from scheduler.commands.common import (
    Lang,
    check_seconds,
    check_workers,
    console,
    err,
    load_or_exit,
    output_folder,
)
from scheduler.errors import ScenarioError, say
from scheduler.i18n import number, percent, seconds, t

if TYPE_CHECKING:
    from scheduler.province.result import ProvincePlan
    from scheduler.province.runner import Runner
    from scheduler.province.schema import ProvinceScenario
    from scheduler.scenario.schema import Scenario
    from scheduler.sweep import SweepPoint

Workers = Annotated[
    int,
    typer.Option(
        "--workers",
        help="Số tiến trình Dask cục bộ / local Dask workers.",
        parser=str,
        callback=check_workers,
    ),
]
Cluster = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="Địa chỉ bộ lập lịch Dask có sẵn / existing Dask scheduler (tcp://host:8786).",
    ),
]
InProcess = Annotated[
    bool,
    typer.Option(
        "--in-process",
        help="Giải tuần tự trong tiến trình này, không dùng Dask / no Dask, one solve at a time.",
    ),
]


def _t(vi: str, en: str, lang: str) -> str:
    return en if lang == "en" else vi


# a sweep's solver statuses as the table shows them
_STATUS = {
    "OPTIMAL": ("tối ưu", "optimal"),
    "FEASIBLE": ("khả thi", "feasible"),
    "INFEASIBLE": ("không khả thi", "infeasible"),
    "ERROR": ("lỗi", "error"),
}

# where a district's plan came from (ProvincePlan's ``source``), as the table
# shows it; the CSV and JSON keep the codes
_SOURCE = {
    "final": ("giải theo phân bổ", "final solve"),
    "curve": ("phương án giá", "price column"),
    "repair": ("sửa lịch", "repair"),
    "leftover": ("ngân sách dư", "leftover"),
    "merged": ("cả tỉnh giải chung", "whole province"),
}


def _word(words: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    vi, en = words.get(code, (code, code))
    return _t(vi, en, lang)


def _decimal(text: str, lang: str) -> str:
    """Give a formatted number the Vietnamese decimal comma (``0.8`` → ``0,8``)."""
    return text if lang == "en" else text.replace(".", ",")


def _millions(amount: int, lang: str) -> str:
    """Format VND in millions, two decimals at most: ``1.307,2`` / ``1,307.2``."""
    shown = f"{amount / 1_000_000:,.2f}".rstrip("0").removesuffix(".")
    if lang == "en":
        return shown
    return shown.translate(str.maketrans(",.", ".,"))


def _sweep_status(p: SweepPoint, lang: str) -> str:
    """Return a sweep point's status in the planner's language."""
    if p.status.startswith("gap ") and p.objective and p.bound is not None:
        gap = max(p.objective - p.bound, 0.0) / p.objective
        if p.objective - p.bound < 0.5:  # objectives are integers: proven optimal
            return _word(_STATUS, "OPTIMAL", lang)
        return f"{_t('khoảng cách', 'gap', lang)} {percent(gap, lang, 2)}"
    return _word(_STATUS, p.status, lang)


# the phases' progress lines in Vietnamese (a trailing round number is kept)
_PHASES_VI = {
    "seeds": "phương án ban đầu",
    "prices": "vòng giá",
    "whole province": "cả tỉnh",
    "districts": "các huyện",
    "repair": "sửa lịch",
    "leftover": "ngân sách dư",
    "sweep": "các mức ngân sách",
}


def _phase(label: str, lang: str) -> str:
    """Return a phase label in the planner's language (``prices 2`` → ``vòng giá 2``)."""
    if lang == "en":
        return label
    name, _, number = label.rpartition(" ")
    if name in _PHASES_VI and number.isdigit():
        return f"{_PHASES_VI[name]} {number}"
    return _PHASES_VI.get(label, label)


@contextmanager
def _runner(
    workers: int, cluster: str | None, in_process: bool, lang: str = "en"
) -> Iterator[Runner]:
    """Yield a runner with a rich progress bar for each phase."""
    from scheduler.province.runner import InProcessRunner, dask_runner

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        bars: dict[str, TaskID] = {}

        def on_progress(label: str, done: int, total: int) -> None:
            if label not in bars:
                bars[label] = bar.add_task(_phase(label, lang), total=total)
            bar.update(bars[label], completed=done, total=total)

        if in_process:
            yield InProcessRunner(on_progress)
        else:
            with dask_runner(workers, cluster, on_progress) as runner:
                yield runner


def load_province_or_exit(path: Path, lang: str) -> ProvinceScenario:
    """Load a province scenario, or print every problem and exit with code 2."""
    from scheduler.province.load import load_province

    try:
        return load_province(path)
    except ScenarioError as exc:
        err.print(f"[bold red]{t('invalid', lang)}[/] ({len(exc.problems)}):")
        for p in exc.problems:
            err.print(f"  - {p.render(lang)}", markup=False)
        raise typer.Exit(2) from exc


def register(app: typer.Typer) -> None:
    """Add ``plan-province``, ``sweep`` and ``bench`` to the application."""
    app.command("bench")(bench_command)
    app.command("plan-province")(plan_province_command)
    app.command("sweep")(sweep_command)


def plan_province_command(
    scenario: Annotated[
        Path, typer.Argument(help="Tệp kịch bản tỉnh / province TOML.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Thư mục kết quả (mặc định out/<tỉnh>/)."),
    ] = None,
    workers: Workers = 2,
    cluster: Cluster = None,
    in_process: InProcess = False,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            help="Cùng đầu vào cho cùng kế hoạch / same input, same plan.",
        ),
    ] = False,
    lang: Lang = "vi",
) -> None:
    """Plan every district of a province sharing trainers and budget (Dask)."""
    province = load_province_or_exit(scenario, lang)
    folder = out or Path("out") / province.name
    with output_folder(folder, lang):
        problems = _plan_and_write(
            province, folder, workers, cluster, in_process, deterministic, lang
        )
    if problems:
        raise typer.Exit(1)


def sweep_command(
    scenario: Annotated[
        Path,
        typer.Argument(help="Kịch bản huyện hoặc tỉnh / district or province TOML."),
    ],
    budget_scale: Annotated[
        str,
        typer.Option(
            "--budget-scale",
            help="Các hệ số ngân sách start:stop:step hoặc a,b,c / budget scales.",
        ),
    ] = "0.5:1.2:0.1",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Thư mục kết quả (mặc định out/<kịch bản>-sweep/)."),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Giới hạn mỗi lần giải (giây) / per solve.",
            parser=str,
            callback=check_seconds,
        ),
    ] = None,
    workers: Workers = 2,
    cluster: Cluster = None,
    in_process: InProcess = False,
    lang: Lang = "vi",
) -> None:
    """Plan the same scenario at several budget scales; chart coverage vs budget."""
    from scheduler.province.load import is_province_file
    from scheduler.sweep import (
        at_solve_limit,
        parse_scales,
        sweep_district,
        sweep_province,
    )

    try:
        scales = parse_scales(budget_scale, lang)
    except ValueError as exc:
        err.print(f"[bold red]--budget-scale: {exc}[/]")
        raise typer.Exit(2) from exc
    province: ProvinceScenario | None = None
    sc: Scenario | None = None
    if is_province_file(scenario):
        province = load_province_or_exit(scenario, lang)
        name, title = province.name, province.title
        if time_limit is not None:
            province = at_solve_limit(province, time_limit)
    else:
        sc = load_or_exit(scenario, lang)
        name, title = sc.name, sc.title
    folder = out or Path("out") / f"{name}-sweep"
    with output_folder(folder, lang):
        with _runner(workers, cluster, in_process, lang) as runner:
            if province is not None:
                points = sweep_province(province, scales, runner)
            else:
                assert sc is not None
                overrides: dict[str, object] = {"num_workers": 1}
                if time_limit is not None:
                    overrides["max_time_in_seconds"] = time_limit
                points = sweep_district(sc, scales, runner, overrides)
        _write_sweep(folder, points, title, lang)
    console.print(f"{_t('Đã ghi kết quả vào', 'Results written to', lang)} {folder}/")


def _write_sweep(folder: Path, points: list[SweepPoint], title: str, lang: str) -> None:
    """Print the sweep's table and write sweep.csv, sweep.json and sweep.html."""
    from scheduler.export.table import write_atomically
    from scheduler.sweep import chart_html, points_csv, points_json

    table = Table(title=_t("Độ bao phủ theo ngân sách", "Coverage vs budget", lang))
    rows = [
        (
            _decimal(f"{p.scale:g}", lang),
            _millions(p.budget_vnd, lang),
            _millions(p.spent_vnd, lang),
            percent(p.coverage, lang) if p.coverage is not None else "-",
            str(p.unscheduled),
            number(p.objective, lang) if p.objective is not None else "-",
            _sweep_status(p, lang),
            _decimal(f"{p.wall_s:.1f}", lang),
        )
        for p in points
    ]
    headers = (
        _t("hệ số", "scale", lang),
        _t("ngân sách (triệu đ)", "budget (million VND)", lang),
        _t("đã chi (triệu đ)", "spent (million VND)", lang),
        _t("bao phủ", "coverage", lang),
        _t("chưa xếp", "unscheduled", lang),
        _t("mục tiêu", "objective", lang),
        _t("trạng thái", "status", lang),
        "s",
    )
    for k, col in enumerate(headers):
        # a column is as wide as its longest number (numbers are never cut
        # or folded), its header wraps between words, the status too
        longest = max((len(r[k]) for r in rows), default=1)
        table.add_column(
            col,
            justify="right",
            overflow="fold",
            min_width=min(longest, 12) if k != 6 else None,
        )
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for p in points:
        if p.error:
            why = p.error_vi if lang == "vi" and p.error_vi else p.error
            console.print(
                f"×{_decimal(f'{p.scale:g}', lang)}: {why[:300]}", markup=False
            )
    write_atomically(
        folder,
        {
            "sweep.csv": points_csv(points),
            "sweep.json": points_json(points),
            "sweep.html": chart_html(points, title, lang),
        },
    )


def _plan_and_write(
    province: ProvinceScenario,
    folder: Path,
    workers: int,
    cluster: str | None,
    in_process: bool,
    deterministic: bool,
    lang: str,
) -> int:
    """Plan a province, write its folder, print the table; return the violations."""
    from scheduler.export.table import write_atomically
    from scheduler.outputs import province_files_now
    from scheduler.province.decompose import plan_province
    from scheduler.province.shared import check_province

    started = time.perf_counter()
    try:
        with _runner(workers, cluster, in_process, lang) as runner:
            result = plan_province(province, runner, deterministic=deterministic)
    except RuntimeError as exc:
        err.print(say(exc, lang), style="bold red", markup=False)
        raise typer.Exit(1) from exc
    violations = check_province(province, result)
    for district, v in violations.districts:
        err.print(f"  {district}: {v.render(lang)}", markup=False)
    for v in violations.shared:
        err.print(f"  {v.render(lang)}", markup=False)
    problems = len(violations)
    write_atomically(folder, province_files_now(province, result, problems, lang))
    console.print(_district_table(result, lang))
    console.print(_totals(result, problems, lang))
    console.print(
        f"{_t('Đã ghi kết quả vào', 'Results written to', lang)} {folder}/ "
        f"({seconds(time.perf_counter() - started, lang)}, {result.solves} "
        f"{_t('lần giải', 'solves', lang)}, {result.workers} worker)"
    )
    return problems


def _district_table(result: ProvincePlan, lang: str) -> Table:
    """Return the table of districts: objective, status, where the plan came from."""
    table = Table(title=result.province)
    for col in (
        _t("huyện", "district", lang),
        _t("xã", "communes", lang),
        _t("mục tiêu", "objective", lang),
        _t("trạng thái", "status", lang),
        _t("nguồn", "from", lang),
        _t("phân bổ (đ)", "allocation (VND)", lang),
    ):
        table.add_column(col)
    for r in result.districts:
        table.add_row(
            r.district,
            str(len(r.scenario.communes)),
            number(r.plan.solver.objective, lang),
            _word(_STATUS, r.plan.solver.status, lang),
            _word(_SOURCE, r.source, lang),
            ", ".join(
                f"{q} {number(v, lang)}" for q, v in sorted(r.allocation.items())
            ),
        )
    return table


def _totals(result: ProvincePlan, problems: int, lang: str) -> str:
    """Return the line of totals: objective, bound, gap and the checks."""
    return (
        _t("Tổng mục tiêu", "Total objective", lang)
        + f" {number(result.objective, lang)}, "
        + _t("cận dưới hợp lệ", "valid lower bound", lang)
        + f" {number(result.bound, lang)}"
        + (
            _t(" (cả tỉnh giải chung)", " (whole province solved as one)", lang)
            if result.bound_from == "merged"
            else ""
        )
        + ", "
        + _t("khoảng cách", "gap", lang)
        + f" {percent(result.gap, lang, digits=2)}; "
        + _t("kiểm tra", "checks", lang)
        + (f": {problems} " + _t("vi phạm", "violations", lang) if problems else " OK")
    )


BENCH_ROWS = (
    ("instance", "instance"),
    ("communes", "communes"),
    ("staff", "provincial staff"),
    ("officials", "commune officials"),
    ("variables", "model variables"),
    ("booleans", "of which booleans"),
    ("constraints", "constraints"),
    ("build_s", "build time (s)"),
    ("first_feasible_s", "time to first feasible (s)"),
    ("best_s", "time to best / wall (s)"),
    ("solve_s", "solve time (s)"),
    ("solve_s_runs", "solve time, each run (s)"),
    ("build_over_solve", "build / solve"),
    ("status", "status"),
    ("objective", "objective"),
    ("bound", "bound"),
    ("gap", "gap"),
    ("peak_mib", "peak memory (MiB)"),
    ("coverage", "weighted coverage"),
    ("greedy_objective", "greedy objective"),
    ("greedy_coverage", "greedy weighted coverage"),
    ("binding_scale", "binding budget scale"),
    ("binding_status", "binding: status (CP-SAT + HiGHS)"),
    ("binding_objective", "binding: objective"),
    ("binding_bound", "binding: bound"),
    ("binding_gap", "binding: gap"),
    ("binding_solve_s", "binding: solve time (s)"),
    ("binding_cpsat_status", "binding: CP-SAT alone, status"),
    ("binding_cpsat_bound", "binding: CP-SAT alone, bound"),
    ("binding_cpsat_gap", "binding: CP-SAT alone, gap"),
    ("binding_cpsat_solve_s", "binding: CP-SAT alone, time (s)"),
    ("binding_coverage", "binding: coverage"),
    ("binding_greedy_objective", "binding: greedy objective"),
    ("binding_greedy_coverage", "binding: greedy coverage"),
    ("highs_model", "HiGHS model"),
    ("highs_status", "HiGHS status"),
    ("highs_s", "HiGHS time (s)"),
    ("highs_s_runs", "HiGHS time, each run (s)"),
    ("cpsat_over_highs", "CP-SAT time / HiGHS time"),
    ("highs_objective", "HiGHS objective"),
    ("highs_bound", "HiGHS bound"),
    ("highs_gap", "HiGHS gap"),
    ("solve_s_1_thread", "CP-SAT 1 thread (s)"),
    ("repeats", "runs per solver (medians)"),
    ("wall_s_by_workers", "wall by Dask workers (s)"),
    ("speedup_2_over_1", "speed-up 2 over 1"),
    ("without_plan", "districts without a plan"),
    ("wall_s", "wall, all of it (s)"),
)


def _fmt(key: str, value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and ("coverage" in key or "gap" in key):
        return f"{value:.2%}"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


BENCH_SIZES = ("district", "province", "country", "two-level", "two-level-country")
TwoLevelOptions = Annotated[
    str | None,
    typer.Option(
        "--two-level",
        help="Tỉnh 2025 cho cỡ two-level (mặc định 40; vd 40,38,79) / "
        "provinces of 2025 for the two-level size.",
    ),
]
TwoLevelCountryOptions = Annotated[
    str | None,
    typer.Option(
        "--two-level-country",
        help="Chỉ các tỉnh này (vd 11,12,14) thay cho cả 34 tỉnh / a subset of "
        "the 34 provinces for the two-level-country size.",
    ),
]
TwoLevelHighs = Annotated[
    bool,
    typer.Option(
        "--two-level-highs/--no-two-level-highs",
        help="Giải thêm bằng HiGHS trên cùng mô hình / also solve each two-level "
        "instance with HiGHS alone (default on).",
    ),
]
TwoLevelCommunes = Annotated[
    int | None,
    typer.Option(
        "--two-level-communes",
        min=1,
        help="Chỉ lập cho chừng ấy xã mỗi tỉnh / plan only this many communes "
        "of each two-level province.",
    ),
]


def _two_level_codes(
    provinces: str | None, country: str | None
) -> tuple[list[str], list[str]]:
    """Return the two-level size's and country's province codes, checked.

    Raises
    ------
    ValueError
        For a code that is not a province of 2025.
    """
    from scheduler.units import provinces_2025, wards_of_province_2025

    one = [p.strip() for p in (provinces or "40").split(",") if p.strip()]
    every = [p.strip() for p in country.split(",") if p.strip()] if country else []
    for code in (*one, *every):
        wards_of_province_2025(code)
    return one, every or sorted(provinces_2025())


def _bench_two_level(
    wanted: list[str],
    codes: tuple[list[str], list[str]],
    factories: Callable[[], dict[int, Any]],
    seed: int,
    time_limit: float | None,
    communes: int | None,
    gap: float,
    highs: bool,
) -> dict[str, Any]:
    """Run the two-level sizes that are wanted (60 s and 15 s per solve by default)."""
    from scheduler.bench.two_level_bench import (
        bench_two_level,
        bench_two_level_country,
    )

    out: dict[str, Any] = {}
    if "two-level" in wanted:
        with console.status("two-level…"):
            out.update(
                bench_two_level(
                    codes[0], seed, time_limit or 60.0, communes=communes, highs=highs
                )
            )
    if "two-level-country" in wanted:
        out["two-level-country"] = bench_two_level_country(
            factories(), codes[1], seed, time_limit or 15.0, gap, communes, highs
        )
    return out


def bench_command(
    sizes: Annotated[
        str,
        typer.Option(
            "--sizes",
            help="district,province,country,two-level,two-level-country (any of them).",
        ),
    ] = "district,province",
    workers: Workers = 2,
    cluster: Cluster = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Giới hạn mỗi lần giải (giây) / per solve (default 30/1.5/2.5 by size).",
            parser=str,
            callback=check_seconds,
        ),
    ] = None,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="Ghi kết quả JSON / write JSON here."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống / seed.")] = 1,
    district: Annotated[
        str, typer.Option("--district", help="Mã huyện 2023 / district code.")
    ] = "431",
    province: Annotated[
        str, typer.Option("--province", help="Mã tỉnh 2023 / province code.")
    ] = "52",
    speedup: Annotated[
        bool,
        typer.Option(
            "--speedup/--no-speedup",
            help="Chạy thêm với 1 worker để đo tăng tốc / also run on 1 worker.",
        ),
    ] = True,
    repeats: Annotated[
        int,
        typer.Option(
            "--repeats",
            min=1,
            help="Số lần giải huyện, lấy trung vị / district runs per solver "
            "(seeds seed, seed+1, …; medians).",
        ),
    ] = 3,
    budget_scale: Annotated[
        float,
        typer.Option(
            "--budget-scale",
            min=0.01,
            help="Hệ số ngân sách tỉnh / scale of the province's pooled "
            "budget (below 1 it binds).",
        ),
    ] = 0.8,
    province_time: Annotated[
        float,
        typer.Option(
            "--province-time",
            min=1.0,
            help="Giới hạn thời gian cả tỉnh (giây) / the province "
            "decomposition's time limit in seconds (the run with most workers).",
        ),
    ] = 60.0,
    country_gap: Annotated[
        float,
        typer.Option(
            "--country-gap",
            min=0.0,
            help="Dừng mỗi huyện khi sai số ≤ mức này / stop each district of "
            "the country run once proven within this gap.",
        ),
    ] = 0.01,
    country_provinces: Annotated[
        str | None,
        typer.Option(
            "--country-provinces",
            help="Chỉ các tỉnh này (vd 01,02) thay cho cả nước / "
            "a subset of provinces instead of the whole country.",
        ),
    ] = None,
    two_level: TwoLevelOptions = None,
    two_level_country: TwoLevelCountryOptions = None,
    two_level_communes: TwoLevelCommunes = None,
    two_level_highs: TwoLevelHighs = True,
) -> None:
    """Benchmark CP-SAT, HiGHS and the greedy baseline at five sizes."""
    wanted = [s.strip() for s in sizes.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in BENCH_SIZES]
    if unknown or not wanted:
        err.print(f"[bold red]--sizes: {', '.join(unknown) or '(empty)'}[/]")
        raise typer.Exit(2)
    codes = _bench_codes(wanted, country_provinces, province)
    try:
        two_level_codes = _two_level_codes(two_level, two_level_country)
    except ValueError as exc:
        err.print(f"[bold red]{exc}[/]")
        raise typer.Exit(2) from exc

    def factories() -> dict[int, Any]:
        # with an external cluster its workers are what they are: one run;
        # locally 1 worker and --workers, for the speed-up
        if cluster:
            return {0: lambda: _runner(0, cluster, False)}
        counts = sorted({1, workers}) if speedup else [workers]
        return {n: (lambda n=n: _runner(n, None, False)) for n in counts}

    from scheduler.province import bench

    results: dict[str, Any] = {}
    if "district" in wanted:
        with console.status("district…"):
            results["district"] = bench.bench_district(
                district, seed, time_limit or 30.0, repeats=repeats
            )
    if "province" in wanted:
        results["province"] = bench.bench_province(
            factories(),
            province,
            seed,
            time_limit or 1.5,
            budget_scale,
            wall_limit=province_time,
        )
    if "country" in wanted:
        label = (
            f"provinces {country_provinces}" if country_provinces else "country 2023"
        )
        results["country"] = bench.bench_country(
            factories(), codes, seed, time_limit or 2.5, label, country_gap
        )
    results.update(
        _bench_two_level(
            wanted,
            two_level_codes,
            factories,
            seed,
            time_limit,
            two_level_communes,
            country_gap,
            two_level_highs,
        )
    )
    _print_bench(results)
    if json_path is not None:
        _write_bench_json(json_path, results)


def _bench_codes(
    wanted: list[str], country_provinces: str | None, province: str
) -> list[str]:
    """Return the districts of the country run; exit 2 on an unknown code."""
    from scheduler.bench.generate import all_districts, districts_of_province

    try:
        if "country" in wanted and country_provinces:
            codes = [
                c
                for p in country_provinces.split(",")
                for c in districts_of_province(p.strip())
            ]
        else:
            codes = all_districts()
        if "province" in wanted:
            districts_of_province(province)
    except ValueError as exc:
        err.print(f"[bold red]{exc}[/]")
        raise typer.Exit(2) from exc
    return codes


def _print_bench(results: dict[str, Any]) -> None:
    """Print one table of metrics per size."""
    for size, metrics in results.items():
        table = Table(title=size)
        table.add_column("metric")
        table.add_column("value", justify="right")
        for key, label in BENCH_ROWS:
            if key in metrics:
                value = metrics[key]
                if isinstance(value, dict):
                    value = ", ".join(f"{k}: {v}" for k, v in value.items())
                if isinstance(value, list):
                    value = ", ".join(str(v) for v in value) or "-"
                table.add_row(label, _fmt(key, value))
        console.print(table)


def _write_bench_json(json_path: Path, results: dict[str, Any]) -> None:
    """Write the results as one JSON file, replaced atomically (never the folder around it)."""
    from scheduler.export.folder import OutputError, write_file_atomically

    body = json.dumps(results, indent=2, ensure_ascii=False).encode("utf-8")
    try:
        write_file_atomically(json_path, body)
    except OutputError as exc:
        # the bench has no --lang: both languages
        shown = f"{exc.render('vi')} / {exc.en}"
        err.print(shown, style="bold red", markup=False)
        raise typer.Exit(exc.exit_code) from exc
    console.print(f"JSON: {json_path}")
