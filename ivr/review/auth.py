"""Logging in and out of the review area, and who may see what."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from ivr import audit, db
from ivr.review import accounts, idle, throttle
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
def load_user(user_id: str) -> User | None:
    """The logged-in user, re-read on every request so disabling an account ends its sessions."""
    if not user_id.isdigit():
        return None
    with db.reading() as session:
        user = session.get(User, int(user_id))
        return user if user is not None and not user.disabled else None


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
    """Check a name and password; every attempt, good or bad, goes into the audit log."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = _authenticate(form.username.data or "", form.password.data or "")
        if user is not None:
            browser_session.clear()
            login_user(user)
            idle.touch()
            return redirect(url_for("review.dashboard"))
        error = REFUSED
    elif request.method == "POST":
        error = "The form had expired; please try again."
    status = 200 if error is None else 401
    return render_template("review/login.html", form=form, error=error), status


def _authenticate(username: str, password: str) -> User | None:
    """The user if the password is right and the name neither locked nor disabled."""
    at = now()
    with db.session() as session:
        if throttle.locked(session, username, at):
            audit.write(session, at, username, "login_locked")
            return None
        user = accounts.find(session, username)
        if accounts.check_password(user, password) and user is not None and not user.disabled:
            throttle.succeeded(session, username)
            audit.write(session, at, username, "login", role=user.role)
            return user
        failures = throttle.failed(session, username, at)
        why = "disabled" if user is not None and user.disabled else "wrong_password"
        audit.write(session, at, username, "login_failed", reason=why, failures=failures)
    return None


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if ActionForm().validate_on_submit():
        with db.session() as session:
            audit.write(session, now(), current_user.username, "logout")
        logout_user()
        browser_session.clear()
    return redirect(url_for("review.login"))
