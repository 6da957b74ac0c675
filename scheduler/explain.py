"""Why a scenario has no plan, and what to change: pre-checks, a minimal core, relaxations.

Three layers, cheapest first:

1. :func:`prechecks` looks at the scenario alone (no solver) for the obvious:
   a required role nobody holds, a commune with no free half-day, a budget
   below the cheapest possible spending, a quarter target beyond capacity, a
   training class too small.
2. :func:`find_core` builds the model with every group of hard rules switched
   on by its own literal (a funding source in a quarter, a quarter target, a
   person's blocked days, a commune's blocked period, the weekly caps of a
   role, a training's capacity, a milestone, …), solves with the literals as
   assumptions (one worker, no objective, as CP-SAT requires) and shrinks the
   returned core by deletion until every rule left in it is needed. Rules
   with a number (budget, target) are then stated with the number the rest of
   the conflict forces ("… có 120.000.000 đ nhưng cần ít nhất 135.000.000 đ").
3. :func:`suggest_relaxation` builds the model with the rule groups made soft:
   slack in domain units (VND per source and quarter, sessions of a target,
   sessions a week per role, seats or classes of a training) or dropping a
   group, each with a cost in points (1 point = 1,000 VND), and minimises the
   total cost: the cheapest set of changes that makes the scenario feasible.
   :func:`apply_relaxation` writes those changes into a scenario, so that they
   can be proven by solving again.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from scheduler.calendar import TimeGrid, build_grid, quarter_key, week_key
from scheduler.costs import broadcast_cost, session_cost, session_venue
from scheduler.errors import InfeasibleScenario, SolverGaveUp
from scheduler.i18n import pick, quarter, vnd
from scheduler.model.budget import BUDGET
from scheduler.model.builder import BuiltModel, build_model
from scheduler.model.context import RuleGroup, RuleKey
from scheduler.model.family import drop_cost, relaxation, rule_key
from scheduler.model.sequencing import PIN, TARGET
from scheduler.model.sessions import COMMUNE_BLOCKED
from scheduler.model.staff import STAFF_BLOCKED, WEEKLY
from scheduler.officials import serving
from scheduler.plan import Plan, Unscheduled
from scheduler.scenario.schema import Scenario
from scheduler.solver.portfolio import cp_solver, portfolio_delay, race


@dataclass(frozen=True)
class Finding:
    """One rule in the planner's words, in Vietnamese and English.

    ``key`` names the rule group (``budget:ctmtqg:2023-Q3``) or the
    pre-check (``precheck:role:lanh_dao_huyen``).
    """

    key: str
    text_vi: str
    text_en: str

    def text(self, lang: str = "vi") -> str:
        """Return the text in one language."""
        return pick(lang, self.text_vi, self.text_en)


@dataclass(frozen=True)
class Relaxation:
    """One change that, with the others of its set, makes the scenario feasible.

    ``amount`` is in the rule's domain unit (VND for a budget, sessions for a
    target, sessions a week for caps, seats or classes for a training); 0 when
    the whole rule group is dropped. ``cost`` is in points (1 point = 1,000 VND).
    """

    key: str
    amount: int
    cost: int
    text_vi: str
    text_en: str

    def text(self, lang: str = "vi") -> str:
        """Return the text in one language."""
        return pick(lang, self.text_vi, self.text_en)


@dataclass(frozen=True)
class Explanation:
    """Everything ``scheduler explain`` reports for a scenario."""

    feasible: bool
    prechecks: tuple[Finding, ...] = ()
    conflicts: tuple[Finding, ...] = ()
    minimal: bool = True
    relaxations: tuple[Relaxation, ...] = ()
    relaxation_status: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    # the scenario with every relaxation written in: True a plan exists
    # (proven), False none does, None not settled in time
    relaxation_proven: bool | None = None


# --------------------------------------------------------------------------- pre-checks


def prechecks(scenario: Scenario, grid: TimeGrid) -> list[Finding]:
    """Return the obvious reasons a scenario cannot be planned, without solving.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    grid : TimeGrid
        Its time grid.

    Returns
    -------
    list of Finding
        Each finding with its numbers; empty when nothing obvious is wrong
        (the scenario may still conflict in subtler ways).
    """
    sc = scenario
    out: list[Finding] = []
    # required roles nobody (or too few) hold
    for act_id, spec in sc.activities.items():
        for role, need in spec.roles.items():
            have = len(sc.holders(role))
            if need > have:
                out.append(
                    Finding(
                        f"precheck:role:{act_id}:{role}",
                        f"{spec.name_vi} cần {need} người giữ vai trò {role} "
                        f"nhưng chỉ có {have} người giữ vai trò này",
                        f"{spec.name_en} needs {need} holders of role {role} "
                        f"but only {have} people hold it",
                    )
                )
    # communes with no free half-day for a session activity
    free_before: dict[tuple[str, str], list[dt.date]] = {}
    for act_id, spec in sc.activities.items():
        if spec.kind != "session":
            continue
        lo = spec.window_start or sc.horizon.start
        hi = spec.window_end or sc.horizon.end
        for c in sc.communes_for(act_id):
            if sc.required_count(act_id, c.commune_code) == 0:
                continue
            blocked = grid.commune_blocked.get(c.commune_code, frozenset())
            free = [
                s.day
                for s in grid.sessions
                if lo <= s.day <= hi and (s.day, s.half) not in blocked
            ]
            free_before[(act_id, c.commune_code)] = free
            if not free:
                out.append(
                    Finding(
                        f"precheck:no_free_half_day:{act_id}:{c.commune_code}",
                        f"{c.commune_name} không còn buổi làm việc nào trống cho "
                        f"{spec.name_vi} từ {lo:%d/%m/%Y} đến {hi:%d/%m/%Y}",
                        f"{c.commune_name} has no free working half-day for the "
                        f"{spec.name_en} between {lo} and {hi}",
                    )
                )
            if session_venue(sc, act_id, c.commune_code) is None:
                out.append(
                    Finding(
                        f"precheck:venue:{act_id}:{c.commune_code}",
                        f"{c.commune_name} không có hội trường đủ {spec.attendees} chỗ",
                        f"{c.commune_name} has no venue for {spec.attendees} people",
                    )
                )
    out.extend(_target_prechecks(sc, grid, free_before))
    out.extend(_budget_prechecks(sc, grid))
    out.extend(_training_prechecks(sc))
    return out


def _cheapest_sessions(sc: Scenario, act_id: str, n: int) -> int:
    """Return the cost of the ``n`` cheapest sessions of an activity (one per commune slot)."""
    costs = []
    for c in sc.communes_for(act_id):
        venue = session_venue(sc, act_id, c.commune_code)
        if venue is None:
            continue
        price = session_cost(sc, act_id, venue)
        costs += [price] * sc.required_count(act_id, c.commune_code)
    return sum(sorted(costs)[:n])


def _target_prechecks(
    sc: Scenario,
    grid: TimeGrid,
    free_before: dict[tuple[str, str], list[dt.date]],
) -> list[Finding]:
    out = []
    for t in sc.targets:
        spec = sc.activities[t.activity]
        required = sum(
            sc.required_count(t.activity, c.commune_code)
            for c in sc.communes_for(t.activity)
        )
        need = math.ceil(t.min_fraction * required - 1e-9)
        # places: a commune hosts one session a half-day, at most its required count
        places = sum(
            min(
                sc.required_count(t.activity, code),
                sum(1 for d in days if d <= t.by),
            )
            for (a, code), days in free_before.items()
            if a == t.activity
        )
        if places < need:
            out.append(
                Finding(
                    f"precheck:target_places:{t.activity}:{t.by}",
                    f"Chỉ tiêu {need} buổi {spec.name_vi} trước {t.by:%d/%m/%Y} "
                    f"nhưng các xã chỉ còn chỗ cho {places} buổi",
                    f"Target of {need} {spec.name_en} by {t.by} but the communes "
                    f"have room for only {places}",
                )
            )
        # staff: every role's holders give at most min(cap, free half-days) a week
        for role, per_event in spec.roles.items():
            if per_event == 0:
                continue
            room = 0
            for p in sc.holders(role):
                mine = grid.staff_blocked.get(p.staff_id, frozenset())
                per_week: dict[str, int] = {}
                for s in grid.sessions:
                    if s.day <= t.by and (s.day, s.half) not in mine:
                        k = week_key(s.day)
                        per_week[k] = per_week.get(k, 0) + 1
                room += sum(min(p.max_sessions_per_week, n) for n in per_week.values())
            if room < need * per_event:
                out.append(
                    Finding(
                        f"precheck:target_staff:{t.activity}:{t.by}:{role}",
                        f"Chỉ tiêu {need} buổi {spec.name_vi} trước {t.by:%d/%m/%Y} "
                        f"cần {need * per_event} lượt {role} nhưng những người giữ "
                        f"vai trò này chỉ có tối đa {room} buổi (theo giới hạn mỗi "
                        f"tuần và ngày bận)",
                        f"Target of {need} {spec.name_en} by {t.by} needs "
                        f"{need * per_event} {role} places but its holders can give "
                        f"at most {room} (weekly caps and blocked days)",
                    )
                )
    return out


def _budget_prechecks(sc: Scenario, grid: TimeGrid) -> list[Finding]:
    """Money the hard rules force per quarter against the allowances that may pay it."""
    out = []
    # forced spending: (sources allowed, quarters it may fall in) -> VND, reason
    forced: list[tuple[frozenset[str], tuple[str, ...], int, str, str]] = []
    for t in sc.targets:
        spec = sc.activities[t.activity]
        required = sum(
            sc.required_count(t.activity, c.commune_code)
            for c in sc.communes_for(t.activity)
        )
        need = math.ceil(t.min_fraction * required - 1e-9)
        quarters = tuple(q for q in grid.quarters if q <= quarter_key(t.by))
        cost = _cheapest_sessions(sc, t.activity, need)
        forced.append(
            (
                frozenset(spec.funding_sources),
                quarters,
                cost,
                f"{need} buổi {spec.name_vi} bắt buộc trước {t.by:%d/%m/%Y}",
                f"{need} required {spec.name_en} by {t.by}",
            )
        )
    for act_id, spec in sc.activities.items():
        if spec.kind != "broadcast" or not spec.every_topic_per_quarter:
            continue
        topics = len(sc.topics_for(act_id))
        stations = {
            s.commune_code
            for s in sc.stations
            if s.airtime_minutes >= spec.minutes
            and s.commune_code in {c.commune_code for c in sc.communes_for(act_id)}
        }
        for q in grid.quarters:
            cost = topics * len(stations) * broadcast_cost(sc, act_id)
            forced.append(
                (
                    frozenset(spec.funding_sources),
                    (q,),
                    cost,
                    f"{topics} chủ đề {spec.name_vi} ở {len(stations)} xã trong {q}",
                    f"{topics} topics of {spec.name_en} in {len(stations)} communes in {q}",
                )
            )
    funding = {f.id: f for f in sc.funding}
    for sources, quarters, cost, why_vi, why_en in forced:
        available = sum(
            funding[f].allowance_vnd.get(q, 0)
            for f in sources
            if f in funding
            for q in quarters
        )
        if cost > available:
            names_vi = ", ".join(
                funding[f].name_vi for f in sorted(sources) if f in funding
            )
            names_en = ", ".join(
                funding[f].name_en for f in sorted(sources) if f in funding
            )
            span = "–".join(dict.fromkeys((quarters[0], quarters[-1])))
            span_vi = "–".join(
                dict.fromkeys(
                    quarter(q, in_sentence=True) for q in (quarters[0], quarters[-1])
                )
            )
            out.append(
                Finding(
                    f"precheck:budget:{'+'.join(sorted(sources))}:{span}",
                    f"{names_vi} {span_vi} có {vnd(available, 'vi')} nhưng {why_vi} "
                    f"cần ít nhất {vnd(cost, 'vi')}",
                    f"{names_en} {span} has {vnd(available, 'en')} but {why_en} "
                    f"need at least {vnd(cost, 'en')}",
                )
            )
    return out


def _training_prechecks(sc: Scenario) -> list[Finding]:
    out = []
    for act_id, spec in sc.activities.items():
        if spec.kind != "training" or spec.trainees_per_commune == 0:
            continue
        assert spec.venue is not None
        size = min(spec.class_size, sc.venue(spec.venue).capacity)
        communes = len(sc.communes_for(act_id))
        if spec.trainees_per_commune > size:
            out.append(
                Finding(
                    f"precheck:class_too_small:{act_id}",
                    f"{spec.name_vi}: mỗi lớp chỉ {size} chỗ nhưng mỗi xã cử "
                    f"{spec.trainees_per_commune} học viên",
                    f"{spec.name_en}: a class holds {size} but each commune sends "
                    f"{spec.trainees_per_commune} trainees",
                )
            )
        elif spec.max_classes is not None:
            per_class = size // spec.trainees_per_commune
            if per_class * spec.max_classes < communes:
                out.append(
                    Finding(
                        f"precheck:training_capacity:{act_id}",
                        f"{spec.name_vi}: {spec.max_classes} lớp × {per_class} xã/lớp "
                        f"chỉ đủ cho {per_class * spec.max_classes}/{communes} xã",
                        f"{spec.name_en}: {spec.max_classes} classes × {per_class} "
                        f"communes a class train only "
                        f"{per_class * spec.max_classes} of {communes} communes",
                    )
                )
    return out


# --------------------------------------------------------------------------- the core


def _params(seconds: float, workers: int = 1) -> dict[str, Any]:
    return {
        "num_workers": workers,
        "random_seed": 0,
        "max_time_in_seconds": max(seconds, 0.5),
        # the full linear relaxation proves budget and count conflicts at once;
        # with the default level one worker can search for minutes without an answer
        "linearization_level": 2,
    }


def _solver(seconds: float) -> cp_model.CpSolver:
    return cp_solver(_params(seconds))


def _feasible(
    model: cp_model.CpModel, lits: list[cp_model.IntVar], seconds: float
) -> bool | None:
    model.clear_assumptions()
    model.add_assumptions(lits)
    solver = _solver(seconds)
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return False
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return None


Extra = Callable[[BuiltModel], None]


@dataclass
class Core:
    """A conflict found by :func:`find_core`."""

    built: BuiltModel
    groups: list[RuleGroup]
    feasible: bool
    minimal: bool
    basic: bool = False  # rules that are never guarded conflict on their own
    # rule key -> the measure's best value with the rest of the core on (model units)
    best: dict[RuleKey, int] = field(default_factory=dict)


def find_core(
    scenario: Scenario,
    grid: TimeGrid,
    time_limit_s: float = 60.0,
    extra: Extra | None = None,
) -> Core:
    """Return a minimal set of conflicting rule groups (empty when feasible).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    grid : TimeGrid
        Its time grid.
    time_limit_s : float
        Time for the whole search; when it runs out the core found so far is
        returned (still a conflict, perhaps not minimal: ``minimal`` is false).
    extra : callable, optional
        Adds hard constraints to the built model first (e.g. "this left-out
        dialogue must be held"), to explain why they cannot hold.

    Returns
    -------
    Core
        The model, the rule groups of the core, whether the scenario is
        feasible and whether the core is proven minimal.
    """
    started = time.perf_counter()
    built = build_model(scenario, grid, guarded=True)
    if extra is not None:
        extra(built)
    model = built.model
    model.clear_objective()  # type: ignore[no-untyped-call]
    groups = {g.literal.index: g for g in built.ctx.groups}
    all_lits = [g.literal for g in built.ctx.groups]
    model.add_assumptions(all_lits)
    solver = _solver(time_limit_s)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Core(built, [], True, True)
    if status != cp_model.INFEASIBLE:
        name = solver.status_name(status)
        raise SolverGaveUp(
            f"chưa có câu trả lời trong {time_limit_s} giây (CP-SAT {name}); "
            "hãy tăng --time-limit",
            f"no answer within {time_limit_s} s (CP-SAT {name}); "
            "try a larger --time-limit",
        )
    core = [
        groups[i].literal for i in solver.sufficient_assumptions_for_infeasibility()
    ]
    if not core:
        return Core(built, [], False, True, basic=True)
    # deletion: drop a rule when the rest still conflicts
    minimal = True
    i = 0
    while i < len(core):
        left = time_limit_s - (time.perf_counter() - started)
        if left <= 0:
            minimal = False
            break
        trial = core[:i] + core[i + 1 :]
        answer = _feasible(model, trial, left)
        if answer is False:
            core = trial
        else:
            if answer is None:
                minimal = False
            i += 1
    model.clear_assumptions()
    return Core(built, [groups[lit.index] for lit in core], False, minimal)


def state_core(
    core: Core, time_limit_s: float = 10.0, verify_s: float = 5.0
) -> list[Finding]:
    """Return the core's rules in words, with the number the rest of the core forces.

    For a budget the rest of the conflict needs at least some spending; for a
    target it allows at most some sessions. Each is found by optimising the
    rule's measure with the other rules of the core switched on, so it is a
    bound: with every rule of the scenario on, the budget may need more (the
    target allow fewer). Each number is then tried with every rule on, and
    the text says whether acting on it alone gives a plan (proven), does not
    (the true number lies beyond it) or was not settled in ``verify_s``.
    """
    out = []
    sc = core.built.ctx.scenario
    for g in core.groups:
        vi, en = g.text_vi, g.text_en
        if g.measure is not None and g.sense:
            rest = [h.literal for h in core.groups if h is not g]
            model = core.built.model.clone()
            model.clear_assumptions()
            for lit in rest:
                model.add(lit == 1)
            if g.sense == "<=":
                model.minimize(g.measure)
            else:
                model.maximize(g.measure)
            solver = _solver(time_limit_s)
            status = solver.solve(model)
            if status == cp_model.OPTIMAL:
                best = round(solver.objective_value)
                core.best[g.key] = best
                enough = _holds_with(core, g, best, verify_s)
                money = g.key.kind == BUDGET
                more_vi, more_en = _bound_note(money, enough)
                if money:
                    amount = best * g.scale
                    vi += f" nhưng cần ít nhất {vnd(amount, 'vi')}{more_vi}"
                    en += f" but at least {vnd(amount, 'en')} is needed{more_en}"
                else:
                    vi += f" nhưng tối đa chỉ được {best}{more_vi}"
                    en += f" but at most {best} can be{more_en}"
        out.append(Finding(str(g.key), vi, en))
    summary = _commune_summary(sc, core.groups)
    if summary is not None:
        out.append(summary)
    return out


def _bound_note(money: bool, enough: bool | None) -> tuple[str, str]:
    """Say what a core's number means once every other rule is on too."""
    if enough is True:
        if money:
            return (
                "; có đủ số này (các quy tắc khác giữ nguyên) thì có kế hoạch "
                "(đã kiểm chứng)",
                "; with that much (every other rule as it is) a plan exists (proven)",
            )
        return (
            "; hạ xuống số này (các quy tắc khác giữ nguyên) thì có kế hoạch "
            "(đã kiểm chứng)",
            "; lowered to that (every other rule as it is) a plan exists (proven)",
        )
    if enough is False:
        if money:
            return (
                " (chỉ tính các quy tắc trên; với mọi quy tắc khác thì cần nhiều "
                "hơn: chỉ nâng lên số này vẫn chưa có kế hoạch)",
                " (from the rules above alone; with every other rule it needs "
                "more: raising it to that alone still gives no plan)",
            )
        return (
            " (chỉ tính các quy tắc trên; với mọi quy tắc khác thì còn ít hơn: "
            "chỉ hạ xuống số này vẫn chưa có kế hoạch)",
            " (from the rules above alone; with every other rule even fewer: "
            "lowering it to that alone still gives no plan)",
        )
    return (
        " (chỉ tính các quy tắc trên; chưa kiểm chứng với mọi quy tắc khác)",
        " (from the rules above alone; not checked with every other rule)",
    )


def _commune_summary(sc: Scenario, groups: list[RuleGroup]) -> Finding | None:
    """Say in one line when all holders of a role are away on a commune's free days."""
    communes = {g.key.subject[0] for g in groups if g.key.kind == COMMUNE_BLOCKED}
    people = {g.key.subject[0] for g in groups if g.key.kind == STAFF_BLOCKED}
    targets = [g for g in groups if g.key.kind in (TARGET, PIN)]
    if len(communes) != 1 or not people:
        return None
    code = next(iter(communes))
    roles = {r for p in sc.staff if p.staff_id in people for r in p.roles}
    # a commune role's holders are the commune's own officials
    full = [
        r
        for r in sorted(roles)
        if {p.staff_id for p in serving(sc, r, code)} <= people and serving(sc, r, code)
    ]
    if not full:
        return None
    role = full[0]
    n = len(serving(sc, role, code))
    name = sc.commune(code).commune_name
    when_vi = when_en = ""
    if targets:
        by = targets[0].key.subject[1]
        when_vi = f" trước hạn {dt.date.fromisoformat(by):%d/%m/%Y}"
        when_en = f" before {by}"
    return Finding(
        "summary",
        f"{name}: cả {n} người giữ vai trò {role} đều bận trong mọi buổi còn trống "
        f"của xã{when_vi}",
        f"{name}: all {n} holders of {role} are away on every free half-day of "
        f"the commune{when_en}",
    )


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
    core = find_core(scenario, grid, time_limit_s)
    if core.feasible:
        return [
            (
                "Không tìm được nhóm quy tắc xung đột (các quy tắc khác, không thể nới, đã mâu thuẫn).",
                "No conflicting rule group found (rules that cannot be relaxed conflict).",
            )
        ]
    if core.basic:
        return [_BASIC]
    # checking each number with every rule on takes a solve each: a share of
    # the time, so that a planner waiting on `plan` is not kept much longer
    verify = min(5.0, time_limit_s / 4)
    return [(f.text_vi, f.text_en) for f in state_core(core, verify_s=verify)]


_BASIC = (
    "Các quy tắc cơ bản (ngày làm việc, địa điểm, số cán bộ mỗi buổi) mâu thuẫn "
    "ngay cả khi bỏ các nhóm quy tắc.",
    "Basic rules (working days, venues, staff per half-day) conflict even with "
    "every rule group off.",
)


def conflict_reasons(scenario: Scenario, grid: TimeGrid) -> list[tuple[str, str]]:
    """Return why a scenario proven infeasible has no plan, within its explain limit.

    The conflicting rules (:func:`explain_conflict`) in
    ``[solver] explain_time_limit_s``; when they are not found in that time, one
    reason that says no plan exists and how to get the rules.
    """
    limit_s = scenario.solver.explain_time_limit_s
    try:
        return explain_conflict(scenario, grid, limit_s)
    except RuntimeError:
        # infeasibility is proven; only its explanation ran out of time
        limit_vi = f"{limit_s:g}".replace(".", ",")  # decimal comma
        return [
            (
                "Không có kế hoạch nào thỏa mọi quy tắc bắt buộc (đã chứng "
                "minh), nhưng chưa tìm ra nhóm quy tắc mâu thuẫn trong "
                f"{limit_vi} giây. Chạy `scheduler explain` với thời gian "
                "dài hơn.",
                "No plan meets every hard rule (proven), but the conflicting "
                f"rules were not found in {limit_s:g} s. Run `scheduler "
                "explain` with a longer time limit.",
            )
        ]


@contextmanager
def explained(scenario: Scenario, grid: TimeGrid | None = None) -> Iterator[None]:
    """Name the conflicting rules when a solve inside the block proves no plan.

    The solver only proves infeasibility (``InfeasibleScenario`` with
    ``explained`` False); the commands wrap their solve in this, and the
    exception that leaves the block carries :func:`conflict_reasons`.

    Parameters
    ----------
    scenario : Scenario
        The scenario the block solves.
    grid : TimeGrid, optional
        Its time grid (built when not given).

    Raises
    ------
    InfeasibleScenario
        With the conflicting rules, when the block raised it unexplained.
    """
    try:
        yield
    except InfeasibleScenario as exc:
        if exc.explained:
            raise
        grid = grid or build_grid(scenario)
        raise InfeasibleScenario(conflict_reasons(scenario, grid)) from exc


# --------------------------------------------------------------------------- relaxation


def suggest_relaxation(
    scenario: Scenario,
    grid: TimeGrid,
    time_limit_s: float = 60.0,
    only: set[RuleKey] | None = None,
) -> tuple[list[Relaxation], str]:
    """Return the cheapest set of changes that makes the scenario feasible.

    Every rule group is made soft: groups with a number get a slack in domain
    units (VND per source and quarter, sessions of a target, sessions a week
    per role, seats or classes of a training), and any group may be dropped
    at a high fixed cost (:func:`scheduler.model.family.drop_cost`, declared by each family). The
    total cost in points (1 point = 1,000 VND) is minimised.

    Returns
    -------
    tuple of (list of Relaxation, str)
        The changes (empty when none are needed or none was found) and the
        CP-SAT status of the relaxation model.
    """
    built = build_model(scenario, grid, relaxed=True)
    ctx, model = built.ctx, built.model

    def free(key: RuleKey) -> bool:
        # a group's key frees the group and its slacks; as text, so that
        # ``weekly:leader`` frees ``weekly:leader+trainer`` as it always has
        return only is None or any(str(key).startswith(str(k)) for k in only)

    costs: list[cp_model.LinearExprT] = []
    for s in ctx.slacks:
        if free(s.key):
            costs.append(s.cost * s.var)
        else:
            model.add(s.var == 0)
    for g in ctx.groups:
        if free(g.key):
            costs.append(drop_cost(g.key.kind) * (1 - g.literal))
        else:
            model.add(g.literal == 1)
    model.minimize(sum(costs))
    params = _params(
        time_limit_s, max(int(scenario.solver.parameters.get("num_workers", 1)), 1)
    )
    solver = cp_solver(params)
    highs_after = portfolio_delay(scenario, params)
    if highs_after is None:
        status = solver.solve(model)
    else:
        # the cheapest mix of slacks is a knapsack: on Hưng Nguyên with its
        # Q3 allowance cut, CP-SAT keeps its bound at 0 for 60 s while HiGHS
        # proves 15,500 points optimal in 2-6 s (docs/architecture.md)
        won = race(model, params, highs_after)
        solver, status = won.solver, won.status
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [], solver.status_name(status)
    out: list[Relaxation] = []
    for g in ctx.groups:
        if not solver.value(g.literal):
            out.append(
                Relaxation(
                    str(g.key),
                    0,
                    drop_cost(g.key.kind),
                    f"Bỏ quy tắc: {g.text_vi}",
                    f"Drop the rule: {g.text_en}",
                )
            )
    for s in ctx.slacks:
        steps = solver.value(s.var)
        if steps:
            group = next((g for g in ctx.groups if g.key == s.key), None)
            measured = None
            if group is not None and group.measure is not None:
                measured = solver.value(group.measure) * group.scale
            out.append(
                _slack_text(
                    scenario, s.key, steps * s.step, steps * s.cost, built, measured
                )
            )
    return out, solver.status_name(status)


def cheapest_relaxation(
    core: Core, time_limit_s: float
) -> tuple[list[Relaxation], str]:
    """Return the cheapest relaxation found for a conflict, and how it was found.

    The model that may loosen all the core's rules at once (every other
    rule of the scenario kept) gets half the time first; proven optimal, it
    is the answer. Else loosening one rule of the core is tried with the
    rest: for a budget or a target, from the number the rest of the core
    forces, widened until the scenario is feasible; otherwise the rule's own
    slack (sessions a week, seats) or dropping it. The cheapest answer wins.
    When nothing helps (another conflict hides behind the core), every rule
    group may be loosened.
    """
    sc, grid = core.built.ctx.scenario, core.built.ctx.grid
    started = time.perf_counter()
    best: tuple[int, list[Relaxation], str] | None = None

    def consider(found: list[Relaxation], how: str) -> None:
        nonlocal best
        cost = sum(r.cost for r in found)
        if found and (best is None or cost < best[0]):
            best = (cost, found, how)

    # the joint model first, with half the time: every single-rule loosening
    # is one of its solutions, so when it is proven optimal (HiGHS beside
    # CP-SAT proves it in seconds where CP-SAT alone keeps its bound at 0)
    # nothing cheaper is left to try
    keys = {g.key for g in core.groups}
    if len(core.groups) > 1:
        found, status = suggest_relaxation(sc, grid, time_limit_s / 2, keys)
        if found and status == "OPTIMAL":
            return found, status
        consider(found, status)
    # the rest of the time for the single-rule tries
    left = time_limit_s - (time.perf_counter() - started)
    share = max(left, 1.0) / max(len(core.groups), 1)
    for g in core.groups:
        if g.measure is not None and g.sense:
            found, status = _loosen_to_bound(core, g, share)
            consider(found, f"{status} (one rule)")
        else:
            found, status = suggest_relaxation(sc, grid, share, {g.key})
            consider(found, f"{status} (one rule)")
    if best is None:
        left = time_limit_s - (time.perf_counter() - started)
        return suggest_relaxation(sc, grid, max(left, 5.0))
    return best[1], best[2]


def _loosen_to_bound(
    core: Core, g: RuleGroup, seconds: float
) -> tuple[list[Relaxation], str]:
    """Try the number the rest of the core forces as the rule's new limit.

    With only the core's other rules on, the budget needed can only be lower
    (and the sessions possible only higher) than with every rule on, so the
    number from :func:`state_core` bounds the change of this rule alone; it is
    tried first and widened until the whole scenario is feasible.
    """
    if g.key not in core.best or g.measure is None:
        return [], ""
    built = core.built
    started = time.perf_counter()
    value = core.best[g.key]
    # every other rule on may need a little more: widen step by step
    # (a budget by half its gap each time, a target one session at a time)
    while time.perf_counter() - started < seconds:
        left = seconds - (time.perf_counter() - started)
        answer = _holds_with(core, g, value, left)
        if answer is True:
            break
        if answer is None:
            return [], "UNKNOWN"
        if g.sense == "<=":
            value += max((value - g.limit) // 2, 1)
        else:
            value -= 1
            if value < 0:
                return [], "INFEASIBLE"
    else:
        return [], "UNKNOWN"
    sc = built.ctx.scenario
    if g.key.kind == BUDGET:
        return [_slack_text(sc, g.key, 0, 0, built, value * g.scale)], "FEASIBLE"
    short = g.limit - value
    if short <= 0:
        return [], ""
    return [_slack_text(sc, g.key, short, short * 5_000, built)], "FEASIBLE"


def _holds_with(core: Core, g: RuleGroup, value: int, seconds: float) -> bool | None:
    """Return whether the scenario is feasible with one rule's limit set to a value."""
    assert g.measure is not None
    built = core.built
    model = built.model.clone()
    model.clear_assumptions()
    model.clear_objective()  # type: ignore[no-untyped-call]
    if g.sense == "<=":
        model.add(g.measure <= value)
    else:
        model.add(g.measure >= value)
    model.add_assumptions([h.literal for h in built.ctx.groups if h is not g])
    solver = _solver(seconds)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    if status == cp_model.INFEASIBLE:
        return False
    return None


def _slack_text(
    sc: Scenario,
    key: RuleKey,
    amount: int,
    cost: int,
    built: BuiltModel,
    measured: int | None = None,
) -> Relaxation:
    kind, subject = key.kind, key.subject
    if kind == BUDGET:
        f = sc.funding_source(subject[0])
        q = subject[1]
        # the slack moves in money units; say exactly what the plan found spends
        if measured is not None:
            available = (
                sum(v for k, v in f.allowance_vnd.items() if k <= q)
                if f.carry_over
                else f.allowance_vnd.get(q, 0)
            )
            amount = max(measured - available, 0) or amount
            cost = max(amount // 1000, 1)
        return Relaxation(
            str(key),
            amount,
            cost,
            f"+{vnd(amount, 'vi')} cho {f.name_vi} {quarter(q, in_sentence=True)}",
            f"+{vnd(amount, 'en')} for {f.name_en} {q}",
        )
    if kind == TARGET:
        spec = sc.activities[subject[0]]
        group = next(g for g in built.ctx.groups if g.key == key)
        need = group.limit
        by = dt.date.fromisoformat(subject[1])
        return Relaxation(
            str(key),
            amount,
            cost,
            f"Giảm chỉ tiêu {spec.name_vi} trước {by:%d/%m/%Y} từ {need} xuống "
            f"{need - amount}",
            f"Lower the {spec.name_en} target by {by} from {need} to {need - amount}",
        )
    if kind == WEEKLY:
        roles = subject[0]
        return Relaxation(
            str(key),
            amount,
            cost,
            f"Cho mỗi cán bộ giữ vai trò {roles} thêm {amount} buổi/tuần",
            f"Allow each {roles} holder {amount} more session(s) a week",
        )
    spec = sc.activities[subject[0]]
    if subject[1] == "seats":
        assert spec.venue is not None
        size = min(spec.class_size, sc.venue(spec.venue).capacity)
        return Relaxation(
            str(key),
            amount,
            cost,
            f"Tăng sĩ số lớp {spec.name_vi} từ {size} lên {size + amount} học viên",
            f"Raise the {spec.name_en} class size from {size} to {size + amount}",
        )
    return Relaxation(
        str(key),
        amount,
        cost,
        f"Cho phép thêm {amount} lớp {spec.name_vi} (tối đa {spec.max_classes} → "
        f"{(spec.max_classes or 0) + amount})",
        f"Allow {amount} more {spec.name_en} class(es) ({spec.max_classes} → "
        f"{(spec.max_classes or 0) + amount})",
    )


def apply_relaxation(scenario: Scenario, changes: Iterable[Relaxation]) -> Scenario:
    """Return the scenario with a set of relaxations written into it.

    A dropped rule group is removed from the scenario (a blocked period, a
    milestone, a target) or switched off for its activity (an announcement,
    training first, every topic each quarter); a slack raises the number it
    loosens. What each kind changes is declared by its family
    (:func:`scheduler.model.family.relaxation`).
    """
    sc = scenario
    for ch in changes:
        key = rule_key(ch.key)
        sc = relaxation(key.kind)(sc, key, ch.amount)
    return sc


def explain(
    scenario: Scenario,
    grid: TimeGrid,
    time_limit_s: float = 60.0,
    relax: bool = True,
) -> Explanation:
    """Pre-check, find and state a minimal conflict, then suggest relaxations.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    grid : TimeGrid
        Its time grid.
    time_limit_s : float
        Time for the core search, and again for the relaxation.
    relax : bool
        Whether to compute relaxation suggestions.

    Returns
    -------
    Explanation
        Pre-check findings, the conflict (empty when feasible), relaxations
        and the seconds each step took.
    """
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    found = prechecks(scenario, grid)
    seconds["prechecks"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    core = find_core(scenario, grid, time_limit_s)
    if core.feasible:
        seconds["core"] = round(time.perf_counter() - t0, 3)
        return Explanation(True, tuple(found), seconds=seconds)
    # each number of the core is tried with every rule on: a quarter of the
    # step's time each (at most 15 s), else it is said to be unchecked
    verify = min(15.0, time_limit_s / 4)
    stated = (
        [Finding("basic", *_BASIC)] if core.basic else state_core(core, verify_s=verify)
    )
    seconds["core"] = round(time.perf_counter() - t0, 3)
    relaxations: list[Relaxation] = []
    status = ""
    proven: bool | None = None
    if relax:
        t0 = time.perf_counter()
        relaxations, status = cheapest_relaxation(core, time_limit_s)
        seconds["relaxation"] = round(time.perf_counter() - t0, 3)
        if relaxations:
            t0 = time.perf_counter()
            proven = gives_plan(scenario, relaxations, time_limit_s)
            seconds["proof"] = round(time.perf_counter() - t0, 3)
    return Explanation(
        False,
        tuple(found),
        tuple(stated),
        core.minimal,
        tuple(relaxations),
        status,
        seconds,
        proven,
    )


def gives_plan(
    scenario: Scenario, changes: Iterable[Relaxation], time_limit_s: float
) -> bool | None:
    """Return whether the scenario with the changes written in has a plan.

    Every hard rule is on (no objective, one worker): True when a plan is
    found, False when none exists (proven), None when the time ran out.
    """
    relaxed = apply_relaxation(scenario, changes)
    built = build_model(relaxed, build_grid(relaxed))
    model = built.model
    model.clear_objective()  # type: ignore[no-untyped-call]
    status = _solver(time_limit_s).solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    if status == cp_model.INFEASIBLE:
        return False
    return None


# --------------------------------------------------------------------------- left out


def explain_unscheduled(
    scenario: Scenario,
    grid: TimeGrid,
    plan: Plan,
    time_limit_s: float = 30.0,
    limit: int = 5,
) -> list[tuple[Unscheduled, list[Finding]]]:
    """Explain why required activities were left out of a feasible plan.

    For each item left out (``left_out``: a session or a commune's training),
    the model is asked to hold it while keeping every other item the plan
    covers; the minimal core of that conflict is the reason. When even that
    is feasible the item was left out for the soft goals (or the time limit).

    Parameters
    ----------
    scenario, grid
        The scenario and its time grid.
    plan : Plan
        A plan of the scenario.
    time_limit_s : float
        Time per item.
    limit : int
        Most items explained (the costliest first).
    """
    items = sorted(
        (u for u in plan.unscheduled if u.reason == "left_out"),
        key=lambda u: -u.penalty,
    )[:limit]
    out = []
    for item in items:

        def require(built: BuiltModel, item: Unscheduled = item) -> None:
            # every other left-out count stays at the plan's (broadcasts too:
            # the item may not be paid for by dropping broadcasts); the item
            # itself is held
            built.ctx.vars.cap_left_out(plan, item)

        core = find_core(scenario, grid, time_limit_s, extra=require)
        if core.feasible:
            reasons = [
                Finding(
                    "soft",
                    "Có thể xếp được mà mọi hoạt động bắt buộc khác vẫn giữ như kế "
                    "hoạch này (buổi đối thoại, tập huấn, số lượt phát thanh mỗi xã "
                    "mỗi tháng; có thể phải dời một số sự kiện); bị bỏ do các mục "
                    "tiêu mềm (chi phí, thời gian) hoặc hết thời gian giải",
                    "It could be held with every other required item held as this "
                    "plan holds it (sessions, training, each commune's broadcast "
                    "items each month; some events may move); it was left out for "
                    "the soft goals (cost, timing) or the time limit",
                )
            ]
        elif core.basic:
            reasons = [Finding("basic", *_BASIC)]
        else:
            reasons = state_core(core)
        out.append((item, reasons))
    return out
