"""One call in progress: signed requests to the application, Twilio's fallback, and the log.

The phone makes a fresh one for every call, so nothing from one call leaks into the next,
and the verb handlers all act on the call through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from twilio.request_validator import RequestValidator

from ivr.phone.answerers import Answerer
from ivr.phone.document import BadDocument, Document, parse_twiml
from ivr.phone.log import Event
from ivr.phone.transport import Reply, Transport


class CallEnded(Exception):
    """Unwinds the interpreter from wherever the call stops."""

    def __init__(self, ended_by: str) -> None:
        super().__init__(ended_by)
        self.ended_by = ended_by


@dataclass(frozen=True)
class Connection:
    """How a phone reaches the line and who it says is calling: the same for all its calls."""

    transport: Transport
    validator: RequestValidator
    answerer: Answerer
    call_sid: str
    account_sid: str
    caller: str
    to: str
    fallback_url: str | None
    max_requests: int


class Call:
    """One call's progress: the requests made, the seconds spent and everything that happened."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.answerer = connection.answerer
        self.events: list[Event] = []
        self.answered = False
        self.seconds = 0
        self._requests_made = 0

    def params(self, extra: dict[str, str]) -> dict[str, str]:
        """The parameters Twilio posts with every request, plus the verb's own."""
        return {
            "CallSid": self._connection.call_sid,
            "AccountSid": self._connection.account_sid,
            "From": self._connection.caller,
            "To": self._connection.to,
            "CallStatus": "ringing" if self._requests_made == 0 else "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        } | extra

    def request(self, url: str, params: dict[str, str], *, counted: bool = True) -> Reply:
        """Sign and send one request; counted ones stop the call at the limit."""
        limit = self._connection.max_requests
        if counted:
            if self._requests_made >= limit:
                self.events.append(Event("error", f"stopped after {limit} requests"))
                raise CallEnded("limit")
            self._requests_made += 1
        signature = self._connection.validator.compute_signature(url, params)
        reply = self._connection.transport.post(url, params, {"X-Twilio-Signature": signature})
        self.events.append(Event("request", attrs={"url": url, "status": str(reply.status)}))
        return reply

    def fetch(self, url: str, extra: dict[str, str]) -> Document:
        """Get the next document, falling back the way Twilio does when the app errs."""
        params = self.params(extra)
        try:
            return self._load(url, params)
        except BadDocument as error:
            failure = error
        fallback_url = self._connection.fallback_url
        if fallback_url is None:
            raise CallEnded("error") from failure
        try:
            return self._load(fallback_url, params | {"ErrorCode": failure.code, "ErrorUrl": url})
        except BadDocument as error:
            raise CallEnded("error") from error

    def end_by_caller(self) -> NoReturn:
        """The caller hung up: log it and stop the call."""
        self.events.append(Event("hangup", "caller"))
        raise CallEnded("caller")

    def _load(self, url: str, params: dict[str, str]) -> Document:
        reply = self.request(url, params)
        try:
            root = parse_twiml(reply)
        except BadDocument as error:
            self.events.append(
                Event("error", str(error), {"url": url, "status": str(reply.status)})
            )
            raise
        self.answered = True
        return Document(url, list(root))
