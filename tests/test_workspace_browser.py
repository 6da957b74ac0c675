"""The planner's way in, in a real browser: link, new plan, upload, plan, review.

Uses the system Chromium (Debian package ``chromium``) driven by Playwright,
offline: every request that is not to the workspace on 127.0.0.1 is refused.
Screenshots of each page at 390 px and 1440 px go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.scenario.load import load_scenario
from scheduler.scenario.workbook import workbook_bytes
from tests.test_report_browser import CHROMIUM_ARGS, chromium
from tests.test_workspace import NHA_NAM, Server

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


def test_planner_goes_from_new_plan_to_a_reviewed_plan(
    tmp_path: Path, browser: Any
) -> None:
    workbook = tmp_path / "nha-nam-2023.xlsx"
    workbook.write_bytes(workbook_bytes(load_scenario(NHA_NAM), "vi"))
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
        assert "Huyện Tân Yên" in page.locator("h1").inner_text()
        # no staff yet: the problems are listed with sheet, row and column
        assert page.locator(".problems").count() == 1
        assert page.get_by_role("button", name="Lập lịch").is_disabled()
        new_district = page.url

        # the small scenario, uploaded through the page, is planned
        page.goto(base + "/plans/new")
        page.set_input_files("form[action='/plans/upload'] input[type=file]", workbook)
        page.get_by_role("button", name="Tải lên").click()
        assert "Dữ liệu hợp lệ" in page.inner_text("#data")
        plan_url = page.url
        page.fill("input[name=time_limit]", "10")
        page.get_by_role("button", name="Lập lịch").click()
        # htmx polls the progress every second until the run is done
        page.wait_for_selector("#progress [data-state=done]", timeout=45_000)
        assert "Hàm mục tiêu" in page.inner_text("#progress")

        page.locator("#progress").get_by_role("link", name="Xem kết quả").click()
        agenda = page.inner_text("#agenda")
        assert "Tập huấn" in agenda
        assert re.search(r"(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật) \d\d/\d\d/2023", agenda)
        assert page.locator("#budget tbody tr").count() >= 2
        review_url = page.url
        page.get_by_role("button", name="Chọn làm bản chính thức").click()
        assert "Bản chính thức" in page.inner_text("#runs")

        for url, name in (
            (base + "/plans", "plans"),
            (base + "/plans/new", "new-plan"),
            (new_district, "plan-new-district"),
            (plan_url, "plan-done"),
            (review_url, "review"),
            (review_url + "?lang=en", "review-en"),
        ):
            _shoot(context, url, name)
        anonymous = browser.new_context()
        _offline(anonymous, srv.port)
        _shoot(anonymous, base + "/login", "login")
        anonymous.close()
        context.close()
        assert refused == []
