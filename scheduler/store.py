"""The plan store: published plan versions, their feeds and pages, calendar state, feed tokens.

One SQLite file (standard library). Writers are ``scheduler publish`` and
``scheduler token``; the reader is ``scheduler serve``. The schema is the
contract between them and is created here only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from scheduler.export.display import DisplayData
from scheduler.export.ical import (
    DEFAULT_GRACE_DAYS,
    EventState,
    Feed,
    PublishedCalendar,
    advance_state,
    build_feeds,
    event_uid,
    feed_notes,
)
from scheduler.i18n import pick
from scheduler.plan import Event, Plan

#: Where the store lives unless ``--store`` or ``SCHEDULER_STORE`` says otherwise.
#: Beside, not inside, ``out/<scenario>/``: that folder is replaced whole on every plan.
DEFAULT_STORE = Path("out") / "plans.sqlite"

#: The feeds table; ``{table}`` is ``feeds``, or a temporary name while migrating.
FEEDS_TABLE = """
CREATE TABLE IF NOT EXISTS {table} (
    version       INTEGER NOT NULL REFERENCES versions(version),
    name          TEXT NOT NULL,            -- file stem: 'all', 'commune-18001', 'staff-LD01', ...
    kind          TEXT NOT NULL,            -- plan | commune | staff | activity | station
    subject       TEXT,                     -- commune code, staff id, activity id, station id
    title         TEXT NOT NULL,            -- calendar name shown to people
    body_hash     TEXT NOT NULL REFERENCES blobs(hash),  -- the .ics bytes
    etag          TEXT NOT NULL,            -- strong, quoted: '"<sha256 hex>"'
    last_modified TEXT NOT NULL,            -- ISO 8601, UTC, whole seconds
    PRIMARY KEY (version, name)
);"""

#: The pages table (``report.html``, ...), like :data:`FEEDS_TABLE`.
PAGES_TABLE = """
CREATE TABLE IF NOT EXISTS {table} (
    version       INTEGER NOT NULL REFERENCES versions(version),
    name          TEXT NOT NULL,            -- 'report.html', ...
    content_type  TEXT NOT NULL,
    body_hash     TEXT NOT NULL REFERENCES blobs(hash),
    etag          TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    PRIMARY KEY (version, name)
);"""

_SCHEMA_TEMPLATE = """
CREATE TABLE IF NOT EXISTS versions (
    version      INTEGER PRIMARY KEY AUTOINCREMENT,
    scenario     TEXT NOT NULL,             -- Plan.scenario (the scenario's name)
    published_at TEXT NOT NULL,             -- ISO 8601, UTC
    input_hash   TEXT NOT NULL,
    plan_json    BLOB NOT NULL,             -- the published plan.json, verbatim
    note         TEXT
);
CREATE TABLE IF NOT EXISTS blobs (
    hash          TEXT PRIMARY KEY,         -- sha256 hex of body
    body          BLOB NOT NULL             -- stored once, however many versions use it
);
{feeds}
{pages}
CREATE TABLE IF NOT EXISTS event_state (
    scenario      TEXT NOT NULL,
    uid           TEXT NOT NULL,
    sequence      INTEGER NOT NULL,
    content_hash  TEXT NOT NULL,
    last_modified TEXT NOT NULL,            -- ISO 8601, UTC: DTSTAMP = LAST-MODIFIED
    cancelled_at  TEXT,                     -- set when a re-plan dropped the event
    PRIMARY KEY (scenario, uid)
);
CREATE TABLE IF NOT EXISTS tokens (
    scenario      TEXT NOT NULL,
    staff_id      TEXT NOT NULL,
    token_hash    TEXT NOT NULL,            -- sha256 hex of the secret; the secret is never stored
    created_at    TEXT NOT NULL,
    PRIMARY KEY (scenario, staff_id)
);
"""

#: The whole schema. Feed and page bodies live in ``blobs``, keyed by their
#: SHA-256, so a publish that repeats a body (most feeds, the report) adds only
#: a row that points at it.
SCHEMA = _SCHEMA_TEMPLATE.format(
    feeds=FEEDS_TABLE.format(table="feeds"), pages=PAGES_TABLE.format(table="pages")
)


def store_path(explicit: Path | None = None) -> Path:
    """Return the store's path: the explicit one, else ``$SCHEDULER_STORE``, else the default."""
    if explicit is not None:
        return explicit
    env = os.environ.get("SCHEDULER_STORE")
    return Path(env) if env else DEFAULT_STORE


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open the store, creating the file and schema when ``create`` is true.

    Parameters
    ----------
    path
        The SQLite file.
    create
        Create the file and tables if missing; readers pass ``False`` and get
        ``FileNotFoundError`` for a store that does not exist.

    Returns
    -------
    sqlite3.Connection
        A connection with foreign keys on and WAL journaling, so the server can
        read while a publish writes.
    """
    if not create and not path.exists():
        raise FileNotFoundError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    try:
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    conn.execute("PRAGMA foreign_keys = ON")
    if create:
        conn.executescript(SCHEMA)
    return conn


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    # The table name is one of this module's literals, never user input.
    return [str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")]


def migrate(conn: sqlite3.Connection) -> bool:
    """Move feed and page bodies of an older store into ``blobs``, in place.

    Older stores kept a ``body`` column in ``feeds`` and ``pages``, so every
    publish stored every body again. Each table is rebuilt with a ``body_hash``
    that points at ``blobs`` (each distinct body once), in one transaction;
    then the file is compacted (``VACUUM``). A store already in the new form,
    or an empty file, is left alone.

    Parameters
    ----------
    conn
        A connection with no open transaction and foreign keys off (SQLite
        cannot rename tables that others reference while they are on).

    Returns
    -------
    bool
        Whether anything was migrated.
    """
    old = [t for t in ("feeds", "pages") if "body" in _columns(conn, t)]
    if not old:
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        old = [t for t in ("feeds", "pages") if "body" in _columns(conn, t)]
        conn.execute(
            "CREATE TABLE IF NOT EXISTS blobs (hash TEXT PRIMARY KEY, body BLOB NOT NULL)"
        )
        for table in old:
            _move_bodies(conn, table)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    # The old bodies left free pages behind; give them back to the file system.
    # Not essential: if a reader is in the way, `scheduler prune` does it later.
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute("VACUUM")
    return bool(old)


def _move_bodies(conn: sqlite3.Connection, table: str) -> None:
    """Rebuild ``feeds`` or ``pages`` with ``body_hash``, moving bodies to ``blobs``."""
    template = FEEDS_TABLE if table == "feeds" else PAGES_TABLE
    fresh = f"{table}_migrating"
    conn.execute(f"DROP TABLE IF EXISTS {fresh}")
    conn.execute(template.format(table=fresh))
    kept = [c for c in _columns(conn, fresh) if c != "body_hash"]
    names = ", ".join(kept)
    marks = ", ".join("?" for _ in kept)
    reader = conn.execute(f"SELECT body, {names} FROM {table}")
    for body, *rest in reader:
        digest = put_blob(conn, bytes(body))
        conn.execute(
            f"INSERT INTO {fresh} (body_hash, {names}) VALUES (?, {marks})",
            (digest, *rest),
        )
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {fresh} RENAME TO {table}")


def put_blob(conn: sqlite3.Connection, body: bytes) -> str:
    """Store a body once, by its SHA-256; return the hash that rows refer to."""
    digest = hashlib.sha256(body).hexdigest()
    conn.execute(
        "INSERT OR IGNORE INTO blobs (hash, body) VALUES (?, ?)", (digest, body)
    )
    return digest


def checkpoint(conn: sqlite3.Connection) -> None:
    """Copy the write-ahead log into the database and cut it back to zero bytes.

    SQLite reuses its WAL but never shrinks it, so without this a store that
    took one large publish keeps a log as large beside it. When a reader still
    needs the log the checkpoint stops early and the next one finishes the work.
    """
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


# --------------------------------------------------------------------------- publish

#: The pages a publish copies from the out folder, with their content types:
#: the public report and each commune's one-page sheet (``communes/<code>.html``).
#: Nothing private (``report-staff.html``, ``staff/``) is ever copied.
PAGES = {"report.html": "text/html; charset=utf-8"}
PAGE_FOLDERS = {"communes": "text/html; charset=utf-8"}


def page_type(name: str) -> str:
    """Return the content type of a published page by its name."""
    if name in PAGES:
        return PAGES[name]
    folder = name.split("/", 1)[0]
    return PAGE_FOLDERS.get(folder, "application/octet-stream")


def public_pages(folder: Path) -> dict[str, bytes]:
    """Return the public pages of an out folder by the names they are served under."""
    pages = {n: (folder / n).read_bytes() for n in PAGES if (folder / n).is_file()}
    for sub in PAGE_FOLDERS:
        for path in sorted((folder / sub).glob("*.html")):
            if path.is_file() and not path.is_symlink():
                pages[f"{sub}/{path.name}"] = path.read_bytes()
    return pages


def iso_utc(value: dt.datetime) -> str:
    """Return the store's time form: ISO 8601 in UTC, whole seconds (``…+00:00``)."""
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def strong_etag(body: bytes) -> str:
    """Return a strong, quoted entity tag: the SHA-256 of the body."""
    return f'"{hashlib.sha256(body).hexdigest()}"'


@dataclass(frozen=True)
class PublishResult:
    """What a publish recorded: the version, its feeds and how the events changed."""

    version: int
    published_at: str
    feeds: tuple[Feed, ...]
    pages: tuple[str, ...]
    added: tuple[str, ...]
    changed: tuple[str, ...]
    cancelled: tuple[str, ...]
    expired: tuple[str, ...]
    warnings: tuple[str, ...]


def _plan_events(plan_json: bytes | str) -> dict[str, Event]:
    plan = Plan.from_dict(json.loads(plan_json))
    return {e.event_id: e for e in plan.events}


def load_state(conn: sqlite3.Connection, scenario: str) -> dict[str, EventState]:
    """Return the calendar state of a scenario, with each event's last known content.

    The content of an event that a re-plan dropped is taken from the newest
    published plan that still had it (``versions.plan_json``), so the feeds can
    keep showing it as cancelled without a copy in ``event_state``.
    """
    rows = conn.execute(
        "SELECT uid, sequence, content_hash, last_modified, cancelled_at "
        "FROM event_state WHERE scenario = ? ORDER BY uid",
        (scenario,),
    ).fetchall()
    suffix = event_uid(scenario, "")
    wanted = {uid: uid.removesuffix(suffix) for uid, *_ in rows}
    content: dict[str, Event] = {}
    missing = set(wanted)
    for (plan_json,) in conn.execute(
        "SELECT plan_json FROM versions WHERE scenario = ? ORDER BY version DESC",
        (scenario,),
    ):
        if not missing:
            break
        events = _plan_events(plan_json)
        for uid in sorted(missing):
            if wanted[uid] in events:
                content[uid] = events[wanted[uid]]
                missing.discard(uid)
    return {
        uid: EventState(
            uid=uid,
            sequence=seq,
            content_hash=digest,
            last_modified=dt.datetime.fromisoformat(modified),
            cancelled_at=dt.datetime.fromisoformat(cancelled) if cancelled else None,
            event=content.get(uid),
        )
        for uid, seq, digest, modified, cancelled in rows
    }


def last_published_at(conn: sqlite3.Connection, scenario: str) -> dt.datetime | None:
    """Return when a scenario was last published, or ``None`` if never."""
    row = conn.execute(
        "SELECT published_at FROM versions WHERE scenario = ? "
        "ORDER BY version DESC LIMIT 1",
        (scenario,),
    ).fetchone()
    return dt.datetime.fromisoformat(row[0]) if row else None


def preview_state(scenario: str, path: Path | None = None) -> PublishedCalendar | None:
    """Read (never write) a scenario's calendar state for the files of ``scheduler plan``.

    Returns
    -------
    PublishedCalendar or None
        The state and the last publish time (the stamp given to events that
        changed since, so the files stay reproducible), or ``None`` when there
        is no store, it cannot be read, or the scenario was never published.
    """
    store = store_path(path)
    if not store.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
        try:
            when = last_published_at(conn, scenario)
            if when is None:
                return None
            return PublishedCalendar(load_state(conn, scenario), when)
        finally:
            conn.close()
    except (sqlite3.Error, ValueError, KeyError, TypeError):
        # an unreadable store must not stop a plan from being written
        return None


def publish(
    conn: sqlite3.Connection,
    plan: Plan,
    display: DisplayData,
    *,
    now: dt.datetime,
    grace_days: int = DEFAULT_GRACE_DAYS,
    lang: str = "vi",
    plan_json: bytes | None = None,
    pages: Mapping[str, bytes] | None = None,
    note: str | None = None,
    alarm: dt.timedelta | None = None,
) -> PublishResult:
    """Record a plan as a new version: calendar state, every feed, and the pages.

    Parameters
    ----------
    conn
        An open store (:func:`connect`).
    plan, display
        The plan and the names and places its feeds show.
    now
        The publish time; becomes ``published_at`` and the LAST-MODIFIED of
        every event that is new, changed or cancelled by this publish.
    grace_days
        Days a removed event stays in the feeds as cancelled.
    lang
        Language of the feeds.
    plan_json
        The plan.json bytes to keep verbatim (default: ``plan.to_json()``).
    pages
        Extra files to serve by name (``report.html``).
    note
        Free text kept with the version.
    alarm
        Optional VALARM before each event.

    Returns
    -------
    PublishResult
        The version number, feeds and how the events changed.
    """
    if grace_days < 0:
        raise ValueError(f"grace days must be 0 or more, got {grace_days}")
    stamp = iso_utc(now)
    now = dt.datetime.fromisoformat(stamp)
    # one writer at a time: the state read here must be the one replaced below
    # (finish first any implicit transaction the caller left open)
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        previous = load_state(conn, plan.scenario)
        state = advance_state(
            plan, display, previous, now, dt.timedelta(days=grace_days)
        )
        feeds = build_feeds(plan, display, state, lang=lang, alarm=alarm, now=now)
        warnings = feed_notes(feeds, lang)
        lost = [uid for uid, st in state.items() if st.event is None]
        if lost:
            warnings.append(
                pick(
                    lang,
                    f"{len(lost)} sự kiện đã huỷ không còn nội dung: {lost[:3]}",
                    f"{len(lost)} cancelled events have no known content: {lost[:3]}",
                )
            )
        latest = conn.execute(
            "SELECT max(version) FROM versions WHERE scenario = ?", (plan.scenario,)
        ).fetchone()[0]
        old_feeds = {
            name: (etag, modified)
            for name, etag, modified in conn.execute(
                "SELECT name, etag, last_modified FROM feeds WHERE version = ?",
                (latest,),
            )
        }
        old_pages = {
            name: (etag, modified)
            for name, etag, modified in conn.execute(
                "SELECT name, etag, last_modified FROM pages WHERE version = ?",
                (latest,),
            )
        }
        body = plan_json if plan_json is not None else plan.to_json().encode("utf-8")
        version = conn.execute(
            "INSERT INTO versions (scenario, published_at, input_hash, plan_json, note) "
            "VALUES (?, ?, ?, ?, ?)",
            (plan.scenario, stamp, plan.input_hash, body, note),
        ).lastrowid
        for feed in feeds:
            etag = strong_etag(feed.body)
            conn.execute(
                "INSERT INTO feeds (version, name, kind, subject, title, body_hash, "
                "etag, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    version,
                    feed.name,
                    feed.kind,
                    feed.subject,
                    feed.title,
                    put_blob(conn, feed.body),
                    etag,
                    _feed_modified(feed, etag, old_feeds.get(feed.name), stamp),
                ),
            )
        for name, data in sorted((pages or {}).items()):
            etag = strong_etag(data)
            old = old_pages.get(name)
            conn.execute(
                "INSERT INTO pages (version, name, content_type, body_hash, etag, "
                "last_modified) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    version,
                    name,
                    page_type(name),
                    put_blob(conn, data),
                    etag,
                    old[1] if old and old[0] == etag else stamp,
                ),
            )
        conn.execute("DELETE FROM event_state WHERE scenario = ?", (plan.scenario,))
        conn.executemany(
            "INSERT INTO event_state (scenario, uid, sequence, content_hash, "
            "last_modified, cancelled_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    plan.scenario,
                    st.uid,
                    st.sequence,
                    st.content_hash,
                    iso_utc(st.last_modified),
                    iso_utc(st.cancelled_at) if st.cancelled_at else None,
                )
                for st in state.values()
            ],
        )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    checkpoint(conn)
    assert version is not None
    return PublishResult(
        version=version,
        published_at=stamp,
        feeds=tuple(feeds),
        pages=tuple(sorted(pages or {})),
        added=tuple(u for u in state if u not in previous),
        changed=tuple(
            u
            for u, st in state.items()
            if u in previous
            and st.cancelled_at is None
            and st.sequence != previous[u].sequence
        ),
        cancelled=tuple(
            u
            for u, st in state.items()
            if st.cancelled_at is not None and previous[u].cancelled_at is None
        ),
        expired=tuple(u for u in previous if u not in state),
        warnings=tuple(warnings),
    )


def _feed_modified(
    feed: Feed, etag: str, old: tuple[str, str] | None, stamp: str
) -> str:
    """Last-Modified of a feed: the latest of its events, never going backwards.

    An unchanged body keeps the previous value. A changed body whose newest
    event is not newer than the previous value (an event dropped after its
    grace period, another language) gets the publish time, so that
    If-Modified-Since never hides a change.
    """
    if old is not None and old[0] == etag:
        return old[1]
    modified = iso_utc(feed.last_modified) if feed.last_modified else stamp
    if old is not None and modified <= old[1]:
        return stamp
    return modified


def read_out_folder(folder: Path) -> tuple[Plan, DisplayData, bytes, dict[str, bytes]]:
    """Read what a publish needs from ``out/<scenario>/``.

    Returns
    -------
    tuple
        The plan, its display data, the plan.json bytes and the pages found.

    Raises
    ------
    ValueError
        Naming the file that is missing or malformed.
    """
    plan_file, display_file = folder / "plan.json", folder / "display.json"
    try:
        plan_bytes = plan_file.read_bytes()
        plan = Plan.from_dict(json.loads(plan_bytes))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{plan_file}: {exc}") from exc
    try:
        display = DisplayData.from_json(display_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"{display_file}: {exc} (written by 'scheduler plan'; "
            "'scheduler export ics PLAN_JSON --scenario TOML' writes it for an older plan)"
        ) from exc
    if display.scenario != plan.scenario:
        raise ValueError(
            f"{display_file}: scenario {display.scenario!r} but plan.json has {plan.scenario!r}"
        )
    return plan, display, plan_bytes, public_pages(folder)


# --------------------------------------------------------------------------- prune


@dataclass(frozen=True)
class PruneResult:
    """What :func:`prune` removed.

    Attributes
    ----------
    deleted
        The deleted version numbers, by scenario (scenarios with none left out).
    kept_for_cancelled
        Older versions kept beyond ``keep`` because they hold the last known
        content of an event the feeds still show as cancelled.
    blobs_deleted
        Bodies no remaining version refers to.
    bytes_before, bytes_after
        Size of the store file (with its WAL) before and after.
    """

    deleted: dict[str, tuple[int, ...]]
    kept_for_cancelled: tuple[int, ...]
    blobs_deleted: int
    bytes_before: int
    bytes_after: int


def store_bytes(path: Path) -> int:
    """Return the size of a store file plus its ``-wal`` file, in bytes."""
    wal = path.with_name(path.name + "-wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())


def _versions_to_delete(
    conn: sqlite3.Connection, scenario: str, keep: int
) -> tuple[list[int], list[int]]:
    """Return (versions to delete, older versions kept for cancelled events)."""
    rows = conn.execute(
        "SELECT version, plan_json FROM versions WHERE scenario = ? ORDER BY version DESC",
        (scenario,),
    ).fetchall()
    suffix = event_uid(scenario, "")
    missing = {
        str(uid).removesuffix(suffix)
        for (uid,) in conn.execute(
            "SELECT uid FROM event_state WHERE scenario = ?", (scenario,)
        )
    }
    deleted: list[int] = []
    needed: list[int] = []
    for index, (version, plan_json) in enumerate(rows):
        if not missing and index >= keep:
            deleted.append(int(version))
            continue
        # load_state finds a cancelled event's content in the newest version
        # that had it; that version must stay while the event is in the feeds.
        found = missing & set(_plan_events(plan_json)) if missing else set()
        missing -= found
        if index < keep:
            continue
        if found:
            needed.append(int(version))
        else:
            deleted.append(int(version))
    return deleted, needed


def prune(conn: sqlite3.Connection, path: Path, keep: int) -> PruneResult:
    """Keep the newest ``keep`` versions of every scenario; delete the rest.

    Deletes the older versions with their feed and page rows, then every body
    no remaining row refers to, checkpoints the WAL and compacts the file
    (``VACUUM``). A version that holds the last known content of an event the
    feeds still show as cancelled is kept too, so pruning never changes a feed.

    Parameters
    ----------
    conn
        An open store (:func:`connect`).
    path
        The store's file, for the sizes reported.
    keep
        Versions to keep per scenario, at least 1 (the one being served).

    Returns
    -------
    PruneResult
        What was deleted and the file size before and after.

    Raises
    ------
    ValueError
        When ``keep`` is less than 1.
    """
    if keep < 1:
        raise ValueError(f"keep must be 1 or more, got {keep}")
    before = store_bytes(path)
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        deleted: dict[str, tuple[int, ...]] = {}
        kept: list[int] = []
        for (scenario,) in conn.execute(
            "SELECT DISTINCT scenario FROM versions ORDER BY scenario"
        ).fetchall():
            gone, needed = _versions_to_delete(conn, str(scenario), keep)
            kept.extend(needed)
            if gone:
                deleted[str(scenario)] = tuple(sorted(gone))
        doomed = [(v,) for versions in deleted.values() for v in versions]
        for table in ("feeds", "pages", "versions"):
            conn.executemany(f"DELETE FROM {table} WHERE version = ?", doomed)
        blobs = conn.execute(
            "DELETE FROM blobs WHERE hash NOT IN"
            " (SELECT body_hash FROM feeds UNION SELECT body_hash FROM pages)"
        ).rowcount
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    checkpoint(conn)
    conn.execute("VACUUM")
    checkpoint(conn)
    return PruneResult(deleted, tuple(sorted(kept)), blobs, before, store_bytes(path))


# --------------------------------------------------------------------------- history, diff


@dataclass(frozen=True)
class VersionInfo:
    """One published version, as ``scheduler history`` lists it."""

    version: int
    scenario: str
    published_at: str
    input_hash: str
    events: int
    feeds: int
    note: str | None


def history(conn: sqlite3.Connection, scenario: str | None = None) -> list[VersionInfo]:
    """Return the published versions, oldest first, of one scenario or of all."""
    rows = conn.execute(
        "SELECT v.version, v.scenario, v.published_at, v.input_hash, v.plan_json, "
        "v.note, (SELECT count(*) FROM feeds f WHERE f.version = v.version) "
        "FROM versions v WHERE ? IS NULL OR v.scenario = ? ORDER BY v.version",
        (scenario, scenario),
    ).fetchall()
    return [
        VersionInfo(
            version=version,
            scenario=name,
            published_at=published,
            input_hash=input_hash,
            events=len(json.loads(plan_json).get("events", [])),
            feeds=n_feeds,
            note=note,
        )
        for version, name, published, input_hash, plan_json, note, n_feeds in rows
    ]


#: Kinds of change, in the order a diff lists them.
CHANGE_KINDS = ("added", "moved", "restaffed", "changed", "cancelled")


@dataclass(frozen=True)
class EventChange:
    """How one event differs between two versions (``kinds`` ⊆ :data:`CHANGE_KINDS`)."""

    event_id: str
    kinds: tuple[str, ...]
    before: Event | None
    after: Event | None


@dataclass(frozen=True)
class PlanDiff:
    """The changes from version ``a`` to version ``b``, by event id."""

    version_a: int
    version_b: int
    changes: tuple[EventChange, ...]

    def ids(self, kind: str) -> list[str]:
        """Return the ids of events with one kind of change."""
        return [c.event_id for c in self.changes if kind in c.kinds]

    @property
    def added(self) -> list[str]:
        """Events only in ``b``."""
        return self.ids("added")

    @property
    def moved(self) -> list[str]:
        """Events whose start or end changed."""
        return self.ids("moved")

    @property
    def restaffed(self) -> list[str]:
        """Events whose staff changed."""
        return self.ids("restaffed")

    @property
    def changed(self) -> list[str]:
        """Events with any other change (venue, topic, cost, funding, …)."""
        return self.ids("changed")

    @property
    def cancelled(self) -> list[str]:
        """Events only in ``a``, or cancelled in ``b``."""
        return self.ids("cancelled")


_TIME_FIELDS = ("start", "end", "all_day")
_KEPT = {"scheduled", "pinned"}


def diff_plans(before: Plan, after: Plan) -> tuple[EventChange, ...]:
    """Compare two plans event by event (pure; sorted by event id)."""
    old = {e.event_id: e for e in before.events}
    new = {e.event_id: e for e in after.events}
    changes = []
    for event_id in sorted(old.keys() | new.keys()):
        a, b = old.get(event_id), new.get(event_id)
        kinds: list[str] = []
        if a is None:
            kinds.append("added")
        elif b is None or (b.status == "cancelled" != a.status):
            kinds.append("cancelled")
        else:
            if any(getattr(a, f) != getattr(b, f) for f in _TIME_FIELDS):
                kinds.append("moved")
            if a.staff != b.staff:
                kinds.append("restaffed")
            # scheduled → pinned (kept by a re-plan) is no change to the event itself
            rest_a = replace(
                a,
                start=b.start,
                end=b.end,
                all_day=b.all_day,
                staff=b.staff,
                status=b.status if {a.status, b.status} <= _KEPT else a.status,
            )
            if rest_a != b:
                kinds.append("changed")
        if kinds:
            changes.append(EventChange(event_id, tuple(kinds), a, b))
    return tuple(changes)


def read_version_plan(conn: sqlite3.Connection, version: int) -> Plan:
    """Return the plan published as ``version``.

    Raises
    ------
    KeyError
        When there is no such version.
    """
    row = conn.execute(
        "SELECT plan_json FROM versions WHERE version = ?", (version,)
    ).fetchone()
    if row is None:
        raise KeyError(version)
    return Plan.from_dict(json.loads(row[0]))


def diff(conn: sqlite3.Connection, version_a: int, version_b: int) -> PlanDiff:
    """Return added, moved, re-staffed, changed and cancelled events from A to B.

    Raises
    ------
    KeyError
        When a version does not exist.
    ValueError
        When the two versions belong to different scenarios.
    """
    a = read_version_plan(conn, version_a)
    b = read_version_plan(conn, version_b)
    if a.scenario != b.scenario:
        raise ValueError(
            f"version {version_a} is scenario {a.scenario!r}, "
            f"version {version_b} is {b.scenario!r}"
        )
    return PlanDiff(version_a, version_b, diff_plans(a, b))
