"""The answer that needs nothing but the clock and the config: 999, then the duty team.

Given by `/voice/fallback` and whenever a voice webhook fails, so a caller is never left with
"an application error has occurred". When the line's own config cannot give it (unreadable, or
hours that do not parse), the line last known to work gives it (an unreadable line carries the
one `ivr serve` checked), else the shipped defaults: they are inside the package and checked by
its tests, so this answer itself cannot fail.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from twilio.twiml.voice_response import VoiceResponse

from ivr import hours, spoken_hours
from ivr.config import DEFAULT_CONFIG, DEFAULT_PROMPTS_DIR, load_prompts, read_yaml
from ivr.line import Clock, Line, Words
from ivr.render import say

log = logging.getLogger(__name__)


def safe_guidance(line: Line) -> VoiceResponse:
    """The 999 message and a transfer to the duty team, from the line or else the defaults."""
    try:
        return guidance(line)
    except Exception:
        log.exception("the safe guidance could not be given from the config; using the defaults")
    last_known = getattr(line, "last_known", None)
    if last_known is not None:
        try:
            return guidance(last_known)
        except Exception:
            log.exception("the line last known to work could not give it either")
    return guidance(shipped_line(line.clock))


def guidance(line: Line) -> VoiceResponse:
    """The 999 message, a transfer to whoever is on duty now, and the number if that fails;
    and who answers once the office closes or opens later today, where that is another team:
    the transfer may ring on past the change and leave the caller with the number of a team
    gone off duty (the emergency duty service's at 08:59)."""
    now = line.clock()
    duty = line.duty_now(now)
    schedule = line.office_schedule()
    closes, opens = schedule.closes_at(now), schedule.opens_at(now)
    in_hours, out_of_hours = line.config["duty"]["in_hours"], line.config["duty"]["out_of_hours"]
    takes_over = closes is not None and duty.key != out_of_hours
    office_takes_over = opens is not None and duty.key != in_hours
    words = Words(line, now, transfer_name=duty.name)
    words["transfer_number"] = words["duty_number"]
    for name, minute in (("closes_at", closes), ("opens_at", opens)):
        if minute is not None:
            words[name] = spoken_hours.describe_time(minute, line.prompts["hours"])
    response = VoiceResponse()
    say(response, line, line.sentence("safe_guidance").format_map(words))
    response.dial(duty.number, timeout=line.config["menus"]["transfer_timeout_seconds"])
    # The Dial has no action (no database to report to), so these follow whether or not the
    # caller was put through: they must make sense both ways.
    keys = [
        "safe_if_not_connected",
        *(["safe_out_of_hours_from"] if takes_over else []),
        *(["safe_office_from"] if office_takes_over else []),
        "other_options_police",
        "goodbye",
    ]
    for key in keys:
        say(response, line, line.sentence(key).format_map(words))
    response.hangup()
    return response


def static_guidance(line: Line) -> VoiceResponse:
    """The guidance for a Twilio TwiML Bin, Twilio's fallback when the server cannot answer.

    `guidance` needs a running server to know who is on duty now; this one is written once
    (`ivr fallback-twiml`) and played by Twilio itself, so it dials no one and names the teams
    for children and for adults with their hours. Nor can it know today's date, so it says the
    days those hours are not kept, as the live line counts them: a caller on a bank holiday or
    a closed date is not told the front door is open. It is regenerated whenever the numbers,
    the hours, the closed dates or the words change.
    """
    now = line.clock()
    schedule = hours.office_schedule(line.config)
    today = now.astimezone(schedule.timezone).date()
    closed = spoken_hours.describe_closed(schedule, line.prompts["hours"], today)
    words = Words(line, now, closed_days=closed)
    response = VoiceResponse()
    for key in static_sentences(line, closed):
        say(response, line, line.sentence(key).format_map(words))
    response.hangup()
    return response


def static_sentences(line: Line, closed: str) -> list[str]:
    """What the static guidance says, in order: 999 first, then every team with its hours, the
    same team out of hours for children and adults said once."""
    one_team = line.adults_share_out_of_hours()
    return [
        "danger_999",
        "static_call_duty",
        "static_in_hours" if closed else "static_in_hours_no_closures",
        "static_adults_in_hours",
        *(
            ["static_out_of_hours"]
            if one_team
            else ["static_out_of_hours_children", "static_adults_out_of_hours"]
        ),
        "other_options_police",
        "goodbye",
    ]


@cache
def shipped_words() -> tuple[dict[str, Any], dict[str, Any]]:
    """The shipped config and prompts, read once per process."""
    return read_yaml(DEFAULT_CONFIG), load_prompts(DEFAULT_PROMPTS_DIR)


def shipped_line(clock: Clock) -> Line:
    config, prompts = shipped_words()
    return Line(config, prompts, clock)
