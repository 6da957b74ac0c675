"""Tiny, hand-checkable scenarios written to a temporary folder.

``make_scenario(tmp_path, toml_patch, tables)`` writes a two-commune scenario
over two weeks of September 2023 and loads it. Tests change only what their
rule needs, so the expected values can be worked out by hand.

Calendar of the default horizon, 2023-09-04 (Mon) .. 2023-09-15 (Fri):
4 Sep is the National Day substitute holiday, so the working days are
5–8 Sep (Tue–Fri) and 11–15 Sep (Mon–Fri): 9 days, 18 half-days.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

import pytest

from scheduler.scenario.load import load_scenario
from scheduler.scenario.schema import Scenario

BASE_TOML: dict[str, Any] = {
    "name": "tiny",
    "title": "Tiny",
    "area": {"code": "T", "name": "Huyện Thử", "hq_venue": "hq"},
    "horizon": {"start": "2023-09-04", "end": "2023-09-15"},
    "data": {
        "communes": "communes.csv",
        "staff": "staff.csv",
        "venues": "venues.csv",
        "topics": "topics.csv",
        "stations": "stations.csv",
        "blocked_periods": "blocked.csv",
        "travel_times": "travel.csv",
    },
    "activities": {
        "dialogue": {
            "kind": "session",
            "name_vi": "Đối thoại",
            "name_en": "Dialogue",
            "attendees": 50,
            "roles": {"leader": 1},
            "cost_fixed_vnd": 1_000_000,
            "funding_sources": ["main"],
            "priority": 10,
        },
    },
    "funding": [
        {
            "id": "main",
            "name_vi": "Nguồn chính",
            "name_en": "Main",
            "allowance_vnd": {"2023-Q3": 100_000_000},
        }
    ],
    "solver": {"parameters": {"num_workers": 1, "max_time_in_seconds": 20.0}},
}

BASE_TABLES: dict[str, list[dict[str, Any]]] = {
    "communes.csv": [
        {"commune_code": "00001", "commune_name": "Xã Một", "poor_households": 30},
        {"commune_code": "00002", "commune_name": "Xã Hai", "poor_households": 10},
    ],
    "staff.csv": [
        {
            "staff_id": "L1",
            "name": "Lãnh đạo 1",
            "roles": "leader",
            "max_sessions_per_week": 3,
        },
        {
            "staff_id": "L2",
            "name": "Lãnh đạo 2",
            "roles": "leader",
            "max_sessions_per_week": 3,
        },
        {
            "staff_id": "T1",
            "name": "Giảng viên",
            "roles": "trainer",
            "max_sessions_per_week": 3,
        },
    ],
    "venues.csv": [
        {"venue_id": "hq", "name": "UBND huyện", "commune_code": "", "capacity": 100},
        {
            "venue_id": "h1",
            "name": "Hội trường Một",
            "commune_code": "00001",
            "capacity": 60,
        },
        {
            "venue_id": "h2",
            "name": "Hội trường Hai",
            "commune_code": "00002",
            "capacity": 60,
        },
        {"venue_id": "center", "name": "Trung tâm", "commune_code": "", "capacity": 40},
    ],
    "topics.csv": [
        {"topic_id": "a", "name_vi": "A", "name_en": "A", "activities": "dialogue"},
        {"topic_id": "b", "name_vi": "B", "name_en": "B", "activities": "dialogue"},
    ],
    "stations.csv": [
        {
            "commune_code": "00001",
            "slot_id": "am",
            "start": "06:00",
            "airtime_minutes": 15,
        },
        {
            "commune_code": "00002",
            "slot_id": "am",
            "start": "06:00",
            "airtime_minutes": 15,
        },
    ],
    "blocked.csv": [],
    "travel.csv": [
        {"from_ref": "hq", "to_ref": "00001", "minutes": 10},
        {"from_ref": "hq", "to_ref": "00002", "minutes": 20},
    ],
}

HEADERS = {
    "blocked.csv": ["kind", "ref", "start_date", "end_date", "half", "reason"],
}


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return value  # a TOML date
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + "}"
        )
    raise TypeError(value)


def write_toml(doc: dict[str, Any]) -> str:
    """Serialise the small subset of TOML the tests need."""
    lines = []
    for key, value in doc.items():
        if not isinstance(value, dict | list) or (
            isinstance(value, list) and not (value and isinstance(value[0], dict))
        ):
            lines.append(f"{key} = {_toml_value(value)}")
    for key, value in doc.items():
        if isinstance(value, dict):
            if key == "activities":
                for act, body in value.items():
                    lines.append(f"\n[activities.{act}]")
                    lines += [f"{k} = {_toml_value(v)}" for k, v in body.items()]
            else:
                lines.append(f"\n[{key}]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                lines.append(f"\n[[{key}]]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def make_scenario(
    folder: Path,
    patch: dict[str, Any] | None = None,
    tables: dict[str, list[dict[str, Any]]] | None = None,
) -> Scenario:
    """Write and load a tiny scenario with a TOML patch and replaced tables."""
    doc = _merge(BASE_TOML, patch or {})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.toml").write_text(write_toml(doc), encoding="utf-8")
    all_tables = {**BASE_TABLES, **(tables or {})}
    for name, rows in all_tables.items():
        header = HEADERS.get(name) or list(dict.fromkeys(k for r in rows for k in r))
        with open(folder / name, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
    return load_scenario(folder / "tiny.toml")


@pytest.fixture
def tiny(tmp_path: Path) -> Scenario:
    """The default tiny scenario (two communes, one dialogue each)."""
    return make_scenario(tmp_path)


@pytest.fixture(scope="session")
def dak_nong_planned() -> Any:
    """The bundled two-district Đắk Nông province, planned once for the session.

    Deterministic, so every test that reads it sees the same plan: (province, result).
    """
    from scheduler.province.decompose import plan_province
    from scheduler.province.load import load_province

    root = Path(__file__).resolve().parents[1]
    province = load_province(root / "configs" / "scenarios" / "dak-nong-2023.toml")
    return province, plan_province(province, deterministic=True)
