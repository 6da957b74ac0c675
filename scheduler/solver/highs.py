"""Solve the CP-SAT model with a MIP solver (HiGHS), in a child process.

The default engine races HiGHS beside CP-SAT (:mod:`scheduler.solver.portfolio`),
the province solves its whole relaxation with it (:mod:`scheduler.province.tasks`),
and the benchmarks compare the two (scripts/compare_solvers.py, ``scheduler bench``).

:func:`translate` turns a ``CpModelProto`` into a mixed-integer program, row by
row, so that both solvers work on exactly the same model:

- every variable keeps its bounds and is integer (domains with holes are
  refused);
- a ``linear`` constraint keeps its domain when it is one interval;
- ``bool_or``, ``bool_and``, ``at_most_one`` and ``exactly_one`` become sums of
  literals, a negated literal ``¬x`` being ``1 − x``;
- an enforcement literal ``e`` (the constraint holds only when ``e`` is true)
  becomes a big-M term: for ``expr ≤ ub`` the row is
  ``expr ≤ ub + M·Σ(1 − e)`` with ``M = max(expr) − ub`` worked out from the
  variable bounds, which is the smallest M that leaves the row free when some
  ``e`` is false; likewise ``expr ≥ lb − M'·Σ(1 − e)`` with
  ``M' = lb − min(expr)``;
- the objective keeps its offset and scaling factor:
  CP-SAT reports ``scaling_factor × (Σ coeff·x + offset)``, and so does
  :func:`solve_with_highs`.

Any other constraint type raises :class:`NotImplementedError` naming it.

HiGHS runs in a child process (``python -m scheduler.solver.highs``) that never
loads OR-Tools. OR-Tools ships its own ``libhighs.so.1`` of another version
under the same name; once either is loaded in a process, the other fails to
load (undefined symbols), so ``highspy`` and CP-SAT cannot share a process.
The translation itself needs only numpy.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scheduler import interrupt
from scheduler.plan import Status

# CP-SAT writes an unbounded side of a domain as the int64 extremes.
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
# a sum of 0-1 values this close to a whole number is whole (HiGHS's tolerances)
COUNT_TOLERANCE = 1e-4
# a leaf is split while at least this many times the slowest split so far is
# left (before the first split: the relaxation's own time). From its parent's
# basis a split takes a fraction of the relaxation's time (130 communes ×0.8:
# 7.1 s for the relaxation on 1 thread, then 0.1-3.8 s a split, nine splits in
# 18.5 s)
SPLITS_AFTER = 2.0
MAX_SPLITS = 16  # of the relaxation's leaves (17 leaves at most)
LEAVES_GRACE_S = 2.0  # waited past the limit for a relaxation's leaves
LEAVES_WRITE_S = 1.0  # of the limit kept for the child to write its leaves
# HiGHS's simplex_strategy: the dual simplex on several threads (PAMI), or one
SIMPLEX_PARALLEL = 2
SIMPLEX_SERIAL = 1
# of a relaxation's limit for its first solve in parallel, before it is
# solved again on one thread (130 communes ×0.8: 5.0 s of 26 s)
PARALLEL_SHARE = 0.5
MIN_LEASH_S = 1.0  # a leaf in parallel gets at least this before it is solved serially

# Every oneof case of ConstraintProto, supported ones first (checked in order).
_SUPPORTED = ("linear", "bool_or", "bool_and", "at_most_one", "exactly_one")
_OTHER = (
    "bool_xor",
    "int_div",
    "int_mod",
    "int_prod",
    "lin_max",
    "element",
    "circuit",
    "routes",
    "table",
    "automaton",
    "inverse",
    "reservoir",
    "interval",
    "no_overlap",
    "no_overlap_2d",
    "cumulative",
    "all_diff",
    "dummy_constraint",
)


@dataclass(frozen=True)
class MipModel:
    """A MIP in the arrays HiGHS reads: ``row_lower ≤ A·x ≤ row_upper``, x integer.

    The objective is ``scaling × (cost·x + offset)``; HiGHS minimises
    ``cost·x + offset`` and the result is scaled back.
    """

    col_lower: np.ndarray[Any, np.dtype[np.float64]]
    col_upper: np.ndarray[Any, np.dtype[np.float64]]
    cost: np.ndarray[Any, np.dtype[np.float64]]
    offset: float
    scaling: float
    row_lower: np.ndarray[Any, np.dtype[np.float64]]
    row_upper: np.ndarray[Any, np.dtype[np.float64]]
    # the constraint matrix by rows (compressed sparse row)
    starts: np.ndarray[Any, np.dtype[np.int32]]
    indices: np.ndarray[Any, np.dtype[np.int32]]
    values: np.ndarray[Any, np.dtype[np.float64]]

    @property
    def num_vars(self) -> int:
        """Return the number of columns."""
        return len(self.col_lower)

    @property
    def num_constraints(self) -> int:
        """Return the number of rows."""
        return len(self.row_lower)


@dataclass(frozen=True)
class MipResult:
    """What HiGHS did with the model, in CP-SAT's objective scale.

    ``objective`` is ``None`` when no solution was found. ``gap`` is
    ``|objective − bound| / max(|objective|, 1e-9)``, as in the CP-SAT report.
    ``values`` holds the solution of the CP-SAT variables (by proto index)
    when asked for with ``keep_values``.
    """

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    wall_time_s: float
    num_vars: int
    num_constraints: int
    translate_time_s: float = 0.0
    values: tuple[int, ...] = field(default=(), repr=False)
    # with ``relaxation``: the linear relaxation's values (by proto index)
    relaxed: tuple[float, ...] = field(default=(), repr=False)
    # with ``branch``: the leaves of the relaxation split on whole counts
    sides: tuple[RelaxedSide, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class RelaxedSide:
    """A leaf of the relaxation split on whole counts (``Σ ≤ ⌊c⌋``, ``Σ ≥ ⌈c⌉``, …)."""

    status: Status  # OPTIMAL, or INFEASIBLE: no solution in this leaf
    bound: float | None  # its optimum, in CP-SAT's scale (OPTIMAL only)
    values: tuple[float, ...] = field(repr=False)


def constraint_kind(ct: Any) -> str | None:
    """Return the type of a ``ConstraintProto`` (``"linear"``, ``"bool_or"``, …).

    Works with both the protobuf message of ``cp_model_pb2`` and the C++-backed
    proto that ``CpModel.Proto()`` returns in recent OR-Tools.
    """
    which = getattr(ct, "WhichOneof", None)
    if which is not None:
        kind: str | None = which("constraint")
        return kind
    for name in _SUPPORTED + _OTHER:
        if getattr(ct, f"has_{name}")():
            return name
    return None


def _bound(value: int) -> float:
    if value <= _INT64_MIN + 1:
        return -math.inf
    if value >= _INT64_MAX - 1:
        return math.inf
    return float(value)


class _Rows:
    """Rows under construction, each ``lo ≤ Σ coef·x + const ≤ hi``."""

    def __init__(self, lower: list[float], upper: list[float]) -> None:
        self.lower, self.upper = lower, upper
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.starts: list[int] = [0]
        self.indices: list[int] = []
        self.values: list[float] = []

    @staticmethod
    def add_literal(terms: dict[int, float], lit: int, coef: float) -> float:
        """Add ``coef × lit`` to terms; return the constant it brings (for ¬x)."""
        if lit >= 0:
            terms[lit] = terms.get(lit, 0.0) + coef
            return 0.0
        var = -lit - 1
        terms[var] = terms.get(var, 0.0) - coef
        return coef

    def activity(self, terms: dict[int, float], const: float) -> tuple[float, float]:
        """Return the least and greatest value of ``Σ coef·x + const``."""
        lo = hi = const
        for var, coef in terms.items():
            if coef >= 0:
                lo += coef * self.lower[var]
                hi += coef * self.upper[var]
            else:
                lo += coef * self.upper[var]
                hi += coef * self.lower[var]
        return lo, hi

    def push(self, terms: dict[int, float], lo: float, hi: float) -> None:
        for var, coef in terms.items():
            if coef != 0.0:
                self.indices.append(var)
                self.values.append(coef)
        self.row_lower.append(lo)
        self.row_upper.append(hi)
        self.starts.append(len(self.indices))

    def add(
        self,
        terms: dict[int, float],
        const: float,
        lo: float,
        hi: float,
        enforcement: list[int],
    ) -> None:
        """Add ``lo ≤ Σ terms + const ≤ hi``, enforced only when all literals hold."""
        if not enforcement:
            self.push(terms, lo - const, hi - const)
            return
        least, most = self.activity(terms, const)
        k = len(enforcement)
        # expr ≤ hi + M·Σ(1 − e)  ⇔  expr + M·Σe ≤ hi + M·k, with M = max(expr) − hi
        if hi < most:
            big_m = most - hi
            row = dict(terms)
            shift = sum(self.add_literal(row, e, big_m) for e in enforcement)
            self.push(row, -math.inf, hi + big_m * k - const - shift)
        # expr ≥ lo − M'·Σ(1 − e)  ⇔  expr − M'·Σe ≥ lo − M'·k, with M' = lo − min(expr)
        if lo > least:
            big_m = lo - least
            row = dict(terms)
            shift = sum(self.add_literal(row, e, -big_m) for e in enforcement)
            self.push(row, lo - big_m * k - const - shift, math.inf)


def translate(proto: Any) -> MipModel:
    """Translate a CP-SAT model into a MIP with the same solutions and objective.

    Parameters
    ----------
    proto : CpModelProto
        ``CpModel.Proto()`` (or a ``cp_model_pb2.CpModelProto``).

    Returns
    -------
    MipModel
        Bounds, objective and constraint rows for HiGHS.

    Raises
    ------
    NotImplementedError
        For a constraint type other than linear, bool_or, bool_and,
        at_most_one and exactly_one, a linear domain of several intervals, a
        variable domain with holes or a floating-point objective.
    """
    lower: list[float] = []
    upper: list[float] = []
    for i, var in enumerate(proto.variables):
        dom = list(var.domain)
        if len(dom) != 2:
            raise NotImplementedError(
                f"variable {i} ({var.name or 'unnamed'}) has a domain with holes {dom}"
            )
        lower.append(float(dom[0]))
        upper.append(float(dom[1]))
    rows = _Rows(lower, upper)
    for index, ct in enumerate(proto.constraints):
        kind = constraint_kind(ct)
        enforcement = list(ct.enforcement_literal)
        terms: dict[int, float] = {}
        const = 0.0
        if kind == "linear":
            dom = list(ct.linear.domain)
            if len(dom) != 2:
                raise NotImplementedError(
                    f"constraint {index}: linear domain of several intervals {dom}"
                )
            for var, coef in zip(ct.linear.vars, ct.linear.coeffs, strict=True):
                const += rows.add_literal(terms, var, float(coef))
            rows.add(terms, const, _bound(dom[0]), _bound(dom[1]), enforcement)
        elif kind == "bool_or":
            for lit in ct.bool_or.literals:
                const += rows.add_literal(terms, lit, 1.0)
            rows.add(terms, const, 1.0, math.inf, enforcement)
        elif kind == "bool_and":
            # one row per literal: tighter than one row for the sum
            for lit in ct.bool_and.literals:
                one: dict[int, float] = {}
                c = rows.add_literal(one, lit, 1.0)
                rows.add(one, c, 1.0, math.inf, enforcement)
        elif kind in ("at_most_one", "exactly_one"):
            literals = getattr(ct, kind).literals
            for lit in literals:
                const += rows.add_literal(terms, lit, 1.0)
            lo = 1.0 if kind == "exactly_one" else -math.inf
            rows.add(terms, const, lo, 1.0, enforcement)
        else:
            raise NotImplementedError(
                f"constraint {index} ({ct.name or 'unnamed'}): CP-SAT constraint "
                f"type {kind!r} has no MIP translation here"
            )
    cost = np.zeros(len(lower))
    offset, scaling = 0.0, 1.0
    if getattr(proto, "has_floating_point_objective", lambda: False)():
        raise NotImplementedError(
            "floating-point objective has no MIP translation here"
        )
    objective = proto.objective
    if len(objective.vars):
        offset = float(objective.offset)
        scaling = float(objective.scaling_factor) or 1.0
        for var, coef in zip(objective.vars, objective.coeffs, strict=True):
            if var >= 0:
                cost[var] += coef
            else:  # coef·¬x = coef − coef·x
                cost[-var - 1] -= coef
                offset += coef
    return MipModel(
        col_lower=np.array(lower, dtype=np.float64),
        col_upper=np.array(upper, dtype=np.float64),
        cost=cost,
        offset=offset,
        scaling=scaling,
        row_lower=np.array(rows.row_lower, dtype=np.float64),
        row_upper=np.array(rows.row_upper, dtype=np.float64),
        starts=np.array(rows.starts, dtype=np.int32),
        indices=np.array(rows.indices, dtype=np.int32),
        values=np.array(rows.values, dtype=np.float64),
    )


_ARRAYS = (
    "col_lower",
    "col_upper",
    "cost",
    "row_lower",
    "row_upper",
    "starts",
    "indices",
    "values",
)


def _run_highs(folder: Path, options: dict[str, Any]) -> dict[str, Any]:
    """Solve the MIP saved in a folder with HiGHS (in the child process)."""
    import highspy

    arrays = np.load(folder / "mip.npz")
    lp = _highs_lp(arrays, float(options["offset"]))
    if not options.get("relaxation"):
        lp.integrality_ = [highspy.HighsVarType.kInteger] * lp.num_col_
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(options["time_limit_s"]))
    h.setOptionValue("threads", int(options["threads"]))
    h.setOptionValue("random_seed", int(options["seed"]))
    h.setOptionValue("mip_rel_gap", float(options["relative_gap"]))
    h.passModel(lp)
    started = time.perf_counter()
    runs = _Runs(
        h,
        float(options["time_limit_s"]),
        bool(options.get("relaxation")) and int(options["threads"]) > 1,
    )
    runs.run(h.clearSolver, float(options["time_limit_s"]) * PARALLEL_SHARE)
    wall = time.perf_counter() - started
    status, has_solution = _status_of(h)
    info = h.getInfo()
    solution = list(h.getSolution().col_value) if has_solution else []
    result: dict[str, Any] = {
        "status": status,
        "objective": info.objective_function_value if has_solution else None,
        "bound": info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None,
        "wall_time_s": wall,
        "values": (
            [round(v) for v in solution]
            if options["keep_values"] and not options.get("relaxation")
            else []
        ),
        # a relaxation's values, fractions kept
        "relaxed": (
            solution if options["keep_values"] and options.get("relaxation") else []
        ),
        "sides": [],
    }
    if options.get("relaxation") and options.get("branch") and status == Status.OPTIMAL:
        # the relaxation first: if its leaves overrun, the parent kills this
        # process and still has it (HighsRun.result)
        write_result(folder, result)
        # HiGHS's time limit counts every run of its object: the leaves share it
        result["sides"] = _branch(
            runs,
            options["branch"],
            np.array(solution),
            info.objective_function_value,
            float(options["time_limit_s"]),
        )
    return result


class _Runs:
    """HiGHS's runs of one model: the relaxation's dual simplex in parallel, on a leash.

    The parallel variant (task-parallel, "PAMI") solves a relaxation and its
    leaves in about 0.7 of the time on 2 threads (130 communes ×0.8: 25.6 →
    18.5 s for the relaxation and its nine splits), but it is the less robust
    one: it can stall (HiGHS issue 2991; the multi-iteration variant, SIP,
    stalled here on a leaf of ``_quarters(4)`` in the tests, 40 columns). So
    each run in parallel gets a leash; a run that ends unsolved before the
    limit is run again on the serial dual simplex, from ``restart``, and so
    is every run after it.
    """

    def __init__(self, h: Any, time_limit_s: float, parallel: bool) -> None:
        self.h = h
        self.parallel = parallel
        self.time_limit_s = time_limit_s
        if parallel:
            h.setOptionValue("simplex_strategy", SIMPLEX_PARALLEL)

    def limit(self, time_limit_s: float) -> None:
        """Set the limit of every run (HiGHS counts the time of all of them)."""
        self.time_limit_s = time_limit_s
        self.h.setOptionValue("time_limit", max(time_limit_s, self.h.getRunTime()))

    def run(self, restart: Callable[[], Any], leash_s: float) -> None:
        """Run HiGHS; in parallel at most ``leash_s``, then serially after ``restart``."""
        h = self.h
        if not self.parallel:
            h.run()
            return
        h.setOptionValue("time_limit", min(self.time_limit_s, h.getRunTime() + leash_s))
        h.run()
        h.setOptionValue("time_limit", self.time_limit_s)
        solved = _status_of(h)[0] in (Status.OPTIMAL, Status.INFEASIBLE)
        if solved or h.getRunTime() >= self.time_limit_s:
            return
        self.parallel = False
        h.setOptionValue("simplex_strategy", SIMPLEX_SERIAL)
        restart()
        h.run()


def _status_of(h: Any) -> tuple[Status, bool]:
    """Return a finished run's status and whether it holds a solution."""
    import highspy

    model_status = h.getModelStatus()
    has_solution = bool(h.getInfo().primal_solution_status == 2)  # feasible
    if model_status == highspy.HighsModelStatus.kOptimal:
        return Status.OPTIMAL, has_solution
    if model_status == highspy.HighsModelStatus.kInfeasible:
        return Status.INFEASIBLE, has_solution
    return (Status.FEASIBLE if has_solution else Status.UNKNOWN), has_solution


def first_fraction(
    groups: list[list[int]], values: np.ndarray[Any, np.dtype[np.float64]]
) -> tuple[int, float] | None:
    """Return the first group whose sum is a fraction, and that sum; None when all are whole."""
    for k, columns in enumerate(groups):
        total = float(values[columns].sum())
        if min(total - math.floor(total), math.ceil(total) - total) > COUNT_TOLERANCE:
            return k, total
    return None


def _branch(
    runs: _Runs,
    groups: list[list[int]],
    values: np.ndarray[Any, np.dtype[np.float64]],
    objective: float,
    time_limit_s: float,
) -> list[dict[str, Any]]:
    """Split a relaxation on counts every solution has whole, leaf by leaf.

    ``groups`` are columns whose sum every solution of the MIP has whole,
    in the order to split on them. The relaxation (``values``,
    ``objective``) is the first leaf. The leaf with the lowest objective is
    split on its first fractional count (:func:`first_fraction`) into
    ``Σ ≤ ⌊count⌋`` and ``Σ ≥ ⌈count⌉``, each solved by the dual simplex
    from the parent's basis, up to :data:`MAX_SPLITS` times while
    :data:`SPLITS_AFTER` times the slowest split so far is left of
    ``time_limit_s`` less :data:`LEAVES_WRITE_S` (HiGHS counts the time of
    every run of its object).
    Every solution lies in one leaf, so the lowest leaf's objective is a
    bound; when its counts are all whole the splits stop. Returns the leaves
    (status, objective, values), or nothing when no split was solved. In the
    child process.
    """
    import highspy

    h = runs.h
    inf = highspy.kHighsInf
    first_row = h.getNumRow()
    for columns in groups:  # one row per group, free until a leaf bounds it
        index = np.array(columns, dtype=np.int32)
        added = h.addRow(-inf, inf, len(index), index, np.ones(len(index)))
        if added == highspy.HighsStatus.kError:
            return []  # a row not added would shift every later group's row
    # the child writes its leaves after HiGHS's last run: keep it time for that
    # within the parent's grace (LEAVES_GRACE_S)
    limit = time_limit_s - LEAVES_WRITE_S
    runs.limit(limit)
    # a leaf in parallel gets at most the relaxation's own time, at least a second
    leash = max(h.getRunTime(), MIN_LEASH_S)
    root: dict[str, Any] = {
        "status": Status.OPTIMAL,
        "objective": objective,
        "relaxed": values,
        "rows": [(-inf, inf)] * len(groups),
        "basis": h.getBasis(),
    }
    leaves = [root]
    splits: list[float] = []  # the time of each split
    for _ in range(MAX_SPLITS):
        # before the first split its time is not known: the relaxation's
        slowest = max(splits) if splits else h.getRunTime()
        if limit - h.getRunTime() < SPLITS_AFTER * slowest:
            break
        solved = [
            (leaf["objective"], n)
            for n, leaf in enumerate(leaves)
            if leaf["status"] == Status.OPTIMAL
        ]
        if not solved:
            break
        # the lowest leaf is the bound: splitting any other cannot raise it
        _, n = min(solved)
        split = first_fraction(groups, np.asarray(leaves[n]["relaxed"]))
        if split is None:
            break
        started = h.getRunTime()
        children = _split(runs, leash, first_row, leaves[n], split)
        if children is None:
            break  # out of time: this split is lost, the leaves before it stand
        splits.append(h.getRunTime() - started)
        leaves[n : n + 1] = children
    if len(leaves) == 1:
        return []
    return [
        {
            "status": leaf["status"],
            "objective": leaf["objective"],
            "relaxed": list(leaf["relaxed"]),
        }
        for leaf in leaves
    ]


def _split(
    runs: _Runs,
    leash_s: float,
    first_row: int,
    parent: dict[str, Any],
    split: tuple[int, float],
) -> list[dict[str, Any]] | None:
    """Solve a leaf's two children, ``Σ ≤ ⌊count⌋`` and ``Σ ≥ ⌈count⌉``, from its basis.

    None when HiGHS stopped before both were solved (its time limit) or
    refused a change.
    """
    import highspy

    h = runs.h
    k, total = split
    lower, upper = parent["rows"][k]
    children = []
    for bounds in ((lower, math.floor(total)), (math.ceil(total), upper)):
        rows = list(parent["rows"])
        rows[k] = bounds
        changed = [
            h.changeRowBounds(first_row + g, lo, hi) for g, (lo, hi) in enumerate(rows)
        ]
        # from the parent's optimal basis only the new bound is violated: a
        # few dual simplex steps (130 communes ×0.8: 0.1-3.4 s a leaf, 2.9-7.9 s
        # from scratch, the same optima)
        changed.append(h.setBasis(parent["basis"]))
        if highspy.HighsStatus.kError in changed:
            return None
        runs.run(lambda: h.setBasis(parent["basis"]), leash_s)
        status = _status_of(h)[0]
        if status not in (Status.OPTIMAL, Status.INFEASIBLE):
            return None
        optimal = status == Status.OPTIMAL
        children.append(
            {
                "status": status,
                "objective": h.getInfo().objective_function_value if optimal else None,
                "relaxed": list(h.getSolution().col_value) if optimal else [],
                "rows": rows,
                "basis": h.getBasis() if optimal else None,
            }
        )
    return children


def _highs_lp(arrays: Any, offset: float) -> Any:
    """Return HiGHS's form of the rows, bounds and costs of :class:`MipModel` arrays."""
    import highspy

    lp = highspy.HighsLp()
    n, m = len(arrays["col_lower"]), len(arrays["row_lower"])
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = arrays["cost"]
    lp.offset_ = offset
    lp.col_lower_ = arrays["col_lower"]
    lp.col_upper_ = arrays["col_upper"]
    inf = highspy.kHighsInf
    lp.row_lower_ = np.where(np.isinf(arrays["row_lower"]), -inf, arrays["row_lower"])
    lp.row_upper_ = np.where(np.isinf(arrays["row_upper"]), inf, arrays["row_upper"])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    lp.a_matrix_.start_ = arrays["starts"]
    lp.a_matrix_.index_ = arrays["indices"]
    lp.a_matrix_.value_ = arrays["values"]
    return lp


@dataclass(frozen=True)
class Relaxation:
    """The linear relaxation of a CP-SAT model, solved: values and a bound."""

    values: np.ndarray[Any, np.dtype[np.float64]]  # by CP-SAT proto index
    bound: float  # the relaxation's optimum, in the model's objective units
    sides: tuple[RelaxedSide, ...] = ()  # with ``branch``: its leaves


def solve_relaxation(
    proto: Any,
    time_limit_s: float,
    branch: list[list[int]] | None = None,
    threads: int = 1,
) -> Relaxation | None:
    """Solve the linear relaxation of a CP-SAT model with HiGHS (in a child process).

    Every variable may take fractional values; the optimum is a lower bound
    of the model's objective (minimised), and its values show where a good
    plan lies (:mod:`scheduler.solver.guided`). The child, as for the MIP,
    keeps HiGHS's messages off the console and can be stopped.

    Parameters
    ----------
    proto : CpModelProto
        The model (:func:`translate` must support it).
    time_limit_s : float
        HiGHS's time limit; the child is killed at :func:`kill_after` of it.
    branch : list, optional
        Groups of variables whose sum every solution has whole, in the
        order to split on them: see :func:`start_highs`.
    threads : int
        HiGHS threads; with more than one, the dual simplex's parallel
        variant.

    Returns
    -------
    Relaxation or None
        None when the relaxation was not solved to optimality in time (its
        values would prove nothing), the model cannot be translated or the
        child failed.
    """
    try:
        run = start_highs(
            proto,
            time_limit_s,
            threads,
            keep_values=True,
            relaxation=True,
            branch=branch,
        )
        # with leaves, no longer than the limit once the relaxation itself
        # is written (first, and kept when a leaf overruns)
        result = run.result(
            timeout=kill_after(time_limit_s),
            first_after=time_limit_s + LEAVES_GRACE_S if branch else None,
        )
    except (NotImplementedError, RuntimeError, TimeoutError):
        return None
    if result.status != Status.OPTIMAL or result.objective is None:
        return None
    return Relaxation(np.array(result.relaxed), result.objective, result.sides)


class HighsRun:
    """HiGHS solving a translated model in a child process, started, not waited for.

    :func:`start_highs` makes one; :meth:`result` waits for it (and removes
    its files), :meth:`kill` stops it. Used by :func:`solve_with_highs` and
    by :class:`scheduler.solver.portfolio.HighsBeside`.
    """

    def __init__(self, mip: MipModel, options: dict[str, Any], translate_s: float):
        self.mip = mip
        self.translate_time_s = translate_s
        self.time_limit_s = float(options["time_limit_s"])
        self._tmp = tempfile.TemporaryDirectory(prefix="scheduler-highs-")
        self._folder = Path(self._tmp.name)
        np.savez(self._folder / "mip.npz", **{k: getattr(mip, k) for k in _ARRAYS})
        (self._folder / "options.json").write_text(
            json.dumps(options), encoding="utf-8"
        )
        # the child's errors go to a file: a pipe nobody reads could fill up
        self._stderr = (self._folder / "stderr.txt").open("w", encoding="utf-8")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "scheduler.solver.highs", str(self._folder)],
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        # Ctrl-C or SIGTERM of the command line kills it at once
        interrupt.watch(self.kill)

    def kill(self) -> None:
        """Stop the child process if it still runs (:meth:`result` then fails)."""
        if self._process.poll() is None:
            self._process.kill()

    def _close(self) -> None:
        self.kill()
        self._process.wait()
        self._stderr.close()
        self._tmp.cleanup()

    def result(
        self, timeout: float | None = None, first_after: float | None = None
    ) -> MipResult:
        """Wait for HiGHS and return its result in CP-SAT's objective scale.

        With ``first_after``: a relaxation whose leaves are still being
        solved after that many seconds is stopped, and the relaxation it
        wrote first is the result (without leaves); if it has not written
        it yet, the wait goes on up to ``timeout``.

        Raises
        ------
        TimeoutError
            When the process has not ended within ``timeout`` seconds (it is
            then killed) and wrote nothing.
        RuntimeError
            When the process failed.
        """
        first = self._folder / "result.json"
        try:
            ended = self._ended_within(timeout if first_after is None else first_after)
            if not ended and first_after is not None:
                if first.exists():
                    return self._first_of(first)
                rest = None if timeout is None else timeout - first_after
                ended = self._ended_within(rest)
            if not ended:
                if first.exists():
                    return self._first_of(first)
                raise TimeoutError(
                    f"HiGHS did not stop within {timeout:g} s "
                    f"(limit {self.time_limit_s:g} s)"
                )
            if self._process.returncode != 0:
                stderr = (self._folder / "stderr.txt").read_text(encoding="utf-8")
                raise RuntimeError(f"HiGHS process failed: {stderr.strip()[-2000:]}")
            out = json.loads(first.read_text(encoding="utf-8"))
        finally:
            self._close()
        return self._result_of(out)

    def _ended_within(self, seconds: float | None) -> bool:
        """Wait for the child at most ``seconds`` (None: until it ends); return whether it ended."""
        try:
            self._process.wait(timeout=None if seconds is None else max(seconds, 0.0))
        except subprocess.TimeoutExpired:
            return False
        return True

    def _first_of(self, first: Path) -> MipResult:
        """Stop the child and return the relaxation it wrote before its leaves.

        HiGHS checks its limit only between steps, so a leaf can overrun:
        the relaxation itself, written first, stands.
        """
        self.kill()
        self._process.wait()
        return self._result_of(json.loads(first.read_text(encoding="utf-8")))

    def _result_of(self, out: dict[str, Any]) -> MipResult:
        """Return the child's result in CP-SAT's objective scale."""
        mip = self.mip
        objective = bound = gap = None
        if out["objective"] is not None:
            objective = mip.scaling * out["objective"]
            if out["bound"] is not None:
                bound = mip.scaling * out["bound"]
                gap = (
                    abs(objective - bound) / max(abs(objective), 1e-9)
                    if objective
                    else 0.0
                )
        return MipResult(
            status=Status(out["status"]),
            objective=objective,
            bound=bound,
            gap=gap,
            wall_time_s=round(out["wall_time_s"], 3),
            num_vars=mip.num_vars,
            num_constraints=mip.num_constraints,
            translate_time_s=round(self.translate_time_s, 3),
            values=tuple(out["values"]),
            relaxed=tuple(out["relaxed"]),
            sides=tuple(
                RelaxedSide(
                    Status(side["status"]),
                    None
                    if side["objective"] is None
                    else mip.scaling * side["objective"],
                    tuple(side["relaxed"]),
                )
                for side in out.get("sides", [])
            ),
        )


# HiGHS checks its limit only between steps and can overrun it (a 20 s limit ran
# 45 s on a 173-commune province): its process is killed after
# limit × HARD_OVER_LIMIT + HARD_GRACE_S, whoever started it
HARD_OVER_LIMIT = 1.25
HARD_GRACE_S = 5.0


def kill_after(limit_s: float) -> float:
    """Return after how many seconds a HiGHS run with this limit is killed.

    The one policy for every caller (the race beside CP-SAT, the province's
    whole-province task): the limit, plus a quarter, plus 5 s.
    """
    return limit_s * HARD_OVER_LIMIT + HARD_GRACE_S


def start_highs(
    proto: Any,
    time_limit_s: float,
    threads: int = 1,
    *,
    seed: int = 0,
    relative_gap: float = 0.0,
    keep_values: bool = False,
    relaxation: bool = False,
    branch: list[list[int]] | None = None,
) -> HighsRun:
    """Translate a CP-SAT model and start HiGHS on it in a child process.

    The parameters are those of :func:`solve_with_highs`; with ``relaxation``
    HiGHS solves the linear relaxation (every variable continuous), and
    ``keep_values`` keeps its fractional values in ``MipResult.relaxed``.
    With ``branch`` as well (groups of variables whose sum every solution
    has whole, in the order to split on them), a relaxation whose groups
    sum to fractions is split on them within the same limit (:func:`_branch`;
    the leaves in ``MipResult.sides``).

    Raises
    ------
    NotImplementedError
        When the model uses something :func:`translate` does not support.
    """
    started = time.perf_counter()
    mip = translate(proto)
    options = {
        "offset": mip.offset,
        "time_limit_s": time_limit_s,
        "threads": threads,
        "seed": seed,
        "relative_gap": relative_gap,
        "keep_values": keep_values,
        "relaxation": relaxation,
        "branch": branch or [],
    }
    return HighsRun(mip, options, time.perf_counter() - started)


def solve_with_highs(
    proto: Any,
    time_limit_s: float,
    threads: int = 1,
    *,
    seed: int = 0,
    relative_gap: float = 0.0,
    keep_values: bool = False,
    hard_limit_s: float | None = None,
) -> MipResult:
    """Translate a CP-SAT model and solve it with HiGHS (in a child process).

    Parameters
    ----------
    proto : CpModelProto
        ``build_model(...).ctx.model.Proto()``.
    time_limit_s : float
        HiGHS time limit (the translation is not counted in it).
    threads : int
        HiGHS threads.
    seed : int
        HiGHS random seed.
    relative_gap : float
        Stop when the relative gap is at most this; 0 asks for a proof of
        optimality, as CP-SAT gives.
    keep_values : bool
        Keep the solution's variable values in the result.
    hard_limit_s : float, optional
        Seconds after which the HiGHS process is killed. HiGHS checks its own
        limit only between steps, and a long one can overrun it (a 20 s limit
        ran 45 s on a 173-commune province).

    Returns
    -------
    MipResult
        Status (``OPTIMAL``, ``FEASIBLE``, ``INFEASIBLE`` or ``UNKNOWN``),
        objective and bound in CP-SAT's scale, gap, HiGHS wall time (its own
        solve, without starting the child process) and the MIP's size.

    Raises
    ------
    NotImplementedError
        When the model uses something :func:`translate` does not support.
    RuntimeError
        When the HiGHS process fails.
    TimeoutError
        When the HiGHS process was killed at ``hard_limit_s``.
    """
    run = start_highs(
        proto,
        time_limit_s,
        threads,
        seed=seed,
        relative_gap=relative_gap,
        keep_values=keep_values,
    )
    return run.result(timeout=hard_limit_s)


def write_result(folder: Path, result: dict[str, Any]) -> None:
    """Write the child's result to ``result.json`` whole (replaced, never half written)."""
    partial = folder / "result.json.part"
    partial.write_text(json.dumps(result), encoding="utf-8")
    partial.replace(folder / "result.json")


if __name__ == "__main__":
    _folder = Path(sys.argv[1])
    _options = json.loads((_folder / "options.json").read_text(encoding="utf-8"))
    write_result(_folder, _run_highs(_folder, _options))
