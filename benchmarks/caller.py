"""A lean Twilio stand-in for load: whole signed calls over keep-alive HTTP, cheap on the CPU.

The terminal phone (`ivr.phone`) interprets TwiML fully and is the right tool for tests, but
under load its own CPU shares the two cores with the server it measures and caps what a fast
server can show. This caller reads only what it needs from each answer (the next action, or
none for a hang-up), signs with twilio's own `RequestValidator`, and keeps its connection open
between requests when the server allows.
"""

from __future__ import annotations

import html
import http.client
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from ivr.phone import DIAL_STATUSES

TOKEN = "benchmark-token-not-a-secret"
CALLER = "+447911123456"
# Mostly real choices, some silence, "back", "again" and wrong keys, as people press them.
KEYS = ["1", "2", "3", "1", "2", "3", "0", "9", "*", "", "7"]
ACTION = re.compile(r'<(Gather|Dial)\b[^>]*?\baction="([^"]*)"')
REDIRECT = re.compile(r"<Redirect\b[^>]*>([^<]*)</Redirect>")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Tally:
    """What one process's callers saw: every webhook's latency, the calls made, the failures."""

    latencies: list[float] = field(default_factory=list)
    sids: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class Caller:
    """One caller ringing again and again, as one phone line of Twilio's would."""

    def __init__(self, port: int, rng: random.Random, think: float, tally: Tally) -> None:
        self._base = f"http://127.0.0.1:{port}"
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        self._validator = RequestValidator(TOKEN)
        self._rng = rng
        self._think = think
        self._tally = tally

    def close(self) -> None:
        self._connection.close()

    def _post(self, path: str, params: dict[str, str]) -> str:
        """One signed webhook; a failure counts, and reads as an empty answer (the call ends)."""
        headers = FORM | {
            "X-Twilio-Signature": self._validator.compute_signature(self._base + path, params)
        }
        started = time.perf_counter()
        try:
            self._connection.request("POST", path, urlencode(params), headers)
            response = self._connection.getresponse()
            body = response.read().decode()
        except (OSError, http.client.HTTPException) as error:
            self._connection.close()
            self._tally.failures.append(f"{type(error).__name__} from {path}")
            return ""
        self._tally.latencies.append(time.perf_counter() - started)
        if response.status not in (200, 204):
            self._tally.failures.append(f"{response.status} from {path}")
            return ""
        return body

    def call(self) -> None:
        """A whole call on a random path: answers, transfers, a hang-up, the status callback."""
        rng, sid = self._rng, "CA" + uuid.uuid4().hex
        params = {
            "CallSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": CALLER,
            "To": "+441189000000",
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        body = self._post("/voice/incoming", params)
        params["CallStatus"] = "in-progress"
        answers = rng.randint(2, 10)
        while (found := ACTION.search(body)) is not None:
            verb, action = found.group(1), html.unescape(found.group(2))
            if verb == "Dial":
                body = self._post(action, params | {"DialCallStatus": rng.choice(DIAL_STATUSES)})
                continue
            if answers == 0:
                break  # the caller hangs up
            answers -= 1
            if self._think:
                time.sleep(rng.uniform(0, 2 * self._think))
            key = rng.choice(KEYS)
            if key:
                body = self._post(action, params | {"Digits": key})
            else:  # silence: Twilio follows the <Redirect> after the <Gather>
                redirect = REDIRECT.search(body)
                body = self._post(html.unescape(redirect.group(1)) if redirect else action, params)
        closing = {"CallStatus": "completed", "CallDuration": str(rng.randint(5, 300))}
        self._post("/voice/status", params | closing)
        self._tally.sids.append(sid)
