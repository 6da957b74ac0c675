"""``load_scenario``: files → validated, immutable :class:`Scenario`.

All problems are collected and raised together, each naming file, row and field.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from scheduler.errors import InputProblem, ScenarioError
from scheduler.scenario import schema
from scheduler.scenario.readers import Table, display_path, read_table, read_toml
from scheduler.scenario.schema import (
    DEFAULT_SOLVER_PARAMETERS as DEFAULT_SOLVER_PARAMETERS,
)
from scheduler.scenario.validate import cross_check
from scheduler.scenario.workbook import read_workbook_file

# Which record type each data table holds, and the name it has in [data].
TABLES: dict[str, type[schema.Frozen]] = {
    "communes": schema.Commune,
    "staff": schema.Staff,
    "venues": schema.Venue,
    "topics": schema.Topic,
    "stations": schema.StationSlot,
    "blocked_periods": schema.BlockedPeriod,
    "travel_times": schema.TravelTime,
}

_VI_MESSAGES = {
    "missing": "bắt buộc phải có",
    "extra_forbidden": "không phải khoá/cột được biết (kiểm tra chính tả)",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "time_parsing": "phải là giờ dạng HH:MM",
    "time_type": "phải là giờ dạng HH:MM",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "greater_than": "phải lớn hơn {gt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "literal_error": "phải là một trong {expected}",
    "string_type": "phải là chuỗi chữ",
    "string_too_short": "không được để trống",
    "too_short": "phải có ít nhất {min_length} phần tử",
    "dict_type": "phải là một bảng (table)",
    "list_type": "phải là một danh sách",
    "tuple_type": "phải là một danh sách",
    "model_type": "phải là một bảng (table)",
    "value_error": "giá trị không hợp lệ: {error}",
}


def _translate(err: ErrorDetails) -> tuple[str, str]:
    english = err["msg"]
    template = _VI_MESSAGES.get(err["type"])
    if template is None:
        return english, english
    ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    if "expected" in ctx:  # pydantic lists the choices as "'a', 'b' or 'c'"
        ctx["expected"] = ctx["expected"].replace(" or ", " hoặc ")
    try:
        vietnamese = template.format(**ctx)
    except KeyError:
        vietnamese = template
    if err["type"] == "value_error":
        english = english.removeprefix("Value error, ")
        vietnamese = "giá trị không hợp lệ: " + english
    return vietnamese, english


def _problems(
    exc: ValidationError, file: str, row: int | None, prefix: str = ""
) -> list[InputProblem]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        # Table cells are one level deep: a list element index is not a column.
        field = ".".join(loc) if row is None else (loc[0] if loc else "-")
        if prefix:
            field = f"{prefix}.{field}" if field else prefix
        vi, en = _translate(err)
        got = err.get("input")
        if err["type"] not in ("missing", "extra_forbidden") and not isinstance(
            got, dict
        ):
            vi, en = f"{vi} (đang là {got!r})", f"{en} (got {got!r})"
        out.append(InputProblem(file, row, field or "-", vi, en))
    return out


def _parse_rows(
    table: Table, model: type[schema.Frozen], problems: list[InputProblem]
) -> list[Any]:
    known = set(model.model_fields)
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    for name in table.header:
        if name not in known:
            problems.append(
                InputProblem(
                    table.file,
                    1,
                    name or "(trống)",
                    f"cột không được biết; các cột hợp lệ: {', '.join(model.model_fields)}",
                    f"unknown column; valid columns: {', '.join(model.model_fields)}",
                )
            )
    for name in sorted(required - set(table.header)):
        problems.append(
            InputProblem(
                table.file,
                1,
                name,
                "thiếu cột bắt buộc",
                "a required column is missing",
            )
        )
    if any(p.file == table.file and p.row == 1 for p in problems):
        return []
    records = []
    for row in table.rows:
        values = {k: v for k, v in row.values.items() if v is not None}
        if "<extra>" in values:
            problems.append(
                InputProblem(
                    table.file,
                    row.row,
                    "-",
                    "dòng có nhiều ô hơn tiêu đề",
                    "the row has more cells than the header",
                )
            )
            continue
        try:
            records.append((model.model_validate(values), row.row))
        except ValidationError as exc:
            problems.extend(_problems(exc, table.file, row.row))
    return records


def _check_solver_parameters(
    params: dict[str, Any], file: str, problems: list[InputProblem]
) -> None:
    """Reject CP-SAT parameter names that SatParameters does not know."""
    from ortools.sat import sat_parameters_pb2

    fields = sat_parameters_pb2.SatParameters.DESCRIPTOR.fields_by_name
    for key, value in params.items():
        if key not in fields:
            problems.append(
                InputProblem(
                    file,
                    None,
                    f"solver.parameters.{key}",
                    "không phải tham số của CP-SAT (SatParameters)",
                    "not a CP-SAT parameter (SatParameters)",
                )
            )
            continue
        try:
            sat_parameters_pb2.SatParameters(**{key: value})
        except (TypeError, ValueError) as exc:
            problems.append(
                InputProblem(
                    file,
                    None,
                    f"solver.parameters.{key}",
                    f"kiểu giá trị sai: {exc}",
                    f"wrong value type: {exc}",
                )
            )


def load_scenario(
    path: str | Path, *, check_references: bool = True
) -> schema.Scenario:
    """Load, validate and freeze a scenario.

    Parameters
    ----------
    path : str or Path
        The scenario TOML file (table paths in its ``[data]`` section are
        relative to it), or one Excel workbook holding the whole scenario
        (:mod:`scheduler.scenario.workbook`).
    check_references : bool
        Check that the tables fit together (roles held by staff, venues and
        communes that exist, …). ``False`` returns a scenario whose sections
        and rows are each valid but may not fit yet: a half-filled new plan,
        as the workspace's table editor edits it. Never solve such a scenario.

    Returns
    -------
    Scenario
        The validated, immutable scenario.

    Raises
    ------
    ScenarioError
        With every problem found, each naming file, row and field.
    """
    path = Path(path)
    shown = display_path(path)
    book = read_workbook_file(path) if path.suffix.lower() == ".xlsx" else None
    if book is not None:
        # the workbook is the whole input: its bytes are the hash
        doc, raw_toml = book.document, book.raw
    else:
        doc, raw_toml = read_toml(path)
    problems: list[InputProblem] = []
    digest = hashlib.sha256(raw_toml)

    allowed_top = {
        "name",
        "title",
        "area",
        "horizon",
        "calendar",
        "data",
        "activities",
        "funding",
        "weights",
        "targets",
        "pins",
        "travel",
        "solver",
    }
    for key in doc:
        if key not in allowed_top:
            problems.append(
                InputProblem(
                    shown,
                    None,
                    key,
                    "khoá không được biết (kiểm tra chính tả)",
                    "unknown key (check the spelling)",
                )
            )

    def section(name: str, model: type[BaseModel], default: Any = None) -> Any:
        value = doc.get(name, default)
        if value is None:
            problems.append(
                InputProblem(shown, None, name, "thiếu mục bắt buộc", "section missing")
            )
            return None
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            problems.extend(_problems(exc, shown, None, name))
            return None

    area = section("area", schema.Area)
    horizon = section("horizon", schema.Horizon)
    calendar = section("calendar", schema.CalendarSettings, {})
    weights = section("weights", schema.Weights, {})
    travel = section("travel", schema.TravelSettings, {})
    data_files = (
        section("data", schema.DataFiles)
        if book is None
        else schema.DataFiles(communes="", staff="", venues="", topics="")
    )
    solver = None
    solver_doc = doc.get("solver", {})
    own_params = (
        solver_doc.get("parameters", {}) if isinstance(solver_doc, dict) else {}
    )
    if not isinstance(solver_doc, dict) or not isinstance(own_params, dict):
        problems.append(
            InputProblem(
                shown,
                None,
                "solver" if not isinstance(solver_doc, dict) else "solver.parameters",
                "phải là một bảng (table)",
                "must be a table",
            )
        )
    else:
        params = {**DEFAULT_SOLVER_PARAMETERS, **own_params}
        solver_doc = {**solver_doc, "parameters": params}
        try:
            solver = schema.SolverSettings.model_validate(solver_doc)
            _check_solver_parameters(params, shown, problems)
        except ValidationError as exc:
            problems.extend(_problems(exc, shown, None, "solver"))

    activities: dict[str, schema.ActivitySpec] = {}
    raw_activities = doc.get("activities")
    if not isinstance(raw_activities, dict) or not raw_activities:
        problems.append(
            InputProblem(
                shown,
                None,
                "activities",
                "cần ít nhất một hoạt động",
                "at least one activity is needed",
            )
        )
    else:
        for act_id, body in raw_activities.items():
            try:
                activities[act_id] = schema.ActivitySpec.model_validate(body)
            except ValidationError as exc:
                problems.extend(_problems(exc, shown, None, f"activities.{act_id}"))

    def array(name: str, model: type[BaseModel]) -> list[Any]:
        out: list[Any] = []
        items = doc.get(name, [])
        if not isinstance(items, list):
            problems.append(
                InputProblem(
                    shown,
                    None,
                    name,
                    f"phải là mảng bảng [[{name}]]",
                    f"must be an array of tables [[{name}]]",
                )
            )
            return out
        for i, item in enumerate(items):
            try:
                out.append(model.model_validate(item))
            except ValidationError as exc:
                problems.extend(_problems(exc, shown, None, f"{name}[{i}]"))
        return out

    funding = array("funding", schema.FundingSource)
    targets = array("targets", schema.Target)
    pins = array("pins", schema.Pin)

    tables: dict[str, list[Any]] = {name: [] for name in TABLES}
    sources: dict[str, tuple[str, list[int]]] = {}
    if data_files is not None:
        for name, model in TABLES.items():
            if book is not None:
                if name not in book.content.tables:
                    continue
                table = book.content.tables[name]
            else:
                rel = getattr(data_files, name)
                if rel is None:
                    continue
                try:
                    table = read_table(path.parent / rel)
                except ScenarioError as exc:
                    problems.extend(exc.problems)
                    continue
                digest.update(name.encode() + b"\0" + table.raw)
            parsed = _parse_rows(table, model, problems)
            tables[name] = [record for record, _ in parsed]
            sources[name] = (table.file, [row for _, row in parsed])

    if problems or area is None or horizon is None or data_files is None:
        raise ScenarioError(_located(problems, book))

    scenario = schema.Scenario(
        name=str(doc.get("name") or path.stem),
        title=str(doc.get("title") or area.name),
        area=area,
        horizon=horizon,
        calendar=calendar,
        activities=activities,
        funding=tuple(funding),
        weights=weights,
        targets=tuple(targets),
        pins=tuple(pins),
        travel=travel,
        solver=solver,
        communes=tuple(tables["communes"]),
        staff=tuple(tables["staff"]),
        venues=tuple(tables["venues"]),
        topics=tuple(tables["topics"]),
        stations=tuple(tables["stations"]),
        blocked=tuple(tables["blocked_periods"]),
        travel_times=tuple(tables["travel_times"]),
        input_hash=digest.hexdigest(),
    )
    problems = cross_check(scenario, shown, sources) if check_references else []
    if problems:
        raise ScenarioError(_located(problems, book))
    return scenario


def _located(problems: list[InputProblem], book: Any) -> list[InputProblem]:
    """Return the problems naming a workbook's sheet, row and column, if any."""
    if book is None:
        return problems
    return [book.content.locate(p) for p in problems]
