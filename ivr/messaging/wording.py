"""The words of every message, from prompts/messages.en-GB.yaml, filled from the call's record.

Only the record's facts go in (number, reference, time, team, outcome): what a caller said is
never part of a call record that a message could be written from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib.resources.abc import Traversable
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from ivr.config import DEFAULT_PROMPTS_DIR, read_yaml
from ivr.flow import rang_for
from ivr.line import Line
from ivr.models import Call

FILE_NAME = "messages.en-GB.yaml"
# What a message template may ask for.
PLACEHOLDERS = frozenset(
    {
        "service_name",
        "caller_number",
        "reference",
        "time",
        "team_name",
        "dialled_name",
        "reason",
        "link",
        "minutes",
    }
)
# The call-back request's own: what happens if nobody takes it (Wording.if_not_taken), and the
# team on duty by then that is sent it too where the team asked will have gone off duty.
CALLBACK_PLACEHOLDERS = PLACEHOLDERS | {"if_not_taken"}
IF_NOT_TAKEN_PLACEHOLDERS = frozenset({"minutes", "next_team_name"})
# What an advice text to the caller may ask for: nothing about the caller.
ADVICE_PLACEHOLDERS = frozenset({"service_name", "reference", "time", "outcome", "record"})


def messages_file(directory: Traversable) -> Traversable:
    """The messages' words in the prompts directory in use; a directory without its own keeps
    the shipped words."""
    beside = directory / FILE_NAME
    return beside if beside.is_file() else DEFAULT_PROMPTS_DIR / FILE_NAME


def load(directory: Traversable) -> Mapping[str, Any]:
    return read_yaml(messages_file(directory))["messages"]


def as_dialled(number: str | None) -> str:
    """The number the way the team would dial it from a UK phone, in national form."""
    try:
        parsed = phonenumbers.parse(number or "", "GB")
    except phonenumbers.NumberParseException:
        return number or ""
    if parsed.country_code == 44:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def lookup(table: Mapping[str, Any], outcome: str | None, reason: str | None) -> str | None:
    """The words for an outcome, its reason's own where it has some."""
    if outcome and reason and f"{outcome}.{reason}" in table:
        return str(table[f"{outcome}.{reason}"])
    return str(table[outcome]) if outcome in table else None


@dataclass(frozen=True)
class Wording:
    """The message templates, and the line whose facts fill them."""

    words: Mapping[str, Any]
    line: Line

    def office_time(self, moment: datetime) -> str:
        zone = ZoneInfo(self.line.config["office_hours"]["timezone"])
        return moment.astimezone(zone).strftime(self.words["time_format"])

    def reason(self, outcome: str | None, reason: str | None) -> str:
        """Why they rang, in words: the outcome with its reason where one has words of its own."""
        return lookup(self.words["reasons"], outcome, reason) or str(self.words["reasons"]["none"])

    def why_they_rang(self, call: Call) -> str:
        """Why the caller rang, in words: which referral is waiting, or else the outcome."""
        return self.reason(*rang_for(call.outcome, call.reason, call.transfer_reason))

    def if_not_taken(self, escalates: bool, minutes: str, next_team_name: str | None) -> str:
        """What happens to a request nobody takes: the message promises only what will, and
        names the team that will be on duty by then where it will be sent the request too."""
        words = self.words["if_not_taken"]
        if next_team_name is None:
            said = words["escalates" if escalates else "stays"]
        else:
            said = words["escalates_and_hands_over" if escalates else "hands_over"]
        return str(said).format(minutes=minutes, next_team_name=next_team_name)

    def advice(self, outcome: str | None, reason: str | None) -> tuple[str, str] | None:
        """The advice in a sentence and what to record, or None for an outcome with no advice."""
        said = lookup(self.words["advice_outcomes"], outcome, reason)
        record = lookup(self.words["advice_records"], outcome, reason)
        return (said, record) if said and record else None

    def compose(self, kind: str, channel: str, **fields: str) -> tuple[str, str]:
        """The subject and the body of one message: `kind` callback, escalation or advice."""
        templates = self.words[kind]
        filled = {"service_name": str(self.line.config["service_name"]), **fields}
        subject = templates["subject"].format_map(filled) if channel == "email" else ""
        return subject, templates[channel].format_map(filled).strip()
