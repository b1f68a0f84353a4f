"""The call-back checks: every address a request is sent to must be able to receive it.

A call back promised to a caller and texted to a mistyped number reaches no one, so each team's
numbers (E.164) and e-mail addresses are checked as written, and `ivr check --live` fails where
a channel is configured that this deployment cannot send on.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy.exc import DBAPIError

from ivr.check.contacts import number_problem
from ivr.check.loading import load
from ivr.check.located import KeyPath, Located, Problem
from ivr.check.sections import text_problem, unknown_keys
from ivr.config import prompts_dir
from ivr.flow import ADVICE_OUTCOMES, LESSER_OUTCOMES
from ivr.line import example_number
from ivr.messaging import heartbeat
from ivr.messaging.models import CHANNELS
from ivr.messaging.outbox import NEVER_CALLS_BACK, offers_messages
from ivr.messaging.senders import SMTP_PORTS
from ivr.messaging.wording import (
    ADVICE_PLACEHOLDERS,
    CALLBACK_PLACEHOLDERS,
    IF_NOT_TAKEN_PLACEHOLDERS,
    PLACEHOLDERS,
    messages_file,
)

SETTINGS = ("sms_from", "email_from", "acknowledge_within_minutes", "worker_missing_after_seconds")
CHANNEL_KEYS = (*CHANNELS, "escalate")
# Where a request nobody takes ends up when nobody else is sent it.
WAITS = "only waits at the top of the review dashboard"
# A minute at least; a day at most, when the links in the messages expire.
ACKNOWLEDGE_MINUTES = (1, 1440)
# Long enough for three beats through a busy database; short enough that a caller is not
# promised a call back for long after the last worker died.
WORKER_MISSING_SECONDS = (30, 900)
EMAIL = re.compile(r"[^@\s,;<>\"'()\[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Each kind of message, its parts, and what it may be filled with.
MESSAGE_KINDS = {
    "callback": (("subject", *CHANNELS), CALLBACK_PLACEHOLDERS),
    "if_not_taken": (
        ("escalates", "stays", "escalates_and_hands_over", "hands_over"),
        IF_NOT_TAKEN_PLACEHOLDERS,
    ),
    "escalation": (("subject", *CHANNELS), PLACEHOLDERS),
    "handover": (("subject", *CHANNELS), PLACEHOLDERS),
    "advice": (("sms",), ADVICE_PLACEHOLDERS),
}


def check_callbacks(config: Located) -> Iterator[Problem]:
    """The callbacks section, each team's call-back channel, and who the messages come from."""
    yield from unknown_keys(config, ("callbacks",), SETTINGS)
    yield from whole_number(config, "acknowledge_within_minutes", ACKNOWLEDGE_MINUTES, "minutes")
    missing = WORKER_MISSING_SECONDS
    yield from whole_number(config, "worker_missing_after_seconds", missing, "seconds")
    duty = config.get(("duty",))
    duty_teams = (
        {v for v in duty.values() if isinstance(v, str)} if isinstance(duty, Mapping) else set()
    )
    for key in channel_teams(config.data):
        yield from check_channel(config, ("contacts", key, "callbacks"), key, duty_teams)
    used = channels_in_use(config.data)
    yield from check_sender(config, "sms_from", "sms" in used)
    yield from check_sender(config, "email_from", "email" in used)


def escalation_warnings(config: Located) -> Iterator[Problem]:
    """A team that takes call backs with no one to escalate to: a request nobody takes goes to no
    one else, and only waits on the review dashboard. A warning, not a problem: a council may
    mean it (the shipped example leaves the emergency duty service without), and the request's
    messages promise no escalation then."""
    minutes = config.get(("callbacks", "acknowledge_within_minutes"))
    for team in channel_teams(config.data):
        # For each address list written: whether it is the escalation contacts'.
        escalates = {
            path[-2] == "escalate"
            for path, _channel, listed in addresses_at(config.data, team)
            if isinstance(listed, list) and listed
        }
        if escalates == {False}:
            yield config.problem(
                ("contacts", team, "callbacks"),
                f"has no escalation contact (escalate: sms or email): a request nobody takes "
                f"within {minutes} minutes goes to no one else {after_shift(config.data, team)}",
            )


def after_shift(config: Mapping[str, Any], team: Any) -> str:
    """What becomes of a request nobody takes, per role the team answers for: handed over to
    the team taking over from it that takes call backs (ivr.messaging.handover), or not."""
    duty = config.get("duty")
    duty = duty if isinstance(duty, Mapping) else {}
    takes_call_backs = set(channel_teams(config))
    ends: dict[str, Any] = {}
    for who, prefix in (("a child's", ""), ("an adult's", "adults_")):
        pair = (duty.get(f"{prefix}in_hours"), duty.get(f"{prefix}out_of_hours"))
        if team in pair:
            other = pair[1 - pair.index(team)]
            ends[who] = other if other != team and other in takes_call_backs else None
    relieved = {who: other for who, other in ends.items() if other is not None}
    if not relieved:
        return f"and {WAITS}"
    if len(set(relieved.values())) == 1 and len(relieved) == len(ends):
        return f"until the team goes off duty, when it goes to {next(iter(relieved.values()))}"
    said = [f"{who} goes to {other}" if other else f"{who} {WAITS}" for who, other in ends.items()]
    return f"until the team goes off duty, when {' and '.join(said)}"


def whole_number(
    config: Located, key: str, bounds: tuple[int, int], unit: str
) -> Iterator[Problem]:
    value = config.get(("callbacks", key))
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        yield config.problem(
            ("callbacks", key), f"{value!r} is not a whole number of {unit} from {low} to {high}"
        )


def channel_teams(config: Mapping[str, Any]) -> list[Any]:
    contacts = config.get("contacts")
    if not isinstance(contacts, Mapping):
        return []
    return [k for k, c in contacts.items() if isinstance(c, Mapping) and "callbacks" in c]


def addresses_at(config: Mapping[str, Any], team: Any) -> Iterator[tuple[KeyPath, str, Any]]:
    """Every address list of a team's channel: its path, its channel, and what is written."""
    section = config["contacts"][team]["callbacks"]
    path = ("contacts", team, "callbacks")
    if not isinstance(section, Mapping):
        return
    escalate = section.get("escalate")
    for where, part in ((path, section), ((*path, "escalate"), escalate)):
        if isinstance(part, Mapping):
            for channel in CHANNELS:
                if channel in part:
                    yield (*where, channel), channel, part[channel]


def channels_in_use(config: Mapping[str, Any]) -> set[str]:
    """The channels some team has an address on."""
    return {
        channel
        for team in channel_teams(config)
        for _path, channel, listed in addresses_at(config, team)
        if isinstance(listed, list) and listed
    }


def check_channel(
    config: Located, path: KeyPath, team: Any, duty_teams: set[Any]
) -> Iterator[Problem]:
    """One team's channel: only a duty team's, each address one that can receive a message."""
    section = config.get(path)
    if not isinstance(section, Mapping):
        yield config.problem(path, f"must be a mapping of sms, email and escalate, not {section!r}")
        return
    if team in NEVER_CALLS_BACK or team not in duty_teams:
        yield config.problem(path, "only a duty team (duty: ...) can be asked for a call back")
    yield from unknown_keys(config, path, CHANNEL_KEYS)
    escalate = section.get("escalate")
    if escalate is not None and not isinstance(escalate, Mapping):
        yield config.problem((*path, "escalate"), "must be a mapping of sms and email lists")
    yield from unknown_keys(config, (*path, "escalate"), CHANNELS)
    for where, channel, listed in addresses_at(config.data, team):
        yield from check_addresses(config, where, channel, listed)


def check_addresses(config: Located, path: KeyPath, channel: str, listed: Any) -> Iterator[Problem]:
    if not isinstance(listed, list):
        yield config.problem(path, f"must be a list, e.g. [{example(channel)}], not {listed!r}")
        return
    for index, address in enumerate(listed):
        if why := address_problem(channel, address):
            yield config.problem((*path, index), why)


def example(channel: str) -> str:
    """A well-formed address of the channel's kind that belongs to no one."""
    return f'"{example_number()}"' if channel == "sms" else '"duty@example.org"'


def address_problem(channel: str, address: Any) -> str | None:
    """Why a text or an e-mail could not be sent to `address`, or None when it could."""
    if reason := text_problem(address):
        return reason
    if channel == "sms":
        return number_problem(address, dial=True)
    if not EMAIL.fullmatch(address):
        return f"{address!r} is not an e-mail address such as duty@example.org"
    return None


def check_sender(config: Located, key: str, needed: bool) -> Iterator[Problem]:
    """Who the messages come from: needed once a team has an address on that channel."""
    path = ("callbacks", key)
    value = config.get(path)
    channel = "sms" if key == "sms_from" else "email"
    if value is None:
        if needed:
            yield config.problem(path, f"is missing: a team has {channel} call backs")
        return
    if why := address_problem(channel, value):
        yield config.problem(path, why)


def check_messages(prompts: Traversable) -> list[Problem]:
    """The messages' words: every kind and channel there, filled only from what a record has.

    They are read from the directory of the prompts file checked (the one in use by default).
    """
    directory = prompts.parent if isinstance(prompts, Path) else prompts_dir()
    located = load(messages_file(directory))
    if isinstance(located, Problem):
        return [located]
    problems: list[Problem] = []
    if not isinstance(located.get(("messages",)), Mapping):
        return [located.problem(("messages",), "is missing: the words of call-back messages")]
    for kind, (parts, allowed) in MESSAGE_KINDS.items():
        for part in parts:
            problems += check_template(located, ("messages", kind, part), allowed)
    tables = {
        "reasons": (ADVICE_OUTCOMES | LESSER_OUTCOMES | {"none"}, "why the caller rang"),
        "advice_outcomes": (ADVICE_OUTCOMES, "the advice in a sentence"),
        "advice_records": (ADVICE_OUTCOMES, "what to record"),
    }
    for table, (outcomes, what) in tables.items():
        for outcome in sorted(outcomes):
            path = ("messages", table, outcome)
            if reason := text_problem(located.get(path)):
                problems.append(located.problem(path, f"{reason}: {what}, in words"))
    time_format = located.get(("messages", "time_format"))
    if text_problem(time_format):
        problems.append(located.problem(("messages", "time_format"), "is missing"))
    elif "%Z" not in time_format:
        problems.append(
            located.problem(
                ("messages", "time_format"),
                "must say the time zone (%Z, GMT or BST): the hour the clocks go back comes twice",
            )
        )
    return problems


def check_template(located: Located, path: KeyPath, allowed: frozenset[str]) -> list[Problem]:
    text = located.get(path)
    if reason := text_problem(text):
        return [located.problem(path, reason)]
    unknown = [
        name
        for _literal, name, _spec, _conv in string.Formatter().parse(text)
        if name is not None and name not in allowed
    ]
    known = ", ".join(sorted(allowed))
    return [located.problem(path, f"{{{n}}} is not known; use one of {known}") for n in unknown]


def live_callback_problems(app: Flask) -> list[str]:
    """A channel configured that this deployment cannot send on: the line offers nothing through
    it (ivr.messaging.outbox), so what the council set up is silently not there."""
    config = app.extensions["ivr.line"].config
    used = channels_in_use(config)
    problems = []
    texts = bool(app.config.get("TWILIO_ACCOUNT_SID"))
    if "sms" in used and not texts:
        problems.append(
            "a team has sms call backs but TWILIO_ACCOUNT_SID is not set: none is sent by text"
        )
    elif config["callbacks"].get("sms_from") and not texts:
        problems.append(
            "callbacks.sms_from is set but TWILIO_ACCOUNT_SID is not: callers are never offered "
            "the advice by text"
        )
    smtp = app.config.get("SMTP_URL")
    if "email" in used and not smtp:
        problems.append(
            "a team has email call backs but IVR_SMTP_URL is not set: none is sent by e-mail"
        )
    elif smtp:
        url = urlsplit(smtp)
        if url.scheme not in SMTP_PORTS or not url.hostname:
            problems.append(
                "IVR_SMTP_URL is not smtp://host:587 (STARTTLS) or smtps://host:465 (TLS)"
            )
    return problems


def worker_warnings(app: Flask) -> list[str]:
    """No worker running where the line would offer what one sends: until one is, callers are
    offered no call back and no text. A warning, not a problem: before a first start no worker
    can have run yet (a database that cannot be read is reported on its own)."""
    line = app.extensions["ivr.line"]
    with app.app_context():
        if not offers_messages():
            return []
    try:
        with app.extensions["ivr.engine"].connect() as connection:
            if heartbeat.running(connection, line.clock(), line.config):
                return []
    except DBAPIError:
        return []
    seconds = line.config["callbacks"]["worker_missing_after_seconds"]
    return [
        f"no call-back worker has been running in the last {seconds} s: until one is, callers "
        "are offered no call back and no advice by text (`ivr serve` runs one unless "
        "--no-worker; otherwise run `ivr worker`)"
    ]
