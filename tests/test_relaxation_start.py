"""A province too large for exact travel: the linear relaxation's start, and moves.

:func:`scheduler.solver.highs.solve_relaxation` solves the linear relaxation
in HiGHS's child process; :func:`scheduler.solver.guided.relaxation_start`
fixes the placements it holds whole and lets CP-SAT complete them;
:func:`scheduler.solver.repair.move_unnamed` places the sessions nobody can
name on other half-days, keeping everything else. The province cases use the
far-apart scenario of ``tests/test_naming_travel.py`` (one leader, halls 300
minutes apart, a 120-minute lunch gap), made "too large" by setting the
travel limits to 0 (``tests/test_two_level_speed.py``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.model import staff as staff_model
from scheduler.model.builder import BuiltModel, build_model
from scheduler.plan import Status
from scheduler.scenario.schema import HalfDay
from scheduler.solver.guided import relaxation_start, side_bound
from scheduler.solver.highs import HighsRun, solve_relaxation
from scheduler.solver.repair import move_unnamed
from scheduler.solver.solve import _draft, solve
from scheduler.solver.staffing import name_staff
from tests.test_naming_travel import far_apart

TUE = dt.date(2023, 9, 5)


@pytest.fixture
def too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make stage 1 treat every scenario as too large for exact travel."""
    monkeypatch.setattr(staff_model, "MAX_TRAVEL_PLACES", 0)
    monkeypatch.setattr(staff_model, "MAX_STAR_ROWS", 0)


def test_the_relaxation_keeps_fractions_and_its_bound_is_below_the_optimum() -> None:
    # three 0-1 variables, every pair must hold at least one: the whole
    # optimum takes two (objective 2); the relaxation takes a half of each,
    # 1.5 (a bound below 2, and values that are not whole). A relaxation
    # solved as a MIP, or values rounded, would give 2 and 0/1 values.
    m = cp_model.CpModel()
    x, y, z = (m.new_bool_var(n) for n in "xyz")
    for a, b in ((x, y), (y, z), (x, z)):
        m.add(a + b >= 1)
    m.minimize(x + y + z)
    relaxed = solve_relaxation(m.proto, 10.0)
    assert relaxed is not None
    assert relaxed.bound == pytest.approx(1.5)
    assert list(relaxed.values) == pytest.approx([0.5, 0.5, 0.5])


def forced_pair(built: BuiltModel) -> cp_model.CpSolver:
    """A placement with Xã 1 on Tue morning and Xã 2 (300 min away) that afternoon."""
    grid = built.ctx.grid
    forced = built.model.clone()
    x = built.ctx.vars.sessions.x
    index = {(s.day, s.half): s.index for s in grid.sessions}
    pair: tuple[tuple[str, HalfDay], ...] = (
        ("00001", "morning"),
        ("00002", "afternoon"),
    )
    for code, half in pair:
        var = x[("dialogue", code)][index[(TUE, half)]]
        forced.add(forced.get_int_var_from_proto_index(var.index) == 1)
    placed = cp_model.CpSolver()
    placed.parameters.num_workers = 1
    placed.parameters.max_time_in_seconds = 10.0
    assert placed.solve(forced) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return placed


@pytest.mark.usefixtures("too_large")
def test_a_session_nobody_can_name_moves_to_another_day(tmp_path: Path) -> None:
    # must hold: Tue and Wed, one leader who cannot be at both halls on Tue.
    # The forced placement cannot be named; moving the session that cannot
    # be named (one of the two) to another half-day keeps both dialogues,
    # now on different days, and the new placement is named
    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-06"), per_commune=1)
    built = build_model(sc, build_grid(sc))
    placed = forced_pair(built)
    draft = _draft(built, placed)
    assert not name_staff(sc, [e for e, _ in draft], {}, 5.0, 0).people

    moved = move_unnamed(built, placed, draft, {"num_workers": 1}, 5.0, 5.0)

    assert moved is not None
    assert len(moved.moved) == 1
    sessions = [e for _, e in _draft(built, moved.solver) if e.kind == "session"]
    assert len(sessions) == 2
    assert len({e.start.date() for e in sessions}) == 2
    events = [e for e, _ in _draft(built, moved.solver)]
    assert name_staff(sc, events, {}, 5.0, 0).people
    # the model itself is not changed: the pair can still be placed
    assert forced_pair(built) is not None


@pytest.mark.usefixtures("too_large")
def test_a_session_with_nowhere_to_go_is_left_out(tmp_path: Path) -> None:
    # must break: with Tue the only day, the session that cannot be named has
    # no other half-day (its own is forbidden) and is left out
    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-05"), per_commune=1)
    built = build_model(sc, build_grid(sc))
    placed = forced_pair(built)
    draft = _draft(built, placed)

    moved = move_unnamed(built, placed, draft, {"num_workers": 1}, 5.0, 5.0)

    assert moved is not None
    sessions = [e for _, e in _draft(built, moved.solver) if e.kind == "session"]
    assert len(sessions) == 1
    assert sessions[0].event_id not in moved.moved


@pytest.mark.usefixtures("too_large")
def test_the_relaxation_start_is_a_solution_with_a_valid_bound(tmp_path: Path) -> None:
    # two communes, Tue to Thu: the relaxation holds both dialogues whole (it
    # ignores travel as stage 1 does here), so both placements are fixed and
    # CP-SAT completes them; its objective is at least the relaxation's bound
    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-07"), per_commune=1)
    built = build_model(sc, build_grid(sc))

    found = relaxation_start(built, {"num_workers": 1, "random_seed": 0}, 20.0)

    assert found is not None
    assert found.solver is not None
    assert found.fixed == 2
    assert found.solver.objective_value >= found.bound - 1e-6
    assert len([e for _, e in _draft(built, found.solver) if e.kind == "session"]) == 2


def test_a_too_large_province_reports_the_relaxation_s_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the same two communes on Tue only: exactly one dialogue can be staffed
    # (optimum O*, proven without the limits). Too large, the plan is the
    # same O*, checked, and its bound is the relaxation's (both held: below
    # O*), which the report's first stage gives
    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-05"), per_commune=1)
    best = solve(sc).solver.objective
    monkeypatch.setattr(staff_model, "MAX_TRAVEL_PLACES", 0)
    monkeypatch.setattr(staff_model, "MAX_STAR_ROWS", 0)
    plan = solve(sc)
    assert check_plan(sc, plan) == []
    assert plan.solver.objective == pytest.approx(best)
    first = plan.solver.stages[0]
    assert first["status"] == "FEASIBLE (linear relaxation)"
    assert plan.solver.bound == pytest.approx(first["bound"])
    assert plan.solver.bound < best


@pytest.mark.usefixtures("too_large")
def test_the_relaxation_s_bound_is_a_row_of_the_model(tmp_path: Path) -> None:
    # must hold: after the start the model has the row "objective >= the
    # relaxation's bound" (a little below it, HiGHS's tolerance), over the
    # objective's own terms, so every later round's CP-SAT bound starts
    # there and a relative gap limit stops a round within it. Must break
    # without the row: no constraint of the model has that lower bound.
    import time

    from scheduler.solver.solve import _guided_start, _just_below

    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-07"), per_commune=1)
    built = build_model(sc, build_grid(sc))
    params = {"num_workers": 1, "random_seed": 0}
    start = _guided_start(built, params, time.perf_counter() + 20.0, None)
    assert start is not None
    floor = start[1]
    assert floor > 0
    proto = built.model.proto
    objective = set(proto.objective.vars)
    rows = [
        ct
        for ct in proto.constraints
        if len(ct.linear.vars)
        and ct.linear.domain[0] == _just_below(floor)
        and set(ct.linear.vars) == objective
    ]
    assert len(rows) == 1


def _one_class(
    budget: int,
) -> tuple[cp_model.CpModel, cp_model.IntVar, list[cp_model.IntVar]]:
    """One class (y, fixed cost 12) for two communes (a1, a2 ≤ y, 2 each).

    Spending ``12·y + 2·a1 + 2·a2 ≤ budget``; each commune left untrained
    costs 10: minimise ``20 − 10·a1 − 10·a2``.
    """
    m = cp_model.CpModel()
    y, a1, a2 = (m.new_bool_var(n) for n in ("y", "a1", "a2"))
    m.add(a1 <= y)
    m.add(a2 <= y)
    m.add(12 * y + 2 * a1 + 2 * a2 <= budget)
    m.minimize(20 - 10 * a1 - 10 * a2)
    return m, y, [a1, a2]


def test_a_fraction_of_a_class_is_solved_on_both_sides() -> None:
    # must hold: with 10 to spend no class can open (12 alone), so every
    # plan costs 20. The relaxation opens y = t with a1 = a2 = t:
    # 16·t ≤ 10, t = 0.625, 20 − 20·0.625 = 7.5. Its sides: y ≤ 0 gives 20,
    # y ≥ 1 has no solution (12 > 10), so the bound of both is 20, the
    # optimum itself
    m, y, _ = _one_class(10)
    whole = solve_relaxation(m.proto, 10.0)
    assert whole is not None
    assert whole.bound == pytest.approx(7.5)
    assert whole.sides == ()  # must break: without the class, no sides

    relaxed = solve_relaxation(m.proto, 10.0, [[y.index]])

    assert relaxed is not None
    assert relaxed.bound == pytest.approx(7.5)
    assert [s.status for s in relaxed.sides] == [Status.OPTIMAL, Status.INFEASIBLE]
    assert relaxed.sides[0].bound == pytest.approx(20.0)
    assert side_bound(relaxed) == pytest.approx(20.0)


def test_both_sides_with_plans_give_the_lower_side_s_optimum() -> None:
    # with 15: the relaxation takes y = 0.9375 (16·t ≤ 15), 20 − 18.75 =
    # 1.25. Side y ≤ 0: 20; side y ≥ 1: a1 + a2 ≤ 1.5, 20 − 15 = 5. The
    # bound is 5, above 1.25 and below the optimum 10 (y = a1 = 1: 14 ≤ 15)
    m, y, _ = _one_class(15)

    relaxed = solve_relaxation(m.proto, 10.0, [[y.index]])

    assert relaxed is not None
    assert relaxed.bound == pytest.approx(1.25)
    assert sorted(s.bound or 0.0 for s in relaxed.sides) == pytest.approx([5.0, 20.0])
    assert side_bound(relaxed) == pytest.approx(5.0)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(m) == cp_model.OPTIMAL
    assert solver.objective_value == pytest.approx(10.0)


def test_the_lower_leaf_is_split_again_on_its_own_fraction() -> None:
    # the same with the communes trained as a second count (each costs 10
    # untrained): after the class split, the lower leaf (y ≥ 1, 5) trains
    # 1.5 communes; split again, a1 + a2 ≤ 1 gives 20 − 10 = 10 and
    # a1 + a2 ≥ 2 has no solution (12 + 4 > 15). The leaves are 20, 10 and
    # none: the bound is 10, the optimum itself (must break with one split: 5)
    m, y, communes = _one_class(15)
    trained = [a.index for a in communes]

    relaxed = solve_relaxation(m.proto, 10.0, [[y.index], trained])

    assert relaxed is not None
    assert len(relaxed.sides) == 3
    assert side_bound(relaxed) == pytest.approx(10.0)
    statuses = sorted(s.status.value for s in relaxed.sides)
    assert statuses == ["INFEASIBLE", "OPTIMAL", "OPTIMAL"]


@settings(max_examples=12, deadline=None)
@given(
    fixed=st.integers(1, 20),
    per_commune=st.integers(1, 6),
    penalty=st.integers(1, 15),
    budget=st.integers(0, 40),
    communes=st.integers(1, 4),
)
def test_the_bound_of_both_sides_never_passes_the_optimum(
    fixed: int, per_commune: int, penalty: int, budget: int, communes: int
) -> None:
    # one class for a few communes under a budget, at any prices: the bound
    # of the leaves lies between the whole relaxation's and the optimum (a
    # leaf that kept a sibling's row, or lost its parent's, would break it)
    m = cp_model.CpModel()
    y = m.new_bool_var("y")
    a = [m.new_bool_var(f"a{i}") for i in range(communes)]
    for x in a:
        m.add(x <= y)
    m.add(fixed * y + per_commune * sum(a) <= budget)
    m.minimize(penalty * communes - penalty * sum(a))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(m) == cp_model.OPTIMAL

    # split on the class, then on the communes trained: leaves of leaves
    relaxed = solve_relaxation(m.proto, 10.0, [[y.index], [x.index for x in a]])

    assert relaxed is not None
    bound = side_bound(relaxed)
    if bound is None:  # the counts were whole
        assert relaxed.sides == ()
        bound = relaxed.bound
    assert relaxed.bound - 1e-6 <= bound <= solver.objective_value + 1e-6


def _child_again(run: HighsRun, patch: str) -> None:
    """Run a finished HiGHS child again, its module patched first (a fault simulated).

    ``patch`` is Python run after ``import scheduler.solver.highs as h``; the
    first result is removed, so only the new child's counts.
    """
    import subprocess
    import sys

    run._process.wait(timeout=30)
    (run._folder / "result.json").unlink()
    child = (
        "import json, sys, time; from pathlib import Path; "
        f"import scheduler.solver.highs as h; {patch}; "
        "folder = Path(sys.argv[1]); "
        "options = json.loads((folder / 'options.json').read_text()); "
        "h.write_result(folder, h._run_highs(folder, options))"
    )
    run._process = subprocess.Popen([sys.executable, "-c", child, str(run._folder)])


def test_a_relaxation_whose_leaves_overrun_keeps_the_relaxation() -> None:
    # must hold: the child writes the relaxation before splitting it; when
    # its leaves overrun (HiGHS checks its limit only between steps) the
    # parent stops it once the limit has passed and returns the relaxation
    # without leaves. Simulated: the child's splitting sleeps. Must break
    # without the early write (nothing to return: TimeoutError)
    from scheduler.solver.highs import start_highs

    m, y, _ = _one_class(10)
    run = start_highs(
        m.proto, 10.0, keep_values=True, relaxation=True, branch=[[y.index]]
    )
    _child_again(run, "h._branch = lambda *args: time.sleep(60) or []")

    result = run.result(timeout=15.0, first_after=5.0)

    assert result.objective == pytest.approx(7.5)
    assert result.sides == ()


def test_a_relaxation_with_no_result_in_time_is_an_error() -> None:
    # must break: nothing written and the child still running at the timeout
    from scheduler.solver.highs import start_highs

    m, _, _ = _one_class(10)
    run = start_highs(m.proto, 10.0, keep_values=True, relaxation=True)
    _child_again(run, "time.sleep(60)")

    with pytest.raises(TimeoutError):
        run.result(timeout=0.5)


@pytest.mark.usefixtures("too_large")
def test_the_bound_stands_when_no_start_is_completed_in_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # must hold: the relaxation solved, its fixed copies not completed in
    # time: the bound is still a row of the model and the stage only reports
    # it (never the first round). Must break if a start were required: None
    import time

    from scheduler.solver import guided
    from scheduler.solver.solve import _guided_start

    monkeypatch.setattr(guided, "_fixed_solve", lambda *args: None)
    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-07"), per_commune=1)
    built = build_model(sc, build_grid(sc))
    rows = len(built.model.proto.constraints)

    start = _guided_start(
        built, {"num_workers": 1, "random_seed": 0}, time.perf_counter() + 20.0, None
    )

    assert start is not None
    stage, floor, better = start
    assert not better
    assert stage.status == cp_model.UNKNOWN
    assert floor > 0
    assert len(built.model.proto.constraints) == rows + 1


def test_leaves_with_no_solution_leave_the_relaxation_s_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # must hold: 2·y = 1 has a relaxation (y = 0.5) and no whole solution;
    # both leaves (y ≤ 0, y ≥ 1) have none, an infinite bound. The start
    # then keeps the relaxation's own bound, a number, instead of failing on
    # infinity (must break without the check: ValueError from the row)
    import time

    from scheduler.solver import guided
    from scheduler.solver.highs import Relaxation
    from scheduler.solver.solve import _guided_start

    m = cp_model.CpModel()
    y = m.new_bool_var("y")
    m.add(2 * y == 1)
    m.minimize(y)
    split = solve_relaxation(m.proto, 10.0, [[y.index]])
    assert split is not None
    assert side_bound(split) == float("inf")

    sc = far_apart(tmp_path, ("2023-09-05", "2023-09-07"), per_commune=1)
    built = build_model(sc, build_grid(sc))
    whole = solve_relaxation(built.model.proto, 20.0)
    assert whole is not None
    monkeypatch.setattr(
        guided,
        "solve_relaxation",
        lambda *args: Relaxation(whole.values, whole.bound, split.sides),
    )

    start = _guided_start(
        built, {"num_workers": 1, "random_seed": 0}, time.perf_counter() + 20.0, None
    )

    assert start is not None
    assert start[1] == pytest.approx(whole.bound)


def _quarters(quarters: int) -> tuple[cp_model.CpModel, list[list[int]]]:
    """Return one dialogue for each of 2·quarters communes, 10 each, 15 a quarter.

    A commune's dialogue may go to any quarter; each left out costs 10. The
    groups are the dialogues held, then those of each quarter.
    """
    m = cp_model.CpModel()
    x = [
        [m.new_bool_var(f"x{c}q{q}") for q in range(quarters)]
        for c in range(2 * quarters)
    ]
    for row in x:
        m.add(sum(row) <= 1)
    for q in range(quarters):
        m.add(sum(10 * row[q] for row in x) <= 15)
    m.minimize(sum(10 * (1 - sum(row)) for row in x))
    total = [v.index for row in x for v in row]
    each = [[row[q].index for row in x] for q in range(quarters)]
    return m, [total, *each]


def test_the_quarters_counts_lift_the_bound_to_the_optimum() -> None:
    # must hold: four quarters of 15 for eight dialogues of 10. The
    # relaxation holds 1.5 a quarter, 6 in all, leaving 2 out: 20. Every
    # plan holds at most one a quarter (20 > 15), leaving 4 out: 40, the
    # optimum. The total (6) is whole, so only the quarters' counts split
    # it: q1 ≥ 2 has no solution, q1 ≤ 1 leaves 5.5 in all, and so on,
    # down to 40. Must break without the quarters' groups (no split, 20) and
    # with the earlier limit of three splits (30 at most)
    m, groups = _quarters(4)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(m) == cp_model.OPTIMAL
    assert solver.objective_value == pytest.approx(40.0)

    total_only = solve_relaxation(m.proto, 10.0, groups[:1])
    relaxed = solve_relaxation(m.proto, 10.0, groups)

    assert total_only is not None
    assert total_only.bound == pytest.approx(20.0)
    assert total_only.sides == ()
    assert relaxed is not None
    assert side_bound(relaxed) == pytest.approx(40.0)
    assert len(relaxed.sides) > 4  # more than three splits


def test_the_relaxation_on_two_threads_has_the_same_leaves() -> None:
    # must hold: the parallel dual simplex (two threads) reaches the same
    # optima, leaf by leaf, as one thread: 20 for the relaxation, 40 for the
    # leaves of _quarters(4) (see above)
    m, groups = _quarters(4)

    one = solve_relaxation(m.proto, 10.0, groups, threads=1)
    two = solve_relaxation(m.proto, 10.0, groups, threads=2)

    assert one is not None
    assert two is not None
    assert two.bound == pytest.approx(one.bound) == pytest.approx(20.0)
    assert side_bound(two) == pytest.approx(side_bound(one)) == pytest.approx(40.0)
    leaves = [sorted(s.bound or 0.0 for s in r.sides) for r in (one, two)]
    assert leaves[1] == pytest.approx(leaves[0])


def test_a_plan_s_counts_by_quarter_are_split_on_after_the_totals() -> None:
    # must hold: Hưng Nguyên plans Q3 and Q4. After the training's classes
    # and each session activity's sessions held come those sessions by
    # quarter, which together are the activity's: every half-day in one
    # quarter. Must break without the quarters' groups (as many groups as
    # before, no partition)
    from scheduler.scenario.load import load_scenario

    sc = load_scenario("configs/scenarios/hung-nguyen-2023.toml")
    built = build_model(sc, build_grid(sc))
    variables = built.ctx.vars
    groups = variables.whole_counts()
    classes = [tv for tv in variables.training.values() if tv.open]
    activities = {act for act, _ in variables.sessions.x}

    totals = groups[len(classes) : len(classes) + len(activities)]
    by_quarter = groups[len(classes) + len(activities) :]

    # the training's window is Q3 alone: no classes by quarter; every session
    # activity has days in both quarters: two groups each
    assert len(by_quarter) == 2 * len(activities)
    for k, total in enumerate(totals):
        q3, q4 = by_quarter[2 * k], by_quarter[2 * k + 1]
        assert q3
        assert q4
        assert sorted(q3 + q4) == sorted(total)


def test_a_leaf_with_whole_counts_is_the_first_start() -> None:
    # must hold: the starts are taken whole counts first, the lowest first,
    # then the leaves with the most placements whole. Leaf A (bound 5) holds
    # a count of 1.5; leaves B (7) and C (6) hold whole counts; D (4) is
    # fractional with more placements whole than A. Order: C, B, D, A. Must
    # break with the order of the placements whole alone (D first)
    from scheduler.solver.guided import _start_order

    groups = [[0, 1]]
    binary = [2, 3, 4]
    leaves = {
        "A": (np.array([1.0, 0.5, 1.0, 0.2, 0.2]), 5.0),
        "B": (np.array([1.0, 1.0, 1.0, 0.5, 0.2]), 7.0),
        "C": (np.array([1.0, 0.0, 0.5, 0.5, 0.5]), 6.0),
        "D": (np.array([0.7, 0.8, 1.0, 1.0, 0.3]), 4.0),
    }

    order = sorted(leaves, key=lambda k: _start_order(leaves[k], groups, binary))

    assert order == ["C", "B", "D", "A"]


def test_a_relaxation_the_parallel_simplex_leaves_unsolved_is_solved_on_one() -> None:
    # must hold: on two threads the relaxation first gets PARALLEL_SHARE of
    # the limit with the parallel dual simplex; when that ends without an
    # optimum (simulated: a share of 0, the limit reached at once), the serial
    # one solves it from scratch: 7.5 for _one_class(10), as on one thread.
    # Must break without the second solve (no optimum: the relaxation lost)
    from scheduler.solver.highs import start_highs

    m, _, _ = _one_class(10)
    run = start_highs(m.proto, 10.0, 2, keep_values=True, relaxation=True)
    _child_again(run, "h.PARALLEL_SHARE = 0.0")

    result = run.result(timeout=30.0)

    assert result.status == Status.OPTIMAL
    assert result.objective == pytest.approx(7.5)


def test_a_leaf_the_parallel_simplex_leaves_unsolved_is_solved_on_one() -> None:
    # must hold: on two threads each leaf first gets a leash with the parallel
    # dual simplex; a leaf it leaves unsolved (simulated: a leash of 0) is
    # solved again serially from its parent's basis, and so is every leaf
    # after it: the leaves of _quarters(4) still reach 40. Must break without
    # the second solve (the first split lost: no leaves)
    from scheduler.solver.highs import start_highs

    m, groups = _quarters(4)
    run = start_highs(
        m.proto, 10.0, 2, keep_values=True, relaxation=True, branch=groups
    )
    _child_again(
        run,
        "split = h._split; "
        "h._split = lambda runs, leash, *rest: split(runs, 0.0, *rest)",
    )

    result = run.result(timeout=30.0)

    assert result.objective == pytest.approx(20.0)
    bounds = [side.bound for side in result.sides if side.status == Status.OPTIMAL]
    assert min(b for b in bounds if b is not None) == pytest.approx(40.0)
