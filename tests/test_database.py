"""The schema on SQLite and PostgreSQL: migrations go both ways, URLs mean what operators expect."""

from __future__ import annotations

from sqlalchemy import inspect

from ivr import db


def tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_upgrade_and_downgrade(database_url: str) -> None:
    db.upgrade(database_url)
    assert {"calls", "steps", "audit_log"} <= tables(database_url)
    db.downgrade(database_url, "base")
    assert tables(database_url) <= {"alembic_version"}
    db.upgrade(database_url)
    assert {"calls", "steps", "audit_log"} <= tables(database_url)


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test"
    assert db.normalise_url(url) == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert db.make_engine(url).dialect.driver == "psycopg"
    assert db.normalise_url("sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"
