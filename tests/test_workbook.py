"""One workbook is a whole scenario: written, read back, planned, and its errors located."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from scheduler.bench.two_level import two_level_scenario
from scheduler.cli import app
from scheduler.errors import ScenarioError
from scheduler.scenario.load import load_scenario
from scheduler.scenario.schema import PublishSettings, Scenario
from scheduler.scenario.workbook import SHEETS, workbook_bytes

ROOT = Path(__file__).resolve().parents[1]
HUNG_NGUYEN = ROOT / "configs" / "scenarios" / "hung-nguyen-2023.toml"
NHA_NAM = ROOT / "configs" / "scenarios" / "nha-nam-2023.toml"
runner = CliRunner()


def _same(a: Scenario, b: Scenario) -> bool:
    # everything but the hash of the input files, which are other files
    return a.model_dump(exclude={"input_hash"}) == b.model_dump(exclude={"input_hash"})


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize(
    "make",
    [
        lambda: load_scenario(HUNG_NGUYEN),
        lambda: two_level_scenario("40", 1, communes=8),
        # an opt-in to public names, a setting that is not shown by default
        lambda: load_scenario(HUNG_NGUYEN).model_copy(
            update={"publish": PublishSettings(public_names=True)}
        ),
    ],
    ids=["hung-nguyen", "two-level", "public-names"],
)
def test_a_workbook_reads_back_to_the_same_scenario(
    make, lang: str, tmp_path: Path
) -> None:
    scenario = make()
    book = tmp_path / "plan.xlsx"
    book.write_bytes(workbook_bytes(scenario, lang))
    assert _same(load_scenario(book), scenario)


def _exported(tmp_path: Path, source: Path = HUNG_NGUYEN) -> Path:
    book = tmp_path / "plan.xlsx"
    result = runner.invoke(app, ["workbook", "export", str(source), str(book)])
    assert result.exit_code == 0, result.output
    return book


def test_real_cells_and_vietnamese_names(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_exported(tmp_path))
    assert wb.sheetnames[0] == "Hướng dẫn"
    assert wb.sheetnames[1:] == [vi for vi, _ in list(SHEETS.values())[1:]]
    communes = wb["Xã"]
    assert communes["A1"].value == "Mã xã"
    assert communes["A2"].value == "18001"  # a code keeps its leading digits as text
    blocked = wb["Lịch bận"]
    assert isinstance(blocked["C2"].value, dt.datetime)  # a real date cell
    assert blocked["C2"].number_format == "DD/MM/YYYY"
    assert blocked["A2"].value == "xã"
    funding = wb["Kinh phí"]
    assert funding["E1"].value == "Quý III/2023"
    assert funding["E2"].value == 105_000_000  # whole đồng, a number
    assert funding["E2"].number_format == "#,##0"
    # drop-downs: the kind of a blocked period, and the communes of a station slot
    lists = {
        str(v.sqref).split(":")[0]: v.formula1
        for v in blocked.data_validations.dataValidation
    }
    assert lists["A2"] == '"xã,cán bộ"'
    stations = wb["Đài truyền thanh"]
    formulas = [v.formula1 for v in stations.data_validations.dataValidation]
    assert any("'Xã'!$A$2" in f for f in formulas)


def test_english_names_are_accepted(tmp_path: Path) -> None:
    book = _exported(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["Xã"]
    ws.title = "Communes"
    ws["A1"] = "commune_code"  # the field id
    ws["B1"] = "COMMUNE NAME"  # the English header, in any case
    ws["E1"] = "So ho ngheo"  # the Vietnamese header without diacritics
    wb.save(book)
    assert _same(load_scenario(book), load_scenario(HUNG_NGUYEN))


def test_a_bad_cell_is_named_by_sheet_row_column_and_header(tmp_path: Path) -> None:
    book = _exported(tmp_path)
    wb = openpyxl.load_workbook(book)
    wb["Xã"]["E4"] = "nhiều"  # poor households of the third commune
    wb["Thiết lập"]["C9"] = "sớm"  # horizon.start, the 8th setting
    wb.save(book)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(book)
    where = {(p.file.split(" › ")[-1], p.row, p.field) for p in caught.value.problems}
    assert ("Xã", 4, "E (Số hộ nghèo)") in where
    assert ("Thiết lập", 9, "C (Giá trị: Ngày bắt đầu)") in where
    result = runner.invoke(app, ["validate", str(book), "--lang", "en"])
    assert result.exit_code == 2
    assert "Xã, row 4, field 'E (Số hộ nghèo)'" in result.output


def test_a_cross_reference_names_the_activity_row(tmp_path: Path) -> None:
    book = _exported(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["Hoạt động"]
    # the dialogue (row 2) asks for a role nobody holds
    header = [c.value for c in ws[1]]
    column = header.index("Vai trò") + 1
    ws.cell(
        row=2, column=column, value="lanh_dao_huyen=1; ldtbxh=1; nhcsxh=1; bi_thu=1"
    )
    wb.save(book)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(book)
    (problem,) = caught.value.problems
    assert problem.file.endswith("› Hoạt động")
    assert problem.row == 2
    assert problem.field.endswith("(Vai trò)")
    assert "bi_thu" in problem.message


def test_a_missing_sheet_and_a_merged_cell_are_said(tmp_path: Path) -> None:
    book = _exported(tmp_path)
    wb = openpyxl.load_workbook(book)
    del wb["Hoạt động"]
    wb.save(book)
    with pytest.raises(ScenarioError, match="thiếu trang tính 'Hoạt động'"):
        load_scenario(book)
    book = _exported(tmp_path / "again")
    wb = openpyxl.load_workbook(book)
    wb["Cán bộ"].merge_cells("D2:D3")
    wb.save(book)
    with pytest.raises(ScenarioError, match="ô gộp"):
        load_scenario(book)


def test_new_workbook_for_a_2025_province_has_its_real_wards(tmp_path: Path) -> None:
    book = tmp_path / "nghe-an.xlsx"
    result = runner.invoke(
        app,
        [
            "workbook",
            "new",
            "--province",
            "40",
            "--units",
            "2025",
            "--year",
            "2027",
            str(book),
        ],
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(book)
    communes = list(wb["Xã"].iter_rows(min_row=2, values_only=True))
    assert len(communes) == 130  # Nghệ An since 1 July 2025
    assert communes[0][:2] == ("16681", "Phường Thành Vinh")
    # with no staff yet, validation says which roles nobody holds, by sheet and row
    result = runner.invoke(app, ["validate", str(book)])
    assert result.exit_code == 2
    assert "Hoạt động, dòng 2" in result.output
    assert "lanh_dao_so" in result.output
    # a second run keeps the planner's file
    again = runner.invoke(app, ["workbook", "new", "--province", "40", str(book)])
    assert again.exit_code == 2
    assert "--force" in again.output


def test_new_workbook_for_a_2023_district_and_bad_codes(tmp_path: Path) -> None:
    book = tmp_path / "tan-yen.xlsx"
    result = runner.invoke(app, ["workbook", "new", "--district", "216", str(book)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(book)
    codes = [r[0] for r in wb["Xã"].iter_rows(min_row=2, values_only=True)]
    assert "07306" in codes  # Thị trấn Nhã Nam
    bad = runner.invoke(
        app, ["workbook", "new", "--province", "99", str(tmp_path / "x.xlsx")]
    )
    assert bad.exit_code == 2
    assert "không có tỉnh nào của năm 2025 mang mã '99'" in bad.output
    both = runner.invoke(
        app,
        [
            "workbook",
            "new",
            "--district",
            "216",
            "--province",
            "40",
            str(tmp_path / "y.xlsx"),
        ],
    )
    assert both.exit_code == 2


def test_planning_the_workbook_gives_the_same_schedule(tmp_path: Path) -> None:
    # Nhã Nam, deterministic: the workbook and the TOML files are one scenario
    book = _exported(tmp_path, NHA_NAM)
    outs = []
    for source, name in ((NHA_NAM, "toml"), (book, "xlsx")):
        out = tmp_path / name
        result = runner.invoke(
            app,
            [
                "plan",
                str(source),
                "--deterministic",
                "--time-limit",
                "60",
                "--out",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        outs.append(out)
    assert (outs[0] / "schedule.csv").read_bytes() == (
        outs[1] / "schedule.csv"
    ).read_bytes()
