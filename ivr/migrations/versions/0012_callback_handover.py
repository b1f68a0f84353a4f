"""When a call-back request still not taken went to the team that came on duty after its own.

A request asked of the front door at 16:40 and escalated at 16:55 reached nobody on duty from
17:00: the emergency duty service was never told, and the request waited unseen until the next
morning. The worker now hands such a request over, once, and records when.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("callback_requests", sa.Column("handed_over_at", sa.DateTime, nullable=True))


def downgrade() -> None:
    # SQLite drops a column in place (3.35 and later): no table copy, the indexes stay as made.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE callback_requests DROP COLUMN handed_over_at")
    else:
        op.drop_column("callback_requests", "handed_over_at")
