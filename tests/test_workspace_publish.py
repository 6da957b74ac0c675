"""The rest of the planner's journey over real HTTP: alternatives, moves, locks,
re-plans, publishing, the served feeds and the history of versions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scheduler.plan import Plan
from scheduler.workspace import adjust, security, store
from tests.test_workspace import NHA_NAM, Server, csrf_of, wait_for

from scheduler.scenario.load import load_scenario
from scheduler.scenario.workbook import workbook_bytes


@pytest.fixture(scope="module")
def nha_nam_xlsx() -> bytes:
    return workbook_bytes(load_scenario(NHA_NAM), "vi")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with Server(tmp_path / "ws") as srv:
        yield srv


def _api(server: Server) -> httpx.Client:
    with store.connect(server.folder) as conn:
        security.add_user(conn, "an", "mat-khau-dai")
        token = security.new_api_token(conn, "an")
    client = server.client()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _solved(client: httpx.Client, xlsx: bytes) -> tuple[int, str]:
    made = client.post("/api/scenarios", files={"workbook": ("nn.xlsx", xlsx)})
    scenario_id = int(made.json()["id"])
    job = client.post(f"/api/scenarios/{scenario_id}/solve", json={"time_limit_s": 10})
    done = wait_for(client, job.json()["job"], {"done", "failed", "cancelled"})
    assert done["state"] == "done", done
    return scenario_id, str(done["plan"])


def _session(client: httpx.Client, plan: str) -> dict[str, Any]:
    events = client.get(f"/api/plans/{plan}").json()["events"]
    return next(e for e in events if e["kind"] == "session")


def _vevent(ics: str, uid: str) -> str:
    for block in ics.split("BEGIN:VEVENT")[1:]:
        unfolded = block.replace("\r\n ", "")
        if f"UID:{uid}" in unfolded:
            return unfolded
    raise AssertionError(uid)


def test_move_through_the_api_then_publish_and_read_the_feed(
    server: Server, nha_nam_xlsx: bytes
) -> None:
    client = _api(server)
    scenario_id, plan = _solved(client, nha_nam_xlsx)
    event = _session(client, plan)

    # the alternatives of the session, from suggest (in a child process)
    answer = client.post(f"/api/plans/{plan}/suggest", json={"event_id": event["event_id"]})
    assert answer.status_code == 200, answer.text
    alternatives = answer.json()["alternatives"]
    assert alternatives
    first = alternatives[0]
    assert {"day", "half", "label", "delta", "staff"} <= set(first)
    assert isinstance(first["delta"], int)

    # move it there: a minimal-change re-plan in the worker, a new run
    started = client.post(
        f"/api/plans/{plan}/replan",
        json={
            "today": "2023-01-01",
            "changes": {},
            "move": {"event": event["event_id"], "day": first["day"], "half": first["half"]},
        },
    )
    assert started.status_code == 202, started.text
    done = wait_for(client, started.json()["job"], {"done", "failed", "cancelled"})
    assert done["state"] == "done", done
    moved_plan = done["plan"]
    assert moved_plan == f"{scenario_id}-2"
    after = Plan.from_dict(client.get(f"/api/plans/{moved_plan}").json())
    moved = next(e for e in after.events if e.event_id == event["event_id"])
    assert moved.start.date().isoformat() == first["day"]
    assert (moved.start.hour < 12) == (first["half"] == "morning")
    change = next(c for c in after.changes if c.event_id == event["event_id"])
    assert change.kind in ("moved", "moved_restaffed")
    assert change.reason == adjust.MOVED_BY_PLANNER[0]
    run2 = server.folder / "plans" / str(scenario_id) / "runs" / "2"
    assert (run2 / "changes.csv").exists()

    # publish: the feeds are served by the workspace under /feeds/, no login needed
    published = client.post(f"/api/plans/{moved_plan}/publish")
    assert published.status_code == 201, published.text
    body = published.json()
    assert body["version"] == 1
    commune = f"commune-{event['commune_code']}"
    url = body["feeds"][commune]
    assert url.startswith(server.base + "/feeds/")
    anonymous = server.client()
    feed = anonymous.get(url)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    vevent = _vevent(feed.text, f"{event['event_id']}@{after.scenario}.scheduler")
    stamp = moved.start.strftime("%Y%m%dT%H%M%S")
    assert re.search(rf"DTSTART[^:\r\n]*:{stamp}", vevent), vevent
    # the index page of the feed server, mounted as it is
    assert anonymous.get(body["index"]).status_code == 200
    assert anonymous.get(server.base + "/feeds/nothing/plan.ics").status_code == 404


def test_api_routes_need_a_token(server: Server) -> None:
    client = server.client()
    for name in ("suggest", "replan", "publish"):
        response = client.post(f"/api/plans/1-1/{name}", json={})
        assert response.status_code == 401, name
        assert response.json()["error"]


def test_api_refuses_bad_requests(server: Server, nha_nam_xlsx: bytes) -> None:
    client = _api(server)
    _, plan = _solved(client, nha_nam_xlsx)
    assert client.post("/api/plans/9-9/suggest", json={"event_id": "x"}).status_code == 404
    assert client.post(f"/api/plans/{plan}/suggest", json={}).status_code == 400
    unknown = client.post(f"/api/plans/{plan}/suggest", json={"event_id": "nope"})
    assert unknown.status_code == 422
    assert "nope" in unknown.json()["error"]
    bad = client.post(
        f"/api/plans/{plan}/replan",
        json={"today": "2023-01-01", "changes": {"storm": []}},
    )
    assert bad.status_code == 422
    assert client.post(f"/api/plans/{plan}/replan", json={"today": "x"}).status_code == 400
