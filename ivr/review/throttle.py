"""Slow down password guessing: after a few failures a name is locked for a growing while.

Counted per name in the database, so every worker sees the same count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ivr.review.models import LoginFailures

FREE_TRIES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)


def locked(db: Session, username: str, now: datetime) -> bool:
    """Whether this name is locked out at `now`."""
    row = db.get(LoginFailures, username)
    return row is not None and row.locked_until is not None and row.locked_until > now


def failed(db: Session, username: str, now: datetime) -> int:
    """Count a failure; from the fifth on, lock the name, twice as long each time."""
    row = db.get(LoginFailures, username, with_for_update=True)
    if row is None:
        row = LoginFailures(username=username, count=0)
        db.add(row)
    row.count += 1
    if row.count >= FREE_TRIES:
        lock = min(FIRST_LOCK * 2 ** min(row.count - FREE_TRIES, 10), LONGEST_LOCK)
        row.locked_until = now + lock
    return row.count


def succeeded(db: Session, username: str) -> None:
    """A right password clears the count."""
    row = db.get(LoginFailures, username)
    if row is not None:
        db.delete(row)
