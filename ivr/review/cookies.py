"""The review area's signed session cookie, opened only where a person's browser can have one.

Twilio's webhooks under /voice/ never carry the review area's cookie and never log anyone in,
so they get Flask's null session: no signer built, no cookie read or written, on the hot path
of every call. Every other path, the review area's included, keeps Flask's own signed cookie.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

WEBHOOKS = "/voice/"


class ReviewSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, except on the webhooks."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(WEBHOOKS):
            return None  # Flask then uses a null session, which is never saved
        return super().open_session(app, request)
