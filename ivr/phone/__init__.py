"""A phone in the terminal: plays a voice application's TwiML the way Twilio would.

``ivr call`` uses it so a person can ring the line from a terminal, and the tests use it to
drive whole calls through real, signed HTTP requests without Twilio.
"""

from __future__ import annotations

from ivr.phone.answerers import (
    DIAL_STATUSES,
    GATHER_PROMPT,
    ConsoleAnswerer,
    GatherSpec,
    ScriptedAnswerer,
)
from ivr.phone.interpreter import Phone
from ivr.phone.log import CallLog, Event
from ivr.phone.transport import FlaskTransport, HttpTransport, Reply, Transport

__all__ = [
    "DIAL_STATUSES",
    "GATHER_PROMPT",
    "CallLog",
    "ConsoleAnswerer",
    "Event",
    "FlaskTransport",
    "GatherSpec",
    "HttpTransport",
    "Phone",
    "Reply",
    "ScriptedAnswerer",
    "Transport",
]
