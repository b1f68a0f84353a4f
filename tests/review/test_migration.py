"""Migration 0003: down and up again cleanly, guards and all; its index serves the calls list."""

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


@pytest.mark.parametrize("after", ["", "20261125T110000000000.5"])
def test_the_calls_list_walks_an_index_not_a_sort(tmp_path, after: str) -> None:
    """Every page reads (started_at, id) in index order, so it stays quick at a million calls."""
    from werkzeug.datastructures import MultiDict

    from ivr.review.filters import Filters, page

    url = f"sqlite:///{tmp_path / 'plan.sqlite3'}"
    db.upgrade(url)
    engine = create_engine(url)
    query, _ = page(Filters.parse(MultiDict()), after)
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        plan = " ".join(row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    engine.dispose()
    assert "ix_calls_started_at_id" in plan and "TEMP B-TREE" not in plan, plan
