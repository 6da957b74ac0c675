"""The CP-SAT model translated into a MIP and solved by HiGHS: same optimum."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from ortools.sat.python import cp_model
from ortools.util.python import sorted_interval_list

from scheduler.bench.sizes import model_size
from scheduler.calendar import build_grid
from scheduler.model.builder import build_model
from scheduler.solver.highs import solve_with_highs, translate
from tests.conftest import make_scenario

# The tiny scenario with stations programmes, training first and a second
# funding source for the training, so that the model holds linear rows,
# implications (bool_and with an enforcement literal), exactly_one, at_most_one
# and enforced linear rows (the training's source picks). bool_or is not in the
# scheduler's models; the hand-built model below has one.
RICH_PATCH = {
    "activities": {
        "dialogue": {
            "requires_training": "training",
            "announce": {"via": "broadcast", "min_broadcasts": 1, "window_days": 3},
        },
        "leaflets": {
            "kind": "session",
            "name_vi": "Phát tờ rơi",
            "name_en": "Leaflets",
            "attendees": 20,
            "roles": {"leader": 1},
            "cost_fixed_vnd": 500_000,
            "funding_sources": ["main"],
        },
        "broadcast": {
            "kind": "broadcast",
            "name_vi": "Phát thanh",
            "name_en": "Broadcast",
            "per_month": 6,
            "max_per_week": 3,
            "cost_per_item_vnd": 50_000,
            "funding_sources": ["main"],
        },
        "training": {
            "kind": "training",
            "name_vi": "Tập huấn",
            "name_en": "Training",
            "class_size": 10,
            "duration_days": 2,
            "trainees_per_commune": 3,
            "roles": {"trainer": 1},
            "venue": "center",
            "cost_fixed_vnd": 2_000_000,
            "cost_per_trainee_day_vnd": 100_000,
            "funding_sources": ["main", "extra"],
        },
    },
    "funding": [
        {
            "id": "main",
            "name_vi": "Nguồn chính",
            "name_en": "Main",
            "allowance_vnd": {"2023-Q3": 100_000_000},
        },
        {
            "id": "extra",
            "name_vi": "Nguồn phụ",
            "name_en": "Extra",
            "allowance_vnd": {"2023-Q3": 3_000_000},
        },
    ],
}
TOPICS = [
    {"topic_id": "a", "name_vi": "A", "name_en": "A", "activities": "broadcast"},
    {"topic_id": "b", "name_vi": "B", "name_en": "B", "activities": "broadcast"},
]


def _cp_sat(model: cp_model.CpModel) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = 30.0
    status = solver.solve(model)
    assert status == cp_model.OPTIMAL
    return solver


def test_tiny_scenario_same_optimum_in_highs_and_cp_sat(tmp_path: Path) -> None:
    sc = make_scenario(tmp_path, RICH_PATCH, {"topics.csv": TOPICS})
    built = build_model(sc, build_grid(sc))
    proto = built.model.Proto()
    kinds = {
        name
        for ct in proto.constraints
        for name in ("linear", "bool_or", "bool_and", "exactly_one", "at_most_one")
        if getattr(ct, f"has_{name}")()
    }
    assert kinds == {"linear", "bool_and", "exactly_one", "at_most_one"}
    assert any(ct.has_linear() and ct.enforcement_literal for ct in proto.constraints)
    cp = _cp_sat(built.model)
    mip = solve_with_highs(proto, time_limit_s=60.0, keep_values=True)
    assert mip.status == "OPTIMAL"
    assert mip.objective == pytest.approx(cp.objective_value, abs=0.5)
    assert mip.gap is not None
    assert mip.gap < 1e-6
    # HiGHS's solution, fixed in the CP-SAT model, keeps every CP-SAT rule and
    # scores the same: the translation neither lost nor added solutions there
    for index, value in enumerate(mip.values):
        built.model.add(built.model.get_int_var_from_proto_index(index) == value)
    assert _cp_sat(built.model).objective_value == pytest.approx(cp.objective_value)


def test_enforced_row_gets_the_smallest_big_m() -> None:
    m = cp_model.CpModel()
    x = m.new_int_var(0, 10, "x")
    b = m.new_bool_var("b")
    m.add(x >= 7).only_enforce_if(b)
    m.add(x <= 2).only_enforce_if(~b)
    m.add_bool_or([b])
    m.minimize(x + 5 * b)
    mip = translate(m.Proto())
    rows = []
    for r in range(mip.num_constraints):
        lo, hi = mip.starts[r], mip.starts[r + 1]
        coefs = dict(
            zip(mip.indices[lo:hi].tolist(), mip.values[lo:hi].tolist(), strict=True)
        )
        rows.append((mip.row_lower[r], coefs, mip.row_upper[r]))
    # x ≥ 7 if b: M' = 7 − min(x) = 7, so x − 7·b ≥ 0
    assert (0.0, {0: 1.0, 1: -7.0}, math.inf) in rows
    # x ≤ 2 if ¬b: M = max(x) − 2 = 8 and ¬b = 1 − b, so x + 8·(1 − b) ≤ 2 + 8,
    # i.e. x − 8·b ≤ 2
    assert (-math.inf, {0: 1.0, 1: -8.0}, 2.0) in rows
    # bool_or([b]): b ≥ 1
    assert (1.0, {1: 1.0}, math.inf) in rows
    # b must hold, so x ≥ 7: optimum 7 + 5 = 12 in both solvers
    assert _cp_sat(m).objective_value == 12
    assert solve_with_highs(m.Proto(), 10.0).objective == pytest.approx(12)


def test_maximisation_keeps_cp_sat_sign_and_offset() -> None:
    m = cp_model.CpModel()
    x = m.new_int_var(0, 4, "x")
    y = m.new_bool_var("y")
    m.add(x + 3 * y <= 5)
    # best: y = 1, x = 2 → 2 + 2·1 + 10 = 14; y = 0, x = 4 → 14 too
    m.maximize(x + 2 * y + 10)
    assert _cp_sat(m).objective_value == 14
    result = solve_with_highs(m.Proto(), 10.0)
    assert result.objective == pytest.approx(14)
    assert result.bound == pytest.approx(14)


def test_unsupported_constraints_and_domains_are_named() -> None:
    m = cp_model.CpModel()
    x = m.new_int_var(0, 3, "x")
    y = m.new_int_var(0, 3, "y")
    z = m.new_int_var(0, 9, "z")
    m.add_multiplication_equality(z, [x, y])
    with pytest.raises(NotImplementedError, match="int_prod"):
        translate(m.Proto())
    holes = cp_model.CpModel()
    holes.new_int_var_from_domain(
        sorted_interval_list.Domain.from_values([0, 2, 5]), "gappy"
    )
    with pytest.raises(NotImplementedError, match="gappy"):
        translate(holes.Proto())


def test_model_size_counts_variables_booleans_and_constraints() -> None:
    m = cp_model.CpModel()
    a, b = m.new_bool_var("a"), m.new_bool_var("b")
    n = m.new_int_var(0, 5, "n")
    m.add(a + b + n <= 4)
    m.add_implication(a, b)
    assert model_size(m.Proto()).variables == 3
    assert model_size(m.Proto()).booleans == 2
    assert model_size(m.Proto()).constraints == 2
