"""Read-only access to the plan store for the server.

The server holds one read-only SQLite connection. Before each request it asks
``PRAGMA data_version``, which changes whenever another connection commits
(``scheduler publish``, ``scheduler token rotate``). While it is unchanged, the
metadata of the latest version of every scenario and the token hashes are
served from memory; when it changes, they are read again in one transaction,
so a publish is picked up by the next request without a restart. Feed and page
bodies are cached by version (a published version never changes) and dropped
when their version is no longer the latest.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sqlite3
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.serve.conditional import parse_iso_utc

#: zlib level for the gzip forms: 6 gives nearly all of 9's saving in a fraction
#: of the time (Hưng Nguyên's all.ics: 937 kB to about 36 kB).
GZIP_LEVEL = 6

#: Feed kinds anyone may fetch; ``staff`` feeds need the person's token.
PUBLIC_KINDS = ("plan", "commune", "activity", "station")


@dataclass(frozen=True)
class Entry:
    """One feed or page of a published version, without its body.

    Attributes
    ----------
    version
        The version it belongs to.
    name
        Feed file stem (``commune-18001``) or page name (``report.html``).
    kind
        Feed kind, or ``page`` for a page.
    subject
        Commune code, staff id, activity or station id; ``None`` for the rest.
    title
        The name shown to people (a page's name for pages).
    content_type
        The Content-Type to send.
    etag
        Strong, quoted entity tag.
    last_modified
        Aware UTC, whole seconds.
    """

    version: int
    name: str
    kind: str
    subject: str | None
    title: str
    content_type: str
    etag: str
    last_modified: dt.datetime


@dataclass(frozen=True)
class Published:
    """The latest version of one scenario: what may be served for it.

    Attributes
    ----------
    scenario
        The scenario's name.
    version
        Its latest version number.
    published_at
        When that version was published (aware UTC).
    feeds
        Every feed by name, public and staff.
    staff_feeds
        Staff feeds by staff id.
    pages
        Pages by name.
    title
        The plan's title.
    figures
        For each activity of the plan: its id, how many were placed and how
        many were required (training: communes trained of those required).
    """

    scenario: str
    version: int
    published_at: dt.datetime
    title: str = ""
    # per activity: (activity id, placed, required); training counts communes
    figures: tuple[tuple[str, int, int], ...] = ()
    feeds: dict[str, Entry] = field(default_factory=dict)
    staff_feeds: dict[str, Entry] = field(default_factory=dict)
    pages: dict[str, Entry] = field(default_factory=dict)

    def public_feeds(self) -> list[Entry]:
        """Return the feeds anyone may fetch, whole plan first, then by kind and name."""
        order = {kind: i for i, kind in enumerate(PUBLIC_KINDS)}
        chosen = [e for e in self.feeds.values() if e.kind in order]
        return sorted(chosen, key=lambda e: (order[e.kind], e.name))


@dataclass(frozen=True)
class Snapshot:
    """Everything the server needs besides bodies, as of one ``data_version``."""

    data_version: int
    scenarios: dict[str, Published]
    token_hashes: dict[tuple[str, str], str]


CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _plan_figures(
    conn: sqlite3.Connection, version: int
) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    """Return a version's title and key figures, read from its plan.json in SQL."""
    row = conn.execute(
        "SELECT json_extract(CAST(plan_json AS TEXT), '$.title'),"
        " json_extract(CAST(plan_json AS TEXT), '$.required')"
        " FROM versions WHERE version = ?",
        (version,),
    ).fetchone()
    if row is None:
        return "", ()
    title = str(row[0] or "")
    required: dict[str, int] = json.loads(row[1]) if row[1] else {}
    placed: dict[str, int] = {}
    for activity, kind, events, served in conn.execute(
        "SELECT json_extract(e.value, '$.activity'), json_extract(e.value, '$.kind'),"
        " count(*), sum(json_array_length(json_extract(e.value, '$.communes_served')))"
        " FROM versions v, json_each(CAST(v.plan_json AS TEXT), '$.events') e"
        " WHERE v.version = ? GROUP BY 1, 2",
        (version,),
    ):
        placed[str(activity)] = int(served or 0) if kind == "training" else int(events)
    figures = tuple(
        (activity, placed.get(activity, 0), int(need))
        for activity, need in required.items()
    )
    return title, figures


class StoreReader:
    """A read-only view of the store that follows new publishes.

    Parameters
    ----------
    path
        The SQLite store.

    Raises
    ------
    FileNotFoundError
        When the store does not exist.
    """

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(path)
        uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
        # One connection, used under a lock: requests are short and uvicorn
        # runs them on one event loop, so the lock is almost never contended.
        self._conn = sqlite3.connect(
            uri, uri=True, check_same_thread=False, isolation_level=None
        )
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._bodies: dict[tuple[int, str, str], bytes] = {}
        self._gzipped: dict[tuple[int, str, str], bytes] = {}
        # Stores written before bodies moved to ``blobs`` keep them inline.
        self._inline_bodies = False

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def snapshot(self) -> Snapshot:
        """Return the current snapshot, re-reading the store if anything was committed."""
        with self._lock:
            (version,) = self._conn.execute("PRAGMA data_version").fetchone()
            current = self._snapshot
            if current is None or current.data_version != version:
                current = self._load(int(version))
                self._snapshot = current
                live = {p.version for p in current.scenarios.values()}
                self._bodies = {k: v for k, v in self._bodies.items() if k[0] in live}
                self._gzipped = {k: v for k, v in self._gzipped.items() if k[0] in live}
            return current

    @staticmethod
    def _key(entry: Entry) -> tuple[int, str, str]:
        return (entry.version, "page" if entry.kind == "page" else "feed", entry.name)

    def gzipped(self, entry: Entry) -> bytes | None:
        """Return the gzip form of a body, compressed once per version and kept.

        Compression happens outside the lock (it takes tens of milliseconds for
        the largest feeds); callers run this in a worker thread.
        """
        key = self._key(entry)
        with self._lock:
            cached = self._gzipped.get(key)
        if cached is not None:
            return cached
        body = self.body(entry)
        if body is None:
            return None
        packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        with self._lock:
            live = self._snapshot is not None and any(
                p.version == entry.version for p in self._snapshot.scenarios.values()
            )
            if live:
                self._gzipped[key] = packed
        return packed

    def body(self, entry: Entry) -> bytes | None:
        """Return the bytes of a feed or page (``None`` if the row has vanished)."""
        key = self._key(entry)
        with self._lock:
            cached = self._bodies.get(key)
            if cached is not None:
                return cached
            # The table name is one of two literals, never from the request.
            table = "pages" if key[1] == "page" else "feeds"
            query = (
                f"SELECT body FROM {table} WHERE version = ? AND name = ?"
                if self._inline_bodies
                else f"SELECT b.body FROM {table} t JOIN blobs b ON b.hash = t.body_hash"
                " WHERE t.version = ? AND t.name = ?"
            )
            row = self._conn.execute(query, (entry.version, entry.name)).fetchone()
            if row is None:
                return None
            data = bytes(row[0])
            self._bodies[key] = data
            return data

    def _load(self, data_version: int) -> Snapshot:
        conn = self._conn
        # One read transaction: the versions, feeds and tokens seen belong together.
        conn.execute("BEGIN")
        try:
            self._inline_bodies = any(
                row[1] == "body" for row in conn.execute("PRAGMA table_info(feeds)")
            )
            latest = conn.execute(
                "SELECT v.scenario, v.version, v.published_at FROM versions v"
                " JOIN (SELECT scenario, MAX(version) AS version FROM versions"
                "       GROUP BY scenario) m ON m.version = v.version"
            ).fetchall()
            scenarios: dict[str, Published] = {}
            for scenario, version, published_at in latest:
                title, figures = _plan_figures(conn, int(version))
                pub = Published(
                    str(scenario),
                    int(version),
                    parse_iso_utc(published_at),
                    title,
                    figures,
                )
                for name, kind, subject, title, etag, modified in conn.execute(
                    "SELECT name, kind, subject, title, etag, last_modified"
                    " FROM feeds WHERE version = ?",
                    (version,),
                ):
                    entry = Entry(
                        int(version),
                        str(name),
                        str(kind),
                        None if subject is None else str(subject),
                        str(title),
                        CALENDAR_TYPE,
                        str(etag),
                        parse_iso_utc(modified),
                    )
                    pub.feeds[entry.name] = entry
                    if entry.kind == "staff" and entry.subject is not None:
                        pub.staff_feeds[entry.subject] = entry
                for name, content_type, etag, modified in conn.execute(
                    "SELECT name, content_type, etag, last_modified"
                    " FROM pages WHERE version = ?",
                    (version,),
                ):
                    pub.pages[str(name)] = Entry(
                        int(version),
                        str(name),
                        "page",
                        None,
                        str(name),
                        str(content_type),
                        str(etag),
                        parse_iso_utc(modified),
                    )
                scenarios[pub.scenario] = pub
            tokens = {
                (str(s), str(p)): str(h)
                for s, p, h in conn.execute(
                    "SELECT scenario, staff_id, token_hash FROM tokens"
                )
            }
        finally:
            conn.execute("COMMIT")
        return Snapshot(data_version, scenarios, tokens)
