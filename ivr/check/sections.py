"""Checks any section of the config or prompts may need: its keys, its shape, text, hours.

Shared so that a typo, a missing section or empty text reads the same wherever it is found.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from ivr import schedule
from ivr.check.located import KeyPath, Located, Problem


def unknown_keys(located: Located, path: KeyPath, known: tuple[str, ...]) -> Iterator[Problem]:
    """Keys nothing reads, most likely typos, with the nearest real setting when there is one."""
    section = located.get(path)
    if not isinstance(section, Mapping):
        return
    for key in section:
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"the settings are {', '.join(known)}"
            yield located.problem((*path, key), f"is not a setting, perhaps a typo; {hint}")


def required_mapping(located: Located, path: KeyPath, what: str) -> Iterator[Problem]:
    """A problem when the section at `path` is missing or is not a mapping."""
    value = located.get(path[:-1])
    if not isinstance(value, Mapping) or path[-1] not in value:
        yield located.problem(path, f"is missing: add {what}")
    elif not isinstance(value[path[-1]], Mapping):
        yield located.problem(path, f"must be a mapping of {what}, not {value[path[-1]]!r}")


def text_problem(value: Any) -> str | None:
    """Why `value` is not non-empty text, or None when it is."""
    if not isinstance(value, str):
        return f"must be text in quotes, not {value!r}"
    if not value.strip():
        return "must not be empty"
    return None


def check_text(located: Located, path: KeyPath) -> Iterator[Problem]:
    """A problem when the setting at `path` is missing or not non-empty text."""
    parent = located.get(path[:-1])
    if not isinstance(parent, Mapping):
        return
    if path[-1] not in parent:
        yield located.problem(path, "is missing")
    elif reason := text_problem(parent[path[-1]]):
        yield located.problem(path, reason)


def check_schedule(config: Located, path: KeyPath, default_timezone: str) -> Iterator[Problem]:
    """Every mistake in opening hours that schedule.Schedule can use, each at its setting.

    The parser stops at its first mistake, so each one found is taken out of a copy (the item,
    or the setting, the error points at) and the rest parsed again, until none is left: an
    operator fixes five mistakes after one run, not five.
    """
    section = copy.deepcopy(config.get(path))
    for _ in range(MAX_SCHEDULE_PROBLEMS):
        try:
            schedule.Schedule.from_config(section, default_timezone=default_timezone)
        except schedule.HoursError as error:
            yield config.problem((*path, *error.path), error.problem)
            if not error.path or not without(section, error.path):
                return
        else:
            return


# More than this many mistakes in one schedule: the rest wait for the next run.
MAX_SCHEDULE_PROBLEMS = 50


def without(section: Any, path: KeyPath) -> bool:
    """Take the value at `path` out of `section`; False when there is nothing to take."""
    parent = section
    for part in path[:-1]:
        if not has(parent, part):
            return False
        parent = parent[part]
    if not has(parent, path[-1]) or not isinstance(parent, dict | list):
        return False
    del parent[path[-1]]
    return True


def has(container: Any, part: Any) -> bool:
    """Whether `container[part]` is there: a key of a mapping, or an index of a list."""
    if isinstance(container, Mapping):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)
