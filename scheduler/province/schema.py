"""Plain, picklable records of a province scenario (no solver, no file access)."""

from __future__ import annotations

from pydantic import Field

from scheduler.scenario.schema import (
    Area,
    BlockedPeriod,
    Code,
    Frozen,
    Money,
    OptText,
    Scenario,
    Slug,
    Text,
    TextList,
)


class DistrictEntry(Frozen):
    """One ``[[districts]]`` block as written in the province TOML."""

    id: Code
    scenario: Text
    name: OptText = None
    communes: TextList = ()
    staff: TextList = ()


class SharedBudget(Frozen):
    """``[shared.budget]``: a funding source whose allowances all districts share."""

    id: Code
    name_vi: Text
    name_en: Text
    allowance_vnd: dict[str, Money]


class ProvincialTrainer(Frozen):
    """A row of the trainers table: a person any district may use."""

    staff_id: Code
    name: Text
    roles: TextList = Field(min_length=1)
    organisation: OptText = None
    email: OptText = None
    phone: OptText = None
    max_days_per_week: int = Field(default=3, ge=0)


class SharedFiles(Frozen):
    """``[shared]``: tables of the shared resources (paths relative to the TOML)."""

    trainers: Text | None = None
    trainer_blocked_periods: Text | None = None
    budget: SharedBudget | None = None


class DecompositionSettings(Frozen):
    """``[decomposition]``: how the province is split and solved."""

    price_rounds: int = Field(default=4, ge=1)
    time_limit_s: float | None = Field(default=None, gt=0)
    gap_target: float = Field(default=0.01, ge=0)
    curve_time_limit_s: float = Field(default=10.0, gt=0)
    district_time_limit_s: float = Field(default=20.0, gt=0)
    master_time_limit_s: float = Field(default=10.0, gt=0)
    threads_per_solve: int = Field(default=1, ge=1)
    random_seed: int = Field(default=0, ge=0)
    repair_rounds: int = Field(default=10, ge=1)
    # up to 100 communes the whole province solved by HiGHS beside the rounds
    # made every generated province measured better or equal at 0.8 of the
    # budget (64-102 communes); from 106 communes most were worse, since the
    # rounds lose a worker while it runs (docs/architecture.md)
    merged_bound_communes: int = Field(default=100, ge=0)
    merged_time_limit_s: float = Field(default=40.0, gt=0)


class District(Frozen):
    """A district of the province: its id, display name and own scenario."""

    id: Code
    name: Text
    scenario: Scenario


class ProvinceScenario(Frozen):
    """A validated province: districts, shared trainers and the shared budget."""

    name: Slug
    title: Text
    area: Area
    districts: tuple[District, ...]
    trainers: tuple[ProvincialTrainer, ...] = ()
    trainer_blocked: tuple[BlockedPeriod, ...] = ()
    budget: SharedBudget | None = None
    decomposition: DecompositionSettings = DecompositionSettings()
    input_hash: str = ""

    def district(self, district_id: str) -> District:
        """Return the district with this id."""
        for d in self.districts:
            if d.id == district_id:
                return d
        raise KeyError(district_id)

    @property
    def quarters(self) -> tuple[str, ...]:
        """Return the quarters the shared budget lists, sorted."""
        return tuple(sorted(self.budget.allowance_vnd)) if self.budget else ()
