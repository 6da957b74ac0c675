"""The kinds of activity and event, as one enum.

A :class:`Kind` is a ``str``: it compares equal to the strings that plan.json,
the scenario files and older code hold (``Kind.SESSION == "session"``), and
writes as them, so nothing read or written changes.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What an activity (and each of its events) is."""

    SESSION = "session"  # half-day sessions in a commune (e.g. policy dialogues)
    BROADCAST = "broadcast"  # loudspeaker items aired in a commune
    TRAINING = "training"  # multi-day classes at one venue, communes attending
    PUBLICATION = "publication"  # items an outlet carries per period
