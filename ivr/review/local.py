"""Times and numbers as supervisors read them: in the line's own time zone, numbers masked."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
from flask import current_app

from ivr.known import known_line
from ivr.review.blueprint import bp


def zone() -> ZoneInfo:
    """The office's time zone, from the line's configuration."""
    config = known_line().config
    return ZoneInfo(config.get("office_hours", {}).get("timezone", "Europe/London"))


def now() -> datetime:
    return current_app.config["CLOCK"]()


@bp.app_template_filter("local")
def local(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A UTC time shown in the office's zone."""
    return "" if moment is None else moment.astimezone(zone()).strftime(pattern)


@bp.app_template_filter("masked")
def masked(number: str | None) -> str:
    """Only the last three digits of a caller's number, until a supervisor asks to reveal it."""
    if not number:
        return "(withheld)"
    return "•" * max(len(number) - 3, 0) + number[-3:]


@bp.app_template_filter("screened")
def screened(text: str | None, number: str | None) -> str:
    """`text` with the caller's number masked wherever it is written in it, in any of the ways a
    provider writes one (E.164 with or without its +, or national with a space): Twilio's refusals
    quote the number, and the review area shows it in full only once revealed."""
    if not text or not number:
        return text or ""
    return _written(number).sub(masked(number), text)


def _written(number: str) -> re.Pattern[str]:
    """The caller's number as the digits of its national part, with or without the country's
    code or trunk 0 before them and spaces or dashes between; the raw text when it is no number."""
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return re.compile(re.escape(number))
    national = phonenumbers.national_significant_number(parsed)
    if not national:
        return re.compile(re.escape(number))
    gap = r"[\s.-]*"
    country = rf"(?:(?:\+|00){gap})?{parsed.country_code}{gap}(?:\(0\){gap})?"
    return re.compile(rf"(?<!\d)(?:{country}|0{gap})?" + gap.join(national) + r"(?!\d)")
