"""Alembic's entry point: migrations run against the URL `ivr.db` puts in the config."""

from alembic import context
from sqlalchemy import create_engine

from ivr.db import one_migration_at_a_time
from ivr.models import Base

config = context.config
target_metadata = Base.metadata

engine = create_engine(config.get_main_option("sqlalchemy.url"))
# A migration that refuses (0004's downgrade can) must not leave its connection open.
try:
    with engine.connect() as connection, one_migration_at_a_time(connection):
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
