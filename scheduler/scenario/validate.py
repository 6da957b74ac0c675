"""Cross-record checks: every id refers to something that exists, dates fit the horizon."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable

from scheduler.calendar import month_key, quarter_key
from scheduler.costs import (
    broadcast_cost,
    round_trip_minutes,
    session_cost,
    session_venue,
    staff_count,
    training_class_cost,
)
from scheduler.errors import InputProblem
from scheduler.i18n import day, number, vnd
from scheduler.officials import officials_problems
from scheduler.scenario.schema import Scenario

# The most a plan may cost if every event the model could place were held at
# its price: every budget row and the cost penalty stay far inside the
# integers CP-SAT sums exactly (int64), and inside 2**53, the integers a
# float (the objective's bound, the gap) holds exactly.
MAX_TOTAL_VND = 10**15
MAX_OBJECTIVE = 2**53
COST_UNIT_VND = 10_000  # the cost penalty counts tens of thousands of VND

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
    report = _Report(toml_file, _Where(sources))
    _duplicate_ids(scenario, report)
    _table_references(scenario, report)
    report.problems.extend(officials_problems(scenario, toml_file, report.where))
    for act_id in scenario.activities:
        _activity_references(scenario, act_id, report)
    _target_references(scenario, report)
    _pin_references(scenario, report)
    _stage_names(scenario, report)
    out = report.problems
    if not out:  # the sizes below need every reference resolved
        out.extend(_too_large(scenario, toml_file))
    return out


class _Report:
    """The problems cross_check finds, each located in its table row or the TOML."""

    def __init__(self, toml_file: str, where: _Where) -> None:
        self.toml_file = toml_file
        self.where = where
        self.problems: list[InputProblem] = []

    def table(self, table: str, index: int, field: str, vi: str, en: str) -> None:
        """Add a problem of a table's ``index``-th record."""
        file, row = self.where(table, index)
        self.problems.append(InputProblem(file, row, field, vi, en))

    def toml(self, field: str, vi: str, en: str) -> None:
        """Add a problem of the scenario TOML."""
        self.problems.append(InputProblem(self.toml_file, None, field, vi, en))


def _duplicate_ids(scenario: Scenario, report: _Report) -> None:
    """Report ids that repeat in a table, and an empty commune table."""
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
            report.table(table, i, key, f"trùng mã '{v}'", f"duplicate id '{v}'")
    if not scenario.communes:
        report.toml("data.communes", "bảng xã trống", "the commune table is empty")


def _table_references(scenario: Scenario, report: _Report) -> None:
    """Report table records (and the HQ) that name a commune, venue or staff not there."""
    communes = {c.commune_code for c in scenario.communes}
    staff = {s.staff_id for s in scenario.staff}
    venues = {v.venue_id for v in scenario.venues}
    if scenario.area.hq_venue and scenario.area.hq_venue not in venues:
        report.toml(
            "area.hq_venue",
            f"không có địa điểm '{scenario.area.hq_venue}' trong bảng địa điểm",
            f"no venue '{scenario.area.hq_venue}' in the venue table",
        )

    for i, person in enumerate(scenario.staff):
        if person.base is not None and person.base not in venues:
            report.table(
                "staff",
                i,
                "base",
                f"không có địa điểm '{person.base}' trong bảng địa điểm",
                f"no venue '{person.base}' in the venue table",
            )
    for i, venue in enumerate(scenario.venues):
        if venue.commune_code and venue.commune_code not in communes:
            report.table(
                "venues",
                i,
                "commune_code",
                f"mã xã '{venue.commune_code}' không có trong bảng xã",
                f"commune code '{venue.commune_code}' is not in the commune table",
            )
    for i, t in enumerate(scenario.topics):
        for a in t.activities:
            if a not in scenario.activities:
                report.table(
                    "topics",
                    i,
                    "activities",
                    f"hoạt động '{a}' không được khai báo trong [activities]",
                    f"activity '{a}' is not declared in [activities]",
                )
    for i, slot in enumerate(scenario.stations):
        if slot.commune_code not in communes:
            report.table(
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
            report.table(
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
                report.table(
                    "travel_times",
                    i,
                    field,
                    f"'{ref}' không phải mã xã hay mã địa điểm",
                    f"'{ref}' is neither a commune code nor a venue id",
                )


def _activity_references(scenario: Scenario, act_id: str, report: _Report) -> None:
    """Report what one activity names that the scenario does not have."""
    spec = scenario.activities[act_id]
    key = f"activities.{act_id}"
    communes = {c.commune_code for c in scenario.communes}
    roles_held = {r for s in scenario.staff for r in s.roles}
    for src in spec.funding_sources:
        if src not in {f.id for f in scenario.funding}:
            report.toml(
                f"{key}.funding_sources",
                f"nguồn kinh phí '{src}' không có trong [[funding]]",
                f"funding source '{src}' is not in [[funding]]",
            )
    for role in spec.roles:
        if role not in roles_held and spec.roles[role] > 0:
            report.toml(
                f"{key}.roles",
                f"không cán bộ nào giữ vai trò '{role}' trong bảng cán bộ",
                f"nobody in the staff table holds the role '{role}'",
            )
    for code in (*spec.communes, *spec.per_commune_override):
        if code not in communes:
            report.toml(
                f"{key}.communes",
                f"mã xã '{code}' không có trong bảng xã",
                f"commune code '{code}' is not in the commune table",
            )
    if spec.kind == "training" and spec.venue not in {
        v.venue_id for v in scenario.venues
    }:
        report.toml(
            f"{key}.venue",
            f"không có địa điểm '{spec.venue}'",
            f"no venue '{spec.venue}'",
        )
    if spec.owner is not None and not (
        spec.owner in roles_held
        or any(p.staff_id == spec.owner for p in scenario.staff)
    ):
        report.toml(
            f"{key}.owner",
            f"'{spec.owner}' không phải mã cán bộ hay vai trò có người giữ",
            f"'{spec.owner}' is neither a staff id nor a role someone holds",
        )
    _activity_links(scenario, act_id, report)


def _activity_links(scenario: Scenario, act_id: str, report: _Report) -> None:
    """Report an activity's links to other activities and topics that do not hold."""
    spec = scenario.activities[act_id]
    key = f"activities.{act_id}"
    if spec.requires_training is not None:
        other = scenario.activities.get(spec.requires_training)
        if other is None or other.kind != "training":
            report.toml(
                f"{key}.requires_training",
                f"'{spec.requires_training}' không phải hoạt động tập huấn",
                f"'{spec.requires_training}' is not a training activity",
            )
    if spec.announce is not None:
        other = scenario.activities.get(spec.announce.via)
        if other is None or other.kind != "broadcast":
            report.toml(
                f"{key}.announce.via",
                f"'{spec.announce.via}' không phải hoạt động phát thanh",
                f"'{spec.announce.via}' is not a broadcast activity",
            )
    if (
        spec.kind == "broadcast"
        and spec.per_month > 0
        and not scenario.topics_for(act_id)
    ):
        report.toml(
            key,
            "hoạt động phát thanh cần ít nhất một chủ đề trong bảng chủ đề",
            "a broadcast activity needs at least one topic in the topic table",
        )
    if spec.topic is not None and spec.topic not in {
        t.topic_id for t in scenario.topics
    }:
        report.toml(
            f"{key}.topic",
            f"chủ đề '{spec.topic}' không có trong bảng chủ đề",
            f"topic '{spec.topic}' is not in the topic table",
        )


def _target_references(scenario: Scenario, report: _Report) -> None:
    """Report targets on activities that are not sessions, or dated outside the horizon."""
    h = scenario.horizon
    for i, target in enumerate(scenario.targets):
        spec_t = scenario.activities.get(target.activity)
        if spec_t is not None and spec_t.kind != "session":
            report.toml(
                f"targets[{i}].activity",
                f"chỉ tiêu chỉ áp dụng cho hoạt động theo buổi; '{target.activity}' là {spec_t.kind}",
                f"targets apply to session activities; '{target.activity}' is a {spec_t.kind}",
            )
        if target.activity not in scenario.activities:
            report.toml(
                f"targets[{i}].activity",
                f"hoạt động '{target.activity}' không được khai báo",
                f"activity '{target.activity}' is not declared",
            )
        if not h.start <= target.by <= h.end:
            report.toml(
                f"targets[{i}].by",
                f"ngày {day(target.by)} nằm ngoài kỳ kế hoạch {day(h.start)}–{day(h.end)}",
                f"date {target.by} is outside the horizon {h.start}–{h.end}",
            )


def _pin_references(scenario: Scenario, report: _Report) -> None:
    """Report pins of unknown sessions or communes, or dated outside the horizon."""
    h = scenario.horizon
    communes = {c.commune_code for c in scenario.communes}
    for i, p in enumerate(scenario.pins):
        spec_or_none = scenario.activities.get(p.activity)
        if spec_or_none is None or spec_or_none.kind != "session":
            report.toml(
                f"pins[{i}].activity",
                f"'{p.activity}' không phải hoạt động theo buổi (kind = \"session\")",
                f"'{p.activity}' is not a session activity (kind = \"session\")",
            )
        if p.commune not in communes:
            report.toml(
                f"pins[{i}].commune",
                f"mã xã '{p.commune}' không có trong bảng xã",
                f"commune code '{p.commune}' is not in the commune table",
            )
        if not h.start <= p.date <= h.end:
            report.toml(
                f"pins[{i}].date",
                f"ngày {day(p.date)} nằm ngoài kỳ kế hoạch {day(h.start)}–{day(h.end)}",
                f"date {p.date} is outside the horizon {h.start}–{h.end}",
            )


def _stage_names(scenario: Scenario, report: _Report) -> None:
    """Report solver stages that name no soft goal."""
    for stage_i, stage in enumerate(scenario.solver.stages):
        for name in stage:
            if name not in type(scenario.weights).model_fields:
                report.toml(
                    f"solver.stages[{stage_i}]",
                    f"'{name}' không phải tên mục tiêu mềm",
                    f"'{name}' is not the name of a soft goal",
                )


def _worst_case(scenario: Scenario) -> tuple[dict[str, int], int]:
    """Return an upper bound of each activity's total cost, and of the objective.

    Every event the model could place is counted at its price, and every
    soft goal at its largest penalty, so a scenario under the bounds can
    never make the solver's sums overflow or lose precision.
    """
    sc, w = scenario, scenario.weights
    days = (sc.horizon.end - sc.horizon.start).days + 1
    months = days // 28 + 2
    money: dict[str, int] = {}
    objective = 0
    for act_id, spec in sc.activities.items():
        priority = max(spec.priority, 1)
        communes = sc.communes_for(act_id)
        total = 0
        if spec.kind == "session":
            for c in communes:
                n = sc.required_count(act_id, c.commune_code)
                venue = session_venue(sc, act_id, c.commune_code)
                price = (
                    session_cost(sc, act_id, venue)
                    if venue is not None
                    else spec.cost_fixed_vnd
                    + spec.attendees * spec.cost_per_attendee_vnd
                    + staff_count(sc, act_id)
                    * round_trip_minutes(sc, c.commune_code)
                    * spec.travel_vnd_per_minute
                )
                poor = max(c.poor_households, 1)
                total += n * price
                objective += n * priority * poor * (w.coverage + w.early * days)
                objective += n * (w.weekday + w.workload * days)
        elif spec.kind == "broadcast":
            per_month = max([spec.per_month, *spec.per_month_override.values()])
            items = spec.max_per_day * days
            for c in communes:
                poor = max(c.poor_households, 1)
                total += items * broadcast_cost(sc, act_id)
                objective += per_month * months * priority * poor * w.coverage
                objective += w.spread * days
        elif spec.kind == "publication":
            periods = months if spec.period == "month" else months // 3 + 1
            for o in spec.outlets:
                quota = spec.per_period if o.per_period is None else o.per_period
                total += quota * periods * spec.cost_per_item_vnd
                objective += quota * periods * priority * w.coverage
        else:
            classes = min(spec.max_classes or len(communes), len(communes)) or 1
            total += classes * training_class_cost(sc, act_id, spec.class_size)
            for c in communes:
                objective += priority * max(c.poor_households, 1) * w.coverage
        money[act_id] = total
    objective += w.cost * (sum(money.values()) // COST_UNIT_VND + 1)
    return money, objective


def _too_large(scenario: Scenario, toml_file: str) -> list[InputProblem]:
    """Report totals too large for the solver to add up exactly."""
    money, objective = _worst_case(scenario)
    out = []
    total = sum(money.values())
    if total > MAX_TOTAL_VND:
        act_id = max(money, key=lambda a: money[a])
        out.append(
            InputProblem(
                toml_file,
                None,
                f"activities.{act_id}",
                f"số tiền quá lớn: mọi sự kiện có thể xếp cộng lại tới "
                f"{vnd(total)}, quá giới hạn {vnd(MAX_TOTAL_VND)} mà bộ giải "
                "cộng chính xác được; kiểm tra các khoản tiền (_vnd) và số lượng",
                f"amounts too large: every event that could be placed adds up to "
                f"{vnd(total, 'en')}, above the {vnd(MAX_TOTAL_VND, 'en')} the "
                "solver can add exactly; check the amounts (_vnd) and counts",
            )
        )
    elif objective > MAX_OBJECTIVE:
        out.append(
            InputProblem(
                toml_file,
                None,
                "weights",
                f"trọng số quá lớn: điểm phạt có thể tới {number(objective)}, "
                f"quá giới hạn {number(MAX_OBJECTIVE)} mà bộ giải cộng chính xác "
                "được; hãy giảm các trọng số (weights) hoặc độ ưu tiên (priority)",
                f"weights too large: the penalty could reach "
                f"{number(objective, 'en')}, above the {number(MAX_OBJECTIVE, 'en')} "
                "the solver can add exactly; lower the weights or priorities",
            )
        )
    return out


def _keys_outside_horizon(scenario: Scenario, toml_file: str) -> list[InputProblem]:
    """Warn of quarter and month keys that name no part of the horizon (a typo?)."""
    h = scenario.horizon
    days = [h.start + dt.timedelta(days=i) for i in range((h.end - h.start).days + 1)]
    quarters = {quarter_key(d) for d in days}
    months = {month_key(d) for d in days}
    span, span_vi = f"{h.start}–{h.end}", f"{day(h.start)}–{day(h.end)}"
    out = []
    for i, f in enumerate(scenario.funding):
        for key in f.allowance_vnd:
            if key not in quarters:
                out.append(
                    InputProblem(
                        toml_file,
                        None,
                        f"funding[{i}].allowance_vnd",
                        f"quý '{key}' nằm ngoài kỳ kế hoạch {span_vi}, nên không được "
                        "dùng (gõ nhầm năm hay quý?)",
                        f"the quarter '{key}' is outside the horizon {span}, so it "
                        "is never used (a typo in the year or quarter?)",
                    )
                )
    for act_id, spec in scenario.activities.items():
        for key in spec.per_month_override:
            if key not in months:
                out.append(
                    InputProblem(
                        toml_file,
                        None,
                        f"activities.{act_id}.per_month_override",
                        f"tháng '{key}' không thuộc kỳ kế hoạch {span_vi} (dạng "
                        "YYYY-MM), nên không được dùng",
                        f"the month '{key}' is not in the horizon {span} (form "
                        "YYYY-MM), so it is never used",
                    )
                )
    return out


def suspicious(
    scenario: Scenario, toml_file: str, sources: Sources
) -> list[InputProblem]:
    """Return warnings: input that is legal but probably not what was meant.

    Parameters
    ----------
    scenario : Scenario
        A scenario that passed :func:`cross_check`.
    toml_file : str
        How to name the scenario TOML file in messages.
    sources : dict
        For each table name, its file and the row number of each record.

    Returns
    -------
    list of InputProblem
        A role that no activity uses and that looks like a misspelling of
        one that is used, or leaves its holder with nothing to do; a blocked
        period wholly outside the horizon; a quarter of an allowance or a month
        of ``per_month_override`` outside the horizon.
    """
    where = _Where(sources)
    out: list[InputProblem] = []
    used = sorted(
        {role for spec in scenario.activities.values() for role in spec.roles}
        # a publication's owner role is named on its items
        | {spec.owner for spec in scenario.activities.values() if spec.owner}
    )
    known = ", ".join(used) or "-"
    for i, person in enumerate(scenario.staff):
        unused = [role for role in person.roles if role not in used]
        for role in unused:
            close = difflib.get_close_matches(role, used, n=1, cutoff=0.6)
            if not close and len(unused) < len(person.roles):
                continue  # a descriptive role beside one that is used
            file, row = where("staff", i)
            vi = f"không hoạt động nào cần vai trò '{role}'"
            en = f"no activity needs the role '{role}'"
            if close:
                vi += f" (có phải '{close[0]}'?)"
                en += f" (did you mean '{close[0]}'?)"
            else:
                vi += f", nên người này không được xếp việc; các vai trò được dùng: {known}"
                en += f", so this person is never scheduled; roles in use: {known}"
            out.append(InputProblem(file, row, "roles", vi, en))
    h = scenario.horizon
    out.extend(_keys_outside_horizon(scenario, toml_file))
    for i, b in enumerate(scenario.blocked):
        if b.end_date < h.start or b.start_date > h.end:
            file, row = where("blocked_periods", i)
            out.append(
                InputProblem(
                    file,
                    row,
                    "start_date",
                    f"khoảng {day(b.start_date)}–{day(b.end_date)} nằm hoàn toàn "
                    f"ngoài kỳ kế hoạch {day(h.start)}–{day(h.end)}, nên không có "
                    "tác dụng",
                    f"the period {b.start_date}–{b.end_date} lies wholly outside "
                    f"the horizon {h.start}–{h.end}, so it has no effect",
                )
            )
    return out
