"""province-report.html: the districts side by side, the shared budget and trainers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scheduler.export.province_report import province_report_html
from scheduler.province.result import ProvincePlan
from scheduler.province.schema import ProvinceScenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dak_nong(dak_nong_planned) -> tuple[ProvinceScenario, ProvincePlan]:  # type: ignore[no-untyped-def]
    # the bundled two districts, proven optimal (tests/test_bundled.py), planned
    # once for the session (tests/conftest.py)
    return dak_nong_planned  # type: ignore[no-any-return]


def _rows(page: str, heading: str) -> list[str]:
    section = page.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]
    return re.findall(r"<tbody>(.*?)</tbody>", section, re.S)[0].split("</tr>")[:-1]


def test_each_district_side_by_side(
    dak_nong: tuple[ProvinceScenario, ProvincePlan],
) -> None:
    province, result = dak_nong
    page = province_report_html(province, result, "vi").decode()
    rows = _rows(page, "Các huyện")
    assert len(rows) == 2
    for row, r in zip(rows, result.districts, strict=True):
        assert province.district(r.district).name in row
        # the dialogue cell: placed of required, from the district's own plan
        need = r.plan.required["dialogue"]
        missing = sum(u.count for u in r.plan.unscheduled if u.activity == "dialogue")
        assert f">{need - missing}/{need}</td>" in row
        assert f'href="{r.district}/report.html"' in row


def test_the_shared_budget_adds_up(
    dak_nong: tuple[ProvinceScenario, ProvincePlan],
) -> None:
    province, result = dak_nong
    page = province_report_html(province, result, "en").decode()
    rows = _rows(page, "The province&#x27;s shared budget")
    # Q3 and Q4 of 2023: 70,000,000 and 35,000,000 for both districts together
    assert len(rows) == 2
    assert "70,000,000" in rows[0]
    assert "35,000,000" in rows[1]
    spent_q3 = sum(
        e.cost_vnd
        for r in result.districts
        for e in r.plan.events
        if e.funding_source == "ctmtqg" and e.start.month <= 9
    )
    assert f"{70_000_000 - spent_q3:,}" in rows[0]


def test_trainers_by_id_and_office_never_by_name(
    dak_nong: tuple[ProvinceScenario, ProvincePlan],
) -> None:
    province, result = dak_nong
    page = province_report_html(province, result, "vi").decode()
    (row,) = _rows(page, "Giảng viên của tỉnh")
    assert "gv-tinh-01 — Sở LĐ-TB&amp;XH tỉnh Đắk Nông" in row
    assert "Nguyễn Thị Hồng" not in page  # a public page names no one
    days = sum(
        len(e.days)
        for r in result.districts
        for e in r.plan.events
        if "gv-tinh-01" in e.staff_ids
    )
    assert f">{days} ngày giảng</td>" in row


def test_a_phone_and_a4_paper_hold_the_page(
    dak_nong: tuple[ProvinceScenario, ProvincePlan], tmp_path: Path
) -> None:
    # at 390 px the tables become cards whose long activity names wrap (they ran
    # 150 px past the screen); printed, A4 landscape holds the districts' table
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    from tests.test_report_people import CHROMIUM_ARGS, chromium

    province, result = dak_nong
    page_file = tmp_path / "province-report.html"
    page_file.write_bytes(province_report_html(province, result, "vi"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 800})
            page.goto(page_file.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.pdf(path=str(tmp_path / "a4.pdf"), prefer_css_page_size=True)
        finally:
            browser.close()
    pdf = PdfReader(tmp_path / "a4.pdf")
    first = pdf.pages[0]
    # A4 landscape: 297 × 210 mm is 842 × 595 points
    assert round(float(first.mediabox.width)) == 842
    text = "".join(page.extract_text() for page in pdf.pages)
    for r in result.districts:
        assert province.district(r.district).name in text
