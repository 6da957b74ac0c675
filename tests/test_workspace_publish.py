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
from scheduler.scenario.load import load_scenario
from scheduler.scenario.workbook import workbook_bytes
from scheduler.workspace import adjust, security, store
from tests.test_workspace import NHA_NAM, Server, csrf_of, wait_for


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
    answer = client.post(
        f"/api/plans/{plan}/suggest", json={"event_id": event["event_id"]}
    )
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
            "move": {
                "event": event["event_id"],
                "day": first["day"],
                "half": first["half"],
            },
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
    assert (
        client.post("/api/plans/9-9/suggest", json={"event_id": "x"}).status_code == 404
    )
    assert client.post(f"/api/plans/{plan}/suggest", json={}).status_code == 400
    unknown = client.post(f"/api/plans/{plan}/suggest", json={"event_id": "nope"})
    assert unknown.status_code == 422
    assert "nope" in unknown.json()["error"]
    bad = client.post(
        f"/api/plans/{plan}/replan",
        json={"today": "2023-01-01", "changes": {"storm": []}},
    )
    assert bad.status_code == 422
    assert (
        client.post(f"/api/plans/{plan}/replan", json={"today": "x"}).status_code == 400
    )


# --------------------------------------------------------------------------- pages


def _page_run(server: Server, xlsx: bytes) -> tuple[httpx.Client, str, int]:
    page = server.logged_in()
    token = csrf_of(page)
    made = page.post(
        "/plans/upload", files={"workbook": ("nn.xlsx", xlsx)}, data={"csrf": token}
    )
    plan_id = int(made.headers["location"].rsplit("/", 1)[1])
    page.post(f"/plans/{plan_id}/solve", data={"csrf": token, "time_limit": "10"})
    with store.connect(server.folder) as conn:
        job = store.jobs_of(conn, plan_id)[0]
    _wait_job(server, job.id)
    return page, token, plan_id


def _wait_job(server: Server, job_id: int) -> store.Job:
    import time

    deadline = time.monotonic() + 90
    while True:
        with store.connect(server.folder) as conn:
            job = store.get_job(conn, job_id)
        assert job is not None
        if job.state not in store.LIVE_STATES:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def test_pages_move_lock_replan_publish_and_history(
    server: Server, nha_nam_xlsx: bytes
) -> None:
    page, token, plan_id = _page_run(server, nha_nam_xlsx)
    review = page.get(f"/plans/{plan_id}/runs/1")
    assert review.status_code == 200
    # every session and class of the agenda links to its own page
    found = re.search(
        rf'href="/plans/{plan_id}/runs/1/events/(leaflets-[^"]+)"', review.text
    )
    assert found, review.text
    event_id = found[1]
    event = page.get(f"/plans/{plan_id}/runs/1/events/{event_id}")
    assert event.status_code == 200
    assert "Dời đến buổi này" in event.text
    # a training class is locked, not moved alone (it serves several communes)
    training = re.search(
        rf'href="(/plans/{plan_id}/runs/1/events/training-[^"]+)"', review.text
    )
    assert training
    class_page = page.get(training[1])
    assert "Khoá tại chỗ" in class_page.text
    assert 'id="alternatives"' not in class_page.text
    day = re.search(r'name="day" value="([^"]+)"', event.text)
    half = re.search(r'name="half" value="([^"]+)"', event.text)
    assert day
    assert half
    # the form needs the session's CSRF token
    refused = page.post(
        f"/plans/{plan_id}/runs/1/events/{event_id}/move",
        data={"day": day[1], "half": half[1]},
    )
    assert refused.status_code == 403
    moved = page.post(
        f"/plans/{plan_id}/runs/1/events/{event_id}/move",
        data={"csrf": token, "day": day[1], "half": half[1]},
    )
    assert moved.status_code == 303
    with store.connect(server.folder) as conn:
        job = store.jobs_of(conn, plan_id)[0]
    assert job.run == 2
    assert _wait_job(server, job.id).state == "done"
    review2 = page.get(f"/plans/{plan_id}/runs/2")
    assert 'id="changes"' in review2.text
    assert "dời theo lựa chọn của người lập kế hoạch" in review2.text
    assert page.get(f"/plans/{plan_id}/runs/2/files/changes.csv").status_code == 200

    # lock the moved event where it now is: shown, and kept by the next re-plan
    locked = page.post(
        f"/plans/{plan_id}/runs/2/events/{event_id}/lock", data={"csrf": token}
    )
    assert locked.status_code == 303
    assert adjust.read_locks(server.folder, plan_id) == {event_id: "all"}
    shown = page.get(locked.headers["location"])
    assert "Đã khoá" in shown.text

    # a storm closes the event's commune on its day: the lock and the storm
    # contradict each other, and the run says so (the library's message)
    after = Plan.read(
        server.folder / "plans" / str(plan_id) / "runs" / "2" / "plan.json"
    )
    e = next(x for x in after.events if x.event_id == event_id)
    form = page.get(f"/plans/{plan_id}/runs/2/replan")
    assert form.status_code == 200
    assert "closed_commune" in form.text
    storm = {
        "csrf": token,
        "today": after.horizon_start.isoformat(),
        "closed_commune": e.commune_code or "",
        "closed_from": e.start.date().isoformat(),
        "closed_to": e.start.date().isoformat(),
        "closed_reason": "bão",
    }
    assert page.post(f"/plans/{plan_id}/runs/2/replan", data=storm).status_code == 303
    with store.connect(server.folder) as conn:
        job = store.jobs_of(conn, plan_id)[0]
    failed = _wait_job(server, job.id)
    assert failed.state == "failed"
    assert "xã đóng cửa" in (failed.message or "")
    # unlocked, the storm moves it away from the closed day
    page.post(
        f"/plans/{plan_id}/runs/2/events/{event_id}/lock",
        data={"csrf": token, "unlock": "1"},
    )
    assert page.post(f"/plans/{plan_id}/runs/2/replan", data=storm).status_code == 303
    with store.connect(server.folder) as conn:
        job = store.jobs_of(conn, plan_id)[0]
    assert _wait_job(server, job.id).state == "done"
    stormed = Plan.read(
        server.folder / "plans" / str(plan_id) / "runs" / str(job.run) / "plan.json"
    )
    now = next(x for x in stormed.events if x.event_id == event_id)
    assert now.start.date() != e.start.date()
    assert "bão" in page.get(f"/plans/{plan_id}/runs/{job.run}").text
    bad = page.post(
        f"/plans/{plan_id}/runs/2/replan",
        data={**storm, "closed_from": "hôm qua"},
    )
    assert bad.status_code == 422

    # publish: only the accepted run
    assert (
        page.post(f"/plans/{plan_id}/runs/2/publish", data={"csrf": token}).status_code
        == 409
    )
    page.post(f"/plans/{plan_id}/runs/2/accept", data={"csrf": token})
    published = page.post(f"/plans/{plan_id}/runs/2/publish", data={"csrf": token})
    assert published.status_code == 303
    shown = page.get(f"/plans/{plan_id}/publish")
    assert "Đã công bố phiên bản 1" in shown.text
    assert "<svg" in shown.text  # the QR codes of the feed server's helpers
    assert "ke-hoach.docx" in shown.text
    docx = page.get(f"/plans/{plan_id}/runs/2/files/ke-hoach.docx")
    assert docx.status_code == 200
    assert docx.content[:2] == b"PK"
    staff_links = re.findall(r'href="(http://[^"]+/staff/[^"]+\.ics)"', shown.text)
    assert staff_links
    anonymous = server.client()
    assert anonymous.get(staff_links[0]).status_code == 200
    # the private links are on the planner's page only
    assert anonymous.get(f"/plans/{plan_id}/publish").status_code == 303
    wrong = re.sub(r"/[^/]+\.ics$", "/" + "x" * 43 + ".ics", staff_links[0])
    assert anonymous.get(wrong).status_code == 404
    sheets = re.findall(r'href="(http://[^"]+/communes/[^"]+\.html)"', shown.text)
    assert sheets
    assert anonymous.get(sheets[0]).status_code == 200
    with (server.folder / "plans" / str(plan_id) / "staff-links.json").open() as f:
        assert json.load(f)
    assert (
        server.folder / "plans" / str(plan_id) / "staff-links.json"
    ).stat().st_mode & 0o077 == 0

    # history: publish the storm run too, then compare the two versions
    page.post(f"/plans/{plan_id}/runs/{job.run}/accept", data={"csrf": token})
    page.post(f"/plans/{plan_id}/runs/{job.run}/publish", data={"csrf": token})
    # the storm's move reaches the commune's subscribers: same UID, new time,
    # a higher SEQUENCE
    feed_url = re.search(
        rf'href="(http://[^"]+/commune-{e.commune_code}\.ics)"',
        page.get(f"/plans/{plan_id}/publish").text,
    )
    assert feed_url
    vevent = _vevent(
        anonymous.get(feed_url[1]).text, f"{event_id}@{stormed.scenario}.scheduler"
    )
    assert f":{now.start:%Y%m%dT%H%M%S}" in vevent
    assert re.search(r"SEQUENCE:[1-9]", vevent)
    history = page.get(f"/plans/{plan_id}/history?a=1&b=2")
    assert history.status_code == 200
    assert 'id="diff"' in history.text
    assert event_id in history.text
    assert "dời" in history.text
    english = page.get(f"/plans/{plan_id}/history?a=1&b=2&lang=en")
    assert "Differences between versions" in english.text
    assert "moved" in english.text


# --------------------------------------------------------------------------- why


def test_an_infeasible_scenario_says_why_and_a_relaxation_applies(
    server: Server, tmp_path: Path
) -> None:
    from tests.test_explain import budget_case

    xlsx = workbook_bytes(budget_case(tmp_path / "case"), "vi")
    page = server.logged_in()
    token = csrf_of(page)
    made = page.post(
        "/plans/upload", files={"workbook": ("b.xlsx", xlsx)}, data={"csrf": token}
    )
    assert made.status_code == 303, made.text
    plan_id = int(made.headers["location"].rsplit("/", 1)[1])
    page.post(f"/plans/{plan_id}/solve", data={"csrf": token, "time_limit": "10"})
    with store.connect(server.folder) as conn:
        job = store.jobs_of(conn, plan_id)[0]
    assert _wait_job(server, job.id).state == "failed"
    shown = page.get(f"/plans/{plan_id}")
    # explain's minimal conflict in the planner's words, and its relaxation
    assert 'id="why"' in shown.text
    assert "có 1.500.000 đ nhưng cần ít nhất 2.000.000 đ" in shown.text
    assert "+500.000 đ cho Nguồn chính quý III/2023" in shown.text
    english = page.get(f"/plans/{plan_id}?lang=en")
    assert "These rules conflict" in english.text
    why = page.get(f"/api/jobs/{job.id}").json()["why"]
    assert why["relaxations"] == ["+500,000 VND for Main 2023-Q3"], why
    assert why["conflicts"]
    page.get(f"/plans/{plan_id}?lang=vi")
    # apply it: the workbook changes, is valid, and now gives a plan
    applied = page.post(
        f"/plans/{plan_id}/jobs/{job.id}/relax", data={"csrf": token, "i": "0"}
    )
    assert applied.status_code == 303
    again = page.get(applied.headers["location"])
    assert "Dữ liệu hợp lệ" in again.text
    assert 'id="relaxed"' in again.text
    scenario = load_scenario(server.folder / "plans" / str(plan_id) / "scenario.xlsx")
    source = next(f for f in scenario.funding if f.id == "main")
    assert source.allowance_vnd["2023-Q3"] == 2_000_000
    page.post(f"/plans/{plan_id}/solve", data={"csrf": token, "time_limit": "10"})
    with store.connect(server.folder) as conn:
        job2 = store.jobs_of(conn, plan_id)[0]
    assert _wait_job(server, job2.id).state == "done"
    assert (
        page.post(
            f"/plans/{plan_id}/jobs/{job.id}/relax", data={"csrf": token, "i": "7"}
        ).status_code
        == 404
    )


def test_replan_form_takes_an_absence_and_a_budget_cut(
    server: Server, nha_nam_xlsx: bytes
) -> None:
    page, token, plan_id = _page_run(server, nha_nam_xlsx)
    run1 = server.folder / "plans" / str(plan_id) / "runs" / "1"
    before = load_scenario(run1 / "scenario.xlsx")
    plan = Plan.read(run1 / "plan.json")
    source = before.funding[0]
    quarter = sorted(source.allowance_vnd)[0]
    person = before.staff[0]
    form = {
        "csrf": token,
        "today": plan.horizon_start.isoformat(),
        "away_staff": person.staff_id,
        "away_from": plan.horizon_start.isoformat(),
        "away_to": plan.horizon_start.isoformat(),
        "away_reason": "ốm",
        "cut_source": source.id,
        "cut_quarter": quarter,
        "cut_amount": "1.000.000",
    }
    bad = page.post(
        f"/plans/{plan_id}/runs/1/replan", data={**form, "cut_amount": "một triệu"}
    )
    assert bad.status_code == 422
    assert "Số tiền không hợp lệ" in bad.text
    started = page.post(f"/plans/{plan_id}/runs/1/replan", data=form)
    assert started.status_code == 303
    with store.connect(server.folder) as conn:
        job = store.jobs_of(conn, plan_id)[0]
    assert _wait_job(server, job.id).state == "done"
    after = load_scenario(
        server.folder / "plans" / str(plan_id) / "runs" / "2" / "scenario.xlsx"
    )
    cut = next(f for f in after.funding if f.id == source.id)
    assert cut.allowance_vnd[quarter] == max(
        source.allowance_vnd[quarter] - 1_000_000, 0
    )
    assert any(
        b.kind == "staff" and b.ref == person.staff_id and b.reason == "ốm"
        for b in after.blocked
    )
    # the changed scenario keeps the plan's own solver settings
    assert after.solver.stages == before.solver.stages
    assert page.get(f"/plans/{plan_id}/runs/2").status_code == 200


def test_a_plan_store_that_cannot_be_written_is_named(
    server: Server, nha_nam_xlsx: bytes
) -> None:
    client = _api(server)
    _, plan = _solved(client, nha_nam_xlsx)
    (server.folder / "feeds.sqlite").mkdir()  # not a file: sqlite cannot open it
    refused = client.post(f"/api/plans/{plan}/publish")
    assert refused.status_code == 500
    assert "feeds.sqlite" in refused.json()["error"]
    # the feeds answer 404, never a trace
    assert server.client().get("/feeds/x/plan.ics").status_code == 404
