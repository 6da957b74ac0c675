"""The command line: exit codes, messages naming file/row/field, atomic outputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from scheduler.cli import app
from tests.conftest import make_scenario

runner = CliRunner()


def test_plan_writes_every_output_and_check_accepts_it(tmp_path: Path) -> None:
    make_scenario(tmp_path / "sc")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["plan", str(tmp_path / "sc" / "tiny.toml"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        "schedule.csv",
        "schedule.xlsx",
        "ke-hoach.docx",
        "unscheduled.csv",
        "plan.json",
        "display.json",
        "calendars",
        "report.html",
        "report-staff.html",
        # the marker of a folder the tool wrote and may replace
        ".scheduler-output",
        "communes",
        "staff",
    }
    # with a byte-order mark, for Excel
    assert (out / "schedule.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    header = (out / "schedule.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == (
        "event_id,activity,commune_code,venue,start,end,staff,communes_served,"
        "topic,cost_vnd,funding_source,status"
    )
    assert "Đối thoại: 2/2" in result.output
    checked = runner.invoke(
        app, ["check", str(tmp_path / "sc" / "tiny.toml"), str(out / "plan.json")]
    )
    assert checked.exit_code == 0, checked.output


def test_bad_input_exits_2_naming_file_row_field_and_keeps_old_output(
    tmp_path: Path,
) -> None:
    make_scenario(tmp_path / "sc")
    out = tmp_path / "out"
    toml = str(tmp_path / "sc" / "tiny.toml")
    assert runner.invoke(app, ["plan", toml, "--out", str(out)]).exit_code == 0
    before = (out / "plan.json").read_bytes()
    communes = tmp_path / "sc" / "communes.csv"
    communes.write_text(
        communes.read_text(encoding="utf-8").replace(",30", ",ba mươi"),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["plan", toml, "--out", str(out)])
    assert result.exit_code == 2
    assert "communes.csv, dòng 2, trường 'poor_households'" in result.output
    assert (out / "plan.json").read_bytes() == before
    english = runner.invoke(app, ["validate", toml, "--lang", "en"])
    assert english.exit_code == 2
    assert "communes.csv, row 2, field 'poor_households'" in english.output


def test_impossible_scenario_exits_2_with_the_conflict(tmp_path: Path) -> None:
    make_scenario(
        tmp_path,
        {"pins": [{"activity": "dialogue", "commune": "00001", "date": "2023-09-04"}]},
    )
    result = runner.invoke(
        app, ["plan", str(tmp_path / "tiny.toml"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "Mốc cố định" in result.output
    assert not (tmp_path / "o").exists()


def test_exporters_and_checker_do_not_import_the_solver() -> None:
    code = (
        "import sys, scheduler.check, scheduler.export.table, scheduler.plan; "
        "print('ortools' in ' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_every_command_is_documented() -> None:
    doc = Path("docs/cli.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        assert f"scheduler {name}" in doc
        assert runner.invoke(app, [name, "--help"]).exit_code == 0


def test_output_folder_has_the_usual_permissions(tmp_path: Path) -> None:
    import os
    import stat

    from scheduler.export.table import write_atomically

    write_atomically(tmp_path / "out", {"a.txt": b"x"})
    (tmp_path / "by-hand").mkdir()
    # the same mode as a folder made with mkdir under the same umask (0755 for
    # umask 022), not the 0700 of a temporary folder
    mode = stat.S_IMODE(os.stat(tmp_path / "out").st_mode)
    assert mode == stat.S_IMODE(os.stat(tmp_path / "by-hand").st_mode)
