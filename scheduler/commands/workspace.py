"""``scheduler app`` and ``scheduler user``: the planner's workspace in the browser."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Annotated

import typer

from scheduler.commands.common import Lang, console, err
from scheduler.i18n import pick, t

FolderOption = Annotated[
    Path | None,
    typer.Option(
        "--folder",
        envvar="SCHEDULER_WORKSPACE",
        help="Thư mục làm việc (mặc định thư mục dữ liệu của người dùng) / "
        "workspace folder (default: the per-user data folder).",
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``app`` and the ``user`` group to the application."""
    app.command("app")(workspace_app)
    user_app = typer.Typer(
        no_args_is_help=True,
        help="Tài khoản của văn phòng / the office's accounts.",
    )
    user_app.command("add")(user_add)
    user_app.command("remove")(user_remove)
    user_app.command("list")(user_list)
    user_app.command("token")(user_token)
    app.add_typer(user_app, name="user")


def default_folder() -> Path:
    """Return the per-user workspace folder (e.g. ``~/.local/share/scheduler``)."""
    import platformdirs

    return platformdirs.user_data_path("scheduler")


def _open(folder: Path | None, lang: str) -> tuple[Path, sqlite3.Connection]:
    from scheduler.workspace.store import connect

    path = folder or default_folder()
    try:
        return path, connect(path)
    except (OSError, sqlite3.Error) as exc:
        err.print(
            pick(
                lang,
                f"{path}: không mở được thư mục làm việc ({exc})",
                f"{path}: cannot open the workspace folder ({exc})",
            ),
            markup=False,
        )
        raise typer.Exit(1) from exc


def workspace_app(
    folder: FolderOption = None,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Địa chỉ lắng nghe; khác 127.0.0.1 chỉ khi đã có tài khoản / "
            "address to bind; other than 127.0.0.1 only once accounts exist.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port", min=0, max=65535, help="Cổng / port (0: any free port)."
        ),
    ] = 8765,
    no_browser: Annotated[
        bool,
        typer.Option(
            "--no-browser", help="Không mở trình duyệt / do not open a browser."
        ),
    ] = False,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            help="Cookie chỉ gửi qua https (khi chạy sau proxy https) / "
            "session cookie only over https (behind an https proxy).",
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Số luồng CP-SAT mỗi lần giải / CP-SAT threads."
        ),
    ] = None,
    lang: Lang = "vi",
) -> None:
    """Open the planner's workspace in the browser (a one-time login link)."""
    if lang not in ("vi", "en"):
        err.print(f"--lang: vi or en, got {lang!r}", markup=False)
        raise typer.Exit(2)
    path, conn = _open(folder, lang)
    with conn:
        local = host in ("127.0.0.1", "localhost", "::1")
        if not local and not _has_accounts(conn):
            err.print(
                pick(
                    lang,
                    f"--host {host}: mở cho máy khác cần tài khoản có mật khẩu trước "
                    "(scheduler user add TÊN)",
                    f"--host {host}: serving other machines needs password accounts "
                    "first (scheduler user add NAME)",
                ),
                markup=False,
            )
            raise typer.Exit(2)
    run_workspace(
        path,
        host,
        port,
        lang,
        workers=workers,
        secure_cookies=secure_cookies,
        login_link=True,
        open_browser=not no_browser,
    )


def _has_accounts(conn: sqlite3.Connection) -> bool:
    from scheduler.workspace.security import list_users

    return bool(list_users(conn))


def run_workspace(
    path: Path,
    host: str,
    port: int,
    lang: str,
    *,
    workers: int | None = None,
    secure_cookies: bool = False,
    login_link: bool = True,
    open_browser: bool = False,
) -> None:
    """Serve the workspace in ``path`` until Ctrl-C (``scheduler app`` and ``serve``).

    Parameters
    ----------
    path : Path
        The workspace folder.
    host, port : str, int
        Where to listen (port 0: any free port; the one bound is printed).
    lang : {"vi", "en"}
        The default language of the pages.
    workers : int, optional
        CP-SAT threads of each solve.
    secure_cookies : bool
        Send the session cookie over https only (behind an https proxy).
    login_link : bool
        Print a one-time login link (a planner on their own machine); an
        office server has accounts and a login page instead.
    open_browser : bool
        Open the link in the browser.
    """
    import socket
    import webbrowser

    import uvicorn

    from scheduler.workspace.app import create_app
    from scheduler.workspace.security import new_login_link
    from scheduler.workspace.store import connect

    token = ""
    if login_link:
        with connect(path) as conn:
            token = new_login_link(conn)
    application = create_app(path, lang, workers=workers, secure_cookies=secure_cookies)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        err.print(f"{host}:{port}: {exc.strerror}", markup=False)
        raise typer.Exit(1) from exc
    bound = sock.getsockname()[1]
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown_host}:{bound}"
    if login_link:
        url = f"{base}/login/{token}"
        console.print(
            pick(
                lang,
                f"Thư mục làm việc: {path}\nMở đường dẫn này để đăng nhập (dùng một "
                f"lần, trong 10 phút):\n    {url}\n(Ctrl-C để dừng)",
                f"Workspace folder: {path}\nOpen this link to log in (once, within 10 "
                f"minutes):\n    {url}\n(Ctrl-C to stop)",
            ),
            markup=False,
        )
        if open_browser:
            webbrowser.open(url)
    else:
        console.print(
            pick(
                lang,
                f"Thư mục làm việc: {path}\nKhông gian làm việc: {base}/ (đăng nhập "
                f"bằng tài khoản); lịch công khai: {base}/feeds/\n(Ctrl-C để dừng)",
                f"Workspace folder: {path}\nWorkspace: {base}/ (log in with an "
                f"account); public calendars: {base}/feeds/\n(Ctrl-C to stop)",
            ),
            markup=False,
        )
    config = uvicorn.Config(
        application,
        access_log=False,  # the access log would print the login link
        server_header=False,
        log_level="warning",
        lifespan="on",
    )
    uvicorn.Server(config).run(sockets=[sock])


def user_add(
    name: Annotated[str, typer.Argument(help="Tên đăng nhập / user name.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Đọc mật khẩu từ stdin / read the password from stdin.",
        ),
    ] = False,
    folder: FolderOption = None,
    lang: Lang = "vi",
) -> None:
    """Add an account (the password is asked twice, or read from stdin)."""
    from scheduler.workspace.security import AccountError, add_user, valid_name

    if not valid_name(name):
        err.print(
            pick(
                lang,
                f"NAME: {name!r} — chỉ dùng chữ, số và . - _ (tối đa 64 ký tự)",
                f"NAME: {name!r} — letters, digits and . - _ only (64 at most)",
            ),
            markup=False,
        )
        raise typer.Exit(2)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            t("ws.password", lang),
            hide_input=True,
            confirmation_prompt=t("accounts.repeat_the_password", lang),
        )
    if len(password) < 8:
        err.print(
            t("accounts.password_too_short", lang),
            markup=False,
        )
        raise typer.Exit(2)
    path, conn = _open(folder, lang)
    with conn:
        try:
            add_user(conn, name, password)
        except AccountError as exc:
            err.print(
                pick(lang, f"{name}: tài khoản đã có", f"{name}: the account exists"),
                markup=False,
            )
            raise typer.Exit(2) from exc
    console.print(
        pick(lang, f"Đã thêm {name} ({path})", f"Added {name} ({path})"), markup=False
    )


def user_remove(
    name: Annotated[str, typer.Argument(help="Tên đăng nhập / user name.")],
    folder: FolderOption = None,
    lang: Lang = "vi",
) -> None:
    """Remove an account and its API tokens."""
    from scheduler.workspace.security import AccountError, remove_user

    _path, conn = _open(folder, lang)
    with conn:
        try:
            remove_user(conn, name)
        except AccountError as exc:
            err.print(
                pick(
                    lang, f"{name}: không có tài khoản này", f"{name}: no such account"
                ),
                markup=False,
            )
            raise typer.Exit(2) from exc
    console.print(pick(lang, f"Đã xoá {name}", f"Removed {name}"), markup=False)


def user_list(folder: FolderOption = None, lang: Lang = "vi") -> None:
    """List the accounts."""
    from scheduler.workspace.security import list_users

    _path, conn = _open(folder, lang)
    with conn:
        names = list_users(conn)
    if not names:
        console.print(t("accounts.no_accounts_yet", lang), markup=False)
    for name in names:
        console.print(name, markup=False)


def user_token(
    name: Annotated[str, typer.Argument(help="Tên đăng nhập / user name.")],
    folder: FolderOption = None,
    lang: Lang = "vi",
) -> None:
    """Print a new API token for an account (only its hash is kept)."""
    from scheduler.workspace.security import AccountError, new_api_token

    _path, conn = _open(folder, lang)
    with conn:
        try:
            token = new_api_token(conn, name)
        except AccountError as exc:
            err.print(
                pick(
                    lang, f"{name}: không có tài khoản này", f"{name}: no such account"
                ),
                markup=False,
            )
            raise typer.Exit(2) from exc
    console.print(token, markup=False)
