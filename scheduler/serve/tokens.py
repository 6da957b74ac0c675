"""Private feed tokens: one unguessable secret per staff member and scenario.

A staff member's feed URL carries a secret made by :func:`secrets.token_urlsafe`.
The store keeps only its SHA-256 (hex) in the ``tokens`` table, so a copy of the
store does not give anyone the URLs; the secret is shown once, when it is
created or rotated. Rotating replaces the stored hash, so the old URL stops
working at the next request. Checks compare hashes with
:func:`hmac.compare_digest`, whose time does not depend on where they differ.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass

#: Bytes of randomness in a secret: 32 bytes (256 bits) give 43 URL-safe characters.
TOKEN_BYTES = 32

#: Compared against when a staff member has no token, so that "no such person"
#: and "wrong secret" take the same path and the same time.
_NO_HASH = "0" * 64


class TokenError(LookupError):
    """A scenario or staff member the store does not know; the message says which."""


@dataclass(frozen=True)
class IssuedToken:
    """A secret just created or rotated: the only moment it is known.

    Attributes
    ----------
    scenario, staff_id
        Whose feed it opens.
    secret
        The URL-safe secret itself; never stored.
    """

    scenario: str
    staff_id: str
    secret: str


@dataclass(frozen=True)
class TokenInfo:
    """What the store knows about a token, without the secret.

    Attributes
    ----------
    scenario, staff_id
        Whose feed it opens.
    created_at
        ISO 8601 UTC time of creation or last rotation.
    has_feed
        Whether the latest published version has a feed for this person.
    """

    scenario: str
    staff_id: str
    created_at: str
    has_feed: bool


def hash_secret(secret: str) -> str:
    """Return the SHA-256 hex digest of a secret, as stored in ``tokens.token_hash``."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str | None) -> bool:
    """Tell whether ``secret`` is the one whose hash is stored, in constant time.

    Parameters
    ----------
    secret
        The secret taken from the request URL.
    stored_hash
        ``tokens.token_hash`` of the staff member, or ``None`` when there is none.

    Returns
    -------
    bool
        True only when a hash is stored and the secret's hash equals it.
    """
    candidate = hash_secret(secret)
    expected = stored_hash if stored_hash is not None else _NO_HASH
    # Compare even when nothing is stored, so both failures cost the same.
    same = hmac.compare_digest(candidate.encode("ascii"), expected.encode("ascii"))
    return same and stored_hash is not None


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def scenarios(conn: sqlite3.Connection) -> list[str]:
    """Return the scenarios that have at least one published version, sorted."""
    rows = conn.execute("SELECT DISTINCT scenario FROM versions ORDER BY scenario")
    return [str(r[0]) for r in rows]


def latest_version(conn: sqlite3.Connection, scenario: str) -> int:
    """Return the latest published version of a scenario.

    Raises
    ------
    TokenError
        When the scenario has never been published.
    """
    row = conn.execute(
        "SELECT MAX(version) FROM versions WHERE scenario = ?", (scenario,)
    ).fetchone()
    if row is None or row[0] is None:
        known = ", ".join(scenarios(conn)) or "-"
        raise TokenError(
            f"scenario {scenario!r} has no published version (known: {known})"
        )
    return int(row[0])


def staff_with_feeds(conn: sqlite3.Connection, scenario: str) -> list[str]:
    """Return the staff ids that have a feed in the latest published version, sorted."""
    version = latest_version(conn, scenario)
    rows = conn.execute(
        "SELECT DISTINCT subject FROM feeds WHERE version = ? AND kind = 'staff'"
        " AND subject IS NOT NULL ORDER BY subject",
        (version,),
    )
    return [str(r[0]) for r in rows]


def create_tokens(conn: sqlite3.Connection, scenario: str) -> list[IssuedToken]:
    """Give a token to every staff member of the latest version who has none yet.

    Existing tokens are kept, so running this again after a new publish issues
    tokens only for people new to the plan and breaks no URL already handed out.

    Parameters
    ----------
    conn
        A writable store connection.
    scenario
        The scenario's name.

    Returns
    -------
    list of IssuedToken
        The new secrets, in staff id order (empty when everyone has one).

    Raises
    ------
    TokenError
        When the scenario has never been published.
    """
    staff = staff_with_feeds(conn, scenario)
    have = {
        str(r[0])
        for r in conn.execute(
            "SELECT staff_id FROM tokens WHERE scenario = ?", (scenario,)
        )
    }
    issued = [
        IssuedToken(scenario, s, secrets.token_urlsafe(TOKEN_BYTES))
        for s in staff
        if s not in have
    ]
    now = _now()
    with conn:
        conn.executemany(
            "INSERT INTO tokens (scenario, staff_id, token_hash, created_at)"
            " VALUES (?, ?, ?, ?)",
            [(i.scenario, i.staff_id, hash_secret(i.secret), now) for i in issued],
        )
    return issued


def rotate_token(conn: sqlite3.Connection, scenario: str, staff_id: str) -> IssuedToken:
    """Replace a staff member's secret; the old URL stops working at once.

    Works for anyone with a feed in the latest version or an existing token
    (to revoke the URL of someone no longer in the plan).

    Parameters
    ----------
    conn
        A writable store connection.
    scenario
        The scenario's name.
    staff_id
        The staff member's id.

    Returns
    -------
    IssuedToken
        The new secret.

    Raises
    ------
    TokenError
        When the scenario is unknown, or the person has neither a feed nor a token.
    """
    known = set(staff_with_feeds(conn, scenario))
    has_token = (
        conn.execute(
            "SELECT 1 FROM tokens WHERE scenario = ? AND staff_id = ?",
            (scenario, staff_id),
        ).fetchone()
        is not None
    )
    if staff_id not in known and not has_token:
        raise TokenError(
            f"staff {staff_id!r} has no feed in the latest version of {scenario!r}"
        )
    issued = IssuedToken(scenario, staff_id, secrets.token_urlsafe(TOKEN_BYTES))
    with conn:
        conn.execute(
            "INSERT INTO tokens (scenario, staff_id, token_hash, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (scenario, staff_id) DO UPDATE SET"
            " token_hash = excluded.token_hash, created_at = excluded.created_at",
            (scenario, staff_id, hash_secret(issued.secret), _now()),
        )
    return issued


def list_tokens(
    conn: sqlite3.Connection, scenario: str | None = None
) -> list[TokenInfo]:
    """List who has a token (never the secret), by scenario and staff id.

    Parameters
    ----------
    conn
        A store connection.
    scenario
        Only this scenario; all when ``None``.

    Returns
    -------
    list of TokenInfo
        One entry per token.
    """
    rows = conn.execute(
        "SELECT t.scenario, t.staff_id, t.created_at, EXISTS ("
        "  SELECT 1 FROM feeds f WHERE f.kind = 'staff' AND f.subject = t.staff_id"
        "  AND f.version = (SELECT MAX(version) FROM versions v"
        "                   WHERE v.scenario = t.scenario)"
        ") FROM tokens t WHERE (? IS NULL OR t.scenario = ?)"
        " ORDER BY t.scenario, t.staff_id",
        (scenario, scenario),
    )
    return [TokenInfo(str(a), str(b), str(c), bool(d)) for a, b, c, d in rows]
