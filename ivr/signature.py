"""Twilio's request signature: the only proof a webhook came from Twilio for this account."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import ParseResult, quote, urlparse

from flask import Request, current_app, g
from twilio.request_validator import RequestValidator, add_port, remove_port


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


@lru_cache(maxsize=4)
def validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def is_valid(request: Request) -> bool:
    """Whether the request carries a valid X-Twilio-Signature for this account's token.

    The same test as twilio's `RequestValidator.validate` (HMAC-SHA1 of the URL and sorted form,
    accepted with the URL's port or without it), but the form with the port is only signed when
    the form without it did not match: one HMAC per genuine webhook instead of two.

    While the token is rotated, TWILIO_AUTH_TOKEN_PREVIOUS (the token Twilio signs with until
    the new one is promoted) is tried after the current one, so no call is refused between
    restarting the line and promoting the token in Twilio's console; a request it accepts is
    marked on `g` for the metric that tells the operator when the old token can go.
    """
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    url, given = urlparse(signed_url(request)), signature.encode()
    current, previous = accepted_tokens(current_app.config)
    if signed_with(current, url, request.form, given):
        return True
    if previous and signed_with(previous, url, request.form, given):
        g.signed_with_previous_token = True
        return True
    return False


def accepted_tokens(config: Mapping[str, Any]) -> tuple[str, str | None]:
    """The current token, and the previous one while a rotation is under way (else None)."""
    current = config["TWILIO_AUTH_TOKEN"]
    previous = config.get("TWILIO_AUTH_TOKEN_PREVIOUS")
    return current, previous if previous and previous != current else None


def signed_with(token: str, url: ParseResult, form: Mapping[str, str], given: bytes) -> bool:
    check = validator(token)
    return any(
        hmac.compare_digest(check.compute_signature(candidate, form).encode(), given)
        for candidate in dict.fromkeys((remove_port(url), add_port(url)))
    )
