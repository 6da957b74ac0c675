"""``write_scenario``: a validated :class:`Scenario` → the files the loader reads.

The inverse of :func:`scheduler.scenario.load.load_scenario`: one TOML file and
one CSV table per record type, so that a scenario made in code (a generated
benchmark instance, a province picked from the official list) can be opened,
edited and planned like a hand-written one. Loading what this writes gives the
same scenario again, apart from ``input_hash``, which is the hash of the files.

Only settings that differ from their defaults are written, so the TOML file
stays as short as a planner would write it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel

from scheduler.scenario import schema
from scheduler.scenario.schema import DEFAULT_SOLVER_PARAMETERS, Scenario

# Table name in [data] → (scenario field, record type, required by the loader).
_TABLES: dict[str, tuple[str, type[BaseModel], bool]] = {
    "communes": ("communes", schema.Commune, True),
    "staff": ("staff", schema.Staff, True),
    "venues": ("venues", schema.Venue, True),
    "topics": ("topics", schema.Topic, True),
    "stations": ("stations", schema.StationSlot, False),
    "blocked_periods": ("blocked", schema.BlockedPeriod, False),
    "travel_times": ("travel_times", schema.TravelTime, False),
}


# Optional columns written only when some record uses them: a staff table
# without commune officials has no home_commune column, one without bases no base column
WRITTEN_WHEN_USED = frozenset({"home_commune", "base"})


def _plain(value: Any) -> Any:
    """Return ``value`` in the types TOML writes: lists, no None, times as HH:MM."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def _section(model: BaseModel) -> dict[str, Any]:
    out: dict[str, Any] = _plain(model.model_dump(exclude_defaults=True))
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def table_csv(records: tuple[BaseModel, ...], model: type[BaseModel]) -> bytes:
    """Return one table as CSV bytes (UTF-8 with a BOM, so Excel reads it right).

    Parameters
    ----------
    records : tuple of BaseModel
        The rows, all of type ``model``.
    model : type
        The record type; its fields, in order, are the columns.

    Returns
    -------
    bytes
        A header row and one row per record; lists joined with ``;``. A column
        of :data:`WRITTEN_WHEN_USED` only when some record has a value in it.
    """
    columns = [
        c
        for c in model.model_fields
        if c not in WRITTEN_WHEN_USED or any(getattr(r, c) is not None for r in records)
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(getattr(record, c)) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def scenario_document(
    scenario: Scenario, data_paths: dict[str, str] | None = None
) -> dict[str, Any]:
    """Return the scenario's settings as the TOML document the loader reads.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    data_paths : dict, optional
        Table name (``communes``, ``staff``, …) → its path relative to the TOML;
        without it the document has no ``[data]`` section.

    Returns
    -------
    dict
        Plain TOML values (no None); settings equal to their defaults left out.
    """
    solver = _section(scenario.solver)
    parameters = {
        k: v
        for k, v in scenario.solver.parameters.items()
        if DEFAULT_SOLVER_PARAMETERS.get(k) != v
    }
    solver.pop("parameters", None)
    if parameters:
        solver["parameters"] = parameters
    doc: dict[str, Any] = {
        "name": scenario.name,
        "title": scenario.title,
        "area": _section(scenario.area),
        "horizon": _section(scenario.horizon),
        "calendar": _section(scenario.calendar),
        "data": data_paths or {},
        "activities": {k: _section(v) for k, v in scenario.activities.items()},
        "funding": [_section(f) for f in scenario.funding],
        "weights": _section(scenario.weights),
        "targets": [_section(t) for t in scenario.targets],
        "pins": [_section(p) for p in scenario.pins],
        "travel": _section(scenario.travel),
        "publish": _section(scenario.publish),
        "roles": {k: _section(v) for k, v in scenario.roles.items()},
        "solver": solver,
    }
    # TOML has no empty array of tables worth writing, nor empty sections
    return {k: v for k, v in doc.items() if v not in ([], {})}


def scenario_toml(scenario: Scenario, data_paths: dict[str, str]) -> bytes:
    """Return the scenario's TOML file, its ``[data]`` naming ``data_paths``.

    Returns
    -------
    bytes
        UTF-8 TOML that :func:`load_scenario` reads back to the same scenario.
    """
    return tomli_w.dumps(scenario_document(scenario, data_paths)).encode("utf-8")


def write_scenario(
    scenario: Scenario, toml_path: Path, data_dir: Path | None = None
) -> list[Path]:
    """Write ``scenario`` as a TOML file and its CSV tables.

    Parameters
    ----------
    scenario : Scenario
        The scenario to write.
    toml_path : Path
        Where the TOML file goes.
    data_dir : Path, optional
        Where the tables go (default: a folder named after the scenario beside
        the TOML file). Paths in ``[data]`` are written relative to the TOML.

    Returns
    -------
    list of Path
        The files written, the TOML file last.
    """
    data_dir = data_dir or toml_path.parent / scenario.name
    data_dir.mkdir(parents=True, exist_ok=True)
    toml_path.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    paths: dict[str, str] = {}
    for name, (field, model, required) in _TABLES.items():
        records = getattr(scenario, field)
        if not records and not required:
            continue
        target = data_dir / f"{name}.csv"
        target.write_bytes(table_csv(records, model))
        written.append(target)
        paths[name] = _relative(target, toml_path.parent)
    toml_path.write_bytes(scenario_toml(scenario, paths))
    written.append(toml_path)
    return written


def _relative(target: Path, base: Path) -> str:
    """Return ``target`` relative to ``base``, with forward slashes (as TOML keeps it)."""
    return Path(os.path.relpath(target.resolve(), base.resolve())).as_posix()
