"""Calendar commands: ``publish``, ``history``, ``diff`` and ``export ics``.

``publish`` records an out folder in the plan store (SQLite) and renders the
feeds the server serves; ``history`` and ``diff`` read the store; ``export
ics`` writes the calendars of an existing plan.json.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from scheduler.commands.common import (
    Lang,
    console,
    err,
    load_or_exit,
    output_folder,
    read_plan_or_exit,
    whole_number,
)
from scheduler.export.ical import DEFAULT_GRACE_DAYS
from scheduler.i18n import t

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Tệp SQLite lưu các phiên bản (mặc định $SCHEDULER_STORE hoặc "
        "out/plans.sqlite) / plan store file.",
    ),
]


def _w(key: str, lang: str) -> str:
    return t(f"feeds.{key}", lang)


def _open_existing(store: Path | None, lang: str) -> sqlite3.Connection:
    from scheduler.store import connect, store_path

    path = store_path(store)
    try:
        return connect(path, create=False)
    except (FileNotFoundError, sqlite3.Error) as exc:
        err.print(f"[bold red]{_w('no_store', lang)} {path}[/]")
        raise typer.Exit(2) from exc


def publish_command(
    out_dir: Annotated[
        Path, typer.Argument(help="Thư mục kết quả của 'scheduler plan' / out folder.")
    ],
    store: StoreOption = None,
    grace_days: Annotated[
        int,
        typer.Option(
            "--grace-days",
            parser=str,
            callback=whole_number(0),
            help="Số ngày giữ sự kiện bị huỷ trong lịch / days a removed event "
            "stays as cancelled.",
        ),
    ] = DEFAULT_GRACE_DAYS,
    alarm_minutes: Annotated[
        int | None,
        typer.Option(
            "--alarm-minutes",
            parser=str,
            callback=whole_number(1),
            help="Nhắc trước bao nhiêu phút (VALARM) / reminder before each event.",
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Ghi chú cho phiên bản / a note.")
    ] = None,
    lang: Lang = "vi",
) -> None:
    """Record a plan as a new version in the plan store and render its feeds."""
    from scheduler.store import connect, publish, read_out_folder, store_path

    try:
        plan, display, plan_bytes, pages = read_out_folder(out_dir)
    except ValueError as exc:
        err.print(str(exc), style="bold red", markup=False)
        raise typer.Exit(2) from exc
    path = store_path(store)
    try:
        conn = connect(path)
    except sqlite3.Error as exc:
        err.print(f"{path}: {exc}", markup=False)
        raise typer.Exit(2) from exc
    try:
        result = publish(
            conn,
            plan,
            display,
            now=dt.datetime.now(dt.UTC),
            grace_days=grace_days,
            lang=lang,
            plan_json=plan_bytes,
            pages=pages,
            note=note,
            alarm=dt.timedelta(minutes=alarm_minutes) if alarm_minutes else None,
        )
    finally:
        conn.close()
    for warning in result.warnings:
        err.print(f"[yellow]{_w('warning', lang)}:[/] {warning}")
    counts = ", ".join(
        f"{_w(word, lang)} {len(getattr(result, key))}"
        for key, word in (
            ("added", "added"),
            ("changed", "updated"),
            ("cancelled", "cancelled"),
            ("expired", "expired"),
        )
    )
    console.print(
        f"{_w('published', lang)} {result.version} ({plan.scenario}, {path}): "
        f"{len(result.feeds)} {_w('feeds', lang)}; {counts}"
    )


def history_command(
    store: StoreOption = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Chỉ một kịch bản / only this scenario name."),
    ] = None,
    lang: Lang = "vi",
) -> None:
    """List the published versions."""
    from scheduler.store import history

    conn = _open_existing(store, lang)
    try:
        versions = history(conn, scenario)
    finally:
        conn.close()
    if not versions:
        console.print(_w("no_versions", lang))
        return
    table = Table(show_lines=False)
    for key in (
        "version",
        "scenario",
        "published_at",
        "events",
        "feeds_column",
        "input_hash",
        "note",
    ):
        table.add_column(_w(key, lang), overflow="fold")
    for v in versions:
        table.add_row(
            str(v.version),
            v.scenario,
            # the column says UTC: 2023-08-01 03:00:00
            v.published_at.replace("T", " ").removesuffix("+00:00"),
            str(v.events),
            str(v.feeds),
            v.input_hash[:12],
            v.note or "",
        )
    console.print(table)


def diff_command(
    version_a: Annotated[int, typer.Argument(help="Phiên bản trước / older version.")],
    version_b: Annotated[int, typer.Argument(help="Phiên bản sau / newer version.")],
    store: StoreOption = None,
    lang: Lang = "vi",
) -> None:
    """List added, moved, re-staffed, changed and cancelled events between two versions."""
    from scheduler.store import diff

    conn = _open_existing(store, lang)
    try:
        changes = diff(conn, version_a, version_b)
    except KeyError as exc:
        err.print(f"[bold red]{_w('version', lang)} {exc.args[0]}: ?[/]")
        raise typer.Exit(2) from exc
    except ValueError as exc:
        err.print(str(exc), style="bold red", markup=False)
        raise typer.Exit(2) from exc
    finally:
        conn.close()
    if not changes.changes:
        console.print(_w("no_changes", lang))
        return
    table = Table()
    for key in ("event", "change", "before", "after"):
        table.add_column(_w(key, lang), overflow="fold")
    for c in changes.changes:
        table.add_row(
            c.event_id,
            ", ".join(_w(k, lang) for k in c.kinds),
            _describe(c.before) if c.before else "",
            _describe(c.after) if c.after and "cancelled" not in c.kinds else "",
        )
    console.print(table)
    console.print(", ".join(f"{_w(k, lang)} {len(changes.ids(k))}" for k in _KINDS))


_KINDS = ("added", "moved", "restaffed", "changed", "cancelled")


def _describe(event: object) -> str:
    from scheduler.plan import Event

    assert isinstance(event, Event)
    start = event.start.strftime("%Y-%m-%d %H:%M")
    staff = ";".join(event.staff_ids)
    return f"{start} {event.venue_id or event.commune_code or ''} {staff}".strip()


def export_ics(
    plan_file: Annotated[Path, typer.Argument(help="plan.json.")],
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="Tệp kịch bản TOML (mặc định: display.json cạnh plan.json) / "
            "scenario TOML (default: display.json beside plan.json).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Thư mục kết quả (mặc định: thư mục của plan.json)."
        ),
    ] = None,
    store: StoreOption = None,
    lang: Lang = "vi",
) -> None:
    """Write calendars/*.ics (and display.json) for an existing plan.json."""
    from scheduler.export.display import DisplayData
    from scheduler.export.folder import write_atomically, write_file_atomically
    from scheduler.export.ical import feed_notes, plan_feeds
    from scheduler.store import preview_state

    plan = read_plan_or_exit(plan_file, lang)
    if scenario is not None:
        display = DisplayData.from_scenario(load_or_exit(scenario, lang))
    else:
        display_file = plan_file.parent / "display.json"
        try:
            display = DisplayData.from_json(display_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            err.print(
                f"{display_file}: {exc} (--scenario TOML)",
                style="bold red",
                markup=False,
            )
            raise typer.Exit(2) from exc
    if display.scenario != plan.scenario:
        err.print(
            f"{plan_file}: scenario {plan.scenario!r}, "
            f"display data {display.scenario!r}",
            style="bold red",
            markup=False,
        )
        raise typer.Exit(2)
    folder = out or plan_file.parent
    feeds = plan_feeds(plan, display, lang, preview_state(plan.scenario, store))
    files = {f.filename: f.body for f in feeds}
    with output_folder(folder / "calendars", lang):
        write_atomically(folder / "calendars", files)
        if scenario is not None:
            write_file_atomically(folder / "display.json", display.to_json().encode())
    for note in feed_notes(feeds, lang):  # a feed split or shortened to stay under 1 MB
        console.print(note, style="yellow", markup=False)
    console.print(f"{_w('written', lang)} {folder / 'calendars'}/ ({len(files)})")


def prune_command(
    keep: Annotated[
        int,
        typer.Option(
            "--keep",
            min=1,
            help="Số phiên bản mới nhất giữ lại cho mỗi kịch bản / newest versions "
            "to keep per scenario.",
        ),
    ],
    store: StoreOption = None,
    lang: Lang = "vi",
) -> None:
    """Delete all but the newest versions of each scenario and compact the store."""
    from scheduler.store import prune, store_path

    conn = _open_existing(store, lang)
    path = store_path(store)
    try:
        result = prune(conn, path, keep)
    except sqlite3.Error as exc:
        err.print(f"{path}: {_w('store_failed', lang)}: {exc}", markup=False)
        raise typer.Exit(1) from exc
    finally:
        conn.close()
    for scenario, versions in result.deleted.items():
        listed = ", ".join(str(v) for v in versions)
        console.print(
            f"{scenario}: {_w('pruned', lang)} {len(versions)} "
            f"{_w('pruned_versions' if len(versions) > 1 else 'pruned_version', lang)}"
            f" ({listed})",
            markup=False,
        )
    if result.kept_for_cancelled:
        kept = ", ".join(str(v) for v in result.kept_for_cancelled)
        console.print(f"{_w('kept_cancelled', lang)}: {kept}", markup=False)
    console.print(
        f"{_w('pruned', lang)} {result.blobs_deleted} {_w('pruned_blobs', lang)}; "
        f"{_w('store_size', lang)} {result.bytes_before / 1e6:.1f} → "
        f"{result.bytes_after / 1e6:.1f} MB",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``publish``, ``history``, ``diff``, ``prune`` and ``export ics`` to ``app``."""
    app.command("publish")(publish_command)
    app.command("history")(history_command)
    app.command("diff")(diff_command)
    app.command("prune")(prune_command)
    export_app = typer.Typer(
        no_args_is_help=True,
        help="Xuất một plan.json có sẵn / export an existing plan.",
    )
    export_app.command("ics")(export_ics)
    app.add_typer(export_app, name="export")
