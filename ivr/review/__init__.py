"""The supervisors' review area under /review: call logs, call-backs, the script, the audit trail.

Everything here shows personal data, so every page needs a login, every form a CSRF token, and
every look at a call leaves a line in the audit log.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from ivr.known import known_line

# Importing the views registers their routes on `bp`.
from ivr.review import (  # noqa: F401
    audit_log,
    callbacks,
    calls,
    dashboard,
    exporting,
    guard,
    idle,
    limits,
    script,
    sessions,
)
from ivr.review.auth import login_manager
from ivr.review.blueprint import bp
from ivr.review.cli import users
from ivr.review.cookies import ReviewSessions

__all__ = ["bp", "init_app", "users"]

csrf = CSRFProtect()
PUBLIC_ENDPOINTS = frozenset({"review.login", "review.static"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'{styles}; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class RowId(IntegerConverter):
    """An id in a URL names a database row: ids are `Integer` columns (32 bits on PostgreSQL,
    where a larger number is refused; SQLite's drivers raise past 64 bits), so a larger one
    names no row and its URL is a 404 like any other missing row, never a 500."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **{"max": 2**31 - 1, **kwargs})


def init_app(app: Flask) -> None:
    """Register the review area: cookies, logins, CSRF, headers, the audit guard, the pages."""
    public_url = app.config.get("PUBLIC_URL") or ""
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    if public_url.startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    # Only the review area's forms are checked: Twilio's webhooks carry a signature instead.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.session_interface = ReviewSessions()
    guard.install()
    # Before the blueprint is registered, so its `<int:...>` rules are built with it.
    app.url_map.converters["int"] = RowId
    login_manager.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(bp)
    limits.init_app(app)
    app.after_request(_security_headers)


@bp.before_request
def _refuse_nul() -> None:
    """No browser form sends a NUL byte, and PostgreSQL text cannot hold one: refuse it early."""
    values = [*request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400)


@bp.before_request
def _require_login() -> Any:
    """Every page but the login form and the stylesheets needs a login; POSTs need a token.

    With no line to work from (ivr.known), every page but the stylesheets answers 503 at once,
    the login form too: a supervisor is told the area is unavailable, not asked to log in.
    """
    if request.endpoint != "review.static":
        known_line()
    if request.endpoint in PUBLIC_ENDPOINTS:
        if request.method == "POST":
            csrf.protect()
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if sessions.outlived():
        return sessions.log_out_outlived()
    if idle.expired():
        return sessions.log_out_idle()
    if request.method == "POST":
        csrf.protect()
    return None


def _security_headers(response: Any) -> Any:
    """Strict headers on every /review response and static file (ivr.headers adds the rest);
    pages are personal data, so never cached."""
    if request.path.startswith(("/review", "/static")):
        styles = " 'unsafe-inline'" if g.get("inline_styles") else ""
        response.headers["Content-Security-Policy"] = CSP.format(styles=styles)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.endpoint not in ("review.static", "static"):
            response.headers["Cache-Control"] = "no-store"
    return response
