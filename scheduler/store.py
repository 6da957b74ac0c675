"""The plan store: published plan versions, their feeds and pages, calendar state, feed tokens.

One SQLite file (standard library). Writers are ``scheduler publish`` and
``scheduler token``; the reader is ``scheduler serve``. The schema is the
contract between them and is created here only.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

#: Where the store lives unless ``--store`` or ``SCHEDULER_STORE`` says otherwise.
#: Beside, not inside, ``out/<scenario>/``: that folder is replaced whole on every plan.
DEFAULT_STORE = Path("out") / "plans.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    version      INTEGER PRIMARY KEY AUTOINCREMENT,
    scenario     TEXT NOT NULL,             -- Plan.scenario (the scenario's name)
    published_at TEXT NOT NULL,             -- ISO 8601, UTC
    input_hash   TEXT NOT NULL,
    plan_json    BLOB NOT NULL,             -- the published plan.json, verbatim
    note         TEXT
);
CREATE TABLE IF NOT EXISTS feeds (
    version       INTEGER NOT NULL REFERENCES versions(version),
    name          TEXT NOT NULL,            -- file stem: 'all', 'commune-18001', 'staff-LD01', ...
    kind          TEXT NOT NULL,            -- plan | commune | staff | activity | station
    subject       TEXT,                     -- commune code, staff id, activity id, station id
    title         TEXT NOT NULL,            -- calendar name shown to people
    body          BLOB NOT NULL,            -- the .ics bytes
    etag          TEXT NOT NULL,            -- strong, quoted: '"<sha256 hex>"'
    last_modified TEXT NOT NULL,            -- ISO 8601, UTC, whole seconds
    PRIMARY KEY (version, name)
);
CREATE TABLE IF NOT EXISTS pages (
    version       INTEGER NOT NULL REFERENCES versions(version),
    name          TEXT NOT NULL,            -- 'report.html', ...
    content_type  TEXT NOT NULL,
    body          BLOB NOT NULL,
    etag          TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    PRIMARY KEY (version, name)
);
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
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    if create:
        conn.executescript(SCHEMA)
    return conn
