"""The in-page editor of the staff and budget tables.

The workbook stays the plan's one file: the editor reads it into a
:class:`Scenario` (without the cross-table checks, so a new plan without staff
can be edited), replaces the staff or the funding sources with what the form
holds, and writes the whole scenario back with
:func:`scheduler.scenario.workbook.workbook_bytes`. The page then shows what
the loader still finds wrong, as after an upload.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scheduler.calendar import quarter_key
from scheduler.errors import ScenarioError
from scheduler.i18n import pick, t
from scheduler.scenario import schema
from scheduler.scenario.load import load_scenario
from scheduler.scenario.workbook import LABELS, SHEETS, quarter_header, workbook_bytes
from scheduler.workspace.plans import Problem, shown_problem

#: The staff table's columns the editor shows, in order.
STAFF_FIELDS = (
    "staff_id",
    "name",
    "roles",
    "organisation",
    "phone",
    "email",
    "max_sessions_per_week",
    "max_class_days_per_week",
    # a commune official's commune, and the venue a person sets out from:
    # kept when the table is saved again
    "home_commune",
    "base",
)
_INT_FIELDS = ("max_sessions_per_week", "max_class_days_per_week")
_QUARTER = re.compile(r"^\d{4}-Q[1-4]$")


def label(field: str, lang: str, sheet: str = "staff") -> str:
    """Return a column's header as the workbook shows it on ``sheet``."""
    vi, en = LABELS.get(f"{field}@{sheet}") or LABELS.get(field, (field, field))
    return pick(lang, vi, en)


def sheet(key: str, lang: str) -> str:
    """Return a sheet's name as the workbook shows it."""
    vi, en = SHEETS[key]
    return pick(lang, vi, en)


def draft(path: Path, lang: str) -> tuple[schema.Scenario | None, list[Problem]]:
    """Read a plan's workbook for editing: its scenario, or why it cannot be edited here."""
    try:
        return load_scenario(path, check_references=False), []
    except ScenarioError as exc:
        return None, [shown_problem(p, lang) for p in exc.problems]


def save(path: Path, scenario: schema.Scenario, lang: str) -> None:
    """Write the scenario as the plan's workbook, whole (a temporary file renamed over it)."""
    tmp = path.with_name(f".{path.name}.edit")
    tmp.write_bytes(workbook_bytes(scenario, lang))
    os.replace(tmp, path)


# --------------------------------------------------------------------------- staff


def staff_rows(scenario: schema.Scenario) -> list[dict[str, str]]:
    """Return the staff table as the form's text fields."""
    rows = []
    for person in scenario.staff:
        row = {}
        for field in STAFF_FIELDS:
            value = getattr(person, field)
            if field == "roles":
                row[field] = "; ".join(value)
            else:
                row[field] = "" if value is None else str(value)
        rows.append(row)
    return rows


def _whole(text: str) -> int | None:
    cleaned = text.replace(".", "").replace(",", "").replace(" ", "")
    return int(cleaned) if cleaned.isdigit() else None


def whole_amount(text: str) -> int | None:
    """Return a whole number typed ``6.000.000``, ``6,000,000`` or ``6000000``."""
    return _whole(text)


def parse_staff(
    form: Mapping[str, Sequence[str]], lang: str
) -> tuple[list[schema.Staff], list[Problem]]:
    """Return the staff the form holds, or the problems of its rows.

    Rows are numbered as in the workbook (the header is row 1); a row with
    every field empty, or ticked for removal, is left out.
    """
    count = max((len(form.get(f, ())) for f in STAFF_FIELDS), default=0)
    removed = set(form.get("remove", ()))
    people: list[schema.Staff] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    kept = 0
    where = sheet("staff", lang)
    for i in range(count):
        values = {
            f: (list(form.get(f, ())) + [""] * count)[i].strip() for f in STAFF_FIELDS
        }
        if str(i) in removed or not any(values.values()):
            continue
        kept += 1
        row = kept + 1
        record: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
        bad = False
        for field in _INT_FIELDS:
            if field in record:
                number = _whole(record[field])
                if number is None:
                    problems.append(
                        Problem(
                            where,
                            row,
                            label(field, lang),
                            t("editor.whole_number_needed", lang),
                        )
                    )
                    bad = True
                record[field] = number
        for field in ("staff_id", "name", "roles"):
            if field not in record:
                problems.append(
                    Problem(
                        where,
                        row,
                        label(field, lang),
                        t("input.not_empty", lang),
                    )
                )
                bad = True
        if values["staff_id"] in seen:
            problems.append(
                Problem(
                    where,
                    row,
                    label("staff_id", lang),
                    pick(
                        lang,
                        f"mã '{values['staff_id']}' bị trùng",
                        f"id '{values['staff_id']}' is repeated",
                    ),
                )
            )
            bad = True
        seen.add(values["staff_id"])
        if bad:
            continue
        try:
            people.append(schema.Staff.model_validate(record))
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else ""
                problems.append(Problem(where, row, label(field, lang), error["msg"]))
    return people, problems


# --------------------------------------------------------------------------- budget


def quarters(scenario: schema.Scenario) -> list[str]:
    """Return the quarters of the plan's period and of every allowance, in order."""
    found = {q for f in scenario.funding for q in f.allowance_vnd}
    day = scenario.horizon.start
    while day <= scenario.horizon.end:
        found.add(quarter_key(day))
        day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return sorted(found)


def budget_rows(scenario: schema.Scenario) -> list[dict[str, Any]]:
    """Return the funding sources as the form shows them."""
    return [
        {
            "id": f.id,
            "name_vi": f.name_vi,
            "name_en": f.name_en,
            "amounts": dict(f.allowance_vnd),
        }
        for f in scenario.funding
    ]


def parse_budget(
    scenario: schema.Scenario,
    form: Mapping[str, Sequence[str]],
    lang: str,
) -> tuple[list[schema.FundingSource], list[Problem]]:
    """Return the funding sources the form holds, or the problems of its rows.

    The form has, for the row ``i``, ``id.i``, ``name_vi.i``, ``name_en.i``
    and ``q.i.<quarter>``; an existing source keeps the settings the form does
    not show (carry-over). A new row with no id and no amount is left out.
    """
    where = sheet("funding", lang)
    known = {f.id: f for f in scenario.funding}
    columns = quarters(scenario)
    indices = sorted(
        {int(k.split(".")[1]) for k in form if k.startswith("id.") and k[3:].isdigit()}
    )
    sources: list[schema.FundingSource] = []
    problems: list[Problem] = []
    kept = 0
    for i in indices:
        source_id = _first(form, f"id.{i}")
        amounts: dict[str, int] = {}
        typed = {q: _first(form, f"q.{i}.{q}") for q in columns}
        if not source_id and not any(typed.values()):
            continue
        kept += 1
        row = kept + 1
        for q, text in typed.items():
            if not text:
                amounts[q] = 0
                continue
            value = _whole(text)
            if value is None:
                problems.append(
                    Problem(
                        where,
                        row,
                        quarter_header(q, lang),
                        pick(
                            lang,
                            f"'{text}' không phải số tiền (đồng)",
                            f"'{text}' is not an amount (VND)",
                        ),
                    )
                )
                continue
            amounts[q] = value
        name_vi = _first(form, f"name_vi.{i}") or (
            known[source_id].name_vi if source_id in known else ""
        )
        name_en = (
            _first(form, f"name_en.{i}")
            or (known[source_id].name_en if source_id in known else "")
            or name_vi
        )
        if not source_id or not name_vi:
            problems.append(
                Problem(
                    where,
                    row,
                    label("name_vi", lang, "funding") if source_id else "id",
                    t("editor.source_needs_id_and_name", lang),
                )
            )
            continue
        base = known.get(source_id)
        try:
            if base is not None:
                sources.append(
                    base.model_copy(
                        update={
                            "name_vi": name_vi,
                            "name_en": name_en,
                            "allowance_vnd": amounts,
                        }
                    )
                )
            else:
                sources.append(
                    schema.FundingSource.model_validate(
                        {
                            "id": source_id,
                            "name_vi": name_vi,
                            "name_en": name_en,
                            "allowance_vnd": amounts,
                        }
                    )
                )
        except ValidationError as exc:
            problems.extend(Problem(where, row, "id", e["msg"]) for e in exc.errors())
    return sources, problems


def _first(form: Mapping[str, Sequence[str]], key: str) -> str:
    values = form.get(key, ())
    return values[0].strip() if values else ""


def form_lists(items: Iterable[tuple[str, Any]]) -> dict[str, list[str]]:
    """Return a form's fields as lists of strings (a field may repeat)."""
    out: dict[str, list[str]] = {}
    for key, value in items:
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out
