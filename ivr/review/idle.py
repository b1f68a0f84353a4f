"""Log out a review session left idle: an unattended screen must not keep showing callers' data.

The moment of the last page is kept in the signed session cookie, so every worker sees it and a
copied cookie replayed later is as stale as the session it came from (ivr.review.sessions ends
it, and bounds how long replaying can keep it alive).
"""

from __future__ import annotations

from datetime import timedelta

from flask import session as browser_session

from ivr.known import known_line
from ivr.review.local import now

SEEN = "seen_at"


def limit() -> timedelta:
    """How long a session may sit unused, from the config's `review.idle_minutes`."""
    minutes = known_line().config["review"]["idle_minutes"]
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
