"""Shared pieces of the calendar tests: a small scenario with every kind of event, ical.js.

The scenario is the tiny two-commune one of ``conftest.py`` plus a two-day
training class (all-day events), a broadcast activity (station feeds), a staff
member with an e-mail address and a long Vietnamese name, and coordinates for
one commune only (GEO where known, none where not).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scheduler.check import check_plan
from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario
from scheduler.solver.solve import solve
from tests.conftest import BASE_TABLES, make_scenario

JS_DIR = Path(__file__).parent / "js"

#: 21 characters, each of them 2 or 3 bytes in UTF-8: a fold at a fixed byte
#: count would land inside one of them.
LONG_NAME = "Nguyễn Thị Hồng Nhung Ươm Tiếng Việt Đẹp Đẽ Ở Huyện Hưng Nguyên"

PATCH: dict[str, Any] = {
    "activities": {
        "training": {
            "kind": "training",
            "name_vi": "Tập huấn nghiệp vụ truyền thông giảm nghèo",
            "name_en": "Communication training",
            "trainees_per_commune": 5,
            "class_size": 20,
            "duration_days": 2,
            "roles": {"trainer": 1},
            "venue": "center",
            "cost_fixed_vnd": 500_000,
            "funding_sources": ["main"],
            "priority": 5,
        },
        "broadcast": {
            "kind": "broadcast",
            "name_vi": "Phát thanh tuyên truyền",
            "name_en": "Broadcast",
            "per_month": 2,
            "minutes": 10,
            "cost_per_item_vnd": 30_000,
            "funding_sources": ["main"],
        },
    },
}


def feed_scenario(folder: Path) -> Scenario:
    """Write and load the calendar test scenario."""
    staff = [dict(r) for r in BASE_TABLES["staff.csv"]]
    staff[0].update(email="lanhdao1@example.org", name=LONG_NAME)
    communes = [dict(r) for r in BASE_TABLES["communes.csv"]]
    communes[0].update(lat=18.67, lon=105.6)
    communes[1].update(lat="", lon="")
    topics = [
        {
            "topic_id": "a",
            "name_vi": "Bảo hiểm y tế cho người nghèo",
            "name_en": "Health insurance for poor households",
            "activities": "dialogue;broadcast",
        },
        {
            "topic_id": "b",
            "name_vi": "Tín dụng ưu đãi",
            "name_en": "Preferential credit",
            "activities": "dialogue;broadcast",
        },
    ]
    return make_scenario(
        folder,
        PATCH,
        {"staff.csv": staff, "communes.csv": communes, "topics.csv": topics},
    )


def solved(scenario: Scenario) -> Plan:
    """Solve and prove the plan with the independent checker."""
    plan = solve(scenario)
    assert check_plan(scenario, plan) == []
    return plan


def node_parse(files: list[Path]) -> dict[str, Any]:
    """Parse .ics files with Mozilla's ical.js under Node.js; skip when it is not installed."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the ical.js check cannot run")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        pytest.skip("ical.js is not installed: run `npm ci --prefix tests/js`")
    done = subprocess.run(
        [node, str(JS_DIR / "parse.mjs"), *map(str, files)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def fold_problems(body: bytes) -> list[str]:
    """Return what breaks RFC 5545 folding in raw bytes (empty when none).

    Every physical line must be at most 75 octets and valid UTF-8 on its own,
    so no fold splits a multi-byte character; lines end in CRLF.
    """
    problems = []
    if not body.endswith(b"\r\n"):
        problems.append("the body does not end in CRLF")
    for n, line in enumerate(body.split(b"\r\n")[:-1], start=1):
        if len(line) > 75:
            problems.append(f"line {n}: {len(line)} octets")
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {n}: bare line break")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {n}: a fold splits a UTF-8 sequence")
    return problems
