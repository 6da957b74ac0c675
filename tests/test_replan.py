"""Re-plans: the past is pinned, only what must move moves, no change changes nothing.

Scenario: the tiny two-commune scenario over September 2023 with a dialogue in
each commune and 8 broadcast items a month on each station; the plan is made
once, then re-planned from ``TODAY`` with the changes of each case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from scheduler.check import check_plan
from scheduler.plan import Plan
from scheduler.replan import ChangeSet, read_changes, replan
from scheduler.scenario.schema import Scenario
from scheduler.solver.solve import solve
from tests.conftest import make_scenario

TODAY = dt.date(2023, 9, 11)
TOPICS = [
    {"topic_id": t, "name_vi": t, "name_en": t, "activities": "broadcast;dialogue"}
    for t in "ab"
]
PATCH = {
    "horizon": {"start": "2023-09-01", "end": "2023-09-30"},
    # dialogues from TODAY on (the "early" goal puts them on 11 Sep); the
    # past before TODAY holds broadcasts only
    "activities": {
        "dialogue": {"window_start": "2023-09-11"},
        "broadcast": {
            "kind": "broadcast",
            "name_vi": "Phát thanh",
            "name_en": "Broadcast",
            "per_month": 8,
            "max_per_week": 2,
            "minutes": 10,
            "funding_sources": ["main"],
        },
    },
}


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Plan]:
    sc = make_scenario(tmp_path_factory.mktemp("replan"), PATCH, {"topics.csv": TOPICS})
    plan = solve(sc)
    assert check_plan(sc, plan) == []
    return sc, plan


def same(e: object) -> tuple[object, ...]:
    return (e.event_id, e.start, e.staff)  # type: ignore[attr-defined]


def test_no_change_gives_the_same_plan(case: tuple[Scenario, Plan]) -> None:
    sc, plan = case
    result = replan(sc, plan, TODAY, ChangeSet())
    assert [same(e) for e in result.plan.events] == [same(e) for e in plan.events]
    assert result.plan.changes == ()
    assert result.plan.cancelled == ()
    # what started before 11 Sep is marked pinned, the rest stays scheduled
    for e in result.plan.events:
        assert e.status == ("pinned" if e.start.date() < TODAY else "scheduled")
    assert check_plan(result.scenario, result.plan) == []


def test_closing_one_commune_moves_only_its_dialogue(
    case: tuple[Scenario, Plan], tmp_path: Path
) -> None:
    sc, plan = case
    dialogue = next(
        e for e in plan.by_activity("dialogue") if e.commune_code == "00001"
    )
    assert dialogue.start.date() >= TODAY
    day = dialogue.start.date()
    changes_file = tmp_path / "changes.toml"
    changes_file.write_text(
        f'[[commune_closed]]\ncommune = "00001"\nstart = {day}\nend = {day}\n'
        'reason = "bão"\n',
        encoding="utf-8",
    )
    result = replan(sc, plan, TODAY, read_changes(changes_file))
    new = {e.event_id: e for e in result.plan.events}
    assert check_plan(result.scenario, result.plan) == []
    # exactly one change: the closed commune's dialogue moved off the closed day
    assert [(c.event_id, c.kind) for c in result.plan.changes] == [
        (dialogue.event_id, "moved")
    ]
    assert "đóng cửa" in result.plan.changes[0].reason
    assert new[dialogue.event_id].start.date() != day
    # nothing before TODAY moved, and every other event kept its time and staff
    for e in plan.events:
        if e.event_id != dialogue.event_id:
            assert same(new[e.event_id]) == same(e)


def test_past_is_pinned_even_when_staff_fall_ill(case: tuple[Scenario, Plan]) -> None:
    sc, plan = case
    # both leaders ill from 1 Sep: only the past may keep them; the future
    # dialogues cannot be staffed and are left out, the past is untouched
    from scheduler.replan import Absence

    ill = ChangeSet(
        staff_unavailable=(
            Absence(staff="L1", start=dt.date(2023, 9, 1), end=dt.date(2023, 9, 30)),
            Absence(staff="L2", start=dt.date(2023, 9, 1), end=dt.date(2023, 9, 30)),
        )
    )
    result = replan(sc, plan, TODAY, ill)
    new = {e.event_id: e for e in result.plan.events}
    for e in plan.events:
        if e.start.date() < TODAY:
            assert same(new[e.event_id]) == same(e)
            assert new[e.event_id].status == "pinned"
    future = [e for e in plan.by_activity("dialogue") if e.start.date() >= TODAY]
    assert {c.event_id for c in result.plan.changes if c.kind == "cancelled"} == {
        e.event_id for e in future
    }
    assert check_plan(result.scenario, result.plan) == []


def test_bad_change_file_names_the_key(tmp_path: Path) -> None:
    from scheduler.errors import ScenarioError

    bad = tmp_path / "changes.toml"
    bad.write_text('[[lock]]\nevent = "x"\nkeep = "sometimes"\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_changes(bad)
    assert [p.field for p in info.value.problems] == ["lock.0.keep"]


def test_lock_keeps_an_event_that_would_otherwise_move(
    case: tuple[Scenario, Plan],
) -> None:
    # Xã Hai's day is closed but its dialogue is locked to that date: the
    # change file contradicts itself, and the re-plan refuses (naming the
    # lock) rather than move the locked event
    from scheduler.errors import ScenarioError
    from scheduler.replan import Closure, Lock

    sc, plan = case
    dialogue = next(
        e for e in plan.by_activity("dialogue") if e.commune_code == "00002"
    )
    day = dialogue.start.date()
    closed = Closure(commune="00002", start=day, end=day)
    with pytest.raises(ScenarioError) as info:
        replan(
            sc,
            plan,
            TODAY,
            ChangeSet(
                commune_closed=(closed,),
                lock=(Lock(event=dialogue.event_id, keep="date"),),
            ),
        )
    assert [p.field for p in info.value.problems] == ["lock.0.event"]
    # without the lock it moves, and only it
    moved = replan(sc, plan, TODAY, ChangeSet(commune_closed=(closed,)))
    assert [c.event_id for c in moved.plan.changes] == [dialogue.event_id]


def test_staff_lock_keeps_the_people(case: tuple[Scenario, Plan]) -> None:
    from scheduler.replan import Closure, Lock

    sc, plan = case
    dialogue = next(
        e for e in plan.by_activity("dialogue") if e.commune_code == "00001"
    )
    day = dialogue.start.date()
    changes = ChangeSet(
        commune_closed=(Closure(commune="00001", start=day, end=day),),
        lock=(Lock(event=dialogue.event_id, keep="staff"),),
    )
    result = replan(sc, plan, TODAY, changes)
    new = next(e for e in result.plan.events if e.event_id == dialogue.event_id)
    assert new.start.date() != day
    assert new.staff == dialogue.staff
    assert check_plan(result.scenario, result.plan) == []


def test_new_commune_gets_its_events_added(
    case: tuple[Scenario, Plan], tmp_path: Path
) -> None:
    # Xã Ba joins with a hall for 60 and a station slot: its dialogue and its
    # broadcasts from TODAY on are added; nothing else changes
    sc, plan = case
    changes_file = tmp_path / "changes.toml"
    changes_file.write_text(
        "[[new_commune]]\n"
        'commune_code = "00003"\ncommune_name = "Xã Ba"\npoor_households = 20\n'
        'venues = [{ venue_id = "h3", name = "Hội trường Ba", commune_code = "00003", capacity = 60 }]\n'
        'stations = [{ commune_code = "00003", slot_id = "am", start = "06:00", airtime_minutes = 15 }]\n',
        encoding="utf-8",
    )
    result = replan(sc, plan, TODAY, read_changes(changes_file))
    assert check_plan(result.scenario, result.plan) == []
    kinds = {c.kind for c in result.plan.changes}
    assert kinds == {"added"}
    added = {c.event_id for c in result.plan.changes}
    assert "dialogue-00003-1" in added
    new = {e.event_id: e for e in result.plan.events}
    assert all(new[i].commune_code == "00003" for i in added)
    assert all(new[i].start.date() >= TODAY for i in added)
    assert all(c.reason == "xã mới tham gia" for c in result.plan.changes)


def test_broadcasts_keep_slot_and_topic_on_days_that_did_not_change() -> None:
    # Hưng Nguyên (two usable station slots a commune, one item a day, so the
    # plan alternates morning and evening in time order), re-planned from
    # 2 Oct 2023 with the first dialogue's commune closed for a week by a storm
    # and a district leader ill for the week of the next dialogue
    # (scripts/bench_explain_replan.py). The dialogue of another commune moves
    # with it and that commune gains one broadcast (measured): before the fix,
    # the alternation shifted every later broadcast of that commune to the
    # other slot, and 27 were listed as moved on unchanged days (34 changes).
    from scheduler.replan import Absence, Closure
    from scheduler.scenario.load import load_scenario

    root = Path(__file__).resolve().parents[1]
    sc = load_scenario(root / "configs/scenarios/hung-nguyen-2023.toml")
    plan = solve(sc)
    today = dt.date(2023, 10, 2)
    after = sorted(
        (e for e in plan.by_activity("dialogue") if e.start.date() >= today),
        key=lambda e: e.start,
    )
    first, second = after[0], after[1]
    week = first.start.date() - dt.timedelta(days=first.start.weekday())
    leader = next(a.staff_id for a in second.staff if a.role == "lanh_dao_huyen")
    storm = ChangeSet(
        commune_closed=(
            Closure(
                commune=first.commune_code or "",
                start=week,
                end=week + dt.timedelta(days=6),
                reason="bão",
            ),
        ),
        staff_unavailable=(
            Absence(
                staff=leader,
                start=second.start.date() - dt.timedelta(days=2),
                end=second.start.date() + dt.timedelta(days=4),
                reason="ốm",
            ),
        ),
    )
    result = replan(sc, plan, today, storm)
    assert check_plan(result.scenario, result.plan) == []

    def aired(
        p: Plan,
    ) -> dict[tuple[str, str | None, dt.date], tuple[dt.datetime, str | None]]:
        return {
            (e.activity, e.commune_code, e.start.date()): (e.start, e.topic)
            for e in p.events
            if e.kind == "broadcast" and e.start.date() >= today
        }

    old, new = aired(plan), aired(result.plan)
    kept = old.keys() & new.keys()
    assert len(kept) > 100  # most broadcast days are kept
    # the same slot and time, and the same topic (the rotation would have
    # given 54 of them the next topic: measured), with the topic rules held
    # (check_plan above: topic gap, every topic each quarter)
    assert [k for k in kept if old[k] != new[k]] == []
    # and no broadcast is listed as moved within its day
    for c in result.plan.changes:
        if c.event_id.startswith("broadcast") and c.kind == "moved":
            assert c.old_start is not None
            assert c.new_start is not None
            assert c.old_start.date() != c.new_start.date()


def test_an_added_broadcast_that_fits_no_topic_leaves_the_rotation(
    case: tuple[Scenario, Plan],
) -> None:
    # the tiny plan's broadcasts of commune 00001 alternate topics a, b (two
    # topics; 12 Sep "a", 15 Sep "b"); a re-plan adds one item the day after
    # an item, 1-2 days before the next. With a gap of 3 days neither topic
    # fits it beside the kept topics,
    # so that commune keeps the model's rotation (a, b, a, ... from the added
    # item on); with no gap rule it takes one and every kept day keeps its own
    from scheduler.replan import _keep_broadcast_topics

    sc, plan = case
    mine = sorted(
        (e for e in plan.events if e.kind == "broadcast" and e.commune_code == "00001"),
        key=lambda e: e.start,
    )
    i = next(
        k
        for k in range(len(mine) - 1)
        if (mine[k + 1].start - mine[k].start).days in (2, 3)
        and mine[k].start.date() >= TODAY
    )
    added = replace(
        mine[i], event_id="extra", start=mine[i].start + dt.timedelta(days=1)
    )
    rotation = [*mine[: i + 1], added, *mine[i + 1 :]]
    topics = ["a", "b"] if mine[0].topic == "a" else ["b", "a"]
    rotation = [replace(e, topic=topics[n % 2]) for n, e in enumerate(rotation)]
    new = replace(plan, events=tuple(rotation))

    def kept_topics(gap: int) -> dict[str, str | None]:
        spec = sc.activities["broadcast"].model_copy(update={"topic_gap_days": gap})
        tight = sc.model_copy(
            update={"activities": {**sc.activities, "broadcast": spec}}
        )
        return {
            e.event_id: e.topic for e in _keep_broadcast_topics(tight, plan, new, TODAY)
        }

    old_topic = {e.event_id: e.topic for e in mine}
    loose = kept_topics(0)
    assert all(loose[eid] == t for eid, t in old_topic.items())
    assert loose["extra"] in ("a", "b")
    strict = kept_topics(3)
    assert strict == {e.event_id: e.topic for e in rotation}
