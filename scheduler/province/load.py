"""``load_province``: a province TOML → validated :class:`ProvinceScenario`.

Problems are collected and raised together as one :class:`ScenarioError`, each
naming its file, row and field, exactly like the district loader (whose
problems, for each district file, are passed through unchanged).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
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
    load_scenario,
    parse_rows,
    scenario_name,
    validation_problems,
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
    r = _Reader(path, display_path(path), doc, hashlib.sha256(raw))
    for key in doc:
        if key not in TOP_KEYS:
            r.problem(
                key,
                "khoá không được biết (kiểm tra chính tả)",
                "unknown key (check the spelling)",
            )
    area = r.section("area", schema.Area)
    shared = r.section("shared", SharedFiles, {})
    settings = r.section("decomposition", DecompositionSettings, {})
    entries = _district_entries(r)
    districts = [d for i, e in enumerate(entries) if (d := _district(r, i, e))]
    trainers = _Trainers()
    if shared is not None:
        trainers = _shared_tables(r, shared)
    # cross-district rules, only once every file is readable
    if not r.problems and area is not None and districts:
        _same_settings(r, districts, entries, shared)
        _commune_owners(r, districts)
        _trainer_ids(r, districts, trainers)
    name = scenario_name(doc, path)
    if not schema.is_slug(name):
        r.problem("name", *schema.SLUG_PROBLEM)
    if r.problems or area is None or not districts:
        raise ScenarioError(r.problems)
    return ProvinceScenario(
        name=name,
        title=str(doc.get("title") or area.name),
        area=area,
        districts=tuple(districts),
        trainers=tuple(trainers.trainers),
        trainer_blocked=tuple(trainers.blocked),
        budget=shared.budget if shared else None,
        decomposition=settings or DecompositionSettings(),
        input_hash=r.digest.hexdigest(),
    )


@dataclass
class _Reader:
    """A province file being read: its document, the problems found, the hash."""

    path: Path
    shown: str  # the file's name as problems show it
    doc: dict[str, Any]
    digest: Any  # hashlib's sha256 of the file and every file it names
    problems: list[InputProblem] = field(default_factory=list)

    def problem(
        self,
        field: str,
        vi: str,
        en: str,
        file: str | None = None,
        row: int | None = None,
    ) -> None:
        """Add a problem (of the province file unless ``file`` says otherwise)."""
        shown = self.shown if file is None else file
        self.problems.append(InputProblem(shown, row, field, vi, en))

    def section(self, name: str, model: type[BaseModel], default: Any = None) -> Any:
        """Return a validated top-level section, or None with its problems added."""
        value = self.doc.get(name, default)
        if value is None:
            self.problem(name, "thiếu mục bắt buộc", "section missing")
            return None
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            self.problems.extend(validation_problems(exc, self.shown, None, name))
            return None


@dataclass
class _Trainers:
    """The provincial trainers' table, their blocked periods, and where they came from."""

    trainers: list[ProvincialTrainer] = field(default_factory=list)
    blocked: list[schema.BlockedPeriod] = field(default_factory=list)
    file: str = ""
    rows: list[int] = field(default_factory=list)


def _district_entries(r: _Reader) -> list[DistrictEntry]:
    """Return the valid ``[[districts]]`` entries; their ids must not repeat."""
    entries: list[DistrictEntry] = []
    raw_districts = r.doc.get("districts")
    if not isinstance(raw_districts, list) or not raw_districts:
        r.problem(
            "districts",
            "cần ít nhất một [[districts]]",
            "at least one [[districts]] is needed",
        )
    else:
        for i, item in enumerate(raw_districts):
            try:
                entries.append(DistrictEntry.model_validate(item))
            except ValidationError as exc:
                prefix = f"districts[{i}]"
                r.problems.extend(validation_problems(exc, r.shown, None, prefix))
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if e.id in seen:
            r.problem(
                f"districts[{i}].id",
                f"mã '{e.id}' bị trùng",
                f"id '{e.id}' is repeated",
            )
        seen.add(e.id)
    return entries


def _district(r: _Reader, i: int, e: DistrictEntry) -> District | None:
    """Load one district's scenario, cut to its group of communes and staff if given."""
    file = r.path.parent / e.scenario
    try:
        sc = load_scenario(file)
    except ScenarioError as exc:
        r.problems.extend(exc.problems)
        return None
    r.digest.update(sc.input_hash.encode())
    if e.communes or e.staff:
        group = _group(r, i, e, sc)
        if group is None:
            return None
        sc = restrict(sc, group, e.staff)
        for p in cross_check(sc, display_path(file), {}):
            r.problem(f"districts[{i}] ({p.field})", p.message, p.message_en)
    return District(id=e.id, name=e.name or sc.area.name, scenario=sc)


def _group(
    r: _Reader, i: int, e: DistrictEntry, sc: schema.Scenario
) -> Collection[str] | None:
    """Return the communes of a district's group, or None when it names unknown ones.

    Every activity limited to some communes must keep one in the group.
    """
    codes = {c.commune_code for c in sc.communes}
    ids = {s.staff_id for s in sc.staff}
    bad = [c for c in e.communes if c not in codes] + [
        s for s in e.staff if s not in ids
    ]
    if bad:
        r.problem(
            f"districts[{i}]",
            f"không có trong {e.scenario}: {', '.join(bad)}",
            f"not in {e.scenario}: {', '.join(bad)}",
        )
        return None
    group = set(e.communes or codes)
    for a, spec in sc.activities.items():
        if spec.communes and not group.intersection(spec.communes):
            r.problem(
                f"districts[{i}].communes",
                f"hoạt động '{a}' không còn xã nào trong nhóm",
                f"activity '{a}' has no commune left in the group",
            )
    return e.communes or codes


def _shared_tables(r: _Reader, shared: SharedFiles) -> _Trainers:
    """Read the provincial trainers' table and their blocked periods."""
    out = _Trainers()
    for key, model in (
        ("trainers", ProvincialTrainer),
        ("trainer_blocked_periods", schema.BlockedPeriod),
    ):
        rel = getattr(shared, key)
        if rel is None:
            continue
        try:
            table = read_table(r.path.parent / rel)
        except ScenarioError as exc:
            r.problems.extend(exc.problems)
            continue
        r.digest.update(key.encode() + b"\0" + table.raw)
        parsed = parse_rows(table, model, r.problems)
        if key == "trainers":
            out.trainers = [record for record, _ in parsed]
            out.file, out.rows = table.file, [n for _, n in parsed]
        else:
            _trainer_blocks(r, out, table.file, parsed)
    if shared.trainer_blocked_periods and not shared.trainers:
        r.problem(
            "shared.trainer_blocked_periods",
            "cần bảng trainers",
            "needs the trainers table",
        )
    return out


def _trainer_blocks(r: _Reader, out: _Trainers, file: str, parsed: list[Any]) -> None:
    """Keep the trainers' blocked periods; each must name a provincial trainer."""
    trainer_ids = {t.staff_id for t in out.trainers}
    for record, row in parsed:
        if record.kind != "staff" or record.ref not in trainer_ids:
            r.problem(
                "ref",
                "phải là mã giảng viên tỉnh (kind = staff)",
                "must be a provincial trainer id (kind = staff)",
                file,
                row,
            )
        out.blocked.append(record)


def _same_settings(
    r: _Reader,
    districts: list[District],
    entries: list[DistrictEntry],
    shared: SharedFiles | None,
) -> None:
    """Check that every district plans the same horizon and shares the budget."""
    first = districts[0].scenario
    for i, d in enumerate(districts):
        sc = d.scenario
        for what in ("horizon", "calendar", "weights"):
            if getattr(sc, what) != getattr(first, what):
                r.problem(
                    f"districts[{i}].scenario",
                    f"[{what}] phải giống huyện đầu tiên ({districts[0].id})",
                    f"[{what}] must equal the first district's ({districts[0].id})",
                )
        if shared is None or shared.budget is None:
            continue
        source = shared.budget.id
        if source not in {f.id for f in sc.funding}:
            r.problem(
                f"districts[{i}].scenario",
                f"nguồn chung '{source}' phải có trong [[funding]] của {entries[i].scenario}",
                f"the shared source '{source}' must be a [[funding]] of {entries[i].scenario}",
            )
        elif sc.funding_source(source).carry_over:
            r.problem(
                f"districts[{i}].scenario",
                f"nguồn chung '{source}' không dùng carry_over",
                f"the shared source '{source}' cannot use carry_over",
            )


def _commune_owners(r: _Reader, districts: list[District]) -> None:
    """Check that no commune belongs to two districts."""
    owner: dict[str, str] = {}
    for i, d in enumerate(districts):
        for c in d.scenario.communes:
            if c.commune_code in owner:
                r.problem(
                    f"districts[{i}]",
                    f"xã {c.commune_code} đã thuộc huyện {owner[c.commune_code]}",
                    f"commune {c.commune_code} already belongs to {owner[c.commune_code]}",
                )
            owner[c.commune_code] = d.id


def _trainer_ids(r: _Reader, districts: list[District], trainers: _Trainers) -> None:
    """Check the trainers' ids: unique, and a district's staff id only with its roles."""
    roles: dict[str, tuple[str, ...]] = {}  # the first district's, like the owner's
    for d in districts:
        for s in d.scenario.staff:
            roles.setdefault(s.staff_id, tuple(s.roles))
    staff_owner = {s.staff_id: d.id for d in districts for s in d.scenario.staff}
    seen: set[str] = set()
    for n, tr in enumerate(trainers.trainers):
        row = trainers.rows[n] if n < len(trainers.rows) else None
        if tr.staff_id in staff_owner and set(tr.roles) != set(roles[tr.staff_id]):
            r.problem(
                "staff_id",
                f"cùng mã với cán bộ của {staff_owner[tr.staff_id]} nhưng khác vai trò",
                f"same id as a staff member of {staff_owner[tr.staff_id]} with other roles",
                trainers.file,
                row,
            )
        if tr.staff_id in seen:
            r.problem("staff_id", "mã bị trùng", "repeated id", trainers.file, row)
        seen.add(tr.staff_id)
