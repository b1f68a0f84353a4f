"""The line as configured: its facts, its words and its clock, loaded once per app."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import phonenumbers

from ivr import hours, spoken_hours
from ivr.flow import transfer_role
from ivr.schedule import Schedule, require_aware
from ivr.speech import SpeechMatcher, matcher_for

Clock = Callable[[], datetime]
T = TypeVar("T")
# How the teams for an adult at risk stand beside the children's, as conditions the flow names
# (ivr.flow): whether one team takes both in office hours, and out of hours. A sentence naming
# the teams comes in one wording for each, so no caller hears a team named twice.
ADULT_TEAMS: Mapping[str, tuple[bool, bool]] = {
    "adults_share_in_and_out_of_hours": (True, True),
    "adults_share_in_hours_only": (True, False),
    "adults_share_out_of_hours_only": (False, True),
    "adults_apart_in_and_out_of_hours": (False, False),
}
# Every condition about the teams the flow names, ADULT_TEAMS and those made from them: one
# answer for the call, the review area and the timings alike (Line.team_conditions).
TEAM_CONDITIONS = (*ADULT_TEAMS, "adults_apart_out_of_hours", "adults_with_children_out_of_hours")


def utc_now() -> datetime:
    return datetime.now(UTC)


def spell(digits: str) -> str:
    """Digit by digit, with pauses, so a caller can write it down: "4, 8, 2"."""
    return ", ".join(digits)


def speak_number(number: str, region: str = "GB") -> str:
    """A number as a caller would dial it, read slowly: "0, 1, 3, 4, 4. 3, 5, 1. 9, 9, 9"."""
    try:
        parsed = phonenumbers.parse(number, region)
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        national = number
    groups = [
        part
        for group in re.findall(r"\d+", national) or [number]
        for part in (re.findall(r"\d{3}", group) if len(group) == 6 else [group])
    ]
    return ". ".join(spell(group) for group in groups)


def example_number(kind: phonenumbers.PhoneNumberType = phonenumbers.PhoneNumberType.MOBILE) -> str:
    """A well-formed UK number that belongs to no one, from phonenumbers' own examples."""
    example = phonenumbers.example_number_for_type("GB", kind)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def dialable(number: str | None) -> bool:
    """Whether a number is a real, callable E.164 number (not Anonymous, not a short code)."""
    if not number or not number.startswith("+"):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return False


@dataclass(frozen=True)
class Line:
    """Everything a webhook needs besides the call record."""

    config: Mapping[str, Any]
    prompts: Mapping[str, Any]
    clock: Clock = utc_now
    speech: SpeechMatcher = field(init=False)
    memo: dict[Hashable, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "speech", matcher_for(self.prompts["speech"], self.config))
        object.__setattr__(self, "memo", {})

    @property
    def max_tries(self) -> int:
        return int(self.config["menus"]["max_tries"])

    @property
    def voice(self) -> Mapping[str, str]:
        return self.config["voice"]

    def sentence(self, key: str) -> str:
        return self.prompts["sentences"][key]

    def key_for_speech(self, step: str, words: str, confidence: float | None) -> str | None:
        """The key that spoken words stand for on this step, or None to ask again."""
        return self.speech.key_for(step, words, confidence)

    def fixed(self, key: Hashable, work: Callable[[], T]) -> T:
        """What the config gives, worked out once: a line's config is fixed for its life.

        Only config-derived facts are kept (schedules, contacts, hours and numbers as spoken),
        never anything about a call. A failure is not kept, so a bad config fails every time.
        """
        try:
            return self.memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self.memo[key] = work()
            return value

    def duty_now(self, at: datetime, *, adults: bool = False) -> hours.Contact:
        open_now = self.office_open(at)
        key = ("duty", open_now, adults)
        return self.contact(
            self.fixed(key, lambda: hours.duty_key(self.config, open_now, adults=adults))
        )

    def adult_duty_now(self, at: datetime) -> hours.Contact:
        return self.duty_now(at, adults=True)

    def contact_for(self, role: str, at: datetime) -> hours.Contact:
        """Whom a transfer dials: a duty team on call now, or a contact by its own name."""
        if role == "duty":
            return self.duty_now(at)
        if role == "adult_duty":
            return self.adult_duty_now(at)
        return self.contact(role)

    def on_call_for(
        self, transfer_to: str | None, transfer_reason: str | None, at: datetime
    ) -> hours.Contact | None:
        """Who answers at `at` for what a transfer was made for: the team it dialled, or the
        one that took over when the office closed or opened while it rang."""
        role = transfer_role(transfer_to, transfer_reason)
        return None if role is None else self.contact_for(role, at)

    def relief_for(self, role: str | None, team: str) -> str | None:
        """The team that takes over from `team` for a duty role when it goes off duty (the
        emergency duty service from the front door, and back), or None where no other does."""
        if role not in ("duty", "adult_duty"):
            return None
        adults = role == "adult_duty"
        shifts = [hours.duty_key(self.config, shift, adults=adults) for shift in (True, False)]
        if team not in shifts:
            return None
        other = shifts[1 - shifts.index(team)]
        return None if other == team else other

    def adults_share_out_of_hours(self) -> bool:
        """Whether one team answers for children and adults out of hours: named once if so."""
        duty = self.config["duty"]
        return bool(duty["out_of_hours"] == duty["adults_out_of_hours"])

    def adults_share_in_hours(self) -> bool:
        """Whether one team answers for children and adults in office hours: a front door that
        takes adults too (duty.in_hours is duty.adults_in_hours)."""
        duty = self.config["duty"]
        return bool(duty["in_hours"] == duty["adults_in_hours"])

    def team_conditions(self) -> dict[str, bool]:
        """Each of TEAM_CONDITIONS: of ADULT_TEAMS true for exactly one, and whether adults
        have an out-of-hours team of their own (the contacts menu names it beside the
        children's) or the children's (the menu says it takes adults too outside office
        hours). The caller, the review area and the timings all pick their wording here."""
        shared = (self.adults_share_in_hours(), self.adults_share_out_of_hours())
        found = {name: shared == pattern for name, pattern in ADULT_TEAMS.items()}
        return found | {
            "adults_apart_out_of_hours": not shared[1],
            "adults_with_children_out_of_hours": shared[1],
        }

    def hour_conditions(self, at: datetime) -> dict[str, bool]:
        """The conditions the hour decides, as the call's flow reads them at `at`: for the
        timings and the review area, which replay a call without one."""
        office_open, closed_today = self.office_open(at), self.office_closed_today(at)
        nspcc_open = self.contact_open("nspcc", at)
        return {
            "office_is_open": office_open,
            "office_is_closed": not office_open,
            "office_closed_today": closed_today,
            "usual_hours_today": not closed_today,
            "nspcc_open": nspcc_open,
            "nspcc_closed": not nspcc_open,
        }

    def contact(self, key: str) -> hours.Contact:
        return self.fixed(("contact", key), lambda: hours.contact(self.config, key))

    def contact_open(self, key: str, at: datetime) -> bool:
        schedule = self.fixed(("schedule", key), lambda: hours.contact_schedule(self.config, key))
        return schedule is None or schedule.is_open(require_aware(at))

    def office_schedule(self) -> Schedule:
        return self.fixed(("schedule", None), lambda: hours.office_schedule(self.config))

    def office_open(self, at: datetime) -> bool:
        return self.office_schedule().is_open(at)

    def office_closed_today(self, at: datetime) -> bool:
        """Whether today is a day of the week the office keeps hours on, but not today (a bank
        holiday or a closed date): the weekly hours alone would tell a caller it is open."""
        schedule = self.office_schedule()
        today = require_aware(at).astimezone(schedule.timezone).date()
        return bool(schedule.weekly[today.weekday()]) and schedule.is_closed_day(today)

    def hints(self, step: str) -> str:
        """Phrases for Twilio's speech recogniser: this step's own vocabulary, no other's."""
        return ", ".join(self.speech.hints(step))


class Words(dict[str, str]):
    """The placeholders a sentence may use, each worked out only when a sentence asks for it."""

    def __init__(self, line: Line, at: datetime, **known: str) -> None:
        super().__init__(known)
        self.line = line
        self.at = at
        # The caller's own number, parsed only if a sentence reads it back (caller_number).
        self.caller: str | None = None

    def __missing__(self, name: str) -> str:
        value = self._work_out(name)
        self[name] = value
        return value

    def _work_out(self, name: str) -> str:
        line, at = self.line, self.at
        if name == "service_name":
            return str(line.config["service_name"])
        if name == "caller_number":
            return speak_number(self.caller or "")
        if name == "office_hours":
            section = line.config["office_hours"]
            return line.fixed(
                ("spoken", name),
                lambda: spoken_hours.describe_weekly(section, line.prompts["hours"]),
            )
        if name == "nspcc_hours":
            section = line.config["contacts"]["nspcc"]["hours"]
            return line.fixed(
                ("spoken", name),
                lambda: spoken_hours.describe_weekly(section, line.prompts["hours"]),
            )
        who, _, what = name.rpartition("_")
        duty = line.config["duty"]
        if who in ("duty", "adult_duty"):
            contact = line.contact_for(who, at)
        else:
            contact = line.contact(duty.get(who, who))
        if what == "name":
            return contact.name
        if what == "number":
            return line.fixed(("spoken", contact.number), lambda: speak_number(contact.number))
        raise KeyError(name)
