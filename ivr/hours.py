"""Who answers the line now, and whether a line is open, from the opening hours in config/.

Nothing here knows a number, an hour or a name: every fact comes from the config mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ivr.schedule import HoursError, Path, Schedule, cached_schedule, require_aware


def _required(mapping: Mapping[str, Any], key: str, path: Path) -> Any:
    """mapping[key], or an HoursError saying that the setting is missing."""
    if not isinstance(mapping, Mapping):
        raise HoursError(f"must be a mapping, not {mapping!r}", path)
    if key not in mapping:
        raise HoursError("is missing", (*path, key))
    return mapping[key]


def _office_schedule(config: Mapping[str, Any]) -> Schedule:
    """The office_hours schedule."""
    return cached_schedule(_required(config, "office_hours", ()), ("office_hours",))


@dataclass(frozen=True)
class Contact:
    """Someone a caller can be told about or put through to."""

    key: str
    name: str
    number: str
    dial: bool = True  # False for numbers to read out but never connect to, like 101


def _contact_entry(config: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The raw contacts[key] mapping, or a KeyError listing the contacts there are."""
    contacts = _required(config, "contacts", ())
    if not isinstance(contacts, Mapping):
        raise HoursError(
            f"must be a mapping of contact names to contacts, not {contacts!r}", ("contacts",)
        )
    if key not in contacts:
        known = ", ".join(sorted(map(str, contacts))) or "none"
        raise KeyError(f"no contact {key!r} under contacts in the config (there are: {known})")
    entry = contacts[key]
    if not isinstance(entry, Mapping):
        raise HoursError(
            f"must be a mapping with name and number, not {entry!r}", ("contacts", key)
        )
    return entry


def contact(config: Mapping[str, Any], key: str) -> Contact:
    """The contact called `key` in config["contacts"], checked."""
    entry = _contact_entry(config, key)
    path = ("contacts", key)
    name, number = _required(entry, "name", path), _required(entry, "number", path)
    for setting, value in (("name", name), ("number", number)):
        if not isinstance(value, str) or not value:
            raise HoursError(f"must be text in quotes, not {value!r}", (*path, setting))
    dial = entry.get("dial", True)
    if not isinstance(dial, bool):
        raise HoursError(f"must be true or false, not {dial!r}", (*path, "dial"))
    return Contact(key=key, name=name, number=number, dial=dial)


def office_schedule(config: Mapping[str, Any]) -> Schedule:
    """The office hours, checked: what a line fixed for its life can keep."""
    return _office_schedule(config)


def office_open(config: Mapping[str, Any], at: datetime) -> bool:
    """Whether `at` is in office hours, counting bank holidays and closed dates."""
    return _office_schedule(config).is_open(at)


def duty_key(config: Mapping[str, Any], in_hours: bool, *, adults: bool = False) -> str:
    """The contact on duty in office hours (duty.in_hours) or out of them (duty.out_of_hours);
    for an adult at risk, duty.adults_in_hours and duty.adults_out_of_hours."""
    which = "in_hours" if in_hours else "out_of_hours"
    if adults:
        which = f"adults_{which}"
    return str(_required(_required(config, "duty", ()), which, ("duty",)))


def duty_now(config: Mapping[str, Any], at: datetime, *, adults: bool = False) -> Contact:
    """The contact answering at `at`: duty.in_hours in office hours, else duty.out_of_hours;
    for an adult at risk, duty.adults_in_hours and duty.adults_out_of_hours."""
    return contact(config, duty_key(config, office_open(config, at), adults=adults))


def contact_schedule(config: Mapping[str, Any], key: str) -> Schedule | None:
    """A contact's own hours, checked; None for a contact without hours, which never closes."""
    entry = _contact_entry(config, key)
    if "hours" not in entry:
        return None
    default_timezone = _office_schedule(config).timezone.key
    return cached_schedule(
        entry["hours"], ("contacts", key, "hours"), default_timezone=default_timezone
    )


def contact_open(config: Mapping[str, Any], key: str, at: datetime) -> bool:
    """Whether a contact is open at `at` by its own hours; one without hours never closes."""
    require_aware(at)
    schedule = contact_schedule(config, key)
    return schedule is None or schedule.is_open(at)
