"""Real parts for call-back tests: a stand-in for Twilio's Messages API, a real SMTP server.

The Twilio stand-in answers as Twilio does: 201 with the message's JSON, or 4xx/5xx with
Twilio's error body; a test scripts its next answers and reads what was sent. The mail server
is aiosmtpd with STARTTLS and a login, on a certificate made for the test.
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import TOKEN
from tests.servers import free_port

ACCOUNT_SID = "AC" + "0" * 31 + "1"
SMTP_USER, SMTP_PASSWORD = "line", "mail-password-for-tests"
TWILIO_ERRORS = {
    400: (21211, "The 'To' number is not a valid phone number."),
    401: (20003, "Authenticate"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


@dataclass
class Text:
    """One text message Twilio accepted."""

    to: str
    sender: str
    body: str
    sid: str


@dataclass
class FakeTwilio:
    """Twilio's Messages resource on 127.0.0.1; `answers` queues the statuses to answer next."""

    port: int = field(default_factory=free_port)
    texts: list[Text] = field(default_factory=list)
    answers: deque[int] = field(default_factory=deque)
    requests: int = 0  # counted as they arrive, before any delay
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, status: int, times: int = 1) -> None:
        self.answers.extend([status] * times)

    def answer(self, path: str, auth: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            status = self.answers.popleft() if self.answers else 201
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{TOKEN}".encode()).decode()
        if path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json" or auth != expected:
            status = 401
        if status != 201:
            code, text = TWILIO_ERRORS[status]
            text = text.replace("The 'To' number", f"The 'To' number {form.get('To', '')}")
            more = f"https://www.twilio.com/docs/errors/{code}"
            return status, {"code": code, "message": text, "more_info": more, "status": status}
        sid = "SM" + secrets.token_hex(16)
        with self.lock:
            self.texts.append(Text(form["To"], form["From"], form["Body"], sid))
        return 201, message_json(sid, form)


def message_json(sid: str, form: dict[str, str]) -> dict[str, Any]:
    uri = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": form["Body"],
        "date_created": "Wed, 25 Nov 2026 11:00:00 +0000",
        "date_sent": None,
        "date_updated": "Wed, 25 Nov 2026 11:00:00 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form["From"],
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "GBP",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        "to": form["To"],
        "uri": uri,
    }


class TwilioHandler(BaseHTTPRequestHandler):
    fake: FakeTwilio

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        with self.fake.lock:
            self.fake.requests += 1
        if self.fake.delay:
            time.sleep(self.fake.delay)
        status, body = self.fake.answer(self.path, self.headers.get("Authorization", ""), form)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        return


class TwilioServer:
    def __init__(self, fake: FakeTwilio) -> None:
        handler = type("Handler", (TwilioHandler,), {"fake": fake})
        self.server = ThreadingHTTPServer(("127.0.0.1", fake.port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TwilioServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with openssl for this test run."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Mailbox:
    """What the mail server accepted, whole."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        # A reply such as "550 5.1.1 No such mailbox", to refuse every mail for good.
        self.refusing: str | None = None

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.refusing:
            return self.refusing
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.mails.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


def authenticate(_server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> Any:
    good = (
        isinstance(data, LoginPassword)
        and data.login == SMTP_USER.encode()
        and data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=good, handled=False)


class MailServer:
    """aiosmtpd requiring STARTTLS and a login; `stop` and `start` as an outage would."""

    def __init__(self, tls: Any, port: int | None = None) -> None:
        self.tls = tls
        self.port = port or free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(
            self.mailbox,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self.tls,
            require_starttls=True,
            authenticator=authenticate,
            auth_required=True,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
