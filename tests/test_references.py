"""Call references: six digits a caller writes down, unique, and a record for every call."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ivr import db, records, references
from ivr.models import Call
from tests.conftest import (
    CALLER,
    WEDNESDAY_11AM,
    AppFactory,
    PhoneCall,
    finished_call,
    record_of,
    signed_post,
)

SEED = 2026


def hold(app: Flask, taken: Iterable[str]) -> None:
    """Stored calls holding these references, as a line that has taken calls for years would."""
    with app.app_context(), db.session() as session:
        for n, reference in enumerate(sorted(set(taken))):
            session.add(finished_call(f"CAheld{n:026d}", reference, WEDNESDAY_11AM))


@dataclass(frozen=True)
class Seeded:
    """A line logging to `log`, whose first draw of candidates is `drawn`."""

    app: Flask
    log: io.StringIO
    drawn: list[str]

    def warnings(self) -> list[dict[str, str]]:
        lines = [json.loads(line) for line in self.log.getvalue().splitlines()]
        return [line for line in lines if line["logger"] == "ivr.references"]


@pytest.fixture
def seeded(make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """The line draws from a seeded source the test replays to know what it will draw."""
    monkeypatch.setattr(references, "source", random.Random(SEED))
    drawn = references.candidates(random.Random(SEED), references.DIGITS)
    log = io.StringIO()
    return Seeded(make_app({"LOG_STREAM": log}), log, drawn)


def test_when_every_six_digit_reference_drawn_is_taken_the_call_gets_seven_digits(
    seeded: Seeded,
) -> None:
    hold(seeded.app, seeded.drawn)
    played = PhoneCall(seeded.app, ["1", "1", ""])
    played.hears("advice_emergency_999", "reference")
    reference = played.record["reference"]
    assert len(reference) == 7 and reference.isdigit()
    assert any(", ".join(reference) in text for text in played.said()), played.transcript
    with seeded.app.app_context(), db.session() as session:
        assert session.scalar(select(func.count()).where(Call.reference == reference)) == 1
    [warning] = seeded.warnings()
    assert warning["level"] == "WARNING"
    assert "running out" in warning["message"] and "ivr purge" in warning["message"]
    assert reference not in warning["message"] and CALLER not in seeded.log.getvalue()


def test_the_first_free_reference_drawn_is_given_and_stays_six_digits(seeded: Seeded) -> None:
    free = seeded.drawn[-1]
    hold(seeded.app, [ref for ref in seeded.drawn if ref != free])
    assert PhoneCall(seeded.app, ["1", "1", ""]).record["reference"] == free
    assert seeded.warnings() == []


def open_calls(app: Flask, count: int) -> list[str]:
    with app.app_context(), db.session() as session:
        return [
            records.open_call(session, f"CA{n:032d}", CALLER, WEDNESDAY_11AM, False).reference
            for n in range(count)
        ]


def test_calls_on_a_line_with_room_get_six_digit_references_all_different(app: Flask) -> None:
    opened = open_calls(app, 400)
    assert all(len(ref) == references.DIGITS and ref.isdigit() for ref in opened)
    assert len(set(opened)) == len(opened)


def test_a_reference_another_server_takes_first_is_drawn_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    [taken] = open_calls(app, 1)
    raced = [taken]  # free when read, then inserted by another server before this one could
    real_free: Callable[[Session], str] = references.free
    monkeypatch.setattr(
        references, "free", lambda session: raced.pop() if raced else real_free(session)
    )
    sid = "CA" + "cd" * 16
    assert signed_post(app.test_client(), "/voice/incoming", CallSid=sid).status_code == 200
    assert raced == []
    reference = record_of(app, sid)["reference"]
    assert reference != taken and len(reference) == references.DIGITS


def test_the_first_webhook_delivered_twice_keeps_one_record_and_one_reference(
    app: Flask,
) -> None:
    client, sid = app.test_client(), "CA" + "ef" * 16
    first = signed_post(client, "/voice/incoming", CallSid=sid, From=CALLER)
    reference = record_of(app, sid)["reference"]
    again = signed_post(client, "/voice/incoming", CallSid=sid, From=CALLER)
    assert again.get_data(as_text=True) == first.get_data(as_text=True)
    assert record_of(app, sid)["reference"] == reference
    with app.app_context(), db.session() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 1


@pytest.mark.postgres
def test_free_references_are_looked_up_in_the_unique_index(app: Flask) -> None:
    """Not the review area's trigram index, which can answer `=` too, at 40 ms a lookup or more."""
    hold(app, (f"{n:06d}" for n in range(0, 1_000_000, 331)))
    engine = app.extensions["ivr.engine"]
    drawn = references.candidates(random.Random(SEED), references.DIGITS)
    lookup = references.TAKEN.params(drawn=drawn).compile(
        engine, compile_kwargs={"literal_binds": True}
    )
    with engine.connect() as connection:
        connection.execute(text("ANALYZE calls"))
        plan = " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {lookup}"))
    assert "calls_reference_key" in plan, plan
