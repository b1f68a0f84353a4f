"""The benchmark's floor must do a webhook's unavoidable work, or the floor it reports is too low.

benchmarks/RESULTS.md compares the line with it to say which part of a webhook's cost is the
libraries' and which the line's own; a floor that skipped the signature or the record would
make the libraries look cheaper than they are.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from benchmarks.floor import QUESTION, make_app
from ivr import db
from ivr.models import Call, Step
from ivr.phone import FlaskTransport, Phone, ScriptedAnswerer

TOKEN = "floor-test-token"
START = "http://localhost/voice/incoming"


@pytest.fixture
def floor(tmp_path: Path) -> Flask:
    url = f"sqlite:///{tmp_path / 'floor.sqlite3'}"
    db.upgrade(url)
    app = make_app(url, TOKEN, io.StringIO())
    yield app
    app.extensions["ivr.engine"].dispose()


def test_a_call_on_the_floor_is_recorded_answer_by_answer_and_closed(floor: Flask) -> None:
    answers = ScriptedAnswerer(["1", "2", "0", "busy", "1"])
    assert QUESTION in Phone(FlaskTransport(floor), START, TOKEN, answers).call().heard()
    with floor.extensions["ivr.engine"].connect() as connection:
        call = connection.execute(select(Call.__table__)).one()
        steps = connection.execute(
            select(Step.kind, Step.input).where(Step.call_id == call.id).order_by(Step.seq)
        ).all()
    assert [tuple(step) for step in steps] == [
        ("gather", "1"), ("gather", "2"), ("gather", "0"), ("dial", "busy"), ("gather", "1"),
    ]  # fmt: skip
    assert (call.status, call.step_count, call.transfer_status) == ("completed", 5, "busy")
    assert call.ended_at is not None


def test_the_floor_refuses_an_unsigned_webhook_and_records_nothing(floor: Flask) -> None:
    Phone(FlaskTransport(floor), START, "not-the-token", ScriptedAnswerer(["1"])).call()
    with floor.extensions["ivr.engine"].connect() as connection:
        assert connection.execute(select(Call.id)).all() == []
