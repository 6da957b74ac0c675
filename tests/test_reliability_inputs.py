"""Reliability on input: every bad input is named, nonsense is refused, planners' habits work.

Each case copies the bundled Hưng Nguyên scenario into a temporary folder,
changes one thing and runs ``scheduler validate`` (or an option of ``plan``)
in Vietnamese and in English. A bad input must exit with 2 and name the file,
row and field in the language asked for, never with a traceback; input that is
legal but suspicious passes with a warning; what planners type in a
spreadsheet is accepted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.scenario.load import load_scenario
from tests.test_invalid_inputs import CASES, TOML_NAME, ScenarioCopy, copy_scenario

runner = CliRunner()
TOML = TOML_NAME


@pytest.fixture
def scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ScenarioCopy:
    # messages name files relative to the working directory: data/staff.csv
    monkeypatch.chdir(tmp_path)
    return copy_scenario(tmp_path, "hung-nguyen-2023")


def _run(args: list[str], lang: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--lang", lang])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"a traceback instead of a message: {result.exception!r}\n{result.output}"
    )
    return result.exit_code, result.output


def _located(output: str, file: str, row: int | None, field: str, lang: str) -> bool:
    """Tell whether a message line names the file (by its name), row and field."""
    row_word, field_word = ("row", "field") if lang == "en" else ("dòng", "trường")
    where = rf"{row_word} {row}, " if row is not None else ""
    name = re.escape(file)
    field_re = re.escape(field)
    pattern = rf"(^|[\s/]){name}, {where}{field_word} '{field_re}(\.[^']*)?'"
    return re.search(pattern, output, re.MULTILINE) is not None


def _xlsx(copy: ScenarioCopy, name: str, rows: list[list[object]]) -> str:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for r in rows:
        sheet.append(r)
    book.save(copy.data / name)
    return name


def _excel_rows(copy: ScenarioCopy, name: str) -> list[list[object]]:
    """A CSV's rows as a spreadsheet stores them: numbers as numbers."""
    rows: list[list[object]] = [list(copy.rows(name)[0])]
    for line in copy.rows(name)[1:]:
        cells: list[object] = []
        for v in line:
            try:
                cells.append(int(v))
            except ValueError:
                cells.append(v or None)
        rows.append(cells)
    return rows


# --------------------------------------------------------------------------- cases


def _station_time_number(value: float) -> Callable[[ScenarioCopy], None]:
    def breakage(copy: ScenarioCopy) -> None:
        rows = _excel_rows(copy, "stations.csv")
        rows[1][rows[0].index("start")] = value
        copy.point_data("stations", _xlsx(copy, "stations.xlsx", rows))

    return breakage


def _symlink_loop(copy: ScenarioCopy) -> None:
    os.symlink("loop.csv", copy.data / "loop.csv")
    copy.point_data("stations", "loop.csv")


def _cp1258(copy: ScenarioCopy) -> None:
    text = (copy.data / "staff.csv").read_text(encoding="utf-8")
    # Windows-1258 writes Vietnamese with combining tones, as Excel does there
    raw = unicodedata.normalize("NFD", text).encode("cp1258", errors="replace")
    (copy.data / "staff.csv").write_bytes(raw)


def _formula_without_value(copy: ScenarioCopy) -> None:
    rows = _excel_rows(copy, "venues.csv")
    rows[3][rows[0].index("capacity")] = "=SUM(10,20)"  # openpyxl caches no value
    copy.point_data("venues", _xlsx(copy, "venues.xlsx", rows))


def _merged_cell(copy: ScenarioCopy) -> None:
    rows = _excel_rows(copy, "venues.csv")
    name = _xlsx(copy, "venues.xlsx", rows)
    book = openpyxl.load_workbook(copy.data / name)
    sheet = book.worksheets[0]
    sheet.merge_cells("C3:C4")  # commune_code of spreadsheet rows 3 and 4
    book.save(copy.data / name)
    copy.point_data("venues", name)


def _data_on_second_sheet(copy: ScenarioCopy) -> None:
    book = openpyxl.Workbook()
    book.create_sheet("Xã")
    for r in _excel_rows(copy, "communes.csv"):
        book["Xã"].append(r)
    book.save(copy.data / "communes.xlsx")
    copy.point_data("communes", "communes.xlsx")


# id, break one thing, expected (file, row, field)
BAD = [
    pytest.param(
        lambda c: c.set_cell("staff.csv", 2, "name", "Nguyễn\x0bVăn Hải"),
        "staff.csv",
        2,
        "name",
        id="vertical-tab-in-name",
    ),
    pytest.param(
        lambda c: c.set_cell("staff.csv", 3, "name", "Nguyễn\x00Hữu Hà"),
        "staff.csv",
        3,
        "name",
        id="nul-in-name",
    ),
    pytest.param(
        lambda c: c.set_top_key("title", '"Kế hoạch\\u0007"'),
        TOML,
        None,
        "title",
        id="control-character-in-toml-title",
    ),
    pytest.param(
        _station_time_number(6),
        "stations.xlsx",
        2,
        "start",
        id="xlsx-time-cell-holding-6",
    ),
    pytest.param(
        lambda c: c.set_cell("stations.csv", 2, "start", "25:00"),
        "stations.csv",
        2,
        "start",
        id="no-such-clock-time",
    ),
    pytest.param(_symlink_loop, "loop.csv", None, "-", id="symlink-loop"),
    pytest.param(
        lambda c: c.set_key("activities.dialogue", "cost_fixed_vnd", "10" + "0" * 20),
        TOML,
        None,
        "activities.dialogue.cost_fixed_vnd",
        id="money-10^20",
    ),
    pytest.param(
        lambda c: c.set_cell("venues.csv", 2, "capacity", "1" + "0" * 20),
        "venues.csv",
        2,
        "capacity",
        id="capacity-10^20",
    ),
    pytest.param(
        # each item within the bound, but every possible item together is not
        lambda c: c.set_key(
            "activities.broadcast", "cost_per_item_vnd", "10" + "0" * 11
        ),
        TOML,
        None,
        "activities.broadcast",
        id="total-beyond-exact-sums",
    ),
    pytest.param(
        lambda c: c.set_key("weights", "coverage", "10" + "0" * 8),
        TOML,
        None,
        "weights.coverage",
        id="weight-beyond-domain",
    ),
    pytest.param(
        lambda c: c.set_key("solver.parameters", "num_workers", "-3"),
        TOML,
        None,
        "solver.parameters.num_workers",
        id="toml-num-workers-negative",
    ),
    pytest.param(
        lambda c: c.set_key("solver.parameters", "max_time_in_seconds", "nan"),
        TOML,
        None,
        "solver.parameters.max_time_in_seconds",
        id="toml-time-limit-nan",
    ),
    pytest.param(
        lambda c: c.set_cell("blocked_periods.csv", 2, "start_date", "0"),
        "blocked_periods.csv",
        2,
        "start_date",
        id="date-typed-0-in-table",
    ),
    pytest.param(
        lambda c: c.set_key("horizon", "start", "0"),
        TOML,
        None,
        "horizon.start",
        id="date-typed-0-in-toml",
    ),
    pytest.param(
        lambda c: c.set_cell("blocked_periods.csv", 2, "start_date", "31/02/2023"),
        "blocked_periods.csv",
        2,
        "start_date",
        id="no-such-day-dd/mm/yyyy",
    ),
    pytest.param(_cp1258, "staff.csv", 2, "-", id="csv-in-windows-1258"),
    pytest.param(
        lambda c: c.set_cell("staff.csv", 4, "name", "x" * 200_000),
        "staff.csv",
        4,
        "-",
        id="csv-cell-beyond-field-limit",
    ),
    pytest.param(
        _formula_without_value,
        "venues.xlsx",
        4,
        "capacity",
        id="xlsx-formula-without-cached-value",
    ),
    pytest.param(_merged_cell, "venues.xlsx", 3, "commune_code", id="xlsx-merged-cell"),
    pytest.param(
        _data_on_second_sheet, "communes.xlsx", None, "-", id="xlsx-data-on-sheet-2"
    ),
]


@pytest.mark.parametrize(("breakage", "file", "row", "field"), BAD)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_bad_input_is_named_in_the_users_language(
    scenario: ScenarioCopy,
    breakage: Callable[[ScenarioCopy], None],
    file: str,
    row: int | None,
    field: str,
    lang: str,
) -> None:
    breakage(scenario)
    code, output = _run(["validate", TOML], lang)
    assert code == 2, output
    assert _located(output, file, row, field, lang), output


# What each message must also say, beyond where: (case, Vietnamese, English).
HINTS = [
    (_cp1258, "lưu lại dưới dạng CSV UTF-8", "save it again as CSV UTF-8"),
    (_formula_without_value, "công thức", "formula"),
    (_merged_cell, "ô gộp", "merged cells"),
    (_data_on_second_sheet, "trang 'Xã'", "sheet 'Xã'"),
    (_symlink_loop, "vòng", "loop"),
    (_station_time_number(6), "phần của ngày", "fraction of a day"),
]


@pytest.mark.parametrize(("breakage", "vi", "en"), HINTS)
def test_message_says_what_to_do(
    scenario: ScenarioCopy, breakage: Callable[[ScenarioCopy], None], vi: str, en: str
) -> None:
    breakage(scenario)
    assert vi in _run(["validate", TOML], "vi")[1]
    assert en in _run(["validate", TOML], "en")[1]


# --------------------------------------------------------------------------- options

PLAN = ["plan", TOML, "--out", "out"]
OPTIONS = [
    pytest.param(
        [*PLAN, "--time-limit", "-1"], "--time-limit", id="time-limit-negative"
    ),
    pytest.param([*PLAN, "--time-limit", "nan"], "--time-limit", id="time-limit-nan"),
    pytest.param([*PLAN, "--time-limit", "0"], "--time-limit", id="time-limit-zero"),
    pytest.param([*PLAN, "--workers", "-3"], "--workers", id="workers-negative"),
    pytest.param([*PLAN, "--workers", "abc"], "--workers", id="workers-not-a-number"),
    pytest.param([*PLAN, "--seed", "abc"], "--seed", id="seed-not-a-number"),
    pytest.param(
        ["explain", TOML, "--time-limit", "inf"], "--time-limit", id="explain-time-inf"
    ),
    pytest.param(
        ["suggest", "plan.json", "e", "--scenario", TOML, "--k", "0"],
        "--k",
        id="suggest-k-zero",
    ),
    pytest.param(
        ["publish", "out", "--grace-days", "-1"], "--grace-days", id="grace-days"
    ),
]


@pytest.mark.parametrize(("args", "name"), OPTIONS)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_bad_option_is_refused_before_anything_runs(
    scenario: ScenarioCopy, args: list[str], name: str, lang: str
) -> None:
    code, output = _run(args, lang)
    assert code == 2, output
    word = "must be" if lang == "en" else "phải là"
    assert f"{name}: {word}" in output, output
    assert not Path("out").exists()


def test_unknown_language_is_refused(scenario: ScenarioCopy) -> None:
    result = runner.invoke(app, ["validate", TOML, "--lang", "fr"])
    assert result.exit_code == 2, result.output
    assert "--lang: 'fr'" in result.output
    assert "Kịch bản hợp lệ" not in result.output


# --------------------------------------------------------------------------- warnings

WARNINGS = [
    pytest.param(
        lambda c: c.set_cell("staff.csv", 2, "roles", "lanh_dao_huyn"),
        "staff.csv",
        2,
        "roles",
        "lanh_dao_huyen",
        id="misspelt-role-no-activity-uses",
    ),
    pytest.param(
        lambda c: c.insert_row(
            "blocked_periods.csv",
            2,
            {
                "kind": "commune",
                "ref": "18001",
                "start_date": "2022-09-25",
                "end_date": "2022-10-06",
            },
        ),
        "blocked_periods.csv",
        2,
        "start_date",
        ("25/09/2022", "2022-09-25"),
        id="blocked-period-outside-horizon",
    ),
    pytest.param(
        lambda c: c.set_key(
            "funding", "allowance_vnd", '{ "2023-Q3" = 105_000_000, "2032-Q4" = 1 }'
        ),
        TOML,
        None,
        "funding[0].allowance_vnd",
        "2032-Q4",
        id="allowance-quarter-outside-horizon",
    ),
    pytest.param(
        lambda c: c.set_key(
            "activities.broadcast", "per_month_override", '{ "2023-13" = 10 }'
        ),
        TOML,
        None,
        "activities.broadcast.per_month_override",
        "2023-13",
        id="month-override-outside-horizon",
    ),
]


@pytest.mark.parametrize(("breakage", "file", "row", "field", "detail"), WARNINGS)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_suspicious_input_is_warned_not_refused(
    scenario: ScenarioCopy,
    breakage: Callable[[ScenarioCopy], None],
    file: str,
    row: int | None,
    field: str,
    detail: str | tuple[str, str],
    lang: str,
) -> None:
    breakage(scenario)
    code, output = _run(["validate", TOML], lang)
    assert code == 0, output
    assert ("Warning" if lang == "en" else "Cảnh báo") in output
    assert _located(output, file, row, field, lang), output
    vi, en = detail if isinstance(detail, tuple) else (detail, detail)
    assert (en if lang == "en" else vi) in output


def test_bundled_scenarios_have_no_warnings() -> None:
    from scheduler.scenario.load import load_scenario_with_warnings

    root = Path(__file__).resolve().parents[1] / "configs" / "scenarios"
    for stem in ("hung-nguyen-2023", "nha-nam-2023"):
        assert load_scenario_with_warnings(root / f"{stem}.toml")[1] == []


# --------------------------------------------------------------------------- planner-friendly


def _resave(copy: ScenarioCopy, name: str, separator: str, decimal: str) -> None:
    """Write a CSV as a spreadsheet in another locale does: separator, decimal mark."""
    lines = []
    for r in copy.rows(name):
        cells = [
            v.replace(".", decimal) if re.fullmatch(r"-?\d+\.\d+", v) else v for v in r
        ]
        lines.append(separator.join(cells))
    (copy.data / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_semicolon_csv_with_decimal_commas_loads(scenario: ScenarioCopy) -> None:
    original = load_scenario(scenario.toml)
    _resave(scenario, "communes.csv", ";", ",")
    assert ";" in (scenario.data / "communes.csv").read_text().splitlines()[0]
    assert load_scenario(scenario.toml).communes == original.communes


def test_tab_separated_csv_loads(scenario: ScenarioCopy) -> None:
    original = load_scenario(scenario.toml)
    _resave(scenario, "venues.csv", "\t", ".")
    assert load_scenario(scenario.toml).venues == original.venues


def test_day_first_dates_are_read_as_in_vietnam(scenario: ScenarioCopy) -> None:
    scenario.set_cell("blocked_periods.csv", 2, "start_date", "25/09/2023")
    scenario.set_cell("blocked_periods.csv", 2, "end_date", "6/10/2023")
    scenario.set_key("horizon", "start", '"01/07/2023"')
    scenario.set_key("targets", "by", '"30/09/2023"')
    loaded = load_scenario(scenario.toml)
    first = loaded.blocked[0]
    assert (first.start_date, first.end_date) == (
        dt.date(2023, 9, 25),
        dt.date(2023, 10, 6),
    )
    assert loaded.horizon.start == dt.date(2023, 7, 1)
    assert loaded.targets[0].by == dt.date(2023, 9, 30)


def test_thousands_separators_are_read(scenario: ScenarioCopy) -> None:
    scenario.set_cell("communes.csv", 2, "poor_households", "1.500")
    scenario.set_cell("venues.csv", 2, "capacity", "1.200")
    scenario.set_key("activities.dialogue", "cost_fixed_vnd", '"3.600.000 đ"')
    loaded = load_scenario(scenario.toml)
    assert loaded.communes[0].poor_households == 1500
    assert loaded.venues[0].capacity == 1200
    assert loaded.activities["dialogue"].cost_fixed_vnd == 3_600_000


def test_ambiguous_number_is_still_refused(scenario: ScenarioCopy) -> None:
    scenario.set_cell("communes.csv", 2, "poor_households", "1,5")
    code, output = _run(["validate", TOML], "en")
    assert code == 2
    assert _located(output, "communes.csv", 2, "poor_households", "en"), output


def test_csv_codes_that_lost_their_leading_zero_are_padded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spreadsheet saves 07306 to CSV as 7306: padded back, as for XLSX cells."""
    monkeypatch.chdir(tmp_path)
    copy = copy_scenario(tmp_path, "nha-nam-2023")
    for name in ("communes.csv", "venues.csv", "stations.csv", "blocked_periods.csv"):
        text = (copy.data / name).read_text(encoding="utf-8")
        assert "07306" in text
        (copy.data / name).write_text(text.replace("07306", "7306"), encoding="utf-8")
    loaded = load_scenario(copy.toml)
    assert [c.commune_code for c in loaded.communes] == ["07306"]
    assert {v.commune_code for v in loaded.venues} <= {"07306", None}
    assert {b.ref for b in loaded.blocked if b.kind == "commune"} == {"07306"}


def test_xlsx_time_as_fraction_of_a_day(scenario: ScenarioCopy) -> None:
    """Excel stores 07:30 as 0.3125 of a day; a number cell is read as that time."""
    _station_time_number(0.3125)(scenario)
    loaded = load_scenario(scenario.toml)
    assert loaded.stations[0].start == dt.time(7, 30)


# --------------------------------------------------------------------------- languages

# Tell-tale fragments of English (pydantic, Python, the solver) in Vietnamese text.
ENGLISH = (
    "Input should",
    "invalid",
    "Invalid",
    "value is not",
    "must be",
    "must not",
    "not found",
    "field required",
    "Value error",
    "should be",
    "expected",
    "is not",
    "cannot",
    "Errno",
    "No such file",
    "Traceback",
    " row ",
    " field ",
    "(got ",
    "Expected",
    "Cannot",
    " the ",
    " of ",
    " not ",
    " line ",
)
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`")


def _fixed_text(output: str) -> str:
    """The message without what the user typed: quoted values, names, commands."""
    return _QUOTED.sub("''", output)


def _vietnamese_letters(text: str) -> list[str]:
    return [
        ch for ch in text if ord(ch) > 127 and unicodedata.category(ch).startswith("L")
    ]


ALL_CASES = [*CASES, *BAD]


@pytest.mark.parametrize(("breakage", "file", "row", "field"), ALL_CASES)
def test_each_language_stays_in_its_own_words(
    scenario: ScenarioCopy,
    breakage: Callable[[ScenarioCopy], None],
    file: str,
    row: int | None,
    field: str,
) -> None:
    breakage(scenario)
    code_vi, vietnamese = _run(["validate", TOML], "vi")
    code_en, english = _run(["validate", TOML], "en")
    assert code_vi == code_en == 2
    assert _located(vietnamese, file, row, field, "vi"), vietnamese
    assert _located(english, file, row, field, "en"), english
    fixed_vi = _fixed_text(vietnamese)
    leaks = [w for w in ENGLISH if w in fixed_vi]
    assert not leaks, f"English {leaks} in:\n{vietnamese}"
    letters = _vietnamese_letters(_fixed_text(english))
    assert not letters, f"Vietnamese letters {letters} in:\n{english}"


def test_check_speaks_the_users_language(tmp_path: Path) -> None:
    """``scheduler check`` names broken rules in Vietnamese, or English with --lang en."""
    from scheduler.plan import Assignment
    from scheduler.solver.solve import solve
    from tests.conftest import make_scenario

    sc = make_scenario(tmp_path)
    plan = solve(sc)
    first, second = plan.events[0], plan.events[1]
    saturday = dt.timedelta(days=(dt.date(2023, 9, 9) - first.start.date()).days)
    broken = dataclasses.replace(
        plan,
        events=(
            dataclasses.replace(
                first,
                start=first.start + saturday,
                end=first.end + saturday,
                cost_vnd=first.cost_vnd + 1,
                funding_source="other",
            ),
            dataclasses.replace(second, staff=(Assignment("T1", "leader"),)),
            *plan.events[2:],
        ),
    )
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(broken.to_json(), encoding="utf-8")
    args = ["check", str(tmp_path / "tiny.toml"), str(plan_file)]
    code_vi, vietnamese = _run(args, "vi")
    code_en, english = _run(args, "en")
    assert code_vi == code_en == 3
    assert "không phải ngày làm việc" in vietnamese
    assert "is not a working day" in english
    lines_vi = [line for line in vietnamese.splitlines() if line.startswith("  - ")]
    lines_en = [line for line in english.splitlines() if line.startswith("  - ")]
    assert len(lines_vi) == len(lines_en) >= 4
    for line in lines_vi:
        # event ids, staff ids and rule ids are codes; the words are Vietnamese
        words = _fixed_text(line.split(" (", 1)[0])
        assert not [w for w in ENGLISH if w in words], line
        assert not re.search(r"\b(not|is|may|does|expected|hold)\b", words), line
    for line in lines_en:
        assert not _vietnamese_letters(_fixed_text(line)), line


def test_no_plan_in_time_is_said_in_the_users_language(tmp_path: Path) -> None:
    """The solver's give-up is explained in the planner's words (exit 1).

    ``plan`` prints the scenario's warnings first, as ``validate`` does.
    """
    from tests.conftest import make_scenario

    # no deterministic time at all: CP-SAT stops before any solution, on any machine
    parameters = {"max_deterministic_time": 0.0, "num_workers": 1}
    last_year = {"kind": "commune", "ref": "00001", "start_date": "2022-09-05"}
    make_scenario(
        tmp_path,
        {"solver": {"engine": "cp-sat", "parameters": parameters}},
        {"blocked.csv": [{**last_year, "end_date": "2022-09-09"}]},
    )
    args = ["plan", str(tmp_path / "tiny.toml"), "--out", str(tmp_path / "out")]
    code_vi, vietnamese = _run(args, "vi")
    code_en, english = _run(args, "en")
    assert code_vi == code_en == 1
    assert "chưa tìm được kế hoạch trong 20,0 giây" in vietnamese
    assert "no plan found" not in vietnamese
    assert "no plan found within 20.0 s" in english
    assert "Cảnh báo" in vietnamese
    assert "Warning" in english
    assert _located(vietnamese, "blocked.csv", 2, "start_date", "vi"), vietnamese
    assert _located(english, "blocked.csv", 2, "start_date", "en"), english


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("vi", "quá 1 MB, đã bỏ 1 sự kiện đã qua"),
        ("en", "over 1 MB, 1 past events left out"),
    ],
)
def test_publish_warning_is_in_the_users_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    import scheduler.store
    from scheduler.export.display import DisplayData
    from scheduler.store import connect, publish
    from tests.calendar_fixtures import feed_scenario, solved

    sc = feed_scenario(tmp_path / "sc")
    plan = solved(sc)
    real = scheduler.store.build_feeds

    def one_feed_too_large(*args: object, **kwargs: object) -> list[object]:
        feeds = real(*args, **kwargs)  # type: ignore[arg-type]
        return [dataclasses.replace(feeds[0], dropped=1), *feeds[1:]]

    monkeypatch.setattr(scheduler.store, "build_feeds", one_feed_too_large)
    conn = connect(tmp_path / "plans.sqlite")
    now = dt.datetime(2023, 9, 1, tzinfo=dt.UTC)
    result = publish(conn, plan, DisplayData.from_scenario(sc), now=now, lang=lang)
    conn.close()
    [warning] = result.warnings
    assert expected in warning


@pytest.mark.parametrize(
    ("content", "vi", "en"),
    [
        ("{}", "không phải plan.json", "not a plan.json"),
        ("{ broken", "không phải plan.json", "not a plan.json"),
        (None, "không đọc được tệp (không có tệp này)", "cannot read the file (no"),
    ],
)
def test_unreadable_plan_is_named_in_the_users_language(
    scenario: ScenarioCopy, content: str | None, vi: str, en: str
) -> None:
    plan_file = Path("plan.json")
    if content is not None:
        plan_file.write_text(content, encoding="utf-8")
    code_vi, vietnamese = _run(["check", TOML, "plan.json"], "vi")
    code_en, english = _run(["check", TOML, "plan.json"], "en")
    assert code_vi == code_en == 2
    assert f"plan.json: {vi}" in vietnamese
    assert f"plan.json: {en}" in english
    assert not [w for w in ENGLISH if w in _fixed_text(vietnamese)], vietnamese


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[[lock]]\nevent = "x"\nkeep = "sometimes"\n', "lock.0.keep"),
        (
            '[[commune_closed]]\ncommune = "18001"\nstart = 2023-09-25\nend = 0\n',
            "commune_closed.0.end",
        ),
        ("[[lock]\n", "-"),
    ],
)
def test_changes_file_speaks_the_users_language(
    tmp_path: Path, text: str, field: str
) -> None:
    """``replan``'s changes file gets the scenario's messages: both languages, no 0 dates."""
    from scheduler.errors import ScenarioError
    from scheduler.replan import read_changes

    changes = tmp_path / "changes.toml"
    changes.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_changes(changes)
    [problem] = info.value.problems
    assert problem.field == field
    assert not [w for w in ENGLISH if w in _fixed_text(problem.render("vi"))]
    assert not _vietnamese_letters(_fixed_text(problem.render("en")))


def test_plan_summary_counts_classes_in_one_language(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "configs" / "scenarios"
    args = ["plan", str(root / "nha-nam-2023.toml"), "--workers", "1"]
    code_vi, vietnamese = _run([*args, "--out", str(tmp_path / "vi")], "vi")
    assert code_vi == 0, vietnamese
    [line] = [x for x in vietnamese.splitlines() if "Tập huấn" in x]
    assert line.endswith(": 1 lớp, 1/1 xã"), line
