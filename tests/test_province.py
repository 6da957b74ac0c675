"""Province planning: shared budget and trainers, decomposition vs monolithic, Dask.

The tiny province has two districts of the conftest scenario (two communes
each, 5–15 Sep 2023, 9 working days in ISO weeks 36 and 37). Each commune
wants one dialogue (1,000,000 VND) and one place in its district's training
class (one day, 1,000,000 VND per class, taught by the one provincial trainer
T1). Both are paid from the shared source "prov", 3,000,000 VND for Q3: the
full programme would cost 2 × (2 dialogues + 1 class) = 6,000,000, so the
budget binds and the districts compete for it.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any, cast

import pytest
from typer.testing import CliRunner

from scheduler.check import check_plan
from scheduler.cli import app
from scheduler.errors import ScenarioError
from scheduler.plan import Plan
from scheduler.province import tasks
from scheduler.province.compose import (
    district_scenario,
    whole_relaxation,
    whole_scenario,
)
from scheduler.province.decompose import WHOLE_KEY, _overrides, plan_province
from scheduler.province.leftover import spend_leftover, take_offers
from scheduler.province.load import load_province
from scheduler.province.master import linear_master, price_master
from scheduler.province.result import DistrictResult, ProvincePlan
from scheduler.province.runner import InProcessRunner, dask_runner
from scheduler.province.schema import ProvinceScenario
from scheduler.province.shared import check_shared
from scheduler.province.tasks import (
    SolveOutcome,
    SolveTask,
    greedy_task,
    shared_spend,
    solve_task,
)
from scheduler.province.trainers import trainer_use
from scheduler.scenario.schema import Scenario
from scheduler.solver.solve import solve
from scheduler.sweep import parse_scales, province_budget
from tests.conftest import BASE_TABLES, make_scenario

DISTRICT_PATCH: dict[str, Any] = {
    "activities": {
        "dialogue": {
            "funding_sources": ["prov"],
            "requires_training": "training",
        },
        "training": {
            "kind": "training",
            "name_vi": "Tập huấn",
            "name_en": "Training",
            "venue": "center",
            "roles": {"trainer": 1},
            "trainees_per_commune": 1,
            "class_size": 10,
            "duration_days": 1,
            "cost_fixed_vnd": 1_000_000,
            "funding_sources": ["prov"],
            "priority": 5,
        },
    },
    "funding": [
        {
            "id": "prov",
            "name_vi": "Ngân sách tỉnh",
            "name_en": "Provincial budget",
            "allowance_vnd": {"2023-Q3": 10_000_000},
        },
    ],
}


def _district(folder: Path, prefix: str, codes: tuple[str, str]) -> None:
    tables = {
        "communes.csv": [
            {"commune_code": codes[0], "commune_name": "Xã Một", "poor_households": 30},
            {"commune_code": codes[1], "commune_name": "Xã Hai", "poor_households": 10},
        ],
        "staff.csv": [
            {
                **r,
                "staff_id": r["staff_id"]
                if r["staff_id"] == "T1"
                else prefix + r["staff_id"],
            }
            for r in BASE_TABLES["staff.csv"]
        ],
        "venues.csv": [
            {
                **v,
                "commune_code": {"00001": codes[0], "00002": codes[1]}.get(
                    v["commune_code"], ""
                ),
            }
            for v in BASE_TABLES["venues.csv"]
        ],
        "stations.csv": [
            {**s, "commune_code": c}
            for s, c in zip(BASE_TABLES["stations.csv"], codes, strict=True)
        ],
        "travel.csv": [{"from_ref": "hq", "to_ref": codes[0], "minutes": 10}],
    }
    make_scenario(folder, {**DISTRICT_PATCH, "name": prefix}, tables)


def write_province(
    root: Path, *, trainer_days: int = 5, allowance: int = 3_000_000, extra: str = ""
) -> Path:
    """Write the tiny two-district province; return its TOML path."""
    _district(root / "d1", "a", ("00001", "00002"))
    _district(root / "d2", "b", ("00003", "00004"))
    with open(root / "trainers.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["staff_id", "name", "roles", "max_days_per_week"])
        w.writerow(["T1", "Giảng viên tỉnh", "trainer", trainer_days])
    path = root / "province.toml"
    path.write_text(
        f"""name = "tiny-province"
[area]
code = "P"
name = "Tỉnh Thử"
level = "province"

[[districts]]
id = "d1"
scenario = "d1/tiny.toml"

[[districts]]
id = "d2"
scenario = "d2/tiny.toml"

[shared]
trainers = "trainers.csv"

[shared.budget]
id = "prov"
name_vi = "Ngân sách tỉnh"
name_en = "Provincial budget"
allowance_vnd = {{ "2023-Q3" = {allowance} }}

[decomposition]
price_rounds = 4
curve_time_limit_s = 5.0
district_time_limit_s = 5.0
{extra}""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def tiny_province(tmp_path_factory: pytest.TempPathFactory) -> ProvinceScenario:
    return load_province(write_province(tmp_path_factory.mktemp("province")))


@pytest.fixture(scope="module")
def decomposed(tiny_province: ProvinceScenario) -> ProvincePlan:
    return plan_province(tiny_province, deterministic=True)


def _signature(result: ProvincePlan) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [
        (r.district, e.event_id, e.start.isoformat(), e.staff_ids)
        for r in result.districts
        for e in r.plan.events
    ]


def test_decomposed_plan_passes_every_check(
    decomposed: ProvincePlan, tiny_province: ProvinceScenario
) -> None:
    for r in decomposed.districts:
        assert check_plan(r.scenario, r.plan) == []
    plans = {r.district: r.plan for r in decomposed.districts}
    assert check_shared(tiny_province, plans) == []
    # the shared budget is spent within its 3,000,000 VND, summed over districts
    spent = sum(
        e.cost_vnd
        for p in plans.values()
        for e in p.events
        if e.funding_source == "prov"
    )
    assert 0 < spent <= 3_000_000


def test_decomposition_is_within_its_gap_of_the_monolithic_optimum(
    decomposed: ProvincePlan, tiny_province: ProvinceScenario
) -> None:
    merged = whole_scenario(tiny_province)
    mono = solve(merged, overrides={"num_workers": 1, "max_time_in_seconds": 30})
    assert mono.solver.status == "OPTIMAL"
    assert check_plan(merged, mono) == []
    opt = mono.solver.objective
    # the decomposed plan is feasible for the same problem: never below the optimum
    assert decomposed.objective >= opt - 1e-6
    # the bound is valid: never above the optimum
    assert decomposed.bound <= opt + 1e-6
    # hence the true gap is within the reported one
    assert (decomposed.objective - opt) / decomposed.objective <= decomposed.gap + 1e-9


def test_shared_check_catches_overspend(
    decomposed: ProvincePlan, tiny_province: ProvinceScenario
) -> None:
    plans = {r.district: r.plan for r in decomposed.districts}
    # overspend: 3,000,000 VND more on one "prov" event of d1; the total was
    # already at least 1,000,000, so it now exceeds the 3,000,000 allowance
    d1 = plans["d1"]
    paid = next(e for e in d1.events if e.funding_source == "prov")
    richer = dataclasses.replace(
        d1,
        events=tuple(
            dataclasses.replace(e, cost_vnd=e.cost_vnd + 3_000_000) if e is paid else e
            for e in d1.events
        ),
    )
    rules = {v.rule for v in check_shared(tiny_province, {**plans, "d1": richer})}
    assert rules == {"shared_budget"}


def test_trainer_shared_across_districts(tmp_path: Path) -> None:
    # 6,000,000 VND pays everything; T1 may work 1 day a week, so the two
    # one-day classes must fall in different ISO weeks (36: 5–8 Sep,
    # 37: 11–15 Sep); each district alone would take T1's one day of week 36
    province = load_province(
        write_province(tmp_path, trainer_days=1, allowance=6_000_000)
    )
    result = plan_province(province, deterministic=True)
    plans = {r.district: r.plan for r in result.districts}
    for r in result.districts:
        assert check_plan(r.scenario, r.plan) == []
    assert check_shared(province, plans) == []
    c1 = next(e for e in plans["d1"].events if e.kind == "training")
    c2 = next(e for e in plans["d2"].events if e.kind == "training")
    assert c1.start.isocalendar().week != c2.start.isocalendar().week

    def moved_to(day: dt.datetime) -> dict[str, Any]:
        shifted = dataclasses.replace(c2, start=day, end=day + (c2.end - c2.start))
        d2 = dataclasses.replace(
            plans["d2"],
            events=tuple(shifted if e is c2 else e for e in plans["d2"].events),
        )
        return {**plans, "d2": d2}

    # d2's class on the day of d1's class: T1 in two places at once
    rules = {v.rule for v in check_shared(province, moved_to(c1.start))}
    assert "shared_trainer_overlap" in rules
    # d2's class on another day of d1's week: 2 days > 1 day a week
    other = c1.start + dt.timedelta(days=1 if c1.start.weekday() < 3 else -1)
    rules = {v.rule for v in check_shared(province, moved_to(other))}
    assert rules == {"shared_trainer_week"}


def test_dask_local_cluster_gives_the_in_process_plan(
    decomposed: ProvincePlan, tiny_province: ProvinceScenario
) -> None:
    with dask_runner(workers=2) as runner:
        assert runner.workers == 2
        on_dask = plan_province(tiny_province, runner, deterministic=True)
    assert _signature(on_dask) == _signature(decomposed)
    assert on_dask.objective == decomposed.objective
    assert on_dask.bound == decomposed.bound


def test_cli_plan_province_on_a_dask_cluster_address(
    decomposed: ProvincePlan, tmp_path: Path
) -> None:
    # "point the same command at a Dask cluster": a real scheduler with two
    # worker processes, reached by its tcp:// address, gives the in-process plan
    from distributed import LocalCluster

    path = write_province(tmp_path)
    out = tmp_path / "out"
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://")
        result = CliRunner().invoke(
            app,
            [
                "plan-province",
                str(path),
                "--cluster",
                address,
                "--deterministic",
                "--out",
                str(out),
            ],
        )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["workers"] == 2
    assert summary["violations"] == 0
    assert summary["objective"] == decomposed.objective
    assert summary["bound"] == decomposed.bound


def test_kept_models_give_the_plan_of_fresh_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the binding budget takes several price rounds, each solving the same two
    # district models at new prices: reusing them (only the objective changes)
    # must give the plan that building every round's models afresh gives
    province = load_province(
        write_province(tmp_path, allowance=1_000_000, extra=PRICES_ONLY)
    )
    builds = {"n": 0}
    build = tasks.build_model

    def counted(*args: Any, **kwargs: Any) -> Any:
        builds["n"] += 1
        return build(*args, **kwargs)

    # the price rounds' models are built by tasks.kept_model
    monkeypatch.setattr(tasks, "build_model", counted)
    kept = plan_province(province, deterministic=True)
    kept_builds, builds["n"] = builds["n"], 0
    assert kept.price_rounds > 1
    monkeypatch.setattr(tasks, "KEPT_MODELS", 0)  # every task builds
    fresh = plan_province(province, deterministic=True)
    assert _signature(kept) == _signature(fresh)
    assert (kept.objective, kept.bound) == (fresh.objective, fresh.bound)
    # 2 districts built once when kept, once a round when not (counted, not
    # timed: the tiny models build in about 2 ms, within the timer's noise)
    assert kept_builds == 2
    assert builds["n"] == 2 * kept.price_rounds


def test_a_kept_model_solves_like_a_fresh_one_at_a_new_price(tmp_path: Path) -> None:
    # two priced solves of one kept model, then the second price on a fresh
    # build: the kept model's penalties were rescaled by the first price (×100
    # and a price line), so unless they are put back the second solve's bound
    # and objective differ from the fresh one's
    province = load_province(write_province(tmp_path, allowance=1_000_000))
    sc = district_scenario(province, "d1", allowance={"2023-Q3": 1_000_000})
    over = {"num_workers": 1, "random_seed": 0, "max_deterministic_time": 5.0}

    def run(price: float, key: str) -> SolveOutcome:
        return solve_task(
            SolveTask(
                "k",
                "d1",
                sc,
                over,
                "prov",
                ("T1",),
                (("2023-Q3", price),),
                model_key=key,
            )
        )

    key = f"kept-{tmp_path.name}"
    run(1e-3, key)
    again, fresh = run(2e-4, key), run(2e-4, "")
    assert again.plan is not None
    assert fresh.plan is not None
    assert (again.objective, again.bound, again.spend) == (
        fresh.objective,
        fresh.bound,
        fresh.spend,
    )
    assert [e.event_id for e in again.plan.events] == [
        e.event_id for e in fresh.plan.events
    ]
    assert again.plan.solver.build_time_s < fresh.plan.solver.build_time_s


def test_loader_names_file_and_field(tmp_path: Path) -> None:
    path = write_province(tmp_path, extra="levels = 3\n")
    with pytest.raises(ScenarioError) as info:
        load_province(path)
    fields = {p.field for p in info.value.problems}
    assert "decomposition.levels" in fields
    # a shared source the district files do not declare
    text = path.read_text(encoding="utf-8").replace('id = "prov"', 'id = "other"')
    text = text.replace("levels = 3\n", "")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_province(path)
    assert {p.field for p in info.value.problems} == {
        "districts[0].scenario",
        "districts[1].scenario",
    }


def test_loader_rejects_a_commune_in_two_districts(tmp_path: Path) -> None:
    path = write_province(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        'scenario = "d2/tiny.toml"', 'scenario = "d1/tiny.toml"'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_province(path)
    assert any("00001" in p.message for p in info.value.problems)


def test_group_of_communes_keeps_only_its_communes(tmp_path: Path) -> None:
    path = write_province(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        'id = "d2"\nscenario = "d2/tiny.toml"',
        'id = "d2"\nscenario = "d2/tiny.toml"\ncommunes = ["00003"]',
    )
    path.write_text(text, encoding="utf-8")
    province = load_province(path)
    assert [c.commune_code for c in province.district("d2").scenario.communes] == [
        "00003"
    ]


def test_cli_plan_province_writes_district_folders_and_summary(tmp_path: Path) -> None:
    path = write_province(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "plan-province",
            str(path),
            "--out",
            str(out),
            "--in-process",
            "--deterministic",
        ],
    )
    assert result.exit_code == 0, result.output
    for d in ("d1", "d2"):
        assert (out / d / "plan.json").exists()
        assert (out / d / "schedule.csv").exists()
    assert (out / "summary.json").exists()
    assert (out / "summary.csv").exists()
    # Vietnamese notation: the gap as "0,00%" (comma), the time in "giây"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    gap = f"{summary['gap']:.2%}".replace(".", ",")
    assert f"khoảng cách {gap}" in result.output
    assert "giây" in result.output
    # the line says when the bound came from the whole province solved as one
    merged = summary["bound_from"] == "merged"
    assert merged == ("(cả tỉnh giải chung)" in result.output)
    # the progress lines name the phases in Vietnamese too
    assert "vòng giá 1" in result.output
    assert "các huyện" in result.output
    assert "prices 1" not in result.output
    # and the table says where each plan came from, and its status, in words
    assert "tối ưu" in result.output or "khả thi" in result.output
    assert any(
        word in result.output
        for word in ("giải theo phân bổ", "phương án giá", "sửa lịch", "ngân sách dư")
    )
    assert "OPTIMAL" not in result.output


def test_cli_plan_province_bad_input_exits_2(tmp_path: Path) -> None:
    path = write_province(tmp_path, extra="bogus = 1\n")
    result = CliRunner().invoke(app, ["plan-province", str(path), "--in-process"])
    assert result.exit_code == 2


def test_parse_scales() -> None:
    # 0.5, 0.6, …, 1.2: eight scales, the stop included
    assert parse_scales("0.5:1.2:0.1") == [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]
    assert parse_scales("1,0.8") == [1.0, 0.8]
    with pytest.raises(ValueError, match="stop"):
        parse_scales("1:0.5:0.1", "en")
    with pytest.raises(ValueError, match="start:stop:step"):
        parse_scales("0:1", "en")
    # Vietnamese by default; "0,8" is the list 0 and 8, and 0 is refused
    with pytest.raises(ValueError, match="cuối ≥ đầu"):
        parse_scales("1:0.5:0.1")
    with pytest.raises(ValueError, match="mọi mức phải > 0"):
        parse_scales("0,8")
    with pytest.raises(ValueError, match="'tám' không phải là số"):
        parse_scales("0.5,tám")
    with pytest.raises(ValueError, match="'x' is not a number"):
        parse_scales("0.5:x:0.1", "en")


def test_cli_sweep_writes_table_and_chart(tmp_path: Path) -> None:
    make_scenario(tmp_path / "s")
    out = tmp_path / "sweep"
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(tmp_path / "s" / "tiny.toml"),
            "--budget-scale",
            "0.01,1",
            "--in-process",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(
        csv.DictReader((out / "sweep.csv").read_text(encoding="utf-8-sig").splitlines())
    )
    # 1% of 100,000,000 VND is 1,000,000: one dialogue (of the poorer commune,
    # 30 households) instead of two, so coverage 30/40 = 0.75; at 1.0 both, 1.0
    assert [float(r["coverage"]) for r in rows] == [0.75, 1.0]
    # the table in Vietnamese notation: money in millions of đồng (1 and 100),
    # the objective 100.100 (the other dialogue's 100,000 left out, plus 100
    # of the rest), 75,0 % and the status in words
    for shown in ("0,01", "100.100", "75,0%", "tối ưu"):
        assert shown in result.output
    html = (out / "sweep.html").read_text(encoding="utf-8")
    # plotly.js is embedded (offline) exactly once
    assert html.count("plotly.js v") == 1
    assert '<script src="http' not in html
    bad = CliRunner().invoke(
        app, ["sweep", str(tmp_path / "s" / "tiny.toml"), "--budget-scale", "x"]
    )
    assert bad.exit_code == 2


def test_cli_sweep_says_why_a_scale_has_no_plan_in_the_planners_language(
    tmp_path: Path,
) -> None:
    # both dialogues (1,000,000 đ each) must be held by 15 Sep; at 1 % of the
    # 100,000,000 đ Q3 allowance only one fits, so that scale has no plan and
    # its reasons are the budget and the target, in Vietnamese by default
    targets = [{"activity": "dialogue", "by": "2023-09-15", "min_fraction": 1.0}]
    make_scenario(tmp_path / "s", {"targets": targets})
    toml = str(tmp_path / "s" / "tiny.toml")
    args = ["sweep", toml, "--budget-scale", "0.01,1", "--in-process"]
    vi = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "vi")])
    assert vi.exit_code == 0, vi.output
    assert "×0,01: " in vi.output
    assert "Nguồn chính quý III/2023 có 1.000.000 đ nhưng cần ít nhất 2.000.000 đ" in (
        vi.output.replace("\n", "")
    )
    en = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "en"), "--lang", "en"])
    assert en.exit_code == 0, en.output
    assert "×0.01: " in en.output
    assert "Main 2023-Q3 allows 1,000,000 VND" in en.output.replace("\n", "")


def test_shared_check_and_composition_do_not_import_the_solver() -> None:
    import subprocess
    import sys

    code = (
        "import sys, scheduler.province.shared, scheduler.province.compose, "
        "scheduler.province.load; print('ortools' in ' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_cli_sweep_of_a_province(tmp_path: Path) -> None:
    path = write_province(tmp_path)
    out = tmp_path / "sweep"
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(path),
            "--budget-scale",
            "0.01,2",
            "--in-process",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(
        csv.DictReader((out / "sweep.csv").read_text(encoding="utf-8-sig").splitlines())
    )
    # ×0.01 = 30,000 VND buys nothing (every event costs 1,000,000): coverage 0;
    # ×2 = 6,000,000 VND pays both classes and all four dialogues: coverage 1
    assert [float(r["coverage"]) for r in rows] == [0.0, 1.0]
    assert [int(r["budget_vnd"]) for r in rows] == [30_000, 6_000_000]
    # in Vietnamese: 30,000 VND is 0,03 million; a province's status is its
    # gap against the bound, and a plan equal to its bound (the merged
    # relaxation proves both plans here) is optimal
    assert "0,03" in result.output
    assert "tối ưu" in result.output
    assert "gap" not in result.output
    assert "optimal" not in result.output


def test_province_sweep_budget_counts_the_districts_own_lines(tmp_path: Path) -> None:
    # the tiny province: 3,000,000 VND shared, and each district's placeholder
    # line of the shared id (10,000,000) does not count. Give district 1 an own
    # line of 500,000 + 250,000: at ×0.5 the districts may spend
    # 1,500,000 + 750,000 = 2,250,000 (own lines are not scaled)
    province = load_province(write_province(tmp_path))
    first = province.districts[0]
    own = first.scenario.funding[0].model_copy(
        update={
            "id": "huyen",
            "allowance_vnd": {"2023-Q3": 500_000, "2023-Q4": 250_000},
        }
    )
    richer = province.model_copy(
        update={
            "districts": (
                first.model_copy(
                    update={
                        "scenario": first.scenario.model_copy(
                            update={"funding": (*first.scenario.funding, own)}
                        )
                    }
                ),
                *province.districts[1:],
            )
        }
    )
    assert province_budget(province, 0.5) == 1_500_000
    assert province_budget(richer, 0.5) == 2_250_000


def test_plan_on_a_province_file_points_to_plan_province() -> None:
    from typer.testing import CliRunner

    from scheduler.cli import app

    result = CliRunner().invoke(app, ["plan", "configs/scenarios/dak-nong-2023.toml"])
    # exit 2 (bad input) with one line naming the right command, not a list of
    # "unknown key" errors
    assert result.exit_code == 2
    assert (
        "scheduler plan-province configs/scenarios/dak-nong-2023.toml" in result.output
    )


def _column(district: str, objective: float, spend_q3: int) -> SolveOutcome:
    return SolveOutcome(
        "k",
        district,
        None,
        objective,
        objective,
        {"2023-Q3": spend_q3} if spend_q3 else {},
    )


def test_price_master_prices_the_allowance_at_the_marginal_worth() -> None:
    # A saves 100 points with 10M VND, B saves 50 points with 10M VND; the
    # allowance is 10M. The linear master gives the money to A (cost 0 + 50):
    # one more VND would buy B's column at 50 points per 10M = 5e-6 per VND,
    # so that is the dual of the allowance.
    columns = {
        "a": [_column("a", 100, 0), _column("a", 0, 10_000_000)],
        "b": [_column("b", 50, 0), _column("b", 0, 10_000_000)],
    }
    prices = price_master(columns, {"2023-Q3": 10_000_000})
    assert prices["2023-Q3"] == pytest.approx(5e-6, rel=1e-6)
    # with 20M both columns fit and money is worth nothing at the margin
    assert price_master(columns, {"2023-Q3": 20_000_000})["2023-Q3"] == 0.0


def test_linear_master_mixes_the_spending_between_columns() -> None:
    # with 15M, A's 10M column is bought whole (100 points saved) and half of
    # B's (25 of its 50): B's mix spends 0.5 × 10M = 5M, an allocation between
    # its two columns; with 8M only A is mixed, 0.8 × 10M = 8M, and B gets none
    columns = {
        "a": [_column("a", 100, 0), _column("a", 0, 10_000_000)],
        "b": [_column("b", 50, 0), _column("b", 0, 10_000_000)],
    }
    _, spending = linear_master(columns, {"2023-Q3": 15_000_000})
    assert spending == {"a": {"2023-Q3": 10_000_000}, "b": {"2023-Q3": 5_000_000}}
    _, spending = linear_master(columns, {"2023-Q3": 8_000_000})
    assert spending == {"a": {"2023-Q3": 8_000_000}, "b": {"2023-Q3": 0}}


# the price rounds alone, without the whole province's relaxation
PRICES_ONLY = "merged_bound_communes = 0"


def test_small_province_is_bounded_by_its_merged_relaxation(tmp_path: Path) -> None:
    # the binding budget of the price-rounds test below: the prices alone bound
    # 950,125 against the optimum 1,000,100 (a lumpy class the prices split);
    # the whole province solved as one (4 communes ≤ 60) proves the optimum
    # itself, so the bound is 1,000,100 and the plan is within 1 % of it
    province = load_province(write_province(tmp_path, allowance=1_000_000))
    result = plan_province(province, deterministic=True)
    mono = solve(
        whole_scenario(province),
        overrides={"num_workers": 1, "max_time_in_seconds": 30},
    )
    assert mono.solver.status == "OPTIMAL"
    assert result.bound_from == "merged"
    assert result.bound == mono.solver.objective == 1_000_100
    assert result.objective >= result.bound
    assert result.gap <= 0.01


def _merged_by_highs(tmp_path: Path) -> tuple[Scenario, SolveOutcome]:
    """Solve the tiny province's merged relaxation (budget 1,000,000) as HiGHS would."""
    province = load_province(write_province(tmp_path, allowance=1_000_000))
    assert province.budget is not None
    merged = whole_relaxation(province)
    assert merged is not None
    task = SolveTask(
        WHOLE_KEY,
        "",
        merged,
        {"num_workers": 1, "max_time_in_seconds": 30, "random_seed": 0},
        province.budget.id,
        ("T1",),
        engine="highs",
    )
    return merged, solve_task(task)


def test_highs_solves_the_merged_relaxation_into_a_checked_plan(tmp_path: Path) -> None:
    # the binding budget above: HiGHS proves the merged optimum, the monolithic
    # CP-SAT solve's 1,000,100 (checked in the test above), and its solution,
    # completed by CP-SAT with every variable fixed, is a plan of the merged
    # scenario that passes the checker and spends within the 1,000,000 VND
    merged, out = _merged_by_highs(tmp_path)
    assert out.plan is not None, out.error
    assert out.plan.solver.solver.startswith("HiGHS")
    assert out.plan.solver.status == "OPTIMAL"
    assert out.objective == out.bound == 1_000_100
    assert check_plan(merged, out.plan) == []
    assert sum(out.spend.values()) <= 1_000_000


def test_highs_process_killed_at_its_hard_limit_leaves_no_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HiGHS may overrun its own limit; its process is killed at the hard limit
    # (here 0 × 30 s + 0.05 s: before the child process has even loaded
    # highspy), and the task then has neither a plan nor a bound, and says why
    import scheduler.solver.highs

    monkeypatch.setattr(scheduler.solver.highs, "HARD_OVER_LIMIT", 0.0)
    monkeypatch.setattr(scheduler.solver.highs, "HARD_GRACE_S", 0.05)
    _, out = _merged_by_highs(tmp_path)
    assert out.plan is None
    assert out.bound == float("-inf")
    assert "did not stop within 0.05 s" in out.error
    # with the default margin the same task finishes and proves 1,000,100
    monkeypatch.undo()
    _, out = _merged_by_highs(tmp_path)
    assert out.bound == 1_000_100


def test_merged_task_falls_back_on_cp_sat_when_highs_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a HiGHS process that fails (as on a worker without highspy) costs nothing
    # but the engine: CP-SAT proves the same optimum 1,000,100
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("HiGHS process failed: no highspy")

    monkeypatch.setattr(tasks, "solve_with_highs", broken)
    _, out = _merged_by_highs(tmp_path)
    assert out.plan is not None, out.error
    assert out.plan.solver.solver.startswith("OR-Tools CP-SAT")
    assert out.objective == out.bound == 1_000_100


def test_bench_solves_the_whole_province_with_highs(tmp_path: Path) -> None:
    # the bench's MIP comparison for the province size: HiGHS on the whole
    # province as one model (the merged relaxation, valid here) proves the
    # tiny province's optimum 1,000,100
    from scheduler.province.bench import whole_province_mip

    province = load_province(write_province(tmp_path, allowance=1_000_000))
    row = whole_province_mip(province, 1, 30.0)
    assert row["highs_model"].startswith("whole province, merged relaxation")
    assert row["highs_status"] == "OPTIMAL"
    assert row["highs_objective"] == row["highs_bound"] == 1_000_100
    assert row["highs_gap"] == 0.0


def test_small_province_bound_by_highs_without_determinism(tmp_path: Path) -> None:
    # not deterministic: the merged relaxation runs on HiGHS beside the rounds
    # and bounds the province by its proven optimum 1,000,100 (the prices alone
    # give 950,125: see the price-rounds test)
    province = load_province(write_province(tmp_path, allowance=1_000_000))
    result = plan_province(province)
    assert result.bound_from == "merged"
    assert result.bound == 1_000_100
    assert result.objective >= result.bound
    assert result.gap <= 0.01


def test_merged_relaxation_only_where_it_bounds_the_province(tmp_path: Path) -> None:
    # travel paid by the minute: the merged scenario has one HQ, each district
    # its own, so its costs differ and it bounds nothing; the rounds bound alone
    province = load_province(write_province(tmp_path, allowance=1_000_000))
    assert whole_relaxation(province) is not None
    first = province.districts[0]
    paid = first.scenario.model_copy(
        update={
            "activities": {
                a: spec.model_copy(update={"travel_vnd_per_minute": 1_000})
                for a, spec in first.scenario.activities.items()
            }
        }
    )
    by_minute = province.model_copy(
        update={
            "districts": (
                first.model_copy(update={"scenario": paid}),
                *province.districts[1:],
            )
        }
    )
    assert whole_relaxation(by_minute) is None
    assert plan_province(by_minute, deterministic=True).bound_from == "prices"


def test_price_rounds_bound_is_valid_and_tighter_than_unpriced(
    tmp_path: Path,
) -> None:
    # a budget that binds (1,000,000 VND for the two districts): the first round
    # (no price) bounds by each district spending the whole allowance; priced
    # rounds must give a bound at least as good that is still below the optimum
    province = load_province(
        write_province(tmp_path, allowance=1_000_000, extra=PRICES_ONLY)
    )
    one = plan_province(
        province.model_copy(
            update={
                "decomposition": province.decomposition.model_copy(
                    update={"price_rounds": 1}
                )
            }
        ),
        deterministic=True,
    )
    more = plan_province(province, deterministic=True)
    mono = solve(
        whole_scenario(province),
        overrides={"num_workers": 1, "max_time_in_seconds": 30},
    )
    assert mono.solver.status == "OPTIMAL"
    # measured: 800,200 unpriced, 950,125 priced, optimum 1,000,100
    assert one.bound < more.bound <= mono.solver.objective + 1e-6
    assert more.objective >= mono.solver.objective - 1e-6


def _with(province: ProvinceScenario, **settings: object) -> ProvinceScenario:
    return province.model_copy(
        update={"decomposition": province.decomposition.model_copy(update=settings)}
    )


def test_greedy_seed_columns_keep_to_their_share(tmp_path: Path) -> None:
    # a seed is the greedy plan at a share of the allowance: with no share it
    # must spend nothing of the provincial line, with 1,000,000 VND at most that
    # (the training class costs 1,000,000 here and the greedy places it: some
    # spending shows the seed is not an empty plan)
    province = load_province(write_province(tmp_path, allowance=1_000_000))
    for share in (0, 1_000_000):
        sc = district_scenario(province, "d1", allowance={"2023-Q3": share})
        out = greedy_task(SolveTask("seed:d1", "d1", sc, {}, "prov", ("T1",)))
        assert out.plan is not None
        assert check_plan(sc, out.plan) == []
        spent = out.spend.get("2023-Q3", 0)
        assert spent <= share
        assert (spent > 0) == (share > 0)


def test_time_limit_stops_the_price_rounds_but_not_a_deterministic_run(
    tmp_path: Path,
) -> None:
    # the binding budget needs more than one round (no price, then priced);
    # a limit of 1 ms leaves only the first, which always runs; a deterministic
    # run ignores the clock and does what it does without a limit
    province = load_province(
        write_province(tmp_path, allowance=1_000_000, extra=PRICES_ONLY)
    )
    free = plan_province(province, deterministic=True)
    assert free.price_rounds > 1
    limited = _with(province, time_limit_s=0.001)
    assert plan_province(limited).price_rounds == 1
    assert plan_province(limited, deterministic=True).price_rounds == free.price_rounds


def test_offers_of_the_leftover_are_taken_best_first_while_it_pays() -> None:
    # 6 in Q3 and 2 in Q4 left over. a gains 100 for 5 of Q3 and is taken
    # first (Q3: 1 left); b (80) wants 4 of Q3 and no longer fits; c (50)
    # wants 1 and 1 and fits (Q3: 0, Q4: 1 left); e (30) gives back 2 of Q3
    # but wants 3 of Q4, more than the 1 left; d gains nothing
    plan = cast(Plan, object())  # the plans are carried, not read
    offers = [
        (80.0, "b", {"Q3": 4, "Q4": 2}, plan),
        (100.0, "a", {"Q3": 5, "Q4": 0}, plan),
        (0.0, "d", {"Q3": 0, "Q4": 0}, plan),
        (50.0, "c", {"Q3": 1, "Q4": 1}, plan),
        (30.0, "e", {"Q3": -2, "Q4": 3}, plan),
    ]
    taken = take_offers(offers, {"Q3": 6, "Q4": 2})
    assert [d for d, _, _ in taken] == ["a", "c"]
    # with 9 of Q3 left b fits after a (5 + 4), and c no longer does
    taken = take_offers(offers, {"Q3": 9, "Q4": 2})
    assert [d for d, _, _ in taken] == ["a", "b"]


def test_leftover_goes_to_the_district_it_improves_most(tmp_path: Path) -> None:
    # In the tiny province either district's optimum is 600,000 with no
    # provincial money, 400,100 with 1,000,000 VND, 100,500 with 2,000,000 and
    # 700 with 3,000,000 (solved alone). d1 planned with nothing and d2 with
    # 1,000,000 make 1,000,100 and leave 2,000,000 of the 3,000,000 unspent.
    # Offered the 2,000,000, d1 gains 499,500 and d2 399,400; only one fits,
    # so d1 takes it: 100,500 + 400,100 = 500,600, the optimum of the merged
    # province. With nothing left over, nothing is solved and the plans stay.
    province = load_province(write_province(tmp_path))
    over = _overrides(province, 5.0, True)

    def start() -> tuple[dict[str, DistrictResult], dict[str, Any]]:
        results, use_of = {}, {}
        for d, share in (("d1", 0), ("d2", 1_000_000)):
            sc = district_scenario(province, d, allowance={"2023-Q3": share})
            plan = solve(sc, overrides=over)
            results[d] = DistrictResult(d, sc, plan, {"2023-Q3": share}, "final")
            use_of[d] = trainer_use(sc, plan, {"T1"})
        return results, use_of

    floor = {"d1": float("-inf"), "d2": float("-inf")}
    results, use_of = start()
    assert sum(r.plan.solver.objective for r in results.values()) == 1_000_100
    runner = InProcessRunner()
    made = spend_leftover(
        province, results, use_of, floor, {"2023-Q3": 3_000_000}, runner, over
    )
    assert len(made) == 2  # one pass over both districts, then nothing is left
    assert results["d1"].source == "leftover"
    assert results["d2"].source == "final"
    plans = {d: r.plan for d, r in results.items()}
    assert sum(p.solver.objective for p in plans.values()) == 500_600
    for r in results.values():
        assert check_plan(r.scenario, r.plan) == []
    assert check_shared(province, plans) == []
    assert sum(shared_spend(p, "prov").get("2023-Q3", 0) for p in plans.values()) == (
        3_000_000
    )
    mono = solve(whole_scenario(province), overrides=over)
    assert mono.solver.status == "OPTIMAL"
    assert mono.solver.objective == 500_600

    results, use_of = start()
    made = spend_leftover(
        province, results, use_of, floor, {"2023-Q3": 1_000_000}, runner, over
    )
    assert made == []
    assert sum(r.plan.solver.objective for r in results.values()) == 1_000_100
