"""The answer that needs nothing but the clock and the config: 999, then the duty team.

Given by `/voice/fallback` and whenever a voice webhook fails, so a caller is never left with
"an application error has occurred".
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.line import Line, Words
from ivr.render import say


def safe_guidance(line: Line) -> VoiceResponse:
    """The 999 message, a transfer to whoever is on duty now, and the number if that fails."""
    now = line.clock()
    duty = line.duty_now(now)
    words = Words(line, now, transfer_name=duty.name)
    words["transfer_number"] = words["duty_number"]
    response = VoiceResponse()
    say(response, line, line.sentence("safe_guidance").format_map(words))
    response.dial(duty.number, timeout=line.config["menus"]["transfer_timeout_seconds"])
    # The Dial has no action (no database to report to), so these follow whether or not the
    # caller was put through: they must make sense both ways.
    for key in ("safe_if_not_connected", "other_options_police", "goodbye"):
        say(response, line, line.sentence(key).format_map(words))
    response.hangup()
    return response
