"""The plan command's outputs fast and pure.

- Calendars are folded by :func:`scheduler.export.ical.fold`, not icalendar's
  per-character folding: the bytes must stay exactly icalendar's.
- ``plan_files`` reads no clock, environment variable or plan store: the
  command passes ``today`` and the calendar state.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import docx
import icalendar
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser.string import _foldline
from lxml import etree

from scheduler.export.bundle import plan_files, plan_outputs, start_helper
from scheduler.export.display import DisplayData
from scheduler.export.document import plan_docx
from scheduler.export.forked import Forked, fork_is_safe, spare_core
from scheduler.export.ical import (
    advance_state,
    build_feeds,
    calendar_feeds,
    calendar_files,
    content_hash,
    default_stamp,
    feed_specs,
    fold,
    to_ical,
)
from scheduler.export.workbook import schedule_xlsx
from scheduler.export.zipped import stamp
from scheduler.plan import Event, Plan
from scheduler.scenario.schema import Scenario
from scheduler.store import connect, preview_state, publish
from tests.calendar_fixtures import LONG_NAME, feed_scenario, solved
from tests.conftest import make_scenario

UTC = dt.UTC

# characters that make folding interesting: 1, 2, 3 and 4 bytes in UTF-8, and
# the escapes icalendar keeps off the end of a folded line
_TRICKY = st.sampled_from([*list('a ,;:\\^"ễƯĐđ—€😀'), "\\n", "\\,", "^n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_TRICKY | st.characters(exclude_categories=("Cs",)), max_size=300))
def test_fold_gives_icalendars_bytes(parts: list[str]) -> None:
    line = "".join(parts).replace("\n", " ").replace("\r", " ")
    assert fold(line) == _foldline(line).encode("utf-8")


@pytest.mark.parametrize(
    "line",
    [
        "",
        "x" * 74,
        "x" * 75,
        "x" * 73 + "\\n" + "y" * 10,  # the escape would end the first line
        "x" * 73 + "^n" + "y" * 10,
        "\\" * 200,
        "DESCRIPTION:" + LONG_NAME * 5,
        "SUMMARY:" + "😀" * 60,
    ],
)
def test_fold_edge_cases(line: str) -> None:
    assert fold(line) == _foldline(line).encode("utf-8")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return feed_scenario(tmp_path_factory.mktemp("fast"))


@pytest.fixture(scope="module")
def plan(scenario: Scenario) -> Plan:
    return solved(scenario)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_feeds_are_icalendars_own_serialisation(
    scenario: Scenario, plan: Plan, lang: str
) -> None:
    """Every feed equals icalendar's ``Calendar.to_ical`` of the same components."""
    display = DisplayData.from_scenario(scenario)
    state = advance_state(plan, display, {}, default_stamp(plan))
    feeds = build_feeds(plan, display, state, lang=lang)
    by_name = {f.name: f for f in feeds}
    assert set(by_name) == {s.name for s in feed_specs(display, lang)}
    for feed in feeds:
        parsed = icalendar.Calendar.from_ical(feed.body)
        assert parsed.to_ical() == feed.body, feed.name
        assert to_ical(parsed) == feed.body, feed.name


# ---------------------------------------------------------------- plan_files is pure

EXPORT = Path(__file__).parent.parent / "scheduler" / "export"
#: Modules of export/ that may read the environment, and why.
MAY_READ_ENVIRONMENT = {
    # chart images (scheduler charts --png), not a plan file: kaleido finds
    # the browser through BROWSER_PATH
    "images.py",
}
_CLOCK_CALLS = {"now", "today", "utcnow", "getenv"}
# time.time() and the like (dt.time(9, 0) and event.start.time() are no clock)
_TIME_CALLS = {"time", "localtime", "gmtime", "time_ns"}


def _impurities(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module in {
            "scheduler.store",
            "scheduler.outputs",
            "sqlite3",
        }:
            found.append(f"{path.name}:{node.lineno} imports {node.module}")
        if isinstance(node, ast.Import):
            found += [
                f"{path.name}:{node.lineno} imports {a.name}"
                for a in node.names
                if a.name in {"scheduler.store", "scheduler.outputs", "sqlite3"}
            ]
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            found.append(f"{path.name}:{node.lineno} reads os.environ")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, on = node.func.attr, node.func.value
            on_time = isinstance(on, ast.Name) and on.id == "time"
            if name in _CLOCK_CALLS or (on_time and name in _TIME_CALLS):
                found.append(f"{path.name}:{node.lineno} calls .{name}()")
    return found


def test_exporters_read_no_clock_environment_or_store() -> None:
    modules = sorted(
        p for p in EXPORT.glob("*.py") if p.name not in MAY_READ_ENVIRONMENT
    )
    assert len(modules) > 10
    assert [bad for p in modules for bad in _impurities(p)] == []


def test_the_purity_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os, sqlite3\nimport datetime as dt\n"
        "from scheduler.store import preview_state\n"
        "x = dt.datetime.now(); y = os.environ.get('A'); z = dt.date.today()\n"
        "import time\nw = time.time(); v = dt.time(9, 0)\n",
        encoding="utf-8",
    )
    assert len(_impurities(bad)) == 6


def test_display_data_lives_outside_the_calendar_module() -> None:
    import scheduler.export.display as display

    assert DisplayData.__module__ == display.__name__


def test_plan_files_read_no_store_and_take_today(
    scenario: Scenario,
    plan: Plan,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A published store (by $SCHEDULER_STORE and out/plans.sqlite) is not read.

    Only the ``calendar_state`` passed counts; ``today`` is the date the
    reports name.
    """
    display = DisplayData.from_scenario(scenario)
    later = dt.datetime(2023, 8, 10, 3, 0, tzinfo=UTC)
    for store in (tmp_path / "env.sqlite", tmp_path / "out" / "plans.sqlite"):
        store.parent.mkdir(exist_ok=True)
        conn = connect(store)
        publish(conn, plan, display, now=later)
        conn.close()
    monkeypatch.setenv("SCHEDULER_STORE", str(tmp_path / "env.sqlite"))
    monkeypatch.chdir(tmp_path)
    day = dt.date(2023, 7, 5)
    files = plan_files(scenario, plan, today=day, calendar_state=None)
    assert {
        k: v for k, v in files.items() if k.startswith("calendars/")
    } == calendar_files(plan, display)
    assert "05/07/2023" in files["report.html"].decode()
    published = preview_state(plan.scenario)
    assert published is not None
    assert published.published_at == later
    continued = plan_files(scenario, plan, today=day, calendar_state=published)
    assert b"DTSTAMP:20230810T030000Z" in continued["calendars/all.ics"]
    assert b"DTSTAMP:20230810T030000Z" not in files["calendars/all.ics"]


def _hash_as_before(event: Event, display: DisplayData) -> str:
    """content_hash as written with dataclasses.asdict: stored hashes must not change."""
    shown = dataclasses.replace(
        event, status="scheduled" if event.status == "pinned" else event.status
    )
    resolved = {
        "event": dataclasses.asdict(shown),
        "venue": dataclasses.asdict(display.venues[event.venue_id])
        if event.venue_id in display.venues
        else None,
        "communes": [
            dataclasses.asdict(display.communes[c])
            for c in (event.commune_code, *event.communes_served)
            if c in display.communes
        ],
        "staff": [
            dataclasses.asdict(display.staff[a.staff_id])
            for a in event.staff
            if a.staff_id in display.staff
        ],
        "publish": [display.public_names, display.organizer_email],
        "labels": [
            dataclasses.asdict(x)
            for x in (
                display.activities.get(event.activity),
                display.topics.get(event.topic or ""),
                display.funding.get(event.funding_source or ""),
            )
            if x is not None
        ],
    }
    text = json.dumps(resolved, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_content_hash_is_unchanged_by_the_faster_conversion(
    scenario: Scenario, plan: Plan
) -> None:
    """The hashes in published stores stay valid: same JSON, same SHA-256."""
    display = DisplayData.from_scenario(scenario)
    events = [
        *plan.events,
        *(dataclasses.replace(e, status="pinned") for e in plan.events[:3]),
    ]
    assert any(e.staff for e in events)
    assert any(e.communes_served for e in events)
    for event in events:
        assert content_hash(event, display) == _hash_as_before(event, display)


def test_plan_json_is_unchanged_by_the_faster_conversion(plan: Plan) -> None:
    """plan.json from one walk over the fields equals the asdict version, byte for byte."""
    from scheduler.plan import _encode

    for p in (plan, dataclasses.replace(plan, events=plan.events[:2])):
        before = json.dumps(
            _encode(dataclasses.asdict(p)), ensure_ascii=False, indent=2, sort_keys=True
        )
        assert p.to_json() == before
        assert Plan.from_dict(json.loads(p.to_json())) == p


# ---------------------------------------------------------------- calendars in a second process

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the calendars fork only on Linux"
)


def _sleep_then(value: int) -> int:
    time.sleep(60)
    return value


def _fail_in_child(parent: int) -> str:
    if os.getpid() != parent:
        raise RuntimeError("the child fails")
    return "here"


@linux_only
def test_forked_runs_in_a_child_and_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fork_is_safe()
    assert Forked(os.getpid).result(wait_s=60) not in (None, os.getpid())
    # the child raises: no result, the caller does the work
    assert Forked(_fail_in_child, os.getpid()).result(wait_s=60) is None
    # the child takes too long: no result, and the child is ended
    slow = Forked(_sleep_then, 1)
    process = slow._process  # to see that it ends
    assert slow.result(wait_s=0.1) is None
    assert process is not None
    assert not process.is_alive()
    # no fork where it is not safe
    monkeypatch.setattr("scheduler.export.forked.fork_is_safe", lambda: False)
    assert Forked(os.getpid).result(wait_s=60) is None


@linux_only
def test_parallel_outputs_equal_sequential_ones(
    scenario: Scenario, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scheduler.export.forked as forked
    import scheduler.export.rendered as rendered

    day = plan.horizon_start
    one = plan_outputs(scenario, plan, "vi", today=day, calendar_state=None)
    # the helper makes the workbook, the document and the pages: the same bytes
    answers: list[bool] = []
    result = forked.Helper.result

    def answered(self: Any, wait_s: float) -> Any:
        value = result(self, wait_s)
        answers.append(value is not None)
        return value

    monkeypatch.setattr(forked.Helper, "result", answered)
    two = plan_outputs(
        scenario,
        plan,
        "vi",
        today=day,
        calendar_state=None,
        helper=start_helper(scenario, "vi"),
    )
    assert answers == [True]
    assert list(two[0]) == list(one[0])
    assert two == one
    # the helper fails: those files are made here, the same
    parent = os.getpid()
    files = rendered.rendered_files

    def fails_in_child(*args: Any) -> dict[str, bytes]:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return files(*args)

    monkeypatch.setattr(rendered, "rendered_files", fails_in_child)
    three = plan_outputs(
        scenario,
        plan,
        "vi",
        today=day,
        calendar_state=None,
        helper=start_helper(scenario, "vi"),
    )
    assert answers == [True, False]
    assert three == one


@linux_only
def test_a_second_process_only_where_a_core_is_free(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # where /proc/loadavg cannot say how many threads run now: the average
    monkeypatch.setattr("scheduler.export.forked._running_now", lambda: None)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(os, "getloadavg", lambda: (0.4, 0.5, 0.5))
    assert spare_core()
    monkeypatch.setattr(os, "getloadavg", lambda: (7.9, 6.0, 4.0))
    assert not spare_core()
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not spare_core()


# ---------------------------------------------------------------- workbook and document bytes


@pytest.mark.parametrize("make", [schedule_xlsx, plan_docx])
def test_zip_files_depend_on_their_inputs_not_the_clock(
    scenario: Scenario, plan: Plan, monkeypatch: pytest.MonkeyPatch, make: Any
) -> None:
    """Written at two times of day, the same plan gives the same bytes, dated ``today``."""
    day = dt.date(2023, 7, 5)
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    first = make(scenario, plan, "vi", day)
    monkeypatch.setattr(time, "time", lambda: 1_700_050_000.0)
    second = make(scenario, plan, "vi", day)
    assert first == second
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert archive.testzip() is None  # every CRC still right
    assert {i.date_time for i in archive.infolist()} == {(2023, 7, 5, 0, 0, 0)}
    if make is schedule_xlsx:
        book = openpyxl.load_workbook(io.BytesIO(first))
        for when in (book.properties.created, book.properties.modified):
            assert (when.date(), when.time()) == (day, dt.time(0, 0))
    else:
        assert docx.Document(io.BytesIO(first)).paragraphs
    undated = make(scenario, plan, "vi")
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(undated)).infolist()} == {
        (1980, 1, 1, 0, 0, 0)
    }


def test_stamp_refuses_what_is_not_a_zip_file() -> None:
    with pytest.raises(ValueError, match="not a zip file"):
        stamp(b"PK\x03\x04 no central directory", None)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    broken = buf.getvalue().replace(b"PK\x01\x02", b"XX\x01\x02")
    with pytest.raises(ValueError, match="no central header"):
        stamp(broken, None)


def _document_xml(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_copied_table_rows_give_the_same_document(
    scenario: Scenario, plan: Plan, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """Rows copied from a model row equal rows built cell by cell, byte for byte."""
    from scheduler.export import document

    fast = plan_docx(scenario, plan, lang, plan.horizon_start)
    original = document._Writer.__init__

    def built(self: Any, lang: str) -> None:
        original(self, lang)
        self.copy_rows = False

    monkeypatch.setattr(document._Writer, "__init__", built)
    slow = plan_docx(scenario, plan, lang, plan.horizon_start)
    assert _document_xml(fast) == _document_xml(slow)
    assert fast == slow


def test_copied_rows_keep_spaces_empty_lines_and_breaks() -> None:
    """Each kind of line a cell can hold, copied and built, gives the same XML."""
    from scheduler.export import document

    rows: list[list[str | list[str]]] = [
        ["a", "b c", ["x", "y"]],
        ["d", "e f", ["z", "w"]],  # same shape: copied
        ["g", "h ", ["o", "p"]],  # a space to keep: not a copy of the first
        [" lead", "trail ", ["", "v"]],
        ["  two", "ends ", ["", "u"]],  # spaces kept, an empty line
        ["tab\there", "line\nbreak", ["q", "r"]],  # never copied
        ["tab\tagain", "x", ["s", "t"]],
        ["", "", []],
        ["", "", []],
    ]
    xml = []
    for copy_rows in (True, False):
        w = document._Writer("vi")
        w.copy_rows = copy_rows
        table = w.table([30, 40, 50], ["A", "B", "C"])
        for values in rows:
            w.row(table, [30, 40, 50], values, numeric=(1,))
        xml.append(etree.tostring(table._tbl))
        assert [c.text for c in table.rows[4].cells] == [" lead", "trail ", "\nv"]
    assert xml[0] == xml[1]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_feeds_without_a_store_skip_the_hashes_and_stay_the_same(
    scenario: Scenario, plan: Plan, lang: str
) -> None:
    """A never-published plan's feeds equal those of the full state, hashes and all."""
    display = DisplayData.from_scenario(scenario)
    when = default_stamp(plan)
    full = advance_state(plan, display, {}, when)
    assert all(st.content_hash for st in full.values())
    expected = build_feeds(plan, display, full, lang=lang, now=when)
    assert calendar_feeds(plan, display, lang=lang) == expected
    assert calendar_feeds(plan, display, {}, lang=lang) == expected


def test_no_garbage_collection_while_the_files_are_made(
    scenario: Scenario, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector waits (it walked the whole heap again and again), then is back as it was."""
    import gc

    import scheduler.export.rendered as rendered

    runs: list[int] = []
    seen: list[int] = []  # collections run before the last file was made
    last = rendered.sheet_files

    def counted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            runs.append(info["generation"])

    def sheet_files(*args: Any) -> dict[str, bytes]:
        seen.append(len(runs))
        return last(*args)

    monkeypatch.setattr(rendered, "sheet_files", sheet_files)
    gc.callbacks.append(counted)
    try:
        assert gc.isenabled()
        plan_outputs(scenario, plan, "vi", today=None, calendar_state=None)
        assert seen == [0]
        assert gc.isenabled()
        gc.disable()
        plan_outputs(scenario, plan, "vi", today=None, calendar_state=None)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
        gc.callbacks.remove(counted)


def test_the_plan_command_freezes_what_it_loaded(tmp_path: Path) -> None:
    """Objects from before the solve are out of the collector's way (gc.freeze)."""
    make_scenario(tmp_path / "tiny")
    code = (
        "import gc, sys\n"
        "from scheduler.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        "    print('frozen', gc.get_freeze_count())\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "plan",
            str(tmp_path / "tiny" / "tiny.toml"),
            "--out",
            str(tmp_path / "out"),
            "--time-limit",
            "5",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    frozen = int(done.stdout.rsplit("frozen", 1)[1])
    assert frozen > 10_000
    assert (tmp_path / "out" / "schedule.xlsx").is_file()
