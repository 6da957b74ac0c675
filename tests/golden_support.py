"""Golden outputs: the bundled scenarios planned with ``--deterministic``.

A refactor must not change what the tool plans. These fixtures hold, for the
bundled scenarios that solve to a proven optimum in a few seconds, the
``schedule.csv`` (compared byte for byte) and the ``plan.json`` with its timing
fields taken out (compared as data). ``scripts/record_golden.py`` writes them;
``tests/test_golden.py`` plans again and compares.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scheduler.cli import app

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
# proven optimal within their time limits on 2 cores, so load cannot change them
SCENARIOS = ("hung-nguyen-2023", "nha-nam-2023", "dak-nong-2022-press")


def without_timings(value: Any) -> Any:
    """Return ``value`` with every wall-clock field (``*_time_s``) removed."""
    if isinstance(value, dict):
        return {
            key: without_timings(item)
            for key, item in value.items()
            if not key.endswith("_time_s")
        }
    if isinstance(value, list):
        return [without_timings(item) for item in value]
    return value


def plan_deterministic(name: str) -> tuple[bytes, Any]:
    """Plan one bundled scenario with ``--deterministic``; its CSV and plan."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / name
        scenario = ROOT / "configs" / "scenarios" / f"{name}.toml"
        result = CliRunner().invoke(
            app, ["plan", str(scenario), "--deterministic", "--out", str(out)]
        )
        if result.exit_code != 0:
            raise RuntimeError(f"{name}: exit {result.exit_code}\n{result.output}")
        schedule = (out / "schedule.csv").read_bytes()
        plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    return schedule, without_timings(plan)


def record(name: str) -> None:
    """Write the golden files of one scenario."""
    schedule, plan = plan_deterministic(name)
    folder = GOLDEN / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "schedule.csv").write_bytes(schedule)
    (folder / "plan.json").write_text(
        json.dumps(plan, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
