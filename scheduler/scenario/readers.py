"""Read TOML, CSV and XLSX files into raw records that remember where they came from.

This is the only module that reads scenario files. Rows are numbered as a
spreadsheet shows them: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.errors import InputProblem, ScenarioError
from scheduler.i18n import both


@dataclass(frozen=True)
class Row:
    """One table row with its provenance."""

    file: str
    row: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Table:
    """A table read from CSV or XLSX, with its header and raw bytes (for hashing)."""

    file: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    raw: bytes


def display_path(path: Path) -> str:
    """Return the path as the planner would type it: relative to cwd when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # elsewhere, or a symlink loop
        return str(path)


# Why a file cannot be read, by errno → the catalogue's words for it.
_OS_REASONS: dict[int, str] = {
    errno.ENOENT: "file.no_such_file",
    errno.ENOTDIR: "file.no_folder",
    errno.EISDIR: "file.is_folder",
    errno.EACCES: "file.no_permission",
    errno.EPERM: "file.no_permission",
    errno.ELOOP: "file.symlink_loop",
    errno.ENAMETOOLONG: "file.path_too_long",
}


def os_reason(exc: OSError) -> tuple[str, str]:
    """Return why a file cannot be read, in Vietnamese and English (not the OS's words)."""
    key = _OS_REASONS.get(exc.errno or 0)
    if key is None:
        return f"lỗi hệ thống số {exc.errno}", f"system error number {exc.errno}"
    return both(key)


def _unreadable(shown: str, exc: OSError) -> InputProblem:
    """Name a file that cannot be read and why, in both languages."""
    vi, en = os_reason(exc)
    return InputProblem(
        shown, None, "-", f"không đọc được tệp ({vi})", f"cannot read the file ({en})"
    )


def _read_bytes(path: Path) -> bytes:
    """Read a file, or raise ScenarioError naming it and why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ScenarioError([_unreadable(display_path(path), exc)]) from exc


def read_toml(path: Path) -> tuple[dict[str, Any], bytes]:
    """Read a TOML file.

    Parameters
    ----------
    path : Path
        The scenario file.

    Returns
    -------
    tuple of (dict, bytes)
        The parsed document and the raw bytes.

    Raises
    ------
    ScenarioError
        When the file is missing or is not valid TOML (with the line number).
    """
    shown = display_path(path)
    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    _line_of(raw, exc.start),
                    "-",
                    "tệp phải mã hoá UTF-8; hãy lưu lại dưới dạng UTF-8",
                    "the file must be UTF-8 encoded; save it again as UTF-8",
                )
            ]
        ) from exc
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([_toml_problem(shown, exc)]) from exc
    return doc, raw


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
# tomllib's messages, by how they start → the catalogue's words for them
_TOML_REASONS = (
    ("Expected ']'", "toml.missing_bracket"),
    ("Expected '='", "toml.missing_equals"),
    ("Invalid value", "toml.not_a_value"),
    ("Cannot overwrite", "toml.set_twice"),
    ("Cannot declare", "toml.declared_twice"),
    ("Illegal character", "toml.illegal_character"),
    ("Invalid date", "toml.invalid_date"),
)


def _toml_problem(shown: str, exc: tomllib.TOMLDecodeError) -> InputProblem:
    """Locate a TOML syntax error by line and column, and say it in both languages."""
    text = str(exc)
    match = _TOML_POSITION.search(text)
    if match is None:  # "at end of document"
        line, where_vi, where_en = None, "ở cuối tệp", "at the end of the file"
    else:
        line = int(match.group(1))
        where_vi = f"ở cột {match.group(2)}"
        where_en = f"at column {match.group(2)}"
    vi, en = next(
        (both(key) for start, key in _TOML_REASONS if text.startswith(start)),
        (
            "kiểm tra dấu ngoặc, dấu nháy, dấu = và khoá lặp lại",
            "check brackets, quotes, '=' signs and repeated keys",
        ),
    )
    return InputProblem(
        shown,
        line,
        "-",
        f"cú pháp TOML sai {where_vi}: {vi}",
        f"TOML syntax error {where_en}: {en}",
    )


def _line_of(raw: bytes, offset: int) -> int:
    """Return the 1-based line of a byte offset."""
    return raw.count(b"\n", 0, offset) + 1


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return None if value == "" else value
    if isinstance(value, dt.datetime):
        # Excel stores dates as datetimes at midnight; a date column wants a date.
        if value.time() == dt.time(0, 0):
            return value.date()
        return value
    return value


def read_table(path: Path) -> Table:
    """Read a CSV (UTF-8, with or without BOM) or XLSX (first sheet) table.

    A CSV's separator is read from its header line: ``,``, ``;`` (what a
    spreadsheet writes where the decimal mark is a comma) or a tab.

    Parameters
    ----------
    path : Path
        A ``.csv`` or ``.xlsx`` file.

    Returns
    -------
    Table
        Header and rows; empty cells are ``None``; blank rows are skipped.

    Raises
    ------
    ScenarioError
        When the file is missing, not UTF-8, of an unknown type, or an XLSX
        whose cells cannot be read as values (a formula never calculated, a
        merged cell, the data not on the first sheet).
    """
    shown = display_path(path)
    raw = _read_bytes(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        cells = _csv_cells(shown, raw)
    elif suffix == ".xlsx":
        cells = _xlsx_cells(shown, raw)
    else:
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    None,
                    "-",
                    "chỉ nhận tệp .csv hoặc .xlsx",
                    "only .csv or .xlsx files are accepted",
                )
            ]
        )
    if not cells:
        return Table(shown, (), (), raw)
    names = [str(h).strip() if h is not None else "" for h in cells[0]]
    while names and names[-1] == "":
        names.pop()  # trailing empty header cells from a spreadsheet export
    header = tuple(names)
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    1,
                    name,
                    "cột xuất hiện hai lần trong dòng tiêu đề",
                    "the column appears twice in the header",
                )
                for name in repeated
            ]
        )
    rows = []
    for number, line in enumerate(cells[1:], start=2):
        values = {
            name: _clean_cell(line[i]) if i < len(line) else None
            for i, name in enumerate(header)
        }
        extra = [v for v in line[len(header) :] if _clean_cell(v) is not None]
        if extra:
            values["<extra>"] = extra
        if all(v is None for v in values.values()):
            continue
        rows.append(Row(shown, number, values))
    return Table(shown, header, tuple(rows), raw)


_SEPARATORS = (",", ";", "\t")


def _separator(header_line: str) -> str:
    """Return the separator the header line is split by (``,`` when unsure).

    Column names hold none of the three separators, so the one that occurs
    most often in the header is the one the file uses.
    """
    counts = {sep: header_line.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def _csv_cells(shown: str, raw: bytes) -> list[list[Any]]:
    """Decode a CSV file and split it into cells."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    _line_of(raw, exc.start),
                    "-",
                    "tệp CSV phải mã hoá UTF-8 (dòng này có chữ ở bảng mã khác, "
                    "như Windows-1258); mở tệp bằng Excel và lưu lại dưới dạng "
                    "CSV UTF-8 (Save As > CSV UTF-8)",
                    "a CSV file must be UTF-8 encoded (this line has letters in "
                    "another encoding, such as Windows-1258); open it in Excel and "
                    "save it again as CSV UTF-8 (Save As > CSV UTF-8)",
                )
            ]
        ) from exc
    separator = _separator(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        return [list(line) for line in reader]
    except csv.Error as exc:  # a cell beyond the csv module's field limit
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    reader.line_num,
                    "-",
                    "dòng này không đọc được như CSV (một ô quá dài, hoặc dấu "
                    'nháy " chưa đóng)',
                    "this line cannot be read as CSV (a cell too long, or an "
                    'unclosed " quote)',
                )
            ]
        ) from exc


def _xlsx_cells(shown: str, raw: bytes) -> list[list[Any]]:
    """Read the first sheet of a workbook as values, refusing what is not a value."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        values = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(raw), data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    None,
                    "-",
                    "không mở được tệp Excel (tệp hỏng, có mật khẩu, hoặc không "
                    "phải .xlsx); mở bằng Excel và lưu lại dưới dạng .xlsx",
                    "cannot open the Excel file (damaged, password-protected, or "
                    "not .xlsx); open it in Excel and save it again as .xlsx",
                )
            ]
        ) from exc
    sheet = values.worksheets[0]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    has_data = any(v is not None for r in cells for v in r)
    others = [
        ws.title
        for ws in values.worksheets[1:]
        if any(v is not None for r in ws.iter_rows(values_only=True) for v in r)
    ]
    if not has_data and others:
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    None,
                    "-",
                    f"trang tính đầu tiên '{sheet.title}' trống, dữ liệu nằm ở "
                    f"trang '{others[0]}'; chỉ trang đầu được đọc: kéo trang đó "
                    "lên đầu hoặc xoá trang trống",
                    f"the first sheet '{sheet.title}' is empty and the data is on "
                    f"sheet '{others[0]}'; only the first sheet is read: move that "
                    "sheet first or delete the empty one",
                )
            ]
        )
    header = [str(h).strip() if h is not None else "" for h in (cells or [[]])[0]]

    def column(col: int) -> str:
        name = header[col - 1] if col <= len(header) else ""
        return name or get_column_letter(col)

    problems = [
        InputProblem(
            shown,
            merged.min_row,
            column(merged.min_col),
            f"ô gộp {merged.coord} (trang '{sheet.title}'): bỏ gộp ô (Unmerge) "
            "và điền giá trị vào từng ô",
            f"merged cells {merged.coord} (sheet '{sheet.title}'): unmerge them "
            "and fill in every cell",
        )
        for merged in sorted(
            sheet.merged_cells.ranges, key=lambda m: (m.min_row, m.min_col)
        )
    ]
    formula_sheet = formulas.worksheets[0]
    for r, line in enumerate(cells, start=1):
        for c, value in enumerate(line, start=1):
            formula = formula_sheet.cell(row=r, column=c).value
            if value is None and isinstance(formula, str) and formula.startswith("="):
                problems.append(
                    InputProblem(
                        shown,
                        r,
                        column(c),
                        f"ô {get_column_letter(c)}{r} có công thức {formula} nhưng "
                        "chưa có giá trị đã tính (tệp không được lưu bằng Excel); "
                        "mở tệp bằng Excel rồi lưu lại",
                        f"cell {get_column_letter(c)}{r} holds the formula {formula} "
                        "but no calculated value (the file was not saved by Excel); "
                        "open it in Excel and save it again",
                    )
                )
    values.close()
    formulas.close()
    if problems:
        raise ScenarioError(problems)
    return cells
