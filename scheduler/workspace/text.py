"""Words of the workspace pages: Vietnamese first, English with ``?lang=en``."""

from __future__ import annotations

import datetime as dt

from scheduler.i18n import t


def w(key: str, lang: str) -> str:
    """Return the page text ``key`` in ``lang`` (``vi`` or ``en``)."""
    return t(f"ws.{key}", lang)


def weekday_date(value: dt.date, lang: str) -> str:
    """Format a date with its weekday: ``Thứ Ba 25/07/2023`` or ``Tuesday 25/07/2023``."""
    return f"{t(f'ws_weekday.{value.weekday()}', lang)} {value:%d/%m/%Y}"
