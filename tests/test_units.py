"""The official unit lists ship inside the package and read back whole."""

from importlib import resources

import pytest

from scheduler import units


def test_the_lists_are_package_data_with_their_licence() -> None:
    # read through importlib.resources, as from an installed wheel: a move of
    # the files out of the package (the wheel had no data/vn-admin) fails here
    folder = resources.files("scheduler").joinpath("data", "vn-admin")
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    assert readme.count("MIT License") == 2
    assert "Copyright (c) 2021 Thang Le Quoc" in readme
    assert "Copyright (c) 2025 dvhcvn" in readme


def test_the_counts_of_the_official_lists() -> None:
    # the README's table: 10,598 communes and 700 districts of 2023; 3,321
    # communes and wards in 34 provinces from 1 July 2025
    assert len(units.communes_2023()) == 10_598
    assert len(units.districts_2023()) == 700
    assert len(units.wards_2025()) == 3_321
    assert len(units.provinces_2025()) == 34


def test_two_level_provinces_have_real_points() -> None:
    # the largest provinces of 2025: Thanh Hóa 166 units, Hồ Chí Minh City 168
    assert len(units.wards_of_province_2025("38")) == 166
    assert len(units.wards_of_province_2025("79")) == 168
    nghe_an = units.wards_of_province_2025("40")
    assert len(nghe_an) == 130
    # every point inside Vietnam's bounding box, every area positive
    for w in nghe_an:
        assert 8.0 < w.lat < 23.5
        assert 102.0 < w.lon < 110.0
        assert w.area_km2 > 0
    # the code is zero-padded: "4" is Cao Bằng (04), not Nghệ An (40)
    assert units.wards_of_province_2025("4")[0].province_name == "Tỉnh Cao Bằng"


def test_an_unknown_province_is_named() -> None:
    with pytest.raises(ValueError, match="'99'"):
        units.wards_of_province_2025("99")
