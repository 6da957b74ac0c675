"""``load_province``: a province TOML → validated :class:`ProvinceScenario`.

Problems are collected and raised together as one :class:`ScenarioError`, each
naming its file, row and field, exactly like the district loader (whose
problems, for each district file, are passed through unchanged).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from scheduler.errors import InputProblem, ScenarioError
from scheduler.province.compose import restrict
from scheduler.province.schema import (
    DecompositionSettings,
    District,
    DistrictEntry,
    ProvinceScenario,
    ProvincialTrainer,
    SharedFiles,
)
from scheduler.scenario import schema
from scheduler.scenario.load import (
    _parse_rows,
    _problems,
    load_scenario,
    scenario_name,
)
from scheduler.scenario.readers import display_path, read_table, read_toml
from scheduler.scenario.validate import cross_check

TOP_KEYS = {"name", "title", "area", "districts", "shared", "decomposition"}


def is_province_file(path: str | Path) -> bool:
    """Return True when a TOML file is a province scenario (it has ``[[districts]]``)."""
    try:
        doc, _ = read_toml(Path(path))
    except ScenarioError:
        return False
    return "districts" in doc


def load_province(path: str | Path) -> ProvinceScenario:
    """Load, validate and freeze a province scenario.

    Parameters
    ----------
    path : str or Path
        The province TOML file. District scenario paths and shared tables are
        relative to it.

    Returns
    -------
    ProvinceScenario
        Districts (each a validated scenario), provincial trainers and budget.

    Raises
    ------
    ScenarioError
        With every problem found, each naming file, row and field.
    """
    path = Path(path)
    doc, raw = read_toml(path)
    shown = display_path(path)
    problems: list[InputProblem] = []
    digest = hashlib.sha256(raw)

    def problem(
        field: str, vi: str, en: str, file: str = shown, row: int | None = None
    ) -> None:
        problems.append(InputProblem(file, row, field, vi, en))

    for key in doc:
        if key not in TOP_KEYS:
            problem(
                key,
                "khoá không được biết (kiểm tra chính tả)",
                "unknown key (check the spelling)",
            )

    def section(name: str, model: type[BaseModel], default: Any = None) -> Any:
        value = doc.get(name, default)
        if value is None:
            problem(name, "thiếu mục bắt buộc", "section missing")
            return None
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            problems.extend(_problems(exc, shown, None, name))
            return None

    area = section("area", schema.Area)
    shared = section("shared", SharedFiles, {})
    settings = section("decomposition", DecompositionSettings, {})

    entries: list[DistrictEntry] = []
    raw_districts = doc.get("districts")
    if not isinstance(raw_districts, list) or not raw_districts:
        problem(
            "districts",
            "cần ít nhất một [[districts]]",
            "at least one [[districts]] is needed",
        )
    else:
        for i, item in enumerate(raw_districts):
            try:
                entries.append(DistrictEntry.model_validate(item))
            except ValidationError as exc:
                problems.extend(_problems(exc, shown, None, f"districts[{i}]"))
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if e.id in seen:
            problem(
                f"districts[{i}].id",
                f"mã '{e.id}' bị trùng",
                f"id '{e.id}' is repeated",
            )
        seen.add(e.id)

    districts: list[District] = []
    for i, e in enumerate(entries):
        file = path.parent / e.scenario
        try:
            sc = load_scenario(file)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        digest.update(sc.input_hash.encode())
        if e.communes or e.staff:
            codes = {c.commune_code for c in sc.communes}
            ids = {s.staff_id for s in sc.staff}
            bad = [c for c in e.communes if c not in codes] + [
                s for s in e.staff if s not in ids
            ]
            if bad:
                problem(
                    f"districts[{i}]",
                    f"không có trong {e.scenario}: {', '.join(bad)}",
                    f"not in {e.scenario}: {', '.join(bad)}",
                )
                continue
            group = set(e.communes or codes)
            for a, spec in sc.activities.items():
                if spec.communes and not group.intersection(spec.communes):
                    problem(
                        f"districts[{i}].communes",
                        f"hoạt động '{a}' không còn xã nào trong nhóm",
                        f"activity '{a}' has no commune left in the group",
                    )
            sc = restrict(sc, e.communes or codes, e.staff)
            for p in cross_check(sc, display_path(file), {}):
                problem(f"districts[{i}] ({p.field})", p.message, p.message_en)
        districts.append(District(id=e.id, name=e.name or sc.area.name, scenario=sc))

    trainers: list[ProvincialTrainer] = []
    trainer_blocked: list[schema.BlockedPeriod] = []
    trainer_file = ""
    trainer_rows: list[int] = []
    if shared is not None:
        for key, model in (
            ("trainers", ProvincialTrainer),
            ("trainer_blocked_periods", schema.BlockedPeriod),
        ):
            rel = getattr(shared, key)
            if rel is None:
                continue
            try:
                table = read_table(path.parent / rel)
            except ScenarioError as exc:
                problems.extend(exc.problems)
                continue
            digest.update(key.encode() + b"\0" + table.raw)
            parsed = _parse_rows(table, model, problems)
            if key == "trainers":
                trainers = [r for r, _ in parsed]
                trainer_file, trainer_rows = table.file, [n for _, n in parsed]
            else:
                for record, row in parsed:
                    if record.kind != "staff" or record.ref not in {
                        t.staff_id for t in trainers
                    }:
                        problem(
                            "ref",
                            "phải là mã giảng viên tỉnh (kind = staff)",
                            "must be a provincial trainer id (kind = staff)",
                            table.file,
                            row,
                        )
                    trainer_blocked.append(record)
        if shared.trainer_blocked_periods and not shared.trainers:
            problem(
                "shared.trainer_blocked_periods",
                "cần bảng trainers",
                "needs the trainers table",
            )

    # cross-district rules, only once every file is readable
    if not problems and area is not None and districts:
        first = districts[0].scenario
        for i, d in enumerate(districts):
            sc = d.scenario
            for what in ("horizon", "calendar", "weights"):
                if getattr(sc, what) != getattr(first, what):
                    problem(
                        f"districts[{i}].scenario",
                        f"[{what}] phải giống huyện đầu tiên ({districts[0].id})",
                        f"[{what}] must equal the first district's ({districts[0].id})",
                    )
            if shared is not None and shared.budget is not None:
                if shared.budget.id not in {f.id for f in sc.funding}:
                    problem(
                        f"districts[{i}].scenario",
                        f"nguồn chung '{shared.budget.id}' phải có trong [[funding]] của {entries[i].scenario}",
                        f"the shared source '{shared.budget.id}' must be a [[funding]] of {entries[i].scenario}",
                    )
                elif sc.funding_source(shared.budget.id).carry_over:
                    problem(
                        f"districts[{i}].scenario",
                        f"nguồn chung '{shared.budget.id}' không dùng carry_over",
                        f"the shared source '{shared.budget.id}' cannot use carry_over",
                    )
        owner: dict[str, str] = {}
        for i, d in enumerate(districts):
            for c in d.scenario.communes:
                if c.commune_code in owner:
                    problem(
                        f"districts[{i}]",
                        f"xã {c.commune_code} đã thuộc huyện {owner[c.commune_code]}",
                        f"commune {c.commune_code} already belongs to {owner[c.commune_code]}",
                    )
                owner[c.commune_code] = d.id
        staff_owner = {s.staff_id: d.id for d in districts for s in d.scenario.staff}
        seen_trainers: set[str] = set()
        for n, tr in enumerate(trainers):
            row = trainer_rows[n] if n < len(trainer_rows) else None
            if tr.staff_id in staff_owner and set(tr.roles) != set(
                next(
                    s.roles
                    for d in districts
                    for s in d.scenario.staff
                    if s.staff_id == tr.staff_id
                )
            ):
                problem(
                    "staff_id",
                    f"cùng mã với cán bộ của {staff_owner[tr.staff_id]} nhưng khác vai trò",
                    f"same id as a staff member of {staff_owner[tr.staff_id]} with other roles",
                    trainer_file,
                    row,
                )
            if tr.staff_id in seen_trainers:
                problem("staff_id", "mã bị trùng", "repeated id", trainer_file, row)
            seen_trainers.add(tr.staff_id)

    name = scenario_name(doc, path)
    if not schema.is_slug(name):
        problem("name", *schema.SLUG_PROBLEM)
    if problems or area is None or not districts:
        raise ScenarioError(problems)
    return ProvinceScenario(
        name=name,
        title=str(doc.get("title") or area.name),
        area=area,
        districts=tuple(districts),
        trainers=tuple(trainers),
        trainer_blocked=tuple(trainer_blocked),
        budget=shared.budget if shared else None,
        decomposition=settings or DecompositionSettings(),
        input_hash=digest.hexdigest(),
    )
