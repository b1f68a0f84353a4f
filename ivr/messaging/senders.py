"""Sending one message: a text through Twilio's Messages API, an e-mail over SMTP.

Each failure is sorted into one that may pass (the service is down, busy or unreachable: try
again later) and one that will not (the service refused this message: retrying would only
repeat the refusal), so the worker knows whether to back off or to give up and say why.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import SplitResult, unquote, urlsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

# Seconds to wait for Twilio or the mail server before counting it as unreachable.
TIMEOUT = 20
DEFAULT_TWILIO_API = "https://api.twilio.com"
SMTP_PORTS = {"smtp": 587, "smtps": 465}


class SendFailed(Exception):
    """The message was not sent; `permanent` when sending it again cannot help."""

    def __init__(self, why: str, *, permanent: bool) -> None:
        super().__init__(why)
        self.why = why[:500]
        self.permanent = permanent


@dataclass(frozen=True)
class Settings:
    """Where and as whom messages are sent, from the environment and config/."""

    account_sid: str | None
    auth_token: str | None
    api_url: str | None
    sms_from: str | None
    smtp_url: str | None
    email_from: str | None


def send_sms(settings: Settings, to: str, body: str) -> str:
    """Create the message on Twilio's Messages API; its SID, or why not."""
    if not settings.account_sid or not settings.auth_token:
        raise SendFailed("TWILIO_ACCOUNT_SID is not set", permanent=False)
    if not settings.sms_from:
        raise SendFailed("callbacks.sms_from is not set in the config", permanent=False)
    client = Client(
        settings.account_sid,
        settings.auth_token,
        http_client=TwilioHttpClient(timeout=TIMEOUT),
    )
    client.api.base_url = (settings.api_url or DEFAULT_TWILIO_API).rstrip("/")
    try:
        message = client.messages.create(to=to, from_=settings.sms_from, body=body)
    except TwilioRestException as error:
        code = f" (error {error.code})" if error.code else ""
        # 429 is Twilio asking us to slow down; every other 4xx refuses this message itself.
        permanent = 400 <= error.status < 500 and error.status != 429
        raise SendFailed(
            f"Twilio answered {error.status}{code}: {error.msg}", permanent=permanent
        ) from error
    except (requests.RequestException, TwilioException, OSError) as error:
        raise SendFailed(f"Twilio unreachable: {type(error).__name__}", permanent=False) from error
    return str(message.sid)


def send_email(settings: Settings, to: str, subject: str, body: str) -> str:
    """Hand the e-mail to the mail server, always encrypted; its Message-ID, or why not."""
    if not settings.smtp_url:
        raise SendFailed("IVR_SMTP_URL is not set", permanent=False)
    if not settings.email_from:
        raise SendFailed("callbacks.email_from is not set in the config", permanent=False)
    url = urlsplit(settings.smtp_url)
    if url.scheme not in SMTP_PORTS or not url.hostname:
        raise SendFailed("IVR_SMTP_URL is not an smtp:// or smtps:// URL", permanent=False)
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = to
    message["Subject"] = subject
    # When it was handed over, not queued: a mail client sorts and dates a message by this, and
    # some mail servers refuse or mark as spam a message without it (RFC 5322 requires one).
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.email_from.rpartition("@")[2] or None)
    message.set_content(body)
    try:
        _deliver(url, message)
    except smtplib.SMTPNotSupportedError as error:
        raise SendFailed("the mail server does not offer STARTTLS", permanent=True) from error
    except smtplib.SMTPRecipientsRefused as error:
        code, reply = next(iter(error.recipients.values()))
        raise SendFailed(
            f"the mail server refused {to}: {code} {_text(reply)}", permanent=code >= 500
        ) from error
    except smtplib.SMTPResponseException as error:
        raise SendFailed(
            f"the mail server answered {error.smtp_code} {_text(error.smtp_error)}",
            permanent=error.smtp_code >= 500,
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        raise SendFailed(
            f"the mail server is unreachable: {type(error).__name__}", permanent=False
        ) from error
    return str(message["Message-ID"])


def _deliver(url: SplitResult, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    host, port = url.hostname or "", url.port or SMTP_PORTS[url.scheme]
    if url.scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=TIMEOUT)
    with server:
        if url.scheme == "smtp":
            server.starttls(context=context)
        if url.username:
            server.login(unquote(url.username), unquote(url.password or ""))
        server.send_message(message)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
