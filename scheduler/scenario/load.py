"""``load_scenario``: files → validated, immutable :class:`Scenario`.

All problems are collected and raised together, each naming file, row and field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import unicodedata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from scheduler.errors import BilingualValueError, InputProblem, ScenarioError
from scheduler.i18n import both, number
from scheduler.scenario import schema
from scheduler.scenario.readers import Table, display_path, read_table, read_toml
from scheduler.scenario.schema import (
    DEFAULT_SOLVER_PARAMETERS as DEFAULT_SOLVER_PARAMETERS,
)
from scheduler.scenario.validate import cross_check, suspicious
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

# pydantic's error types → the catalogue's words for them (scheduler/i18n/catalogue.py)
_MESSAGES: dict[str, str] = {
    "missing": "input.required",
    "extra_forbidden": "input.unknown_key",
    "int_parsing": "input.whole_number",
    "int_type": "input.whole_number",
    "int_from_float": "input.whole_number",
    "int_parsing_size": "input.too_large",
    "float_parsing": "input.number",
    "float_type": "input.number",
    "finite_number": "input.finite_number",
    "bool_parsing": "input.true_false",
    "bool_type": "input.true_false",
    "date_from_datetime_parsing": "input.date",
    "date_parsing": "input.date",
    "date_type": "input.date",
    "time_parsing": "input.clock_time",
    "time_type": "input.clock_time",
    "greater_than_equal": "input.at_least",
    "greater_than": "input.more_than",
    "less_than_equal": "input.at_most",
    "less_than": "input.less_than",
    "literal_error": "input.one_of",
    "enum": "input.one_of",
    "string_type": "input.text",
    "string_too_short": "input.not_empty",
    "too_short": "input.min_items",
    "dict_type": "input.table",
    "list_type": "input.list",
    "tuple_type": "input.list",
    "model_type": "input.table",
    "model_attributes_type": "input.table",
}
# any other pydantic error: a plain statement rather than pydantic's English
_UNKNOWN = ("giá trị không hợp lệ", "not an acceptable value")


def _bound(value: object, lang: str) -> str:
    """Show a limit from pydantic's context: large whole numbers with separators."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return number(value, lang)
    return str(value)


def _shown(value: object) -> str:
    """Show what the planner wrote: text quoted, dates and times as written in files."""
    if isinstance(value, (dt.date, dt.time)):
        return f"'{value.isoformat()}'"
    return repr(value)


def _translate(err: ErrorDetails) -> tuple[str, str]:
    """Return pydantic's error in Vietnamese and English, never pydantic's text."""
    raw_ctx = err.get("ctx") or {}
    error = raw_ctx.get("error")
    if isinstance(error, BilingualValueError):
        return error.vi, error.en
    if err["type"] == "value_error":  # a plain ValueError from a validator
        return _UNKNOWN
    key = _MESSAGES.get(err["type"])
    vi_template, en_template = both(key) if key else _UNKNOWN
    ctx = {k: _bound(v, "en") for k, v in raw_ctx.items()}
    ctx_vi = {k: _bound(v, "vi") for k, v in raw_ctx.items()}
    if "expected" in ctx:  # pydantic lists the choices as "'a', 'b' or 'c'"
        ctx_vi["expected"] = ctx["expected"].replace(" or ", " hoặc ")
    try:
        return vi_template.format(**ctx_vi), en_template.format(**ctx)
    except KeyError:
        return vi_template, en_template


def validation_problems(
    exc: ValidationError, file: str, row: int | None, prefix: str = ""
) -> list[InputProblem]:
    """Return pydantic's errors as problems naming file, row and field, in both languages.

    Parameters
    ----------
    exc : ValidationError
        What pydantic raised.
    file : str
        The file (or sheet) as the planner sees it.
    row : int or None
        The table row, or None for a TOML section.
    prefix : str
        Put before each field name (``districts[2]``).

    Returns
    -------
    list of InputProblem
        One problem per error, never pydantic's own text.
    """
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
            vi, en = f"{vi} (đang là {_shown(got)})", f"{en} (got {_shown(got)})"
        out.append(InputProblem(file, row, field or "-", vi, en))
    return out


def parse_rows(
    table: Table, model: type[schema.Frozen], problems: list[InputProblem]
) -> list[Any]:
    """Return a table's rows validated as ``model``, each with its row number.

    Unknown or missing columns, and rows that do not validate, are added to
    ``problems`` (a table with a bad header gives no rows).
    """
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
            problems.extend(validation_problems(exc, table.file, row.row))
    return records


# protobuf field types (FieldDescriptor.TYPE_*) in words
_PROTO_KIND_VI = {
    1: "số",
    2: "số",
    3: "số nguyên",
    5: "số nguyên",
    8: "true/false",
    9: "chuỗi chữ",
    14: "một giá trị liệt kê",
}
_PROTO_KIND_EN = {
    1: "a number",
    2: "a number",
    3: "a whole number",
    5: "a whole number",
    8: "true/false",
    9: "text",
    14: "an enum value",
}


def _positive_seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not math.isnan(value) and value > 0


def _workers(value: object) -> bool:
    return isinstance(value, int) and 0 <= value <= MAX_WORKERS


MAX_WORKERS = 256
# CP-SAT parameters whose wrong values the solver itself only reports as
# MODEL_INVALID (or ignores): (test, Vietnamese, English)
_PARAMETER_DOMAINS: dict[str, tuple[Any, str, str]] = {
    "max_time_in_seconds": (
        _positive_seconds,
        "phải là số giây lớn hơn 0",
        "must be a number of seconds above 0",
    ),
    "num_workers": (
        _workers,
        f"phải là số luồng từ 0 (tự chọn) đến {MAX_WORKERS}",
        f"must be a number of threads from 0 (automatic) to {MAX_WORKERS}",
    ),
    "num_search_workers": (
        _workers,
        f"phải là số luồng từ 0 (tự chọn) đến {MAX_WORKERS}",
        f"must be a number of threads from 0 (automatic) to {MAX_WORKERS}",
    ),
}


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
        except (TypeError, ValueError):
            kind = fields[key].type
            problems.append(
                InputProblem(
                    file,
                    None,
                    f"solver.parameters.{key}",
                    f"kiểu giá trị sai (CP-SAT cần {_PROTO_KIND_VI.get(kind, 'kiểu khác')}; "
                    f"đang là {value!r})",
                    f"wrong value type (CP-SAT wants {_PROTO_KIND_EN.get(kind, 'another type')}; "
                    f"got {value!r})",
                )
            )
            continue
        domain = _PARAMETER_DOMAINS.get(key)
        if domain is not None and not domain[0](value):
            problems.append(
                InputProblem(
                    file,
                    None,
                    f"solver.parameters.{key}",
                    f"{domain[1]} (đang là {value!r})",
                    f"{domain[2]} (got {value!r})",
                )
            )


def load_scenario(
    path: str | Path, *, check_references: bool = True
) -> schema.Scenario:
    """Load, validate and freeze a scenario (its warnings are dropped).

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
    return load_scenario_with_warnings(path, check_references=check_references)[0]


def load_scenario_with_warnings(
    path: str | Path, *, check_references: bool = True
) -> tuple[schema.Scenario, list[InputProblem]]:
    """Load, validate and freeze a scenario; also say what looks wrong but is legal.

    Parameters
    ----------
    path : str or Path
        The scenario TOML file (table paths in its ``[data]`` section are
        relative to it), or one workbook.
    check_references : bool
        As for :func:`load_scenario`.

    Returns
    -------
    tuple of (Scenario, list of InputProblem)
        The validated, immutable scenario, and warnings (an unused role, a
        blocked period outside the horizon), each naming file, row and field.

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
        "publish",
        "roles",
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
            problems.extend(validation_problems(exc, shown, None, name))
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
    publish = section("publish", schema.PublishSettings, {})
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
            problems.extend(validation_problems(exc, shown, None, "solver"))

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
                problems.extend(
                    validation_problems(exc, shown, None, f"activities.{act_id}")
                )

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
                problems.extend(validation_problems(exc, shown, None, f"{name}[{i}]"))
        return out

    roles = _role_names(doc.get("roles", {}), shown, problems)
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
            parsed = parse_rows(table, model, problems)
            tables[name] = [record for record, _ in parsed]
            sources[name] = (table.file, [row for _, row in parsed])

    name = scenario_name(doc, path)
    if not schema.is_slug(name):
        problems.append(InputProblem(shown, None, "name", *schema.SLUG_PROBLEM))
    if problems or area is None or horizon is None or data_files is None:
        raise ScenarioError(_located(problems, book))

    try:
        scenario = schema.Scenario(
            name=name,
            title=doc.get("title") or area.name,
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
            publish=publish,
            roles=roles,
        )
    except ValidationError as exc:  # the top-level name or title
        raise ScenarioError(
            _located(validation_problems(exc, shown, None), book)
        ) from exc
    problems = (
        cross_check(scenario, shown, sources) + _unknown_roles(scenario, shown)
        if check_references
        else []
    )
    if problems:
        raise ScenarioError(_located(problems, book))
    if not check_references:
        return scenario, []
    return scenario, _located(suspicious(scenario, shown, sources), book)


def _located(problems: list[InputProblem], book: Any) -> list[InputProblem]:
    """Return the problems naming a workbook's sheet, row and column, if any."""
    if book is None:
        return problems
    return [book.content.locate(p) for p in problems]


def scenario_name(doc: dict[str, Any], path: Path) -> str:
    """Return a scenario's ``name``, or a slug of its file name when it has none.

    A name given is kept as written (and checked: :func:`schema.is_slug`);
    without one, ``Hưng Nguyên 2023.toml`` is named ``hung-nguyen-2023``.
    """
    given = doc.get("name")
    if given is not None and given != "":
        return str(given).strip()
    return schema.slug_of(path.stem) or "scenario"


def _role_names(
    value: object, file: str, problems: list[InputProblem]
) -> dict[str, schema.RoleName]:
    """Read the optional ``[roles.<id>]`` tables of display names."""
    if not isinstance(value, dict):
        problems.append(
            InputProblem(
                file, None, "roles", "phải là một bảng (table)", "must be a table"
            )
        )
        return {}
    out: dict[str, schema.RoleName] = {}
    for role, body in value.items():
        try:
            out[unicodedata.normalize("NFC", role)] = schema.RoleName.model_validate(
                body
            )
        except ValidationError as exc:
            problems.extend(validation_problems(exc, file, None, f"roles.{role}"))
    return out


def _unknown_roles(scenario: schema.Scenario, file: str) -> list[InputProblem]:
    """Reject a name for a role nobody holds and no activity needs (a misspelt id)."""
    known = {r for s in scenario.staff for r in s.roles} | {
        r for spec in scenario.activities.values() for r in spec.roles
    }
    return [
        InputProblem(
            file,
            None,
            f"roles.{role}",
            "không phải vai trò của cán bộ hay hoạt động nào (kiểm tra chính tả)",
            "not a role of any staff member or activity (check the spelling)",
        )
        for role in scenario.roles
        if role not in known
    ]
