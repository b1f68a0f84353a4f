"""Times and numbers as supervisors read them: in the line's own time zone, numbers masked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

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
