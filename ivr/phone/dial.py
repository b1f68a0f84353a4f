"""<Dial>: the transfer to a person, and what Twilio posts to the action URL afterwards.

The answerer decides how the transfer went; a caller who hangs up mid-transfer still gets the
action request Twilio would send, so the line can record the outcome.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from ivr.phone.call import Call
from ivr.phone.document import Document, text_of
from ivr.phone.log import Event

DIALLED_CALL_SECONDS = 42


def dial(call: Call, verb: ET.Element, url: str) -> Document | None:
    """Transfer the caller; with an action URL, fetch it with the dial's status and duration."""
    number = _dial_target(verb)
    action = urljoin(url, verb.attrib["action"]) if verb.get("action") else None
    status = call.answerer.dial(number)
    call.events.append(Event("dial", number, dict(verb.attrib) | {"status": status or "canceled"}))
    if status is None:
        if action:
            hung_up = {"CallStatus": "completed", "DialCallStatus": "canceled"}
            call.request(action, call.params(hung_up | {"DialCallDuration": "0"}))
        call.end_by_caller()
    duration = DIALLED_CALL_SECONDS if status == "completed" else 0
    call.seconds += duration
    if action is None:
        return None
    return call.fetch(action, {"DialCallStatus": status, "DialCallDuration": str(duration)})


def _dial_target(verb: ET.Element) -> str:
    """The nested noun's text (<Number>, <Client>...), else the Dial's own text."""
    nouns = list(verb)
    return text_of(nouns[0]) if nouns else text_of(verb)
