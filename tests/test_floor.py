"""The benchmark's floor must do a webhook's unavoidable work, or the floor it reports is too low.

benchmarks/RESULTS.md compares the line with it to say which part of a webhook's cost is the
libraries' and which the line's own; a floor that skipped the signature, the record or the log
line would make the libraries look cheaper than they are. Run on SQLite and, in the suite's
PostgreSQL pass, on PostgreSQL, where the step goes inside the UPDATE.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from twilio.request_validator import RequestValidator

from benchmarks.floor import QUESTION, make_app
from ivr import db
from ivr.models import Call, Step
from ivr.phone import FlaskTransport, Phone, ScriptedAnswerer

TOKEN = "floor-test-token"
BASE = "http://localhost"


@pytest.fixture
def log() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def floor(database_url: str, log: io.StringIO) -> Iterator[Flask]:
    db.upgrade(database_url)
    app = make_app(database_url, TOKEN, log)
    yield app
    app.extensions["ivr.engine"].dispose()


def recorded(app: Flask) -> tuple[list[dict[str, object]], list[tuple[str, str]]]:
    with app.extensions["ivr.engine"].connect() as connection:
        calls = [dict(row) for row in connection.execute(select(Call.__table__)).mappings()]
        steps = connection.execute(select(Step.kind, Step.input).order_by(Step.seq)).all()
    return calls, [tuple(step) for step in steps]


def test_a_call_on_the_floor_is_recorded_answer_by_answer_logged_and_closed(
    floor: Flask, log: io.StringIO
) -> None:
    answers = ScriptedAnswerer(["1", "2", "0", "busy", "1"])
    assert (
        QUESTION
        in Phone(FlaskTransport(floor), f"{BASE}/voice/incoming", TOKEN, answers).call().heard()
    )
    calls, steps = recorded(floor)
    assert steps == [
        ("gather", "1"), ("gather", "2"), ("gather", "0"), ("dial", "busy"), ("gather", "1"),
    ]  # fmt: skip
    (call,) = calls
    assert (call["status"], call["step_count"], call["transfer_status"]) == ("completed", 5, "busy")
    assert call["ended_at"] is not None
    logged = [json.loads(line)["webhook"] for line in log.getvalue().splitlines()]
    assert logged == ["incoming", "gather", "gather", "gather", "dial", "gather", "status"]


@pytest.mark.parametrize(
    ("path", "more"),
    [
        ("/voice/gather?n=0", {"Digits": "1"}),
        ("/voice/dial?n=0", {"DialCallStatus": "completed"}),
        ("/voice/status", {"CallStatus": "completed", "CallDuration": "30"}),
    ],
)
def test_the_floor_refuses_a_webhook_not_signed_with_its_token_and_writes_nothing(
    floor: Flask, path: str, more: dict[str, str]
) -> None:
    Phone(FlaskTransport(floor), f"{BASE}/voice/incoming", TOKEN, ScriptedAnswerer([])).call()
    before = recorded(floor)
    (call,) = before[0]
    form = {"CallSid": str(call["call_sid"]), **more}
    forged = RequestValidator("not-the-token").compute_signature(BASE + path, form)
    client = floor.test_client()
    assert client.post(path, data=form, headers={"X-Twilio-Signature": forged}).status_code == 403
    assert client.post(path, data=form).status_code == 403
    assert recorded(floor) == before


def test_the_floor_refuses_an_unsigned_first_webhook_and_opens_no_call(floor: Flask) -> None:
    Phone(
        FlaskTransport(floor), f"{BASE}/voice/incoming", "not-the-token", ScriptedAnswerer(["1"])
    ).call()
    with floor.extensions["ivr.engine"].connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Call.__table__)) == 0


def test_a_gather_on_the_floor_sends_the_statements_the_line_does(floor: Flask) -> None:
    """The floor is the line's cheapest form of the work: on PostgreSQL the step inside the
    UPDATE (a lock and one write), on SQLite BEGIN IMMEDIATE, the read, the UPDATE, the INSERT."""
    Phone(FlaskTransport(floor), f"{BASE}/voice/incoming", TOKEN, ScriptedAnswerer([])).call()
    (call,) = recorded(floor)[0]
    form = {"CallSid": str(call["call_sid"]), "Digits": "1"}
    signature = RequestValidator(TOKEN).compute_signature(f"{BASE}/voice/gather?n=0", form)
    engine = floor.extensions["ivr.engine"]
    sent: list[str] = []

    def count(_connection: object, _cursor: object, statement: str, *_rest: object) -> None:
        sent.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = floor.test_client().post(
            "/voice/gather?n=0", data=form, headers={"X-Twilio-Signature": signature}
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    expected = ["SELECT", "WITH"] if engine.dialect.name == "postgresql" else [
        "BEGIN", "SELECT", "UPDATE", "INSERT",
    ]  # fmt: skip
    assert sent == expected
