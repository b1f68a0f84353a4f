"""Log out a review session left idle: an unattended screen must not keep showing callers' data.

The moment of the last page is kept in the signed session cookie, so every worker sees it and a
copied cookie replayed later is as stale as the session it came from.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, url_for
from flask import session as browser_session
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from ivr import audit, db
from ivr.review.local import now

SEEN = "seen_at"


def limit() -> timedelta:
    """How long a session may sit unused, from the config's `review.idle_minutes`."""
    minutes = current_app.extensions["ivr.line"].config["review"]["idle_minutes"]
    return timedelta(minutes=int(minutes))


def touch() -> None:
    """This request counts as activity."""
    browser_session[SEEN] = now().timestamp()


def expired() -> bool:
    """Whether the session sat unused too long (or predates idle tracking); else mark it used."""
    seen = browser_session.get(SEEN)
    if isinstance(seen, int | float) and now().timestamp() - seen <= limit().total_seconds():
        touch()
        return False
    return True


def log_out() -> Response:
    """End the idle session, say so in the audit log, and tell the person why at the login."""
    with db.session() as session:
        audit.write(session, now(), current_user.username, "session_expired")
    logout_user()
    browser_session.clear()
    minutes = int(limit().total_seconds() // 60)
    flash(f"You were logged out after {minutes} minutes without activity. Please log in again.")
    return redirect(url_for("review.login"))
