"""The plan command's time around its solve (issue 21, item 10).

- A helper process, forked once the scenario is read, imports the heavy
  exporters (openpyxl, python-docx, plotly) while the command imports the
  solver and builds the model, then makes the workbook, the document and the
  pages while the command makes the calendars and the tables.
- The helper's every failure falls back to the command's own process.
- Ending a child never looks like a signal to the command.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import scheduler
import scheduler.export.forked as forked
from scheduler.cli import app
from scheduler.export.forked import Forked, Helper, spare_core
from tests.conftest import make_scenario

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="fork where it is safe: Linux"
)

#: set by :func:`_prepare` in the helper, read by :func:`_prepared`
_PREPARED: list[int] = []


def _prepare() -> None:
    _PREPARED.append(os.getpid())


def _prepared(parent: int) -> tuple[list[int], bool]:
    return list(_PREPARED), os.getpid() != parent


def _fails(_: int) -> int:
    raise RuntimeError("the call fails")


def _sleeps(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _ended(process: Any) -> bool:
    """Return whether the child process has ended (reaped)."""
    return process is None or not process.is_alive()


# ---------------------------------------------------------------- the helper


@linux_only
def test_the_helper_prepares_then_runs_one_call_in_a_child() -> None:
    helper: Helper[tuple[list[int], bool]] = Helper(_prepare)
    assert helper.started
    assert helper.run(_prepared, os.getpid())
    prepared, elsewhere = helper.result(wait_s=60) or ([], False)
    assert elsewhere  # not made in this process
    assert prepared != []  # the preparation ran in the child, before the call
    assert _PREPARED == []  # and not here
    assert not helper.started  # ended with its answer
    # one call only
    assert not helper.run(_prepared, os.getpid())


@linux_only
def test_every_failure_of_the_helper_leaves_the_work_to_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the call raises
    failing: Helper[int] = Helper()
    assert failing.run(_fails, 1)
    assert failing.result(wait_s=60) is None
    # no call was sent: nothing to wait for
    idle: Helper[int] = Helper()
    process = idle._process
    assert idle.result(wait_s=60) is None
    assert _ended(process)
    # the call does not pickle (functions go by name): not sent, child ended
    unpicklable: Helper[int] = Helper()
    process = unpicklable._process
    assert not unpicklable.run(lambda: 1)
    assert _ended(process)
    assert unpicklable.result(wait_s=60) is None
    # the preparation fails: the call still runs
    prepared: Helper[float] = Helper(lambda: 1 / 0)
    assert prepared.run(_sleeps, 0.0)
    assert prepared.result(wait_s=60) == 0.0
    # the call takes too long: no result, and the child is ended
    slow: Helper[float] = Helper()
    process = slow._process
    assert slow.run(_sleeps, 60.0)
    assert slow.result(wait_s=0.1) is None
    assert _ended(process)
    # no fork where it is not safe
    monkeypatch.setattr(forked, "fork_is_safe", lambda: False)
    unsafe: Helper[float] = Helper()
    assert not unsafe.started
    assert not unsafe.run(_sleeps, 0.0)
    assert unsafe.result(wait_s=60) is None


def _answer() -> str:
    return "early"


def _early_fails() -> str:
    raise RuntimeError("no answer")


@linux_only
def test_the_helper_answers_early_then_runs_its_call() -> None:
    gate = _Gate()
    # the answer comes before the preparation, which waits for the test here
    helper: Helper[float] = Helper(gate, early=_answer)
    assert helper.early(wait_s=60) == "early"
    assert helper.early(wait_s=60) is None  # once
    os.read(gate.ready[0], 1)
    os.write(gate.go[1], b"g")
    assert helper.run(_sleeps, 0.0)
    assert helper.result(wait_s=60) == 0.0
    # the early answer fails: None (the caller reads them itself), the call runs
    failing: Helper[float] = Helper(early=_early_fails)
    assert failing.early(wait_s=60) is None
    assert failing.run(_sleeps, 0.0)
    assert failing.result(wait_s=60) == 0.0
    # not taken (or too late): the result passes over it
    untaken: Helper[float] = Helper(early=_answer)
    assert untaken.run(_sleeps, 0.0)
    assert untaken.result(wait_s=60) == 0.0
    # none asked for: none given
    plain: Helper[float] = Helper()
    assert plain.early(wait_s=0.1) is None
    plain.cancel()
    for end in (*gate.ready, *gate.go):
        os.close(end)


def test_the_grid_takes_holidays_read_elsewhere(tmp_path: Path) -> None:
    from scheduler.calendar import build_grid, scenario_holidays

    scenario = make_scenario(tmp_path, {"calendar": {"extra_holidays": ["2023-09-05"]}})
    public = scenario_holidays(scenario, "en")
    copy = (dict(public[0]), set(public[1]))
    assert build_grid(scenario, "en", public) == build_grid(scenario, "en")
    assert public == copy  # left as they were
    assert public[0]  # the country's holidays, with names


@linux_only
def test_the_helper_ends_by_itself_when_the_command_lets_go() -> None:
    # the command ended (or closed its end) without a call: the child sees the
    # end of its pipe and ends, it does not wait for ever
    helper: Helper[int] = Helper()
    process = helper._process
    assert helper._work is not None
    helper._work.close()
    process.join(timeout=60)
    assert process.exitcode == 0


class _Gate:
    """A preparation that says it started, then waits for the test's go."""

    def __init__(self) -> None:
        self.ready = os.pipe()
        self.go = os.pipe()

    def __call__(self) -> None:
        os.write(self.ready[1], b"r")
        os.read(self.go[0], 1)


@linux_only
def test_ctrl_c_leaves_the_helper_to_the_command() -> None:
    """Ctrl-C reaches the helper too: it stopped with a traceback on the planner's screen.

    The helper ignores it: the command, interrupted, ends its helper itself.
    """
    gate = _Gate()
    helper: Helper[tuple[list[int], bool]] = Helper(gate)
    process = helper._process
    assert process is not None
    os.read(gate.ready[0], 1)  # the helper is preparing
    os.kill(process.pid, signal.SIGINT)
    os.write(gate.go[1], b"g")
    assert helper.run(_prepared, os.getpid())
    assert helper.result(wait_s=60) == ([], True)
    for end in (*gate.ready, *gate.go):
        os.close(end)


@pytest.fixture
def wakeup() -> Iterator[socket.socket]:
    """A wake-up socket and a SIGTERM handler as :mod:`scheduler.interrupt` sets them."""
    reader, writer = socket.socketpair()
    writer.setblocking(False)

    def end(signum: int, frame: object) -> None:
        raise SystemExit(1)

    before = signal.signal(signal.SIGTERM, end)
    old = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    try:
        yield reader
    finally:
        signal.set_wakeup_fd(old)
        signal.signal(signal.SIGTERM, before)
        reader.close()
        writer.close()


def _signalled(reader: socket.socket) -> bytes:
    """Return what reached the wake-up socket so far (nothing: ``b""``)."""
    reader.setblocking(False)
    try:
        return reader.recv(16)
    except BlockingIOError:
        return b""


@linux_only
@pytest.mark.parametrize("kind", ["forked", "helper"])
def test_ending_a_child_is_no_signal_to_the_command(
    wakeup: socket.socket, kind: str
) -> None:
    """A child killed with SIGTERM wrote to the wake-up socket it shares with the command.

    The command's watcher (scheduler.interrupt) then stopped its solvers as if
    the command had been interrupted. SIGKILL runs no handler.
    """
    if kind == "forked":
        child: Any = Forked(_sleeps, 60.0)
    else:
        child = Helper()
        assert child.run(_sleeps, 60.0)
    time.sleep(0.2)  # the child runs (a kill before it starts would prove nothing)
    process = child._process
    assert child.result(wait_s=0.1) is None  # too slow: ended, and reaped
    assert _ended(process)
    assert _signalled(wakeup) == b""


# ---------------------------------------------------------------- a core to spare


def test_a_core_is_spare_when_no_other_thread_runs_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The threads running now count, not the average of the last minute.

    Run after run of the command (a benchmark's, a planner's) the one-minute
    average stayed above 1 on two cores from the runs before alone, and the
    second core was never used.
    """
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 1.2, 0.9))
    # /proc/loadavg: this thread alone runs now (the average is from before)
    lines = {"text": "1.60 1.20 0.90 1/203 4242\n"}

    class Loadavg:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __enter__(self) -> Loadavg:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def read(self) -> str:
            return lines["text"]

    monkeypatch.setattr(forked, "open", Loadavg, raising=False)
    assert spare_core()
    # another process's two solver threads run now, though the average is low
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    lines["text"] = "0.20 0.20 0.20 3/210 4243\n"
    assert not spare_core()
    # one other thread: the second core is taken
    lines["text"] = "0.20 0.20 0.20 2/210 4243\n"
    assert not spare_core()
    # a file it cannot read: the average
    lines["text"] = "garbage"
    assert spare_core()


# ---------------------------------------------------------------- the command


def _run_plan(tmp_path: Path, helper: bool) -> dict[str, Any]:
    """Run ``scheduler plan`` on the tiny scenario in a fresh process; return what it loaded."""
    make_scenario(tmp_path / "sc")
    code = (
        "import json, sys\n"
        "import scheduler.export.forked as forked\n"
        f"forked.spare_core = lambda: {helper}\n"
        "used = []\n"
        "run = forked.Helper.run\n"
        "def sent(self, *args):\n"
        "    used.append(run(self, *args))\n"
        "    return used[-1]\n"
        "forked.Helper.run = sent\n"
        "from scheduler.cli import app\n"
        "app(sys.argv[1:], standalone_mode=False)\n"
        "heavy = ['openpyxl', 'plotly', 'scheduler.export.rendered', 'docx',"
        " 'holidays']\n"
        "print('LOADED', json.dumps({'used': used,"
        " 'heavy': [m for m in heavy if m in sys.modules]}))\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "plan",
            str(tmp_path / "sc" / "tiny.toml"),
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
    loaded: dict[str, Any] = json.loads(done.stdout.rsplit("LOADED", 1)[1])
    return loaded


@linux_only
def test_the_command_leaves_the_heavy_libraries_to_its_helper(tmp_path: Path) -> None:
    loaded = _run_plan(tmp_path, helper=True)
    # the document is made here (the smaller share), the rest by the helper,
    # which read the public holidays for the time grid too
    assert loaded == {"used": [True], "heavy": ["docx"]}
    out = tmp_path / "out"
    for name in ("schedule.xlsx", "ke-hoach.docx", "report.html", "report-staff.html"):
        assert (out / name).stat().st_size > 0
    assert list((out / "communes").iterdir())
    # without a core to spare: everything here, as before
    alone = _run_plan(tmp_path / "alone", helper=False)
    assert alone["used"] == []
    assert set(alone["heavy"]) == {
        "openpyxl",
        "docx",
        "plotly",
        "scheduler.export.rendered",
        "holidays",
    }


@linux_only
def test_no_helper_is_left_behind_when_there_is_no_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_scenario(
        tmp_path,
        {"pins": [{"activity": "dialogue", "commune": "00001", "date": "2023-09-04"}]},
    )
    monkeypatch.setattr(forked, "spare_core", lambda: True)
    processes: list[Any] = []
    init = Helper.__init__

    def kept(self: Helper[Any], *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        processes.append(self._process)

    monkeypatch.setattr(Helper, "__init__", kept)
    result = CliRunner().invoke(
        app, ["plan", str(tmp_path / "tiny.toml"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2, result.output
    assert len(processes) == 1
    assert processes[0] is not None  # a helper was started
    assert _ended(processes[0])  # and ended with the command


def test_the_warm_up_leaves_the_heavy_imports_done(tmp_path: Path) -> None:
    """After :func:`warm_up` (the helper's preparation) the files import no heavy module.

    The first call of ``rendered_files`` in a process imported openpyxl's
    writer, pandas and the holidays' country modules on the way: in the
    helper that was time after the solve, where it counts. (Plotly still
    imports a few small modules of its trace types: a few milliseconds.)
    """
    from scheduler.export.table import plan_json
    from tests.calendar_fixtures import solved

    scenario = make_scenario(tmp_path / "sc")
    (tmp_path / "plan.json").write_bytes(plan_json(solved(scenario)))
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from scheduler.plan import Plan\n"
        "from scheduler.scenario.load import load_scenario\n"
        "from scheduler.export.rendered import rendered_files, warm_up\n"
        "scenario = load_scenario(Path(sys.argv[1]))\n"
        "plan = Plan.from_dict(json.loads(Path(sys.argv[2]).read_text('utf-8')))\n"
        "warm_up(scenario, 'vi')\n"
        "before = set(sys.modules)\n"
        "rendered_files(scenario, plan, 'vi', None)\n"
        "print('NEW', json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(tmp_path / "sc" / "tiny.toml"),
            str(tmp_path / "plan.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    new = json.loads(done.stdout.rsplit("NEW", 1)[1])
    heavy = ("pandas", "numpy", "holidays", "docx", "lxml", "openpyxl")
    assert [m for m in new if m.split(".")[0] in heavy] == []


def test_booleans_are_counted_as_before() -> None:
    """The faster count is the old one: domains exactly [0, 1], constants not."""
    from ortools.sat.python import cp_model

    from scheduler.solver.solve import count_booleans

    model = cp_model.CpModel()
    model.new_bool_var("b")
    model.new_int_var(0, 1, "zero-one")
    model.new_constant(0)
    model.new_constant(1)
    model.new_int_var(0, 5, "int")
    model.new_int_var_from_domain(cp_model.Domain.from_values([0, 1, 3]), "holes")
    model.new_int_var(1, 2, "one-two")
    proto = model.proto
    assert count_booleans(proto) == 2
    assert count_booleans(proto) == sum(
        1 for v in proto.variables if list(v.domain) == [0, 1]
    )


def test_the_package_loads_its_public_names_on_first_use() -> None:
    """Importing any module ran the package's __init__, which loaded the scenario
    schema (pydantic), the holidays and the checker: the CLI's start-up, and the
    HiGHS child process, paid for them whether they needed them or not."""
    code = (
        "import json, sys\n"
        "import scheduler.cli, scheduler.solver.highs\n"
        "heavy = ['scheduler.check', 'scheduler.scenario.schema', 'holidays', 'pydantic']\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "import scheduler\n"
        "from scheduler import Plan, build_grid, check_plan, load_scenario\n"
        "names = [Plan.__name__, build_grid.__name__, check_plan.__name__,"
        " load_scenario.__name__]\n"
        "print('LOADED', json.dumps([loaded, names, sorted(scheduler.__all__)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded, names, public = json.loads(done.stdout.rsplit("LOADED", 1)[1])
    assert loaded == []
    assert names == ["Plan", "build_grid", "check_plan", "load_scenario"]
    assert public == sorted(names)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = scheduler.nothing  # type: ignore[attr-defined]
