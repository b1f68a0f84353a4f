"""A TwiML document as Twilio reads it: refused unless it is a 200 with an XML <Response>.

The error codes are Twilio's, because the fallback URL receives them as ErrorCode.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ivr.phone.transport import Reply

# Twilio's error codes for a document it could not fetch, read as TwiML, or parse.
_HTTP_RETRIEVAL_FAILURE = "11200"
_INVALID_CONTENT_TYPE = "12300"
_DOCUMENT_PARSE_FAILURE = "12100"
_XML_TYPES = frozenset({"text/xml", "application/xml"})


class BadDocument(Exception):
    """An answer Twilio would refuse, with the error code it would report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Document:
    """A TwiML document and the URL its relative URLs resolve against."""

    url: str
    verbs: list[ET.Element]


def parse_twiml(reply: Reply) -> ET.Element:
    """The <Response> root, or BadDocument for anything Twilio would refuse."""
    if reply.status != 200:
        raise BadDocument(_HTTP_RETRIEVAL_FAILURE, f"HTTP {reply.status} instead of 200")
    mimetype = reply.content_type.split(";")[0].strip().lower()
    if mimetype not in _XML_TYPES and not mimetype.endswith("+xml"):
        raise BadDocument(_INVALID_CONTENT_TYPE, f"content type {mimetype!r} is not XML")
    try:
        root = ET.fromstring(reply.body)
    except ET.ParseError as exc:
        raise BadDocument(_DOCUMENT_PARSE_FAILURE, f"XML does not parse: {exc}") from exc
    if root.tag != "Response":
        raise BadDocument(_DOCUMENT_PARSE_FAILURE, f"root is <{root.tag}>, not <Response>")
    return root


def text_of(element: ET.Element) -> str:
    """An element's own text, trimmed; TwiML nouns and URLs are written this way."""
    return (element.text or "").strip()


def int_attr(value: str | None) -> int | None:
    """An attribute as a number, or None when missing or not a number, as Twilio ignores it."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
