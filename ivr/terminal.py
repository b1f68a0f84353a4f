"""Text from outside (a caller's input, a step's name) made safe to print to a terminal."""

from __future__ import annotations

import unicodedata
from typing import Any

# Controls, invisible formatting (bidirectional overrides) and line or paragraph separators.
HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp"})


def shown(text: str) -> str:
    """The text with every control character written as an escape (`\\x1b`, `\\u202e`).

    A terminal acts on escape sequences: printed raw, a stored step could retitle the window,
    hide the lines after it or, on some terminals, type a command. Escaped, it is only read.
    """
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in HIDDEN
        else char
        for char in text
    )


def escaped(value: Any) -> Any:
    """A record (dicts, lists, values) with every string in it `shown`, ready to print."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict):
        return {key: escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escaped(item) for item in value]
    return value
