"""Weekly opening hours with bank holidays and closed dates: parsed, checked and cached.

Config errors carry the path of the offending setting, so the config checker can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The config's calendar names, mapped to the `holidays` package's GB subdivisions.
BANK_HOLIDAY_CALENDARS: Mapping[str, str | None] = {
    "none": None,
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}
SECTION_KEYS = ("timezone", "weekly", "bank_holidays", "closed_dates")
MINUTES_PER_DAY = 24 * 60

_RANGE = re.compile(r"([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Path = tuple[str | int, ...]
Range = tuple[int, int]  # minutes after local midnight: start inclusive, end exclusive
DayRanges = tuple[Range, ...]


class HoursError(ValueError):
    """Config this module reads that cannot be used; `path` says where, for the config checker."""

    def __init__(self, problem: str, path: Path = ()) -> None:
        self.problem = problem
        self.path = path
        super().__init__(f"{_show_path(path)}: {problem}" if path else problem)

    def within(self, *prefix: str | int) -> HoursError:
        """The same error, located from further up the config."""
        return HoursError(self.problem, (*prefix, *self.path))


def _show_path(path: Path) -> str:
    """Write a path the way it reads in the YAML, e.g. office_hours.weekly.monday[0]."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


@dataclass(frozen=True)
class Schedule:
    """Opening hours in one time zone: weekly ranges in local wall-clock time, less closed days."""

    timezone: ZoneInfo
    weekly: tuple[DayRanges, ...]  # seven entries, Monday first, each sorted
    bank_holidays: str | None  # a GB subdivision code for `holidays`, or None for no bank holidays
    closed_dates: frozenset[date] = frozenset()

    @classmethod
    def from_config(
        cls,
        section: Mapping[str, Any],
        *,
        default_timezone: str = "Europe/London",
        default_bank_holidays: str = "none",
    ) -> Schedule:
        """Parse and check an office_hours-shaped mapping; errors name their path within it."""
        if not isinstance(section, Mapping):
            raise HoursError(f"must be a mapping of {', '.join(SECTION_KEYS)}, not {section!r}")
        for key in section:
            if key not in SECTION_KEYS:
                raise HoursError(
                    f"{key!r} is not a setting here; use {', '.join(SECTION_KEYS)}", (str(key),)
                )
        if "weekly" not in section:
            raise HoursError("is missing: list the open days and times under weekly", ("weekly",))
        return cls(
            timezone=_parse_timezone(section.get("timezone", default_timezone)),
            weekly=_parse_weekly(section["weekly"]),
            bank_holidays=_parse_calendar(section.get("bank_holidays", default_bank_holidays)),
            closed_dates=_parse_closed_dates(section.get("closed_dates", [])),
        )

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls in an open range on its local day, that day not being closed."""
        # Through UTC, so a wall time the clocks skipped counts as the instant it stands for.
        local = require_aware(at).astimezone(UTC).astimezone(self.timezone)
        if self.is_closed_day(local.date()):
            return False
        minute = local.hour * 60 + local.minute  # boundaries are whole minutes, so this is exact
        return any(start <= minute < end for start, end in self.weekly[local.weekday()])

    def closes_at(self, at: datetime) -> int | None:
        """When the open range `at` falls in ends, in minutes after local midnight: the moment
        the out-of-hours team takes over. None when closed at `at`, or when the hours run on
        past midnight into the next day's (no closing today to give)."""
        if not self.is_open(at):
            return None
        local = require_aware(at).astimezone(UTC).astimezone(self.timezone)
        minute = local.hour * 60 + local.minute
        end = next(end for start, end in self.weekly[local.weekday()] if start <= minute < end)
        tomorrow = local.date() + timedelta(days=1)
        runs_on = end == MINUTES_PER_DAY and not self.is_closed_day(tomorrow)
        if runs_on and any(start == 0 for start, _ in self.weekly[tomorrow.weekday()]):
            return None
        return end

    def opens_at(self, at: datetime) -> int | None:
        """When the office next opens later on `at`'s own day, in minutes after local midnight:
        the moment the office team takes over. None when open at `at`, or not opening again
        today (a closed day, or its hours are over)."""
        if self.is_open(at):
            return None
        local = require_aware(at).astimezone(UTC).astimezone(self.timezone)
        if self.is_closed_day(local.date()):
            return None
        minute = local.hour * 60 + local.minute
        later = [start for start, _ in self.weekly[local.weekday()] if start > minute]
        return min(later, default=None)

    def is_closed_day(self, day: date) -> bool:
        """Whether `day` is a bank holiday in this schedule's calendar or a closed date."""
        if isinstance(day, datetime):
            raise TypeError("is_closed_day takes a date; use is_open for a moment in time")
        if day in self.closed_dates:
            return True
        if self.bank_holidays is None:
            return False
        return day in _bank_holidays(self.bank_holidays, day.year)


@lru_cache(maxsize=256)
def _bank_holidays(subdivision: str, year: int) -> frozenset[date]:
    """One year's bank holidays, built once: immutable, so safe to share between threads."""
    return frozenset(holidays.country_holidays("GB", subdiv=subdivision, years=year))


def require_aware(at: datetime) -> datetime:
    """Refuse a naive datetime: guessing its zone would be wrong around every clock change."""
    if at.tzinfo is None or at.tzinfo.utcoffset(at) is None:
        raise ValueError(f"{at!r} has no time zone; pass a timezone-aware datetime")
    return at


def _parse_timezone(name: object) -> ZoneInfo:
    """A zoneinfo zone, or an HoursError naming the timezone setting."""
    problem = f"{name!r} is not a known time zone; use a name like Europe/London"
    if not isinstance(name, str):
        raise HoursError(problem, ("timezone",))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursError(problem, ("timezone",)) from None


def _parse_calendar(name: object) -> str | None:
    """The `holidays` subdivision for a bank_holidays setting."""
    if not isinstance(name, str) or name not in BANK_HOLIDAY_CALENDARS:
        raise HoursError(
            f"{name!r} is not a bank holiday calendar; use one of "
            f"{', '.join(BANK_HOLIDAY_CALENDARS)}",
            ("bank_holidays",),
        )
    return BANK_HOLIDAY_CALENDARS[name]


def _parse_closed_dates(value: object) -> frozenset[date]:
    """Closed days, from ISO text or the dates YAML makes of unquoted ISO dates."""
    if not _is_list(value):
        raise HoursError(
            f"must be a list of dates like 2026-12-24, not {value!r}", ("closed_dates",)
        )
    return frozenset(_parse_date(item, ("closed_dates", index)) for index, item in enumerate(value))


def _parse_date(value: object, path: Path) -> date:
    """One closed date; a datetime is refused because a closed day has no time of day."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise HoursError(f"{value!r} is not a date in the form YYYY-MM-DD, like 2026-12-24", path)


def _is_list(value: object) -> bool:
    """A YAML list (or tuple), but not text, which is a sequence of letters."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _parse_weekly(weekly: object) -> tuple[DayRanges, ...]:
    """Seven days of sorted ranges; a day not listed is closed all day."""
    if not isinstance(weekly, Mapping):
        raise HoursError(
            f"must map days of the week to lists of times like 09:00-17:00, not {weekly!r}",
            ("weekly",),
        )
    for day in weekly:
        if day not in WEEKDAYS:
            raise HoursError(
                f"{day!r} is not a day of the week; use {', '.join(WEEKDAYS)}", ("weekly", str(day))
            )
    return tuple(_parse_day(weekly.get(day, []), ("weekly", day)) for day in WEEKDAYS)


def _parse_day(value: object, path: Path) -> DayRanges:
    """One day's ranges, refusing any that overlap."""
    if not _is_list(value):
        raise HoursError(f'must be a list of times like ["09:00-17:00"], not {value!r}', path)
    taken: list[tuple[Range, str]] = []
    for index, text in enumerate(value):
        span = _parse_range(text, (*path, index))
        for other, other_text in taken:
            if span[0] < other[1] and other[0] < span[1]:
                raise HoursError(
                    f"{text!r} overlaps {other_text!r} on the same day", (*path, index)
                )
        taken.append((span, text))
    return tuple(sorted(span for span, _ in taken))


def _parse_range(text: object, path: Path) -> Range:
    """An "HH:MM-HH:MM" range as minutes, with 00:00 <= start < end <= 24:00."""
    match = _RANGE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise HoursError(
            f"{text!r} is not a time range in the form HH:MM-HH:MM, like 09:00-17:00", path
        )
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    for hour, minute in ((start_h, start_m), (end_h, end_m)):
        if minute > 59:
            raise HoursError(f"{text!r} has {minute} minutes; minutes go from 00 to 59", path)
        if hour * 60 + minute > MINUTES_PER_DAY:
            raise HoursError(f"{text!r} has a time after 24:00, the end of the day", path)
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start >= end:
        raise HoursError(
            f"{text!r} does not end after it starts; a range cannot cross midnight "
            "(end it at 24:00 and continue on the next day from 00:00)",
            path,
        )
    return start, end


# --- Caching parsed sections ---------------------------------------------------------------


@dataclass(frozen=True)
class _CacheKey:
    """A section's content as a hashable snapshot, carrying the section itself to parse once."""

    snapshot: Hashable
    section: Any = field(compare=False)
    default_timezone: str


def _snapshot(value: object) -> Hashable:
    """A hashable copy of parsed YAML, with types kept so that 1 and True stay different."""
    if isinstance(value, Mapping):
        return (dict, tuple((_snapshot(key), _snapshot(item)) for key, item in value.items()))
    if _is_list(value):
        return (list, tuple(_snapshot(item) for item in value))
    return (type(value), value)


@lru_cache(maxsize=64)
def _parse_cached(key: _CacheKey) -> Schedule:
    """Parse each distinct section once: webhooks ask on every call with the same config."""
    return Schedule.from_config(key.section, default_timezone=key.default_timezone)


def cached_schedule(
    section: object, path: Path, *, default_timezone: str = "Europe/London"
) -> Schedule:
    """The schedule for a section, cached by content, with errors located from the config root."""
    key = _CacheKey(_snapshot(section), section, default_timezone)
    try:
        hash(key)
    except TypeError:  # holds something YAML never makes (e.g. a set): parse it uncached
        parse: Callable[[_CacheKey], Schedule] = _parse_cached.__wrapped__
    else:
        parse = _parse_cached
    try:
        return parse(key)
    except HoursError as error:
        raise error.within(*path) from None
