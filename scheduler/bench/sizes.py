"""The sizes the benchmarks report of a model; HiGHS itself is :mod:`scheduler.solver.highs`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelSize:
    """Size of a CP-SAT model: variables (of which booleans) and constraints."""

    variables: int
    booleans: int
    constraints: int


def model_size(proto: Any) -> ModelSize:
    """Return the number of variables, booleans and constraints of a CP-SAT model."""
    booleans = sum(1 for v in proto.variables if list(v.domain) == [0, 1])
    return ModelSize(len(proto.variables), booleans, len(proto.constraints))
