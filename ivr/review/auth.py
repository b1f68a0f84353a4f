"""Logging in and out of the review area, and who may see what.

The password check (argon2, slow on purpose) runs with no transaction open: on SQLite a writing
transaction holds the database-wide lock every call's webhook needs, so a flood of wrong
passwords must never hold it for more than the moment it takes to count a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_limiter import RateLimitExceeded
from flask_login import LoginManager, current_user, login_user
from werkzeug.wrappers import Response

from ivr import audit, db
from ivr.review import accounts, limits, sessions, throttle
from ivr.review.blueprint import bp
from ivr.review.forms import ActionForm, LoginForm
from ivr.review.local import now
from ivr.review.models import User

login_manager = LoginManager()
login_manager.login_view = "review.login"
login_manager.login_message = "Please log in to see the review area."
login_manager.session_protection = "strong"

REFUSED = "That name and password do not match, or there were too many tries: wait and try again."


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The logged-in user, re-read on every request, while the session's generation is current.

    So disabling an account, a new password or a logout elsewhere ends this session too.
    """
    user_id, _, generation = session_id.partition(".")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 19):
        return None
    with db.reading() as session:
        user = session.get(User, int(user_id))
    if user is None or user.disabled or str(user.session_generation) != generation:
        return None
    return user


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Admins only: supervisors get 403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.admin_only = True  # type: ignore[attr-defined]
    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Check a name and password; every attempt at an account goes into the audit log.

    Its POSTs are rate limited (ivr.review.limits).
    """
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        username = form.username.data or ""
        user = _authenticate(username, form.password.data or "", limits.source(username))
        if user is not None:
            browser_session.clear()
            login_user(user)
            sessions.begin()
            response = redirect(url_for("review.dashboard"))
            limits.remember_browser(response, user.username)
            return response
        error = REFUSED
    elif request.method == "POST":
        error = "The form had expired; please try again."
    status = 200 if error is None else 401
    return render_template("review/login.html", form=form, error=error), status


@bp.errorhandler(RateLimitExceeded)
def too_many_tries(_error: RateLimitExceeded) -> tuple[str, int]:
    """The same words as a wrong password: a guesser learns nothing about the limits."""
    return render_template("review/login.html", form=LoginForm(), error=REFUSED), 429


def _authenticate(username: str, password: str, source: str) -> User | None:
    """The user if the password is right and the source neither locked nor the account disabled.

    Read, then check the password with no transaction open, then write the outcome briefly.
    """
    at = now()
    with db.reading() as session:
        locked = throttle.locked(session, username, source, at)
        user = None if locked else accounts.find(session, username)
    if locked:
        with db.session() as session:
            audit.write(session, at, username, "login_locked")
        return None
    right = accounts.check_password(user, password)
    if user is None:
        if limits.audit_unknown_name():
            with db.session() as session:
                audit.write(session, at, username, "login_failed", reason="no_such_account")
        return None
    with db.session() as session:
        if right and not user.disabled:
            throttle.succeeded(session, username, source)
            audit.write(session, at, username, "login", role=user.role)
            return user
        failures = throttle.failed(session, username, source, at)
        why = "disabled" if user.disabled else "wrong_password"
        audit.write(session, at, username, "login_failed", reason=why, failures=failures)
    return None


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Log out here and everywhere else this account is logged in."""
    if ActionForm().validate_on_submit():
        return sessions.end("logout")
    return redirect(url_for("review.login"))
