"""Cross-record checks: every id refers to something that exists, dates fit the horizon."""

from __future__ import annotations

from collections.abc import Iterable

from scheduler.errors import InputProblem
from scheduler.scenario.schema import Scenario

Sources = dict[str, tuple[str, list[int]]]


class _Where:
    """Locate table records: (file, row) for the i-th record of a table."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources

    def __call__(self, table: str, index: int) -> tuple[str, int | None]:
        file, rows = self.sources.get(table, (table, []))
        return file, rows[index] if index < len(rows) else None


def _duplicates(values: Iterable[str]) -> dict[int, str]:
    seen: set[str] = set()
    out = {}
    for i, v in enumerate(values):
        if v in seen:
            out[i] = v
        seen.add(v)
    return out


def cross_check(
    scenario: Scenario, toml_file: str, sources: Sources
) -> list[InputProblem]:
    """Check references between records.

    Parameters
    ----------
    scenario : Scenario
        The scenario whose single records already passed their own checks.
    toml_file : str
        How to name the scenario TOML file in messages.
    sources : dict
        For each table name, its file and the row number of each record.

    Returns
    -------
    list of InputProblem
        Empty when every reference resolves.
    """
    where = _Where(sources)
    out: list[InputProblem] = []

    def table_problem(table: str, index: int, field: str, vi: str, en: str) -> None:
        file, row = where(table, index)
        out.append(InputProblem(file, row, field, vi, en))

    def toml_problem(field: str, vi: str, en: str) -> None:
        out.append(InputProblem(toml_file, None, field, vi, en))

    for table, key, values in (
        ("communes", "commune_code", [c.commune_code for c in scenario.communes]),
        ("staff", "staff_id", [s.staff_id for s in scenario.staff]),
        ("venues", "venue_id", [v.venue_id for v in scenario.venues]),
        ("topics", "topic_id", [t.topic_id for t in scenario.topics]),
        (
            "stations",
            "slot_id",
            [f"{s.commune_code}/{s.slot_id}" for s in scenario.stations],
        ),
    ):
        for i, v in _duplicates(values).items():
            table_problem(table, i, key, f"trùng mã '{v}'", f"duplicate id '{v}'")
    if not scenario.communes:
        toml_problem("data.communes", "bảng xã trống", "the commune table is empty")

    communes = {c.commune_code for c in scenario.communes}
    staff = {s.staff_id for s in scenario.staff}
    venues = {v.venue_id for v in scenario.venues}
    funding = {f.id for f in scenario.funding}
    roles_held = {r for s in scenario.staff for r in s.roles}
    h = scenario.horizon

    if scenario.area.hq_venue and scenario.area.hq_venue not in venues:
        toml_problem(
            "area.hq_venue",
            f"không có địa điểm '{scenario.area.hq_venue}' trong bảng địa điểm",
            f"no venue '{scenario.area.hq_venue}' in the venue table",
        )

    for i, venue in enumerate(scenario.venues):
        if venue.commune_code and venue.commune_code not in communes:
            table_problem(
                "venues",
                i,
                "commune_code",
                f"mã xã '{venue.commune_code}' không có trong bảng xã",
                f"commune code '{venue.commune_code}' is not in the commune table",
            )
    for i, t in enumerate(scenario.topics):
        for a in t.activities:
            if a not in scenario.activities:
                table_problem(
                    "topics",
                    i,
                    "activities",
                    f"hoạt động '{a}' không được khai báo trong [activities]",
                    f"activity '{a}' is not declared in [activities]",
                )
    for i, slot in enumerate(scenario.stations):
        if slot.commune_code not in communes:
            table_problem(
                "stations",
                i,
                "commune_code",
                f"mã xã '{slot.commune_code}' không có trong bảng xã",
                f"commune code '{slot.commune_code}' is not in the commune table",
            )
    for i, b in enumerate(scenario.blocked):
        known = communes if b.kind == "commune" else staff
        if b.ref not in known:
            what_vi = "xã" if b.kind == "commune" else "cán bộ"
            what_en = "commune" if b.kind == "commune" else "staff member"
            table_problem(
                "blocked_periods",
                i,
                "ref",
                f"không có {what_vi} mã '{b.ref}'",
                f"no {what_en} with id '{b.ref}'",
            )
    places = communes | venues
    for i, tt in enumerate(scenario.travel_times):
        for field, ref in (("from_ref", tt.from_ref), ("to_ref", tt.to_ref)):
            if ref not in places:
                table_problem(
                    "travel_times",
                    i,
                    field,
                    f"'{ref}' không phải mã xã hay mã địa điểm",
                    f"'{ref}' is neither a commune code nor a venue id",
                )

    for act_id, spec in scenario.activities.items():
        key = f"activities.{act_id}"
        for src in spec.funding_sources:
            if src not in funding:
                toml_problem(
                    f"{key}.funding_sources",
                    f"nguồn kinh phí '{src}' không có trong [[funding]]",
                    f"funding source '{src}' is not in [[funding]]",
                )
        for role in spec.roles:
            if role not in roles_held and spec.roles[role] > 0:
                toml_problem(
                    f"{key}.roles",
                    f"không cán bộ nào giữ vai trò '{role}' trong bảng cán bộ",
                    f"nobody in the staff table holds the role '{role}'",
                )
        for code in (*spec.communes, *spec.per_commune_override):
            if code not in communes:
                toml_problem(
                    f"{key}.communes",
                    f"mã xã '{code}' không có trong bảng xã",
                    f"commune code '{code}' is not in the commune table",
                )
        if spec.kind == "training" and spec.venue not in venues:
            toml_problem(
                f"{key}.venue",
                f"không có địa điểm '{spec.venue}'",
                f"no venue '{spec.venue}'",
            )
        if spec.requires_training is not None:
            other = scenario.activities.get(spec.requires_training)
            if other is None or other.kind != "training":
                toml_problem(
                    f"{key}.requires_training",
                    f"'{spec.requires_training}' không phải hoạt động tập huấn",
                    f"'{spec.requires_training}' is not a training activity",
                )
        if spec.announce is not None:
            other = scenario.activities.get(spec.announce.via)
            if other is None or other.kind != "broadcast":
                toml_problem(
                    f"{key}.announce.via",
                    f"'{spec.announce.via}' không phải hoạt động phát thanh",
                    f"'{spec.announce.via}' is not a broadcast activity",
                )
        if (
            spec.kind == "broadcast"
            and spec.per_month > 0
            and not scenario.topics_for(act_id)
        ):
            toml_problem(
                key,
                "hoạt động phát thanh cần ít nhất một chủ đề trong bảng chủ đề",
                "a broadcast activity needs at least one topic in the topic table",
            )
        if spec.topic is not None and spec.topic not in {
            t.topic_id for t in scenario.topics
        }:
            toml_problem(
                f"{key}.topic",
                f"chủ đề '{spec.topic}' không có trong bảng chủ đề",
                f"topic '{spec.topic}' is not in the topic table",
            )

    for i, target in enumerate(scenario.targets):
        spec_t = scenario.activities.get(target.activity)
        if spec_t is not None and spec_t.kind != "session":
            toml_problem(
                f"targets[{i}].activity",
                f"chỉ tiêu chỉ áp dụng cho hoạt động theo buổi; '{target.activity}' là {spec_t.kind}",
                f"targets apply to session activities; '{target.activity}' is a {spec_t.kind}",
            )
        if target.activity not in scenario.activities:
            toml_problem(
                f"targets[{i}].activity",
                f"hoạt động '{target.activity}' không được khai báo",
                f"activity '{target.activity}' is not declared",
            )
        if not h.start <= target.by <= h.end:
            toml_problem(
                f"targets[{i}].by",
                f"ngày {target.by} nằm ngoài kỳ kế hoạch {h.start}–{h.end}",
                f"date {target.by} is outside the horizon {h.start}–{h.end}",
            )
    for i, p in enumerate(scenario.pins):
        spec_or_none = scenario.activities.get(p.activity)
        if spec_or_none is None or spec_or_none.kind != "session":
            toml_problem(
                f"pins[{i}].activity",
                f"'{p.activity}' không phải hoạt động theo buổi (kind = \"session\")",
                f"'{p.activity}' is not a session activity (kind = \"session\")",
            )
        if p.commune not in communes:
            toml_problem(
                f"pins[{i}].commune",
                f"mã xã '{p.commune}' không có trong bảng xã",
                f"commune code '{p.commune}' is not in the commune table",
            )
        if not h.start <= p.date <= h.end:
            toml_problem(
                f"pins[{i}].date",
                f"ngày {p.date} nằm ngoài kỳ kế hoạch {h.start}–{h.end}",
                f"date {p.date} is outside the horizon {h.start}–{h.end}",
            )
    for stage_i, stage in enumerate(scenario.solver.stages):
        for name in stage:
            if name not in type(scenario.weights).model_fields:
                toml_problem(
                    f"solver.stages[{stage_i}]",
                    f"'{name}' không phải tên mục tiêu mềm",
                    f"'{name}' is not the name of a soft goal",
                )
    return out
