"""Opening hours read aloud, e.g. "Monday to Friday 9am to 5pm", in the words of prompts/.

Every word comes from the `words` mapping, so a line can say its hours in its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ivr.schedule import MINUTES_PER_DAY, WEEKDAYS, DayRanges, cached_schedule

NOON = 12 * 60


def describe_weekly(section: Mapping[str, Any], words: Mapping[str, Any]) -> str:
    """Say a section's weekly hours aloud, e.g. "Monday to Friday 9am to 5pm", from `words` only.

    `section` is office_hours-shaped (it has `weekly`). Consecutive days with the same ranges are
    grouped; closed days are left out, so a schedule never open gives "".
    """
    weekly = cached_schedule(section, ()).weekly
    phrases = [
        f"{_say_days(first, last, words)} {_say_ranges(ranges, words)}"
        for first, last, ranges in _group_days(weekly)
    ]
    return _join(phrases, words)


def _group_days(weekly: tuple[DayRanges, ...]) -> list[tuple[int, int, DayRanges]]:
    """Runs of consecutive open days with the same ranges, as (first, last, ranges)."""
    groups: list[tuple[int, int, DayRanges]] = []
    for day, ranges in enumerate(weekly):
        if not ranges:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == ranges:
            groups[-1] = (groups[-1][0], day, ranges)
        else:
            groups.append((day, day, ranges))
    return groups


def _say_days(first: int, last: int, words: Mapping[str, Any]) -> str:
    """One day's name, or a span of them."""
    days = words["days"]
    if first == last:
        return days[WEEKDAYS[first]]
    return words["day_span"].format(first=days[WEEKDAYS[first]], last=days[WEEKDAYS[last]])


def _say_ranges(ranges: DayRanges, words: Mapping[str, Any]) -> str:
    """A day's ranges, e.g. "8am to midday and 1pm to 5pm"."""
    spans = [
        words["time_span"].format(start=_say_time(start, words), end=_say_time(end, words))
        for start, end in ranges
    ]
    return _join(spans, words)


def _say_time(minutes: int, words: Mapping[str, Any]) -> str:
    """A time of day as spoken, e.g. "9am", "12:30pm", "midday", "midnight"."""
    time_words = words["time"]
    if minutes in (0, MINUTES_PER_DAY):
        return time_words["midnight"]
    if minutes == NOON:
        return time_words["noon"]
    hour, minute = divmod(minutes, 60)
    template = time_words["hour"] if minute == 0 else time_words["minutes"]
    return template.format(
        h12=hour % 12 or 12,
        h24=hour,
        mm=f"{minute:02d}",
        ampm=time_words["am"] if hour < 12 else time_words["pm"],
    )


def _join(items: list[str], words: Mapping[str, Any]) -> str:
    """A spoken list: "a, b and c", with the joining words from `words`."""
    if len(items) <= 1:
        return "".join(items)
    return words["join"].join(items[:-1]) + words["last_join"] + items[-1]
