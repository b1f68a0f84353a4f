"""A webhook's trips to the database: a change that adds a query to every webhook shows up here.

Counted with SQLAlchemy's events: every statement sent (`before_cursor_execute`) and every
commit. On PostgreSQL each is a round trip, and psycopg sends one BEGIN before the first
statement; on SQLite, BEGIN IMMEDIATE is one of the statements (`ivr.db._sqlite_begin`).
benchmarks/RESULTS.md has the profile that settled these numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.conftest import CALLBACK_CONFIG, CALLBACK_SENDER, CALLER, AppFactory, signed_post

SID = "CA" + "ef" * 16
# Statements per kind of webhook, on each database (each also commits once). A call's first
# webhook also looks for a status callback that came before it (ivr.early): one more read, and on
# PostgreSQL the advisory lock that lets the two take turns. On PostgreSQL a webhook's UPDATE of
# its call carries the INSERT of its step (ivr.records.save).
STATEMENTS = {
    "sqlite": {"incoming": 4, "gather": 4, "dial": 4, "status": 3},
    "postgresql": {"incoming": 4, "gather": 2, "dial": 2, "status": 2},
}


Trips = Callable[..., dict[str, int]]


def counted(app: Flask, client: FlaskClient) -> Trips:
    """Post a webhook of the call, and say how many statements and commits it made."""
    engine = app.extensions["ivr.engine"]
    sent: Counter[str] = Counter()

    def statement(*_args: object) -> None:
        sent["statements"] += 1

    def commit(*_args: object) -> None:
        sent["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)

    def trips(path: str, **form: str) -> dict[str, int]:
        sent.clear()
        answered = signed_post(client, path, CallSid=SID, From=CALLER, **form)
        assert answered.status_code in (200, 204), answered.get_data(as_text=True)
        return dict(sent)

    return trips


def test_each_kind_of_webhook_makes_the_trips_the_profile_settled_on(
    app: Flask, client: FlaskClient
) -> None:
    engine = app.extensions["ivr.engine"]
    trips = counted(app, client)
    made = {
        "incoming": trips("/voice/incoming"),
        "gather": trips("/voice/gather?n=0", Digits="0"),  # 0: put through to a person
        "dial": trips("/voice/dial?n=1", DialCallStatus="completed"),
        "status": trips("/voice/status", CallStatus="completed", CallDuration="42"),
    }
    expected = STATEMENTS[engine.dialect.name]
    assert made == {kind: {"statements": n, "commits": 1} for kind, n in expected.items()}


def test_only_a_menu_that_would_offer_a_call_back_asks_whether_a_worker_runs(
    make_app: AppFactory,
) -> None:
    """One read more, and only where a call back would be offered (ivr.messaging.heartbeat)."""
    app = make_app(CALLBACK_SENDER, **CALLBACK_CONFIG)
    trips = counted(app, app.test_client())
    expected = STATEMENTS[app.extensions["ivr.engine"].dialect.name]
    trips("/voice/incoming")
    trips("/voice/gather?n=0", Digits="0")
    not_connected = trips("/voice/dial?n=1", DialCallStatus="busy")
    assert not_connected == {"statements": expected["dial"] + 1, "commits": 1}
    # 1: the transfer again, which offers nothing.
    again = trips("/voice/gather?n=2", Digits="1")
    assert again == {"statements": expected["gather"], "commits": 1}
