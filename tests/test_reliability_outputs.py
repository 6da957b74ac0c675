"""Outputs, interruptions and faults: nothing lost, nothing half-written, one line each.

Every class of fault runs ``scheduler plan`` (or a write) against an output
folder holding the results of an earlier run of the bundled Nhã Nam scenario,
and checks the exit code, the message in Vietnamese and English, and that the
earlier results are byte-identical afterwards.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scheduler.cli import app

ROOT = Path(__file__).resolve().parents[1]
NHA_NAM = ROOT / "configs" / "scenarios" / "nha-nam-2023.toml"
runner = CliRunner()
# the marker of a folder the tool wrote (scheduler.export.folder.MARKER)
MARKER = ".scheduler-output"


def digest(folder: Path) -> dict[str, str]:
    """Return the SHA-256 of every file under ``folder`` by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results of one plan of Nhã Nam, made once and copied for each test."""
    out = tmp_path_factory.mktemp("first") / "out"
    result = runner.invoke(app, ["plan", str(NHA_NAM), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def out(first_run: Path, tmp_path: Path) -> Path:
    """An output folder with earlier results, private to the test."""
    folder = tmp_path / "work" / "out"
    shutil.copytree(first_run, folder)
    return folder


def plan(folder: Path, lang: str, *extra: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["plan", str(NHA_NAM), "--out", str(folder), "--lang", lang, *extra]
    )
    return result.exit_code, result.output


def scenario_copy(tmp_path: Path, name: str | None = None) -> Path:
    """Copy Nhã Nam's TOML beside absolute data paths, optionally renamed."""
    text = NHA_NAM.read_text(encoding="utf-8").replace(
        '"../../data/', f'"{(ROOT / "data").as_posix()}/'
    )
    if name is not None:
        text = text.replace('name = "nha-nam-2023"', f'name = "{name}"')
    folder = tmp_path / "scenario"
    folder.mkdir(exist_ok=True)
    (folder / "plan.toml").write_text(text, encoding="utf-8")
    return folder / "plan.toml"


# ------------------------------------------------------------- the --out folder


def _scenario_folder(out: Path, tmp_path: Path) -> Path:
    # a planner's scenario folder: its TOML and data/ (wiped before the fix)
    folder = tmp_path / "my-scenario"
    (folder / "data").mkdir(parents=True)
    shutil.copy(NHA_NAM, folder / "plan.toml")
    shutil.copy(ROOT / "data" / "nha-nam-2023" / "communes.csv", folder / "data")
    return folder


def _existing_file(out: Path, tmp_path: Path) -> Path:
    # a file: renamed to a hidden .name.old before the fix
    target = tmp_path / "notes.txt"
    target.write_text("ghi chú của tôi\n", encoding="utf-8")
    return target


def _under_a_file(out: Path, tmp_path: Path) -> Path:
    (tmp_path / "README.md").write_text("# đọc tôi\n", encoding="utf-8")
    return tmp_path / "README.md" / "x"


REFUSED = {
    "scenario-folder": (
        _scenario_folder,
        "không do scheduler ghi",
        "holds files scheduler did not write",
    ),
    "existing-file": (_existing_file, "là một tệp", "is a file, not a folder"),
    "under-a-file": (_under_a_file, "là một tệp", "is a file, not a folder"),
}


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_out_that_the_tool_did_not_make_is_refused(
    case: str, lang: str, out: Path, tmp_path: Path
) -> None:
    make, vi, en = REFUSED[case]
    target = make(out, tmp_path)
    watched = tmp_path
    before = digest(watched)
    code, output = plan(target, lang)
    assert code == 2, output
    assert (en if lang == "en" else vi) in output
    assert "Traceback" not in output
    # nothing anywhere under the test's folder changed, nothing was added
    assert digest(watched) == before
    assert not list(tmp_path.glob(".*.old*"))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_out_dot_the_working_folder_is_refused(
    lang: str, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = digest(out)
    monkeypatch.chdir(out)  # the folder the planner works in, even a tool one
    code, output = plan(Path("."), lang)
    assert code == 2, output
    words = "is the working folder" if lang == "en" else "là thư mục đang làm việc"
    assert words in output
    assert digest(out) == before


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", ["ABS", "../../x", "a/b", "Hưng Nguyên"])
def test_scenario_name_is_a_slug(
    name: str, lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a name was a path: out/<name> wrote and deleted outside out/
    outside = tmp_path / "outside"
    if name == "ABS":
        name = outside.as_posix()
    toml = scenario_copy(tmp_path, name)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["plan", str(toml), "--lang", lang])
    assert result.exit_code == 2, result.output
    field = "field 'name'" if lang == "en" else "trường 'name'"
    assert f"plan.toml, {field}" in result.output
    assert not outside.exists()
    assert not (tmp_path / "out").exists()


def test_a_scenario_without_a_name_is_named_by_a_slug_of_its_file(
    tmp_path: Path,
) -> None:
    from scheduler.scenario.load import load_scenario

    toml = scenario_copy(tmp_path)
    text = toml.read_text(encoding="utf-8").replace('name = "nha-nam-2023"\n', "")
    named = toml.with_name("Nhã Nam 2023.toml")
    named.write_text(text, encoding="utf-8")
    assert load_scenario(named).name == "nha-nam-2023"


# ------------------------------------------------------- leftovers and the lock


def test_leftovers_of_a_killed_run_are_cleared_by_the_next(out: Path) -> None:
    # a run killed while writing leaves its temporary folder; one killed
    # between the two renames leaves the earlier folder aside and none in place
    parent = out.parent
    half_written = parent / f".{out.name}.new-killed1"
    half_written.mkdir()
    (half_written / MARKER).write_text("x", encoding="utf-8")
    (half_written / "plan.json").write_text("{", encoding="utf-8")
    before = digest(out)
    out.rename(parent / f".{out.name}.old-killed2")
    # somebody's own hidden folder with a similar name is not touched
    (parent / f".{out.name}.new-mine").mkdir()

    from scheduler.export.folder import claim

    with claim(out):
        assert digest(out) == before  # the earlier folder is back
    assert sorted(p.name for p in parent.iterdir() if p.is_dir()) == [
        f".{out.name}.new-mine",
        out.name,
    ]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_second_run_on_the_same_folder_stops_with_one_line(
    lang: str, out: Path
) -> None:
    from filelock import FileLock

    before = digest(out)
    # another run holds the folder (a lock held by another file handle is what
    # a second process sees)
    with FileLock(out.parent / f".{out.name}.lock", timeout=0):
        code, output = plan(out, lang)
    assert code == 1, output
    words = (
        "another run is writing to this folder"
        if lang == "en"
        else "một lần chạy khác đang ghi vào thư mục này"
    )
    assert words in output
    assert "Traceback" not in output
    assert digest(out) == before


# ------------------------------------------------------- faults of the machine


def _fail_nth_write(monkeypatch: pytest.MonkeyPatch, exc: OSError, n: int) -> None:
    real = Path.write_bytes
    calls = {"n": 0}

    def write_bytes(self: Path, data: bytes) -> int:  # type: ignore[override]
        calls["n"] += 1
        if calls["n"] == n:
            raise exc
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def _disk_full(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    _fail_nth_write(monkeypatch, OSError(errno.ENOSPC, "No space left on device"), 3)


def _read_only(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    # root ignores chmod: a read-only folder is simulated where it bites,
    # making the temporary folder beside the results
    import tempfile

    def refuse(*args: object, **kwargs: object) -> str:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)


def _permission_denied(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    _fail_nth_write(monkeypatch, PermissionError(errno.EACCES, "Permission denied"), 1)


def _held_open(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    # Windows: a file of the folder open in Excel; the folder cannot be moved
    real = os.replace

    def replace(src: object, dst: object) -> None:
        if Path(str(src)) == out:
            raise PermissionError(errno.EACCES, "Access is denied", str(src))
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)


def _second_rename_fails(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    # the earlier folder is aside when moving the new one in fails: it goes back
    real = os.replace

    def replace(src: object, dst: object) -> None:
        if Path(str(dst)) == out and ".new-" in str(src):
            raise OSError(errno.EIO, "Input/output error")
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)


FAULTS: dict[str, tuple[Callable[[pytest.MonkeyPatch, Path], None], str, str]] = {
    "disk-full": (_disk_full, "ổ đĩa đầy", "the disk is full"),
    "read-only": (_read_only, "không có quyền ghi", "no permission to write"),
    "permission-denied": (
        _permission_denied,
        "không có quyền ghi",
        "no permission to write",
    ),
    "held-open-by-excel": (_held_open, "Excel", "Excel"),
    "second-rename": (_second_rename_fails, "Input/output error", "Input/output"),
}


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("case", sorted(FAULTS))
def test_a_fault_of_the_machine_exits_1_naming_the_path(
    case: str, lang: str, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault, vi, en = FAULTS[case]
    before = digest(out)
    fault(monkeypatch, out)
    code, output = plan(out, lang)
    monkeypatch.undo()
    assert code == 1, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if str(out.parent) in line]
    assert len(lines) == 1, output
    assert (en if lang == "en" else vi) in lines[0]
    unchanged = "the earlier results" if lang == "en" else "kết quả cũ giữ nguyên"
    assert unchanged in lines[0]
    assert digest(out) == before
    # no temporary folder left beside it
    assert sorted(p.name for p in out.parent.iterdir() if p.is_dir()) == [out.name]


def test_one_file_is_replaced_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # display.json of `export ics`, the JSON of `bench --json`
    from scheduler.export.folder import (
        OutputFailed,
        OutputRefused,
        write_file_atomically,
    )

    target = tmp_path / "display.json"
    target.write_bytes(b"earlier")
    real = os.replace

    def full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputFailed) as caught:
        write_file_atomically(target, b"new")
    monkeypatch.setattr(os, "replace", real)
    assert caught.value.render("en").startswith(f"{target}: cannot write")
    assert target.read_bytes() == b"earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["display.json"]
    with pytest.raises(OutputRefused):
        write_file_atomically(tmp_path, b"new")  # a folder
    with pytest.raises(OutputRefused):
        write_file_atomically(target / "x.json", b"new")  # under a file
    write_file_atomically(target, b"new")
    assert target.read_bytes() == b"new"


def test_a_file_name_leaving_the_folder_is_refused(tmp_path: Path) -> None:
    from scheduler.export.folder import OutputRefused, write_atomically

    for name in ("../x.ics", "/etc/x", "a/../../x", "C:\\x", "calendars\\..\\x"):
        with pytest.raises(OutputRefused):
            write_atomically(tmp_path / "out", {"plan.json": b"{}", name: b"x"})
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "x.ics").exists()


# ------------------------------------------------------------ interruptions


def test_a_signal_between_the_two_renames_waits_for_the_second(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C after the earlier folder was moved aside and before the new one
    # is moved in would leave no folder: the signal is held until both are done
    from scheduler import interrupt
    from scheduler.export.folder import write_atomically

    monkeypatch.setattr(interrupt._State, "signum", None)
    monkeypatch.setattr(interrupt._State, "raised", False)
    real = os.replace

    def replace(src: object, dst: object) -> None:
        interrupt._handler(signal.SIGINT, None)  # the signal comes here
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(interrupt.Interrupted) as caught:
        write_atomically(out, {"plan.json": b"{}"})
    monkeypatch.undo()
    assert caught.value.written  # the CLI says the results were written
    assert sorted(digest(out)) == [MARKER, "plan.json"]
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


# a plan that runs long: a generated district at 0.8 of its budget (neither
# CP-SAT nor HiGHS proves it within 20 s, docs/performance.md), HiGHS from the
# start; the CLI reads it in place of the scenario file
HARNESS = """
import sys
import scheduler.scenario.load as load
from scheduler.bench.generate import district_scenario
sc = district_scenario("274", 1, budget_scale=0.8)
sc = sc.model_copy(update={"solver": sc.solver.model_copy(update={"highs_after_s": 0.0})})
load.load_scenario = lambda path: sc
load.load_scenario_with_warnings = lambda path: (sc, [])
sys.argv = ["scheduler", *sys.argv[1:]]
from scheduler.cli import main
main()
"""


def _children_of(pid: int, marker: bytes) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and marker in cmdline:
            found.append(int(entry.name))
    return found


SWEEP = ("sweep", "x.toml", "--budget-scale", "0.8,0.9", "--in-process")
STOPPED_VI = "Đã dừng (Ctrl-C): không ghi gì; kết quả cũ giữ nguyên."
STOPPED_EN = "Stopped ({}): nothing was written; the earlier results are unchanged."


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds children in /proc")
@pytest.mark.parametrize(
    ("command", "signum", "lang", "code", "line"),
    [
        pytest.param(
            ("plan", "x.toml"), signal.SIGINT, "vi", 130, STOPPED_VI, id="plan-ctrl-c"
        ),
        pytest.param(
            ("plan", "x.toml"),
            signal.SIGTERM,
            "en",
            143,
            STOPPED_EN.format("SIGTERM"),
            id="plan-sigterm",
        ),
        pytest.param(
            SWEEP, signal.SIGINT, "en", 130, STOPPED_EN.format("Ctrl-C"), id="sweep"
        ),
    ],
)
def test_an_interrupted_run_writes_nothing_and_leaves_no_child(
    command: tuple[str, ...],
    signum: int,
    lang: str,
    code: int,
    line: str,
    out: Path,
    tmp_path: Path,
) -> None:
    before = digest(out)
    temp = tmp_path / "temp"
    temp.mkdir()
    harness = tmp_path / "harness.py"
    harness.write_text(HARNESS, encoding="utf-8")
    proc = subprocess.Popen(
        [
            *(sys.executable, str(harness), *command, "--out", str(out)),
            *("--time-limit", "20", "--lang", lang),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)},
        start_new_session=True,  # its own process group, as in a terminal
    )
    try:
        # HiGHS running beside CP-SAT: both solvers are searching
        highs: list[int] = []
        waited = time.perf_counter()
        while not highs and time.perf_counter() - waited < 30.0:
            time.sleep(0.05)
            highs = _children_of(proc.pid, b"scheduler.solver.highs")
        assert highs, "HiGHS did not start"
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signum)  # Ctrl-C reaches the whole group
        else:
            os.kill(proc.pid, signum)  # a service manager stops the process
        stopped = time.perf_counter()
        stdout, stderr = proc.communicate(timeout=20.0)
        # at once: before, the run waited for HiGHS to reach its limit (20 s)
        assert time.perf_counter() - stopped < 10.0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, stderr
    assert stderr.strip() == line
    assert "Traceback" not in stdout + stderr
    assert digest(out) == before
    # no HiGHS process, no temporary folder, no half-written folder
    assert not any(Path(f"/proc/{pid}").exists() for pid in highs)
    assert list(temp.iterdir()) == []
    assert sorted(p.name for p in out.parent.iterdir() if p.is_dir()) == [out.name]


# ---------------------------------------------------------------- Windows


def test_output_on_a_console_that_cannot_spell_vietnamese() -> None:
    # a Windows console or redirection in cp1252 raised UnicodeEncodeError
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "validate", str(NHA_NAM)],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "cp1252"},
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "Kịch bản hợp lệ" in done.stdout.decode("utf-8")


POSIX_ONLY = ("fcntl", "os.killpg", "signal.SIGKILL", "os.fork", "import resource")
# whole words: "from importlib import resources" is not the resource module
_WORD = {w: re.compile(rf"\b{re.escape(w)}\b") for w in POSIX_ONLY}


def test_product_code_has_nothing_posix_only_unguarded() -> None:
    # each of these breaks (or does not exist) on Windows; the one use of
    # resource is behind a platform check
    for path in sorted((ROOT / "scheduler").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for word in POSIX_ONLY:
            if not _WORD[word].search(text):
                continue
            guarded = word == "import resource" and 'sys.platform == "win32"' in text
            assert guarded, f"{path.relative_to(ROOT)} uses {word}"


def test_a_folder_an_earlier_version_wrote_is_replaced_but_not_one_with_more(
    tmp_path: Path,
) -> None:
    from scheduler.export.folder import OutputRefused, check_target

    # what plan wrote before folders had a marker: plan.json, tables, calendars
    earlier = tmp_path / "out" / "nha-nam-2023"
    (earlier / "calendars").mkdir(parents=True)
    for name in ("plan.json", "schedule.csv", "report.html"):
        (earlier / name).write_text("x", encoding="utf-8")
    (earlier / "calendars" / "all.ics").write_text("x", encoding="utf-8")
    check_target(earlier)  # no exception: it may be replaced
    # one file of someone else's in it, and it is refused
    (earlier / "ghi-chu.docx").write_text("x", encoding="utf-8")
    with pytest.raises(OutputRefused):
        check_target(earlier)
    (earlier / "ghi-chu.docx").unlink()
    (earlier / "calendars" / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputRefused):
        check_target(earlier)
