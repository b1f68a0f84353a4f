"""Make the audit log append-only in the ORM: any session that would change or delete a row fails.

The database refuses too (migration 0003's triggers); this catches a mistake before it gets there,
with a clear message, whichever database is underneath.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Delete, Update, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from ivr.models import AuditEntry


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


def _refuse_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    for entry in session.deleted:
        if isinstance(entry, AuditEntry):
            raise AuditLogIsAppendOnly("audit entries cannot be deleted")
    for entry in session.dirty:
        if isinstance(entry, AuditEntry) and session.is_modified(entry):
            raise AuditLogIsAppendOnly("audit entries cannot be changed")


def _refuse_bulk(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, Update | Delete) and statement.table.name == AuditEntry.__tablename__:
        raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


def install() -> None:
    """Listen on every Session; installing twice is harmless."""
    if not event.contains(Session, "before_flush", _refuse_flush):
        event.listen(Session, "before_flush", _refuse_flush)
    if not event.contains(Session, "do_orm_execute", _refuse_bulk):
        event.listen(Session, "do_orm_execute", _refuse_bulk)
