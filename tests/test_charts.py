"""Charts and report.html, checked on the figure data of a hand-made plan.

The plan below is written by hand for the tiny two-commune scenario of
conftest (2023-09-04 .. 2023-09-15; 4 Sep is the National Day substitute
holiday), so every expected value can be worked out without a solver:

- dialogue-00001-1  Wed 06/09 morning   at h1, L1, 1,000,000 VND from "main"
- dialogue-00002-1  Wed 13/09 afternoon at h2, L2, 1,000,000 VND from "main"
- training-1        Thu 07/09 – Fri 08/09 at "center", T1, both communes, 2,000,000 "main"
- three broadcasts  05/09 and 12/09 in 00001, 06/09 in 00002, 50,000 each from "other"
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scheduler.calendar import TZ
from scheduler.export import charts
from scheduler.export.bundle import plan_files
from scheduler.export.charts import (
    BLOCKED_FILL,
    HOLIDAY_FILL,
    broadcast_coverage,
    budget_burn,
    budget_by_quarter,
    gantt_by_commune,
    gantt_by_staff,
    travel_minutes,
    workload_by_week,
)
from scheduler.export.report import report_html, staff_report_html
from scheduler.i18n import number
from scheduler.plan import (
    Assignment,
    Event,
    PenaltyLine,
    Plan,
    SolverReport,
    Unscheduled,
)
from scheduler.scenario.schema import Scenario
from tests.conftest import BASE_TABLES, make_scenario

PATCH: dict[str, Any] = {
    "activities": {
        "broadcast": {
            "kind": "broadcast",
            "name_vi": "Phát thanh",
            "name_en": "Broadcast",
            # the horizon covers 12 of September's 30 days: 5 × 12 // 30 = 2 required
            "per_month": 5,
            "cost_per_item_vnd": 50_000,
            "funding_sources": ["other"],
        },
        "training": {
            "kind": "training",
            "name_vi": "Tập huấn",
            "name_en": "Training",
            "roles": {"trainer": 1},
            "venue": "center",
            "duration_days": 2,
            "trainees_per_commune": 5,
            "cost_fixed_vnd": 2_000_000,
            "funding_sources": ["main"],
        },
    },
    "funding": [
        {
            "id": "main",
            "name_vi": "Nguồn chính",
            "name_en": "Main",
            "allowance_vnd": {"2023-Q3": 100_000_000},
        },
        {
            "id": "other",
            "name_vi": "Nguồn phụ",
            "name_en": "Other",
            "allowance_vnd": {"2023-Q3": 5_000_000, "2023-Q4": 7_000_000},
        },
    ],
}
BLOCKED = [
    {
        "kind": "commune",
        "ref": "00002",
        "start_date": "2023-09-11",
        "end_date": "2023-09-12",
        "half": "",
        "reason": "Lũ",
    }
]

TABLES = {
    "blocked.csv": BLOCKED,
    "topics.csv": [
        *BASE_TABLES["topics.csv"],
        {"topic_id": "c", "name_vi": "C", "name_en": "C", "activities": "broadcast"},
    ],
}


def at(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TZ)


def session(code: str, venue: str, person: str, day: str, half: str) -> Event:
    start, end = ("07:30", "11:30") if half == "morning" else ("13:30", "17:00")
    return Event(
        event_id=f"dialogue-{code}-1",
        activity="dialogue",
        kind="session",
        commune_code=code,
        venue_id=venue,
        start=at(day, start),
        end=at(day, end),
        staff=(Assignment(person, "leader"),),
        communes_served=(code,),
        cost_vnd=1_000_000,
        funding_source="main",
        attendees=50,
    )


def broadcast(code: str, day: str, n: int) -> Event:
    return Event(
        event_id=f"broadcast-{code}-2023-09-s{n:02d}",
        activity="broadcast",
        kind="broadcast",
        commune_code=code,
        venue_id=None,
        start=at(day, "06:00"),
        end=at(day, "06:10"),
        communes_served=(code,),
        cost_vnd=50_000,
        funding_source="other",
        slot_id="am",
    )


TRAINING = Event(
    event_id="training-1",
    activity="training",
    kind="training",
    commune_code=None,
    venue_id="center",
    start=at("2023-09-07", "07:30"),
    end=at("2023-09-08", "17:00"),
    staff=(Assignment("T1", "trainer"),),
    communes_served=("00001", "00002"),
    cost_vnd=2_000_000,
    funding_source="main",
    attendees=10,
    all_day=True,
)
EVENTS = (
    broadcast("00001", "2023-09-05", 1),
    session("00001", "h1", "L1", "2023-09-06", "morning"),
    broadcast("00002", "2023-09-06", 1),
    TRAINING,
    broadcast("00001", "2023-09-12", 2),
    session("00002", "h2", "L2", "2023-09-13", "afternoon"),
)


def make_plan(events: tuple[Event, ...] = EVENTS) -> Plan:
    return Plan(
        scenario="tiny",
        title="Kế hoạch thử",
        input_hash="0" * 64,
        horizon_start=dt.date(2023, 9, 4),
        horizon_end=dt.date(2023, 9, 15),
        events=events,
        unscheduled=(Unscheduled("broadcast", "00002", 1, "short", "2023-09", 10),),
        penalties=(PenaltyLine("coverage", 1, 10), PenaltyLine("weekday", 2, 10)),
        solver=SolverReport(
            status="OPTIMAL",
            objective=20,
            bound=20,
            gap=0.0,
            wall_time_s=0.25,
            build_time_s=0.1,
            solver="OR-Tools CP-SAT",
            parameters={},
            num_booleans=1,
            num_constraints=1,
        ),
        required={"dialogue": 2, "broadcast": 4, "training": 2},
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return make_scenario(tmp_path_factory.mktemp("charts"), PATCH, TABLES)


def traces(fig: Any, kind: str) -> list[dict[str, Any]]:
    return [
        t for t in fig.to_dict()["data"] if (t.get("meta") or {}).get("kind") == kind
    ]


def shapes(fig: Any, fill: str) -> list[dict[str, Any]]:
    return [s for s in fig.to_dict()["layout"]["shapes"] if s.get("fillcolor") == fill]


# ------------------------------------------------------------------ Gantt by commune


def test_one_bar_per_dialogue_on_its_commune_row(scenario: Scenario) -> None:
    fig = gantt_by_commune(scenario, make_plan())
    (bars,) = traces(fig, "session")
    assert list(bars["customdata"]) == ["dialogue-00001-1", "dialogue-00002-1"]
    # rows are commune names (⚠: Xã Hai has a broadcast left out); each bar
    # covers its whole day (86,400,000 ms)
    assert list(bars["y"]) == ["Xã Một", "⚠ Xã Hai"]
    assert list(bars["base"]) == ["2023-09-06", "2023-09-13"]
    assert list(bars["x"]) == [86_400_000.0, 86_400_000.0]
    assert fig.layout.yaxis.categoryarray == ("Xã Một", "⚠ Xã Hai")


def test_a_third_dialogue_adds_a_third_bar(scenario: Scenario) -> None:
    extra = session("00001", "h1", "L1", "2023-09-14", "morning")
    extra = replace(extra, event_id="dialogue-00001-2")
    (bars,) = traces(gantt_by_commune(scenario, make_plan((*EVENTS, extra))), "session")
    assert len(bars["customdata"]) == 3


def test_training_is_a_two_day_bar_on_each_served_commune(scenario: Scenario) -> None:
    (bars,) = traces(gantt_by_commune(scenario, make_plan()), "training")
    assert list(bars["customdata"]) == ["training-1", "training-1"]
    assert list(bars["y"]) == ["Xã Một", "⚠ Xã Hai"]
    # 07/09 00:00 to 09/09 00:00: two days of 86,400,000 ms
    assert list(bars["x"]) == [172_800_000.0, 172_800_000.0]


def test_broadcasts_are_ticks_on_their_commune_row(scenario: Scenario) -> None:
    (ticks,) = traces(gantt_by_commune(scenario, make_plan()), "broadcast")
    assert ticks["type"] == "scatter"
    assert list(ticks["y"]) == ["Xã Một", "⚠ Xã Hai", "Xã Một"]
    assert list(ticks["x"]) == [
        "2023-09-05 06:00:00",
        "2023-09-06 06:00:00",
        "2023-09-12 06:00:00",
    ]


def test_colours_follow_the_activity_order_of_the_scenario(scenario: Scenario) -> None:
    # activities in scenario order: dialogue, broadcast, training → palette 0, 1, 2
    fig = gantt_by_commune(scenario, make_plan())
    assert traces(fig, "session")[0]["marker"]["color"] == "#1f77b4"
    assert traces(fig, "broadcast")[0]["marker"]["color"] == "#ff7f0e"
    assert traces(fig, "training")[0]["marker"]["color"] == "#2ca02c"
    # the staff Gantt uses the same code
    staff_fig = gantt_by_staff(scenario, make_plan())
    assert traces(staff_fig, "session")[0]["marker"]["color"] == "#1f77b4"
    assert traces(staff_fig, "training")[0]["marker"]["color"] == "#2ca02c"


def test_public_holiday_is_shaded(scenario: Scenario) -> None:
    # 4 Sep 2023 (substitute day for National Day) is the one holiday in the horizon
    held = shapes(gantt_by_commune(scenario, make_plan()), HOLIDAY_FILL)
    assert [(s["x0"], s["x1"]) for s in held] == [("2023-09-04", "2023-09-05")]
    assert held[0]["yref"] == "paper"
    assert "Quốc khánh" in held[0]["name"]


def test_an_extra_holiday_adds_a_shaded_day(tmp_path: Path) -> None:
    patch = {**PATCH, "calendar": {"extra_holidays": ["2023-09-14"]}}
    sc = make_scenario(tmp_path, patch, TABLES)
    held = shapes(gantt_by_commune(sc, make_plan()), HOLIDAY_FILL)
    assert [(s["x0"], s["x1"]) for s in held] == [
        ("2023-09-04", "2023-09-05"),
        ("2023-09-14", "2023-09-15"),
    ]


def test_blocked_period_is_shaded_on_its_commune_row_only(scenario: Scenario) -> None:
    # 00002 is the second row (index 1): from y 0.5 to 1.5; 11–12 Sep inclusive
    (block,) = shapes(gantt_by_commune(scenario, make_plan()), BLOCKED_FILL)
    assert (block["x0"], block["x1"]) == ("2023-09-11", "2023-09-13")
    assert (block["y0"], block["y1"]) == (0.5, 1.5)
    assert block["yref"] == "y"


def line_names(fig: Any) -> list[str]:
    return [s["name"] for s in fig.to_dict()["layout"]["shapes"] if s["type"] == "line"]


def test_today_line_only_inside_the_horizon(scenario: Scenario) -> None:
    inside = gantt_by_commune(scenario, make_plan(), today=dt.date(2023, 9, 10))
    assert "today:2023-09-10" in line_names(inside)
    after = gantt_by_commune(scenario, make_plan(), today=dt.date(2023, 9, 16))
    assert not [n for n in line_names(after) if n.startswith("today:")]


def test_quarter_starts_and_17_october_are_marked() -> None:
    # a Q3–Q4 horizon has one quarter boundary inside it, 1 October
    assert charts._quarter_starts(dt.date(2023, 7, 1), dt.date(2023, 12, 31)) == [
        dt.date(2023, 10, 1)
    ]
    assert charts._quarter_starts(dt.date(2023, 9, 4), dt.date(2023, 9, 15)) == []


def test_hung_nguyen_marks_17_october_and_its_target() -> None:
    from scheduler.scenario.load import load_scenario

    sc = load_scenario("configs/scenarios/hung-nguyen-2023.toml")
    plan = replace(
        make_plan(()), horizon_start=sc.horizon.start, horizon_end=sc.horizon.end
    )
    names = line_names(gantt_by_commune(sc, plan))
    # quarter Q4 on 01/10, National Day for the Poor on 17/10, the Q3 target on 30/09
    assert "quarter:2023-Q4" in names
    assert "milestone:2023-10-17" in names
    assert "milestone:2023-09-30" in names


def test_many_communes_get_taller_rows_and_district_bands(tmp_path: Path) -> None:
    communes = [
        {
            "commune_code": f"{i:05d}",
            "commune_name": f"Xã {i}",
            "parent_code": "D1" if i <= 80 else "D2",
            "parent_name": "Huyện Một" if i <= 80 else "Huyện Hai",
            "poor_households": 5,
        }
        for i in range(1, 161)
    ]
    sc = make_scenario(tmp_path, PATCH, {**TABLES, "communes.csv": communes})
    fig = gantt_by_commune(sc, make_plan(()))
    # 160 rows × 22 px + 300 px for titles, labels, legend and range slider
    assert fig.layout.height == 160 * 22 + 300
    assert fig.layout.xaxis.rangeslider.visible is True
    bands = [n for n in line_names(fig) if n.startswith("district:")]
    assert bands == ["district:D1", "district:D2"]
    # more than 30 rows: the dates are repeated along the top
    assert fig.layout.xaxis2.side == "top"
    assert fig.layout.xaxis2.matches == "x"
    two = gantt_by_commune(
        sc.model_copy(update={"communes": sc.communes[:2]}), make_plan(())
    )
    assert "xaxis2" not in two.to_dict()["layout"]
    # one district only: no bands
    small = gantt_by_commune(
        sc.model_copy(update={"communes": sc.communes[:80]}), make_plan(())
    )
    assert not [n for n in line_names(small) if n.startswith("district:")]


# ------------------------------------------------------------------ staff, coverage


def test_staff_gantt_has_one_row_per_person(scenario: Scenario) -> None:
    fig = gantt_by_staff(scenario, make_plan())
    assert fig.layout.yaxis.categoryarray == ("Lãnh đạo 1", "Lãnh đạo 2", "Giảng viên")
    (bars,) = traces(fig, "session")
    assert list(bars["y"]) == ["Lãnh đạo 1", "Lãnh đạo 2"]
    (classes,) = traces(fig, "training")
    assert list(classes["y"]) == ["Giảng viên"]


def test_broadcast_heat_map_counts_per_commune_and_week(scenario: Scenario) -> None:
    fig = broadcast_coverage(scenario, make_plan())
    (heat,) = fig.to_dict()["data"]
    # weeks start Monday 04/09 and 11/09; 00001 has one item in each, 00002 one in the first
    assert list(heat["x"]) == ["2023-09-04", "2023-09-11"]
    assert heat["z"] == [[1, 1], [1, 0]]
    # the month's requirement (5 a month, 2 for the 12 days) is in the hover and on top
    assert "09/2023: 2 / 2 yêu cầu" in heat["text"][0][0]
    assert "09/2023: 1 / 2 yêu cầu" in heat["text"][1][0]
    notes = [a["text"] for a in fig.to_dict()["layout"]["annotations"]]
    assert "09/2023: 2 yêu cầu" in notes


def test_a_partly_covered_month_requires_its_share(scenario: Scenario) -> None:
    # 4–15 Sep: 5 × 12 // 30 = 2; the whole of September: 5
    assert charts.month_requirements(scenario, make_plan())["00001"] == {"2023-09": 2}
    whole = replace(
        make_plan(),
        horizon_start=dt.date(2023, 9, 1),
        horizon_end=dt.date(2023, 9, 30),
    )
    assert charts.month_requirements(scenario, whole)["00002"] == {"2023-09": 5}


# ------------------------------------------------------------------ budget


def test_budget_lines_equal_the_allowances(scenario: Scenario) -> None:
    data = budget_by_quarter(scenario, make_plan()).to_dict()["data"]
    by = {(t["meta"]["source"], t["meta"]["role"]): t for t in data}
    # quarters: the horizon's 2023-Q3 and 2023-Q4, which "other" has an allowance
    # for, written as people write them
    assert list(by[("main", "allowance")]["x"]) == ["Quý III/2023", "Quý IV/2023"]
    assert list(by[("main", "allowance")]["y"]) == [100_000_000, 0]
    assert list(by[("other", "allowance")]["y"]) == [5_000_000, 7_000_000]
    # spend: main 1M + 1M + 2M; other three broadcasts of 50,000
    assert list(by[("main", "spend")]["y"]) == [4_000_000, 0]
    assert list(by[("other", "spend")]["y"]) == [150_000, 0]


def test_burn_chart_ends_at_the_totals(scenario: Scenario) -> None:
    data = budget_burn(scenario, make_plan()).to_dict()["data"]
    by = {(t["meta"]["source"], t["meta"]["role"]): t for t in data}
    # main: 1M on 06/09, +2M on 07/09 (training), +1M on 13/09
    assert list(by[("main", "spend")]["y"]) == [
        0,
        1_000_000,
        3_000_000,
        4_000_000,
        4_000_000,
    ]
    # cumulative allowance: Q3 from the start; Q4 starts after the horizon
    assert list(by[("other", "cumulative_allowance")]["y"]) == [5_000_000, 5_000_000]


# ------------------------------------------------------------------ workload, travel


def test_workload_counts_sessions_per_person_and_week(scenario: Scenario) -> None:
    (heat,) = workload_by_week(scenario, make_plan()).to_dict()["data"]
    # L1 one session in week 1, L2 one in week 2, T1 only trains (not a session)
    assert heat["z"] == [[1, 0], [0, 1], [0, 0]]
    assert "(tối đa 3)" in heat["text"][0][0]


def test_numbers_use_the_language_thousands_separator() -> None:
    assert number(254_050, "vi") == "254.050"
    assert number(254_050, "en") == "254,050"


def test_travel_per_person(scenario: Scenario) -> None:
    # L1: hq → h1 (in 00001, 10 min) → hq = 20; L2: hq → h2 (00002, 20 min) → hq = 40;
    # T1: hq → center has no table row and no coordinates: default 30 min, each way,
    # on both class days = 120
    assert travel_minutes(scenario, make_plan()) == {
        "L1": (20, 1),
        "L2": (40, 1),
        "T1": (120, 2),
    }


# ------------------------------------------------------------------ languages


def test_vietnamese_labels_dates_and_money(scenario: Scenario) -> None:
    fig = gantt_by_commune(scenario, make_plan())
    layout = fig.to_dict()["layout"]
    assert layout["title"]["text"] == "Lịch hoạt động theo xã"
    assert layout["xaxis"]["tickformat"] == "%d/%m/%Y"
    assert layout["separators"] == ",."
    hover = traces(fig, "session")[0]["hovertext"][0]
    assert "06/09/2023 07:30–11:30" in hover
    assert "1.000.000 đ" in hover
    assert "Đối thoại" in hover
    assert traces(fig, "session")[0]["name"] == "Đối thoại"


def test_english_labels_dates_and_money(scenario: Scenario) -> None:
    fig = gantt_by_commune(scenario, make_plan(), lang="en")
    layout = fig.to_dict()["layout"]
    assert layout["title"]["text"] == "Schedule by commune"
    assert layout["xaxis"]["tickformat"] == "%Y-%m-%d"
    assert layout["separators"] == ".,"
    hover = traces(fig, "session")[0]["hovertext"][0]
    assert "2023-09-06 07:30–11:30" in hover
    assert "1,000,000 VND" in hover
    assert traces(fig, "session")[0]["name"] == "Dialogue"
    budget = budget_by_quarter(scenario, make_plan(), lang="en").to_dict()
    assert budget["layout"]["annotations"][0]["text"] == "Main"


# ------------------------------------------------------------------ report.html


def test_report_inlines_plotly_once_and_has_every_part(scenario: Scenario) -> None:
    from plotly.offline import get_plotlyjs

    from scheduler.export.report import plotly_js

    page = report_html(scenario, make_plan(), today=dt.date(2023, 9, 10)).decode()
    # the basic bundle once, not the full plotly.js
    assert page.count(plotly_js()[:2000]) == 1
    assert get_plotlyjs()[:2000] not in page
    # nothing to fetch: no script, stylesheet or image from elsewhere
    assert "<script src" not in page
    assert "<link" not in page
    # the charts by person are on the private page, the others here
    private = staff_report_html(scenario, make_plan()).decode()
    for chart_id in ("gantt-commune", "budget-burn"):
        assert f'id="chart-{chart_id}"' in page
    for chart_id in ("gantt-staff", "travel"):
        assert f'id="chart-{chart_id}"' in private
        assert f'id="chart-{chart_id}"' not in page
    assert 'id="workload"' in private
    # one agenda row per session or class
    agenda = [e for e in EVENTS if e.kind != "broadcast"]
    assert page.count('<tr id="ev-') == len(agenda)
    assert 'href="calendars/all.ics"' in page
    assert 'href="calendars/commune-00002.ics"' in page
    assert 'href="calendars/activity-training.ics"' in page
    # the unscheduled broadcast with its reason, the penalty lines and the key figures
    assert "Thiếu so với số buổi phát yêu cầu trong tháng" in page
    assert "Phát thanh đều" not in page  # only the goals of the plan are listed
    assert "Ngày trong tuần ưu tiên" in page
    # per activity, not pooled: dialogue 2/2, broadcast 3/4 (short by 1), training 2/2
    assert "2/2 buổi" in page
    assert "3/4 lượt phát" in page
    assert "Thiếu 1" in page
    assert "4.150.000 đ" in page  # spend: 4,000,000 + 150,000
    # penalty total 10 + 10 = 20; the dialogue table row for 00001 shows its hours
    assert '<td class="num">20 điểm</td><td></td></tr></tfoot>' in page
    assert "buổi sáng 07:30–11:30" in page


def test_report_in_english(scenario: Scenario) -> None:
    page = report_html(scenario, make_plan(), lang="en").decode()
    assert '<html lang="en">' in page
    assert "Short of the required items in the month" in page
    assert "4,150,000 VND" in page
    assert "3/4 broadcast items" in page


def test_report_shows_weights_involved_events_and_a_replans_changes(
    scenario: Scenario,
) -> None:
    from scheduler.plan import Change

    weighted = replace(
        make_plan(),
        penalties=(
            PenaltyLine("weekday", 2, 10, weight=5, events=("dialogue-00001-1",)),
        ),
    )
    page = report_html(scenario, weighted).decode()
    # the row shows weight 5, 2 violations, penalty 10 and the event it is about
    assert '<td class="num">5</td>' in page
    assert "dialogue-00001-1" in page.split('id="penalties"')[1].split("</table>")[0]
    assert 'id="changes"' not in page  # a first plan has no changes table
    moved = Change(
        "dialogue-00002-1",
        "moved",
        "xã đóng cửa do bão",
        "commune closed by a storm",
        old_start=at("2023-09-13", "13:30"),
        new_start=at("2023-09-14", "13:30"),
    )
    page = report_html(scenario, replace(weighted, changes=(moved,))).decode()
    table = page.split('id="changes"')[1].split("</table>")[0]
    # one row: the event, "dời lịch", 13/09/2023 13:30 → 14/09/2023 13:30, the reason
    assert table.count("<tr>") == 2  # header + one change
    assert "dời lịch" in table
    assert "xã đóng cửa do bão" in table
    assert "13/09/2023 13:30" in table
    assert "14/09/2023 13:30" in table
    english = report_html(scenario, replace(weighted, changes=(moved,)), "en").decode()
    assert "commune closed by a storm" in english


def test_plan_files_include_the_report(scenario: Scenario) -> None:
    plan = make_plan()
    files = plan_files(scenario, plan, today=plan.horizon_start, calendar_state=None)
    assert files["report.html"].startswith(b"<!DOCTYPE html>")


def test_charts_and_report_do_not_import_the_solver() -> None:
    code = (
        "import sys, scheduler.export.charts, scheduler.export.report, "
        "scheduler.export.bundle; print('ortools' in ' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_fixture_tables_are_the_conftest_ones() -> None:
    # the expected rows above assume conftest's two communes and three people
    assert [c["commune_code"] for c in BASE_TABLES["communes.csv"]] == [
        "00001",
        "00002",
    ]
    assert [p["staff_id"] for p in BASE_TABLES["staff.csv"]] == ["L1", "L2", "T1"]


def test_pictures_have_no_range_slider_and_label_their_bars(scenario: Scenario) -> None:
    # a still picture cannot be hovered or zoomed: every Gantt bar carries its
    # date and half-day, every other bar its value, and no axis a range slider
    from scheduler.export.charts import all_charts

    plan = make_plan()
    pictures = all_charts(scenario, plan, "vi", pictures=True)
    pages = all_charts(scenario, plan, "vi")
    for cid, fig in pictures.items():
        for axis in fig.layout:
            if axis.startswith("xaxis") and fig.layout[axis].rangeslider is not None:
                assert fig.layout[axis].rangeslider.visible is not True, cid
        for trace in fig.data:
            if trace.type != "bar" or (
                trace.meta and trace.meta.get("kind") == "training"
            ):
                continue
            assert trace.text is not None or trace.texttemplate, (cid, trace.name)
    # the page's Gantt keeps its slider (a control people use there)
    assert pages["gantt-commune"].layout.xaxis.rangeslider.visible is True
    # and the picture leaves out the broadcast ticks that hid the sessions
    assert not any(
        t.type == "scatter" and t.mode == "markers"
        for t in pictures["gantt-commune"].data
    )
