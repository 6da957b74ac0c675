"""Fill a plan store the way ``scheduler publish`` does, for server tests and benchmarks.

Rows follow the schema of ``scheduler/store.py``; feed bodies are real iCalendar
made with the ``icalendar`` library, so the server is tested on what it will serve.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from scheduler.store import connect, put_blob

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class FeedRow:
    name: str
    kind: str
    subject: str | None
    title: str
    body: bytes


def ics(title: str, events: list[tuple[str, str, dt.datetime]]) -> bytes:
    """A calendar with one two-hour VEVENT per (uid, summary, start)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//scheduler tests//EN")
    cal.add("version", "2.0")
    cal.add("name", title)
    cal.add("x-wr-calname", title)
    for uid, summary, start in events:
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("summary", summary)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(hours=2))
        event.add("dtstamp", dt.datetime(2023, 8, 1, tzinfo=dt.UTC))
        event.add("sequence", 0)
        cal.add_component(event)
    return bytes(cal.to_ical())


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest() + '"'


def publish(
    store: Path,
    scenario: str,
    feeds: list[FeedRow],
    *,
    pages: dict[str, tuple[str, bytes]] | None = None,
    modified: str = "2023-08-01T02:03:04+00:00",
) -> int:
    """Insert one version with its feeds and pages in one transaction; return its number."""
    conn = connect(store)
    try:
        with conn:
            cur = conn.execute(
                "INSERT INTO versions (scenario, published_at, input_hash, plan_json)"
                " VALUES (?, ?, ?, ?)",
                (scenario, modified, "0" * 64, b"{}"),
            )
            version = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO feeds (version, name, kind, subject, title, body_hash,"
                " etag, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        version,
                        f.name,
                        f.kind,
                        f.subject,
                        f.title,
                        put_blob(conn, f.body),
                        etag_of(f.body),
                        modified,
                    )
                    for f in feeds
                ],
            )
            conn.executemany(
                "INSERT INTO pages (version, name, content_type, body_hash, etag,"
                " last_modified) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        version,
                        name,
                        ctype,
                        put_blob(conn, body),
                        etag_of(body),
                        modified,
                    )
                    for name, (ctype, body) in (pages or {}).items()
                ],
            )
    finally:
        conn.close()
    return version


def sample_feeds(staff_events: int = 3, label: str = "") -> list[FeedRow]:
    """A small plan: whole plan, two communes, one activity, one station, two staff."""
    start = dt.datetime(2023, 9, 12, 8, 0, tzinfo=VN)
    events = [
        (
            f"dialogue-1800{i}-1@scheduler",
            f"Đối thoại chính sách{label} — Xã Một {i}",
            start + dt.timedelta(days=i),
        )
        for i in range(staff_events)
    ]
    one = ics("Xã Một", events[:1])
    return [
        FeedRow(
            "all", "plan", None, "Toàn bộ kế hoạch", ics("Toàn bộ kế hoạch", events)
        ),
        FeedRow("commune-18001", "commune", "18001", "Xã Một", one),
        FeedRow(
            "commune-18002", "commune", "18002", "Xã Hai", ics("Xã Hai", events[1:2])
        ),
        FeedRow(
            "activity-dialogue",
            "activity",
            "dialogue",
            "Đối thoại",
            ics("Đối thoại", events),
        ),
        FeedRow("station-18001", "station", "18001", "Đài truyền thanh Xã Một", one),
        FeedRow(
            "staff-LD01", "staff", "LD01", "Nguyễn Văn Lãnh Đạo", ics("LD01", events)
        ),
        FeedRow(
            "staff-TR02",
            "staff",
            "TR02",
            "Trần Thị Giảng Viên",
            ics("TR02", events[:2]),
        ),
    ]
