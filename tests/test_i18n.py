"""Numbers as a planner reads them: Vietnamese by default, English on request."""

from __future__ import annotations

from scheduler.i18n import number, percent, seconds


def test_vietnamese_uses_a_decimal_comma_and_dot_thousands() -> None:
    # 4.013 s rounds to two decimals: "4,01 giây"; 23520 → "23.520"; 0.875 → "87,5%"
    assert seconds(4.013) == "4,01 giây"
    assert number(23_520) == "23.520"
    assert percent(0.875) == "87,5%"


def test_english_keeps_the_decimal_point() -> None:
    assert seconds(4.013, "en") == "4.01 s"
    assert number(23_520, "en") == "23,520"
    assert percent(0.875, "en") == "87.5%"
