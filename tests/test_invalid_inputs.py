"""Invalid scenario inputs: one row per kind of problem.

Each case copies the bundled Hưng Nguyên scenario (TOML and tables) into a
temporary directory, breaks one thing, and checks that ``load_scenario``
raises a ``ScenarioError`` naming the file, the row (header = row 1, first data
row = 2, ``None`` for the TOML or a whole file) and the field.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from scheduler.errors import InputProblem, ScenarioError
from scheduler.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "configs" / "scenarios"
TOML_NAME = "scenario.toml"


@dataclass
class ScenarioCopy:
    """A scenario copied into a temporary directory, with helpers to break it."""

    toml: Path
    data: Path

    # ------------------------------------------------------------------ TOML

    def toml_text(self) -> str:
        return self.toml.read_text(encoding="utf-8")

    def write_toml(self, text: str) -> None:
        self.toml.write_text(text, encoding="utf-8")

    def _section_span(self, lines: list[str], section: str) -> tuple[int, int]:
        """Return (header, end) line indices of the first ``[section]``."""
        headers = (f"[{section}]", f"[[{section}]]")
        start = next(i for i, line in enumerate(lines) if line.strip() in headers)
        end = next(
            (
                i
                for i in range(start + 1, len(lines))
                if lines[i].lstrip().startswith("[")
            ),
            len(lines),
        )
        return start, end

    def set_key(self, section: str, key: str, value: str) -> None:
        """Set ``key = value`` (TOML source text) in a section, adding it if absent."""
        lines = self.toml_text().splitlines()
        start, end = self._section_span(lines, section)
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i in range(start + 1, end):
            if pattern.match(lines[i]):
                lines[i] = f"{key} = {value}"
                break
        else:
            lines.insert(start + 1, f"{key} = {value}")
        self.write_toml("\n".join(lines) + "\n")

    def set_top_key(self, key: str, value: str) -> None:
        """Set a top-level ``key = value``, above the first section."""
        lines = self.toml_text().splitlines()
        first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("["))
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        top = [line for line in lines[:first] if not pattern.match(line)]
        self.write_toml("\n".join([f"{key} = {value}", *top, *lines[first:]]) + "\n")

    def drop_section(self, section: str) -> None:
        lines = self.toml_text().splitlines()
        start, end = self._section_span(lines, section)
        self.write_toml("\n".join(lines[:start] + lines[end:]) + "\n")

    def prepend(self, text: str) -> None:
        self.write_toml(text + "\n" + self.toml_text())

    def point_data(self, table: str, file_name: str) -> None:
        """Point ``[data].<table>`` at a file in the copied data directory."""
        self.set_key("data", table, f'"data/{file_name}"')

    # ---------------------------------------------------------------- tables

    def rows(self, name: str) -> list[list[str]]:
        text = (self.data / name).read_text(encoding="utf-8-sig")
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]

    def write_rows(
        self, name: str, rows: list[list[str]], encoding: str = "utf-8"
    ) -> None:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        (self.data / name).write_bytes(out.getvalue().encode(encoding))

    def set_cell(self, name: str, row: int, column: str, value: str) -> None:
        """Set a cell; ``row`` counts like a spreadsheet (header = 1)."""
        rows = self.rows(name)
        rows[row - 1][rows[0].index(column)] = value
        self.write_rows(name, rows)

    def get_cell(self, name: str, row: int, column: str) -> str:
        rows = self.rows(name)
        return rows[row - 1][rows[0].index(column)]

    def insert_row(self, name: str, row: int, values: dict[str, str]) -> None:
        """Insert a row so that it becomes spreadsheet row ``row``."""
        rows = self.rows(name)
        unknown = set(values) - set(rows[0])
        assert not unknown, unknown
        rows.insert(row - 1, [values.get(c, "") for c in rows[0]])
        self.write_rows(name, rows)

    def add_column(self, name: str, column: str, value: str) -> None:
        rows = self.rows(name)
        self.write_rows(name, [[*rows[0], column]] + [[*r, value] for r in rows[1:]])

    def drop_column(self, name: str, column: str) -> None:
        rows = self.rows(name)
        i = rows[0].index(column)
        self.write_rows(name, [r[:i] + r[i + 1 :] for r in rows])

    def to_xlsx(self, name: str) -> str:
        """Write ``name`` (a CSV) as .xlsx, numbers as numbers, as Excel would."""
        book = openpyxl.Workbook()
        sheet = book.active
        for i, r in enumerate(self.rows(name)):
            sheet.append(r if i == 0 else [_as_excel(v) for v in r])
        xlsx = Path(name).with_suffix(".xlsx").name
        book.save(self.data / xlsx)
        return xlsx


def _as_excel(value: str) -> object:
    """Return a cell value the way a spreadsheet would store it."""
    if value == "":
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def copy_scenario(tmp_path: Path, stem: str) -> ScenarioCopy:
    """Copy ``configs/scenarios/<stem>.toml`` and its tables into ``tmp_path``."""
    source = SCENARIOS / f"{stem}.toml"
    doc = tomllib.loads(source.read_text(encoding="utf-8"))
    data_dirs = {(source.parent / p).resolve().parent for p in doc["data"].values()}
    assert len(data_dirs) == 1, data_dirs
    shutil.copytree(data_dirs.pop(), tmp_path / "data")
    copy = ScenarioCopy(tmp_path / TOML_NAME, tmp_path / "data")
    shutil.copyfile(source, copy.toml)
    for table, rel in doc["data"].items():
        copy.point_data(table, Path(rel).name)
    return copy


@pytest.fixture
def scenario(tmp_path: Path) -> ScenarioCopy:
    return copy_scenario(tmp_path, "hung-nguyen-2023")


def _matches(p: InputProblem, file: str, row: int | None, field: str) -> bool:
    # "horizon" also matches a more precise "horizon.end"
    return (
        Path(p.file).name == file
        and p.row == row
        and (p.field == field or p.field.startswith(field + "."))
    )


def _problems(copy: ScenarioCopy) -> list[InputProblem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(copy.toml)
    problems = info.value.problems
    assert problems, "a ScenarioError must carry at least one problem"
    for p in problems:
        assert p.message, p
        assert p.message_en, p
    return problems


def _assert_reported(
    problems: list[InputProblem], file: str, row: int | None, field: str
) -> None:
    shown = "\n".join(p.english() for p in problems)
    assert any(_matches(p, file, row, field) for p in problems), (
        f"expected a problem at {file}, row {row}, field {field!r}; got:\n{shown}"
    )


# --------------------------------------------------------------------------- cases


def _write_latin1(copy: ScenarioCopy, name: str) -> None:
    text = (copy.data / name).read_text(encoding="utf-8")
    raw = text.encode("latin-1", errors="replace")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        (copy.data / name).write_bytes(raw)
        return
    raise AssertionError(f"{name} has no Latin-1 letter; the case tests nothing")


def _wrong_extension(copy: ScenarioCopy) -> None:
    shutil.copyfile(copy.data / "communes.csv", copy.data / "communes.txt")
    copy.point_data("communes", "communes.txt")


def _duplicate_commune(copy: ScenarioCopy) -> None:
    rows = copy.rows("communes.csv")
    rows.insert(2, list(rows[1]))  # row 2 again, as row 3
    copy.write_rows("communes.csv", rows)


def _extra_cell(copy: ScenarioCopy) -> None:
    rows = copy.rows("topics.csv")
    rows[1].append("thừa")
    copy.write_rows("topics.csv", rows)


def _duplicate_header(copy: ScenarioCopy) -> None:
    rows = copy.rows("communes.csv")
    rows[0][rows[0].index("near_poor_households")] = "poor_households"
    copy.write_rows("communes.csv", rows)


def _unknown_engine(copy: ScenarioCopy) -> None:
    copy.write_toml(
        copy.toml_text().replace(
            "[solver.parameters]", '[solver]\nengine = "gurobi"\n\n[solver.parameters]'
        )
    )


def _solver_not_a_table(copy: ScenarioCopy) -> None:
    copy.drop_section("solver.parameters")
    copy.prepend("solver = 3")


def _blocked(
    kind: str, ref: str, start: str, end: str
) -> Callable[[ScenarioCopy], None]:
    values = {"kind": kind, "ref": ref, "start_date": start, "end_date": end}
    return lambda c: c.insert_row("blocked_periods.csv", 2, values)


TOML = TOML_NAME


# id, break one thing, expected (file, row, field)
CASES = [
    # ---- scenario TOML
    pytest.param(
        lambda c: c.prepend('colour = "đỏ"'),
        TOML,
        None,
        "colour",
        id="unknown-toml-top-level-key",
    ),
    pytest.param(
        lambda c: c.set_key("activities.dialogue", "per_comune", "2"),
        TOML,
        None,
        "activities.dialogue.per_comune",
        id="unknown-key-in-activity",
    ),
    pytest.param(
        lambda c: c.drop_section("horizon"),
        TOML,
        None,
        "horizon",
        id="missing-required-section",
    ),
    pytest.param(
        lambda c: c.set_key("activities.dialogue", "per_commune", '"one"'),
        TOML,
        None,
        "activities.dialogue.per_commune",
        id="wrong-type-in-toml",
    ),
    pytest.param(
        lambda c: c.set_key("horizon", "end", "2020-01-01"),
        TOML,
        None,
        "horizon",
        id="horizon-end-before-start",
    ),
    pytest.param(
        lambda c: c.prepend("[horizon"),  # line 1 of the file
        TOML,
        1,
        "-",
        id="toml-syntax-error",
    ),
    pytest.param(
        lambda c: c.set_key("activities.dialogue", "funding_sources", '["quy_x"]'),
        TOML,
        None,
        "activities.dialogue.funding_sources",
        id="unknown-funding-source",
    ),
    pytest.param(
        lambda c: c.set_key("funding", "allowance_vnd", '{ "2023-Q5" = 1_000_000 }'),
        TOML,
        None,
        "funding[0].allowance_vnd",
        id="bad-quarter-key",
    ),
    pytest.param(
        lambda c: c.set_key("activities.dialogue", "roles", "{ phong_vien = 1 }"),
        TOML,
        None,
        "activities.dialogue.roles",
        id="role-nobody-holds",
    ),
    pytest.param(
        lambda c: c.set_key("solver.parameters", "foo", "1"),
        TOML,
        None,
        "solver.parameters.foo",
        id="unknown-cp-sat-parameter",
    ),
    pytest.param(
        _unknown_engine,
        TOML,
        None,
        "solver.engine",
        id="unknown-solver-engine",
    ),
    pytest.param(
        _solver_not_a_table,
        TOML,
        None,
        "solver",
        id="solver-not-a-table",
    ),
    pytest.param(
        lambda c: c.set_key("pins", "date", "2030-01-15"),
        TOML,
        None,
        "pins[0].date",
        id="pin-outside-horizon",
    ),
    # ---- whole files
    pytest.param(
        lambda c: c.point_data("stations", "khong_co.csv"),
        "khong_co.csv",
        None,
        "-",
        id="missing-data-file",
    ),
    pytest.param(
        lambda c: _write_latin1(c, "staff.csv"),
        "staff.csv",
        3,  # the first line with a letter Latin-1 encodes: "Hà"
        "-",
        id="csv-not-utf8",
    ),
    pytest.param(
        _wrong_extension,
        "communes.txt",
        None,
        "-",
        id="unsupported-file-type",
    ),
    # ---- table headers
    pytest.param(
        lambda c: c.add_column("communes.csv", "dan_so", "1000"),
        "communes.csv",
        1,
        "dan_so",
        id="unknown-column",
    ),
    pytest.param(
        lambda c: c.drop_column("communes.csv", "poor_households"),
        "communes.csv",
        1,
        "poor_households",
        id="missing-required-column",
    ),
    pytest.param(
        _duplicate_header,
        "communes.csv",
        1,
        "poor_households",
        id="duplicate-column",
    ),
    # ---- table cells
    pytest.param(
        lambda c: c.set_cell("communes.csv", 5, "poor_households", "nhiều"),
        "communes.csv",
        5,
        "poor_households",
        id="non-integer-poor-households",
    ),
    pytest.param(
        lambda c: c.set_cell("venues.csv", 4, "capacity", "-5"),
        "venues.csv",
        4,
        "capacity",
        id="negative-capacity",
    ),
    pytest.param(
        _blocked("commune", "18001", "2023-02-30", "2023-03-02"),
        "blocked_periods.csv",
        2,
        "start_date",
        id="bad-date",
    ),
    pytest.param(
        _blocked("commune", "18001", "2023-10-06", "2023-09-25"),
        "blocked_periods.csv",
        2,
        "end_date",
        id="blocked-end-before-start",
    ),
    pytest.param(
        _extra_cell,
        "topics.csv",
        2,
        "-",
        id="more-cells-than-header",
    ),
    # ---- references between records
    pytest.param(
        lambda c: c.set_cell("venues.csv", 3, "commune_code", "99999"),
        "venues.csv",
        3,
        "commune_code",
        id="unknown-commune-in-venues",
    ),
    pytest.param(
        lambda c: c.set_cell("stations.csv", 2, "commune_code", "99999"),
        "stations.csv",
        2,
        "commune_code",
        id="unknown-commune-in-stations",
    ),
    pytest.param(
        _blocked("commune", "99999", "2023-09-25", "2023-10-06"),
        "blocked_periods.csv",
        2,
        "ref",
        id="unknown-commune-in-blocked-periods",
    ),
    pytest.param(
        _blocked("staff", "zz99", "2023-09-25", "2023-10-06"),
        "blocked_periods.csv",
        2,
        "ref",
        id="unknown-staff-in-blocked-periods",
    ),
    pytest.param(
        _duplicate_commune,
        "communes.csv",
        3,
        "commune_code",
        id="duplicate-commune-code",
    ),
    pytest.param(
        lambda c: c.set_cell("topics.csv", 2, "activities", "doi_thoai_x"),
        "topics.csv",
        2,
        "activities",
        id="topic-for-undeclared-activity",
    ),
]


def test_copy_loads(scenario: ScenarioCopy) -> None:
    """The unbroken copy loads, so each case below fails for its own reason."""
    loaded = load_scenario(scenario.toml)
    original = load_scenario(SCENARIOS / "hung-nguyen-2023.toml")
    assert loaded.communes == original.communes
    assert loaded.activities == original.activities


@pytest.mark.parametrize(("breakage", "file", "row", "field"), CASES)
def test_invalid_input_is_located(
    scenario: ScenarioCopy,
    breakage: Callable[[ScenarioCopy], None],
    file: str,
    row: int | None,
    field: str,
) -> None:
    breakage(scenario)
    _assert_reported(_problems(scenario), file, row, field)


def test_problems_in_several_files_reported_at_once(scenario: ScenarioCopy) -> None:
    scenario.prepend('colour = "đỏ"')
    scenario.set_cell("communes.csv", 5, "poor_households", "nhiều")
    scenario.set_cell("venues.csv", 4, "capacity", "-5")
    scenario.drop_column("staff.csv", "roles")
    problems = _problems(scenario)
    for expected in (
        (TOML_NAME, None, "colour"),
        ("communes.csv", 5, "poor_households"),
        ("venues.csv", 4, "capacity"),
        ("staff.csv", 1, "roles"),
    ):
        _assert_reported(problems, *expected)


def test_xlsx_table_loads(scenario: ScenarioCopy) -> None:
    original = load_scenario(scenario.toml)
    scenario.point_data("communes", scenario.to_xlsx("communes.csv"))
    loaded = load_scenario(scenario.toml)
    assert loaded.communes == original.communes


def test_csv_with_utf8_bom_loads(scenario: ScenarioCopy) -> None:
    original = load_scenario(scenario.toml)
    scenario.write_rows("communes.csv", scenario.rows("communes.csv"), "utf-8-sig")
    assert (scenario.data / "communes.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    loaded = load_scenario(scenario.toml)
    assert loaded.communes == original.communes


def test_xlsx_numeric_codes_keep_leading_zero(tmp_path: Path) -> None:
    """Excel stores 07306 as the number 7306; every commune reference is padded back."""
    copy = copy_scenario(tmp_path, "nha-nam-2023")
    for table in ("communes", "venues", "stations", "blocked_periods"):
        copy.point_data(table, copy.to_xlsx(f"{table}.csv"))
    loaded = load_scenario(copy.toml)
    assert loaded.communes[0].commune_code == "07306"
    assert {b.ref for b in loaded.blocked if b.kind == "commune"} == {"07306"}


def test_vietnamese_text_is_nfc(scenario: ScenarioCopy) -> None:
    name = scenario.get_cell("communes.csv", 2, "commune_name")
    code = scenario.get_cell("communes.csv", 2, "commune_code")
    nfd = unicodedata.normalize("NFD", name)
    assert nfd != unicodedata.normalize("NFC", name), "the name must have diacritics"
    scenario.set_cell("communes.csv", 2, "commune_name", nfd)
    title = "Kế hoạch truyền thông giảm nghèo"
    scenario.set_top_key("title", f'"{unicodedata.normalize("NFD", title)}"')
    loaded = load_scenario(scenario.toml)
    assert loaded.commune(code).commune_name == unicodedata.normalize("NFC", nfd)
    assert loaded.title == unicodedata.normalize("NFC", title)


def test_a_choice_is_listed_in_vietnamese(scenario: ScenarioCopy) -> None:
    # pydantic lists the allowed values as "'portfolio' or 'cp-sat'": the
    # Vietnamese message joins them with "hoặc", the English one with "or"
    _unknown_engine(scenario)
    [problem] = [p for p in _problems(scenario) if p.field == "solver.engine"]
    assert problem.message == (
        "phải là một trong 'portfolio' hoặc 'cp-sat' (đang là 'gurobi')"
    )
    assert problem.message_en == "must be one of 'portfolio' or 'cp-sat' (got 'gurobi')"
