"""The verbs that need no answer from the caller: what they hear, redirects and hang-ups.

Each handler takes the call, the verb and the document's URL, and returns the next document
when the verb moves the call on, or None to carry on with the next verb.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import NoReturn
from urllib.parse import urljoin

from ivr.phone.call import Call, CallEnded
from ivr.phone.document import Document, int_attr, text_of
from ivr.phone.log import Event

Handler = Callable[[Call, ET.Element, str], Document | None]


def say(call: Call, verb: ET.Element, _url: str) -> None:
    """Speak the text, whitespace collapsed as text-to-speech would read it."""
    text = " ".join("".join(verb.itertext()).split())
    call.events.append(Event("say", text, dict(verb.attrib)))
    call.seconds += 2
    call.answerer.say(text)


def play(call: Call, verb: ET.Element, _url: str) -> None:
    """Note the audio played; the terminal cannot play it."""
    call.events.append(Event("play", text_of(verb), dict(verb.attrib)))
    call.seconds += 5


def pause(call: Call, verb: ET.Element, _url: str) -> None:
    """Wait the pause's length, one second unless it says otherwise."""
    call.events.append(Event("pause", attrs=dict(verb.attrib)))
    call.seconds += int_attr(verb.get("length")) or 1


def redirect(call: Call, verb: ET.Element, url: str) -> Document:
    """Fetch the document the redirect names, relative to this one."""
    return call.fetch(urljoin(url, text_of(verb)), {})


def hangup(call: Call, verb: ET.Element, _url: str) -> NoReturn:
    """The line ends the call (<Hangup> and <Reject> alike)."""
    call.events.append(Event("hangup", "line", dict(verb.attrib)))
    raise CallEnded("line")


# What may be played inside a <Gather> while it listens.
PROMPTS: dict[str, Handler] = {"Say": say, "Play": play, "Pause": pause}
