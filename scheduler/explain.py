"""Which hard rules conflict: enforcement literals, assumptions, and a minimal core.

Each group of hard rules (a funding source in a quarter, a quarter target, a
milestone, the staff of a role in a half-day, …) is switched on by one literal.
The model is solved with those literals as assumptions (one worker, no
objective, as CP-SAT requires); the core it returns is then shrunk by deletion
until every rule left in it is needed for the conflict.
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from scheduler.calendar import TimeGrid
from scheduler.model.builder import build_model
from scheduler.scenario.schema import Scenario


def _feasible(
    model: cp_model.CpModel, lits: list[cp_model.IntVar], seconds: float
) -> bool | None:
    model.clear_assumptions()
    model.add_assumptions(lits)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = seconds
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return False
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return None


def explain_conflict(
    scenario: Scenario, grid: TimeGrid, time_limit_s: float = 60.0
) -> list[tuple[str, str]]:
    """Return a minimal set of conflicting rule groups, in Vietnamese and English.

    Parameters
    ----------
    scenario : Scenario
        An infeasible scenario.
    grid : TimeGrid
        Its time grid.
    time_limit_s : float
        Time for the whole explanation; when it runs out the core found so far
        is returned (still a conflict, perhaps not minimal).

    Returns
    -------
    list of (str, str)
        The rules, each as (Vietnamese, English) text.
    """
    started = time.perf_counter()
    built = build_model(scenario, grid, guarded=True)
    model = built.model
    model.clear_objective()  # type: ignore[no-untyped-call]
    groups = {g.literal.index: g for g in built.ctx.groups}
    all_lits = [g.literal for g in built.ctx.groups]
    model.add_assumptions(all_lits)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return [
            (
                "Không tìm được nhóm quy tắc xung đột (các quy tắc khác, không thể nới, đã mâu thuẫn).",
                "No conflicting rule group found (rules that cannot be relaxed conflict).",
            )
        ]
    core = [
        groups[i].literal for i in solver.sufficient_assumptions_for_infeasibility()
    ]
    if not core:
        return [
            (
                "Các quy tắc cơ bản (ngày làm việc, địa điểm, cán bộ) mâu thuẫn ngay cả khi bỏ các nhóm quy tắc.",
                "Basic rules (working days, venues, staff) conflict even with every rule group off.",
            )
        ]
    # deletion: drop a rule when the rest still conflicts
    i = 0
    while i < len(core) and time.perf_counter() - started < time_limit_s:
        trial = core[:i] + core[i + 1 :]
        left = max(time_limit_s - (time.perf_counter() - started), 1.0)
        if _feasible(model, trial, left) is False:
            core = trial
        else:
            i += 1
    return [(groups[lit.index].text_vi, groups[lit.index].text_en) for lit in core]
