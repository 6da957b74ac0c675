"""``scheduler charts``: per-chart HTML pages, pictures, and clear refusals."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.export.images import find_browser
from tests.test_charts import PATCH, TABLES, make_plan, make_scenario

runner = CliRunner()
CHART_IDS = (
    "gantt-commune",
    "gantt-staff",
    "broadcast-coverage",
    "budget-quarter",
    "budget-burn",
    "workload-week",
    "travel",
)


@pytest.fixture
def plan_and_scenario(tmp_path: Path) -> tuple[Path, Path]:
    make_scenario(tmp_path / "scenario", PATCH, TABLES)
    plan_file = tmp_path / "out" / "plan.json"
    plan_file.parent.mkdir()
    plan_file.write_text(make_plan().to_json(), encoding="utf-8")
    return plan_file, tmp_path / "scenario" / "tiny.toml"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["charts", *args])
    return result.exit_code, result.output


def test_html_pages_share_one_plotly_js(plan_and_scenario: tuple[Path, Path]) -> None:
    plan_file, toml = plan_and_scenario
    code, _ = run(str(plan_file), "--scenario", str(toml), "--today", "2023-09-10")
    assert code == 0
    folder = plan_file.parent / "charts"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{c}.html" for c in CHART_IDS] + ["plotly.min.js", ".scheduler-output"]
    )
    for chart_id in CHART_IDS:
        page = (folder / f"{chart_id}.html").read_text(encoding="utf-8")
        assert '<script charset="utf-8" src="plotly.min.js"></script>' in page
        # the 4.8 MB library is in plotly.min.js only, not in each page
        assert len(page) < 1_000_000


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--format", "gif", "--format"),
        ("--today", "10/09/2023", "--today"),
    ],
)
def test_bad_options_exit_2(
    plan_and_scenario: tuple[Path, Path], option: str, value: str, message: str
) -> None:
    plan_file, toml = plan_and_scenario
    code, output = run(str(plan_file), "--scenario", str(toml), option, value)
    assert code == 2
    assert message in output
    assert not (plan_file.parent / "charts").exists()


def test_unreadable_plan_exits_2(
    plan_and_scenario: tuple[Path, Path], tmp_path: Path
) -> None:
    _, toml = plan_and_scenario
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    code, output = run(str(bad), "--scenario", str(toml))
    assert code == 2
    assert "bad.json" in output


def test_no_browser_gives_a_clear_message(
    plan_and_scenario: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # BROWSER_PATH naming a missing file is how a machine without a browser looks
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    plan_file, toml = plan_and_scenario
    code, output = run(str(plan_file), "--scenario", str(toml), "--format", "png")
    assert code == 1
    if importlib.util.find_spec("kaleido") is None:
        assert "pip install 'scheduler[images]'" in output
    else:
        assert "apt-get install -y chromium" in output
    assert not (plan_file.parent / "charts").exists()


@pytest.mark.skipif(
    importlib.util.find_spec("kaleido") is None or find_browser() is None,
    reason="PNG export needs kaleido (extra 'images') and a system Chromium/Chrome",
)
def test_png_pictures_of_every_chart(plan_and_scenario: tuple[Path, Path]) -> None:
    plan_file, toml = plan_and_scenario
    code, output = run(str(plan_file), "--scenario", str(toml), "--format", "png")
    assert code == 0, output
    folder = plan_file.parent / "charts"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*(f"{c}.png" for c in CHART_IDS), ".scheduler-output"]
    )
    for picture in folder.glob("*.png"):
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
