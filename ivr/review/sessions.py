"""How long a review session lasts, and ending every session of an account from the server.

A session is a signed cookie, so the server cannot delete it; instead each account has a
session generation that is part of the session's id (User.get_id). Logging out, a new password,
disabling or enabling the account raises it, and every cookie carrying the old one stops
working. Besides the idle timeout (ivr.review.idle), a session ends `review.session_hours`
after its login however busy it is, so a copied cookie kept alive by replaying it dies too.
"""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, url_for
from flask import session as browser_session
from flask_login import current_user, logout_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ivr import audit, db
from ivr.known import known_line
from ivr.review import idle
from ivr.review.local import now
from ivr.review.models import User

STARTED = "logged_in_at"


def lifetime() -> timedelta:
    """The longest a session may last, from the config's `review.session_hours`."""
    hours = known_line().config["review"]["session_hours"]
    return timedelta(hours=float(hours))


def begin() -> None:
    """A login: the session's clock starts now."""
    browser_session[STARTED] = now().timestamp()
    idle.touch()


def outlived() -> bool:
    """Whether the session is older than its lifetime (or predates the lifetime's tracking)."""
    started = browser_session.get(STARTED)
    if not isinstance(started, int | float):
        return True
    return now().timestamp() - started > lifetime().total_seconds()


def end_all(session: Session, username: str) -> None:
    """End every open session of this account, wherever it was opened."""
    user = session.query(User).filter_by(username=username).one_or_none()
    if user is not None:
        user.end_sessions()


def end(action: str, message: str | None = None) -> Response:
    """End this session (and the account's others), audited, and say why at the login page."""
    with db.session() as session:
        audit.write(session, now(), current_user.username, action)
        end_all(session, current_user.username)
    logout_user()
    browser_session.clear()
    if message:
        flash(message)
    return redirect(url_for("review.login"))


def log_out_outlived() -> Response:
    hours = lifetime().total_seconds() / 3600
    return end(
        "session_lifetime_ended",
        f"You were logged out because a session lasts at most {hours:g} hours. "
        "Please log in again.",
    )


def log_out_idle() -> Response:
    minutes = int(idle.limit().total_seconds() // 60)
    return end(
        "session_expired",
        f"You were logged out after {minutes} minutes without activity. Please log in again.",
    )
