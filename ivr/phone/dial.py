"""<Dial>: the transfer to a person, and what Twilio posts to the action URL afterwards.

The answerer decides how the transfer went; a caller who hangs up mid-transfer still gets the
action request Twilio would send, so the line can record the outcome. When the person answers,
a <Number url> is fetched first, as Twilio does, and its words are what they hear (the whisper).
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from ivr.phone.call import Call
from ivr.phone.document import BadDocument, Document, parse_twiml, text_of
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
    if status == "completed":
        _whisper(call, verb, url)
    duration = DIALLED_CALL_SECONDS if status == "completed" else 0
    call.seconds += duration
    if action is None:
        return None
    return call.fetch(action, {"DialCallStatus": status, "DialCallDuration": str(duration)})


def _dial_target(verb: ET.Element) -> str:
    """The nested noun's text (<Number>, <Client>...), else the Dial's own text."""
    nouns = list(verb)
    return text_of(nouns[0]) if nouns else text_of(verb)


def _whisper(call: Call, verb: ET.Element, url: str) -> None:
    """Fetch a <Number url> for the answering leg, as Twilio does, and log what it says."""
    nouns = [noun for noun in verb if noun.get("url")]
    if not nouns:
        return
    whisper_url = urljoin(url, nouns[0].attrib["url"])
    # Twilio posts the answering leg's own call, naming the caller's as its parent.
    leg = {"CallSid": "CA" + secrets.token_hex(16), "ParentCallSid": call.params({})["CallSid"]}
    reply = call.request(whisper_url, call.params(leg | {"Direction": "outbound-dial"}))
    try:
        root = parse_twiml(reply)
    except BadDocument as error:
        call.events.append(Event("error", f"whisper: {error}", {"url": whisper_url}))
        return
    for say in root.iter("Say"):
        call.events.append(Event("whisper", " ".join("".join(say.itertext()).split())))
