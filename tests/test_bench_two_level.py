"""The two-level generator's commune officials and the two-level bench sizes.

Only tiny sizes here (a few communes of small provinces, seconds); the full
sizes are benchmarks (docs/performance.md), not tests.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scheduler.bench.two_level import COMMUNE_ROLES, two_level_scenario
from scheduler.bench.two_level_bench import (
    TwoLevelTask,
    bench_two_level,
    bench_two_level_country,
    two_level_task,
)
from scheduler.cli import app
from scheduler.officials import commune_roles
from scheduler.province.runner import InProcessRunner
from scheduler.scenario.validate import cross_check

# three of the smallest provinces of 2025, a few communes each
SMALL = ["11", "12", "14"]


def test_every_commune_has_the_officials_its_dialogue_needs() -> None:
    sc = two_level_scenario("11", 1, communes=4)
    needs = sc.activities["dialogue"].roles
    assert {r: needs[r] for r in COMMUNE_ROLES} == {
        "dang_uy_xa": 1,
        "ubnd_xa": 1,
        "mttq_xa": 1,
        "doan_the_xa": 1,
    }
    assert commune_roles(sc) == set(COMMUNE_ROLES)
    held = Counter((p.home_commune, r) for p in sc.staff for r in p.roles)
    for c in sc.communes:
        # one Party committee deputy, chair and vice-chair, Front chair, two unions
        assert [held[(c.commune_code, r)] for r in COMMUNE_ROLES] == [1, 2, 1, 2]
    # the pre-check of scheduler.officials finds nothing
    assert cross_check(sc, "generated 11", {}) == []


def test_officials_leave_the_rest_of_the_scenario_as_it_was() -> None:
    with_them = two_level_scenario("11", 1, communes=4)
    without = two_level_scenario("11", 1, communes=4, officials=False)
    assert all(p.home_commune is None for p in without.staff)
    assert [p for p in with_them.staff if p.home_commune is None] == list(without.staff)
    assert set(without.activities["dialogue"].roles) == {
        "lanh_dao_so",
        "can_bo_giam_ngheo",
        "nhcsxh",
    }
    assert with_them.input_hash != without.input_hash


def test_a_two_level_province_is_measured_against_greedy_and_highs() -> None:
    out = bench_two_level(["11"], 1, 2.0, scales=(1.0,), communes=3, run=two_level_task)
    (row,) = out.values()
    assert list(out) == ["two-level 11 ×1"]
    assert row["communes"] == 3
    assert row["officials"] == 18
    assert row["status"] in ("OPTIMAL", "FEASIBLE")
    assert row["bound"] <= row["objective"]
    assert row["greedy_objective"] >= row["bound"]
    assert row["highs_status"]
    assert row["peak_mib"] > 0


def test_a_country_of_three_small_provinces_on_a_runner() -> None:
    runners: dict[int, Any] = {1: lambda: nullcontext(InProcessRunner())}
    out = bench_two_level_country(
        runners, SMALL, seed=1, time_limit=2.0, communes=3, highs=False
    )
    assert out["communes"] == 9
    assert out["without_plan"] == []
    assert out["status"].endswith("3 with a plan, 0 without")
    assert out["bound"] <= out["objective"]
    assert out["greedy_objective"] >= out["bound"]
    assert set(out["wall_s_by_workers"]) == {"1"}
    # the largest province first: Sơn La (14, 75 communes and wards), then
    # Điện Biên (11, 45) and Lai Châu (12, 38)
    sizes = {"11": 45, "12": 38, "14": 75}
    assert [r["code"] for r in out["provinces"]] == sorted(
        SMALL, key=lambda p: -sizes[p]
    )


def test_a_task_with_highs_reports_it_beside_cp_sat() -> None:
    row = two_level_task(TwoLevelTask("12", 1, 2.0, communes=2, threads=1))
    assert {"highs_status", "highs_objective", "highs_bound", "highs_s"} <= set(row)
    assert row["objective"] >= row["bound"]


@pytest.mark.parametrize("option", ["--two-level", "--two-level-country"])
def test_an_unknown_province_is_exit_2(option: str) -> None:
    result = CliRunner().invoke(
        app, ["bench", "--sizes", "two-level-country", option, "99"]
    )
    assert result.exit_code == 2
    assert "99" in result.output
    assert "Traceback" not in result.output


def test_the_country_size_runs_on_dask_workers(tmp_path: Path) -> None:
    out = tmp_path / "country.json"
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "--sizes",
            "two-level-country",
            "--two-level-country",
            "12",
            "--two-level-communes",
            "2",
            "--no-two-level-highs",
            "--time-limit",
            "2",
            "--workers",
            "1",
            "--no-speedup",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    country = json.loads(out.read_text(encoding="utf-8"))["two-level-country"]
    assert country["communes"] == 2
    assert set(country["wall_s_by_workers"]) == {"1"}
    (row,) = country["provinces"]
    assert "highs_status" not in row
    assert row["status"] in ("OPTIMAL", "FEASIBLE")
