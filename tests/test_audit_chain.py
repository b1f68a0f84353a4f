"""The audit trail is tamper-evident: `ivr audit verify` finds any entry changed, removed or
replaced, however it was done, on SQLite and PostgreSQL; concurrent writers never fork it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from ivr import audit, db
from ivr.models import AuditEntry
from tests.conftest import WEDNESDAY_11AM
from tests.test_cli import ivr

ENTRIES = 5
COLUMNS = "(id, at, actor, action, detail, hash)"


@pytest.fixture
def logged(app: Flask) -> Flask:
    """Five entries, one a minute, as the review area and the commands write them."""
    with app.app_context():
        for n in range(ENTRIES):
            with db.session() as session:
                at = WEDNESDAY_11AM + timedelta(minutes=n)
                audit.write(session, at, "sam", "view_call", reference=f"10000{n}")
    return app


def tamper(app: Flask, *statements: str) -> None:
    """What someone with the database, not the app, can do: lift the guards, then write."""
    engine = app.extensions["ivr.engine"]
    lift = {
        "sqlite": [
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
            "DROP TRIGGER audit_log_no_replace",
        ],
        "postgresql": ["ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"],
    }[engine.dialect.name]
    with engine.begin() as connection:
        for statement in [*lift, *statements]:
            connection.execute(text(statement))


def verified(app: Flask, *args: str) -> tuple[int, str]:
    result = ivr(app, "audit", "verify", *args)
    return result.exit_code, result.output


def test_an_untouched_log_verifies_and_names_its_head(logged: Flask) -> None:
    code, output = verified(logged)
    assert code == 0, output
    assert f"{ENTRIES} audit entries, the chain is intact" in output


def test_a_changed_entry_is_found(logged: Flask) -> None:
    tamper(logged, "UPDATE audit_log SET actor = 'ada' WHERE id = 3")
    code, output = verified(logged)
    assert code != 0
    assert "entry 3 " in output and "entry 4 " not in output


def test_a_removed_entry_is_found(logged: Flask) -> None:
    tamper(logged, "DELETE FROM audit_log WHERE id = 2")
    code, output = verified(logged)
    assert code != 0 and "entry 3 " in output


def test_a_replaced_entry_with_a_hash_of_its_own_is_found(logged: Flask) -> None:
    """The careful forger rehashes the entry they replace: the next entry gives them away."""
    with logged.app_context(), db.reading() as session:
        second = session.get(AuditEntry, 2)
        assert second is not None and second.hash is not None
        forged = audit.digest(second.hash, WEDNESDAY_11AM, "nobody", "view_call", {})
    values = f"(3, '2026-11-25 11:00:00.000000', 'nobody', 'view_call', '{{}}', '{forged}')"
    if logged.extensions["ivr.engine"].dialect.name == "sqlite":
        replace = [f"INSERT OR REPLACE INTO audit_log {COLUMNS} VALUES {values}"]
    else:
        replace = [
            "DELETE FROM audit_log WHERE id = 3",
            f"INSERT INTO audit_log {COLUMNS} VALUES {values}",
        ]
    tamper(logged, *replace)
    code, output = verified(logged)
    assert code != 0
    assert "entry 4 " in output and "entry 3 " not in output


def test_the_newest_entries_removed_are_found_from_a_head_written_down(logged: Flask) -> None:
    head = verified(logged)[1].split("head ")[-1].strip()
    tamper(logged, f"DELETE FROM audit_log WHERE id = {ENTRIES}")
    assert verified(logged)[0] == 0, "no later entry is left to notice"
    code, output = verified(logged, "--head", head)
    assert code != 0 and "no longer in the chain" in output


def test_insert_or_replace_is_refused_by_the_database(logged: Flask) -> None:
    engine = logged.extensions["ivr.engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("INSERT OR REPLACE is SQLite's")
    with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT OR REPLACE INTO audit_log (id, at, actor, action, detail) "
                "VALUES (1, '2026-11-25 11:00:00', 'x', 'x', '{}')"
            )
        )


def test_concurrent_writers_keep_one_chain(logged: Flask) -> None:
    """Eight threads, each in its own transaction, appending at once."""
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            with logged.app_context():
                for i in range(5):
                    with db.session() as session:
                        audit.write(session, WEDNESDAY_11AM, f"writer{n}", "view_call", i=i)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    code, output = verified(logged)
    assert code == 0, output
    assert f"{ENTRIES + 40} audit entries" in output


def test_migration_0006_chains_the_entries_already_there(database_url: str, make_app) -> None:
    db.downgrade(database_url, "0004")
    engine = create_engine(db.normalise_url(database_url))
    with engine.begin() as connection:
        for n in range(3):
            connection.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, detail) "
                    "VALUES (:at, 'cli:root', 'purge', :detail)"
                ),
                {"at": WEDNESDAY_11AM.replace(tzinfo=None), "detail": f'{{"count": {n}}}'},
            )
    engine.dispose()
    db.upgrade(database_url)
    app = make_app()
    code, output = verified(app)
    assert code == 0, output
    assert "3 audit entries, the chain is intact" in output
