"""Each request, message, delivery and taking is on the call's record, as scripts read it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from flask import Flask

from ivr.cli import main
from tests.callbacks.conftest import FRONT_DOOR_SMS, deliver
from tests.callbacks.test_page import links, take


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
