"""Accounts, API tokens, one-time login links, the session key and the login rate limit."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: A one-time login link works this long after it is made.
LINK_LIFETIME_S = 600.0
#: The session-signing key's file in the workspace folder (mode 0600).
SECRET_FILE = "session.key"

_hasher = PasswordHasher()
# Checked against when the user does not exist, so a wrong name takes as long
# as a wrong password (no telling which names exist by timing).
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def digest(secret: str) -> str:
    """Return the stored form of a token or link secret (SHA-256, hex)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_key(folder: Path) -> str:
    """Return the workspace's session-signing key, made once and kept private.

    The file is created with mode 0600 (only its owner reads it); an existing
    key is reused so sessions survive a restart.
    """
    path = folder / SECRET_FILE
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        key = secrets.token_urlsafe(48)
        handle.write(key)
    return key


# --------------------------------------------------------------------------- users


class AccountError(ValueError):
    """A user name that is taken, unknown or not allowed."""


def valid_name(name: str) -> bool:
    """Tell whether ``name`` is a usable account name (letters, digits, ``.-_``)."""
    return 0 < len(name) <= 64 and all(c.isalnum() or c in "._-" for c in name)


def add_user(conn: sqlite3.Connection, name: str, password: str) -> None:
    """Create an account; the password is stored as an argon2 hash only."""
    if not valid_name(name):
        raise AccountError(name)
    try:
        conn.execute(
            "INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)",
            (name, _hasher.hash(password), time.time()),
        )
    except sqlite3.IntegrityError as exc:
        raise AccountError(name) from exc


def remove_user(conn: sqlite3.Connection, name: str) -> None:
    """Delete an account and its API tokens."""
    cur = conn.execute("DELETE FROM users WHERE name = ?", (name,))
    if cur.rowcount == 0:
        raise AccountError(name)


def has_user(conn: sqlite3.Connection, name: str) -> bool:
    """Tell whether an account exists."""
    found = conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone()
    return found is not None


def list_users(conn: sqlite3.Connection) -> list[str]:
    """Return the account names, sorted."""
    return [r[0] for r in conn.execute("SELECT name FROM users ORDER BY name")]


def check_password(conn: sqlite3.Connection, name: str, password: str) -> bool:
    """Tell whether ``password`` is the account's; constant work for unknown names."""
    row = conn.execute(
        "SELECT password_hash FROM users WHERE name = ?", (name,)
    ).fetchone()
    stored = row[0] if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return row is not None


def new_api_token(conn: sqlite3.Connection, name: str) -> str:
    """Make an API token for an account; only its hash is kept."""
    if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is None:
        raise AccountError(name)
    token = "sch_" + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO api_tokens (token_hash, user, created_at) VALUES (?, ?, ?)",
        (digest(token), name, time.time()),
    )
    return token


def token_user(conn: sqlite3.Connection, token: str) -> str | None:
    """Return the account an API token belongs to, or ``None``."""
    row = conn.execute(
        "SELECT user FROM api_tokens WHERE token_hash = ?", (digest(token),)
    ).fetchone()
    return str(row[0]) if row else None


# --------------------------------------------------------------------------- links


def new_login_link(conn: sqlite3.Connection, now: float | None = None) -> str:
    """Make a one-time login secret that works for :data:`LINK_LIFETIME_S`."""
    token = secrets.token_urlsafe(32)
    at = time.time() if now is None else now
    conn.execute(
        "INSERT INTO login_links (token_hash, expires_at) VALUES (?, ?)",
        (digest(token), at + LINK_LIFETIME_S),
    )
    return token


def use_login_link(
    conn: sqlite3.Connection, token: str, now: float | None = None
) -> bool:
    """Spend a one-time login secret; ``True`` only on its first use in time."""
    at = time.time() if now is None else now
    cur = conn.execute(
        "UPDATE login_links SET used = 1 "
        "WHERE token_hash = ? AND used = 0 AND expires_at > ?",
        (digest(token), at),
    )
    return cur.rowcount == 1


def same(a: str, b: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


# --------------------------------------------------------------------------- rate limit


class RateLimit:
    """At most ``limit`` failed logins per ``window_s`` for one (user, address) pair.

    Parameters
    ----------
    limit : int
        Failures allowed within the window; the next attempt is refused.
    window_s : float
        The sliding window in seconds.
    clock : callable
        Returns the time in seconds (injectable for tests).
    """

    def __init__(
        self,
        limit: int = 5,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        times = self._failures[key]
        cutoff = self.clock() - self.window_s
        while times and times[0] <= cutoff:
            times.popleft()
        return times

    def blocked(self, user: str, address: str) -> bool:
        """Tell whether the pair has used up its failures in the window."""
        with self._lock:
            return len(self._recent((user, address))) >= self.limit

    def failed(self, user: str, address: str) -> None:
        """Count one failed login."""
        with self._lock:
            self._recent((user, address)).append(self.clock())

    def succeeded(self, user: str, address: str) -> None:
        """Forget the pair's failures after a good login."""
        with self._lock:
            self._failures.pop((user, address), None)
