"""Write the bundled examples that are generated: the seed provinces whole, and a two-level province.

Seeds 000 (Đắk Nông) and 003 (Bình Định) plan whole provinces of the 2023
three-level units. This script writes, for each, one district scenario per
district (every commune of the official 2023 list: Đắk Nông 8 districts and 71
communes, Bình Định 11 and 159) and a province TOML file that plans them
together with the National Target Programme's provincial allocation shared
between them:

    configs/scenarios/<name>.toml
    configs/scenarios/<name>/<district>.toml
    data/<name>/<district>/*.csv

The units are real; staff, money, households, venues, slots and blocked periods
are the seeded, made-up values of the benchmark generator
(:func:`scheduler.bench.generate.district_scenario`, seed 1), as the data
README written beside them says. Run it again to rebuild the same files:

    python scripts/make_examples.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

import tomli_w

from scheduler.bench.generate import district_scenario, districts_of_province
from scheduler.bench.two_level import two_level_scenario
from scheduler.scenario.starter import slug
from scheduler.scenario.write import write_scenario

ROOT = Path(__file__).resolve().parents[1]
SEED = 1
PROVINCES = {
    # name → (province code, seed plan, the province's title)
    "dak-nong-2023-province": (
        "67",
        "000",
        "Kế hoạch truyền thông giảm nghèo tỉnh Đắk Nông, Quý III–IV/2023",
    ),
    "binh-dinh-2023-province": (
        "52",
        "003",
        "Kế hoạch truyền thông giảm nghèo tỉnh Bình Định, Quý III–IV/2023",
    ),
}


def _readme(name: str, seed: str, districts: list[tuple[str, str, int]]) -> str:
    rows = "\n".join(f"| `{d}/` | {title} | {n} |" for d, title, n in districts)
    total = sum(n for _, _, n in districts)
    return f"""# {name}: a whole province of 2023, every district and commune

The province scenario `configs/scenarios/{name}.toml` plans every commune of the
province as the seed plan {seed} does: {len(districts)} districts, {total} communes,
each district with its own staff and local budget, sharing the provincial
allocation of the National Target Programme budget (`[shared.budget]`, the sum of
the districts' own lines). Plan it with
`scheduler plan-province configs/scenarios/{name}.toml`.

> **Only the administrative units are real.** Commune codes, names, districts and
> the approximate points come from the official 2023 list shipped with the package
> (`scheduler/data/vn-admin/README.md`: GSO codes via
> thanglequoc/vietnamese-provinces-database, MIT). Poor-household counts, staff,
> venues and capacities, station slots, blocked periods, travel times, costs and
> budgets are **illustrative**: the seeded values of the benchmark generator
> (`scheduler/bench/generate.py`, seed {SEED}), made up in the shapes of the Hưng
> Nguyên scenario. They are not statistics of the province. The files are written
> by `scripts/make_examples.py`.

| folder | district | communes |
|---|---|---|
{rows}
"""


def write_province(name: str, code: str, seed: str, title: str, root: Path) -> None:
    """Write one province: its district scenarios, tables, TOML file and README."""
    configs = root / "configs" / "scenarios"
    entries = []
    pooled: dict[str, int] = {}
    listing = []
    province_name = ""
    for district in districts_of_province(code):
        sc = district_scenario(district, SEED)
        # "Huyện Tuy Đức" → "tuy-duc"; towns and cities keep their kind
        folder = slug(sc.area.name.removeprefix("Huyện "))
        sc = sc.model_copy(
            update={
                "name": f"{name}-{folder}",
                "title": f"Kế hoạch truyền thông giảm nghèo {sc.area.name}, "
                "Quý III–IV/2023",
            }
        )
        write_scenario(
            sc, configs / name / f"{folder}.toml", root / "data" / name / folder
        )
        entries.append({"id": folder, "scenario": f"{name}/{folder}.toml"})
        for quarter, amount in sc.funding_source("ctmtqg").allowance_vnd.items():
            pooled[quarter] = pooled.get(quarter, 0) + amount
        listing.append((folder, sc.area.name, len(sc.communes)))
        province_name = sc.area.parent_name or province_name
    province = {
        "name": name,
        "title": title,
        "area": {"code": code, "name": province_name, "level": "province"},
        "districts": entries,
        "shared": {
            "budget": {
                "id": "ctmtqg",
                "name_vi": "Kinh phí Chương trình MTQG giảm nghèo bền vững (phân bổ của tỉnh)",
                "name_en": "National Target Programme budget (provincial allocation)",
                "allowance_vnd": pooled,
            }
        },
        "decomposition": {
            "price_rounds": 4,
            "curve_time_limit_s": 5.0,
            "district_time_limit_s": 10.0,
            "master_time_limit_s": 10.0,
            "threads_per_solve": 1,
            "random_seed": 0,
        },
    }
    header = (
        f"# {title}: every district and commune of the 2023 list (seed plan {seed}).\n"
        "# Units are real; staff, money and households are illustrative\n"
        f"# (data/{name}/README.md). Written by scripts/make_examples.py.\n"
    )
    (configs / f"{name}.toml").write_text(
        header + tomli_w.dumps(province), encoding="utf-8"
    )
    (root / "data" / name / "README.md").write_text(
        _readme(name, seed, listing), encoding="utf-8"
    )


TWO_LEVEL = ("hue-2027", "46", 2027)


def _two_level_readme(
    name: str, title: str, communes: int, staff: int, officials: int
) -> str:
    return f"""# {name}: a province of the two-level units of 1 July 2025

The scenario `configs/scenarios/{name}.toml` ({title}) plans all {communes}
communes and wards of the province as one, with one pool of {staff} provincial
staff (leaders and poverty-reduction officers of the Sở Nông nghiệp và Môi trường,
officers of the provincial Social Policy Bank, a culture officer and trainers of
the provincial Political School), from the department's office in the provincial
capital, and {officials} commune officials, six a commune (the Party committee,
the People's Committee chair and vice-chair, the Fatherland Front and two unions:
the `home_commune` column of `staff.csv`), who take part only in their own
commune's dialogue. Travel is estimated from the wards' points (great-circle
distance × 1.4 at 40 km/h). Plan it with
`scheduler plan configs/scenarios/{name}.toml`.

> **Only the administrative units are real.** Ward codes, names and points come
> from the two-level list of 1 July 2025 shipped with the package
> (`scheduler/data/vn-admin/README.md`: GSO codes via
> thanglequoc/vietnamese-provinces-database, MIT; points computed from the ward
> boundaries). Poor-household counts, staff, venues and capacities, station slots,
> blocked periods, costs and budgets are **illustrative**: the seeded values of
> `scheduler/bench/two_level.py` (seed {SEED}). They are not statistics of the
> province. The files are written by `scripts/make_examples.py`.
"""


def write_two_level(root: Path) -> None:
    """Write the bundled two-level province, its tables and README."""
    name, code, year = TWO_LEVEL
    sc = two_level_scenario(code, SEED, year=year)
    title = f"Kế hoạch truyền thông giảm nghèo {sc.area.name}, Quý III–IV/{year}"
    sc = sc.model_copy(update={"name": name, "title": title})
    toml = root / "configs" / "scenarios" / f"{name}.toml"
    write_scenario(sc, toml, root / "data" / name)
    header = (
        f"# {title}: a province of the two-level units of 1 July 2025, all its\n"
        "# communes and wards planned as one with a provincial staff pool. Units are\n"
        f"# real; staff, money and households are illustrative (data/{name}/README.md).\n"
        "# Written by scripts/make_examples.py.\n"
    )
    toml.write_text(header + toml.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "data" / name / "README.md").write_text(
        _two_level_readme(
            name,
            title,
            len(sc.communes),
            sum(1 for p in sc.staff if p.home_commune is None),
            sum(1 for p in sc.staff if p.home_commune is not None),
        ),
        encoding="utf-8",
    )


def main() -> None:
    """Write every generated example (under ``--root``, default the project)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    root = parser.parse_args().root
    for name, (code, seed, title) in PROVINCES.items():
        write_province(name, code, seed, title, root)
        print(f"{name}: written")
    write_two_level(root)
    print(f"{TWO_LEVEL[0]}: written")


if __name__ == "__main__":
    main()
