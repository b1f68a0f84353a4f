"""Why a transfer was made, on the record: a referral, an adult referral, advice, not understood.

The not-connected menu said "the referral has not been made" only when the call's outcome was
a referral, but the first advice given stands on the record: a caller who was first advised to
seek advice, then went back and made a referral, was not told a failed referral had not been
made, and "try again" dialled the plain transfer (for an adult referral, the children's team).
The transfer's own reason now decides. Calls in progress at the upgrade get the reason the
outcome gave before, so a caller between a failed transfer and the menu after it hears the same.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("transfer_reason", sa.String(32), nullable=True))
    calls = sa.table(
        "calls",
        sa.column("status", sa.String),
        sa.column("transfer_to", sa.String),
        sa.column("outcome", sa.String),
        sa.column("reason", sa.String),
        sa.column("transfer_reason", sa.String),
    )
    referral = sa.or_(
        calls.c.outcome.in_(("referral", "share_anonymised")),
        sa.and_(calls.c.outcome == "share_without_consent", calls.c.reason == "risk_of_harm"),
    )
    op.execute(
        calls.update()
        .where(calls.c.status == "in_progress", calls.c.transfer_to.is_not(None))
        .values(
            transfer_reason=sa.case(
                (calls.c.transfer_to == "nspcc", "advice"),
                (calls.c.outcome == "adult_referral", "adult_referral"),
                (referral, "referral"),
                else_="advice",
            )
        )
    )


def downgrade() -> None:
    # SQLite drops a column in place (3.35 and later): no table copy, the indexes stay as made.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE calls DROP COLUMN transfer_reason")
    else:
        op.drop_column("calls", "transfer_reason")
