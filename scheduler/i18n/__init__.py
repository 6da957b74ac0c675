"""Words people read: Vietnamese by default, English with ``--lang en``.

Every word lives in one place, :data:`scheduler.i18n.catalogue.CATALOGUE`;
:func:`t` looks one up. The formatters (money, dates, numbers, quarters) are
here too, so that no module chooses between the languages itself.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from scheduler.i18n.catalogue import CATALOGUE

LANGS = ("vi", "en")

T = TypeVar("T")


def words_of(key: str) -> tuple[str, str] | None:
    """Return the (Vietnamese, English) words of a key, or None when unknown."""
    value = CATALOGUE.get(key)
    if isinstance(value, str):  # a word shared with another key
        value = CATALOGUE[value]
        assert not isinstance(value, str)
    return value


def both(key: str) -> tuple[str, str]:
    """Return the (Vietnamese, English) words of a key known to the catalogue."""
    words = words_of(key)
    if words is None:
        raise KeyError(key)
    return words


def has(key: str) -> bool:
    """Whether the catalogue has a key."""
    return key in CATALOGUE


def t(key: str, lang: str = "vi") -> str:
    """Return the text of a key in a language (the key itself when unknown)."""
    words = words_of(key)
    if words is None:
        return key
    return pick(lang, *words)


def t_of(section: str, key: str, lang: str = "vi", default: str | None = None) -> str:
    """Return the text of ``section.key``; ``default`` (else ``key``) when unknown."""
    words = words_of(f"{section}.{key}")
    if words is None:
        return key if default is None else default
    return pick(lang, *words)


def pick(lang: str, vi: T, en: T) -> T:
    """Return ``en`` for English, else ``vi``: a text composed at the call site.

    Words belong in the catalogue; this is for sentences built around values
    (``f"{n} xã"`` / ``f"{n} communes"``), for names the scenario gives in both
    languages, and for what is ordered differently in each (a date's parts).
    """
    return en if lang == "en" else vi


class Named(Protocol):
    """Anything the scenario names in both languages (an activity, a source...)."""

    @property
    def name_vi(self) -> str: ...  # noqa: D102

    @property
    def name_en(self) -> str: ...  # noqa: D102


def name_in(named: Named, lang: str = "vi") -> str:
    """Return the name of a thing the scenario names in both languages."""
    return pick(lang, named.name_vi, named.name_en)


def vnd(amount: int, lang: str = "vi") -> str:
    """Format money: ``1.234.000 đ`` in Vietnamese, ``1,234,000 VND`` in English."""
    if lang == "en":
        return f"{amount:,} VND"
    return f"{amount:,} đ".replace(",", ".")


def day(value: object, lang: str = "vi") -> str:
    """Format a date as dd/mm/yyyy (Vietnamese) or yyyy-mm-dd (English)."""
    import datetime as dt

    assert isinstance(value, dt.date)
    return value.isoformat() if lang == "en" else value.strftime("%d/%m/%Y")


def number(value: float, lang: str = "vi") -> str:
    """Format a number rounded to a whole one with thousands separators.

    ``23.520`` in Vietnamese, ``23,520`` in English.
    """
    shown = f"{round(value):,}"
    return shown if lang == "en" else shown.replace(",", ".")


def seconds(value: float, lang: str = "vi", digits: int = 2) -> str:
    """Format a duration: ``4,01 giây`` in Vietnamese, ``4.01 s`` in English."""
    shown = f"{value:.{digits}f}"
    return pick(lang, f"{shown.replace('.', ',')} giây", f"{shown} s")


def percent(share: float, lang: str = "vi", digits: int = 1) -> str:
    """Format a share as a percentage: ``87,5%`` in Vietnamese, ``87.5%`` in English."""
    shown = f"{share:.{digits}%}"
    return shown if lang == "en" else shown.replace(".", ",")


def weekday(value: object, lang: str = "vi") -> str:
    """Return the weekday of a date: ``Thứ Ba`` in Vietnamese, ``Tuesday`` in English."""
    import datetime as dt

    assert isinstance(value, dt.date)
    return t(f"weekday.{value.weekday()}", lang)


def day_with_weekday(value: object, lang: str = "vi") -> str:
    """Return ``Thứ Ba 25/07/2023`` (Vietnamese) or ``Tuesday 2023-07-25`` (English)."""
    return f"{weekday(value, lang)} {day(value, lang)}"


def quarter(key: str, lang: str = "vi", *, in_sentence: bool = False) -> str:
    """Return a quarter key ``2023-Q3`` as ``Quý III/2023`` or ``Q3 2023``.

    ``in_sentence``: ``quý III/2023``, for the middle of a Vietnamese sentence.
    A key that is not a quarter's comes back as it is.
    """
    year, _, n = key.partition("-Q")
    if not n:
        return key
    roman = {"1": "I", "2": "II", "3": "III", "4": "IV"}.get(n, n)
    word = "quý" if in_sentence else "Quý"
    return pick(lang, f"{word} {roman}/{year}", f"Q{n} {year}")
