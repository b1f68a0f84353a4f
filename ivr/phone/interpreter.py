"""The phone itself: rings the line and plays its TwiML, verb by verb, until the call ends.

It makes each request the way Twilio would (signed, with the call's parameters) and sends the
status callback once the call is over, so a whole call can be checked without Twilio.
"""

from __future__ import annotations

import secrets
from urllib.parse import urljoin

from phonenumbers import PhoneNumberType
from twilio.request_validator import RequestValidator

from ivr.line import example_number
from ivr.phone.answerers import Answerer
from ivr.phone.call import Call, CallEnded, Connection
from ivr.phone.dial import dial
from ivr.phone.document import Document
from ivr.phone.gather import gather
from ivr.phone.log import CallLog, Event
from ivr.phone.transport import Transport
from ivr.phone.verbs import PROMPTS, Handler, hangup, redirect

_VERBS: dict[str, Handler] = PROMPTS | {
    "Gather": gather,
    "Dial": dial,
    "Redirect": redirect,
    "Hangup": hangup,
    "Reject": hangup,
}


class Phone:
    """Rings a voice application and plays its TwiML until someone hangs up."""

    def __init__(
        self,
        transport: Transport,
        url: str,
        auth_token: str,
        answerer: Answerer,
        *,
        caller: str | None = None,
        to: str | None = None,
        call_sid: str | None = None,
        status_url: str | None = None,
        fallback_url: str | None = None,
        max_requests: int = 200,
    ) -> None:
        self._url = url
        self._status_url = status_url or urljoin(url, "/voice/status")
        self._connection = Connection(
            transport=transport,
            validator=RequestValidator(auth_token),
            answerer=answerer,
            call_sid=call_sid or _sid("CA"),
            account_sid=_sid("AC"),
            # Numbers that belong to no one, unless the call says whose phone it is.
            caller=caller or example_number(),
            to=to or example_number(PhoneNumberType.FIXED_LINE),
            fallback_url=fallback_url,
            max_requests=max_requests,
        )

    def call(self) -> CallLog:
        """Make one call from start to hang-up; each call starts afresh with the same CallSid."""
        call = Call(self._connection)
        ended_by = self._run(call)
        if call.answered:
            call.request(
                self._status_url,
                call.params({"CallStatus": "completed", "CallDuration": str(call.seconds)}),
                counted=False,
            )
        return CallLog(self._connection.call_sid, call.events, ended_by)

    def _run(self, call: Call) -> str:
        try:
            document = call.fetch(self._url, {})
            while True:
                document = _execute(call, document)
        except CallEnded as ended:
            return ended.ended_by


def _execute(call: Call, document: Document) -> Document:
    """Run verbs in order until one moves the call to another document."""
    for verb in document.verbs:
        handler = _VERBS.get(verb.tag)
        if handler is None:
            call.events.append(Event("error", f"unsupported verb <{verb.tag}> skipped"))
            continue
        following = handler(call, verb, document.url)
        if following is not None:
            return following
    raise CallEnded("end")


def _sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)
