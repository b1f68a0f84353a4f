"""Sentences with their {placeholders} filled for reading on a screen or on paper.

On a call the duty team depends on the hour; on paper both are named, with when each answers.
Names, numbers and hours come from config/, as on the call; what only a call knows (its
reference, the caller's number, the team being rung) is named in square brackets.
"""

from __future__ import annotations

import phonenumbers

from ivr import spoken_hours
from ivr.line import Line

CALL_ONLY = {
    "reference": "[the call's reference]",
    "caller_number": "[the caller's number]",
    "transfer_name": "[the team being called]",
    "transfer_number": "[that team's number]",
    "team_now_name": "[the team on duty now for that call]",
    "team_now_number": "[the number of the team on duty now]",
}


def written_number(number: str) -> str:
    """A number as written for people, in national form and groups; short codes as they are."""
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_possible_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


class ScriptWords(dict[str, str]):
    """Placeholders filled from the configuration, for any sentence in prompts/."""

    def __init__(self, line: Line) -> None:
        super().__init__(CALL_ONLY)
        self.line = line

    def __missing__(self, name: str) -> str:
        value = self._work_out(name)
        self[name] = value
        return value

    def _work_out(self, name: str) -> str:
        config = self.line.config
        if name == "service_name":
            return str(config["service_name"])
        if name in ("office_hours", "nspcc_hours"):
            section = config["office_hours"] if name == "office_hours" else None
            if section is None:
                section = config["contacts"]["nspcc"]["hours"]
            return spoken_hours.describe_weekly(section, self.line.prompts["hours"])
        who, _, what = name.rpartition("_")
        contacts = config.get("contacts", {})
        duty = config.get("duty", {})
        if who in ("duty", "adult_duty") and what in ("name", "number"):
            keys = _on_call(duty, who)
            parts = [self._contact(key, what) for key in keys]
            if len(parts) == 2 and parts[0] != parts[1]:
                return f"{parts[0]} (office hours) or {parts[1]} (at other times)"
            if parts:
                return parts[0]
        if who in duty and what in ("name", "number"):
            return self._contact(duty[who], what)
        if who in contacts and what in ("name", "number"):
            return self._contact(who, what)
        return f"[{name.replace('_', ' ')}]"

    def _contact(self, key: str, what: str) -> str:
        contact = self.line.config.get("contacts", {}).get(key, {})
        if what == "name":
            return str(contact.get("name", key))
        return written_number(str(contact.get("number", "")))


def _on_call(duty: dict[str, object], who: str) -> list[str]:
    """The contact keys a "team on call now" placeholder can mean, office hours first."""
    prefix = "" if who == "duty" else "adults_"
    names = [duty.get(f"{prefix}in_hours"), duty.get(f"{prefix}out_of_hours")]
    return [str(n) for n in names if n]


def fill(line: Line, text: str) -> str:
    return text.format_map(ScriptWords(line))
