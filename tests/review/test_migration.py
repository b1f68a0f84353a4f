"""Migration 0003 goes down and up again cleanly, guards and all."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DatabaseError

from ivr import db


def test_0003_goes_down_and_up(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    db.upgrade(url)
    db.downgrade(url, "0002")
    engine = create_engine(url)
    assert "users" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log"))
    db.upgrade(url)
    assert {"users", "reviews", "callbacks_done", "login_failures"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, detail) "
                "VALUES ('2026-11-25 11:00:00', 'test', 'probe', '{}')"
            )
        )
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log"))
    engine.dispose()
