"""The supervisors' review area: accounts, reviews, worked call-backs, failed logins.

Also makes the audit log append-only in the database itself, below the app.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_GUARDS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)
POSTGRES_GUARDS = (
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    for table in ("reviews", "callbacks_done"):
        columns = [
            sa.Column(
                "call_id",
                sa.Integer,
                sa.ForeignKey("calls.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("note", sa.Text, nullable=False),
            sa.Column("by", sa.String(64), nullable=False),
            sa.Column("at", sa.DateTime, nullable=False),
        ]
        if table == "reviews":
            columns.insert(1, sa.Column("status", sa.String(16), nullable=False))
        op.create_table(table, *columns)
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime),
    )
    # Keyset pagination of the calls list walks (started_at, id), newest first.
    op.create_index("ix_calls_started_at_id", "calls", ["started_at", "id"])
    op.create_index("ix_calls_callback_requested", "calls", ["callback_requested"])
    guards = {"sqlite": SQLITE_GUARDS, "postgresql": POSTGRES_GUARDS}
    for statement in guards.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_index("ix_calls_callback_requested", table_name="calls")
    op.drop_index("ix_calls_started_at_id", table_name="calls")
    op.drop_table("login_failures")
    op.drop_table("callbacks_done")
    op.drop_table("reviews")
    op.drop_table("users")
