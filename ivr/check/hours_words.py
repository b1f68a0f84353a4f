"""The hours words checks: the prompts can read every configured schedule aloud.

Opening hours are spoken from these words at call time, so a missing word would fail mid-call;
every word is required, and each schedule in the config is read once here to prove it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ivr import schedule, spoken_hours
from ivr.check.contacts import contacts_of
from ivr.check.located import KeyPath, Located, Problem, dotted
from ivr.check.sections import required_mapping

HOURS_WORDS = (
    "days",
    "day_span",
    "time_span",
    "join",
    "last_join",
    "time",
    "bank_holidays",
    "date",
    "month_span",
    "months",
)
TIME_WORDS = ("hour", "minutes", "am", "pm", "midnight", "noon")


def check_hours_words(prompts: Located, config: Located | None) -> Iterator[Problem]:
    """The words read every configured schedule aloud; a missing word would fail mid-call."""
    found = list(missing_words(prompts))
    yield from found
    if found or config is None:
        return
    for path in schedule_paths(config):
        if reason := reading_problem(config.get(path), prompts.get(("hours",))):
            yield prompts.problem(("hours",), f"cannot read {dotted(path)} aloud: {reason}")
            return


def reading_problem(section: Any, words: Any) -> str | None:
    """Why describe_weekly fails on a section with these words, or None when it reads."""
    try:
        spoken_hours.describe_weekly(section, words)
    except schedule.HoursError:
        return None  # the config checks report the section itself
    except KeyError as error:
        return f"no word or placeholder {error.args[0]!r}"
    except (ValueError, IndexError, TypeError, AttributeError) as error:
        return str(error)
    return None


def missing_words(prompts: Located) -> Iterator[Problem]:
    """Every word describe_weekly may need, whether or not today's hours need it."""
    yield from required_mapping(prompts, ("hours",), ", ".join(HOURS_WORDS))
    words = prompts.get(("hours",))
    if not isinstance(words, Mapping):
        return
    for key in HOURS_WORDS:
        if key not in words:
            yield prompts.problem(("hours", key), "is missing")
    tables = (("days", schedule.WEEKDAYS), ("time", TIME_WORDS), ("months", spoken_hours.MONTHS))
    for section, needed in tables:
        table = words.get(section)
        if section in words and not isinstance(table, Mapping):
            yield prompts.problem(("hours", section), f"must be a mapping of {', '.join(needed)}")
        elif isinstance(table, Mapping):
            for key in needed:
                if key not in table:
                    yield prompts.problem(("hours", section, key), "is missing")


def schedule_paths(config: Located) -> Iterator[KeyPath]:
    """Where the prompts read hours from: the office and every contact with hours."""
    yield ("office_hours",)
    for key, entry in contacts_of(config).items():
        if isinstance(entry, Mapping) and "hours" in entry:
            yield ("contacts", key, "hours")
