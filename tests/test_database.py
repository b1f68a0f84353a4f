"""The schema on SQLite and PostgreSQL: migrations go both ways, URLs mean what operators expect."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, insert, inspect, select, text

from ivr import db, records
from ivr.cli import main
from ivr.models import Call, Step


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


def upgrade_with_the_others(url: str, start: Barrier, results: Queue) -> None:
    """One server starting: it upgrades the database the moment the others do."""
    start.wait()
    try:
        db.upgrade(url)
        results.put("upgraded")
    except Exception as error:
        results.put(f"{type(error).__name__}: {error}")


def test_servers_starting_together_on_a_new_database_all_upgrade_it(database_url: str) -> None:
    """Three processes (servers, or a server and worker hosts) upgrading one new database at
    once: each starts, none fails on the tables another is making."""
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(3), spawn.Queue()
    servers = [
        spawn.Process(target=upgrade_with_the_others, args=(database_url, start, results))
        for _ in range(3)
    ]
    for server in servers:
        server.start()
    said = [results.get(timeout=120) for _ in servers]
    for server in servers:
        server.join(timeout=30)
    assert said == ["upgraded"] * 3
    head = ScriptDirectory.from_config(db.alembic_config(database_url)).get_current_head()
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as connection:
            versions = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
        assert versions == [head]
    finally:
        engine.dispose()


def reference_length(engine: Engine) -> int:
    [column] = [c for c in inspect(engine).get_columns("calls") if c["name"] == "reference"]
    return column["type"].length


def store_call(engine: Engine, reference: str) -> None:
    """A call with one answered step, written below the ORM as any schema version holds it."""
    at = datetime(2026, 11, 25, 11, tzinfo=UTC)
    with engine.begin() as connection:
        call_id = connection.scalar(
            insert(Call)
            .values(
                call_sid=f"CA{reference:0>32}",
                reference=reference,
                started_at=at,
                out_of_hours=False,
                callback_requested=False,
                status="completed",
                state="goodbye",
                trail=[],
                tries=0,
                step_count=1,
            )
            .returning(Call.id)
        )
        connection.execute(
            insert(Step).values(
                call_id=call_id, seq=0, step="main_menu", input="1", kind="key", at=at
            )
        )


def test_migration_0004_widens_references_keeping_every_record_and_narrows_only_if_it_can(
    database_url: str,
) -> None:
    engine = db.make_engine(database_url)
    try:
        db.upgrade(database_url, "0003")
        store_call(engine, "123456")
        indexes = {index["name"] for index in inspect(engine).get_indexes("calls")}
        db.upgrade(database_url, "0004")
        assert reference_length(engine) == 12
        assert {index["name"] for index in inspect(engine).get_indexes("calls")} == indexes
        store_call(engine, "1234567")
        with pytest.raises(RuntimeError, match="longer than six digits"):
            db.downgrade(database_url, "0003")
        with engine.begin() as connection:
            connection.execute(Call.__table__.delete().where(Call.reference == "1234567"))
        db.downgrade(database_url, "0003")
        assert reference_length(engine) == 6
        with engine.connect() as connection:
            assert connection.scalars(select(Call.reference)).all() == ["123456"]
            assert connection.scalar(select(func.count()).select_from(Step)) == 1
    finally:
        engine.dispose()


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test"
    assert db.normalise_url(url) == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert db.make_engine(url).dialect.driver == "psycopg"
    assert db.normalise_url("sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"


def test_a_call_changed_but_never_saved_fails_its_transaction_instead_of_losing_the_change(
    app, call
) -> None:
    sid = call("2", "h").log.call_sid

    def forget_to_save(session) -> None:
        records.load(session, sid, lock=True).state = "goodbye"  # type: ignore[union-attr]

    with app.app_context():
        with pytest.raises(RuntimeError, match="changed but not saved"):
            db.write(forget_to_save)
        with db.reading() as session:
            assert session.scalar(select(Call.state).where(Call.call_sid == sid)) != "goodbye"


def ivr_command(database_url: str, tmp_path: Path, *args: str) -> Result:
    """An `ivr` command as an operator runs it, on the test's database."""
    env = {"IVR_DATABASE_URL": database_url, "IVR_INSTANCE_PATH": str(tmp_path / "instance")}
    return CliRunner().invoke(main, list(args), env=env)


def test_a_rollback_downgrades_with_the_newer_release_then_the_older_one_starts(
    database_url: str, tmp_path: Path
) -> None:
    """`ivr db upgrade` names the revision to come back to; `ivr db downgrade` goes back to it."""
    head = ScriptDirectory.from_config(db.alembic_config(database_url)).get_current_head()
    upgraded = ivr_command(database_url, tmp_path, "db", "upgrade")
    assert f"up to date, revision {head}" in upgraded.output, upgraded.output
    back = ivr_command(database_url, tmp_path, "db", "downgrade", "0009", "--yes")
    assert back.exit_code == 0, back.output
    assert "revision 0009" in back.output
    assert "callback_workers" not in tables(database_url)


def test_a_release_behind_its_database_says_to_downgrade_with_the_newer_one(
    database_url: str, tmp_path: Path
) -> None:
    db.upgrade(database_url)
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    ran = ivr_command(database_url, tmp_path, "calls", "list")
    assert ran.exit_code != 0
    assert "the database is ahead of this release" in ran.output
    assert "ivr db downgrade" in ran.output
    assert "Traceback" not in ran.output


def test_migration_0011_gives_calls_in_a_transfer_the_reason_their_outcome_gave(
    database_url: str,
) -> None:
    """A caller between a failed referral transfer and the menu after it, during the upgrade,
    still hears that the referral has not been made; finished calls are left unknown."""
    db.upgrade(database_url, "0010")
    engine = db.make_engine(database_url)
    at = datetime(2026, 11, 1, 9, 0)
    calls = [
        ("CAref", "100001", "in_progress", "not_connected", "front_door", "referral", None),
        ("CAadult", "100002", "in_progress", "not_connected", "adult_social_care",
         "adult_referral", None),
        ("CAharm", "100003", "in_progress", "not_connected", "front_door",
         "share_without_consent", "risk_of_harm"),
        ("CAnspcc", "100004", "in_progress", "not_connected", "nspcc", "referral", None),
        ("CAplain", "100005", "in_progress", "not_connected", "front_door", "speak_to_someone",
         None),
        ("CAdone", "100006", "completed", "goodbye", "front_door", "referral", None),
        ("CAmenu", "100007", "in_progress", "purpose", None, None, None),
    ]  # fmt: skip
    with engine.begin() as connection:
        for sid, reference, status, state, to, outcome, reason in calls:
            connection.execute(
                text(
                    "INSERT INTO calls (call_sid, reference, started_at, out_of_hours,"
                    " callback_requested, status, state, trail, tries, step_count,"
                    " transfer_to, outcome, reason)"
                    " VALUES (:sid, :reference, :at, false, false, :status, :state, '[]', 0, 0,"
                    " :to, :outcome, :reason)"
                ),
                {"sid": sid, "reference": reference, "at": at, "status": status,
                 "state": state, "to": to, "outcome": outcome, "reason": reason},
            )  # fmt: skip
    db.upgrade(database_url)
    with engine.connect() as connection:
        found = dict(connection.execute(text("SELECT call_sid, transfer_reason FROM calls")).all())
    engine.dispose()
    assert found == {
        "CAref": "referral",
        "CAadult": "adult_referral",
        "CAharm": "referral",
        "CAnspcc": "advice",
        "CAplain": "advice",
        "CAdone": None,
        "CAmenu": None,
    }


def test_migration_0012_settles_requests_made_before_it_as_handed_over_to_nobody(
    database_url: str,
) -> None:
    """A request left open for weeks before the upgrade is not sent to the team on duty at the
    worker's first pass, saying its team has only just gone off duty."""
    db.upgrade(database_url, "0011")
    engine = db.make_engine(database_url)
    asked = datetime(2026, 10, 14, 16, 50)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO calls (call_sid, reference, started_at, out_of_hours,"
                " callback_requested, status, state, trail, tries, step_count, transfer_to)"
                " VALUES ('CAold', '100001', :at, false, true, 'completed', 'goodbye', '[]', 0, 0,"
                " 'front_door')"
            ),
            {"at": asked},
        )
        connection.execute(
            text(
                "INSERT INTO callback_requests (call_id, team, requested_at, link_base)"
                " SELECT id, 'front_door', :at, 'https://ivr.example.org' FROM calls"
            ),
            {"at": asked},
        )
    db.upgrade(database_url)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT handover_at, handed_over_to FROM callback_requests")
        ).one()
    engine.dispose()
    assert found[0] is not None and found[1] is None
