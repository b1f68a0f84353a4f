"""The config checks: service name, voice, hours, contacts, duty, menus, metrics and retention.

Each setting is checked as the running line will use it, so a mistake shows here, at its line,
rather than as a failed call.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping

from limits import parse_many

from ivr.check.callbacks import check_callbacks
from ivr.check.contacts import check_contacts, check_duty
from ivr.check.located import Located, Problem
from ivr.check.sections import (
    check_schedule,
    check_text,
    required_mapping,
    text_problem,
    unknown_keys,
)
from ivr.check.speech import check_confidence_floor

CONFIG_KEYS = (
    "service_name",
    "voice",
    "office_hours",
    "duty",
    "contacts",
    "menus",
    "metrics",
    "review",
    "retention",
    "callbacks",
)
VOICE_KEYS = ("language", "name")
# Twilio's limits where it has them (Dial timeout 5-600 s), and sane bounds for a caller otherwise.
MENU_LIMITS: Mapping[str, tuple[int, int]] = {
    "max_tries": (1, 10),
    "gather_timeout_seconds": (1, 60),
    "danger_now_tries": (1, 10),
    "referral_choice_seconds": (1, 15),
    "transfer_timeout_seconds": (5, 600),
    "speech_max_words": (10, 100),
}
# Twilio ends a call after 4 hours: a shorter limit would close calls that may still be live.
LONGEST_CALL_HOURS = 4
# A minute at least, so a page can be read; a working day at most, so a session cannot outlive it.
IDLE_MINUTES = (1, 600)
BRITISH_VOICE = re.compile(
    r"Polly\.(Amy|Brian|Emma|Arthur)(-Neural|-Generative)?|Google\.en-GB-[A-Za-z0-9-]+"
)


def check_config(config: Located) -> list[Problem]:
    """Every problem with the merged config."""
    return [
        *unknown_keys(config, (), CONFIG_KEYS),
        *check_service_name(config),
        *check_voice(config),
        *check_schedule(config, ("office_hours",), "Europe/London"),
        *check_contacts(config),
        *check_duty(config),
        *check_menus(config),
        *check_confidence_floor(config),
        *check_operations(config),
        *check_review(config),
        *check_callbacks(config),
    ]


def check_service_name(config: Located) -> Iterator[Problem]:
    """The name the line greets callers with."""
    yield from check_text(config, ("service_name",))


def check_voice(config: Located) -> Iterator[Problem]:
    """British English in a British voice: callers should hear the council, not an American."""
    yield from required_mapping(config, ("voice",), "language and name")
    yield from unknown_keys(config, ("voice",), VOICE_KEYS)
    voice = config.get(("voice",))
    if not isinstance(voice, Mapping):
        return
    if voice.get("language") != "en-GB":
        language = voice.get("language")
        yield config.problem(
            ("voice", "language"), f"must be 'en-GB' (British English), not {language!r}"
        )
    name = voice.get("name")
    if text_problem(name):
        yield from check_text(config, ("voice", "name"))
    elif not BRITISH_VOICE.fullmatch(name):
        yield config.problem(
            ("voice", "name"),
            f"{name!r} is not a British English voice; use one such as Polly.Amy, Polly.Brian, "
            "Polly.Emma, Polly.Arthur, their -Neural versions, or a Google.en-GB- voice",
        )


def check_menus(config: Located) -> Iterator[Problem]:
    """Tries and timeouts are whole numbers in range: Twilio refuses Dial timeouts outside 5-600."""
    yield from required_mapping(config, ("menus",), ", ".join(MENU_LIMITS))
    yield from unknown_keys(config, ("menus",), (*MENU_LIMITS, "speech_min_confidence"))
    menus = config.get(("menus",))
    if not isinstance(menus, Mapping):
        return
    for key, (low, high) in MENU_LIMITS.items():
        value = menus.get(key)
        if key not in menus:
            yield config.problem(("menus", key), f"is missing: a whole number from {low} to {high}")
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            yield config.problem(
                ("menus", key), f"{value!r} is not a whole number from {low} to {high}"
            )


def check_operations(config: Located) -> Iterator[Problem]:
    """Who may read /metrics, how long records are kept, when a silent call is over.

    Each must be usable as written: a mistake would otherwise show only later, in a scrape or a
    purge run by a timer nobody watches.
    """
    yield from unknown_keys(config, ("metrics",), ("allow",))
    yield from unknown_keys(config, ("retention",), ("days", "close_unfinished_after_hours"))
    allow = config.get(("metrics", "allow"))
    for index, network in enumerate(allow if isinstance(allow, list) else []):
        try:
            ipaddress.ip_network(str(network), strict=False)
        except ValueError:
            yield config.problem(
                ("metrics", "allow", index), f"{network!r} is not an address or network"
            )
    days = config.get(("retention", "days"))
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        yield config.problem(("retention", "days"), f"{days!r} is not a whole number of days")
    hours = config.get(("retention", "close_unfinished_after_hours"))
    if isinstance(hours, bool) or not isinstance(hours, int) or hours < LONGEST_CALL_HOURS:
        yield config.problem(
            ("retention", "close_unfinished_after_hours"),
            f"{hours!r} is not a whole number of hours, at least {LONGEST_CALL_HOURS} (Twilio's"
            " longest call): a shorter limit could close a live call",
        )


def check_review(config: Located) -> Iterator[Problem]:
    """How long a supervisor's idle session lasts: a typo must not log everyone out at once."""
    yield from unknown_keys(config, ("review",), ("idle_minutes", "session_hours", "login_limits"))
    minutes = config.get(("review", "idle_minutes"))
    low, high = IDLE_MINUTES
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high:
        yield config.problem(
            ("review", "idle_minutes"), f"{minutes!r} is not a whole number from {low} to {high}"
        )
    hours = config.get(("review", "session_hours"))
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 1 <= hours <= 24:
        yield config.problem(("review", "session_hours"), f"{hours!r} is not 1 to 24 hours")
    yield from check_login_limits(config)


def check_login_limits(config: Located) -> Iterator[Problem]:
    """Each login limit must be one Flask-Limiter reads, such as "10 per minute; 60 per hour"."""
    names = ("per_address", "per_name", "overall", "unknown_name_audits")
    yield from unknown_keys(config, ("review", "login_limits"), names)
    for name in names:
        value = config.get(("review", "login_limits", name))
        try:
            parse_many(str(value))
        except ValueError:
            yield config.problem(
                ("review", "login_limits", name), f"{value!r} is not a rate such as '10 per minute'"
            )
