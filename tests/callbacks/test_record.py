"""Each request, message, delivery and taking is on the call's record, as scripts read it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from ivr import db
from ivr.cli import main
from ivr.messaging.models import CallbackRequest, OutboxEvent, OutboxMessage
from tests.callbacks.conftest import FRONT_DOOR_SMS, deliver
from tests.callbacks.test_page import links, take
from tests.conftest import Clock


def test_the_record_lists_every_call_back_event_with_its_time(
    line: Flask, requested: Callable[[], int]
) -> None:
    requested()
    deliver(line)
    take(line.test_client(), links(line)[0], "Sam")
    runner = line.test_cli_runner()
    [row] = [
        json.loads(x)
        for x in runner.invoke(main, ["calls", "export", "--format", "jsonl"]).output.splitlines()
    ]
    events = [(e["event"], e["detail"]) for e in row["callback"]]
    assert events[0] == ("requested", "front_door")
    assert ("queued", FRONT_DOOR_SMS) in events
    assert ("sent", f"sms to {FRONT_DOOR_SMS}") in events
    assert events[-1] == ("taken", "Sam")
    assert all(e["at"].endswith("Z") for e in row["callback"])
    table = runner.invoke(main, ["calls", "export", "--format", "csv"]).output
    [parsed] = list(csv.DictReader(io.StringIO(table)))
    assert "11:00:00 taken Sam" in parsed["callback"]
    shown = runner.invoke(main, ["calls", "show", row["reference"]]).output
    assert "call back: sent sms to" in shown


def test_purging_a_call_deletes_its_request_messages_and_events(
    line: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    """Messages carry the caller's number: they go with the call's record, not after it."""
    requested()
    deliver(line)
    clock.now += timedelta(days=401)
    result = line.test_cli_runner().invoke(main, ["purge"])
    assert "deleted 1 call record(s)" in result.output, result.output
    with line.app_context(), db.reading() as session:
        for table in (CallbackRequest, OutboxMessage, OutboxEvent):
            assert session.scalar(select(func.count()).select_from(table)) == 0
