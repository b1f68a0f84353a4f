"""Twilio's request signature: the only proof a webhook came from Twilio for this account."""

from __future__ import annotations

from urllib.parse import quote

from flask import Request, current_app
from twilio.request_validator import RequestValidator


def signed_url(request: Request) -> str:
    """The URL Twilio signed: the public base, then the path and query exactly as received."""
    environ = request.environ
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        query = environ.get("QUERY_STRING", "")
        raw = f"{path}?{query}" if query else path
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return base.rstrip("/") + raw


def is_valid(request: Request) -> bool:
    """Whether the request carries a valid X-Twilio-Signature for this account's token."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    return bool(validator.validate(signed_url(request), request.form, signature))
