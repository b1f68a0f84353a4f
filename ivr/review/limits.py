"""Rate limits on the login form (Flask-Limiter), and the browsers they do not slow.

Three limits count login tries: per client address, per name tried, and over all. Each would
let a flood keep a supervisor out, so a browser that has logged in as the name before (it holds
a signed "known browser" cookie, OWASP's "device cookie") is exempt from all three: a guesser
on the internet cannot make the line's own supervisors wait. The values live in the config's
`review.login_limits`.

Counts are kept where every worker sees them: Redis when IVR_RATELIMIT_STORAGE_URL names it
(needed once several servers share the work), otherwise a SQLite file of their own in the
instance folder (ivr.review.limit_store).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many
from limits.errors import ConfigurationError
from werkzeug.wrappers import Response

from ivr.environment import Unusable, scheme_of
from ivr.known import known_line
from ivr.line import Line
from ivr.review import limit_store

KNOWN_BROWSER = "ivr_known_browser"
KNOWN_FOR_DAYS = 90


def init_app(app: Flask, endpoint: str = "review.login") -> None:
    """Limit the login form's POSTs; counts in Redis, or the instance folder's SQLite file.

    A limiter of the app's own (not one shared by every app in the process), so each app
    counts in the storage its own config names. No X-RateLimit headers: a guesser is not told
    how many tries are left.
    """
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI",
        os.environ.get("IVR_RATELIMIT_STORAGE_URL")
        or f"{limit_store.SCHEME}://{Path(app.instance_path) / 'ratelimits.sqlite3'}",
    )
    # Should Redis fail, each worker counts in its own memory meanwhile rather than let all in.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    # A line whose config could not be read still starts and answers calls with the safe
    # guidance; its limits are checked when there is a config to read them from.
    if isinstance(app.extensions["ivr.line"], Line):
        for value in _settings(app).values():
            parse_many(str(value))
    with hooks_kept_to(app, endpoint.partition(".")[0]):
        try:
            limiter = Limiter(
                get_remote_address, app=app, default_limits=[], strategy="fixed-window"
            )
        except (ConfigurationError, ValueError):
            # The storage's own words may repeat the URL, and so a Redis password in it.
            scheme = scheme_of(app.config["RATELIMIT_STORAGE_URI"])
            raise Unusable(
                f"IVR_RATELIMIT_STORAGE_URL ({scheme}://...) is not a storage the login limits "
                "can count in:\nuse redis://host:6379 (rediss:// for TLS), a password in it "
                "percent-encoded, or leave it unset for a file in the instance folder"
            ) from None
    view = app.view_functions[endpoint]
    for value, key in ((per_address, None), (per_name, tried_name), (overall, everyone)):
        limit = limiter.limit(value, key_func=key, methods=["POST"], exempt_when=from_known_browser)
        view = limit(view)
    app.view_functions[endpoint] = view
    app.extensions["ivr.limiter"] = limiter


@contextmanager
def hooks_kept_to(app: Flask, blueprint: str) -> Iterator[None]:
    """The request hooks an extension adds to the whole app, run for one blueprint's pages only.

    Flask-Limiter checks, and then tidies up after, every request the app answers; the only
    limits are on the review area's login, so on a voice webhook that is time spent on every
    call for nothing. Its check stays the first of the blueprint's own, as it was of the app's.
    """
    registries = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    had = [list(registry.get(None, [])) for registry in registries]
    yield
    for registry, before in zip(registries, had, strict=True):
        added = [hook for hook in registry.get(None, []) if hook not in before]
        registry[None] = before
        if registry is app.before_request_funcs:
            registry[blueprint] = added + registry.get(blueprint, [])
        else:
            registry[blueprint] = registry.get(blueprint, []) + added


def _settings(app: Flask | None = None) -> dict[str, Any]:
    line = app.extensions["ivr.line"] if app else known_line()
    return dict(line.config["review"]["login_limits"])


def per_address() -> str:
    return str(_settings()["per_address"])


def per_name() -> str:
    return str(_settings()["per_name"])


def overall() -> str:
    return str(_settings()["overall"])


def unknown_name_audits() -> str:
    return str(_settings()["unknown_name_audits"])


def tried_name() -> str:
    """The name a login form tried, as the per-name limit counts it."""
    return "name:" + request.form.get("username", "")[:64].casefold()


def everyone() -> str:
    return "everyone"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=KNOWN_BROWSER)


def known_browser(username: str) -> str | None:
    """This browser's id if it has logged in as `username` before, within KNOWN_FOR_DAYS."""
    cookie = request.cookies.get(KNOWN_BROWSER, "")
    try:
        known = _serializer().loads(cookie, max_age=KNOWN_FOR_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(known, dict) or known.get("name") != username:
        return None
    browser = known.get("browser")
    return browser if isinstance(browser, str) else None


def from_known_browser() -> bool:
    """Whether this login try comes from a browser that logged in as its name before."""
    return known_browser(request.form.get("username", "")) is not None


def remember_browser(response: Response, username: str) -> None:
    """After a right password: this browser is known for this name from now on."""
    browser = known_browser(username) or secrets.token_urlsafe(12)
    response.set_cookie(
        KNOWN_BROWSER,
        _serializer().dumps({"name": username, "browser": browser}),
        max_age=KNOWN_FOR_DAYS * 86400,
        path="/review/",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Strict",
    )


def source(username: str) -> str:
    """Where a try comes from, as the lockout counts it: a known browser, or an address."""
    browser = known_browser(username)
    return f"browser:{browser}" if browser else f"address:{request.remote_addr or '-'}"[:64]


def audit_unknown_name() -> bool:
    """Whether a failed try for a name with no account is still worth an audit entry.

    Anyone can post any name, so these entries are capped over all (`unknown_name_audits`):
    the audit log cannot be grown without bound, and a flood still shows in it.
    """
    limiter: Limiter = current_app.extensions["ivr.limiter"]
    key = current_app.config.get("RATELIMIT_KEY_PREFIX", "") + "unknown-name-audits"
    return limiter.limiter.hit(parse_many(unknown_name_audits())[0], key)
