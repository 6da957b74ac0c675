"""The planner's way in, in a real browser: link, new plan, upload, plan, review.

Uses the system Chromium (Debian package ``chromium``) driven by Playwright,
offline: every request that is not to the workspace on 127.0.0.1 is refused.
Screenshots of each page at 390 px and 1440 px go to ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scheduler.plan import Plan
from tests.test_report_browser import CHROMIUM_ARGS, chromium
from tests.test_workspace import Server

ARTIFACTS = Path("test-artifacts") / "workspace"
WIDTHS = (390, 1440)

pytestmark = pytest.mark.skipif(
    chromium() is None,
    reason="no system Chromium (apt-get install -y chromium); "
    "the browser test never downloads one",
)


@pytest.fixture
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _offline(context: Any, port: int) -> list[str]:
    refused: list[str] = []

    def only_here(route: Any) -> None:
        url = route.request.url
        if url.startswith(f"http://127.0.0.1:{port}/"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", only_here)
    return refused


def _shoot(context: Any, url: str, name: str) -> None:
    """Screenshot one page at every width."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        # nothing sideways at phone width: the page fits, wide tables scroll inside
        if width == 390:
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (name, overflow)
        page.close()


STAFF = (
    ("ld01", "Nguyễn Văn An", "lanh_dao_huyen"),
    ("cb01", "Trần Thị Bình", "ldtbxh"),
    ("cb02", "Lê Văn Cường", "nhcsxh; giang_vien"),
)


def test_planner_goes_from_new_plan_to_a_reviewed_plan(
    tmp_path: Path, browser: Any
) -> None:
    with Server(tmp_path / "ws") as srv:
        context = browser.new_context()
        refused = _offline(context, srv.port)
        page = context.new_page()
        page.set_viewport_size({"width": 390, "height": 900})
        base = srv.base

        # the link `scheduler app` prints logs in and lands on the plan list
        page.goto(base + srv.login_link())
        assert page.url == base + "/plans"
        page.get_by_role("link", name="Kế hoạch mới").click()

        # a new plan for Tân Yên, picked from the list of 2023 districts
        page.select_option("#district", "216")
        page.fill("input[name=year]", "2027")
        page.get_by_role("button", name="Tạo kế hoạch").click()
        assert re.search(r"/plans/\d+$", page.url)
        plan_url = page.url
        assert "Huyện Tân Yên" in page.locator("h1").inner_text()
        # no staff yet: the problems are listed with sheet, row and column
        assert page.locator(".problems").count() == 1
        assert page.get_by_role("button", name="Lập lịch").is_disabled()
        _shoot(context, plan_url, "plan-new-district")

        # the staff, typed in the page: one empty row is there, two more are added
        page.get_by_role("link", name="Sửa bảng cán bộ").click()
        staff_url = page.url
        for _ in range(len(STAFF) - 1):
            before = page.locator("#staff-rows fieldset").count()
            page.get_by_role("button", name="Thêm dòng").click()
            page.wait_for_function(
                f"document.querySelectorAll('#staff-rows fieldset').length > {before}"
            )
        rows = page.locator("#staff-rows fieldset")
        for i, (staff_id, name, roles) in enumerate(STAFF):
            rows.nth(i).locator("input[name=staff_id]").fill(staff_id)
            rows.nth(i).locator("input[name=name]").fill(name)
            rows.nth(i).locator("input[name=roles]").fill(roles)
        _shoot(context, staff_url, "staff-empty")
        page.get_by_role("button", name="Lưu vào tệp Excel").click()
        assert page.url.startswith(plan_url)
        assert "Đã lưu" in page.inner_text("#data")

        # the budget: the National Target Programme's allowance per quarter
        page.get_by_role("link", name="Sửa bảng kinh phí").click()
        budget_url = page.url
        page.fill("input[name='q.0.2027-Q3']", "300.000.000")
        page.fill("input[name='q.0.2027-Q4']", "300.000.000")
        page.get_by_role("button", name="Lưu vào tệp Excel").click()
        assert "Dữ liệu hợp lệ" in page.inner_text("#data")

        # plan it; htmx polls the progress every second until the run is done
        page.fill("input[name=time_limit]", "30")
        page.get_by_role("button", name="Lập lịch").click()
        page.wait_for_selector("#progress [data-state=running]", timeout=15_000)
        # the job lives on the server: a reload finds it and keeps polling
        page.reload()
        state = page.locator("#progress [data-state]").get_attribute("data-state")
        assert state in ("running", "done")
        polling = page.locator("#progress[hx-trigger='every 1s']").count()
        assert polling == (1 if state == "running" else 0)
        _shoot(context, plan_url, "plan-running")
        page.wait_for_selector("#progress [data-state=done]", timeout=60_000)
        # the page reloads itself at the end: the runs and the button are back
        page.wait_for_selector("#runs", timeout=10_000)
        assert "Hàm mục tiêu" in page.inner_text("#progress")

        page.locator("#progress").get_by_role("link", name="Xem kết quả").click()
        agenda = page.inner_text("#agenda")
        assert "Đối thoại chính sách giảm nghèo" in agenda
        assert "Nguyễn Văn An" in agenda
        assert re.search(
            r"(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật) \d\d/\d\d/2027", agenda
        )
        assert page.locator("#budget tbody tr").count() >= 2
        review_url = page.url
        page.get_by_role("button", name="Chọn làm bản chính thức").click()
        assert "Bản chính thức" in page.inner_text("#runs")

        for url, name in (
            (base + "/plans", "plans"),
            (base + "/plans/new", "new-plan"),
            (staff_url, "staff"),
            (budget_url, "budget"),
            (plan_url, "plan-done"),
            (review_url, "review"),
            (review_url + "?lang=en", "review-en"),
        ):
            _shoot(context, url, name)
        anonymous = browser.new_context()
        _offline(anonymous, srv.port)
        _shoot(anonymous, base + "/login", "login")
        anonymous.close()

        _move_lock_publish(page, context, srv, plan_url, VI)
        context.close()
        assert refused == []


VI = {
    "move_here": "Dời đến buổi này",
    "lock": "Khoá tại chỗ",
    "locked": "Đã khoá",
    "accept": "Chọn làm bản chính thức",
    "publish_go": "Công bố bản chính thức",
    "published": "Đã công bố phiên bản 1",
    "moved": "dời",
    "review": "Xem kết quả",
}
EN = {
    "move_here": "Move it here",
    "lock": "Lock it where it is",
    "locked": "Locked",
    "accept": "Accept this version",
    "publish_go": "Publish the accepted version",
    "published": "Published version 1",
    "moved": "moved",
    "review": "Review",
}


def _move_lock_publish(
    page: Any, context: Any, srv: Server, plan_url: str, words: dict[str, str]
) -> None:
    """From the accepted run 1: move a dialogue through its alternatives, lock it,
    accept and publish the new run, then read the commune's public feed."""
    page.set_default_timeout(120_000)
    page.goto(plan_url + "/runs/1?lang=" + ("en" if words is EN else "vi"))
    # click a dialogue of the agenda: its alternatives (suggest) and who is free
    row = page.locator("#agenda tr[data-event^='dialogue-']").first
    event_id = row.get_attribute("data-event")
    assert event_id
    row.get_by_role("link").click()
    page.wait_for_selector("#alternatives")
    event_url = page.url
    first = page.locator("#alternatives tbody tr").first
    day = first.locator("input[name=day]").get_attribute("value")
    half = first.locator("input[name=half]").get_attribute("value")
    assert day
    assert half
    _shoot(context, event_url, f"event-{'en' if words is EN else 'vi'}")
    first.get_by_role("button", name=words["move_here"]).click()

    # the move is a re-plan in the worker: a new run, reviewed with its changes
    assert page.url.startswith(plan_url)
    page.wait_for_selector("#progress [data-state=done]", timeout=180_000)
    page.wait_for_selector("#runs", timeout=10_000)
    page.goto(plan_url + "/runs/2")
    review_url = page.url
    change = page.locator(f"#changes tr[data-event='{event_id}']")
    assert words["moved"] in change.inner_text()

    # lock it where it now is
    page.locator(f"#agenda tr[data-event='{event_id}']").get_by_role("link").click()
    page.get_by_role("button", name=words["lock"]).click()
    assert words["locked"] in page.inner_text(f"#agenda tr[data-event='{event_id}']")
    _shoot(context, review_url, f"review-changes-{'en' if words is EN else 'vi'}")

    # accept the new run and publish it
    page.get_by_role("button", name=words["accept"]).click()
    page.goto(review_url)
    page.get_by_role("button", name=words["publish_go"]).click()
    assert page.url.endswith("/publish")
    assert words["published"] in page.inner_text("#published")
    suffix = "en" if words is EN else "vi"
    _shoot(context, page.url, f"publish-{suffix}")
    _shoot(context, review_url + "/replan", f"replan-{suffix}")
    _shoot(context, plan_url + "/history", f"history-{suffix}")

    # a subscriber's calendar reads the commune's feed from the same server
    run_folder = srv.folder / "plans" / plan_url.rsplit("/", 1)[1] / "runs" / "2"
    plan = Plan.read(run_folder / "plan.json")
    moved = next(e for e in plan.events if e.event_id == event_id)
    assert moved.start.date() == dt.date.fromisoformat(day)
    assert (moved.start.hour < 12) == (half == "morning")
    feed = page.locator(f"#feeds li[data-feed='commune-{moved.commune_code}'] a")
    url = feed.first.get_attribute("href")
    assert url
    assert url.startswith(srv.base + "/feeds/")
    ics = httpx.get(url, timeout=30).text.replace("\r\n ", "")
    uid = f"UID:{event_id}@{plan.scenario}.scheduler"
    block = next(b for b in ics.split("BEGIN:VEVENT")[1:] if uid in b)
    assert (
        f":{moved.start:%Y%m%dT%H%M%S}" in block.split("DTSTART", 1)[1].split("\r\n")[0]
    )


def test_the_same_journey_in_english(tmp_path: Path, browser: Any) -> None:
    """New plan for another district (Cô Tô, 207), staff and budget typed in the
    page, planned, a dialogue moved through its alternatives and locked,
    published: the whole way in English."""
    with Server(tmp_path / "ws") as srv:
        context = browser.new_context()
        refused = _offline(context, srv.port)
        page = context.new_page()
        page.set_viewport_size({"width": 390, "height": 900})
        page.goto(srv.base + srv.login_link())
        page.goto(srv.base + "/plans?lang=en")
        page.get_by_role("link", name="New plan").click()
        page.select_option("#district", "207")
        page.fill("input[name=year]", "2027")
        page.get_by_role("button", name="Create the plan").click()
        plan_url = page.url
        assert "Cô Tô" in page.locator("h1").inner_text()

        page.get_by_role("link", name="Edit the staff table").click()
        for _ in range(len(STAFF) - 1):
            before = page.locator("#staff-rows fieldset").count()
            page.get_by_role("button", name="Add a row").click()
            page.wait_for_function(
                f"document.querySelectorAll('#staff-rows fieldset').length > {before}"
            )
        rows = page.locator("#staff-rows fieldset")
        for i, (staff_id, name, roles) in enumerate(STAFF):
            rows.nth(i).locator("input[name=staff_id]").fill(staff_id)
            rows.nth(i).locator("input[name=name]").fill(name)
            rows.nth(i).locator("input[name=roles]").fill(roles)
        page.get_by_role("button", name="Save into the workbook").click()
        page.get_by_role("link", name="Edit the budget table").click()
        page.fill("input[name='q.0.2027-Q3']", "300,000,000")
        page.fill("input[name='q.0.2027-Q4']", "300,000,000")
        page.get_by_role("button", name="Save into the workbook").click()
        assert "The data is valid" in page.inner_text("#data")

        page.fill("input[name=time_limit]", "20")
        page.get_by_role("button", name="Make the plan").click()
        page.wait_for_selector("#progress [data-state=done]", timeout=90_000)
        page.wait_for_selector("#runs", timeout=10_000)
        page.goto(plan_url + "/runs/1")
        page.get_by_role("button", name="Accept this version").click()

        _move_lock_publish(page, context, srv, plan_url, EN)
        history = page.get_by_role("link", name="Published versions")
        history.click()
        assert "1" in page.inner_text("#versions")
        context.close()
        assert refused == []
