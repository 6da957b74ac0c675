"""Writing a scenario as files and loading it back gives the same scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.bench.generate import district_scenario
from scheduler.bench.two_level import two_level_scenario
from scheduler.scenario.load import load_scenario
from scheduler.scenario.schema import Scenario
from scheduler.scenario.write import write_scenario

ROOT = Path(__file__).resolve().parents[1]


def _bundled(name: str) -> Scenario:
    return load_scenario(ROOT / "configs" / "scenarios" / f"{name}.toml")


@pytest.mark.parametrize(
    "make",
    [
        lambda: _bundled("hung-nguyen-2023"),
        lambda: _bundled("nha-nam-2023"),
        lambda: district_scenario("431", 1, budget_scale=0.8),
        lambda: two_level_scenario("40", 1, communes=12),
    ],
    ids=["hung-nguyen", "nha-nam", "generated-431", "two-level-40"],
)
def test_written_files_load_back_to_the_same_scenario(make, tmp_path: Path) -> None:
    scenario = make()
    files = write_scenario(scenario, tmp_path / "s.toml")
    assert files[-1] == tmp_path / "s.toml"
    back = load_scenario(tmp_path / "s.toml")
    # everything but the hash of the files, which are other files
    assert back.model_dump(exclude={"input_hash"}) == scenario.model_dump(
        exclude={"input_hash"}
    )


def test_tables_open_in_excel_and_paths_are_relative(tmp_path: Path) -> None:
    scenario = _bundled("hung-nguyen-2023")
    write_scenario(scenario, tmp_path / "plans" / "hn.toml", tmp_path / "data" / "hn")
    staff = (tmp_path / "data" / "hn" / "staff.csv").read_bytes()
    assert staff.startswith("\ufeff".encode())  # Excel reads UTF-8 only with a BOM
    text = (tmp_path / "plans" / "hn.toml").read_text(encoding="utf-8")
    assert 'staff = "../data/hn/staff.csv"' in text
    # Hưng Nguyên's staff take several roles, joined with ';' in one cell
    assert "ldtbxh;giang_vien" in staff.decode("utf-8-sig")
