"""``scheduler serve`` and ``scheduler token``: the feed server and its private links."""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path
from typing import Annotated

import typer

from scheduler.commands.common import console, err
from scheduler.i18n import pick
from scheduler.serve import (
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_KEEP_ALIVE,
    DEFAULT_LIMIT_CONCURRENCY,
)

#: The URL printed in private links when ``--base-url`` is not given.
LOCAL_BASE_URL = "http://127.0.0.1:8080"

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Kho kế hoạch SQLite (mặc định $SCHEDULER_STORE hoặc out/plans.sqlite) / plan store.",
    ),
]
ScenarioOption = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        help="Tên kịch bản; bỏ trống khi kho chỉ có một / scenario name, optional with one.",
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        envvar="SCHEDULER_BASE_URL",
        help="Địa chỉ công khai của máy chủ, vd. https://lich.example.gov.vn / public URL of the server.",
    ),
]


def _check_base_url(base_url: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        err.print(
            f"--base-url: cần dạng http(s)://máy[:cổng][/tiền-tố] / expected http(s)://host[:port][/prefix], got {base_url!r}",
            markup=False,
        )
        raise typer.Exit(2)
    return base_url.rstrip("/")


def _open_store(store: Path | None) -> tuple[Path, sqlite3.Connection]:
    from scheduler.store import connect, store_path

    path = store_path(store)
    try:
        return path, connect(path, create=False)
    except (FileNotFoundError, sqlite3.Error) as exc:
        err.print(
            f"{path}: không mở được kho kế hoạch (chạy scheduler publish trước) / "
            f"cannot open the plan store (run scheduler publish first): {exc}",
            markup=False,
        )
        raise typer.Exit(2) from exc


def _pick_scenario(conn: sqlite3.Connection, path: Path, scenario: str | None) -> str:
    from scheduler.serve.tokens import scenarios

    known = scenarios(conn)
    if scenario is not None:
        if scenario not in known:
            err.print(
                f"--scenario: {scenario!r} chưa được công bố trong / is not published in "
                f"{path} (có / known: {', '.join(known) or '-'})",
                markup=False,
            )
            raise typer.Exit(2)
        return scenario
    if len(known) != 1:
        err.print(
            f"--scenario: cần chọn một trong / choose one of: {', '.join(known) or '-'} ({path})",
            markup=False,
        )
        raise typer.Exit(2)
    return known[0]


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``token`` group to the application."""
    app.command("serve")(serve)
    token_app = typer.Typer(
        no_args_is_help=True,
        help="Đường dẫn lịch riêng của cán bộ / private staff feed links.",
    )
    token_app.command("create")(token_create)
    token_app.command("rotate")(token_rotate)
    token_app.command("list")(token_list)
    app.add_typer(token_app, name="token")


def _serve_workspace(folder: Path, host: str, port: int, lang: str) -> None:
    """Serve an office's workspace: accounts only, no one-time link."""
    from scheduler.commands.workspace import run_workspace
    from scheduler.workspace.security import list_users
    from scheduler.workspace.store import connect

    if lang not in ("vi", "en"):
        err.print(f"--lang: vi or en, got {lang!r}", markup=False)
        raise typer.Exit(2)
    try:
        with connect(folder) as conn:
            users = list_users(conn)
    except (OSError, sqlite3.Error) as exc:
        err.print(
            f"{folder}: không mở được thư mục làm việc / cannot open the workspace "
            f"folder ({exc})",
            markup=False,
        )
        raise typer.Exit(1) from exc
    if not users:
        err.print(
            pick(
                lang,
                f"{folder}: không gian làm việc của văn phòng cần tài khoản trước "
                "(scheduler user add TÊN --folder …)",
                f"{folder}: the office's workspace needs accounts first "
                "(scheduler user add NAME --folder …)",
            ),
            markup=False,
        )
        raise typer.Exit(2)
    run_workspace(folder, host, port, lang, login_link=False)


def serve(
    store: StoreOption = None,
    host: Annotated[
        str,
        typer.Option("--host", help="Địa chỉ lắng nghe / address to bind."),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port", min=0, max=65535, help="Cổng / port (0: any free port)."
        ),
    ] = 8080,
    base_url: BaseUrlOption = None,
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="Ngôn ngữ mặc định của trang mục lục / index language: vi or en.",
        ),
    ] = "vi",
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="Tên máy được phép trong Host (lặp lại được; '*' cho mọi tên) / "
            "a Host name to answer (repeatable; '*' for any).",
        ),
    ] = None,
    header_timeout: Annotated[
        float,
        typer.Option(
            "--header-timeout",
            min=0.1,
            help="Số giây để gửi xong phần đầu yêu cầu / seconds to send a request head.",
        ),
    ] = DEFAULT_HEADER_TIMEOUT,
    keep_alive: Annotated[
        int,
        typer.Option(
            "--keep-alive",
            min=1,
            help="Số giây giữ kết nối rảnh / seconds an idle connection stays open.",
        ),
    ] = DEFAULT_KEEP_ALIVE,
    limit_concurrency: Annotated[
        int,
        typer.Option(
            "--limit-concurrency",
            min=1,
            help="Số kết nối tối đa, quá thì trả 503 / connections before 503.",
        ),
    ] = DEFAULT_LIMIT_CONCURRENCY,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            help="Phục vụ không gian làm việc của văn phòng (có tài khoản) từ thư "
            "mục này / serve the office's workspace (with accounts) from this folder.",
        ),
    ] = None,
) -> None:
    """Serve the latest published feeds and pages of every scenario over HTTP.

    With ``--workspace``, serve the planners' workspace of an office instead
    (the application of ``scheduler app``): every planner page behind a login
    with the accounts of ``scheduler user``, the published calendars public
    under ``/feeds/``, staff calendars private with their tokens.
    """
    import logging

    if workspace is not None:
        _serve_workspace(workspace, host, port, lang)
        return

    import uvicorn

    from scheduler.serve.app import create_app
    from scheduler.serve.run import bind, bound_port, make_config
    from scheduler.store import store_path

    if lang not in ("vi", "en"):
        err.print(f"--lang: vi or en, got {lang!r}", markup=False)
        raise typer.Exit(2)
    path = store_path(store)
    checked_base = _check_base_url(base_url) if base_url else None
    hosts = allowed_hosts(host, checked_base, allowed_host or [])
    try:
        application = create_app(path, checked_base, lang, hosts)
    except (FileNotFoundError, sqlite3.Error) as exc:
        err.print(
            f"{path}: không mở được kho kế hoạch (chạy scheduler publish trước) / "
            f"cannot open the plan store (run scheduler publish first): {exc}",
            markup=False,
        )
        raise typer.Exit(2) from exc
    try:
        sock = bind(host, port)
    except OSError as exc:
        err.print(
            f"{host}:{port}: không mở được cổng / cannot listen: {exc.strerror or exc}",
            markup=False,
        )
        raise typer.Exit(1) from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    # The bound port, not the one asked for: --port 0 picks a free one.
    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"Phục vụ / serving {path} — http://{shown}:{bound_port(sock)}/"
        " (Ctrl-C để dừng / to stop)"
    )
    if hosts is not None:
        typer.echo(
            f"Chỉ trả lời / answering only Host: {', '.join(hosts)}"
            " (thêm / more: --base-url, --allowed-host)"
        )
    config = make_config(
        application,
        header_timeout=header_timeout,
        keep_alive=keep_alive,
        limit_concurrency=limit_concurrency,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


#: Names that always reach a server bound to this machine.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def allowed_hosts(
    bind_host: str, base_url: str | None, extra: list[str]
) -> tuple[str, ...] | None:
    """Return the ``Host`` names the server answers to, or ``None`` for any.

    With a base URL the pages never use ``Host``, so any is answered. Without
    one the links follow ``Host``; then only local names, the bound address
    and ``--allowed-host`` names are answered, so a client cannot make the
    server render pages for hosts of its choosing.

    Parameters
    ----------
    bind_host
        The ``--host`` address.
    base_url
        The checked ``--base-url``, or ``None``.
    extra
        The ``--allowed-host`` values.

    Returns
    -------
    tuple of str or None
        The allowed names, lower case.
    """
    if base_url is not None and not extra:
        return None
    names = [*LOCAL_HOSTS, *(name.strip().lower() for name in extra)]
    if bind_host not in ("0.0.0.0", "::", ""):
        names.append(bind_host.strip("[]").lower())
    if base_url is not None:
        names.append((urllib.parse.urlsplit(base_url).hostname or "").lower())
    return tuple(dict.fromkeys(n for n in names if n))


def token_create(
    scenario: ScenarioOption = None,
    store: StoreOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Give a private feed link to every staff member of the latest version who has none.

    Each new link is printed once; the store keeps only a hash of its secret.
    """
    from scheduler.serve.index import staff_feed_url
    from scheduler.serve.tokens import create_tokens

    base = _check_base_url(base_url or LOCAL_BASE_URL)
    path, conn = _open_store(store)
    with conn:
        name = _pick_scenario(conn, path, scenario)
        issued = create_tokens(conn, name)
    if not issued:
        console.print(
            f"{name}: mọi cán bộ đã có đường dẫn / every staff member already has a link "
            "(scheduler token rotate STAFF_ID)",
            markup=False,
        )
        return
    console.print(
        f"{name}: {len(issued)} đường dẫn mới — chỉ hiện một lần / new links, shown only once:",
        markup=False,
    )
    for token in issued:
        url = staff_feed_url(base, token.scenario, token.staff_id, token.secret)
        _tsv(token.staff_id, url)


def token_rotate(
    staff_id: Annotated[str, typer.Argument(help="Mã cán bộ / staff id.")],
    scenario: ScenarioOption = None,
    store: StoreOption = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Replace a staff member's link; the old one stops working at once."""
    from scheduler.serve.index import staff_feed_url
    from scheduler.serve.tokens import TokenError, rotate_token

    base = _check_base_url(base_url or LOCAL_BASE_URL)
    path, conn = _open_store(store)
    with conn:
        name = _pick_scenario(conn, path, scenario)
        try:
            token = rotate_token(conn, name, staff_id)
        except TokenError as exc:
            err.print(f"STAFF_ID: {exc}", markup=False)
            raise typer.Exit(2) from exc
    url = staff_feed_url(base, token.scenario, token.staff_id, token.secret)
    console.print(
        f"{name}: đường dẫn mới — chỉ hiện một lần / new link, shown only once:",
        markup=False,
    )
    _tsv(token.staff_id, url)


def token_list(
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Chỉ kịch bản này / only this scenario."),
    ] = None,
    store: StoreOption = None,
) -> None:
    """List who has a private link (never the secret) and whether their feed is published."""
    from scheduler.serve.tokens import list_tokens

    _path, conn = _open_store(store)
    with conn:
        infos = list_tokens(conn, scenario)
    if not infos:
        console.print("Chưa có đường dẫn nào / no links yet", markup=False)
        return
    _tsv("scenario", "staff_id", "created_at", "feed")
    for info in infos:
        _tsv(
            info.scenario,
            info.staff_id,
            info.created_at,
            "yes" if info.has_feed else "no",
        )


def _tsv(*fields: str) -> None:
    """Print one tab-separated line as is (Rich would turn the TABs into spaces)."""
    typer.echo("\t".join(fields))
