"""The audit trail: an append-only list of who did what to call records and accounts.

Nothing in the app updates or deletes an audit row; supervisors' and admins' actions, purges
and exports all leave one here, so a data protection officer can see every look at personal data.
"""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ivr.models import AuditEntry


def write(session: Session, at: datetime, actor: str, action: str, **detail: Any) -> AuditEntry:
    """Append one entry; `actor` is a user name or the command that acted (`ivr purge`)."""
    entry = AuditEntry(at=at, actor=actor[:64], action=action[:64], detail=detail)
    session.add(entry)
    return entry


def command_line_actor() -> str:
    """Who ran an `ivr` command, as the audit log records it."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return f"cli:{login}"
