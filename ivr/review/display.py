"""Template filters for reading a record: dates with the year in office time, ages, numbers.

Dates are shown as "Wed 25 Nov 2026, 11:04" in the office's zone (config), with how long ago,
so a Monday's reader never mistakes last December for this one.
"""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from markupsafe import Markup, escape

from ivr.flow import rang_for
from ivr.known import known_line
from ivr.review import words
from ivr.review.blueprint import bp
from ivr.review.local import now, zone
from ivr.review.placeholders import written_number

WHEN = "%a %-d %b %Y, %H:%M"


@bp.app_template_filter("when")
def when(moment: datetime | None, pattern: str = WHEN) -> str:
    """A time in the office's zone, with the year."""
    return "" if moment is None else moment.astimezone(zone()).strftime(pattern)


@bp.app_template_filter("age")
def age(moment: datetime | None) -> str:
    """How long ago, in the largest whole unit: "just now", "5 minutes", "3 hours", "2 days"."""
    if moment is None:
        return ""
    seconds = max(int((now() - moment).total_seconds()), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "under a minute"


@bp.app_template_filter("ago")
def ago(moment: datetime | None) -> str:
    text = age(moment)
    return "" if not text else text if text == "under a minute" else f"{text} ago"


@bp.app_template_filter("dialled")
def dialled(number: str | None) -> Markup:
    """The caller's whole number as one would dial it, as a tel: link phones and softphones ring."""
    if not number:
        return Markup("(withheld)")
    try:
        parsed = phonenumbers.parse(number, "GB")
        target = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        target = number
    shown = written_number(number)
    return Markup(
        f'<a class="govuk-link number revealed" href="tel:{escape(target)}">{escape(shown)}</a>'
    )


@bp.app_template_filter("outcome_words")
def outcome_words(call: object) -> str:
    return words.outcome(
        getattr(call, "outcome", None), getattr(call, "reason", None), getattr(call, "status", "")
    )


@bp.app_template_filter("why_they_rang")
def why_they_rang(call: object) -> str:
    """As the call-back request told the team (ivr.flow.rang_for)."""
    outcome, reason = rang_for(
        getattr(call, "outcome", None),
        getattr(call, "reason", None),
        getattr(call, "transfer_reason", None),
    )
    return words.outcome(outcome, reason, getattr(call, "status", ""))


@bp.app_template_filter("transfer_words")
def transfer_words(call: object) -> str:
    line = known_line()
    return words.transfer(
        line, getattr(call, "transfer_to", None), getattr(call, "transfer_status", None)
    )


@bp.app_template_filter("team")
def team(key: str | None, starts: bool = True) -> str:
    return words.team(known_line(), key, starts=starts)


@bp.app_template_filter("phrase")
def phrase(name: str | None) -> str:
    return words.humanise(name)
