"""Hardening: a hash-chained audit log, session generations, lockouts per source, early statuses.

- audit_log.hash chains every entry to the one before (ivr.audit); existing entries are chained
  here, in id order. On SQLite a trigger also refuses an insert that reuses an existing id,
  which `INSERT OR REPLACE` would otherwise turn into a silent overwrite.
- users.session_generation ends every earlier session when raised (ivr.review.sessions).
- login_failures is counted per account and source (ivr.review.throttle); the old per-name
  counts are short-lived and are dropped.
- early_statuses keeps a status callback that arrives before its call's first webhook.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01
"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op

from ivr.audit import GENESIS, digest

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SQLITE_NO_REPLACE = (
    "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
    "WHEN NEW.id > 0 AND NEW.id <= (SELECT max(id) FROM audit_log) "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
)
# Migration 0003's guards, lifted while existing entries get their hashes.
GUARDS = {
    "sqlite": (
        ("DROP TRIGGER audit_log_no_update",),
        (
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        ),
    ),
    "postgresql": (
        ("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",),
        ("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",),
    ),
}
AUDIT = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("audit_log", sa.Column("hash", sa.String(64)))
    lift, restore = GUARDS.get(dialect, ((), ()))
    for statement in lift:
        op.execute(statement)
    before = GENESIS
    rows = bind.execute(sa.select(AUDIT).order_by(AUDIT.c.id)).all()
    for row in rows:
        at = row.at.replace(tzinfo=UTC)
        before = digest(before, at, row.actor, row.action, row.detail)
        bind.execute(sa.update(AUDIT).where(AUDIT.c.id == row.id).values(hash=before))
    for statement in restore:
        op.execute(statement)
    if dialect == "sqlite":
        op.execute(SQLITE_NO_REPLACE)

    with op.batch_alter_table("users") as users:
        users.add_column(
            sa.Column("session_generation", sa.Integer, nullable=False, server_default="0")
        )

    op.drop_table("login_failures")
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime),
        sa.Column("last_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_login_failures_last_at", "login_failures", ["last_at"])

    op.create_table(
        "early_statuses",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("duration_seconds", sa.Integer),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_early_statuses_received_at", "early_statuses", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_early_statuses_received_at", table_name="early_statuses")
    op.drop_table("early_statuses")
    op.drop_index("ix_login_failures_last_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime),
    )
    with op.batch_alter_table("users") as users:
        users.drop_column("session_generation")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_replace")
        # Natively, not by batch: a copied table would lose 0003's triggers.
        op.execute("ALTER TABLE audit_log DROP COLUMN hash")
    else:
        op.drop_column("audit_log", "hash")
