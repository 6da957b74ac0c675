"""The plan command's outputs fast and pure.

- Calendars are folded by :func:`scheduler.export.ical.fold`, not icalendar's
  per-character folding: the bytes must stay exactly icalendar's.
- ``plan_files`` reads no clock, environment variable or plan store: the
  command passes ``today`` and the calendar state.
"""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser.string import _foldline

from scheduler.export.ical import (
    DisplayData,
    advance_state,
    build_feeds,
    default_stamp,
    feed_specs,
    fold,
    to_ical,
)
from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario
from tests.calendar_fixtures import LONG_NAME, feed_scenario, solved

UTC = dt.UTC

# characters that make folding interesting: 1, 2, 3 and 4 bytes in UTF-8, and
# the escapes icalendar keeps off the end of a folded line
_TRICKY = st.sampled_from([*list('a ,;:\\^"ễƯĐđ—€😀'), "\\n", "\\,", "^n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_TRICKY | st.characters(exclude_categories=("Cs",)), max_size=300))
def test_fold_gives_icalendars_bytes(parts: list[str]) -> None:
    line = "".join(parts).replace("\n", " ").replace("\r", " ")
    assert fold(line) == _foldline(line).encode("utf-8")


@pytest.mark.parametrize(
    "line",
    [
        "",
        "x" * 74,
        "x" * 75,
        "x" * 73 + "\\n" + "y" * 10,  # the escape would end the first line
        "x" * 73 + "^n" + "y" * 10,
        "\\" * 200,
        "DESCRIPTION:" + LONG_NAME * 5,
        "SUMMARY:" + "😀" * 60,
    ],
)
def test_fold_edge_cases(line: str) -> None:
    assert fold(line) == _foldline(line).encode("utf-8")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return feed_scenario(tmp_path_factory.mktemp("fast"))


@pytest.fixture(scope="module")
def plan(scenario: Scenario) -> Plan:
    return solved(scenario)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_feeds_are_icalendars_own_serialisation(
    scenario: Scenario, plan: Plan, lang: str
) -> None:
    """Every feed equals icalendar's ``Calendar.to_ical`` of the same components."""
    display = DisplayData.from_scenario(scenario)
    state = advance_state(plan, display, {}, default_stamp(plan))
    feeds = build_feeds(plan, display, state, lang=lang)
    by_name = {f.name: f for f in feeds}
    assert set(by_name) == {s.name for s in feed_specs(display, lang)}
    for feed in feeds:
        parsed = icalendar.Calendar.from_ical(feed.body)
        assert parsed.to_ical() == feed.body, feed.name
        assert to_ical(parsed) == feed.body, feed.name
