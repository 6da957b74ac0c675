"""Output folders: replace only what the tool made, one run at a time, never half-written.

Every folder :func:`write_atomically` writes holds a marker file
(:data:`MARKER`). A run may replace a folder only when it holds the marker,
lies directly inside one that does (``calendars/``, ``charts/`` of a plan),
or is empty; anything else (a scenario folder, a file, the folder the planner
works in) is refused before anything is solved (:func:`check_target`,
exit code 2).

:func:`claim` holds a lock beside the folder (``.<name>.lock``) for the whole
run, so that a second run writing the same folder stops at once (exit code 1)
instead of racing the first. Under the lock it clears what a killed run left
(:func:`recover`): its temporary folders go, and an earlier folder that was
moved aside but not yet replaced is put back.

The files are written into a temporary sibling folder first; only when all
are there is the old folder moved aside and the new one moved in, with
signals held for those two renames. Any failure of the machine (disk full,
read-only, permission denied, a file held open on Windows) leaves the earlier
folder as it was and raises :class:`OutputFailed` naming the path.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath

from scheduler import interrupt
from scheduler.i18n import pick

# the marker of a folder the tool wrote (and may replace)
MARKER = ".scheduler-output"
MARKER_TEXT = (
    "Thư mục này do scheduler ghi; lần chạy sau sẽ thay thế toàn bộ.\n"
    "This folder was written by scheduler; the next run replaces all of it.\n"
)
# the temporary folders beside the target: .<name>.new-XXXX (being written)
# and .<name>.old-XXXX (the earlier folder during the swap)
NEW, OLD = "new", "old"


class OutputError(Exception):
    """An output folder cannot be written; ``exit_code`` says whose fault it is.

    Parameters
    ----------
    path : Path
        The path to name in the message.
    vi, en : str
        What is wrong, in Vietnamese and in English.
    """

    exit_code = 1

    def __init__(self, path: Path, vi: str, en: str) -> None:
        super().__init__(f"{path}: {en}")
        self.path = path
        self.vi = vi
        self.en = en

    def render(self, lang: str = "vi") -> str:
        """Return the one-line message in ``lang``."""
        return f"{self.path}: {pick(lang, self.vi, self.en)}"


class OutputRefused(OutputError):
    """The output folder given is not one the tool may replace (bad input, exit 2)."""

    exit_code = 2


class OutputFailed(OutputError):
    """The machine failed to write (disk, permissions, another run; exit 1)."""

    exit_code = 1

    @classmethod
    def from_os(cls, path: Path, exc: OSError) -> OutputFailed:
        """Describe an OSError met while writing ``path``."""
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            vi_reason, en_reason = "ổ đĩa đầy", "the disk is full"
        elif isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
            vi_reason = (
                f"không có quyền ghi ({reason}); có tệp nào đang mở trong "
                "chương trình khác, như Excel?"
            )
            en_reason = (
                f"no permission to write ({reason}); is a file in it open in "
                "another program, such as Excel?"
            )
        else:
            vi_reason, en_reason = reason, reason
        return cls(
            path,
            f"không ghi được kết quả: {vi_reason}; kết quả cũ giữ nguyên",
            f"cannot write the results: {en_reason}; the earlier results are unchanged",
        )


# What ``plan`` and ``replan`` wrote before folders had a marker: a folder that
# holds plan.json and nothing but these is one of ours from an earlier version.
_EARLIER_FILES = {
    "schedule.csv",
    "schedule.xlsx",
    "unscheduled.csv",
    "plan.json",
    "display.json",
    "report.html",
    "changes.csv",
}
_EARLIER_FOLDERS = {
    "calendars": {".ics"},
    "charts": {".html", ".png", ".svg", ".pdf", ".js"},
}


def _written_earlier(folder: Path) -> bool:
    """Return whether an unmarked folder holds only what an earlier version wrote."""
    if not (folder / "plan.json").is_file():
        return False
    for entry in folder.iterdir():
        if entry.is_symlink():
            return False
        if entry.is_file() and entry.name in _EARLIER_FILES:
            continue
        suffixes = _EARLIER_FOLDERS.get(entry.name)
        if not entry.is_dir() or suffixes is None:
            return False
        if any(
            not f.is_file() or f.is_symlink() or f.suffix not in suffixes
            for f in entry.iterdir()
        ):
            return False
    return True


def _is_ours(folder: Path) -> bool:
    """Return whether the tool may replace an existing folder."""
    if (folder / MARKER).is_file() or (folder.parent / MARKER).is_file():
        return True
    return not any(folder.iterdir()) or _written_earlier(folder)


def check_target(folder: Path) -> None:
    """Refuse an output folder the tool must not replace.

    Raises
    ------
    OutputRefused
        When ``folder`` is a file, lies under a file, is (or holds) the working
        folder, is a link, or is a folder with files the tool did not write.
    OutputFailed
        When the folder cannot even be looked at (permissions).
    """
    folder = Path(folder)
    try:
        here = Path.cwd().resolve()
        full = folder.resolve()
        if full == here or full in here.parents or full.parent == full:
            raise OutputRefused(
                folder,
                "là thư mục đang làm việc (hoặc chứa nó); hãy chọn một thư mục "
                "con riêng cho kết quả, như --out out/ke-hoach",
                "is the working folder (or holds it); choose a folder of its "
                "own for the results, such as --out out/plan",
            )
        for above in (folder, *folder.parents):
            if above.exists() and not above.is_dir():
                raise OutputRefused(
                    above,
                    "là một tệp, không phải thư mục; hãy chọn --out khác",
                    "is a file, not a folder; choose another --out",
                )
        if folder.is_symlink():
            raise OutputRefused(
                folder,
                "là một liên kết; hãy chọn --out là một thư mục thật",
                "is a link; choose a real folder for --out",
            )
        if folder.is_dir() and not _is_ours(folder):
            raise OutputRefused(
                folder,
                "thư mục có sẵn tệp không do scheduler ghi (không có tệp "
                f"{MARKER}); không ghi đè để khỏi mất dữ liệu. Hãy chọn --out "
                "khác hoặc thư mục trống",
                f"holds files scheduler did not write (no {MARKER} file); it is "
                "not replaced, so nothing is lost. Choose another --out or an "
                "empty folder",
            )
    except OSError as exc:
        raise OutputFailed.from_os(folder, exc) from exc


def safe_relative(name: str) -> bool:
    """Return whether a file name stays inside the folder it is written to."""
    if not name or "\\" in name or ":" in name:
        return False
    for pure in (PurePosixPath(name), PureWindowsPath(name)):
        if pure.is_absolute() or pure.anchor or ".." in pure.parts:
            return False
    return True


def _siblings(folder: Path, kind: str) -> list[Path]:
    """Return the temporary folders of ``kind`` beside ``folder``, oldest first."""
    prefix = f".{folder.name}.{kind}-"
    try:
        found = [
            p
            for p in folder.parent.iterdir()
            if p.name.startswith(prefix) and p.is_dir() and (p / MARKER).is_file()
        ]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.stat().st_mtime)


def recover(folder: Path) -> None:
    """Clear what a killed run left beside ``folder`` (call it holding the lock).

    A run killed between moving the old folder aside and moving the new one in
    leaves no folder and a ``.<name>.old-*``: that earlier folder is put back.
    Every other temporary folder of the target is removed.
    """
    folder = Path(folder)
    olds = _siblings(folder, OLD)
    if olds and not folder.exists():
        try:
            os.replace(olds[-1], folder)
            olds = olds[:-1]
        except OSError as exc:
            raise OutputFailed.from_os(folder, exc) from exc
    for leftover in [*olds, *_siblings(folder, NEW)]:
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def claim(folder: Path) -> Iterator[Path]:
    """Hold ``folder`` for this run: check it, lock it, clear leftovers.

    Raises
    ------
    OutputRefused
        See :func:`check_target`.
    OutputFailed
        When another run holds the folder, or the lock cannot be made.
    """
    from filelock import FileLock, Timeout

    folder = Path(folder)
    check_target(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFailed.from_os(folder.parent, exc) from exc
    lock = FileLock(folder.parent / f".{folder.name}.lock", timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise OutputFailed(
            folder,
            "một lần chạy khác đang ghi vào thư mục này; hãy chờ nó xong "
            "hoặc chọn --out khác",
            "another run is writing to this folder; wait for it to end or "
            "choose another --out",
        ) from exc
    except OSError as exc:
        raise OutputFailed.from_os(folder, exc) from exc
    try:
        recover(folder)
        yield folder
    finally:
        lock.release()


def _private_to_shared(path: Path) -> None:
    """Give a folder made by mkdtemp (0700) the mode the umask allows."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o777 & ~umask)


def write_atomically(folder: Path, files: dict[str, bytes]) -> None:
    """Replace ``folder`` by one holding ``files``, all of them or nothing.

    Parameters
    ----------
    folder : Path
        The output folder: absent, empty, or one the tool wrote
        (:func:`check_target`).
    files : dict
        Relative path (``plan.json``, ``calendars/x.ics``) to contents.

    Raises
    ------
    OutputRefused
        When the folder may not be replaced or a file name leaves it.
    OutputFailed
        When the machine fails; the earlier folder is then unchanged.
    """
    folder = Path(folder)
    for name in files:
        if not safe_relative(name) or name == MARKER:
            raise OutputRefused(
                folder / name,
                "tên tệp ra khỏi thư mục kết quả; không ghi gì",
                "the file name leaves the output folder; nothing was written",
            )
    check_target(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{NEW}-", dir=folder.parent))
    except OSError as exc:
        raise OutputFailed.from_os(folder.parent, exc) from exc
    try:
        _private_to_shared(tmp)
        (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        for name, data in files.items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _swap(folder, tmp)
    except OSError as exc:
        raise OutputFailed.from_os(folder, exc) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap(folder: Path, new: Path) -> None:
    """Move ``new`` to ``folder``, the earlier folder aside and then away.

    Two renames, as Windows cannot rename onto an existing folder; signals
    wait until both are done, and a failure of the second puts the earlier
    folder back.
    """
    old = new.with_name(new.name.replace(f".{NEW}-", f".{OLD}-", 1))
    moved = False
    try:
        with interrupt.deferred():
            if folder.exists():
                os.replace(folder, old)
                moved = True
            try:
                os.replace(new, folder)
            except OSError:
                if moved:
                    os.replace(old, folder)
                    moved = False
                raise
    except interrupt.Interrupted as exc:
        exc.written = True  # raised only once both renames are done
        raise
    finally:
        if moved:
            shutil.rmtree(old, ignore_errors=True)


def write_file_atomically(path: Path, data: bytes) -> None:
    """Replace one file: written beside it first, then renamed over it.

    Raises
    ------
    OutputRefused
        When ``path`` is a folder or lies under a file.
    OutputFailed
        When the machine fails to write it; the earlier file is then unchanged.
    """
    path = Path(path)
    for above in (path, *path.parents):
        if above.is_dir():
            if above == path:
                raise OutputRefused(
                    path,
                    "là một thư mục, không phải tệp; hãy chọn tên tệp khác",
                    "is a folder, not a file; choose another file name",
                )
            break
        if above != path and above.exists():
            raise OutputRefused(
                above,
                "là một tệp, không phải thư mục; hãy chọn đường dẫn khác",
                "is a file, not a folder; choose another path",
            )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise OutputFailed.from_os(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        with interrupt.deferred():
            os.replace(tmp, path)
    except OSError as exc:
        raise OutputFailed.from_os(path, exc) from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
