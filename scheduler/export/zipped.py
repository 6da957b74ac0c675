"""Zip-based files (``schedule.xlsx``, ``ke-hoach.docx``) that depend on their inputs only.

openpyxl and python-docx stamp every zip entry with the time of writing, so
two runs on the same plan gave different bytes and the exporter read the
clock. :func:`stamp` sets every entry's time to the day the caller passes
instead, in place: only the date and time fields of the zip headers change
(no entry is compressed again; the CRCs cover the data, not the headers).
"""

from __future__ import annotations

import datetime as dt
import struct

#: The day given to every entry when the caller gives none: the first day a
#: zip file can name.
ZIP_EPOCH = dt.date(1980, 1, 1)

_END = b"PK\x05\x06"  # end of central directory record
_CENTRAL = b"PK\x01\x02"  # central directory file header
_LOCAL = b"PK\x03\x04"  # local file header


def _dos(day: dt.date) -> tuple[int, int]:
    """Return the MS-DOS (time, date) fields of 00:00 on ``day``."""
    day = max(day, ZIP_EPOCH)
    return 0, ((day.year - 1980) << 9) | (day.month << 5) | day.day


def stamp(data: bytes, day: dt.date | None) -> bytes:
    """Return a zip file with every entry dated 00:00 on ``day`` (:data:`ZIP_EPOCH` if ``None``).

    Parameters
    ----------
    data
        A zip file as Python's :mod:`zipfile` writes it (no comment after the
        central directory, no ZIP64 records: files far below 4 GB).
    day
        The date to give every entry.

    Raises
    ------
    ValueError
        When ``data`` is not such a zip file.
    """
    out = bytearray(data)
    end = data.rfind(_END)
    if end < 0 or len(data) - end < 22:
        raise ValueError("not a zip file: no end of central directory")
    entries, _, start = struct.unpack_from("<HII", data, end + 10)
    time_field, date_field = _dos(day or ZIP_EPOCH)
    at = start
    for _ in range(entries):
        if data[at : at + 4] != _CENTRAL:
            raise ValueError(f"not a zip file: no central header at {at}")
        names, extras, comments = struct.unpack_from("<HHH", data, at + 28)
        (local,) = struct.unpack_from("<I", data, at + 42)
        if data[local : local + 4] != _LOCAL:
            raise ValueError(f"not a zip file: no local header at {local}")
        struct.pack_into("<HH", out, at + 12, time_field, date_field)
        struct.pack_into("<HH", out, local + 10, time_field, date_field)
        at += 46 + names + extras + comments
    return bytes(out)
