"""The same scenario at several budget scales: coverage against budget.

Each scale is an independent solve of plain data, so the scales run in
parallel on a :class:`~scheduler.province.runner.Runner` (Dask or in-process).
A province scenario is planned scale by scale, each by the decomposition,
whose own solves run in parallel.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from typing import Any

from scheduler.calendar import build_grid
from scheduler.errors import InfeasibleScenario
from scheduler.explain import explained
from scheduler.plan import Plan
from scheduler.province.decompose import plan_province
from scheduler.province.runner import Runner
from scheduler.province.schema import ProvinceScenario
from scheduler.scenario.schema import Scenario
from scheduler.solver.greedy import weighted_coverage
from scheduler.solver.solve import solve


def parse_scales(text: str, lang: str = "vi") -> list[float]:
    """Parse ``start:stop:step`` (inclusive) or a comma list into budget scales.

    Scales take a decimal point (``0.8``): the comma separates the list.

    Raises
    ------
    ValueError
        When the text is not of that form or a scale is not positive; the
        message is in ``lang`` (``vi`` or ``en``).
    """

    def say(vi: str, en: str) -> str:
        return en if lang == "en" else vi

    def number(part: str) -> float:
        try:
            return float(part)
        except ValueError:
            raise ValueError(
                say(
                    f"'{part.strip()}' không phải là số (số thập phân dùng dấu chấm: 0.8)",
                    f"'{part.strip()}' is not a number (decimals take a point: 0.8)",
                )
            ) from None

    text = text.strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ValueError(
                say(
                    "cần dạng đầu:cuối:bước (start:stop:step), ví dụ 0.5:1.2:0.1",
                    "expected start:stop:step, e.g. 0.5:1.2:0.1",
                )
            )
        start, stop, step = (number(p) for p in parts)
        if step <= 0 or stop < start:
            raise ValueError(
                say("cần bước > 0 và cuối ≥ đầu", "need step > 0 and stop ≥ start")
            )
        n = math.floor((stop - start) / step + 1e-9) + 1
        scales = [round(start + i * step, 6) for i in range(n)]
    else:
        scales = [number(p) for p in text.split(",") if p.strip()]
    if not scales or any(s <= 0 for s in scales):
        raise ValueError(say("mọi mức phải > 0", "every scale must be > 0"))
    return scales


def scale_budget(scenario: Scenario, scale: float) -> Scenario:
    """Return the scenario with every funding allowance multiplied by ``scale``."""
    funding = tuple(
        f.model_copy(
            update={
                "allowance_vnd": {q: int(v * scale) for q, v in f.allowance_vnd.items()}
            }
        )
        for f in scenario.funding
    )
    return scenario.model_copy(update={"funding": funding})


def coverage_of(scenario: Scenario, plan: Plan) -> float:
    """Return the weighted coverage of a plan, between 0 and 1 (see below)."""
    placed, total = coverage_parts(scenario, plan)
    return placed / total if total else 1.0


def coverage_parts(scenario: Scenario, plan: Plan) -> tuple[int, int]:
    """Return (weight held, weight required) of a plan.

    The measure of :func:`scheduler.solver.greedy.weighted_coverage`, the same the
    benchmark uses: each required item (a session, a broadcast item of a
    month's quota, a commune's training) weighs its activity's priority × its
    commune's poor households (each at least 1), as the ``coverage`` goal does.
    """
    cov = weighted_coverage(scenario, build_grid(scenario), plan)
    return cov.covered, cov.required


def province_budget(province: ProvinceScenario, scale: float) -> int:
    """Return what a province's districts may spend at a scale of the shared budget.

    The shared allowances times ``scale`` plus the districts' own funding lines
    (which a sweep does not scale), as a district sweep counts every line.
    """
    budget = province.budget
    shared = budget.id if budget else None
    own = sum(
        v
        for d in province.districts
        for f in d.scenario.funding
        if f.id != shared
        for v in f.allowance_vnd.values()
    )
    return (int(sum(budget.allowance_vnd.values()) * scale) if budget else 0) + own


@dataclass(frozen=True)
class SweepTask:
    """One scale of a district sweep (plain data for a worker)."""

    scale: float
    scenario: Scenario
    overrides: dict[str, Any]


@dataclass(frozen=True)
class SweepPoint:
    """Outcome of one scale."""

    scale: float
    budget_vnd: int
    spent_vnd: int
    objective: float | None
    bound: float | None
    status: str
    coverage: float | None
    unscheduled: int
    wall_s: float
    error: str = ""  # why there is no plan, in English
    error_vi: str = ""  # the same in Vietnamese, when the reasons have it


def sweep_task(task: SweepTask) -> SweepPoint:
    """Solve one scale (runs inside a worker; the model is built here)."""
    sc = task.scenario
    budget = sum(sum(f.allowance_vnd.values()) for f in sc.funding)

    try:
        # HiGHS beside the one CP-SAT thread (unless the scenario says
        # cp-sat): the scales where the money binds are where CP-SAT's bound
        # is weak (Hưng Nguyên at 0.9: 5,546,145 with a bound of 2,417,760
        # after 30 s, proven 5,063,860 in 9.5 s with HiGHS)
        with explained(sc):
            plan = solve(sc, overrides=task.overrides, engine=sc.solver.engine)
    except InfeasibleScenario as exc:  # e.g. a target the smaller budget cannot meet
        return SweepPoint(
            task.scale,
            budget,
            0,
            None,
            None,
            "INFEASIBLE",
            None,
            0,
            0.0,
            "; ".join(en for _, en in exc.reasons),
            "; ".join(vi for vi, _ in exc.reasons),
        )
    except Exception as exc:  # reported in the table, the other scales go on
        return SweepPoint(
            task.scale, budget, 0, None, None, "ERROR", None, 0, 0.0, str(exc)
        )
    return SweepPoint(
        task.scale,
        budget,
        sum(e.cost_vnd for e in plan.events),
        plan.solver.objective,
        plan.solver.bound,
        plan.solver.status,
        coverage_of(sc, plan),
        sum(u.count for u in plan.unscheduled),
        plan.solver.wall_time_s,
    )


def sweep_district(
    scenario: Scenario,
    scales: list[float],
    runner: Runner,
    overrides: dict[str, Any],
) -> list[SweepPoint]:
    """Solve a district scenario at every scale, in parallel on the runner."""
    tasks = [SweepTask(s, scale_budget(scenario, s), overrides) for s in scales]
    return runner.map(sweep_task, tasks, "sweep")


def points_json(points: list[SweepPoint]) -> bytes:
    """Return the points as JSON bytes."""
    return json.dumps(
        [asdict(p) for p in points], ensure_ascii=False, indent=2
    ).encode()


def points_csv(points: list[SweepPoint]) -> bytes:
    """Return the points as CSV bytes (UTF-8 with BOM for Excel)."""
    import csv
    import io

    buf = io.StringIO()
    fields = list(SweepPoint.__dataclass_fields__)
    w = csv.DictWriter(buf, fieldnames=fields)
    w.writeheader()
    for p in points:
        w.writerow(asdict(p))
    return ("\ufeff" + buf.getvalue()).encode()


def chart_html(points: list[SweepPoint], title: str, lang: str = "vi") -> bytes:
    """Return a self-contained HTML chart of coverage against budget.

    plotly.js is embedded once in the page, so it opens offline.
    """
    import plotly.graph_objects as go

    ok = [p for p in points if p.coverage is not None]
    x = [p.budget_vnd / 1e6 for p in ok]
    y = [100 * (p.coverage or 0) for p in ok]
    vi = lang != "en"
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="lines+markers",
            text=[f"×{p.scale:g}" for p in ok],
            hovertemplate="%{text}: %{x:,.0f} tr.đ → %{y:.1f}%<extra></extra>"
            if vi
            else "%{text}: %{x:,.0f} M VND → %{y:.1f}%<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        xaxis_title="Tổng ngân sách (triệu đồng)"
        if vi
        else "Total budget (million VND)",
        yaxis_title="Độ bao phủ có trọng số (%)" if vi else "Weighted coverage (%)",
        yaxis_range=[0, 100],
        template="plotly_white",
    )
    html: str = fig.to_html(include_plotlyjs=True, full_html=True)
    return html.encode()


def sweep_province(
    province: ProvinceScenario, scales: list[float], runner: Runner
) -> list[SweepPoint]:
    """Plan a province at each budget scale by the decomposition; one point per scale.

    The scales run one after the other: each decomposition spends the
    runner's workers itself.
    """
    points: list[SweepPoint] = []
    for s in scales:
        t0 = time.perf_counter()
        result = plan_province(province, runner, budget_scale=s)
        parts = [coverage_parts(r.scenario, r.plan) for r in result.districts]
        required = sum(t for _, t in parts)
        cov = sum(p for p, _ in parts) / required if required else 1.0
        points.append(
            SweepPoint(
                s,
                province_budget(province, s),
                sum(e.cost_vnd for r in result.districts for e in r.plan.events),
                result.objective,
                result.bound,
                f"gap {result.gap:.2%}",
                cov,
                sum(u.count for r in result.districts for u in r.plan.unscheduled),
                round(time.perf_counter() - t0, 3),
            )
        )
    return points


def at_solve_limit(province: ProvinceScenario, seconds: float) -> ProvinceScenario:
    """Return the province with every district solve limited to ``seconds``.

    The price rounds' solves and the final ones alike (``--time-limit`` of
    a sweep).
    """
    settings = province.decomposition.model_copy(
        update={"curve_time_limit_s": seconds, "district_time_limit_s": seconds}
    )
    return province.model_copy(update={"decomposition": settings})
