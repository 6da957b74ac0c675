"""Words of the workspace pages: Vietnamese first, English with ``?lang=en``."""

from __future__ import annotations

import datetime as dt

_TEXT: dict[str, tuple[str, str]] = {
    "app": ("Lập lịch truyền thông giảm nghèo", "Poverty-reduction campaign planner"),
    "plans": ("Kế hoạch", "Plans"),
    "new_plan": ("Kế hoạch mới", "New plan"),
    "no_plans": (
        "Chưa có kế hoạch nào. Bấm “Kế hoạch mới” để bắt đầu.",
        "No plans yet. Press “New plan” to start.",
    ),
    "name": ("Tên", "Name"),
    "area": ("Địa bàn", "Area"),
    "last_run": ("Lần lập lịch gần nhất", "Last run"),
    "open": ("Mở", "Open"),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "user": ("Tên đăng nhập", "User name"),
    "password": ("Mật khẩu", "Password"),
    "login_failed": (
        "Sai tên đăng nhập hoặc mật khẩu.",
        "Wrong user name or password.",
    ),
    "login_blocked": (
        "Đăng nhập sai quá nhiều lần; thử lại sau một phút.",
        "Too many failed logins; try again in a minute.",
    ),
    "link_used": (
        "Đường dẫn đăng nhập này đã dùng hoặc đã hết hạn. Chạy lại `scheduler app` "
        "để có đường dẫn mới, hoặc đăng nhập bằng mật khẩu.",
        "This login link was used already or has expired. Run `scheduler app` again "
        "for a new link, or log in with a password.",
    ),
    "kind": ("Loại địa bàn", "Kind of area"),
    "province_2025": ("Tỉnh (đơn vị 2025)", "Province (2025 units)"),
    "district_2023": ("Huyện (đơn vị 2023)", "District (2023 units)"),
    "province": ("Tỉnh", "Province"),
    "district": ("Huyện", "District"),
    "year": ("Năm kế hoạch", "Plan year"),
    "create": ("Tạo kế hoạch", "Create the plan"),
    "bad_area": (
        "Chọn một huyện hoặc một tỉnh trong danh sách.",
        "Pick a district or a province from the list.",
    ),
    "bad_year": ("Năm kế hoạch từ 2023 đến 2100.", "The plan year is 2023 to 2100."),
    "bad_year_2025": (
        "Đơn vị hai cấp có từ năm 2025.",
        "The two-level units start in 2025.",
    ),
    "data": ("Dữ liệu", "Data"),
    "download": ("Tải tệp Excel về", "Download the workbook"),
    "upload": ("Tải lên tệp Excel đã sửa", "Upload a changed workbook"),
    "from_workbook": ("Hoặc bắt đầu từ một tệp Excel", "Or start from a workbook"),
    "upload_again": ("Tải lên lại", "Upload again"),
    "upload_go": ("Tải lên", "Upload"),
    "uploaded": (
        "Đã nhận tệp; dữ liệu hợp lệ.",
        "Workbook received; the data is valid.",
    ),
    "not_xlsx": (
        "Tệp phải là sổ Excel .xlsx.",
        "The file must be an Excel .xlsx workbook.",
    ),
    "problems": ("Dữ liệu còn lỗi", "Problems in the data"),
    "problems_kept": (
        "Tệp chưa được nhận, kế hoạch giữ dữ liệu cũ. Sửa các lỗi sau rồi tải lên lại:",
        "The workbook was not taken; the plan keeps its data. Fix these and upload again:",
    ),
    "sheet": ("Trang tính", "Sheet"),
    "row": ("Dòng", "Row"),
    "column": ("Cột", "Column"),
    "message": ("Lỗi", "Problem"),
    "valid": (
        "Dữ liệu hợp lệ, sẵn sàng lập lịch.",
        "The data is valid, ready to plan.",
    ),
    "plan": ("Lập lịch", "Planning"),
    "solve": ("Lập lịch", "Make the plan"),
    "time_limit": ("Thời gian tối đa (giây)", "Time limit (seconds)"),
    "cancel": ("Huỷ", "Cancel"),
    "already_running": (
        "Kế hoạch này đang được lập lịch.",
        "This plan is being planned already.",
    ),
    "cannot_plan": (
        "Chưa lập lịch được: dữ liệu còn lỗi.",
        "Cannot plan yet: the data has problems.",
    ),
    "stop_keep": ("Dừng, giữ bản tốt nhất", "Stop, keep the best plan"),
    "draft": ("Bản nháp (đã dừng)", "Draft (stopped)"),
    "state.stopping": ("Đang dừng…", "Stopping…"),
    "state.queued": ("Đang chờ", "Queued"),
    "state.running": ("Đang giải", "Solving"),
    "state.done": ("Xong", "Done"),
    "state.failed": ("Không thành công", "Failed"),
    "state.cancelled": ("Đã huỷ", "Cancelled"),
    "elapsed": ("Đã chạy", "Elapsed"),
    "left": ("Còn lại", "Time left"),
    "objective": ("Hàm mục tiêu", "Objective"),
    "bound": ("Cận", "Bound"),
    "gap": ("Khoảng cách", "Gap"),
    "runs": ("Các lần lập lịch", "Runs"),
    "run": ("Lần", "Run"),
    "review": ("Xem kết quả", "Review"),
    "accept": ("Chọn làm bản chính thức", "Accept this version"),
    "accepted": ("Bản chính thức", "Accepted"),
    "key_figures": ("Số liệu chính", "Key figures"),
    "placed": ("Đã xếp / cần", "Placed / required"),
    "broadcasts": ("Phát thanh", "Broadcasts"),
    "training": ("Tập huấn", "Training"),
    "classes": ("lớp", "classes"),
    "communes": ("xã", "communes"),
    "budget": ("Kinh phí theo nguồn và quý", "Budget by source and quarter"),
    "source": ("Nguồn", "Source"),
    "quarter": ("Quý", "Quarter"),
    "planned": ("Dự kiến chi", "Planned"),
    "allowance": ("Được cấp", "Allowance"),
    "remaining": ("Còn lại", "Left"),
    "left_out": ("Chưa xếp được và lý do", "Left out and why"),
    "nothing_left_out": ("Mọi hoạt động đều được xếp.", "Everything was placed."),
    "agenda": ("Lịch các buổi", "Agenda of the sessions"),
    "date": ("Ngày", "Date"),
    "half_day": ("Buổi", "Half-day"),
    "morning": ("Sáng", "Morning"),
    "afternoon": ("Chiều", "Afternoon"),
    "activity": ("Hoạt động", "Activity"),
    "commune": ("Xã", "Commune"),
    "venue": ("Địa điểm", "Venue"),
    "staff": ("Cán bộ", "Staff"),
    "files": ("Tệp kết quả", "Output files"),
    "report": ("Báo cáo (report.html)", "Report (report.html)"),
    "not_found": ("Không tìm thấy.", "Not found."),
    "back": ("Quay lại", "Back"),
    "status": ("Trạng thái bộ giải", "Solver status"),
    "edit_staff": ("Sửa bảng cán bộ", "Edit the staff table"),
    "edit_budget": ("Sửa bảng kinh phí", "Edit the budget table"),
    "or_in_page": ("hoặc sửa ngay trên trang:", "or edit in the page:"),
    "add_row": ("Thêm dòng", "Add a row"),
    "remove": ("Xoá dòng này", "Remove this row"),
    "save": ("Lưu vào tệp Excel", "Save into the workbook"),
    "saved": ("Đã lưu vào tệp Excel.", "Saved into the workbook."),
    "not_saved": (
        "Chưa lưu: sửa các lỗi sau.",
        "Not saved: fix these first.",
    ),
    "cannot_edit": (
        "Tệp Excel có lỗi ở các trang tính khác; sửa trong Excel rồi tải lên lại.",
        "The workbook has problems in other sheets; fix them in Excel and upload it again.",
    ),
    "staff_hint": (
        "Vai trò: các mã vai trò cách nhau bởi dấu chấm phẩy, vd. lanh_dao_huyen; ldtbxh.",
        "Roles: role ids separated by semicolons, e.g. lanh_dao_huyen; ldtbxh.",
    ),
    "budget_hint": (
        "Số tiền được cấp mỗi quý, bằng đồng (vd. 6.000.000).",
        "The allowance of each quarter, in VND (e.g. 6,000,000).",
    ),
    "new_source": ("Nguồn mới (nếu cần)", "New source (if needed)"),
    "source_id": ("Mã nguồn", "Source id"),
    "source_name": ("Tên nguồn", "Source name"),
    "worker_lost": (
        "Tiến trình giải đã dừng bất thường.",
        "The solver process stopped unexpectedly.",
    ),
}

_WEEKDAYS = {
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
    "en": (
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ),
}


def w(key: str, lang: str) -> str:
    """Return the page text ``key`` in ``lang`` (``vi`` or ``en``)."""
    vi, en = _TEXT[key]
    return en if lang == "en" else vi


def weekday_date(value: dt.date, lang: str) -> str:
    """Format a date with its weekday: ``Thứ Ba 25/07/2023`` or ``Tuesday 25/07/2023``."""
    return (
        f"{_WEEKDAYS['en' if lang == 'en' else 'vi'][value.weekday()]} {value:%d/%m/%Y}"
    )
