"""The call-record database: one engine per app, a session per request, Alembic for the schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """`postgresql://` as operators write it means psycopg 3, the driver the project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_engine(url: str) -> Engine:
    """An engine tuned so that a stuck database fails fast instead of holding a caller."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 5})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(
        url, pool_pre_ping=True, pool_timeout=5, connect_args={"connect_timeout": 5}
    )
    event.listen(engine, "connect", _postgres_settings)
    return engine


def _postgres_settings(connection: Any, _record: Any) -> None:
    """A row held by a stuck transaction must not hold a caller past Twilio's 15 s."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")
    connection.commit()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL lets readers and the writer work at once; foreign keys make cascades real."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Create or migrate the schema to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def init_app(app: Flask) -> None:
    """Give the app its engine and session factory."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["ivr.engine"] = engine
    app.extensions["ivr.sessions"] = sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    factory: sessionmaker[Session] = current_app.extensions["ivr.sessions"]
    with factory() as db, db.begin():
        yield db


def ping() -> None:
    """Raise unless the database answers a trivial query."""
    with current_app.extensions["ivr.engine"].connect() as connection:
        connection.execute(text("SELECT 1"))
