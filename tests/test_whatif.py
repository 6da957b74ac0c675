"""Score breakdown, ``suggest`` and the explain/suggest/replan commands end to end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from scheduler.calendar import build_grid
from scheduler.cli import app
from scheduler.plan import Plan
from scheduler.solver.solve import solve
from scheduler.suggest import alternatives
from tests.conftest import make_scenario

runner = CliRunner()


def test_score_breakdown_names_weight_and_events(tmp_path: Path) -> None:
    # dialogues prefer Wednesdays; Tue 5 Sep is the first working day (index 0).
    # Moving a dialogue to Wed 6 Sep costs "early" 1 × poor × priority 10 × 1
    # (300 for Xã Một, 100 for Xã Hai) but saves only "weekday" 5, so both stay
    # on Tue 5 Sep: 2 off-weekday sessions × weight 5 = 10
    sc = make_scenario(
        tmp_path, {"activities": {"dialogue": {"preferred_weekdays": ["wed"]}}}
    )
    plan = solve(sc)
    lines = {p.name: p for p in plan.penalties}
    weekday = lines["weekday"]
    assert (weekday.weight, weekday.violations, weekday.penalty) == (5, 2, 10)
    assert weekday.events == ("dialogue-00001-1", "dialogue-00002-1")
    # cost: both dialogues cost something, so both are named
    assert lines["cost"].events == ("dialogue-00001-1", "dialogue-00002-1")
    assert lines["coverage"].violations == 0
    assert lines["coverage"].items == ()


def test_left_out_session_is_a_coverage_item(tmp_path: Path) -> None:
    # 1,000,000 đ for two dialogues at 1,000,000 đ: Xã Hai (10 poor households)
    # is left out: coverage 1000 × priority 10 × 10 = 100,000
    funding = [
        {
            "id": "main",
            "name_vi": "Nguồn chính",
            "name_en": "Main",
            "allowance_vnd": {"2023-Q3": 1_000_000},
        }
    ]
    plan = solve(make_scenario(tmp_path, {"funding": funding}))
    coverage = next(p for p in plan.penalties if p.name == "coverage")
    assert (coverage.weight, coverage.violations, coverage.penalty) == (
        1000,
        1,
        100_000,
    )
    assert coverage.items == ("dialogue:00002",)


def test_old_plan_json_without_breakdown_fields_still_reads(tmp_path: Path) -> None:
    plan = solve(make_scenario(tmp_path))
    data = json.loads(plan.to_json())
    for p in data["penalties"]:
        del p["weight"], p["events"], p["items"]
    for key in ("changes", "cancelled", "replanned_from", "today"):
        del data[key]
    old = Plan.from_dict(data)
    assert old.events == plan.events
    assert all(p.weight == 0 and p.events == () for p in old.penalties)
    assert Plan.from_dict(json.loads(plan.to_json())) == plan


def test_suggest_lists_other_half_days_with_staff_and_score(tmp_path: Path) -> None:
    # Xã Một is free only on Tue 12 Sep and Wed 13 Sep; its dialogue is on one of
    # those four half-days, so exactly three alternatives exist
    blocked = [
        {"kind": "commune", "ref": "00001", "start_date": "2023-09-04", "end_date": "2023-09-11"},
        {"kind": "commune", "ref": "00001", "start_date": "2023-09-14", "end_date": "2023-09-15"},
        {"kind": "staff", "ref": "L2", "start_date": "2023-09-13", "end_date": "2023-09-13"},
    ]  # fmt: skip
    sc = make_scenario(tmp_path, tables={"blocked.csv": blocked})
    plan = solve(sc)
    found = alternatives(sc, build_grid(sc), plan, "dialogue-00001-1", k=5)
    here = next(e for e in plan.events if e.event_id == "dialogue-00001-1").start
    assert len(found) == 3
    assert {a.day for a in found} <= {dt.date(2023, 9, 12), dt.date(2023, 9, 13)}
    assert all((a.day, a.half) != (here.date(), None) for a in found)
    # the plan put it as early as it could: every other place scores worse or equal
    assert all(a.delta >= 0 for a in found)
    assert [a.delta for a in found] == sorted(a.delta for a in found)
    # on 13 Sep Lãnh đạo 2 is away, so only Lãnh đạo 1 could lead it
    for a in found:
        if a.day == dt.date(2023, 9, 13):
            assert a.staff["leader"] == ("Lãnh đạo 1",)


def test_explain_and_suggest_commands(tmp_path: Path) -> None:
    sc_dir = tmp_path / "sc"
    make_scenario(sc_dir)
    toml = str(sc_dir / "tiny.toml")
    feasible = runner.invoke(app, ["explain", toml, "--lang", "en"])
    assert feasible.exit_code == 0, feasible.output
    assert "The scenario can be planned" in feasible.output
    out = tmp_path / "out"
    assert runner.invoke(app, ["plan", toml, "--out", str(out)]).exit_code == 0
    shown = runner.invoke(
        app,
        ["suggest", str(out / "plan.json"), "dialogue-00002-1", "--scenario", toml, "--k", "2"],
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert "Phương án thay thế cho dialogue-00002-1" in shown.output
    unknown = runner.invoke(
        app, ["suggest", str(out / "plan.json"), "nope", "--scenario", toml]
    )
    assert unknown.exit_code == 2


def test_replan_command_writes_changes_atomically(tmp_path: Path) -> None:
    sc_dir = tmp_path / "sc"
    make_scenario(sc_dir)
    toml = str(sc_dir / "tiny.toml")
    out = tmp_path / "out"
    assert runner.invoke(app, ["plan", toml, "--out", str(out)]).exit_code == 0
    plan = Plan.read(out / "plan.json")
    first = min(plan.events, key=lambda e: e.start)
    changes = tmp_path / "changes.toml"
    changes.write_text(
        f'[[cancel]]\nevent = "{first.event_id}"\nreason = "xã đề nghị"\n',
        encoding="utf-8",
    )
    new = tmp_path / "new"
    args = ["replan", "--plan", str(out / "plan.json"), "--today", "2023-09-04",
            "--changes", str(changes), "--scenario", toml, "--out", str(new)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = (new / "changes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[1].startswith(
        f"{first.event_id},cancelled,huỷ theo yêu cầu (xã đề nghị)"
    )
    assert len(rows) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text('[[cancel]]\nevent = "nope"\n', encoding="utf-8")
    args[args.index(str(changes))] = str(bad)
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert "cancel.0.event" in refused.output
