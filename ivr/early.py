"""Status callbacks that arrive before their call's first webhook, kept until it comes.

Twilio does not promise the order of its requests: if a caller hangs up while the first
webhook is delayed or retried, the word that the call ended can come first. Dropped, the call
would stay "in progress" until `ivr purge` closed it a day later, with no duration.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Table, bindparam, select, text
from sqlalchemy.orm import Mapped, mapped_column

from ivr import records
from ivr.db import Database
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


# Prebuilt Core statements: every call's first webhook runs `FIND`, through the webhook's
# transaction, which has no ORM session to spare (ivr.db.Transaction).
EARLY: Table = EarlyStatus.__table__  # type: ignore[assignment]
FIND = select(EARLY.c.duration_seconds).where(EARLY.c.call_sid == bindparam("sid"))
FORGET = EARLY.delete().where(EARLY.c.call_sid == bindparam("sid"))
FORGET_OLD = EARLY.delete().where(EARLY.c.received_at < bindparam("before"))
KEEP = EARLY.insert()
ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def _one_at_a_time(db: Database, call_sid: str) -> None:
    """On PostgreSQL, the first webhook and an early status of one call take turns here.

    Without it each could miss the other's uncommitted row: the webhook finds no status kept,
    the status finds no call, and the status is kept for nobody. SQLite's writers already take
    turns (BEGIN IMMEDIATE).
    """
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(call_sid.encode()).digest()[:8], "big", signed=True)
        connection.execute(ADVISORY_LOCK, {"key": key})


def keep(db: Database, call_sid: str, status: str, seconds: int | None, at: datetime) -> None:
    """Keep the status for the call's first webhook; forget ones whose call never came.

    If that webhook committed the call meanwhile, the status closes it now instead.
    """
    _one_at_a_time(db, call_sid)
    call = records.load(db, call_sid, lock=True)
    if call is not None:
        records.close(call, at, seconds)
        return
    connection = db.connection()
    connection.execute(FORGET_OLD, {"before": at - KEPT_FOR})
    if connection.execute(FIND, {"sid": call_sid}).first() is None:
        kept = {"call_sid": call_sid, "status": status, "duration_seconds": seconds}
        connection.execute(KEEP, kept | {"received_at": at})


def apply(db: Database, call: Call, at: datetime) -> None:
    """Close a call just opened if its status came first."""
    _one_at_a_time(db, call.call_sid)
    connection = db.connection()
    early = connection.execute(FIND, {"sid": call.call_sid}).first()
    if early is not None:
        records.close(call, at, early.duration_seconds)
        connection.execute(FORGET, {"sid": call.call_sid})
