"""Commune officials: staff with a ``home_commune`` serve only their commune.

The tiny scenario (tests/conftest.py: communes 00001 and 00002, working days
5–8 and 11–15 Sep 2023) with the dialogue needing one provincial ``leader``
and one ``chu_tich`` (the commune's chair or vice-chair), and one chair per
commune: CT1 of 00001, CT2 of 00002.

Worked case. CT1 is away 5–12 Sep, so 00001's dialogue can only be on 13, 14
or 15 Sep, although CT2 is free every day; the ``early`` goal would otherwise
put it on 5 Sep. Must hold: it is on 13 Sep at the earliest and CT1 is named.
Must break: with CT1 away the whole fortnight, no half-day has a free chair of
00001 and the dialogue is left out, its reason naming the commune role.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scheduler.calendar import build_grid
from scheduler.check import check_plan
from scheduler.cli import app
from scheduler.costs import session_cost
from scheduler.errors import ScenarioError
from scheduler.plan import Assignment
from scheduler.scenario.schema import Scenario
from scheduler.solver.greedy import greedy_plan
from scheduler.solver.solve import solve
from tests.conftest import BASE_TABLES, make_scenario

DIALOGUE = {
    "activities": {
        "dialogue": {
            "roles": {"leader": 1, "chu_tich": 1},
            "travel_vnd_per_minute": 1_000,
        }
    }
}


def _chair(sid: str, home: str) -> dict[str, Any]:
    return {
        "staff_id": sid,
        "name": f"Chủ tịch {sid}",
        "roles": "chu_tich",
        "max_sessions_per_week": 3,
        "home_commune": home,
    }


def _staff(*chairs: dict[str, Any]) -> list[dict[str, Any]]:
    return [*BASE_TABLES["staff.csv"], *chairs]


def _away(sid: str, start: str, end: str) -> dict[str, str]:
    return {
        "kind": "staff",
        "ref": sid,
        "start_date": start,
        "end_date": end,
        "half": "",
        "reason": "họp",
    }


def officials_case(folder: Path, ct1_back: str | None) -> Scenario:
    """CT1 away from 4 Sep to the day before ``ct1_back`` (None: the whole horizon)."""
    last = (
        "2023-09-15"
        if ct1_back is None
        else (dt.date.fromisoformat(ct1_back) - dt.timedelta(days=1)).isoformat()
    )
    return make_scenario(
        folder,
        DIALOGUE,
        {
            "staff.csv": _staff(_chair("CT1", "00001"), _chair("CT2", "00002")),
            "blocked.csv": [_away("CT1", "2023-09-04", last)],
        },
    )


def _dialogue(plan: Any, code: str) -> Any:
    return next(e for e in plan.by_activity("dialogue") if e.commune_code == code)


def test_an_official_serves_only_their_commune_on_their_free_days(
    tmp_path: Path,
) -> None:
    sc = officials_case(tmp_path, "2023-09-13")
    plan = solve(sc)
    assert check_plan(sc, plan) == []
    one = _dialogue(plan, "00001")
    assert one.start.date() >= dt.date(2023, 9, 13)
    assert ("CT1", "chu_tich") in {(a.staff_id, a.role) for a in one.staff}
    two = _dialogue(plan, "00002")
    assert ("CT2", "chu_tich") in {(a.staff_id, a.role) for a in two.staff}


def test_without_a_free_official_the_session_is_left_out_with_the_role(
    tmp_path: Path,
) -> None:
    sc = officials_case(tmp_path, None)
    plan = solve(sc)
    assert check_plan(sc, plan) == []
    assert [e.commune_code for e in plan.by_activity("dialogue")] == ["00002"]
    (left,) = plan.unscheduled
    assert (left.activity, left.commune_code) == ("dialogue", "00001")
    assert "chu_tich" in left.detail_en
    assert "commune officials" in left.detail_en
    assert "cán bộ xã" in left.detail_vi


def test_the_greedy_plan_names_only_the_commune_s_own_official(
    tmp_path: Path,
) -> None:
    sc = officials_case(tmp_path, "2023-09-13")
    plan = greedy_plan(sc, build_grid(sc))
    assert check_plan(sc, plan) == []
    one = _dialogue(plan, "00001")
    assert "CT1" in one.staff_ids
    assert "CT2" not in one.staff_ids


def test_officials_do_not_travel(tmp_path: Path) -> None:
    # hq → h1: 10 min each way; one travelling leader (the chair is at home):
    # 1,000,000 fixed + 1 person × 20 min × 1,000 VND = 1,020,000
    sc = officials_case(tmp_path, "2023-09-13")
    assert session_cost(sc, "dialogue", "h1") == 1_020_000


def test_the_checker_names_an_official_at_another_commune(tmp_path: Path) -> None:
    # both chairs free: CT1 put on 00002's dialogue breaks only this rule
    sc = make_scenario(
        tmp_path,
        DIALOGUE,
        {"staff.csv": _staff(_chair("CT1", "00001"), _chair("CT2", "00002"))},
    )
    plan = solve(sc)
    two = _dialogue(plan, "00002")
    swapped = tuple(
        Assignment("CT1", "chu_tich") if a.role == "chu_tich" else a for a in two.staff
    )
    events = tuple(
        dataclasses.replace(e, staff=swapped) if e is two else e for e in plan.events
    )
    broken = check_plan(sc, dataclasses.replace(plan, events=events))
    assert [(v.rule, v.events) for v in broken] == [("home_commune", (two.event_id,))]


def test_a_commune_without_the_role_is_a_precheck_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        make_scenario(tmp_path, DIALOGUE, {"staff.csv": _staff(_chair("CT1", "00001"))})
    (problem,) = caught.value.problems
    # communes.csv: header row 1, 00001 row 2, 00002 row 3
    assert (Path(problem.file).name, problem.row, problem.field) == (
        "communes.csv",
        3,
        "commune_code",
    )
    assert "00002" in problem.message
    assert "chu_tich" in problem.message
    assert "chu_tich" in problem.message_en
    assert "00002" in problem.message_en


@pytest.mark.parametrize(
    ("lang", "words"), [("vi", "có 0 người giữ vai trò"), ("en", "has 0 holders")]
)
def test_validate_says_which_commune_lacks_the_role(
    tmp_path: Path, lang: str, words: str
) -> None:
    with pytest.raises(ScenarioError):
        make_scenario(tmp_path, DIALOGUE, {"staff.csv": _staff(_chair("CT1", "00001"))})
    result = CliRunner().invoke(
        app, ["validate", str(tmp_path / "tiny.toml"), "--lang", lang]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "communes.csv" in result.output
    assert "chu_tich" in result.output
    assert words in result.output


def test_an_unknown_home_commune_names_the_staff_row(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        make_scenario(
            tmp_path,
            DIALOGUE,
            {"staff.csv": _staff(_chair("CT1", "00001"), _chair("CT2", "00009"))},
        )
    fields = {(Path(p.file).name, p.row, p.field) for p in caught.value.problems}
    # staff.csv rows: L1 2, L2 3, T1 4, CT1 5, CT2 6
    assert ("staff.csv", 6, "home_commune") in fields


def test_a_role_is_either_local_or_not(tmp_path: Path) -> None:
    staff = _staff(_chair("CT1", "00001"), _chair("CT2", "00002"))
    staff[0] = {**staff[0], "roles": "leader;chu_tich"}  # L1, row 2
    with pytest.raises(ScenarioError) as caught:
        make_scenario(tmp_path, DIALOGUE, {"staff.csv": staff})
    assert [(Path(p.file).name, p.row, p.field) for p in caught.value.problems] == [
        ("staff.csv", 2, "roles")
    ]


def _stage_one(sc: Scenario, day: str | None) -> str:
    """Solve the first stage with 00001's dialogue held (on ``day`` if given)."""
    from ortools.sat.python import cp_model

    from scheduler.model.builder import build_model

    grid = build_grid(sc)
    built = build_model(sc, grid)
    ctx = built.ctx
    m = ctx.model
    m.add(ctx.vars.sessions.missing[("dialogue", "00001")] == 0)
    if day is not None:
        on = {s.index for s in grid.sessions if s.day == dt.date.fromisoformat(day)}
        xs = ctx.vars.sessions.x[("dialogue", "00001")]
        m.add(sum(x for i, x in xs.items() if i in on) == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 5
    return solver.status_name(solver.solve(m))


def test_the_first_stage_keeps_the_session_to_the_official_s_free_days(
    tmp_path: Path,
) -> None:
    # the model itself, not the naming stage after it: with CT1 away until
    # 12 Sep, 00001's dialogue cannot be on 5 Sep (CT1's week is all away: the
    # weekly row) nor on 11 Sep (CT1 has 3 free half-days that week, but not
    # this one: the half-day row), though CT2 of 00002 is free then; it can
    # be on 13 Sep
    sc = officials_case(tmp_path, "2023-09-13")
    assert _stage_one(sc, "2023-09-05") == "INFEASIBLE"
    assert _stage_one(sc, "2023-09-11") == "INFEASIBLE"
    assert _stage_one(sc, "2023-09-13") in ("OPTIMAL", "FEASIBLE")


def test_the_first_stage_cannot_hold_a_session_without_its_official(
    tmp_path: Path,
) -> None:
    sc = officials_case(tmp_path, None)
    assert _stage_one(sc, None) == "INFEASIBLE"


def test_the_first_stage_keeps_the_provincial_leaders_free_days_beside_officials(
    tmp_path: Path,
) -> None:
    # the provincial rules are built on a view of the scenario without the
    # officials; they must still bind the model's own placements. Both
    # provincial leaders (L1, L2) are away on 11 Sep and CT1 is free every
    # day: 00001's dialogue cannot be held on 11 Sep (the half-day row
    # 1·x <= 2 − 2 = 0, must break), and can on 13 Sep (must hold). Before
    # the view shared the placements, the rows were built on none and 11 Sep
    # was accepted, leaving the naming stage with nobody to name.
    sc = make_scenario(
        tmp_path,
        DIALOGUE,
        {
            "staff.csv": _staff(_chair("CT1", "00001"), _chair("CT2", "00002")),
            "blocked.csv": [
                _away("L1", "2023-09-11", "2023-09-11"),
                _away("L2", "2023-09-11", "2023-09-11"),
            ],
        },
    )
    assert _stage_one(sc, "2023-09-11") == "INFEASIBLE"
    assert _stage_one(sc, "2023-09-13") in ("OPTIMAL", "FEASIBLE")


def test_the_first_stage_keeps_to_an_official_s_weekly_cap(tmp_path: Path) -> None:
    # one week (5–8 Sep), two dialogues in 00001, whose only chair CT1 works at
    # most 1 session a week: each half-day has a free chair, the week has room
    # for one, so holding both is infeasible (the weekly row); with a cap of 2
    # both fit
    def case(cap: int) -> Scenario:
        chair = {**_chair("CT1", "00001"), "max_sessions_per_week": cap}
        return make_scenario(
            tmp_path / str(cap),
            {
                "horizon": {"start": "2023-09-05", "end": "2023-09-08"},
                "activities": {
                    "dialogue": {
                        **DIALOGUE["activities"]["dialogue"],
                        "per_commune": 2,
                        "communes": ["00001"],
                    }
                },
            },
            {"staff.csv": _staff(chair)},
        )

    assert _stage_one(case(1), None) == "INFEASIBLE"
    assert _stage_one(case(2), None) in ("OPTIMAL", "FEASIBLE")


def test_explain_names_the_official_s_blocked_days(tmp_path: Path) -> None:
    # both dialogues by 15 Sep, and 00001's only chair away the whole time:
    # the conflict is that target and CT1's blocked days (CT2, free, does
    # not serve 00001)
    from scheduler.explain import explain

    target = [{"activity": "dialogue", "by": "2023-09-15", "min_fraction": 1.0}]
    sc = make_scenario(
        tmp_path / "t",
        {**DIALOGUE, "targets": target},
        {
            "staff.csv": _staff(_chair("CT1", "00001"), _chair("CT2", "00002")),
            "blocked.csv": [_away("CT1", "2023-09-04", "2023-09-15")],
        },
    )
    result = explain(sc, build_grid(sc), time_limit_s=20)
    assert not result.feasible
    keys = {f.key for f in result.conflicts if f.key != "summary"}
    assert keys == {"staff_blocked:CT1", "target:dialogue:2023-09-15"}
    assert "Chủ tịch CT1 bận: 04/09–15/09 (họp)" in [
        f.text_vi for f in result.conflicts
    ]


def test_explain_sums_up_a_commune_whose_officials_are_all_away(
    tmp_path: Path,
) -> None:
    # Xã Một is free only on Tue 12 Sep and its one chair CT1 is away that day;
    # CT2 is free but is Xã Hai's: "all 1 holders of chu_tich" of Xã Một
    blocked = [
        {**_away("00001", "2023-09-04", "2023-09-11"), "kind": "commune"},
        {**_away("00001", "2023-09-13", "2023-09-15"), "kind": "commune"},
        _away("CT1", "2023-09-12", "2023-09-12"),
    ]
    from scheduler.explain import explain

    target = [{"activity": "dialogue", "by": "2023-09-15", "min_fraction": 1.0}]
    sc = make_scenario(
        tmp_path,
        {**DIALOGUE, "targets": target},
        {
            "staff.csv": _staff(_chair("CT1", "00001"), _chair("CT2", "00002")),
            "blocked.csv": blocked,
        },
    )
    result = explain(sc, build_grid(sc), time_limit_s=20)
    assert not result.feasible
    assert (
        "Xã Một: cả 1 người giữ vai trò chu_tich đều bận trong mọi buổi còn trống "
        "của xã trước hạn 15/09/2023"
    ) in [f.text_vi for f in result.conflicts]


def test_suggest_lists_only_the_commune_s_own_officials(tmp_path: Path) -> None:
    from scheduler.suggest import alternatives

    sc = make_scenario(
        tmp_path,
        DIALOGUE,
        {"staff.csv": _staff(_chair("CT1", "00001"), _chair("CT2", "00002"))},
    )
    plan = solve(sc)
    one = _dialogue(plan, "00001")
    found = alternatives(sc, build_grid(sc), plan, one.event_id, k=3)
    assert found
    # CT2 is free too, but is Xã Hai's chair
    assert {alt.staff["chu_tich"] for alt in found} == {("Chủ tịch CT1",)}


def test_the_workspace_editor_keeps_an_official_s_commune(tmp_path: Path) -> None:
    # the staff table as the page's form shows it, saved back unchanged
    from scheduler.workspace.editor import parse_staff, staff_rows

    sc = officials_case(tmp_path, "2023-09-13")
    rows = staff_rows(sc)
    form = {f: [row[f] for row in rows] for f in rows[0]}
    people, problems = parse_staff(form, "vi")
    assert problems == []
    assert [(p.staff_id, p.home_commune) for p in people][-2:] == [
        ("CT1", "00001"),
        ("CT2", "00002"),
    ]
    assert people == list(sc.staff)
