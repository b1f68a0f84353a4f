"""Call references may grow past six digits, so a call always has a record when those run out.

Downgrading narrows the column back, which is only valid while every reference has six digits:
it refuses otherwise rather than cut a reference a caller wrote down.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The calls table's indexes in the order 0001 and 0003 made them.
CALL_INDEXES = (
    ("ix_calls_started_at", ["started_at"]),
    ("ix_calls_outcome", ["outcome"]),
    ("ix_calls_started_at_id", ["started_at", "id"]),
    ("ix_calls_callback_requested", ["callback_requested"]),
)


def upgrade() -> None:
    resize_reference(12, 6)


def downgrade() -> None:
    widened = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM calls WHERE length(reference) > 6")
    )
    if widened:
        raise RuntimeError(f"{widened} call(s) have references longer than six digits")
    resize_reference(6, 12)


def resize_reference(length: int, was: int) -> None:
    """SQLite copies the table to change a column, and would remake its indexes in no set order.

    Its planner breaks ties between equally good indexes by that order (the calls list relies on
    the keyset index of 0003), so on SQLite they are dropped first and made again as before.
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name, _columns in CALL_INDEXES:
            op.drop_index(name, table_name="calls")
    with op.batch_alter_table("calls") as calls:
        calls.alter_column(
            "reference",
            type_=sa.String(length),
            existing_type=sa.String(was),
            existing_nullable=False,
        )
    if sqlite:
        for name, columns in CALL_INDEXES:
            op.create_index(name, "calls", columns)
