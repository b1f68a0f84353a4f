"""The contacts and duty checks: every number the line reads out or dials must work.

A caller put through to a wrong or undialable number is left with nobody, so each contact is
checked as it will be used, and each duty role must name a contact the line may dial.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from ivr.check.located import KeyPath, Located, Problem
from ivr.check.sections import (
    check_schedule,
    check_text,
    required_mapping,
    text_problem,
    unknown_keys,
)
from ivr.flow import STATES
from ivr.line import dialable, example_number

# Every team the flow routes to: children in and out of hours, and an adult at risk.
DUTY_KEYS = ("in_hours", "out_of_hours", "adults_in_hours", "adults_out_of_hours")
CONTACT_KEYS = ("name", "number", "dial", "hours", "callbacks")
# Contacts the prompts speak whatever the deployment: 999, 101 and the NSPCC.
REQUIRED_CONTACTS = ("emergency", "police", "nspcc")
E164 = re.compile(r"\+[1-9][0-9]{1,14}")
SHORT_CODE = re.compile(r"[0-9]{3,6}")


def office_timezone(config: Located) -> str:
    """The office's time zone, the default for contacts' hours; London when it is unusable."""
    name = config.get(("office_hours", "timezone"))
    try:
        return ZoneInfo(name).key if isinstance(name, str) else "Europe/London"
    except (ZoneInfoNotFoundError, ValueError):
        return "Europe/London"


def contacts_of(config: Located | None) -> Mapping[Any, Any]:
    """The contacts mapping, or empty when there is none to read."""
    contacts = config.get(("contacts",)) if config else None
    return contacts if isinstance(contacts, Mapping) else {}


def check_contacts(config: Located) -> Iterator[Problem]:
    """Every contact can be read out, and dialled where the line puts callers through."""
    yield from required_mapping(config, ("contacts",), "contacts, each with name and number")
    contacts = contacts_of(config)
    for key in REQUIRED_CONTACTS:
        if contacts and key not in contacts:
            yield config.problem(("contacts", key), "is missing; the prompts speak this contact")
    for key in contacts:
        yield from check_contact(config, key)
    nspcc = contacts.get("nspcc")
    if isinstance(nspcc, Mapping) and "hours" not in nspcc:
        yield config.problem(("contacts", "nspcc"), "needs hours: the contacts menu reads them")
    dialled = {s.contact for s in STATES.values()} - {None, "duty", "adult_duty"}
    for key in dialled:
        if isinstance(contacts.get(key), Mapping) and contacts[key].get("dial") is False:
            yield config.problem(
                ("contacts", key, "dial"), "must not be false: the line puts callers through"
            )


def check_contact(config: Located, key: Any) -> Iterator[Problem]:
    """One contact: its name, its number as it will be dialled or read, and its hours."""
    path = ("contacts", key)
    entry = config.get(path)
    if not isinstance(entry, Mapping):
        yield config.problem(path, f"must be a mapping with name and number, not {entry!r}")
        return
    yield from unknown_keys(config, path, CONTACT_KEYS)
    yield from check_text(config, (*path, "name"))
    dial = entry.get("dial", True)
    if not isinstance(dial, bool):
        yield config.problem((*path, "dial"), f"must be true or false, not {dial!r}")
    number = entry.get("number")
    if text_problem(number):
        yield from check_text(config, (*path, "number"))
    elif reason := number_problem(number, dial=dial is not False):
        yield config.problem((*path, "number"), reason)
    if "hours" in entry:
        yield from check_schedule(config, (*path, "hours"), office_timezone(config))


def number_problem(number: str, *, dial: bool) -> str | None:
    """Why a number cannot be dialled (or, with dial false, read out), or None when it can."""
    if not dial and SHORT_CODE.fullmatch(number):
        return None
    if not E164.fullmatch(number):
        codes = "" if dial else ", or a short code such as 101 (digits only)"
        return f"{number!r} is not an E.164 number such as {e164_example(number)}{codes}"
    if not dialable(number):
        return f"{number!r} is not a valid phone number; check the digits"
    return None


def e164_example(number: str) -> str:
    """The number itself in E.164 when it reads as a UK number, else a sample."""
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return example_number(phonenumbers.PhoneNumberType.FIXED_LINE)
    if not phonenumbers.is_valid_number(parsed):
        return example_number(phonenumbers.PhoneNumberType.FIXED_LINE)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_duty(config: Located) -> Iterator[Problem]:
    """Both duty contacts exist and can be put through to: every caller may be transferred."""
    yield from required_mapping(config, ("duty",), "the contacts on duty in and out of hours")
    yield from unknown_keys(config, ("duty",), DUTY_KEYS)
    if not isinstance(config.get(("duty",)), Mapping):
        return
    contacts = contacts_of(config)
    for role in DUTY_KEYS:
        yield from check_duty_contact(config, ("duty", role), contacts)


def check_duty_contact(
    config: Located, path: KeyPath, contacts: Mapping[Any, Any]
) -> Iterator[Problem]:
    """One duty role names a contact the line may dial; its number is checked with the contact."""
    key = config.get(path)
    if key is None:
        yield config.problem(path, "is missing: name a contact under contacts")
        return
    if not isinstance(key, str) or key not in contacts:
        known = ", ".join(map(str, contacts)) or "none"
        yield config.problem(path, f"{key!r} is not a contact; the contacts are: {known}")
        return
    if isinstance(contacts[key], Mapping) and contacts[key].get("dial") is False:
        yield config.problem(path, f"{key!r} has dial: false, so callers cannot be put through")
