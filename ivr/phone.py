"""A phone in the terminal: plays a voice application's TwiML the way Twilio would.

``ivr call`` uses it so a person can ring the line from a terminal, and the tests use it to
drive whole calls through real, signed HTTP requests without Twilio.
"""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, Protocol
from urllib.parse import urljoin, urlsplit

import flask
import requests
from phonenumbers import PhoneNumberType
from twilio.request_validator import RequestValidator

from ivr.line import example_number

DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
GATHER_PROMPT = "keys or words (Enter = silence, h = hang up)> "
DIAL_PROMPT = "[c]ompleted [b]usy [n]o-answer [f]ailed c[a]nceled [h]ang up> "
TWILIO_TIMEOUT_SECONDS = 15
DIALLED_CALL_SECONDS = 42

_KEYS = re.compile(r"[0-9*#]+")
_XML_TYPES = frozenset({"text/xml", "application/xml"})
_PROMPTS = frozenset({"Say", "Play", "Pause"})
_DIAL_CHOICES: dict[str, str | None] = {
    "": "completed",
    "c": "completed",
    "b": "busy",
    "n": "no-answer",
    "f": "failed",
    "a": "canceled",
    "h": None,
}
# Twilio's error codes for a document it could not fetch, read as TwiML, or parse.
_HTTP_RETRIEVAL_FAILURE = "11200"
_INVALID_CONTENT_TYPE = "12300"
_DOCUMENT_PARSE_FAILURE = "12100"


@dataclass(frozen=True)
class Reply:
    """What a server answered, reduced to the parts Twilio looks at."""

    status: int
    content_type: str
    body: str


class Transport(Protocol):
    """How a request reaches the application: over the network or in-process."""

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Reply: ...


class HttpTransport:
    """Real HTTP; an unreachable server reads as 502 so the call takes Twilio's error path."""

    def __init__(self, session: requests.Session | None = None) -> None:
        self._session = session or requests.Session()
        self._owns_session = session is None

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Reply:
        """POST form-encoded params with Twilio's 15 s timeout."""
        try:
            response = self._session.post(
                url, data=params, headers=headers, timeout=TWILIO_TIMEOUT_SECONDS
            )
        except requests.RequestException as exc:
            return Reply(502, "text/plain", f"could not reach {url}: {exc}")
        return Reply(response.status_code, response.headers.get("Content-Type", ""), response.text)

    def close(self) -> None:
        """Close the session if this transport made it, so no socket is left open."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class FlaskTransport:
    """In-process requests to a Flask app, so tests need no server yet sign the real URL."""

    def __init__(self, app: flask.Flask) -> None:
        self._client = app.test_client()

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Reply:
        """Post to the URL's path and query, on the URL's own scheme and host."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        response = self._client.post(
            target, base_url=f"{parts.scheme}://{parts.netloc}", data=params, headers=headers
        )
        return Reply(
            response.status_code,
            response.headers.get("Content-Type", ""),
            response.get_data(as_text=True),
        )


@dataclass
class Event:
    """One thing that happened on the call, in the order it happened."""

    kind: str
    text: str = ""
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class CallLog:
    """Everything a call did, for people to read and tests to assert on."""

    call_sid: str
    events: list[Event]
    ended_by: str

    def said(self) -> list[str]:
        """Every Say text, in order."""
        return [event.text for event in self.events if event.kind == "say"]

    def heard(self) -> str:
        """All Say texts as one string, for ``in`` assertions."""
        return " ".join(self.said())

    def requests(self) -> list[Event]:
        """Every request the phone made, status callback included."""
        return [event for event in self.events if event.kind == "request"]


@dataclass(frozen=True)
class GatherSpec:
    """What a <Gather> asks for, with Twilio's defaults filled in."""

    input: str
    num_digits: int | None
    timeout: int
    action: str
    method: str
    hints: str
    language: str


class Answerer(Protocol):
    """Whoever is holding the phone."""

    def say(self, text: str) -> None: ...

    def gather(self, gather: GatherSpec) -> str | None: ...

    def dial(self, number: str) -> str | None: ...


class ScriptedAnswerer:
    """Answers from a fixed script, as in ``ivr call --keys 2,1,,h``."""

    def __init__(self, entries: Sequence[str]) -> None:
        self._entries = deque(entries)

    @property
    def remaining(self) -> list[str]:
        """Entries not used yet, so a test can check its script was played out."""
        return list(self._entries)

    def say(self, text: str) -> None:
        """A script does not listen."""

    def gather(self, gather: GatherSpec) -> str | None:
        """Take the next entry; "h" or no entries left hangs up."""
        if not self._entries:
            return None
        if self._entries[0] in DIAL_STATUSES:
            raise ValueError(
                f"script has dial status {self._entries[0]!r} next but the line asked for input"
            )
        entry = self._entries.popleft()
        return None if entry == "h" else entry

    def dial(self, number: str) -> str:
        """Take the next entry if it is a dial status; otherwise the callee answers."""
        if self._entries and self._entries[0] in DIAL_STATUSES:
            return self._entries.popleft()
        return "completed"


class ConsoleAnswerer:
    """A person at the terminal: prints what is said and reads what they do."""

    def __init__(
        self, read: Callable[[str], str] = input, write: Callable[[str], None] = print
    ) -> None:
        self._read = read
        self._write = write

    def say(self, text: str) -> None:
        """Show the words the caller would hear."""
        self._write(text)

    def gather(self, gather: GatherSpec) -> str | None:
        """Read keys or words; Enter is silence, "h" or end of input hangs up."""
        answer = self._ask(GATHER_PROMPT)
        if answer is None or answer.lower() == "h":
            return None
        return answer

    def dial(self, number: str) -> str | None:
        """Ask how the transfer went until the answer is one of the choices."""
        self._write(f"Transferring to {number}")
        while True:
            choice = self._ask(DIAL_PROMPT)
            if choice is None:
                return None
            if choice.lower() in _DIAL_CHOICES:
                return _DIAL_CHOICES[choice.lower()]
            self._write("Please type c, b, n, f, a or h (Enter = completed).")

    def _ask(self, prompt: str) -> str | None:
        try:
            return self._read(prompt).strip()
        except EOFError:
            return None


class _CallEnded(Exception):
    """Unwinds the interpreter from wherever the call stops."""

    def __init__(self, ended_by: str) -> None:
        super().__init__(ended_by)
        self.ended_by = ended_by


class _BadDocument(Exception):
    """An answer Twilio would refuse, with the error code it would report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class _Document:
    """A TwiML document and the URL its relative URLs resolve against."""

    url: str
    verbs: list[ET.Element]


_Handler = Callable[[ET.Element, str], "_Document | None"]


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
        self._transport = transport
        self._url = url
        self._validator = RequestValidator(auth_token)
        self._answerer = answerer
        # Numbers that belong to no one, unless the call says whose phone it is.
        self._caller = caller or example_number()
        self._to = to or example_number(PhoneNumberType.FIXED_LINE)
        self._call_sid = call_sid or _sid("CA")
        self._account_sid = _sid("AC")
        self._status_url = status_url or urljoin(url, "/voice/status")
        self._fallback_url = fallback_url
        self._max_requests = max_requests
        self._verbs: dict[str, _Handler] = {
            "Say": self._say,
            "Play": self._play,
            "Pause": self._pause,
            "Gather": self._gather,
            "Dial": self._dial,
            "Redirect": self._redirect,
            "Hangup": self._hangup,
            "Reject": self._hangup,
        }
        self._reset()

    def call(self) -> CallLog:
        """Make one call from start to hang-up; each call starts afresh with the same CallSid."""
        self._reset()
        ended_by = self._run()
        if self._answered:
            self._request(
                self._status_url,
                self._params({"CallStatus": "completed", "CallDuration": str(self._seconds)}),
                counted=False,
            )
        return CallLog(self._call_sid, self._events, ended_by)

    def _reset(self) -> None:
        self._events: list[Event] = []
        self._requests_made = 0
        self._answered = False
        self._seconds = 0

    def _run(self) -> str:
        try:
            document = self._fetch(self._url, {})
            while True:
                document = self._execute(document)
        except _CallEnded as ended:
            return ended.ended_by

    def _execute(self, document: _Document) -> _Document:
        """Run verbs in order until one moves the call to another document."""
        for verb in document.verbs:
            handler = self._verbs.get(verb.tag)
            if handler is None:
                self._events.append(Event("error", f"unsupported verb <{verb.tag}> skipped"))
                continue
            following = handler(verb, document.url)
            if following is not None:
                return following
        raise _CallEnded("end")

    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        return {
            "CallSid": self._call_sid,
            "AccountSid": self._account_sid,
            "From": self._caller,
            "To": self._to,
            "CallStatus": "ringing" if self._requests_made == 0 else "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        } | extra

    def _request(self, url: str, params: dict[str, str], *, counted: bool = True) -> Reply:
        """Sign and send one request; counted ones stop the call at the limit."""
        if counted:
            if self._requests_made >= self._max_requests:
                self._events.append(Event("error", f"stopped after {self._max_requests} requests"))
                raise _CallEnded("limit")
            self._requests_made += 1
        signature = self._validator.compute_signature(url, params)
        reply = self._transport.post(url, params, {"X-Twilio-Signature": signature})
        self._events.append(Event("request", attrs={"url": url, "status": str(reply.status)}))
        return reply

    def _fetch(self, url: str, extra: dict[str, str]) -> _Document:
        """Get the next document, falling back the way Twilio does when the app errs."""
        params = self._params(extra)
        try:
            return self._load(url, params)
        except _BadDocument as error:
            failure = error
        if self._fallback_url is None:
            raise _CallEnded("error") from failure
        try:
            return self._load(
                self._fallback_url, params | {"ErrorCode": failure.code, "ErrorUrl": url}
            )
        except _BadDocument as error:
            raise _CallEnded("error") from error

    def _load(self, url: str, params: dict[str, str]) -> _Document:
        reply = self._request(url, params)
        try:
            root = _parse_twiml(reply)
        except _BadDocument as error:
            self._events.append(
                Event("error", str(error), {"url": url, "status": str(reply.status)})
            )
            raise
        self._answered = True
        return _Document(url, list(root))

    def _say(self, verb: ET.Element, _url: str) -> None:
        text = " ".join("".join(verb.itertext()).split())
        self._events.append(Event("say", text, dict(verb.attrib)))
        self._seconds += 2
        self._answerer.say(text)

    def _play(self, verb: ET.Element, _url: str) -> None:
        self._events.append(Event("play", _text(verb), dict(verb.attrib)))
        self._seconds += 5

    def _pause(self, verb: ET.Element, _url: str) -> None:
        self._events.append(Event("pause", attrs=dict(verb.attrib)))
        self._seconds += _int(verb.get("length")) or 1

    def _gather(self, verb: ET.Element, url: str) -> _Document | None:
        spec = _gather_spec(verb, url)
        self._events.append(Event("gather", attrs=dict(verb.attrib)))
        for prompt in verb:
            if prompt.tag in _PROMPTS:
                self._verbs[prompt.tag](prompt, url)
            else:
                self._events.append(Event("error", f"<{prompt.tag}> inside <Gather> skipped"))
        answer = self._answerer.gather(spec)
        if answer is None:
            self._events.append(Event("answer", "hangup"))
            self._end_by_caller()
        result = _gather_result(answer, spec, verb.get("finishOnKey", "#"))
        self._events.append(Event("answer", answer, result))
        if result or verb.get("actionOnEmptyResult", "").lower() == "true":
            return self._fetch(spec.action, result)
        self._seconds += spec.timeout
        return None

    def _dial(self, verb: ET.Element, url: str) -> _Document | None:
        number = _dial_target(verb)
        action = urljoin(url, verb.attrib["action"]) if verb.get("action") else None
        status = self._answerer.dial(number)
        self._events.append(
            Event("dial", number, dict(verb.attrib) | {"status": status or "canceled"})
        )
        if status is None:
            if action:
                hung_up = {"CallStatus": "completed", "DialCallStatus": "canceled"}
                self._request(action, self._params(hung_up | {"DialCallDuration": "0"}))
            self._end_by_caller()
        duration = DIALLED_CALL_SECONDS if status == "completed" else 0
        self._seconds += duration
        if action is None:
            return None
        return self._fetch(action, {"DialCallStatus": status, "DialCallDuration": str(duration)})

    def _redirect(self, verb: ET.Element, url: str) -> _Document:
        return self._fetch(urljoin(url, _text(verb)), {})

    def _hangup(self, verb: ET.Element, _url: str) -> NoReturn:
        self._events.append(Event("hangup", "line", dict(verb.attrib)))
        raise _CallEnded("line")

    def _end_by_caller(self) -> NoReturn:
        self._events.append(Event("hangup", "caller"))
        raise _CallEnded("caller")


def _sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def _text(element: ET.Element) -> str:
    return (element.text or "").strip()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _parse_twiml(reply: Reply) -> ET.Element:
    """The <Response> root, or _BadDocument for anything Twilio would refuse."""
    if reply.status != 200:
        raise _BadDocument(_HTTP_RETRIEVAL_FAILURE, f"HTTP {reply.status} instead of 200")
    mimetype = reply.content_type.split(";")[0].strip().lower()
    if mimetype not in _XML_TYPES and not mimetype.endswith("+xml"):
        raise _BadDocument(_INVALID_CONTENT_TYPE, f"content type {mimetype!r} is not XML")
    try:
        root = ET.fromstring(reply.body)
    except ET.ParseError as exc:
        raise _BadDocument(_DOCUMENT_PARSE_FAILURE, f"XML does not parse: {exc}") from exc
    if root.tag != "Response":
        raise _BadDocument(_DOCUMENT_PARSE_FAILURE, f"root is <{root.tag}>, not <Response>")
    return root


def _gather_spec(verb: ET.Element, url: str) -> GatherSpec:
    timeout = _int(verb.get("timeout"))
    return GatherSpec(
        input=verb.get("input", "dtmf"),
        num_digits=_int(verb.get("numDigits")),
        timeout=5 if timeout is None else timeout,
        action=urljoin(url, verb.get("action", "")),
        method=verb.get("method", "POST").upper(),
        hints=verb.get("hints", ""),
        language=verb.get("language", "en-US"),
    )


def _gather_result(answer: str, spec: GatherSpec, finish_on_key: str) -> dict[str, str]:
    """The params Twilio would post for an answer; empty when it counts as silence."""
    inputs = spec.input.lower().split()
    if _KEYS.fullmatch(answer):
        digits = _collect_digits(answer, spec.num_digits, finish_on_key)
        return {"Digits": digits} if digits and "dtmf" in inputs else {}
    if answer and "speech" in inputs:
        return {"SpeechResult": answer, "Confidence": "0.9"}
    return {}


def _collect_digits(keys: str, num_digits: int | None, finish_on_key: str) -> str:
    """Keys up to finishOnKey or numDigits, whichever comes first, as Twilio collects them."""
    digits = ""
    for key in keys:
        if key == finish_on_key:
            break
        digits += key
        if len(digits) == num_digits:
            break
    return digits


def _dial_target(verb: ET.Element) -> str:
    """The nested noun's text (<Number>, <Client>...), else the Dial's own text."""
    nouns = list(verb)
    return _text(nouns[0]) if nouns else _text(verb)
