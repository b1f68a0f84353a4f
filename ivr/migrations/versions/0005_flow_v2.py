"""Call flow version 2: the caller's consent answer on the record, and no spoken words kept.

Version 1 stored what a caller said. Version 2 keeps only the key an answer stood for, so the
words already stored are blanked: a spoken step keeps its kind and time, never its text.
Downgrading drops the consent column; the words are gone for good, as they should be.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# What a keypad can send: anything else in a step's input was words.
KEYPAD = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#")


def upgrade() -> None:
    op.add_column("calls", sa.Column("consent", sa.String(16), nullable=True))
    steps = sa.table("steps", sa.column("kind", sa.String), sa.column("input", sa.String))
    op.execute(
        steps.update()
        .where(steps.c.kind.in_(("speech", "invalid")), steps.c.input.not_in(KEYPAD))
        .values(input="")
    )


def downgrade() -> None:
    # SQLite drops a column in place (3.35 and later): no table copy, the indexes stay as made.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE calls DROP COLUMN consent")
    else:
        op.drop_column("calls", "consent")
