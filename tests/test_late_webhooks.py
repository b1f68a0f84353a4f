"""Webhooks handled after Twilio's status callback said the call was over.

Twilio does not promise the order of its requests: a caller who presses a key and hangs up at
once, or who hangs up during a transfer, can have the status callback handled first. The record
then says how the call ended, and nothing that comes later may add to what the caller heard.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.conftest import AppFactory, Clock, record_of, signed_post
from tests.test_concurrency import answer, hang_up, play_to_advice, start

LATER = timedelta(seconds=2)


def verbs(reply: TestResponse) -> list[str]:
    """The TwiML verbs Twilio is told to carry out, in order."""
    assert reply.status_code == 200 and reply.mimetype == "text/xml"
    return [verb.tag for verb in ET.fromstring(reply.get_data(as_text=True))]


def dial_result(app: Flask, sid: str, n: int, status: str) -> TestResponse:
    """Twilio's request to the <Dial> action: how the transfer went."""
    return signed_post(app.test_client(), f"/voice/dial?n={n}", CallSid=sid, DialCallStatus=status)


def ended(record: dict[str, Any]) -> tuple[Any, ...]:
    return record["status"], record["ended_at"], record["duration_seconds"]


def test_a_key_handled_after_the_hang_up_records_no_advice_nobody_heard(
    app: Flask, clock: Clock
) -> None:
    n = play_to_advice(app, "CAkeylate")
    assert hang_up(app, "CAkeylate").status_code == 204
    closed = record_of(app, "CAkeylate")
    clock.now += LATER
    late = answer(app, "CAkeylate", n, "3")
    assert verbs(late) == ["Hangup"]
    kept = record_of(app, "CAkeylate")
    assert kept["outcome"] == "abandoned"
    assert [(s["step"], s["input"]) for s in kept["steps"]] == [("main_menu", "1")]
    assert ended(kept) == ended(closed) == ("completed", closed["ended_at"], 30)


def test_a_key_handled_before_the_hang_up_keeps_the_advice_it_gave(
    app: Flask, clock: Clock
) -> None:
    n = play_to_advice(app, "CAkeyfirst")
    last = answer(app, "CAkeyfirst", n, "3")
    assert "Gather" in verbs(last)
    clock.now += LATER
    assert hang_up(app, "CAkeyfirst").status_code == 204
    kept = record_of(app, "CAkeyfirst")
    assert kept["outcome"] == "emergency_999"
    assert [(s["step"], s["input"]) for s in kept["steps"]] == [
        ("main_menu", "1"),
        ("danger_now", "3"),
    ]
    assert kept["status"] == "completed" and kept["duration_seconds"] == 30


def test_a_late_key_is_in_the_log_as_late(make_app: AppFactory) -> None:
    stream = io.StringIO()
    app = make_app({"LOG_STREAM": stream})
    n = play_to_advice(app, "CAlogged")
    hang_up(app, "CAlogged")
    answer(app, "CAlogged", n, "3")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    gathers = [line for line in lines if line.get("endpoint") == "voice.gather"]
    assert [line.get("late") for line in gathers] == [None, True]
    assert gathers[-1]["answer"] == "hangup"
    assert gathers[-1]["outcome"] == "abandoned"


@pytest.mark.parametrize("result", ["completed", "busy"])
def test_a_transfer_result_after_the_hang_up_is_recorded_and_goes_no_further(
    app: Flask, clock: Clock, result: str
) -> None:
    start(app, "CAdiallate")
    assert "Dial" in verbs(answer(app, "CAdiallate", 0, "0"))
    hang_up(app, "CAdiallate")
    closed = record_of(app, "CAdiallate")
    clock.now += LATER
    late = dial_result(app, "CAdiallate", 1, result)
    assert verbs(late) == ["Hangup"]
    assert verbs(dial_result(app, "CAdiallate", 1, result)) == ["Hangup"]
    kept = record_of(app, "CAdiallate")
    assert kept["transfer_status"] == result
    assert kept["outcome"] == "speak_to_someone"
    assert [(s["step"], s["input"]) for s in kept["steps"]] == [
        ("main_menu", "0"),
        ("transfer", result),
    ]
    # The transfer cannot have outlasted the call: the record shows nothing after its end.
    assert kept["steps"][-1]["at"] <= kept["ended_at"]
    assert ended(kept) == ended(closed)


def test_a_menu_the_caller_never_heard_takes_no_answer_after_the_hang_up(
    app: Flask, clock: Clock
) -> None:
    start(app, "CAnomenu")
    answer(app, "CAnomenu", 0, "0")
    hang_up(app, "CAnomenu")
    dial_result(app, "CAnomenu", 1, "busy")
    clock.now += LATER
    assert verbs(answer(app, "CAnomenu", 2, "2")) == ["Hangup"]
    kept = record_of(app, "CAnomenu")
    assert kept["callback_requested"] is False
    assert [s["step"] for s in kept["steps"]] == ["main_menu", "transfer"]


def test_a_transfer_result_before_the_hang_up_moves_the_call_on(app: Flask) -> None:
    start(app, "CAdialfirst")
    answer(app, "CAdialfirst", 0, "0")
    not_connected = dial_result(app, "CAdialfirst", 1, "busy")
    assert "Gather" in verbs(not_connected)
    hang_up(app, "CAdialfirst")
    kept = record_of(app, "CAdialfirst")
    assert kept["transfer_status"] == "busy" and kept["duration_seconds"] == 30


def test_the_lines_own_goodbye_still_answers_a_retried_webhook_until_twilio_ends_the_call(
    app: Flask,
) -> None:
    """Decision route: no significant harm, no clear purpose (do_not_share), then silence."""
    start(app, "CAgoodbye")
    for n, key in enumerate(["2", "2", "2"]):
        answer(app, "CAgoodbye", n, key)
    goodbye = answer(app, "CAgoodbye", 3)
    assert record_of(app, "CAgoodbye")["status"] == "completed"
    retried = answer(app, "CAgoodbye", 3)
    assert retried.get_data() == goodbye.get_data() and "Say" in verbs(retried)
    hang_up(app, "CAgoodbye")
    assert verbs(answer(app, "CAgoodbye", 3)) == ["Hangup"]
    kept = record_of(app, "CAgoodbye")
    assert kept["outcome"] == "do_not_share"
    assert [s["kind"] for s in kept["steps"]] == ["key", "key", "key", "silence"]
