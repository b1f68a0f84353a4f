"""A call-back request is recorded with one message per address of the team, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from ivr import db
from ivr.messaging.models import CallbackRequest, OutboxMessage
from ivr.messaging.outbox import request_callback
from ivr.models import Call
from tests.callbacks.conftest import (
    FRONT_DOOR_EMAIL,
    FRONT_DOOR_SMS,
    PUBLIC,
    ask_for_call_back,
    events,
    failed_transfer,
    messages,
)
from tests.callbacks.test_page import links
from tests.conftest import AppFactory, Clock


def test_one_message_per_address_of_the_team_the_transfer_was_for(
    line: Flask, requested: Callable[[], int]
) -> None:
    requested()
    queued = messages(line)
    assert [(m.channel, m.address, m.status) for m in queued] == [
        ("sms", FRONT_DOOR_SMS, "queued"),
        ("email", FRONT_DOOR_EMAIL, "queued"),
    ]
    assert [name for name, _ in events(line)] == ["requested", "queued", "queued"]


def test_the_message_says_who_to_call_which_call_when_and_why(
    line: Flask, requested: Callable[[], int]
) -> None:
    requested()
    text, mail = messages(line)
    for body in (text.body, mail.body):
        assert "07911 123456" in body
        assert "11:00 GMT on Wednesday 25 November 2026" in body
        assert "they asked to speak to someone" in body
        assert f"{PUBLIC}/callbacks/" in body
    with line.app_context(), db.reading() as session:
        reference = session.scalars(select(Call.reference)).one()
    assert reference in text.body and reference in mail.subject


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "01:30 BST on Sunday 25 October 2026"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "01:30 GMT on Sunday 25 October 2026"),
    ],
)
def test_the_time_is_when_they_asked_in_uk_time_with_gmt_or_bst(
    line: Flask, clock: Clock, asked: datetime, said: str
) -> None:
    """The night the clocks go back, 01:30 happens twice; and the menus and a transfer that
    rang out take minutes, so the call's start is not when the caller asked."""
    clock.now = asked - timedelta(minutes=2, seconds=40)
    sid = failed_transfer(line)
    clock.now = asked
    ask_for_call_back(line, sid, clock)
    for message in messages(line):
        assert f"asked at {said}" in message.body or f"call back at {said}" in message.body
        assert "01:27" not in message.body
    page = line.test_client().get(links(line)[0]).get_data(as_text=True)
    assert said in page and "01:27" not in page


def test_a_repeated_webhook_queues_nothing_more(line: Flask, clock: Clock) -> None:
    sid = failed_transfer(line)
    first = ask_for_call_back(line, sid, clock)
    assert ask_for_call_back(line, sid, clock) == first
    assert len(messages(line)) == 2


def test_no_request_without_a_channel(make_app: AppFactory, clock: Clock) -> None:
    """The shipped config gives no team a channel: nothing can be promised, nothing is written."""
    app = make_app()
    assert ask_for_call_back(app, failed_transfer(app), clock) is None
    assert messages(app) == []
    with app.app_context(), db.reading() as session:
        assert session.scalar(select(func.count(CallbackRequest.id))) == 0


def test_a_request_is_never_recorded_without_its_messages(line: Flask, clock: Clock) -> None:
    """The webhook's transaction fails after queuing: neither request nor messages remain."""
    sid = failed_transfer(line)

    def work(tx: db.Transaction) -> None:
        call = tx.session.scalars(select(Call).where(Call.call_sid == sid)).one()
        request_callback(tx.session, call, clock(), PUBLIC)
        raise RuntimeError("the webhook failed after queuing")

    with line.app_context(), pytest.raises(RuntimeError):
        db.write(work)
    with line.app_context(), db.reading() as session:
        assert session.scalar(select(func.count(OutboxMessage.id))) == 0
        assert session.scalar(select(func.count(CallbackRequest.id))) == 0
        assert not session.scalars(select(Call.callback_requested)).one()
