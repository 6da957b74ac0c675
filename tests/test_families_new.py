"""New constraint families: session spacing (``min_gap_days``) and publications.

Each case is one that must hold and one that must break (or cost a penalty);
expected values are worked out by hand in the comments. Every plan the solver
or the greedy baseline returns is proven by the independent checker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import Counter
from pathlib import Path
from typing import Any

from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario
from scheduler.solver.greedy import greedy_plan
from scheduler.solver.solve import solve
from tests.conftest import make_scenario

COVERAGE = 1000  # default weight of the coverage goal


def plan_of(scenario: Scenario) -> Plan:
    plan = solve(scenario)
    assert check_plan(scenario, plan) == []
    return plan


def penalty(plan: Plan, name: str) -> int:
    return next((p.penalty for p in plan.penalties if p.name == name), 0)


# ---------------------------------------------------------------- spacing

# Tue 5 – Thu 7 Sep 2023: three free working days, six half-days
THREE_DAYS = {"horizon": {"start": "2023-09-05", "end": "2023-09-07"}}


def _leaflets(gap: int) -> dict[str, Any]:
    return {
        "kind": "session",
        "name_vi": "Phát tờ rơi",
        "name_en": "Leaflets",
        "per_commune": 2,
        "min_gap_days": gap,
        "roles": {"leader": 1},
        "funding_sources": ["main"],
        "communes": ["00001"],
    }


def spacing_case(folder: Path, gap: int) -> Scenario:
    return make_scenario(
        folder, {**THREE_DAYS, "activities": {"leaflets": _leaflets(gap)}}
    )


def leaflet_days(plan: Plan) -> list[dt.date]:
    return sorted(e.start.date() for e in plan.by_activity("leaflets"))


def test_spacing_too_wide_for_the_horizon_leaves_one_out(tmp_path: Path) -> None:
    # 00001 needs 2 leaflet rounds; the days are 5, 6 and 7 Sep, at most 2 days
    # apart, so with min_gap_days = 5 only one round fits: coverage
    # = 1000 × priority 1 × 30 poor households = 30,000
    sc = spacing_case(tmp_path, 5)
    plan = plan_of(sc)
    assert len(leaflet_days(plan)) == 1
    assert penalty(plan, "coverage") == COVERAGE * 1 * 30
    assert [(u.activity, u.commune_code, u.count) for u in plan.unscheduled] == [
        ("leaflets", "00001", 1)
    ]


def test_spacing_names_the_rule_as_the_limit(tmp_path: Path) -> None:
    # the round left out with min_gap_days = 5: every free half-day (the other
    # of its day, and the two other days) is within 5 days of the round held
    plan = plan_of(spacing_case(tmp_path, 5))
    (item,) = plan.unscheduled
    assert "cách nhau ít nhất 5 ngày" in item.detail_vi
    assert "at least 5 days apart" in item.detail_en


def test_spacing_two_days_holds_both_two_days_apart(tmp_path: Path) -> None:
    # min_gap_days = 2: the only pair of days 2 apart is 5 and 7 Sep
    plan = plan_of(spacing_case(tmp_path, 2))
    assert leaflet_days(plan) == [dt.date(2023, 9, 5), dt.date(2023, 9, 7)]
    assert penalty(plan, "coverage") == 0


def test_greedy_baseline_respects_spacing(tmp_path: Path) -> None:
    # the greedy takes the first free half-days: without the rule both rounds
    # would go on Tue 5 Sep (morning and afternoon); with 2 days they go 5 and 7
    sc = spacing_case(tmp_path, 2)
    plan = greedy_plan(sc, build_grid(sc))
    assert check_plan(sc, plan) == []
    assert leaflet_days(plan) == [dt.date(2023, 9, 5), dt.date(2023, 9, 7)]
    # with 5 days one round is left out, and the checker still agrees
    sc5 = spacing_case(tmp_path / "five", 5)
    plan5 = greedy_plan(sc5, build_grid(sc5))
    assert check_plan(sc5, plan5) == []
    assert len(leaflet_days(plan5)) == 1


def test_checker_names_sessions_too_close(tmp_path: Path) -> None:
    # the plan of min_gap_days = 2 with its second round moved to 6 Sep
    # (1 day after the first, afternoon) breaks the rule: both events named
    sc = spacing_case(tmp_path, 2)
    plan = plan_of(sc)
    first, second = sorted(plan.by_activity("leaflets"), key=lambda e: e.start)
    moved = dataclasses.replace(
        second,
        start=second.start - dt.timedelta(days=1),
        end=second.end - dt.timedelta(days=1),
    )
    events = tuple(moved if e is second else e for e in plan.events)
    bad = [
        v
        for v in check_plan(sc, dataclasses.replace(plan, events=events))
        if v.rule == "min_gap"
    ]
    assert [set(v.events) for v in bad] == [{first.event_id, second.event_id}]
    assert "cách nhau 1 ngày, cần ít nhất 2 ngày" in bad[0].render("vi")


def test_explain_names_the_spacing_rule(tmp_path: Path) -> None:
    # the round left out with min_gap_days = 5 is out because of the spacing rule
    from scheduler.explain import explain_unscheduled

    sc = spacing_case(tmp_path, 5)
    grid = build_grid(sc)
    plan = solve(sc, grid)
    ((item, reasons),) = explain_unscheduled(sc, grid, plan, 20)
    assert (item.activity, item.commune_code) == ("leaflets", "00001")
    assert [f.key for f in reasons] == ["spacing:leaflets:00001"]
    assert "phải cách nhau ít nhất 5 ngày" in reasons[0].text_vi
    # dropping the rule (explain's relaxation) holds both rounds
    from scheduler.explain import Relaxation, apply_relaxation

    relaxed = apply_relaxation(sc, [Relaxation("spacing:leaflets:00001", 0, 0, "", "")])
    assert len(leaflet_days(plan_of(relaxed))) == 2


# ---------------------------------------------------------------- publications

# September and October 2023: Q3 and Q4, two whole months
TWO_MONTHS = {"horizon": {"start": "2023-09-01", "end": "2023-10-31"}}
PRICE = 1_000_000  # one item


def _press(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "publication",
        "name_vi": "Tin bài trên báo, đài",
        "name_en": "Press items",
        "outlets": [
            {"id": "bao", "name": "Báo tỉnh"},
            {"id": "dai", "name": "Đài PT-TH tỉnh", "per_period": 1},
        ],
        "per_period": 2,
        "period": "month",
        "cost_per_item_vnd": PRICE,
        "owner": "leader",
        "funding_sources": ["main"],
        **extra,
    }


def press_case(
    folder: Path, q4: int = 100_000_000, patch: dict[str, Any] | None = None
) -> Scenario:
    funding = [
        {
            "id": "main",
            "name_vi": "Nguồn chính",
            "name_en": "Main",
            "allowance_vnd": {"2023-Q3": 100_000_000, "2023-Q4": q4},
        }
    ]
    doc = {**TWO_MONTHS, "funding": funding, "activities": {"press": _press()}}
    return make_scenario(folder, {**doc, **(patch or {})})


def items(plan: Plan) -> Counter[tuple[str | None, str]]:
    return Counter(
        (e.slot_id, f"{e.start:%Y-%m}") for e in plan.events if e.kind == "publication"
    )


def test_publication_quotas_held_per_outlet_and_month(tmp_path: Path) -> None:
    # 2 items a month in the newspaper, 1 on the radio-TV station, two months:
    # 6 items, no commune, dated on working days, stable ids
    plan = plan_of(press_case(tmp_path))
    assert items(plan) == {
        ("bao", "2023-09"): 2,
        ("bao", "2023-10"): 2,
        ("dai", "2023-09"): 1,
        ("dai", "2023-10"): 1,
    }
    pubs = [e for e in plan.events if e.kind == "publication"]
    assert all(e.commune_code is None and not e.staff for e in pubs)
    assert {e.event_id for e in pubs} >= {
        "press-bao-2023-09-p01",
        "press-bao-2023-09-p02",
        "press-dai-2023-10-p01",
    }
    assert plan.required["press"] == 6
    assert not [u for u in plan.unscheduled if u.activity == "press"]


def test_publications_cut_by_the_quarter_budget(tmp_path: Path) -> None:
    # Q4 (October) allows 1,500,000 đ: one item of 1,000,000 đ, so 2 of the 3
    # October items are left out: coverage 2 × 1000 × priority 1 = 2,000
    # (the dialogues are in September, Q3)
    plan = plan_of(press_case(tmp_path, q4=1_500_000))
    october = sum(n for (_, m), n in items(plan).items() if m == "2023-10")
    assert october == 1
    left = [u for u in plan.unscheduled if u.activity == "press"]
    assert sum(u.count for u in left) == 2
    assert {u.reason for u in left} == {"left_out"}
    assert {u.period for u in left} <= {"2023-10/bao", "2023-10/dai"}
    assert sum(u.penalty for u in left) == 2 * COVERAGE
    # the greedy scoring of the same plan (cost and coverage) is the objective
    from scheduler.solver.greedy import plan_objective

    sc = press_case(tmp_path, q4=1_500_000)
    assert (
        sum(plan_objective(sc, build_grid(sc), plan).values()) == plan.solver.objective
    )


def test_publication_deadline(tmp_path: Path) -> None:
    # deadline 20 Sep: September's items are dated by the 20th; October has no
    # day before the deadline: its 2 + 1 items are left out past the deadline
    sc = press_case(
        tmp_path, patch={"activities": {"press": _press(deadline="2023-09-20")}}
    )
    plan = plan_of(sc)
    assert items(plan) == {("bao", "2023-09"): 2, ("dai", "2023-09"): 1}
    assert all(
        e.start.date() <= dt.date(2023, 9, 20)
        for e in plan.events
        if e.kind == "publication"
    )
    # never offered to the solver, they cost nothing (as in the model)
    left = {(u.period, u.count, u.reason, u.penalty) for u in plan.unscheduled}
    assert left == {
        ("2023-10/bao", 2, "past_deadline", 0),
        ("2023-10/dai", 1, "past_deadline", 0),
    }
    # the solver's objective is the greedy scoring of the same plan
    from scheduler.solver.greedy import plan_objective

    assert (
        sum(plan_objective(sc, build_grid(sc), plan).values()) == plan.solver.objective
    )


def test_publication_quota_pro_rata_for_a_part_month(tmp_path: Path) -> None:
    # the base horizon is 4–15 Sep: 12 of September's 30 days, so a quota of 5
    # a month asks for 5 × 12 // 30 = 2 items
    press = _press(per_period=5, outlets=[{"id": "bao", "name": "Báo tỉnh"}])
    plan = plan_of(make_scenario(tmp_path, {"activities": {"press": press}}))
    assert items(plan) == {("bao", "2023-09"): 2}


def test_checker_catches_publication_faults(tmp_path: Path) -> None:
    sc = press_case(
        tmp_path, patch={"activities": {"press": _press(deadline="2023-10-20")}}
    )
    plan = plan_of(sc)
    pubs = sorted(
        (e for e in plan.events if e.kind == "publication"), key=lambda e: e.event_id
    )
    first = pubs[0]  # press-bao-2023-09-p01
    # a third newspaper item in September (quota 2), one after the deadline,
    # one with a commune and a wrong price
    extra = dataclasses.replace(first, event_id="extra")
    late = dataclasses.replace(
        first,
        event_id="late",
        slot_id="dai",
        start=first.start.replace(month=10, day=30),
        end=first.end.replace(month=10, day=30),
    )
    odd = dataclasses.replace(first, event_id="odd", commune_code="00001", cost_vnd=1)
    bad = dataclasses.replace(plan, events=(*plan.events, extra, late, odd))
    rules = Counter(v.rule for v in check_plan(sc, bad))
    # Sep newspaper: p01, p02, extra, odd = 4 > 2; Oct radio: p01 + late = 2 > 1
    assert rules["publication_quota"] == 2
    assert rules["deadline"] == 1
    assert rules["publication_place"] == 1
    assert rules["cost"] == 1


def test_greedy_baseline_places_publications(tmp_path: Path) -> None:
    # the same Q4 budget: the greedy pays one October item, the checker agrees
    sc = press_case(tmp_path, q4=1_500_000)
    plan = greedy_plan(sc, build_grid(sc))
    assert check_plan(sc, plan) == []
    assert sum(n for (_, m), n in items(plan).items() if m == "2023-09") == 3
    assert sum(n for (_, m), n in items(plan).items() if m == "2023-10") == 1
    assert sum(u.count for u in plan.unscheduled if u.activity == "press") == 2


def test_explain_names_the_budget_for_a_publication_left_out(tmp_path: Path) -> None:
    # the October items left out with 1,500,000 đ in Q4 are out for the budget
    from scheduler.explain import explain_unscheduled

    sc = press_case(tmp_path, q4=1_500_000)
    grid = build_grid(sc)
    plan = solve(sc, grid)
    explained = explain_unscheduled(sc, grid, plan, 20)
    assert explained
    for item, reasons in explained:
        assert item.activity == "press"
        assert [f.key for f in reasons] == ["budget:main:2023-Q4"]


def test_explain_names_the_deadline(tmp_path: Path) -> None:
    # deadline 20 Sep: October's items have no day before it; the guarded
    # model can date them in October only by dropping the deadline, so asked
    # to hold them the core is the deadline alone
    from scheduler.explain import find_core

    sc = press_case(
        tmp_path, patch={"activities": {"press": _press(deadline="2023-09-20")}}
    )
    grid = build_grid(sc)

    def hold_october(built: Any) -> None:
        for (_, _, period), var in built.ctx.vars.publications.missing.items():
            if period == "2023-10":
                built.model.add(var == 0)

    core = find_core(sc, grid, 20, extra=hold_october)
    assert not core.feasible
    assert [str(g.key) for g in core.groups] == ["deadline:press"]
    # dropping the rule (explain's relaxation) lifts the deadline: all 6 held
    from scheduler.explain import Relaxation, apply_relaxation

    relaxed = apply_relaxation(sc, [Relaxation("deadline:press", 0, 0, "", "")])
    assert relaxed.activities["press"].deadline is None
    assert sum(items(plan_of(relaxed)).values()) == 6


# ---------------------------------------------------------------- bundled example

EXAMPLE = "configs/scenarios/dak-nong-2022-press.toml"


def test_press_example_validates_plans_and_exports(tmp_path: Path) -> None:
    # seed 002's press and culture-centre forms: 3 outlets × 6 months, quotas
    # 2 + 1 + 4 = 7 items a month, 42 required; leaflet rounds 28 days apart
    from scheduler.export.bundle import plan_outputs
    from scheduler.scenario.load import load_scenario

    sc = load_scenario(EXAMPLE)
    plan = solve(sc, overrides={"max_time_in_seconds": 5.0, "num_workers": 1})
    assert check_plan(sc, plan) == []
    assert plan.required["press"] == 42
    pubs = [e for e in plan.events if e.kind == "publication"]
    assert pubs
    assert all(e.start.date() <= dt.date(2022, 12, 20) for e in pubs)
    for code in {c.commune_code for c in sc.communes}:
        days = sorted(
            e.start.date()
            for e in plan.by_activity("leaflets")
            if e.commune_code == code
        )
        assert all((b - a).days >= 28 for a, b in itertools.pairwise(days))
    files, _ = plan_outputs(
        sc, plan, "vi", today=plan.horizon_start, calendar_state=None
    )
    # the whole-plan and activity feeds carry the items, commune feeds do not
    one = pubs[0].event_id
    assert one.encode() in files["calendars/all.ics"]
    assert one.encode() in files["calendars/activity-press.ics"]
    assert not any(
        one.encode() in body for name, body in files.items() if "commune-" in name
    )
    assert "Báo Đắk Nông".encode() in files["schedule.csv"]


def test_replan_keeps_publication_periods_begun(tmp_path: Path) -> None:
    # the example leaves 8 portal posts of Q3 out for the provincial budget;
    # re-planned from 1 Sep 2022 with 20,000,000 đ more in that line's Q3,
    # July and August are past: their items keep the old plan's counts (no item
    # appears in the past); September (its first working day is 5 Sep, after
    # the National Day holidays) has not begun, so the money holds all of its
    # 7 items
    from scheduler.replan import ChangeSet, replan
    from scheduler.scenario.load import load_scenario

    sc = load_scenario(EXAMPLE)
    limits = {"max_time_in_seconds": 5.0, "num_workers": 1}
    old = solve(sc, overrides=limits)
    richer = sc.model_copy(
        update={
            "funding": tuple(
                f.model_copy(
                    update={
                        "allowance_vnd": {"2022-Q3": 40_000_000, "2022-Q4": 20_000_000}
                    }
                )
                if f.id == "ngan_sach_tinh"
                else f
                for f in sc.funding
            )
        }
    )
    again = replan(richer, old, dt.date(2022, 9, 1), ChangeSet(), limits)
    assert check_plan(again.scenario, again.plan) == []

    def before(plan: Plan, day: dt.date) -> set[str]:
        return {
            e.event_id
            for e in plan.events
            if e.kind == "publication" and e.start.date() < day
        }

    assert before(again.plan, dt.date(2022, 9, 1)) == before(old, dt.date(2022, 9, 1))
    september = before(again.plan, dt.date(2022, 10, 1)) - before(
        again.plan, dt.date(2022, 9, 1)
    )
    assert len(september) == 7


def test_publication_sources_shared_over_a_quarter(tmp_path: Path) -> None:
    # one newspaper item a month, July–September 2023 (all Q3); source "a"
    # pays 2 items (2,000,000 đ), "b" one: the three items of the quarter must
    # be split 2 + 1 across its three months, not "a" in every month
    funding = [
        {
            "id": "main",
            "name_vi": "Nguồn chính",
            "name_en": "Main",
            "allowance_vnd": {"2023-Q3": 100_000_000},
        },
        {
            "id": "a",
            "name_vi": "A",
            "name_en": "A",
            "allowance_vnd": {"2023-Q3": 2 * PRICE},
        },
        {
            "id": "b",
            "name_vi": "B",
            "name_en": "B",
            "allowance_vnd": {"2023-Q3": PRICE},
        },
    ]
    press = _press(
        per_period=1,
        outlets=[{"id": "bao", "name": "Báo tỉnh"}],
        funding_sources=["a", "b"],
    )
    sc = make_scenario(
        tmp_path,
        {
            "horizon": {"start": "2023-07-01", "end": "2023-09-30"},
            "funding": funding,
            "activities": {"press": press},
        },
    )
    plan = plan_of(sc)
    paid = Counter(e.funding_source for e in plan.events if e.kind == "publication")
    assert sum(paid.values()) == 3
    assert paid == {"a": 2, "b": 1}


def test_press_example_round_trips_through_the_workbook(tmp_path: Path) -> None:
    # outlets are written in one cell as "id=name[=per_period]; ..." and read back
    from scheduler.scenario.load import load_scenario
    from scheduler.scenario.workbook import workbook_bytes

    sc = load_scenario(EXAMPLE)
    for lang in ("vi", "en"):
        path = tmp_path / f"press-{lang}.xlsx"
        path.write_bytes(workbook_bytes(sc, lang))
        assert load_scenario(path).activities == sc.activities


def test_outlets_cell_of_the_wrong_form_is_named(tmp_path: Path) -> None:
    import pytest

    from scheduler.errors import ScenarioError

    press = _press(outlets="bao")
    with pytest.raises(ScenarioError) as info:
        make_scenario(tmp_path, {"activities": {"press": press}})
    (problem,) = info.value.problems
    assert problem.field.endswith("outlets")
    assert "phải có dạng mã=tên" in problem.message


def test_plan_summary_counts_publications_per_outlet_and_period(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from scheduler.cli import app

    sc_dir = tmp_path / "sc"
    press_case(sc_dir)
    result = CliRunner().invoke(
        app, ["plan", str(sc_dir / "tiny.toml"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert (
        "6/6 (đã xếp / yêu cầu, đếm theo từng cơ quan báo chí và kỳ)" in result.output
    )


def test_plan_document_lists_publications_per_outlet_and_month(tmp_path: Path) -> None:
    # the appendix row of the newspaper: 2 in September, 2 in October, 4 in all;
    # the text names the quota and the owner's role
    import io

    from docx import Document

    from scheduler.export.document import plan_docx

    sc = press_case(tmp_path)
    doc = Document(io.BytesIO(plan_docx(sc, plan_of(sc), "vi")))
    rows = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    assert ["1", "Báo tỉnh", "2", "2", "4"] in rows
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Báo tỉnh: 2 tin, bài mỗi tháng; đã xếp 4." in text
    assert "Đơn vị chủ trì: leader." in text


def _problem(tmp_path: Path, **extra: Any) -> tuple[str, str]:
    import pytest

    from scheduler.errors import ScenarioError

    with pytest.raises(ScenarioError) as info:
        make_scenario(tmp_path, {"activities": {"press": _press(**extra)}})
    (problem,) = info.value.problems
    return problem.field, problem.message


def test_bad_publication_fields_are_named(tmp_path: Path) -> None:
    # an owner nobody is or holds, no outlet, an outlet id twice, staff roles
    field, message = _problem(tmp_path / "a", owner="nobody")
    assert field == "activities.press.owner"
    assert "'nobody' không phải mã cán bộ hay vai trò" in message
    _, message = _problem(tmp_path / "b", outlets=[])
    assert "cần ít nhất một cơ quan báo chí" in message
    twice = [{"id": "bao", "name": "Báo"}, {"id": "bao", "name": "Báo 2"}]
    _, message = _problem(tmp_path / "c", outlets=twice)
    assert "mã cơ quan báo chí trùng trong 'outlets': bao" in message
    _, message = _problem(tmp_path / "d", roles={"leader": 1})
    assert "bỏ 'roles', dùng 'owner'" in message


def test_checker_names_an_unknown_outlet(tmp_path: Path) -> None:
    sc = press_case(tmp_path)
    plan = plan_of(sc)
    first = next(e for e in plan.events if e.kind == "publication")
    stray = dataclasses.replace(first, event_id="stray", slot_id="nope")
    bad = check_plan(sc, dataclasses.replace(plan, events=(*plan.events, stray)))
    assert [(v.rule, v.events) for v in bad] == [("outlet", ("stray",))]
