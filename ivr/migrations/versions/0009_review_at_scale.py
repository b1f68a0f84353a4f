"""Indexes for the calls list at a million calls: any part of a reference, and one outcome.

Supervisors search by the middle digits of a reference as often as by its start, which no
ordinary index serves: without one every search read every reference. The trigram index:

- PostgreSQL: pg_trgm's GIN index on `lower(reference)`, which the search asks for as
  `lower(reference) LIKE '%...%'`. Not on the column itself: pg_trgm's index also answers `=`,
  and the planner then took it over the unique index for the lookup of free references that
  every call's first webhook makes (43 ms instead of a fraction of one at 20,000 calls). pg_trgm
  is a trusted extension, so the database's owner may create it; it goes in `public` unless it
  is already installed elsewhere, and stays on downgrade, as other tables may use it.
- SQLite: an FTS5 table with the trigram tokenizer over calls.reference (external content, so
  it holds no copy of a reference), kept by triggers on every insert, delete and change of a
  reference, and filled here from the existing calls. A later migration that rebuilds the
  calls table on SQLite (batch_alter_table) drops these triggers and must make them again.

The list filtered by outcome is newest first within that outcome: (outcome, started_at, id)
serves it in order, where the index on outcome alone made SQLite sort every such call; hours
and transfer result follow, so the list's count with those filters too reads the index, not
200,000 rows. It replaces the index on outcome alone, which it begins with.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE calls_reference_search USING fts5("
    "reference, content='calls', content_rowid='id', tokenize='trigram')",
    "INSERT INTO calls_reference_search(calls_reference_search) VALUES ('rebuild')",
    "CREATE TRIGGER calls_reference_search_insert AFTER INSERT ON calls BEGIN "
    "INSERT INTO calls_reference_search(rowid, reference) VALUES (new.id, new.reference); END",
    "CREATE TRIGGER calls_reference_search_delete AFTER DELETE ON calls BEGIN "
    "INSERT INTO calls_reference_search(calls_reference_search, rowid, reference) "
    "VALUES ('delete', old.id, old.reference); END",
    "CREATE TRIGGER calls_reference_search_update AFTER UPDATE OF id, reference ON calls BEGIN "
    "INSERT INTO calls_reference_search(calls_reference_search, rowid, reference) "
    "VALUES ('delete', old.id, old.reference); "
    "INSERT INTO calls_reference_search(rowid, reference) VALUES (new.id, new.reference); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER calls_reference_search_update",
    "DROP TRIGGER calls_reference_search_delete",
    "DROP TRIGGER calls_reference_search_insert",
    "DROP TABLE calls_reference_search",
)


def upgrade() -> None:
    op.create_index(
        "ix_calls_outcome_started",
        "calls",
        ["outcome", "started_at", "id", "out_of_hours", "transfer_status"],
    )
    op.drop_index("ix_calls_outcome", table_name="calls")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        schema = bind.scalar(
            sa.text(
                "SELECT extnamespace::regnamespace::text FROM pg_extension "
                "WHERE extname = 'pg_trgm'"
            )
        )
        op.execute(
            "CREATE INDEX ix_calls_reference_trgm ON calls "
            f"USING gin (lower(reference) {schema}.gin_trgm_ops)"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    elif dialect == "postgresql":
        op.drop_index("ix_calls_reference_trgm", table_name="calls")
    op.create_index("ix_calls_outcome", "calls", ["outcome"])
    op.drop_index("ix_calls_outcome_started", table_name="calls")
