"""Status callbacks that arrive before their call's first webhook, kept until it comes.

Twilio does not promise the order of its requests: if a caller hangs up while the first
webhook is delayed or retried, the word that the call ended can come first. Dropped, the call
would stay "in progress" until `ivr purge` closed it a day later, with no duration.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from ivr import records
from ivr.models import Base, Call, UTCDateTime

# Twilio sends a call's first webhook within seconds of its status; a day is far past that.
KEPT_FOR = timedelta(days=1)


class EarlyStatus(Base):
    """A terminal status for a CallSid the line has not seen yet."""

    __tablename__ = "early_statuses"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _one_at_a_time(db: Session, call_sid: str) -> None:
    """On PostgreSQL, the first webhook and an early status of one call take turns here.

    Without it each could miss the other's uncommitted row: the webhook finds no status kept,
    the status finds no call, and the status is kept for nobody. SQLite's writers already take
    turns (BEGIN IMMEDIATE).
    """
    if db.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(call_sid.encode()).digest()[:8], "big", signed=True)
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def keep(db: Session, call_sid: str, status: str, seconds: int | None, at: datetime) -> None:
    """Keep the status for the call's first webhook; forget ones whose call never came.

    If that webhook committed the call meanwhile, the status closes it now instead.
    """
    _one_at_a_time(db, call_sid)
    call = records.load(db, call_sid, lock=True)
    if call is not None:
        records.close(call, at, seconds)
        return
    db.execute(delete(EarlyStatus).where(EarlyStatus.received_at < at - KEPT_FOR))
    if db.get(EarlyStatus, call_sid) is None:
        kept = EarlyStatus(call_sid=call_sid, status=status, received_at=at)
        kept.duration_seconds = seconds
        db.add(kept)


def apply(db: Session, call: Call, at: datetime) -> None:
    """Close a call just opened if its status came first."""
    _one_at_a_time(db, call.call_sid)
    early = db.get(EarlyStatus, call.call_sid)
    if early is not None:
        records.close(call, at, early.duration_seconds)
        db.delete(early)
