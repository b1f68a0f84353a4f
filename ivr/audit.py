"""The audit trail: an append-only list of who did what to call records and accounts.

Nothing in the app updates or deletes an audit row; supervisors' and admins' actions, purges
and exports all leave one here, so a data protection officer can see every look at personal data.

Each entry carries a SHA-256 hash over its own content and the hash of the entry before it, so
an entry changed, removed or replaced in the database (past the triggers) breaks the chain at
that point, and `ivr audit verify` says where (ivr.audit_verify).
"""

from __future__ import annotations

import getpass
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ivr.models import AuditEntry

# The "hash before" the first entry.
GENESIS = "0" * 64
# Any fixed number: the PostgreSQL advisory lock that makes writers append one at a time.
CHAIN_LOCK = 0x1A0D17


def digest(before: str, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> str:
    """The entry's hash: its content, in one canonical JSON form, after the hash before it."""
    content = [before, at.astimezone(UTC).isoformat(), actor, action, detail]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def write(session: Session, at: datetime, actor: str, action: str, **detail: Any) -> AuditEntry:
    """Append one entry; `actor` is a user name or the command that acted (`ivr purge`).

    Two writers reading the same last entry would fork the chain, so the chain's end is read
    and extended under a lock held until the transaction ends: on SQLite the write lock every
    writing transaction takes first (BEGIN IMMEDIATE, ivr.db), on PostgreSQL an advisory lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    before = session.scalars(
        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    # Stored and hashed as it will be read back: through JSON, with times in UTC.
    detail = json.loads(json.dumps(detail))
    actor, action = actor[:64], action[:64]
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        detail=detail,
        hash=digest(before or GENESIS, at, actor, action, detail),
    )
    session.add(entry)
    # Inserted now, while the lock is held, so ids follow the chain's order.
    session.flush()
    return entry


def command_line_actor() -> str:
    """Who ran an `ivr` command, as the audit log records it."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return f"cli:{login}"
