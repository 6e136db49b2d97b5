"""The shopping calendar: 双11 and 618 windows, and how much more people buy on each day. Pure."""

from __future__ import annotations

from datetime import date

# (name, first day, last day, peak day) as (month, day) in Asia/Shanghai
WINDOWS: tuple[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int]], ...] = (
    ("双11", (10, 20), (11, 11), (11, 11)),
    ("618", (6, 1), (6, 20), (6, 18)),
)


def promo_window(day: date) -> str | None:
    """The promo window a (Shanghai) day falls in, or None."""
    for name, first, last, _peak in WINDOWS:
        if first <= (day.month, day.day) <= last:
            return name
    return None


def demand(day: date) -> float:
    """Relative order volume of a day: 1.0 on an ordinary day."""
    key = (day.month, day.day)
    if key in ((11, 11),):
        return 7.0
    if key in ((11, 10), (10, 20), (10, 31), (11, 1)):
        return 4.0
    if key in ((6, 18),):
        return 3.5
    if key in ((6, 17), (6, 1)):
        return 2.5
    window = promo_window(day)
    if window == "双11":
        return 2.2
    if window == "618":
        return 1.6
    # weekends sell a little more; the quiet weeks around Spring Festival a little less
    weekend = 1.15 if day.weekday() >= 5 else 1.0
    return weekend * (0.7 if day.month == 2 and day.day <= 20 else 1.0)


def is_peak(day: date) -> bool:
    """Days on which service teams are overloaded (the promo windows)."""
    return promo_window(day) is not None
