"""A decomposed province plan: one checked plan per district, its bound and timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario


@dataclass
class DistrictResult:
    """The plan of one district and the scenario it was checked against."""

    district: str
    scenario: Scenario
    plan: Plan
    allocation: dict[str, int]
    source: str  # "final", "curve" (a curve point reused) or "repair"
    curve: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ProvincePlan:
    """A decomposed province plan with its bound and what each phase took."""

    province: str
    districts: list[DistrictResult]
    objective: float
    bound: float
    gap: float
    phases: dict[str, float]
    solves: int
    repair_rounds: int
    price_rounds: int
    workers: int
    bound_from: str = "prices"  # or "merged": the whole province's relaxation
    whole_limit_s: float = 0.0  # HiGHS's limit on the whole province (0: none ran)
    build_s: float = 0.0  # model building, summed over every CP-SAT solve of the run
    solve_s: float = 0.0  # CP-SAT's time, summed over the same solves

    def to_summary(self) -> dict[str, Any]:
        """Return a JSON-ready summary (no events)."""
        return {
            "province": self.province,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "phases_s": {k: round(v, 3) for k, v in self.phases.items()},
            "solves": self.solves,
            "price_rounds": self.price_rounds,
            "bound_from": self.bound_from,
            "build_s": round(self.build_s, 3),
            "solve_s": round(self.solve_s, 3),
            "repair_rounds": self.repair_rounds,
            "workers": self.workers,
            "districts": [
                {
                    "district": r.district,
                    "communes": len(r.scenario.communes),
                    "objective": r.plan.solver.objective,
                    "status": r.plan.solver.status,
                    "from": r.source,
                    "allocation_vnd": r.allocation,
                    "events": len(r.plan.events),
                    "unscheduled": sum(u.count for u in r.plan.unscheduled),
                    "curve": r.curve,
                }
                for r in self.districts
            ],
        }
