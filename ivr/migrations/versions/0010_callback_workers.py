"""Call-back workers say they are running, so the line offers a call back only while one is.

Without it a deployment whose servers all run `--no-worker`, with no `ivr worker` beside them,
told callers "they will call you back" and queued messages no one sent.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_workers",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_callback_workers_seen_at", "callback_workers", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_callback_workers_seen_at", table_name="callback_workers")
    op.drop_table("callback_workers")
