"""Whoever holds the phone: a fixed script for tests and ``--keys``, or a person at the terminal.

The interpreter asks the answerer what the caller does at each <Gather> and <Dial>, so the same
call can be played by hand or replayed exactly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
GATHER_PROMPT = "keys or words (Enter = silence, h = hang up)> "
DIAL_PROMPT = "[c]ompleted [b]usy [n]o-answer [f]ailed c[a]nceled [h]ang up> "

_DIAL_CHOICES: dict[str, str | None] = {
    "": "completed",
    "c": "completed",
    "b": "busy",
    "n": "no-answer",
    "f": "failed",
    "a": "canceled",
    "h": None,
}


@dataclass(frozen=True)
class GatherSpec:
    """What a <Gather> asks for, with Twilio's defaults filled in."""

    input: str
    num_digits: int | None
    timeout: int
    action: str
    method: str
    hints: str
    language: str


class Answerer(Protocol):
    """Whoever is holding the phone."""

    def say(self, text: str) -> None: ...

    def gather(self, gather: GatherSpec) -> str | None: ...

    def dial(self, number: str) -> str | None: ...


class ScriptedAnswerer:
    """Answers from a fixed script, as in ``ivr call --keys 2,1,,h``."""

    def __init__(self, entries: Sequence[str]) -> None:
        self._entries = deque(entries)

    @property
    def remaining(self) -> list[str]:
        """Entries not used yet, so a test can check its script was played out."""
        return list(self._entries)

    def say(self, text: str) -> None:
        """A script does not listen."""

    def gather(self, gather: GatherSpec) -> str | None:
        """Take the next entry; "h" or no entries left hangs up."""
        if not self._entries:
            return None
        if self._entries[0] in DIAL_STATUSES:
            raise ValueError(
                f"script has dial status {self._entries[0]!r} next but the line asked for input"
            )
        entry = self._entries.popleft()
        return None if entry == "h" else entry

    def dial(self, number: str) -> str:
        """Take the next entry if it is a dial status; otherwise the callee answers."""
        if self._entries and self._entries[0] in DIAL_STATUSES:
            return self._entries.popleft()
        return "completed"


class ConsoleAnswerer:
    """A person at the terminal: prints what is said and reads what they do."""

    def __init__(
        self, read: Callable[[str], str] = input, write: Callable[[str], None] = print
    ) -> None:
        self._read = read
        self._write = write

    def say(self, text: str) -> None:
        """Show the words the caller would hear."""
        self._write(text)

    def gather(self, gather: GatherSpec) -> str | None:
        """Read keys or words; Enter is silence, "h" or end of input hangs up."""
        answer = self._ask(GATHER_PROMPT)
        if answer is None or answer.lower() == "h":
            return None
        return answer

    def dial(self, number: str) -> str | None:
        """Ask how the transfer went until the answer is one of the choices."""
        self._write(f"Transferring to {number}")
        while True:
            choice = self._ask(DIAL_PROMPT)
            if choice is None:
                return None
            if choice.lower() in _DIAL_CHOICES:
                return _DIAL_CHOICES[choice.lower()]
            self._write("Please type c, b, n, f, a or h (Enter = completed).")

    def _ask(self, prompt: str) -> str | None:
        try:
            return self._read(prompt).strip()
        except EOFError:
            return None
