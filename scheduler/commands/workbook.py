"""``scheduler workbook new|export``: a whole scenario in one Excel workbook."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from scheduler.commands.common import Lang, console, err, load_or_exit
from scheduler.i18n import pick, t


def register(app: typer.Typer) -> None:
    """Add the ``workbook`` command group to ``app``."""
    workbook_app = typer.Typer(
        no_args_is_help=True,
        help="Một tệp Excel là cả kịch bản / one Excel workbook is a whole scenario.",
    )
    workbook_app.command("new")(new)
    workbook_app.command("export")(export)
    app.add_typer(workbook_app, name="workbook")


def _write_new_file(path: Path, data: bytes, force: bool, lang: str) -> None:
    """Write ``data`` to ``path`` whole (a temporary file renamed over it).

    An existing file is replaced only with ``--force``: the workbook may hold
    a planner's work.
    """
    if path.exists() and not force:
        err.print(
            pick(
                lang,
                f"{path}: tệp đã có; chọn tên khác hoặc thêm --force để ghi đè",
                f"{path}: the file exists; choose another name or add --force",
            ),
            markup=False,
        )
        raise typer.Exit(2)
    if path.suffix.lower() != ".xlsx":
        err.print(
            pick(
                lang,
                f"{path}: tên tệp phải kết thúc bằng .xlsx",
                f"{path}: the file name must end in .xlsx",
            ),
            markup=False,
        )
        raise typer.Exit(2)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        err.print(
            pick(
                lang,
                f"{path}: không ghi được tệp ({exc.strerror})",
                f"{path}: cannot write the file ({exc.strerror})",
            ),
            markup=False,
        )
        raise typer.Exit(1) from exc


def _unknown_area(
    reason: str, district: str | None, province: str | None, year: int, lang: str
) -> str:
    if reason.startswith("year"):
        return pick(
            lang,
            f"--year: đơn vị hai cấp có từ năm 2025 (đang là {year})",
            f"--year: the two-level units start in 2025 (got {year})",
        )
    if district is not None:
        return pick(
            lang,
            f"--district: không có huyện nào của năm 2023 mang mã {district!r}",
            f"--district: no 2023 district has code {district!r}",
        )
    return pick(
        lang,
        f"--province: không có tỉnh nào của năm 2025 mang mã {province!r}",
        f"--province: no 2025 province has code {province!r}",
    )


def new(
    out: Annotated[Path, typer.Argument(help="Tệp Excel sẽ tạo / the .xlsx to make.")],
    district: Annotated[
        str | None,
        typer.Option("--district", help="Mã huyện (đơn vị 2023) / 2023 district code."),
    ] = None,
    province: Annotated[
        str | None,
        typer.Option("--province", help="Mã tỉnh (đơn vị 2025) / 2025 province code."),
    ] = None,
    units: Annotated[
        str | None,
        typer.Option(
            "--units",
            help="2023 (ba cấp, theo huyện) hoặc 2025 (hai cấp, theo tỉnh) / "
            "2023 three-level or 2025 two-level units.",
        ),
    ] = None,
    year: Annotated[
        int, typer.Option("--year", help="Năm kế hoạch (Quý III–IV) / the plan's year.")
    ] = 2027,
    force: Annotated[
        bool,
        typer.Option("--force", help="Ghi đè tệp đã có / replace an existing file."),
    ] = False,
    lang: Lang = "vi",
) -> None:
    """Make a workbook pre-filled with an area's real communes and the usual activities."""
    from scheduler.scenario.starter import district_starter, province_starter
    from scheduler.scenario.workbook import workbook_bytes

    if (district is None) == (province is None):
        err.print(
            t("workbook_cmd.district_or_province", lang),
            markup=False,
        )
        raise typer.Exit(2)
    wanted_units = units or ("2023" if district is not None else "2025")
    if (district is not None and wanted_units != "2023") or (
        province is not None and wanted_units != "2025"
    ):
        err.print(
            pick(
                lang,
                "--units: huyện theo đơn vị 2023, tỉnh theo đơn vị hai cấp 2025 "
                f"(đang là {wanted_units})",
                "--units: districts are of the 2023 units, provinces of the "
                f"two-level 2025 units (got {wanted_units})",
            ),
            markup=False,
        )
        raise typer.Exit(2)
    try:
        scenario = (
            district_starter(district, year)
            if district is not None
            else province_starter(province or "", year)
        )
    except ValueError as exc:
        err.print(_unknown_area(str(exc), district, province, year, lang), markup=False)
        raise typer.Exit(2) from exc
    _write_new_file(out, workbook_bytes(scenario, lang), force, lang)
    console.print(
        pick(
            lang,
            f"Đã tạo {out}: {scenario.area.name}, {len(scenario.communes)} xã, phường. "
            "Điền cán bộ, kinh phí, số hộ nghèo rồi chạy "
            f"`scheduler validate {out}`.",
            f"Made {out}: {scenario.area.name}, {len(scenario.communes)} communes. "
            "Fill in the staff, the budget and the poor households, then run "
            f"`scheduler validate {out}`.",
        ),
        markup=False,
    )


def export(
    scenario: Annotated[
        Path, typer.Argument(help="Tệp kịch bản TOML / scenario TOML file.")
    ],
    out: Annotated[Path, typer.Argument(help="Tệp Excel sẽ tạo / the .xlsx to make.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Ghi đè tệp đã có / replace an existing file."),
    ] = False,
    lang: Lang = "vi",
) -> None:
    """Write an existing scenario (TOML and tables) as one workbook."""
    from scheduler.scenario.workbook import workbook_bytes

    sc = load_or_exit(scenario, lang)
    _write_new_file(out, workbook_bytes(sc, lang), force, lang)
    console.print(
        pick(
            lang,
            f"Đã ghi {out}: {sc.title}",
            f"Wrote {out}: {sc.title}",
        ),
        markup=False,
    )
