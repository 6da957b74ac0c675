"""What leaders, officers and communes read: ke-hoach.docx and schedule.xlsx.

The bundled Hưng Nguyên scenario is planned once for the module (10 s limit,
2 workers); the files are read back with python-docx and openpyxl.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import load_workbook
from typer.testing import CliRunner

from scheduler.calendar import TZ, quarter_key
from scheduler.cli import app
from scheduler.errors import ScenarioError
from scheduler.export.bundle import plan_files
from scheduler.export.document import Issuer, plan_docx
from scheduler.export.workbook import abbreviations, schedule_xlsx
from scheduler.plan import Plan
from scheduler.scenario.load import load_scenario
from scheduler.scenario.schema import Scenario
from tests.conftest import make_scenario

HUNG_NGUYEN = Path("configs/scenarios/hung-nguyen-2023.toml")
WEEKDAY_DATE = re.compile(r"^(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ nhật) \d{2}/\d{2}/\d{4}$")


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Plan, Path]:
    out = tmp_path_factory.mktemp("hung-nguyen") / "out"
    result = CliRunner().invoke(
        app,
        [
            "plan",
            str(HUNG_NGUYEN),
            "--out",
            str(out),
            "--time-limit",
            "10",
            "--workers",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    return load_scenario(HUNG_NGUYEN), Plan.read(out / "plan.json"), out


def _text(doc: Any) -> str:
    """All the text of a document: body paragraphs and every table cell."""
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def _table_with(doc: Any, *header: str) -> Any:
    for table in doc.tables:
        cells = [c.text for c in table.rows[0].cells]
        if all(h in cells for h in header):
            return table
    raise AssertionError(f"no table with header {header}")


# ---------------------------------------------------------------- ke-hoach.docx


def test_plan_writes_the_document_beside_the_workbook(
    planned: tuple[Scenario, Plan, Path],
) -> None:
    scenario, plan, out = planned
    assert (out / "ke-hoach.docx").exists()
    assert (out / "schedule.xlsx").exists()
    # replan and plan-province write what plan_files gives, so they get it too
    assert "ke-hoach.docx" in plan_files(
        scenario, plan, today=plan.horizon_start, calendar_state=None
    )


def test_appendix_has_one_row_per_dialogue_with_commune_names(
    planned: tuple[Scenario, Plan, Path],
) -> None:
    scenario, plan, out = planned
    doc = Document(str(out / "ke-hoach.docx"))
    table = _table_with(doc, "Xã, thị trấn", "Ngày", "Buổi", "Cán bộ tham gia")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert rows[-1][1] == "Tổng cộng"
    body = rows[:-1]
    dialogues = plan.by_activity("dialogue")
    # the plan comes from a time-limited solve: its own dialogues, not a count
    assert dialogues
    assert len(body) == len(dialogues)
    names = {c.commune_code: c.commune_name for c in scenario.communes}
    assert Counter(r[1] for r in body) == Counter(
        names[e.commune_code or ""] for e in dialogues
    )
    people = {s.staff_id: s.name for s in scenario.staff}
    by_commune = {names[e.commune_code or ""]: e for e in dialogues}
    for row in body:
        event = by_commune[row[1]]
        start = event.start.astimezone(TZ)
        assert WEEKDAY_DATE.match(row[2]), row[2]
        assert row[2].endswith(start.strftime("%d/%m/%Y"))
        assert row[3].startswith("Sáng" if start.hour < 12 else "Chiều")
        assert row[4] == scenario.venue(event.venue_id or "").name
        # staff by name with their role's name, never an id
        for a in event.staff:
            assert f"{people[a.staff_id]} ({scenario.role_name(a.role)})" in row[5]
            assert a.staff_id not in row[5]
            assert a.role not in row[5]
        assert row[6] == f"{event.cost_vnd:,} đ".replace(",", ".")


def test_vietnamese_document_layout(planned: tuple[Scenario, Plan, Path]) -> None:
    _, plan, out = planned
    doc = Document(str(out / "ke-hoach.docx"))
    heading = doc.tables[0]
    left = heading.cell(0, 0).text + heading.cell(1, 0).text
    right = heading.cell(0, 1).text + heading.cell(1, 1).text
    assert "UBND HUYỆN HƯNG NGUYÊN" in left
    assert re.search(r"Số: .+/KH-UBND", left)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right
    assert "Độc lập - Tự do - Hạnh phúc" in right
    assert re.search(r"Hưng Nguyên, ngày .+ tháng .+ năm 2023", right)
    # the heading is laid out, not ruled
    borders = heading._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}
    # in the order of the schema (Word refuses a file with tblBorders last)
    tags = [child.tag for child in heading._tbl.tblPr]
    assert tags.index(qn("w:tblBorders")) < tags.index(qn("w:tblLayout"))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "KẾ HOẠCH" in paragraphs
    assert "Truyền thông giảm nghèo huyện Hưng Nguyên, Quý III–IV/2023" in paragraphs
    sections = [
        "I. MỤC ĐÍCH, YÊU CẦU",
        "II. ĐỐI TƯỢNG, PHẠM VI VÀ THỜI GIAN THỰC HIỆN",
        "III. NỘI DUNG, HÌNH THỨC",
        "IV. KINH PHÍ THỰC HIỆN",
        "V. TỔ CHỨC THỰC HIỆN",
    ]
    where = [paragraphs.index(s) for s in sections]
    assert where == sorted(where)
    text = _text(doc)
    dialogues = plan.by_activity("dialogue")
    n, communes = len(dialogues), len({e.commune_code for e in dialogues})
    assert (
        f"Tổ chức {n} buổi đối thoại chính sách giảm nghèo tại {communes} xã, thị trấn"
        in text
    )
    assert "Lãnh đạo UBND huyện (1 người)" in text
    for words in ("Nơi nhận:", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"):
        assert words in text
    assert "lanh_dao_huyen" not in text


def test_document_follows_decree_30(planned: tuple[Scenario, Plan, Path]) -> None:
    _, _, out = planned
    doc = Document(str(out / "ke-hoach.docx"))
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman"
    assert normal.size == Pt(14)
    first = doc.sections[0]

    def mm(length: Any) -> int:
        return round(length.mm)  # stored in twips

    assert (mm(first.page_width), mm(first.page_height)) == (210, 297)
    for section in doc.sections:
        assert 20 <= mm(section.top_margin) <= 25
        assert 20 <= mm(section.bottom_margin) <= 25
        assert 30 <= mm(section.left_margin) <= 35
        assert 15 <= mm(section.right_margin) <= 20
    # the appendices are on landscape pages
    assert doc.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    assert mm(doc.sections[-1].page_width) == 297
    sizes = {
        r.font.size
        for p in doc.paragraphs
        for r in p.runs
        if r.text.strip() and r.font.size is not None
    }
    assert sizes <= {Pt(13), Pt(14)}


def test_missing_facts_are_highlighted_placeholders(
    planned: tuple[Scenario, Plan, Path],
) -> None:
    _, _, out = planned
    doc = Document(str(out / "ke-hoach.docx"))
    runs = [r for p in doc.paragraphs for r in p.runs]
    runs += [
        r
        for t in doc.tables
        for row in t.rows
        for c in row.cells
        for p in c.paragraphs
        for r in p.runs
    ]
    gaps = [r for r in runs if r.text.startswith("[…")]
    assert len(gaps) > 5  # number, date, legal bases, purpose, signer, …
    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in gaps)
    # filled-in facts are not highlighted
    assert not any(r.font.highlight_color for r in runs if "buổi đối thoại" in r.text)


def test_money_and_quarters_in_the_budget_appendix(
    planned: tuple[Scenario, Plan, Path],
) -> None:
    scenario, plan, out = planned
    doc = Document(str(out / "ke-hoach.docx"))
    table = _table_with(doc, "Nguồn kinh phí", "Quý", "Dự kiến chi", "Còn lại")
    spent: Counter[tuple[str, str]] = Counter()
    for e in plan.events:
        spent[(e.funding_source or "", quarter_key(e.start.astimezone(TZ).date()))] += (
            e.cost_vnd
        )
    shown = {
        (r.cells[1].text, r.cells[2].text): r.cells[3].text for r in table.rows[1:-1]
    }
    for f in scenario.funding:
        for q, label in (("2023-Q3", "Quý III/2023"), ("2023-Q4", "Quý IV/2023")):
            amount = f"{spent[(f.id, q)]:,} đ".replace(",", ".")
            assert shown[(f.name_vi, label)] == amount
    total = table.rows[-1].cells
    assert total[3].text == f"{sum(spent.values()):,} đ".replace(",", ".")


def test_english_document(planned: tuple[Scenario, Plan, Path]) -> None:
    scenario, plan, _ = planned
    doc = Document(io.BytesIO(plan_docx(scenario, plan, "en")))
    text = _text(doc)
    heading = doc.tables[0].cell(0, 1).text
    assert "SOCIALIST REPUBLIC OF VIETNAM" in heading
    assert "Independence - Freedom - Happiness" in heading
    assert "HƯNG NGUYÊN DISTRICT PEOPLE'S COMMITTEE" in doc.tables[0].cell(0, 0).text
    assert "PLAN" in [p.text for p in doc.paragraphs]
    for words in ("I. PURPOSE AND REQUIREMENTS", "IV. FUNDING", "Recipients:"):
        assert words in text
    assert "CỘNG HÒA" not in text
    assert "Nơi nhận" not in text
    table = _table_with(doc, "Commune", "Date", "Half-day", "Staff")
    assert len(table.rows) == len(plan.by_activity("dialogue")) + 2
    assert re.match(r"^[A-Z][a-z]+day \d{4}-\d{2}-\d{2}$", table.rows[1].cells[2].text)


@pytest.mark.parametrize(
    ("name", "level", "vi", "en"),
    [
        (
            "Huyện Hưng Nguyên",
            "district",
            "UBND HUYỆN HƯNG NGUYÊN",
            "HƯNG NGUYÊN DISTRICT",
        ),
        ("Tỉnh Đắk Nông", "province", "UBND TỈNH ĐẮK NÔNG", "ĐẮK NÔNG PROVINCE"),
        ("Thị trấn Nhã Nam", "commune", "UBND THỊ TRẤN NHÃ NAM", "NHÃ NAM TOWNSHIP"),
        ("Quảng Tân", "commune", "UBND XÃ QUẢNG TÂN", "QUẢNG TÂN COMMUNE"),
    ],
)
def test_issuing_body_from_the_area(name: str, level: str, vi: str, en: str) -> None:
    from types import SimpleNamespace

    fake = SimpleNamespace(area=SimpleNamespace(name=name, level=level))
    issuer = Issuer.of(fake)  # type: ignore[arg-type]
    assert issuer.heading("vi") == vi
    assert issuer.heading("en").startswith(en)


def test_exporters_do_not_import_the_solver() -> None:
    code = (
        "import sys, scheduler.export.document, scheduler.export.workbook; "
        "print('ortools' in ' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- schedule.xlsx


def test_workbook_has_no_date_before_1900(planned: tuple[Scenario, Plan, Path]) -> None:
    _, plan, out = planned
    book = load_workbook(out / "schedule.xlsx")
    times = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, dt.datetime):
                    assert cell.value.year >= 1900, (sheet.title, cell.coordinate)
                elif isinstance(cell.value, dt.time):
                    # a time is a fraction of a day: shown with a date format
                    # it reads 30/12/1899 (or 00/01/1900) in Excel
                    shown = re.sub(r'"[^"]*"', "", cell.number_format).upper()
                    assert "D" not in shown, (sheet.title, cell.coordinate)
                    assert "Y" not in shown, (sheet.title, cell.coordinate)
                    times += 1
    # start and end of every session and broadcast are time cells
    assert times >= 2 * sum(1 for e in plan.events if not e.all_day)


def test_workbook_shows_names_not_ids(planned: tuple[Scenario, Plan, Path]) -> None:
    scenario, plan, out = planned
    book = load_workbook(out / "schedule.xlsx")
    sheet = book["Đối thoại chính sách giảm nghèo"]
    header = [c.value for c in sheet[1]]
    rows = [
        dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert len(rows) == len(plan.by_activity("dialogue"))
    assert all(WEEKDAY_DATE.match(f"{r['Thứ']} {r['Ngày']:%d/%m/%Y}") for r in rows)
    assert all("(Lãnh đạo UBND huyện)" in r["Cán bộ"] for r in rows)
    source_names = {f.name_vi for f in scenario.funding}
    assert {r["Nguồn kinh phí"] for r in rows} <= source_names
    broadcasts = book["Phát thanh tuyên truyền giảm"]
    header = [c.value for c in broadcasts[1]]
    topic = header.index("Chủ đề")
    topic_names = {tp.name_vi for tp in scenario.topics}
    shown = {r[topic] for r in broadcasts.iter_rows(min_row=2, values_only=True)}
    assert shown
    assert shown <= topic_names
    ids = (
        {r for s in scenario.staff for r in s.roles}
        | {tp.topic_id for tp in scenario.topics}
        | {f.id for f in scenario.funding}
        | {s.staff_id for s in scenario.staff}
    )
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    words = set(re.findall(r"[\w]+", value))
                    assert not words & ids, (ws.title, value)


def test_workbook_print_settings(planned: tuple[Scenario, Plan, Path]) -> None:
    _, _, out = planned
    book = load_workbook(out / "schedule.xlsx")
    assert book.sheetnames[:2] == ["Tổng hợp", "Theo tuần"]
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert int(sheet.page_setup.paperSize) == 9  # A4
    for sheet in book.worksheets[1:]:
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.freeze_panes in ("A2", "B2")
        assert str(sheet.auto_filter.ref).startswith("A1:")
        assert all(c.font.b for c in sheet[1] if c.value)


def test_summary_sheet_numbers_equal_the_plan(
    planned: tuple[Scenario, Plan, Path],
) -> None:
    scenario, plan, out = planned
    sheet = load_workbook(out / "schedule.xlsx")["Tổng hợp"]
    rows = list(sheet.iter_rows(values_only=True))
    by_activity = {r[0]: r for r in rows if r[0] and isinstance(r[1], int)}
    for act_id, spec in scenario.activities.items():
        events = plan.by_activity(act_id)
        row = by_activity[spec.name_vi]
        assert row[1] == len(events)
        assert row[3] == plan.required[act_id]
        assert row[5] == sum(e.cost_vnd for e in events)
    spent: Counter[tuple[str, str]] = Counter()
    for e in plan.events:
        spent[(e.funding_source or "", quarter_key(e.start.astimezone(TZ).date()))] += (
            e.cost_vnd
        )
    budget = {(r[0], r[1]): r for r in rows if r[1] and str(r[1]).startswith("Quý")}
    for f in scenario.funding:
        for q, label in (("2023-Q3", "Quý III/2023"), ("2023-Q4", "Quý IV/2023")):
            _, _, planned_vnd, allowance, left = budget[(f.name_vi, label)][:5]
            assert planned_vnd == spent[(f.id, q)]
            assert allowance == f.allowance_vnd[q]
            assert left == allowance - planned_vnd
    total = next(r for r in rows if r[0] == "Tổng cộng" and not r[1])
    assert total[2] == sum(e.cost_vnd for e in plan.events)


def test_week_sheet_places_each_dialogue_in_its_week(
    planned: tuple[Scenario, Plan, Path],
) -> None:
    scenario, plan, out = planned
    sheet = load_workbook(out / "schedule.xlsx")["Theo tuần"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]}
    tag = abbreviations(scenario)["dialogue"]
    assert tag == "ĐT"
    for e in plan.by_activity("dialogue"):
        start = e.start.astimezone(TZ).date()
        monday = start - dt.timedelta(days=start.weekday())
        column = header.index(f"Tuần {monday.isocalendar().week}\n{monday:%d/%m}")
        cell = rows[scenario.commune(e.commune_code or "").commune_name][column]
        assert f"ĐT {start:%d/%m}" in cell


def test_english_workbook(planned: tuple[Scenario, Plan, Path]) -> None:
    scenario, plan, _ = planned
    book = load_workbook(io.BytesIO(schedule_xlsx(scenario, plan, "en")))
    assert book.sheetnames[:2] == ["Summary", "By week"]
    # cut to Excel's 31 characters at a word
    assert book.sheetnames[2] == "Poverty-reduction policy"
    sheet = book.worksheets[2]
    assert "(District People's Committee leader)" in str(sheet["I2"].value)
    assert sheet["B2"].value.endswith("day")


# --------------------------------------------------------------- CSVs and roles


def test_csvs_carry_a_byte_order_mark(planned: tuple[Scenario, Plan, Path]) -> None:
    _, _, out = planned
    for name in ("schedule.csv", "unscheduled.csv"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), name
        assert data.decode("utf-8-sig").startswith(("event_id,", "activity,"))


def test_role_names_from_the_scenario(tmp_path: Path) -> None:
    named = make_scenario(
        tmp_path / "named",
        {"roles": {"leader": {"name_vi": "Lãnh đạo huyện", "name_en": "Leader"}}},
    )
    assert named.role_name("leader") == "Lãnh đạo huyện"
    assert named.role_name("leader", "en") == "Leader"
    # a role without a name shows its id
    assert named.role_name("trainer") == "trainer"
    assert make_scenario(tmp_path / "plain").roles == {}


def test_a_name_for_an_unknown_role_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        make_scenario(
            tmp_path,
            {"roles": {"leadr": {"name_vi": "Lãnh đạo", "name_en": "Leader"}}},
        )
    (problem,) = caught.value.problems
    assert problem.file.endswith("tiny.toml")
    assert problem.row is None
    assert problem.field == "roles.leadr"
    assert problem.message == (
        "không phải vai trò của cán bộ hay hoạt động nào (kiểm tra chính tả)"
    )
    with pytest.raises(ScenarioError) as caught:
        make_scenario(tmp_path / "b", {"roles": {"leader": {"name_vi": "Lãnh đạo"}}})
    assert [p.field for p in caught.value.problems] == ["roles.leader.name_en"]
