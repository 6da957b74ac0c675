"""What if an event moved: the best other half-days (or broadcast days) for one event.

The model of the scenario is built as for planning, every other event is
fixed where the plan has it, and the chosen event may go anywhere else. Each
solve gives the best remaining place and its objective; that place is then
forbidden and the model solved again, k times. The change in score is the
objective against the plan's own objective under the same model. Who could
staff a new half-day is read from the plan: holders of each role who are not
blocked, not at another event that half-day and under their weekly cap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler import interrupt
from scheduler.calendar import TimeGrid, week_key
from scheduler.i18n import pick, weekday
from scheduler.kinds import Kind
from scheduler.model.builder import BuiltModel, build_model
from scheduler.officials import serving
from scheduler.plan import Event, Plan
from scheduler.scenario.schema import Scenario


@dataclass(frozen=True)
class Alternative:
    """Another time for an event, its score change and the people free then."""

    day: dt.date
    half: str | None  # "morning"/"afternoon" for a session, None for a broadcast
    delta: int
    staff: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def label(self, lang: str = "vi") -> str:
        """Return the time in words, e.g. ``Thứ Ba 12/09/2023 buổi sáng``."""
        part_en = f" {self.half}" if self.half else ""
        part_vi = {"morning": " buổi sáng", "afternoon": " buổi chiều"}.get(
            self.half or "", ""
        )
        return pick(
            lang,
            f"{weekday(self.day, 'vi')} {self.day:%d/%m/%Y}{part_vi}",
            f"{self.day:%a} {self.day.isoformat()}{part_en}",
        )


def _fix_plan(
    built: BuiltModel, plan: Plan, moving: Event | None
) -> tuple[dict[int, cp_model.IntVar], list[cp_model.LinearExprT], list[dt.date]]:
    """Fix every event of the plan but ``moving``; return the moving event's choices.

    Returns the session variables the moving event may take (by session
    index), or for a broadcast the per-day item counts it may join and
    their days (see :meth:`scheduler.model.variables.Variables.fix`).
    """
    fixed = built.ctx.vars.fix(plan, free=moving)
    return fixed.choices, fixed.day_choices, fixed.choice_days


def _who(
    sc: Scenario, grid: TimeGrid, plan: Plan, moving: Event, day: dt.date, half: str
) -> dict[str, tuple[str, ...]]:
    """Return, per role of the event, the people free on that half-day."""
    blocked = grid.staff_blocked
    busy: set[str] = set()
    week: dict[str, int] = {}
    times = sc.calendar.morning if half == "morning" else sc.calendar.afternoon
    start = dt.datetime.combine(day, times.start)
    end = dt.datetime.combine(day, times.end)
    for e in plan.events:
        if e.event_id == moving.event_id or not e.staff:
            continue
        if e.start.replace(tzinfo=None) < end and start < e.end.replace(tzinfo=None):
            busy.update(e.staff_ids)
        if e.kind == Kind.SESSION and week_key(e.start.date()) == week_key(day):
            for pid in e.staff_ids:
                week[pid] = week.get(pid, 0) + 1
    out = {}
    for role, need in sc.activities[moving.activity].roles.items():
        if need == 0:
            continue
        out[role] = tuple(
            p.name
            for p in serving(sc, role, moving.commune_code)
            if (day, half) not in blocked.get(p.staff_id, frozenset())
            and p.staff_id not in busy
            and week.get(p.staff_id, 0) < p.max_sessions_per_week
        )
    return out


def alternatives(
    scenario: Scenario,
    grid: TimeGrid,
    plan: Plan,
    event_id: str,
    k: int = 5,
    time_limit_s: float = 10.0,
) -> list[Alternative]:
    """Return the best ``k`` other times for an event, best first.

    Parameters
    ----------
    scenario, grid
        The scenario of the plan and its time grid.
    plan : Plan
        The plan (every other event stays where it is).
    event_id : str
        The session or broadcast item to move.
    k : int
        How many alternatives.
    time_limit_s : float
        CP-SAT time limit per solve.

    Returns
    -------
    list of Alternative
        Fewer than ``k`` when fewer places keep every hard rule.

    Raises
    ------
    ValueError
        For an unknown event, a training class (a class moves with the
        communes it serves: re-plan instead), or a plan that does not fit the
        scenario.
    """
    moving = next((e for e in plan.events if e.event_id == event_id), None)
    if moving is None:
        raise ValueError(f"no event '{event_id}' in the plan")
    if moving.kind == Kind.TRAINING:
        raise ValueError(
            "training classes are not moved one by one; use scheduler replan "
            "with a lock or a change instead"
        )
    built = build_model(scenario, grid)
    choice, day_choice, choice_days = _fix_plan(built, plan, moving)
    model = built.model
    by_index = {s.index: s for s in grid.sessions}

    def solve_once(model: cp_model.CpModel) -> cp_model.CpSolver | None:
        solver = cp_model.CpSolver()
        interrupt.watch_solver(solver)  # Ctrl-C stops it (scheduler.interrupt)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 0
        solver.parameters.max_time_in_seconds = time_limit_s
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return solver
        return None

    # the plan itself under the same rules and objective, as the baseline
    fixed = build_model(scenario, grid)
    _fix_plan(fixed, plan, None)
    base = solve_once(fixed.model)
    if base is None:
        raise ValueError(
            "the plan does not fit this scenario (check it with scheduler check)"
        )
    baseline = round(base.objective_value)

    out: list[Alternative] = []
    while len(out) < k:
        solver = solve_once(model)
        if solver is None:
            break
        delta = round(solver.objective_value) - baseline
        if moving.kind == Kind.SESSION:
            i = next(i for i, v in choice.items() if solver.value(v))
            s = by_index[i]
            who = _who(scenario, grid, plan, moving, s.day, s.half)
            out.append(Alternative(s.day, s.half, delta, who))
            model.add(choice[i] == 0)
        else:
            n = next(n for n, gain in enumerate(day_choice) if solver.value(gain))
            out.append(Alternative(choice_days[n], None, delta))
            model.add(day_choice[n] == 0)
    return out
