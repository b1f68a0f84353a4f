"""Migrations 0003 and 0009: down and up again cleanly; their indexes serve the calls list."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, create_engine, inspect, select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ivr import db
from ivr.models import Call
from ivr.review.filters import Filters
from tests.conftest import WEDNESDAY_11AM, finished_call


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


def indexes(engine: Engine) -> set[str]:
    """The calls table's indexes, and on SQLite its tables and triggers too, by name."""
    if engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE tbl_name LIKE 'calls%'"
    else:
        query = (
            "SELECT indexname FROM pg_indexes "
            "WHERE tablename = 'calls' AND schemaname = current_schema()"
        )
    with engine.connect() as connection:
        return set(connection.scalars(text(query)))


def matching(engine: Engine, part: str) -> set[str]:
    query = Filters.parse(MultiDict({"q": part})).apply(select(Call.reference))
    with engine.connect() as connection:
        return set(connection.scalars(query))


def stored_at_0008(connection: Connection, call_sid: str, reference: str) -> None:
    """A finished call as revision 0008 stored it: in its columns, not today's model's."""
    connection.execute(
        text(
            "INSERT INTO calls (call_sid, reference, started_at, out_of_hours,"
            " callback_requested, status, state, trail, tries, step_count)"
            " VALUES (:sid, :reference, :at, false, false, 'completed', 'goodbye', '[]', 0, 0)"
        ),
        {"sid": call_sid, "reference": reference, "at": WEDNESDAY_11AM},
    )


def test_0009_indexes_the_calls_already_taken_and_goes_down_and_up(database_url: str) -> None:
    """Calls stored before the trigram index are found by it; downgraded, the old indexes return."""
    db.upgrade(database_url, "0008")
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        for n, reference in enumerate(["123456", "912345", "777777"]):
            stored_at_0008(connection, f"CAmigrated{n}", reference)
    db.upgrade(database_url)
    search = (
        "calls_reference_search" if engine.dialect.name == "sqlite" else "ix_calls_reference_trgm"
    )
    assert {search, "ix_calls_outcome_started"} <= indexes(engine)
    assert "ix_calls_outcome" not in indexes(engine)
    assert matching(engine, "234") == {"123456", "912345"}
    db.downgrade(database_url, "0008")
    assert "ix_calls_outcome" in indexes(engine)
    assert not {search, "ix_calls_outcome_started"} & indexes(engine)
    db.upgrade(database_url)
    with Session(engine) as session, session.begin():
        session.add(finished_call("CAafter", "623499", WEDNESDAY_11AM))
    assert matching(engine, "234") == {"123456", "912345", "623499"}
    engine.dispose()
