"""TwiML as text, written straight from twilio's own verb objects: the bytes `str(response)` gives.

twilio's `VoiceResponse` still builds every document (its verbs, nouns, attribute names and
values); only its last step is replaced, where twilio copies the document into an ElementTree
and ElementTree serialises the copy, which costs more than building it. The walk below writes
the same text: attributes sorted, ElementTree's escaping, `<Hangup />` for an empty element.
tests/test_twiml.py checks it against `str()` for every state of the flow and for any text.
"""

from __future__ import annotations

import json

from twilio.twiml import TwiML

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def to_text(response: TwiML) -> str:
    """The document with its XML declaration, as `str(response)` writes it."""
    parts = [DECLARATION]
    _write(response, parts)
    return "".join(parts)


def _write(node: TwiML, parts: list[str]) -> None:
    """One element, in the order and with the text and tails twilio's `TwiML.xml` gives it."""
    text = node.value
    if isinstance(text, dict):
        text = json.dumps(text)
    children: list[tuple[TwiML, str | None]] = []
    for verb in node.verbs:
        if not isinstance(verb, str):
            children.append((verb, None))
        elif children:
            children[-1] = (children[-1][0], verb)
        else:
            text = verb
    parts.append("<" + node.name)
    for name in sorted(node.attrs):
        value = node.attrs[name]
        value = str(value).lower() if isinstance(value, bool) else str(value)
        parts.append(f' {name}="{_attribute(value)}"')
    if not text and not children:
        parts.append(" />")
        return
    parts.append(">")
    if text:
        parts.append(_character_data(text))
    for child, tail in children:
        _write(child, parts)
        if tail:
            parts.append(_character_data(tail))
    parts.append(f"</{node.name}>")


def _character_data(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(text: str) -> str:
    return (
        _character_data(text)
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#09;")
    )
