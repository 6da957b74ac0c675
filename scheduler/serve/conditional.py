"""HTTP validators: entity tags, HTTP dates and the 304 decision (RFC 9110 §13).

Pure functions of header values, kept apart from the application so that the
precedence rules can be read and tested on their own.
"""

from __future__ import annotations

import datetime as dt
import email.utils


def http_date(moment: dt.datetime) -> str:
    """Format an aware datetime as an HTTP date, e.g. ``Tue, 05 Sep 2023 01:00:00 GMT``."""
    return email.utils.format_datetime(moment.astimezone(dt.UTC), usegmt=True)


def parse_http_date(value: str) -> dt.datetime | None:
    """Read an HTTP date; ``None`` for anything malformed (the header is then ignored)."""
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        # RFC 9110 dates are always GMT; a date without a zone is read as such.
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def parse_iso_utc(value: str) -> dt.datetime:
    """Read the store's ISO 8601 times (UTC, with or without an offset) as aware UTC."""
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _opaque(tag: str) -> str:
    """Drop the weakness prefix: If-None-Match uses the weak comparison."""
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Tell whether an If-None-Match header value matches the current entity tag.

    Parameters
    ----------
    if_none_match
        The header value: ``*`` or a comma-separated list of entity tags.
    etag
        The current strong entity tag, quoted.

    Returns
    -------
    bool
        True for ``*`` or when any listed tag equals ours under weak comparison.
    """
    if if_none_match.strip() == "*":
        return True
    ours = _opaque(etag)
    return any(_opaque(part.strip()) == ours for part in if_none_match.split(","))


def not_modified(
    if_none_match: str | None,
    if_modified_since: str | None,
    etag: str,
    last_modified: dt.datetime,
) -> bool:
    """Decide whether a GET or HEAD may be answered with 304 Not Modified.

    If-None-Match, when present, decides alone (RFC 9110 §13.1.3 and §13.2.2);
    If-Modified-Since counts only without it, and only when it parses.

    Parameters
    ----------
    if_none_match, if_modified_since
        The request's header values, or ``None`` when absent.
    etag
        The resource's strong entity tag.
    last_modified
        The resource's last modification, whole seconds, aware.

    Returns
    -------
    bool
        True when the client's copy is current.
    """
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    if if_modified_since is not None:
        since = parse_http_date(if_modified_since)
        return since is not None and last_modified <= since
    return False
