"""Opening hours read aloud, e.g. "Monday to Friday 9am to 5pm", in the words of prompts/.

Every word comes from the `words` mapping, so a line can say its hours in its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from ivr.schedule import MINUTES_PER_DAY, WEEKDAYS, DayRanges, Schedule, cached_schedule

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

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


def describe_closed(schedule: Schedule, words: Mapping[str, Any], today: date) -> str:
    """Say the days the weekly hours are not kept, e.g. "bank holidays and 24 to 31 December 2026".

    For words said ahead of time (the static fallback), which cannot know whether today is one
    of them. Closed dates before `today` are left out, and so are those the office is shut on
    anyway (a day with no hours, a bank holiday already said); dates with only such days between
    them are said as one span. "" when the hours are always kept.
    """
    said = [words["bank_holidays"]] if schedule.bank_holidays else []
    spans: list[tuple[date, date]] = []
    for day in sorted(d for d in schedule.closed_dates if d >= today):
        if not schedule.weekly[day.weekday()] or _bank_holiday(schedule, day):
            continue
        if spans and _shut_between(schedule, spans[-1][1], day):
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    said += [_say_span(first, last, words) for first, last in spans]
    return _join(said, words)


def _bank_holiday(schedule: Schedule, day: date) -> bool:
    """A bank holiday in the schedule's calendar, whether or not it is a closed date too."""
    return replace(schedule, closed_dates=frozenset()).is_closed_day(day)


def _shut_between(schedule: Schedule, first: date, last: date) -> bool:
    """Whether the office is shut on every day after `first` and before `last`."""
    day = first + timedelta(days=1)
    while day < last:
        if schedule.weekly[day.weekday()] and not schedule.is_closed_day(day):
            return False
        day += timedelta(days=1)
    return True


def _say_span(first: date, last: date, words: Mapping[str, Any]) -> str:
    """One date, a span within a month ("24 to 31 December 2026"), or a longer span."""
    if first == last:
        return _say_date(last, words)
    if (first.year, first.month) == (last.year, last.month):
        return words["month_span"].format(first_day=first.day, last=_say_date(last, words))
    return words["day_span"].format(first=_say_date(first, words), last=_say_date(last, words))


def _say_date(day: date, words: Mapping[str, Any]) -> str:
    month = words["months"][MONTHS[day.month - 1]]
    return words["date"].format(day=day.day, month=month, year=day.year)


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
        words["time_span"].format(start=describe_time(start, words), end=describe_time(end, words))
        for start, end in ranges
    ]
    return _join(spans, words)


def describe_time(minutes: int, words: Mapping[str, Any]) -> str:
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
