"""The record of one call, kept so people can read it and tests can assert on it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Event:
    """One thing that happened on the call, in the order it happened."""

    kind: str
    text: str = ""
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class CallLog:
    """Everything a call did, for people to read and tests to assert on."""

    call_sid: str
    events: list[Event]
    ended_by: str

    def said(self) -> list[str]:
        """Every Say text, in order."""
        return [event.text for event in self.events if event.kind == "say"]

    def heard(self) -> str:
        """All Say texts as one string, for ``in`` assertions."""
        return " ".join(self.said())

    def requests(self) -> list[Event]:
        """Every request the phone made, status callback included."""
        return [event for event in self.events if event.kind == "request"]
