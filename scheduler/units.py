"""The official lists of Vietnam's administrative units, as shipped in the package.

Two structures are in force for the plans the tool meets:

- the **three-level** units of 2023 (province → district → commune), which the
  seed plans of 2021–2023 were written for (``communes_2023_three_level.csv``,
  ``districts_2023.csv``);
- the **two-level** units in force from 1 July 2025 (province → commune or
  ward), with a real point computed from each ward's boundary
  (``wards_2025_two_level.csv``).

The files live in ``scheduler/data/vn-admin/`` beside a README that names their
sources and carries the licence notices that must travel with them. This module
is the only one that reads them; everything is read once and cached.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_PACKAGE_DIR = ("data", "vn-admin")
COMMUNES_2023_FILE = "communes_2023_three_level.csv"
DISTRICTS_2023_FILE = "districts_2023.csv"
WARDS_2025_FILE = "wards_2025_two_level.csv"


@dataclass(frozen=True)
class Commune2023:
    """One commune-level unit (xã, phường, thị trấn) of the 2023 three-level list.

    ``lat``/``lon`` are approximate: the point of the commune's 2025 successor
    ward, shared by the communes merged into it (None where no successor was
    resolved).
    """

    province_code: str
    province_name: str
    district_code: str
    district_name: str
    commune_code: str
    commune_name: str
    commune_type: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Ward2025:
    """One commune-level unit (xã, phường, đặc khu) of the two-level list of 2025.

    ``lat``/``lon`` is a point inside the ward's boundary (its area-weighted
    centroid where that falls inside); ``area_km2`` its area.
    """

    province_code: str
    province_name: str
    ward_code: str
    ward_name: str
    ward_type: str
    lat: float
    lon: float
    area_km2: float


def _open(name: str) -> io.StringIO:
    # read through importlib.resources so that an installed wheel (or a zip)
    # serves the same files as a source checkout
    path = resources.files("scheduler").joinpath(*_PACKAGE_DIR, name)
    return io.StringIO(path.read_text(encoding="utf-8"))


def _float(text: str) -> float | None:
    return float(text) if text else None


@lru_cache(maxsize=1)
def communes_2023() -> tuple[Commune2023, ...]:
    """Return the 10,598 commune-level units of 2023, in the official order.

    Returns
    -------
    tuple of Commune2023
        Every unit with its district and province (codes zero-padded).
    """
    with _open(COMMUNES_2023_FILE) as f:
        return tuple(
            Commune2023(
                province_code=row["province_code"],
                province_name=row["province_name"],
                district_code=row["district_code"],
                district_name=row["district_name"],
                commune_code=row["commune_code"],
                commune_name=row["commune_name"],
                commune_type=row["commune_type"],
                lat=_float(row["approx_lat"]),
                lon=_float(row["approx_lon"]),
            )
            for row in csv.DictReader(f)
        )


@lru_cache(maxsize=1)
def districts_2023() -> tuple[tuple[str, str], ...]:
    """Return (province code, district code) of the 700 districts of 2023 with communes.

    Returns
    -------
    tuple of (str, str)
        In the order of the official list.
    """
    with _open(DISTRICTS_2023_FILE) as f:
        return tuple(
            (row["province_code"], row["district_code"]) for row in csv.DictReader(f)
        )


@lru_cache(maxsize=1)
def wards_2025() -> tuple[Ward2025, ...]:
    """Return the 3,321 communes and wards of the two-level structure of 1 July 2025.

    Returns
    -------
    tuple of Ward2025
        Every unit with its province and a real point, in the official order.
    """
    with _open(WARDS_2025_FILE) as f:
        return tuple(
            Ward2025(
                province_code=row["province_code"],
                province_name=row["province_name"],
                ward_code=row["ward_code"],
                ward_name=row["ward_name"],
                ward_type=row["ward_type"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                area_km2=float(row["area_km2"]),
            )
            for row in csv.DictReader(f)
        )


def provinces_2025() -> dict[str, str]:
    """Return the 34 provinces of the two-level structure: code → name.

    Returns
    -------
    dict of str to str
        In the order of the official list.
    """
    return {w.province_code: w.province_name for w in wards_2025()}


def wards_of_province_2025(province_code: str) -> tuple[Ward2025, ...]:
    """Return the communes and wards of one province of 2025.

    Parameters
    ----------
    province_code : str
        Two-digit GSO province code, e.g. ``"40"`` (Nghệ An).

    Returns
    -------
    tuple of Ward2025
        The province's units in official order.

    Raises
    ------
    ValueError
        When no province of 2025 has this code.
    """
    code = province_code.strip().zfill(2)
    out = tuple(w for w in wards_2025() if w.province_code == code)
    if not out:
        raise ValueError(f"province_code: no 2025 province has code {province_code!r}")
    return out
