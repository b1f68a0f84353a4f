"""Status callbacks that arrive before their call's first webhook, kept until it comes.

Twilio does not promise the order of its requests: if a caller hangs up while the first
webhook is delayed or retried, the word that the call ended can come first. Dropped, the call
would stay "in progress" until `ivr purge` closed it a day later, with no duration.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete
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


def keep(db: Session, call_sid: str, status: str, seconds: int | None, at: datetime) -> None:
    """Keep the status for the call's first webhook; forget ones whose call never came."""
    db.execute(delete(EarlyStatus).where(EarlyStatus.received_at < at - KEPT_FOR))
    if db.get(EarlyStatus, call_sid) is None:
        kept = EarlyStatus(call_sid=call_sid, status=status, received_at=at)
        kept.duration_seconds = seconds
        db.add(kept)


def apply(db: Session, call: Call, at: datetime) -> None:
    """Close a call just opened if its status came first."""
    early = db.get(EarlyStatus, call.call_sid)
    if early is not None:
        records.close(call, at, early.duration_seconds)
        db.delete(early)
