"""Call-backs that reach a person: requests, an outbox of texts and e-mails, and their events.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def call_id() -> sa.Column:
    return sa.Column(
        "call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False
    )


def request_id() -> sa.Column:
    return sa.Column(
        "request_id", sa.Integer, sa.ForeignKey("callback_requests.id", ondelete="CASCADE")
    )


def upgrade() -> None:
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "call_id",
            sa.Integer,
            sa.ForeignKey("calls.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("team", sa.String(32), nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("link_base", sa.String(512), nullable=False),
        sa.Column("taken_at", sa.DateTime),
        sa.Column("taken_by", sa.String(320)),
        sa.Column("escalated_at", sa.DateTime),
    )
    op.create_index("ix_callback_requests_escalated_at", "callback_requests", ["escalated_at"])
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        call_id(),
        request_id(),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("queued_at", sa.DateTime, nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("claimed_until", sa.DateTime),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("provider_ref", sa.String(256)),
        sa.Column("last_error", sa.String(500)),
    )
    op.create_index("ix_outbox_messages_status_due", "outbox_messages", ["status", "due_at"])
    op.create_index("ix_outbox_messages_call_id", "outbox_messages", ["call_id"])
    op.create_index("ix_outbox_messages_request_id", "outbox_messages", ["request_id"])
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer, primary_key=True),
        call_id(),
        request_id(),
        sa.Column(
            "message_id", sa.Integer, sa.ForeignKey("outbox_messages.id", ondelete="CASCADE")
        ),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False),
    )
    op.create_index("ix_outbox_events_call_id", "outbox_events", ["call_id"])


def downgrade() -> None:
    op.drop_table("outbox_events")
    op.drop_table("outbox_messages")
    op.drop_table("callback_requests")
