"""Words people read: Vietnamese by default, English with ``--lang en``."""

from __future__ import annotations

LANGS = ("vi", "en")

_TEXT: dict[str, tuple[str, str]] = {
    # column headers of the schedule tables
    "event_id": ("Mã sự kiện", "Event id"),
    "activity": ("Hoạt động", "Activity"),
    "commune_code": ("Mã xã", "Commune code"),
    "commune": ("Xã/thị trấn", "Commune"),
    "venue": ("Địa điểm", "Venue"),
    "date": ("Ngày", "Date"),
    "start": ("Bắt đầu", "Start"),
    "end": ("Kết thúc", "End"),
    "staff": ("Cán bộ", "Staff"),
    "communes_served": ("Xã tham gia", "Communes served"),
    "topic": ("Chủ đề", "Topic"),
    "cost_vnd": ("Kinh phí (đồng)", "Cost (VND)"),
    "funding_source": ("Nguồn kinh phí", "Funding source"),
    "status": ("Trạng thái", "Status"),
    "attendees": ("Số người tham dự", "Attendees"),
    "slot": ("Khung giờ phát", "Broadcast slot"),
    "count": ("Số lượng", "Count"),
    "reason": ("Lý do", "Reason"),
    "period": ("Thời kỳ", "Period"),
    "penalty": ("Điểm phạt", "Penalty"),
    "weekday": ("Thứ", "Weekday"),
    "half_day": ("Buổi", "Half-day"),
    "half.morning": ("Sáng", "Morning"),
    "half.afternoon": ("Chiều", "Afternoon"),
    # reasons something was left out
    "reason.left_out": (
        "Bị bỏ ra (ưu tiên thấp hơn)",
        "Left out (lower priority)",
    ),
    "reason.short": (
        "Thiếu so với số buổi phát yêu cầu trong tháng",
        "Short of the required items in the month",
    ),
    "reason.venue_too_small": (
        "Không có hội trường trong xã đủ chỗ cho số người dự",
        "No venue in the commune holds the expected attendees",
    ),
    "reason.no_free_half_day": (
        "Không còn buổi làm việc trống (ngày nghỉ, thời gian bị chặn, hoặc không đủ giảng viên)",
        "No free working half-day (holidays, blocked periods, or no free trainer)",
    ),
    "reason.no_station_slot": (
        "Đài truyền thanh xã không có khung giờ đủ dài",
        "The commune station has no slot long enough",
    ),
    "reason.class_too_small": (
        "Lớp (hoặc hội trường) nhỏ hơn số học viên của một xã",
        "The class (or its venue) is smaller than one commune's trainees",
    ),
    "reason.past_deadline": (
        "Kỳ này không còn ngày làm việc nào trước hạn chót (deadline)",
        "The period has no working day left before the deadline",
    ),
    # reasons the greedy baseline (scheduler/solver/greedy.py) gives
    "reason.budget": (
        "Hết kinh phí của các nguồn được phép trong quý",
        "The allowed funding sources have no money left in the quarter",
    ),
    "reason.no_free_staff": (
        "Không còn cán bộ rảnh đủ vai trò (bận, nghỉ hoặc đã đủ số buổi trong tuần)",
        "No free staff for every role (busy, away or at their weekly cap)",
    ),
    "reason.not_trained": (
        "Cán bộ xã chưa được tập huấn trước buổi này",
        "The commune's staff are not trained before it",
    ),
    "reason.no_announcement": (
        "Không thể thông báo trên đài xã đủ số lần trong những ngày trước",
        "It cannot be announced on the station enough times in the days before",
    ),
    # summary
    "summary.title": ("Kế hoạch", "Plan"),
    "summary.placed": (
        "đã xếp / yêu cầu, đếm theo từng xã và tháng",
        "placed / required, counted per commune and month",
    ),
    "summary.placed_publication": (
        "đã xếp / yêu cầu, đếm theo từng cơ quan báo chí và kỳ",
        "placed / required, counted per outlet and period",
    ),
    "summary.extra": ("ngoài yêu cầu", "beyond the requirement"),
    "summary.broadcasts_per_commune": ("Phát thanh mỗi xã", "Broadcasts per commune"),
    "summary.spend": ("Chi tiêu theo nguồn và quý", "Spend by source and quarter"),
    "summary.staff_load": ("Số buổi của từng cán bộ", "Sessions per staff member"),
    "summary.solver": ("Bộ giải", "Solver"),
    "summary.status": ("trạng thái", "status"),
    "summary.objective": ("hàm mục tiêu", "objective"),
    "summary.bound": ("cận", "bound"),
    "summary.gap": ("khoảng cách", "gap"),
    "summary.wall": ("thời gian giải", "solve time"),
    "summary.penalties": ("Điểm phạt theo mục tiêu mềm", "Penalty by soft goal"),
    "summary.unscheduled": ("Chưa xếp được", "Not scheduled"),
    "summary.written": ("Đã ghi kết quả vào", "Results written to"),
    "summary.solving": ("Đang giải", "Solving"),
    "summary.none": ("không có", "none"),
    "valid": ("Kịch bản hợp lệ", "The scenario is valid"),
    "invalid": ("Kịch bản có lỗi", "The scenario has errors"),
    "infeasible": (
        "Không thể lập kế hoạch: các quy tắc sau mâu thuẫn với nhau",
        "No plan is possible: these rules conflict",
    ),
    "infeasible.explain": (
        "Để xem thay đổi ít tốn kém nhất (đã kiểm chứng cho ra kế hoạch), chạy",
        "For the cheapest changes (checked to give a plan), run",
    ),
    "check.ok": (
        "Kế hoạch đúng mọi quy tắc bắt buộc",
        "The plan keeps every hard rule",
    ),
    "check.bad": ("Kế hoạch vi phạm quy tắc bắt buộc", "The plan breaks hard rules"),
    "goal.coverage": ("Bao phủ hoạt động yêu cầu", "Cover required activities"),
    "goal.early": (
        "Đối thoại sớm ở xã nhiều hộ nghèo",
        "Dialogues early where more households are poor",
    ),
    "goal.spread": ("Phát thanh đều các tuần", "Broadcasts spread over the weeks"),
    "goal.weekday": ("Ngày trong tuần ưu tiên", "Preferred weekdays"),
    "goal.cost": ("Tiết kiệm kinh phí", "Low cost"),
    "goal.workload": ("Cân bằng công việc cán bộ", "Balanced staff workload"),
    "status.scheduled": ("đã xếp lịch", "scheduled"),
    "status.pinned": ("giữ nguyên", "pinned"),
    "status.cancelled": ("đã huỷ", "cancelled"),
}


def t(key: str, lang: str = "vi") -> str:
    """Return the text of a key in a language (the key itself when unknown)."""
    pair = _TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def vnd(amount: int, lang: str = "vi") -> str:
    """Format money: ``1.234.000 đ`` in Vietnamese, ``1,234,000 VND`` in English."""
    if lang == "en":
        return f"{amount:,} VND"
    return f"{amount:,} đ".replace(",", ".")


def day(value: object, lang: str = "vi") -> str:
    """Format a date as dd/mm/yyyy (Vietnamese) or yyyy-mm-dd (English)."""
    import datetime as dt

    assert isinstance(value, dt.date)
    return value.isoformat() if lang == "en" else value.strftime("%d/%m/%Y")


def number(value: float, lang: str = "vi") -> str:
    """Format a number rounded to a whole one with thousands separators.

    ``23.520`` in Vietnamese, ``23,520`` in English.
    """
    shown = f"{round(value):,}"
    return shown if lang == "en" else shown.replace(",", ".")


def seconds(value: float, lang: str = "vi") -> str:
    """Format a duration: ``4,01 giây`` in Vietnamese, ``4.01 s`` in English."""
    return f"{value:.2f} s" if lang == "en" else f"{value:.2f} giây".replace(".", ",")


def percent(share: float, lang: str = "vi", digits: int = 1) -> str:
    """Format a share as a percentage: ``87,5%`` in Vietnamese, ``87.5%`` in English."""
    shown = f"{share:.{digits}%}"
    return shown if lang == "en" else shown.replace(".", ",")


_WEEKDAYS = (
    ("Thứ Hai", "Monday"),
    ("Thứ Ba", "Tuesday"),
    ("Thứ Tư", "Wednesday"),
    ("Thứ Năm", "Thursday"),
    ("Thứ Sáu", "Friday"),
    ("Thứ Bảy", "Saturday"),
    ("Chủ nhật", "Sunday"),
)


def weekday(value: object, lang: str = "vi") -> str:
    """Return the weekday of a date: ``Thứ Ba`` in Vietnamese, ``Tuesday`` in English."""
    import datetime as dt

    assert isinstance(value, dt.date)
    pair = _WEEKDAYS[value.weekday()]
    return pair[1] if lang == "en" else pair[0]


def day_with_weekday(value: object, lang: str = "vi") -> str:
    """Return ``Thứ Ba 25/07/2023`` (Vietnamese) or ``Tuesday 2023-07-25`` (English)."""
    return f"{weekday(value, lang)} {day(value, lang)}"


def quarter(key: str, lang: str = "vi") -> str:
    """Return a quarter key ``2023-Q3`` as ``Quý III/2023`` or ``Q3 2023``."""
    year, _, n = key.partition("-Q")
    if lang == "en":
        return f"Q{n} {year}"
    return f"Quý {('I', 'II', 'III', 'IV')[int(n) - 1]}/{year}"
