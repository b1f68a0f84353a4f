"""Slow down password guessing: after a few failures a source is locked for a growing while.

Counted per account and per source (an address, or a browser that logged in as the account
before: ivr.review.limits.source), so a guesser locks out only their own tries, never the
account's owner at their own desk. Names with no account get no row at all: nothing to protect,
and a visitor inventing names cannot grow this table. Kept in the database so every worker sees
the same count; rows a day old are forgotten.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ivr.review.models import LoginFailures

FREE_TRIES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)


def locked(db: Session, username: str, source: str, now: datetime) -> bool:
    """Whether tries for this name from this source are locked out at `now`."""
    row = db.get(LoginFailures, (username, source))
    return row is not None and row.locked_until is not None and row.locked_until > now


def failed(db: Session, username: str, source: str, now: datetime) -> int:
    """Count a failure; from the fifth on, lock the source, twice as long each time."""
    db.execute(
        delete(LoginFailures).where(
            LoginFailures.username == username, LoginFailures.last_at < now - FORGET_AFTER
        )
    )
    row = db.get(LoginFailures, (username, source), with_for_update=True)
    if row is None:
        row = LoginFailures(username=username, source=source, count=0)
        db.add(row)
    row.count += 1
    row.last_at = now
    if row.count >= FREE_TRIES:
        lock = min(FIRST_LOCK * 2 ** min(row.count - FREE_TRIES, 10), LONGEST_LOCK)
        row.locked_until = now + lock
    return row.count


def succeeded(db: Session, username: str, source: str) -> None:
    """A right password clears its source's count (a guesser's elsewhere stays)."""
    row = db.get(LoginFailures, (username, source))
    if row is not None:
        db.delete(row)


def forgive(db: Session, username: str) -> None:
    """An admin's fresh start for the account (enabled, new password): every lock lifts."""
    db.execute(delete(LoginFailures).where(LoginFailures.username == username))
