"""The generated bundled examples: the seed provinces whole, and a two-level province."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from scheduler.province.load import load_province

ROOT = Path(__file__).resolve().parents[1]
# name → (focus area in focus_areas_2023.csv, districts, communes): seed 000 plans
# Đắk Nông's 8 districts and 71 communes, seed 003 Bình Định's 11 and 159
PROVINCES = {
    "dak-nong-2023-province": ("dak_nong_province", 8, 71),
    "binh-dinh-2023-province": ("binh_dinh_province", 11, 159),
}


def _focus_area(name: str) -> list[str]:
    text = (
        resources.files("scheduler")
        .joinpath("data", "vn-admin", "focus_areas_2023.csv")
        .read_text(encoding="utf-8")
    )
    return [
        r["commune_code"]
        for r in csv.DictReader(io.StringIO(text))
        if r["focus_area"] == name
    ]


@pytest.mark.parametrize("name", list(PROVINCES))
def test_every_commune_of_the_seed_province_once(name: str) -> None:
    focus, districts, communes = PROVINCES[name]
    province = load_province(ROOT / "configs" / "scenarios" / f"{name}.toml")
    assert len(province.districts) == districts
    codes = [c.commune_code for d in province.districts for c in d.scenario.communes]
    assert len(codes) == communes
    assert sorted(codes) == sorted(_focus_area(focus))
    # the provincial allocation is the sum of the districts' own lines
    assert province.budget is not None
    assert province.budget.id == "ctmtqg"


def test_the_bundled_files_are_what_the_script_writes(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "make_examples.py"),
            "--root",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    written = sorted(
        p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()
    )
    assert len(written) > 100
    for rel in written:
        assert (ROOT / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_the_two_level_example_is_a_whole_2025_province() -> None:
    from scheduler.scenario.load import load_scenario
    from scheduler.units import wards_of_province_2025

    sc = load_scenario(ROOT / "configs" / "scenarios" / "hue-2027.toml")
    # Thành phố Huế: 40 communes and wards since 1 July 2025, with their points
    official = wards_of_province_2025("46")
    assert [c.commune_code for c in sc.communes] == [w.ward_code for w in official]
    assert [(c.lat, c.lon) for c in sc.communes] == [(w.lat, w.lon) for w in official]
    assert sc.area.level == "province"
