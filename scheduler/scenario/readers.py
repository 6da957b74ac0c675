"""Read TOML, CSV and XLSX files into raw records that remember where they came from.

This is the only module that reads scenario files. Rows are numbered as a
spreadsheet shows them: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.errors import InputProblem


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
    except ValueError:
        return str(path)


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
    from scheduler.errors import ScenarioError

    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    None,
                    "-",
                    f"không đọc được tệp ({exc.strerror})",
                    f"cannot read the file ({exc.strerror})",
                )
            ]
        ) from exc
    try:
        doc = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    None,
                    "-",
                    f"không phải TOML hợp lệ: {exc}",
                    f"not valid TOML: {exc}",
                )
            ]
        ) from exc
    return doc, raw


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
        When the file is missing, not UTF-8, or of an unknown type.
    """
    from scheduler.errors import ScenarioError

    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    None,
                    "-",
                    f"không đọc được tệp ({exc.strerror})",
                    f"cannot read the file ({exc.strerror})",
                )
            ]
        ) from exc
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ScenarioError(
                [
                    InputProblem(
                        shown,
                        None,
                        "-",
                        "tệp CSV phải mã hoá UTF-8",
                        "a CSV file must be UTF-8 encoded",
                    )
                ]
            ) from exc
        reader = csv.reader(io.StringIO(text, newline=""))
        lines = list(reader)
        cells: list[list[Any]] = [list(line) for line in lines]
    elif suffix == ".xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(
                io.BytesIO(raw), read_only=True, data_only=True
            )
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ScenarioError(
                [
                    InputProblem(
                        shown,
                        None,
                        "-",
                        f"không mở được tệp Excel: {exc}",
                        f"cannot open the Excel file: {exc}",
                    )
                ]
            ) from exc
        sheet = book.worksheets[0]
        cells = [list(r) for r in sheet.iter_rows(values_only=True)]
        book.close()
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
