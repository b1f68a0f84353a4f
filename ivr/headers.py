"""Security headers on every response, and redirects that never follow the Host header.

Every response, the static files' included, tells the browser to sniff nothing, frame nothing,
send no referrer and use no camera, microphone or location; over https (IVR_PUBLIC_URL or the
request) it also says to use nothing but https for a year (HSTS). The review area adds its own
Content-Security-Policy (ivr.review).

A redirect Werkzeug builds itself (`/review` to `/review/`) names the host the request gave,
which anyone can set: such a Location is rebuilt on IVR_PUBLIC_URL, or left relative.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, request

# The same as the deployment guide's nginx sends; features every current browser knows.
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"


def over_https() -> bool:
    public = current_app.config.get("PUBLIC_URL") or ""
    return public.startswith("https://") or request.is_secure


def _secure(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS)
    if over_https():
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    location = response.headers.get("Location")
    if location:
        response.headers["Location"] = own_location(location)
    return response


def own_location(location: str) -> str:
    """A Location on the request's own host, moved onto IVR_PUBLIC_URL (or made relative)."""
    parts = urlsplit(location)
    if not parts.netloc or parts.netloc != request.host:
        return location
    public = current_app.config.get("PUBLIC_URL")
    if not public:
        return urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    base = urlsplit(public)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


def init_app(app: Flask) -> None:
    app.after_request(_secure)
