"""Parsed YAML that remembers where each key was written, and the problems placed there.

Council staff fix a setting in the file they edit, so every problem carries that file and line
rather than a path into merged data they never see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KeyPath = tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where to find it, and what to do, in words for council staff."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Located:
    """Parsed YAML with the file and line that supplied every key, so problems point at them."""

    data: dict[Any, Any]
    where: dict[KeyPath, tuple[str, int]]

    def get(self, path: KeyPath) -> Any:
        """The value at `path`, or None when any step is missing or not a mapping."""
        value: Any = self.data
        for part in path:
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
        return value

    def problem(self, path: KeyPath, message: str) -> Problem:
        """A problem at `path`, placed at the nearest enclosing key that exists in a file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.where:
                file, line = self.where[path[:end]]
                break
        return Problem(file, line, f"{dotted(path)}: {message}" if path else message)


def dotted(path: KeyPath) -> str:
    """A path the way it reads in the YAML, e.g. office_hours.weekly.monday[0]."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
