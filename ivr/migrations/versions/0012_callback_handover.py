"""When a call-back request still not taken went to the team that came on duty after its own.

A request asked of the front door at 16:40 and escalated at 16:55 reached nobody on duty from
17:00: the emergency duty service was never told, and the request waited unseen until the next
morning. The worker now hands such a request over, once, and records when and to whom.

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


COLUMNS = ("handover_at", "handed_over_to")


def upgrade() -> None:
    op.add_column("callback_requests", sa.Column("handover_at", sa.DateTime, nullable=True))
    op.add_column("callback_requests", sa.Column("handed_over_to", sa.String(32), nullable=True))
    # Requests made before the upgrade are settled as they are, handed over to nobody: the
    # worker's first pass must not send the team on duty every request left open for months,
    # each saying its team has only just gone off duty.
    requests = sa.table(
        "callback_requests", sa.column("requested_at", sa.DateTime), sa.column("handover_at")
    )
    op.execute(requests.update().values(handover_at=requests.c.requested_at))


def downgrade() -> None:
    for column in COLUMNS:
        # SQLite drops a column in place (3.35 and later): no table copy, the indexes stay.
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE callback_requests DROP COLUMN {column}")
        else:
            op.drop_column("callback_requests", column)
