"""The call-back queue: who is handling each request, and indexes for the review area at scale.

A claim says "I'm handling this", so two supervisors don't ring the same caller. The indexes
serve the open requests oldest or newest first, the calls list's review filter, and the
dashboard's counts at a million calls.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_claims",
        sa.Column(
            "call_id",
            sa.Integer(),
            sa.ForeignKey("calls.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_calls_callback_started", "calls", ["callback_requested", "started_at", "id"]
    )
    op.create_index("ix_reviews_status", "reviews", ["status", "call_id"])
    # The dashboard's counts read only these columns: from the index alone, never the rows.
    op.create_index(
        "ix_calls_glance",
        "calls",
        ["started_at", "outcome", "out_of_hours", "transfer_status", "callback_requested"],
    )


def downgrade() -> None:
    op.drop_index("ix_calls_glance", table_name="calls")
    op.drop_index("ix_reviews_status", table_name="reviews")
    op.drop_index("ix_calls_callback_started", table_name="calls")
    op.drop_table("callback_claims")
