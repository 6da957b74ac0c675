"""Check iCalendar files with libical's iTIP restriction check (RFC 5546), as JSON.

Usage: python3 libical_check.py FILE.ics [FILE.ics ...]

Run by the system Python (Debian's python3-gi and gir1.2-ical-3.0), not the
project's virtual environment, which cannot import ``gi``. Prints
``{"file": ["error", ...], ...}``: an empty list when libical parses the file
and its restriction check passes (for ``METHOD:PUBLISH``: one ORGANIZER, no
ATTENDEE, ...). Exits 3 when libical is not available.
"""

from __future__ import annotations

import json
import sys

try:
    import gi

    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib as ICal
except (ImportError, ValueError):
    sys.exit(3)


def errors_of(component: object) -> list[str]:
    """Return the X-LIC-ERROR texts libical attached to a component and its children."""
    found: list[str] = []
    kind = ICal.PropertyKind.XLICERROR_PROPERTY
    prop = component.get_first_property(kind)
    while prop is not None:
        found.append(prop.get_xlicerror())
        prop = component.get_next_property(kind)
    any_kind = ICal.ComponentKind.ANY_COMPONENT
    child = component.get_first_component(any_kind)
    while child is not None:
        found.extend(errors_of(child))
        child = component.get_next_component(any_kind)
    return found


def check(path: str) -> list[str]:
    """Return libical's complaints about one file (empty when it conforms)."""
    with open(path, encoding="utf-8") as f:
        component = ICal.Component.new_from_string(f.read())
    if component is None:
        return ["libical cannot parse the file"]
    parse_errors = errors_of(component)  # before the check adds its own
    passed = ICal.restriction_check(component)
    problems = errors_of(component)
    if not passed and not problems:
        problems = ["restriction check failed"]
    return problems or parse_errors


if __name__ == "__main__":
    json.dump({path: check(path) for path in sys.argv[1:]}, sys.stdout)
