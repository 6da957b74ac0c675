"""One Excel workbook is a whole scenario: its layout, writing it, and reading it.

A planner who works in Excel keeps the whole plan in one file: a first sheet of
instructions, a sheet of settings (area, period, half-day times, travel), one
of activities, one of the budget per source and quarter, and one sheet per
table (communes, staff, venues, topics, station slots, blocked periods, travel
times, quarter targets, fixed dates, extra holidays and make-up days). Sheet and
column names are Vietnamese; the English names and the loader's field ids are
accepted too, in any case and with or without diacritics.

The workbook holds exactly what the TOML file and its tables hold:
:func:`workbook_bytes` writes a :class:`Scenario`, :func:`read_workbook` reads
one back into the same document and tables that
:func:`scheduler.scenario.load.load_scenario` builds a scenario from, so one
loader validates both, and every problem names the sheet, the row, the column
letter and its header.

Cells are real cells: dates as dates (shown dd/mm/yyyy), times as times,
money as whole numbers with thousands separators, and lists of choices as
drop-downs. Formulas are never evaluated: a formula cell counts with the value
Excel saved for it.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from scheduler.calendar import public_holidays
from scheduler.errors import InputProblem, ScenarioError
from scheduler.scenario import schema
from scheduler.scenario.readers import Row, Table, display_path
from scheduler.scenario.write import scenario_document

# --------------------------------------------------------------------------- layout

# Sheet key → (Vietnamese name, English name), in the order of the workbook.
SHEETS: dict[str, tuple[str, str]] = {
    "instructions": ("Hướng dẫn", "Instructions"),
    "settings": ("Thiết lập", "Settings"),
    "activities": ("Hoạt động", "Activities"),
    "funding": ("Kinh phí", "Budget"),
    "communes": ("Xã", "Communes"),
    "staff": ("Cán bộ", "Staff"),
    "roles": ("Vai trò", "Roles"),
    "venues": ("Địa điểm", "Venues"),
    "topics": ("Chủ đề", "Topics"),
    "stations": ("Đài truyền thanh", "Stations"),
    "blocked_periods": ("Lịch bận", "Blocked periods"),
    "travel_times": ("Thời gian đi lại", "Travel times"),
    "targets": ("Chỉ tiêu", "Targets"),
    "pins": ("Lịch cố định", "Fixed dates"),
    "days": ("Ngày nghỉ, làm bù", "Holidays and make-up days"),
}

# The loader's tables (scheduler.scenario.load.TABLES) and their record types.
TABLE_MODELS: dict[str, type[BaseModel]] = {
    "communes": schema.Commune,
    "staff": schema.Staff,
    "venues": schema.Venue,
    "topics": schema.Topic,
    "stations": schema.StationSlot,
    "blocked_periods": schema.BlockedPeriod,
    "travel_times": schema.TravelTime,
    "targets": schema.Target,
    "pins": schema.Pin,
}

# Column headers: field id → (Vietnamese, English). A field without a label is
# headed by its id, so a field added to the schema still round-trips.
LABELS: dict[str, tuple[str, str]] = {
    # communes
    "commune_code": ("Mã xã", "Commune code"),
    "commune_name": ("Tên xã", "Commune name"),
    "parent_code": ("Mã đơn vị cấp trên", "Parent code"),
    "parent_name": ("Đơn vị cấp trên", "Parent unit"),
    "poor_households": ("Số hộ nghèo", "Poor households"),
    "near_poor_households": ("Số hộ cận nghèo", "Near-poor households"),
    "lat": ("Vĩ độ", "Latitude"),
    "lon": ("Kinh độ", "Longitude"),
    # staff
    "staff_id": ("Mã cán bộ", "Staff id"),
    "name": ("Tên", "Name"),
    "name@staff": ("Họ và tên", "Full name"),
    "name@venues": ("Tên địa điểm", "Venue name"),
    "roles": ("Vai trò", "Roles"),
    "organisation": ("Cơ quan, chức vụ", "Office and post"),
    "email": ("Thư điện tử", "E-mail"),
    "phone": ("Điện thoại", "Phone"),
    "max_sessions_per_week": ("Số buổi tối đa mỗi tuần", "Sessions per week at most"),
    "max_class_days_per_week": (
        "Số ngày giảng tối đa mỗi tuần",
        "Class days per week at most",
    ),
    "home_commune": ("Cán bộ của xã (mã xã)", "Official of commune (code)"),
    "base": ("Nơi xuất phát (mã địa điểm)", "Base (venue id)"),
    # venues
    "venue_id": ("Mã địa điểm", "Venue id"),
    "capacity": ("Sức chứa (người)", "Capacity (people)"),
    # topics
    "topic_id": ("Mã chủ đề", "Topic id"),
    "name_vi": ("Tên (tiếng Việt)", "Name (Vietnamese)"),
    "name_en": ("Tên (tiếng Anh)", "Name (English)"),
    "activities": ("Hoạt động", "Activities"),
    # stations
    "slot_id": ("Mã khung giờ", "Slot id"),
    "start": ("Giờ bắt đầu", "Start time"),
    "airtime_minutes": ("Thời lượng (phút)", "Airtime (minutes)"),
    # blocked periods
    "kind": ("Loại", "Kind"),
    "ref": ("Mã xã hoặc cán bộ", "Commune code or staff id"),
    "start_date": ("Từ ngày", "From"),
    "end_date": ("Đến ngày", "To"),
    "half": ("Buổi", "Half-day"),
    "reason": ("Lý do", "Reason"),
    # travel times
    "from_ref": ("Từ (địa điểm hoặc xã)", "From (venue or commune)"),
    "to_ref": ("Đến (địa điểm hoặc xã)", "To (venue or commune)"),
    "minutes": ("Số phút", "Minutes"),
    # targets and pins
    "activity": ("Mã hoạt động", "Activity id"),
    "by": ("Hạn", "By"),
    "min_fraction": ("Tỷ lệ tối thiểu (0–1)", "Share at least (0–1)"),
    "commune": ("Mã xã", "Commune code"),
    "date": ("Ngày", "Date"),
    "ordinal": ("Lần thứ", "Ordinal"),
    # activities
    "id": ("Mã hoạt động", "Activity id"),
    "funding_sources": ("Nguồn kinh phí", "Funding sources"),
    "priority": ("Mức ưu tiên", "Priority"),
    "communes": ("Chỉ ở các xã", "Only in communes"),
    "window_start": ("Sớm nhất từ ngày", "Not before"),
    "window_end": ("Muộn nhất đến ngày", "Not after"),
    "preferred_weekdays": ("Thứ ưu tiên", "Preferred weekdays"),
    "topic": ("Chủ đề", "Topic"),
    "per_commune": ("Số buổi mỗi xã", "Sessions per commune"),
    "per_commune_override": (
        "Số buổi riêng từng xã",
        "Sessions per commune, by commune",
    ),
    "half_days": ("Số buổi (nửa ngày)", "Half-days"),
    "attendees": ("Số người dự", "Attendees"),
    "cost_fixed_vnd": ("Chi phí cố định (đ)", "Fixed cost (VND)"),
    "cost_per_attendee_vnd": ("Chi phí mỗi người dự (đ)", "Cost per attendee (VND)"),
    "travel_vnd_per_minute": (
        "Chi phí đi lại mỗi phút (đ)",
        "Travel cost per minute (VND)",
    ),
    "announce.via": ("Thông báo qua", "Announced via"),
    "announce.min_broadcasts": ("Số lần thông báo tối thiểu", "Announcements at least"),
    "announce.window_days": ("Thông báo trong số ngày trước", "Announced within days"),
    "requires_training": ("Cần tập huấn trước", "Needs training first"),
    "outlets": ("Cơ quan báo chí (mã=tên=số bài)", "Outlets (id=name=items)"),
    "per_period": ("Số bài mỗi kỳ", "Items per period"),
    "period": ("Kỳ", "Period"),
    "deadline": ("Hạn chót", "Deadline"),
    "owner": ("Người chủ trì", "Owner"),
    "min_gap_days": (
        "Hai buổi cách nhau ít nhất (ngày)",
        "Sessions at least (days) apart",
    ),
    "per_month": ("Số tin mỗi tháng", "Items per month"),
    "per_month_override": ("Số tin riêng từng tháng", "Items per month, by month"),
    "max_per_week": ("Số tin tối đa mỗi tuần", "Items per week at most"),
    "max_per_day": ("Số tin tối đa mỗi ngày", "Items per day at most"),
    "topic_gap_days": (
        "Không lặp chủ đề trong (ngày)",
        "No topic repeated within (days)",
    ),
    "every_topic_per_quarter": ("Đủ chủ đề mỗi quý", "Every topic each quarter"),
    "days": ("Ngày phát", "Airing days"),
    "cost_per_item_vnd": ("Chi phí mỗi tin (đ)", "Cost per item (VND)"),
    "class_size": ("Sĩ số lớp", "Class size"),
    "duration_days": ("Số ngày mỗi lớp", "Days per class"),
    "trainees_per_commune": ("Số học viên mỗi xã", "Trainees per commune"),
    "max_classes": ("Số lớp tối đa", "Classes at most"),
    "venue": ("Địa điểm", "Venue"),
    "cost_per_trainee_day_vnd": (
        "Chi phí mỗi học viên mỗi ngày (đ)",
        "Cost per trainee-day (VND)",
    ),
    # funding
    "source_id": ("Mã nguồn kinh phí", "Source id"),
    "carry_over": ("Chuyển nguồn sang quý sau", "Carry over"),
    # roles
    "role_id": ("Mã vai trò", "Role id"),
    # days
    "day_kind": ("Loại ngày", "Kind of day"),
    "note": ("Ghi chú", "Note"),
    # settings
    "setting": ("Mục", "Setting"),
    "key": ("Khoá", "Key"),
    "value": ("Giá trị", "Value"),
    "explanation": ("Giải thích", "Explanation"),
}

# Enumerations: (field, choice id) → (Vietnamese, English). The reader accepts
# the id and both names; the writer shows the workbook's language.
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "kind@blocked_periods": {
        "commune": ("xã", "commune"),
        "staff": ("cán bộ", "staff"),
    },
    "half": {"morning": ("sáng", "morning"), "afternoon": ("chiều", "afternoon")},
    "kind@activities": {
        "session": ("buổi tại xã", "session"),
        "broadcast": ("phát thanh", "broadcast"),
        "training": ("tập huấn", "training"),
        "publication": ("tin bài báo, đài, cổng", "publication"),
    },
    "period@activities": {"month": ("tháng", "month"), "quarter": ("quý", "quarter")},
    "days": {
        "every_day": ("mọi ngày", "every day"),
        "working_days": ("ngày làm việc", "working days"),
    },
    "weekday": {
        "mon": ("T2", "Mon"),
        "tue": ("T3", "Tue"),
        "wed": ("T4", "Wed"),
        "thu": ("T5", "Thu"),
        "fri": ("T6", "Fri"),
        "sat": ("T7", "Sat"),
        "sun": ("CN", "Sun"),
    },
    "bool": {"true": ("có", "yes"), "false": ("không", "no")},
    "day_kind": {
        "holiday": ("nghỉ", "holiday"),
        "working": ("làm bù", "make-up working day"),
        "official": ("nghỉ lễ theo luật (tự động)", "public holiday (automatic)"),
    },
}

# Settings always shown with their value, so that a planner sees what to change.
ALWAYS_SHOWN = (
    "name",
    "title",
    "area.code",
    "area.name",
    "area.level",
    "area.parent_name",
    "area.hq_venue",
    "horizon.start",
    "horizon.end",
    "calendar.weekend",
    "calendar.morning.start",
    "calendar.morning.end",
    "calendar.afternoon.start",
    "calendar.afternoon.end",
    "travel.default_minutes",
    "travel.road_kmh",
    "travel.road_factor",
)
SETTING_LABELS: dict[str, tuple[str, str, str, str]] = {
    "name": ("Tên ngắn (không dấu, dùng đặt tên thư mục)", "Short name", "", ""),
    "title": ("Tên kế hoạch", "Title", "", ""),
    "area.code": (
        "Mã đơn vị (tỉnh, huyện)",
        "Area code",
        "Mã chính thức",
        "Official code",
    ),
    "area.name": ("Tên đơn vị", "Area name", "", ""),
    "area.level": ("Cấp (province / district)", "Level", "", ""),
    "area.parent_name": ("Đơn vị cấp trên", "Parent unit", "", ""),
    "area.hq_venue": ("Mã địa điểm trụ sở", "Head-office venue id", "", ""),
    "horizon.start": ("Ngày bắt đầu", "First day", "", ""),
    "horizon.end": ("Ngày kết thúc", "Last day", "", ""),
    "calendar.weekend": ("Ngày nghỉ cuối tuần", "Weekend", "T7;CN", "sat;sun"),
    "calendar.morning.start": ("Buổi sáng bắt đầu", "Morning starts", "", ""),
    "calendar.morning.end": ("Buổi sáng kết thúc", "Morning ends", "", ""),
    "calendar.afternoon.start": ("Buổi chiều bắt đầu", "Afternoon starts", "", ""),
    "calendar.afternoon.end": ("Buổi chiều kết thúc", "Afternoon ends", "", ""),
    "travel.default_minutes": (
        "Thời gian đi lại mặc định (phút)",
        "Default travel (minutes)",
        "khi không có bảng và toạ độ",
        "when neither the table nor points give it",
    ),
    "travel.road_kmh": ("Tốc độ đường bộ (km/h)", "Road speed (km/h)", "", ""),
    "travel.road_factor": (
        "Hệ số đường bộ",
        "Road factor",
        "quãng đường thực ÷ đường chim bay",
        "road distance ÷ straight line",
    ),
}
LIST_SETTINGS = {"calendar.weekend"}


def _fold(text: str) -> str:
    """Return ``text`` without case, diacritics or repeated spaces, to match names."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def _names(key: str, sheet: str = "") -> tuple[str, str]:
    """Return the (Vietnamese, English) header of a field, on ``sheet`` if it differs."""
    return LABELS.get(f"{key}@{sheet}") or LABELS.get(key, (key, key))


def _label(key: str, lang: str, sheet: str = "") -> str:
    vi, en = _names(key, sheet)
    return vi if lang == "vi" else en


def _choice_key(sheet: str, column: str) -> str | None:
    for key in (f"{column}@{sheet}", column):
        if key in CHOICES:
            return key
    if column in ("preferred_weekdays", "weekend"):
        return "weekday"
    if column in ("every_topic_per_quarter", "carry_over"):
        return "bool"
    return None


def _show_choice(key: str, value: str, lang: str) -> str:
    names = CHOICES[key].get(value)
    if names is None:
        return value
    return names[0] if lang == "vi" else names[1]


def _read_choice(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    folded = _fold(value)
    for choice, names in CHOICES[key].items():
        if folded in (_fold(choice), _fold(names[0]), _fold(names[1])):
            return choice
    return value


# --------------------------------------------------------------------------- quarters

_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def quarter_header(key: str, lang: str) -> str:
    """Return a quarter key (``2023-Q3``) as a column header (``Quý III/2023``)."""
    year, _, q = key.partition("-Q")
    return f"Quý {_ROMAN.get(q, q)}/{year}" if lang == "vi" else key


def _quarter_key(header: str) -> str | None:
    text = _fold(header)
    if "-q" in text:
        year, _, q = text.partition("-q")
        return f"{year}-Q{q}" if year.isdigit() and q in _ROMAN else None
    if text.startswith("quy "):
        roman, _, year = text[4:].partition("/")
        for q, r in _ROMAN.items():
            if _fold(r) == roman.strip() and year.strip().isdigit():
                return f"{year.strip()}-Q{q}"
    return None


# --------------------------------------------------------------------------- writing


def _cell_value(value: Any, choice: str | None, lang: str) -> Any:
    """Return a scenario value as a cell holds it (dates stay dates, lists joined)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _show_choice("bool", "true" if value else "false", lang)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, tuple) and value and isinstance(value[0], schema.Outlet):
        return "; ".join(o.cell() for o in value)
    if isinstance(value, list | tuple):
        return ";".join(
            _show_choice(choice, str(v), lang) if choice else str(v) for v in value
        )
    if isinstance(value, str) and choice:
        return _show_choice(choice, value, lang)
    return value


def _time_or_text(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            return value
    return value


@dataclass
class _Sheet:
    """A sheet as rows of cells, before it is laid into openpyxl."""

    key: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    widths: dict[int, int] = field(default_factory=dict)
    choices: dict[int, str] = field(default_factory=dict)
    money: set[int] = field(default_factory=set)
    commune_lists: set[int] = field(default_factory=set)


def _record_sheet(
    key: str, records: Iterable[BaseModel], model: type[BaseModel], lang: str
) -> _Sheet:
    columns = list(model.model_fields)
    sheet = _Sheet(key, [_label(c, lang, key) for c in columns])
    for i, column in enumerate(columns):
        choice = _choice_key(key, column)
        if choice:
            sheet.choices[i] = choice
        if column.endswith("_vnd"):
            sheet.money.add(i)
        if column in ("commune_code", "commune"):
            sheet.commune_lists.add(i)
    for record in records:
        sheet.rows.append(
            [
                _cell_value(getattr(record, c), sheet.choices.get(i), lang)
                for i, c in enumerate(columns)
            ]
        )
    return sheet


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and not (prefix.endswith("parameters") and not value):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = value


def _settings_sheet(
    scenario: schema.Scenario, document: Mapping[str, Any], lang: str
) -> _Sheet:
    values: dict[str, Any] = {}
    for section, body in document.items():
        if section in ("data", "activities", "funding", "targets", "pins", "roles"):
            continue
        if section == "calendar":
            body = {
                k: v
                for k, v in body.items()
                if k not in ("extra_holidays", "extra_working_days")
            }
        _flatten(section, body, values)
    full = scenario.model_dump()
    for key in ALWAYS_SHOWN:
        if key not in values:
            node: Any = full
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                values[key] = node
    order = [k for k in ALWAYS_SHOWN if k in values] + sorted(
        k for k in values if k not in ALWAYS_SHOWN
    )
    sheet = _Sheet(
        "settings",
        [_label(c, lang) for c in ("setting", "key", "value", "explanation")],
    )
    sheet.widths = {0: 42, 1: 30, 2: 40, 3: 48}
    for key in order:
        vi, en, help_vi, help_en = SETTING_LABELS.get(key, (key, key, "", ""))
        value = values[key]
        if key in LIST_SETTINGS:
            value = ";".join(_show_choice("weekday", str(v), lang) for v in value)
        elif isinstance(value, dt.time):
            value = value.replace(second=0)
        elif isinstance(value, list | tuple):
            value = ";".join(
                ",".join(v) if isinstance(v, list) else str(v) for v in value
            )
        sheet.rows.append(
            [
                vi if lang == "vi" else en,
                key,
                _time_or_text(value),
                help_vi if lang == "vi" else help_en,
            ]
        )
    return sheet


def _activities_sheet(scenario: schema.Scenario, lang: str) -> _Sheet:
    fields = [f for f in schema.ActivitySpec.model_fields if f != "announce"]
    announce = ["announce.via", "announce.min_broadcasts", "announce.window_days"]
    columns = ["id", *fields[: fields.index("requires_training")], *announce]
    columns += fields[fields.index("requires_training") :]
    sheet = _Sheet("activities", [_label(c, lang) for c in columns])
    defaults = schema.ActivitySpec.model_fields
    for i, column in enumerate(columns):
        choice = _choice_key("activities", column)
        if choice:
            sheet.choices[i] = choice
        if column.endswith("_vnd"):
            sheet.money.add(i)
    for act_id, spec in scenario.activities.items():
        row: list[Any] = []
        for i, column in enumerate(columns):
            if column == "id":
                row.append(act_id)
            elif column.startswith("announce."):
                part = column.split(".", 1)[1]
                row.append(getattr(spec.announce, part) if spec.announce else None)
            else:
                value = getattr(spec, column)
                info = defaults[column]
                default = (
                    info.default_factory()  # type: ignore[call-arg]
                    if info.default_factory is not None
                    else info.default
                )
                keep = column in ("kind", "name_vi", "name_en", "funding_sources")
                if not keep and value == default:
                    value = None
                row.append(_cell_value(value, sheet.choices.get(i), lang))
        sheet.rows.append(row)
    return sheet


def _funding_sheet(scenario: schema.Scenario, lang: str) -> _Sheet:
    quarters = sorted({q for f in scenario.funding for q in f.allowance_vnd})
    columns = ["id", "name_vi", "name_en", "carry_over"]
    header = [
        *(_label(c, lang) for c in ("source_id", *columns[1:])),
        *(quarter_header(q, lang) for q in quarters),
    ]
    sheet = _Sheet("funding", header)
    sheet.choices[3] = "bool"
    sheet.money = set(range(4, 4 + len(quarters)))
    for source in scenario.funding:
        sheet.rows.append(
            [
                source.id,
                source.name_vi,
                source.name_en,
                _cell_value(source.carry_over, "bool", lang),
                *(source.allowance_vnd.get(q) for q in quarters),
            ]
        )
    return sheet


def _roles_sheet(scenario: schema.Scenario, lang: str) -> _Sheet:
    columns = ("role_id", "name_vi", "name_en")
    sheet = _Sheet("roles", [_label(c, lang) for c in columns])
    sheet.widths = {0: 22, 1: 48, 2: 48}
    for role, names in scenario.roles.items():
        sheet.rows.append([role, names.name_vi, names.name_en])
    return sheet


def _days_sheet(
    scenario: schema.Scenario, official: Iterable[tuple[dt.date, str]], lang: str
) -> _Sheet:
    sheet = _Sheet("days", [_label(c, lang) for c in ("date", "day_kind", "note")])
    sheet.choices[1] = "day_kind"
    rows = [(d, "official", name) for d, name in official]
    rows += [(d, "holiday", "") for d in scenario.calendar.extra_holidays]
    rows += [(d, "working", "") for d in scenario.calendar.extra_working_days]
    for day, kind, note in sorted(rows):
        sheet.rows.append([day, _show_choice("day_kind", kind, lang), note or None])
    return sheet


def _instructions(scenario: schema.Scenario, lang: str) -> list[str]:
    vi = lang == "vi"
    title = scenario.title
    lines = [
        title,
        "",
        (
            "Tệp này là toàn bộ kịch bản lập lịch: mỗi trang tính là một phần."
            if vi
            else "This file is the whole scenario: each sheet is one part of it."
        ),
        (
            "Điền hoặc sửa các trang bên dưới, giữ nguyên tên trang và dòng tiêu đề."
            if vi
            else "Fill in or edit the sheets below; keep the sheet names and header rows."
        ),
        (
            "Ngày ghi dạng ngày (25/09/2027), giờ dạng 07:30, tiền là số nguyên (đồng)."
            if vi
            else "Dates as dates (25/09/2027), times as 07:30, money as whole đồng."
        ),
        (
            "Nhiều giá trị trong một ô cách nhau bằng dấu chấm phẩy: ldtbxh;giang_vien."
            if vi
            else "Several values in one cell are separated by semicolons: ldtbxh;giang_vien."
        ),
        "",
    ]
    explanations = {
        "settings": (
            "tên, đơn vị, thời gian kế hoạch, giờ các buổi, đi lại",
            "name, area, period, half-day times, travel",
        ),
        "activities": (
            "đối thoại, phát thanh, tập huấn… và quy tắc của từng hoạt động",
            "dialogues, broadcasts, training… and the rules of each",
        ),
        "funding": (
            "mỗi nguồn kinh phí một dòng, mỗi quý một cột (đồng)",
            "one row per funding source, one column per quarter (VND)",
        ),
        "communes": (
            "các xã, phường trong kế hoạch (mã chính thức), số hộ nghèo",
            "the communes of the plan (official codes), poor households",
        ),
        "staff": (
            "cán bộ tham gia, vai trò (cách nhau bằng ;), số buổi tối đa mỗi tuần",
            "the staff, their roles (separated by ;), sessions per week at most",
        ),
        "roles": (
            "tên đầy đủ của từng mã vai trò, dùng trong văn bản và báo cáo",
            "the full name of each role id, used in documents and reports",
        ),
        "venues": (
            "hội trường, trụ sở, nơi tập huấn",
            "halls, offices, training venues",
        ),
        "topics": ("chủ đề tuyên truyền", "the topics"),
        "stations": (
            "khung giờ phát của đài truyền thanh mỗi xã",
            "each commune station's airing slots",
        ),
        "blocked_periods": (
            "xã hoặc cán bộ bận (thu hoạch, mùa bão, họp, nghỉ phép)",
            "communes or staff unavailable (harvest, storms, meetings, leave)",
        ),
        "travel_times": (
            "thời gian đi lại (phút) khi khác với ước tính theo toạ độ",
            "travel minutes where they differ from the estimate from points",
        ),
        "targets": (
            "chỉ tiêu theo mốc (ví dụ một nửa số buổi trước 30/09)",
            "targets by a date (e.g. half the dialogues by 30/09)",
        ),
        "pins": ("buổi đã chốt ngày", "sessions with a fixed date"),
        "days": (
            "ngày nghỉ thêm và ngày làm bù; ngày lễ theo luật được tính tự động",
            "extra holidays and make-up working days; public holidays are automatic",
        ),
    }
    lines.append("Các trang tính:" if vi else "The sheets:")
    for key, (vi_text, en_text) in explanations.items():
        name = SHEETS[key][0 if vi else 1]
        lines.append(f"  • {name}: {vi_text if vi else en_text}")
    lines += [
        "",
        "Kiểm tra và lập lịch:" if vi else "Check and plan:",
        "  scheduler validate <tệp>.xlsx" if vi else "  scheduler validate <file>.xlsx",
        "  scheduler plan <tệp>.xlsx" if vi else "  scheduler plan <file>.xlsx",
        (
            "Mỗi lỗi được báo kèm tên trang, số dòng, cột và tiêu đề cột."
            if vi
            else "Every problem names the sheet, the row, the column and its header."
        ),
    ]
    return lines


def _official_holidays(
    scenario: schema.Scenario, lang: str
) -> list[tuple[dt.date, str]]:
    """Return the public holidays of the horizon with their names (automatic ones)."""
    start, end = scenario.horizon.start, scenario.horizon.end
    years = range(start.year, end.year + 1)
    try:
        table, _ = public_holidays(scenario.calendar.country_holidays, years, lang)
    except (NotImplementedError, KeyError):  # a country the package does not know
        return []
    return sorted((d, str(n)) for d, n in table.items() if start <= d <= end)


def workbook_bytes(scenario: schema.Scenario, lang: str = "vi") -> bytes:
    """Return the scenario as one Excel workbook.

    Parameters
    ----------
    scenario : Scenario
        The scenario (a whole one, or a starter with empty tables).
    lang : {"vi", "en"}
        The language of sheet names, headers, choices and instructions.

    Returns
    -------
    bytes
        An .xlsx file that :func:`read_workbook` reads back to the same
        scenario.
    """
    document = scenario_document(scenario)
    sheets = [
        _settings_sheet(scenario, document, lang),
        _activities_sheet(scenario, lang),
        _funding_sheet(scenario, lang),
        _record_sheet("communes", scenario.communes, schema.Commune, lang),
        _record_sheet("staff", scenario.staff, schema.Staff, lang),
        _roles_sheet(scenario, lang),
        _record_sheet("venues", scenario.venues, schema.Venue, lang),
        _record_sheet("topics", scenario.topics, schema.Topic, lang),
        _record_sheet("stations", scenario.stations, schema.StationSlot, lang),
        _record_sheet("blocked_periods", scenario.blocked, schema.BlockedPeriod, lang),
        _record_sheet("travel_times", scenario.travel_times, schema.TravelTime, lang),
        _record_sheet("targets", scenario.targets, schema.Target, lang),
        _record_sheet("pins", scenario.pins, schema.Pin, lang),
        _days_sheet(scenario, _official_holidays(scenario, lang), lang),
    ]
    return _lay_out(_instructions(scenario, lang), sheets, len(scenario.communes), lang)


def _lay_out(
    instructions: list[str], sheets: list[_Sheet], n_communes: int, lang: str
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    first = book.active
    first.title = SHEETS["instructions"][0 if lang == "vi" else 1]
    for i, line in enumerate(instructions, start=1):
        first.cell(row=i, column=1, value=line)
    first["A1"].font = Font(bold=True, size=14)
    first.column_dimensions["A"].width = 110
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    commune_sheet = SHEETS["communes"][0 if lang == "vi" else 1]
    # room below the communes for the planner to add more
    commune_range = f"'{commune_sheet}'!$A$2:$A${n_communes + 500}"
    for spec in sheets:
        ws = book.create_sheet(SHEETS[spec.key][0 if lang == "vi" else 1])
        ws.append(spec.header)
        for row in spec.rows:
            ws.append(row)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        last = max(ws.max_row, 2) + 500
        for i, _ in enumerate(spec.header):
            letter = get_column_letter(i + 1)
            ws.column_dimensions[letter].width = spec.widths.get(
                i, max(12, min(40, len(str(spec.header[i])) + 4))
            )
            if i in spec.money:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                    cell.number_format = "#,##0"
            rng = f"{letter}2:{letter}{last}"
            if i in spec.choices and spec.choices[i] not in ("weekday",):
                names = [
                    n[0] if lang == "vi" else n[1]
                    for n in CHOICES[spec.choices[i]].values()
                ]
                dv = DataValidation(
                    type="list", formula1='"' + ",".join(names) + '"', allow_blank=True
                )
                dv.add(rng)
                ws.add_data_validation(dv)
            elif i in spec.commune_lists and spec.key != "communes":
                dv = DataValidation(
                    type="list", formula1=commune_range, allow_blank=True
                )
                dv.add(rng)
                ws.add_data_validation(dv)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date) and not isinstance(
                    cell.value, dt.datetime
                ):
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(cell.value, dt.time):
                    cell.number_format = "HH:MM"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class WorkbookContent:
    """What a workbook holds, in the loader's shapes.

    ``document`` is what a scenario TOML file parses to (without ``[data]``);
    ``tables`` are the loader's tables with field ids as headers; ``columns``
    names, for each table file and field, the column letter and header the
    planner sees; ``places`` gives, for each setting of the document (a dotted
    path such as ``horizon.start`` or ``activities.dialogue.roles``), the
    sheet, row and column it was read from. Both are for messages.
    """

    document: dict[str, Any]
    tables: dict[str, Table]
    columns: dict[tuple[str, str], str]
    places: dict[str, tuple[str, int, str]]

    def locate(self, problem: InputProblem) -> InputProblem:
        """Return ``problem`` naming the sheet, row and column it concerns."""
        label = self.columns.get((problem.file, problem.field))
        if label is not None:
            return replace(problem, field=label)
        best = ""
        for path in self.places:
            if (problem.field == path or problem.field.startswith(path + ".")) and len(
                path
            ) > len(best):
                best = path
        if not best:
            return problem
        file, row, column = self.places[best]
        return replace(problem, file=file, row=row, field=column)


def _sheet_key(title: str) -> str | None:
    folded = _fold(title)
    for key, (vi, en) in SHEETS.items():
        if folded in (_fold(vi), _fold(en), _fold(key)):
            return key
    return None


def _field_of(header: str, fields: Iterable[str], sheet: str) -> str | None:
    folded = _fold(header)
    for name in fields:
        vi, en = _names(name, sheet)
        if folded in (_fold(name), _fold(vi), _fold(en)):
            return name
    return None


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return None if value == "" else value
    if isinstance(value, dt.datetime):
        # Excel keeps dates as datetimes at midnight and times as 1899-12-30 + time
        if value.time() == dt.time(0, 0):
            return value.date()
        if value.date() == dt.date(1899, 12, 30):
            return value.time()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _pairs(
    text: Any, where: str, problems: list[InputProblem], file: str, row: int
) -> Any:
    """Read ``a=1; b=2`` into a dict (numbers as int)."""
    if not isinstance(text, str):
        return text
    out: dict[str, Any] = {}
    for part in text.replace("\n", ";").split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            problems.append(
                InputProblem(
                    file,
                    row,
                    where,
                    f"cần dạng mã=số, cách nhau bằng ; (đang là {part.strip()!r})",
                    f"expected id=number, separated by ; (got {part.strip()!r})",
                )
            )
            continue
        number = value.strip().replace(".", "").replace(",", "")
        out[key.strip()] = (
            int(number) if number.lstrip("-").isdigit() else value.strip()
        )
    return out


def _unflatten(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class _Reader:
    """Reads one workbook's sheets, collecting problems as it goes."""

    def __init__(self, raw: bytes, shown: str) -> None:
        import openpyxl

        self.shown = shown
        self.raw = raw
        self.problems: list[InputProblem] = []
        self.columns: dict[tuple[str, str], str] = {}
        self.places: dict[str, tuple[str, int, str]] = {}
        try:
            # read_only=False to see merged cells; data_only: never evaluate a
            # formula, take what Excel saved for it
            self.book = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ScenarioError(
                [
                    InputProblem(
                        shown,
                        None,
                        "-",
                        f"không mở được tệp Excel: {type(exc).__name__}",
                        f"cannot open the Excel file: {type(exc).__name__}",
                    )
                ]
            ) from exc
        self.sheets: dict[str, Any] = {}
        for ws in self.book.worksheets:
            key = _sheet_key(ws.title)
            if key is not None:
                self.sheets[key] = ws

    def file(self, key: str) -> str:
        ws = self.sheets.get(key)
        title = ws.title if ws is not None else SHEETS[key][0]
        return f"{self.shown} › {title}"

    def cells(self, key: str) -> list[list[Any]]:
        ws = self.sheets.get(key)
        if ws is None:
            return []
        if ws.merged_cells.ranges:
            first = next(iter(ws.merged_cells.ranges))
            self.problems.append(
                InputProblem(
                    self.file(key),
                    first.min_row,
                    str(first.coord),
                    "có ô gộp (merged); hãy bỏ gộp ô để mỗi giá trị nằm trong một ô",
                    "has merged cells; unmerge them so each value has its own cell",
                )
            )
        return [[_clean(v) for v in row] for row in ws.iter_rows(values_only=True)]

    def table(self, key: str, fields: list[str]) -> tuple[list[str | None], list[Row]]:
        """Return the sheet's column → field ids and its non-blank rows."""
        from openpyxl.utils import get_column_letter

        cells = self.cells(key)
        if not cells:
            return [], []
        file = self.file(key)
        mapped: list[str | None] = []
        for i, header in enumerate(cells[0]):
            letter = get_column_letter(i + 1)
            if header is None:
                mapped.append(None)
                continue
            name = _field_of(str(header), fields, key)
            if name is None and key == "funding":
                name = _quarter_key(str(header))
            if name is None:
                self.problems.append(
                    InputProblem(
                        file,
                        1,
                        f"{letter} ({header})",
                        "cột không được biết (kiểm tra chính tả); các cột: "
                        + ", ".join(_label(f, "vi", key) for f in fields),
                        "unknown column (check the spelling); the columns: "
                        + ", ".join(_label(f, "en", key) for f in fields),
                    )
                )
            else:
                self.columns[(file, name)] = f"{letter} ({header})"
            mapped.append(name)
        rows = []
        for number, line in enumerate(cells[1:], start=2):
            values = {
                name: line[i] if i < len(line) else None
                for i, name in enumerate(mapped)
                if name is not None
            }
            if all(v is None for v in values.values()):
                continue
            rows.append(Row(file, number, values))
        return mapped, rows

    def record_table(self, key: str) -> Table | None:
        model = TABLE_MODELS[key]
        fields = list(model.model_fields)
        if key not in self.sheets:
            return None
        _, rows = self.table(key, fields)
        out = []
        for row in rows:
            values = dict(row.values)
            for name, value in values.items():
                choice = _choice_key(key, name)
                if choice and isinstance(value, str):
                    parts = [_read_choice(choice, p) for p in value.split(";")]
                    values[name] = ";".join(str(p) for p in parts)
            out.append(Row(row.file, row.row, values))
        header = tuple(f for f in fields if any(f in r.values for r in out)) or tuple(
            fields
        )
        return Table(self.file(key), header, tuple(out), b"")

    def settings(self) -> dict[str, Any]:
        cells = self.cells("settings")
        file = self.file("settings")
        values: dict[str, Any] = {}
        header = cells[0][2] if cells and len(cells[0]) > 2 else "C"
        for number, line in enumerate(cells[1:], start=2):
            key = line[1] if len(line) > 1 else None
            value = line[2] if len(line) > 2 else None
            if key is None or value is None:
                continue
            key = str(key).strip()
            self.places[key] = (file, number, f"C ({header}: {line[0] or key})")
            if key in LIST_SETTINGS and isinstance(value, str):
                value = [
                    _read_choice("weekday", v) for v in value.split(";") if v.strip()
                ]
            elif key == "solver.stages" and isinstance(value, str):
                value = [[g.strip() for g in s.split(",")] for s in value.split(";")]
            elif isinstance(value, dt.time):
                value = value.strftime("%H:%M")
            elif isinstance(value, str) and _fold(value) in (
                "co",
                "khong",
                "yes",
                "no",
            ):
                value = _read_choice("bool", value) == "true"
            elif isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            values[key] = value
        return _unflatten(values)

    def activities(self) -> dict[str, Any]:
        fields = ["id", *schema.ActivitySpec.model_fields]
        fields += ["announce.via", "announce.min_broadcasts", "announce.window_days"]
        _, rows = self.table("activities", fields)
        file = self.file("activities")
        out: dict[str, Any] = {}
        for row in rows:
            body: dict[str, Any] = {}
            announce: dict[str, Any] = {}
            act_id = row.values.get("id")
            for name, value in row.values.items():
                if value is None or name == "id":
                    continue
                where = self.columns.get((file, name), name)
                self.places[f"activities.{act_id}.{name}"] = (file, row.row, where)
                if name.startswith("announce."):
                    announce[name.split(".", 1)[1]] = value
                elif name in ("roles", "per_commune_override", "per_month_override"):
                    body[name] = _pairs(value, where, self.problems, file, row.row)
                elif name in ("funding_sources", "communes", "preferred_weekdays"):
                    choice = _choice_key("activities", name)
                    body[name] = [
                        _read_choice(choice, v.strip()) if choice else v.strip()
                        for v in str(value).split(";")
                        if v.strip()
                    ]
                elif (choice := _choice_key("activities", name)) is not None:
                    value = _read_choice(choice, value)
                    body[name] = value == "true" if choice == "bool" else value
                else:
                    body[name] = value
            if announce:
                body["announce"] = announce
            if act_id is None:
                self.problems.append(
                    InputProblem(
                        file,
                        row.row,
                        self.columns.get((file, "id"), "A"),
                        "thiếu mã hoạt động",
                        "the activity id is missing",
                    )
                )
                continue
            out[str(act_id)] = body
        return out

    def funding(self) -> list[dict[str, Any]]:
        fields = ["source_id", "name_vi", "name_en", "carry_over"]
        _, rows = self.table("funding", fields)
        file = self.file("funding")
        out = []
        for index, row in enumerate(rows):
            body: dict[str, Any] = {"allowance_vnd": {}}
            self.places[f"funding[{index}]"] = (file, row.row, "-")
            for name, value in row.values.items():
                if value is None:
                    continue
                where = self.columns.get((file, name), name)
                field_name = "id" if name == "source_id" else name
                if "-Q" in name:
                    field_name = f"allowance_vnd.{name}"
                self.places[f"funding[{index}].{field_name}"] = (file, row.row, where)
                if name == "source_id":
                    body["id"] = value
                elif name == "carry_over":
                    body[name] = _read_choice("bool", value) in ("true", True)
                elif "-Q" in name:
                    body["allowance_vnd"][name] = value
                else:
                    body[name] = value
            out.append(body)
        return out

    def roles(self) -> dict[str, Any]:
        _, rows = self.table("roles", ["role_id", "name_vi", "name_en"])
        file = self.file("roles")
        out: dict[str, Any] = {}
        for row in rows:
            role = row.values.get("role_id")
            body = {
                k: v for k, v in row.values.items() if k != "role_id" and v is not None
            }
            for name in body:
                where = self.columns.get((file, name), name)
                self.places[f"roles.{role}.{name}"] = (file, row.row, where)
            if role is not None:
                out[str(role)] = body
        return out

    def days(self) -> dict[str, list[dt.date]]:
        _, rows = self.table("days", ["date", "day_kind", "note"])
        holidays: list[dt.date] = []
        working: list[dt.date] = []
        for row in rows:
            kind = _read_choice("day_kind", row.values.get("day_kind"))
            day = row.values.get("date")
            if not isinstance(day, dt.date):
                continue
            if kind == "holiday":
                holidays.append(day)
            elif kind == "working":
                working.append(day)
        return {"extra_holidays": holidays, "extra_working_days": working}


def read_workbook(raw: bytes, shown: str) -> WorkbookContent:
    """Read a scenario workbook into the loader's document and tables.

    Parameters
    ----------
    raw : bytes
        The .xlsx file's bytes.
    shown : str
        How to name the file in messages.

    Returns
    -------
    WorkbookContent
        The document, the tables and the column names for messages.

    Raises
    ------
    ScenarioError
        When the file is not a workbook, a required sheet is missing, or a
        header or cell cannot be read.
    """
    reader = _Reader(raw, shown)
    missing = [
        k for k in ("settings", "activities", "communes") if k not in reader.sheets
    ]
    if missing:
        present = ", ".join(ws.title for ws in reader.book.worksheets)
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    None,
                    SHEETS[k][0],
                    f"thiếu trang tính '{SHEETS[k][0]}' (các trang có: {present})",
                    f"the sheet '{SHEETS[k][1]}' is missing (sheets present: {present})",
                )
                for k in missing
            ]
        )
    document = reader.settings()
    document["activities"] = reader.activities()
    document["funding"] = reader.funding()
    roles = reader.roles()
    if roles:
        document["roles"] = roles
    extra = reader.days()
    calendar = document.setdefault("calendar", {})
    for key, dates in extra.items():
        if dates:
            calendar[key] = dates
    tables: dict[str, Table] = {}
    for key in TABLE_MODELS:
        table = reader.record_table(key)
        if table is None:
            continue
        if key in ("targets", "pins"):
            document[key] = [dict(r.values) for r in table.rows]
            for index, r in enumerate(table.rows):
                reader.places[f"{key}[{index}]"] = (table.file, r.row, "-")
                for name in r.values:
                    where = reader.columns.get((table.file, name), name)
                    reader.places[f"{key}[{index}].{name}"] = (table.file, r.row, where)
        else:
            tables[key] = Table(table.file, table.header, table.rows, raw)
    if reader.problems:
        raise ScenarioError(reader.problems)
    return WorkbookContent(document, tables, reader.columns, reader.places)


@dataclass(frozen=True)
class WorkbookFile:
    """A workbook read from disk: its content and its bytes (the input hash)."""

    content: WorkbookContent
    raw: bytes

    @property
    def document(self) -> dict[str, Any]:
        """The settings, activities and budget, as a TOML file parses to."""
        return self.content.document


def read_workbook_file(path: Path) -> WorkbookFile:
    """Read a scenario workbook from disk.

    Raises
    ------
    ScenarioError
        When the file cannot be read or holds problems (see :func:`read_workbook`).
    """
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            [
                InputProblem(
                    shown,
                    None,
                    "-",
                    f"không đọc được tệp ({exc.strerror})",
                    f"cannot read the file ({exc.strerror})",
                )
            ]
        ) from exc
    return WorkbookFile(read_workbook(raw, shown), raw)
