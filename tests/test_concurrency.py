"""Twilio retries, races and crowds: every step recorded once, no outcome lost or overwritten."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.conftest import CALLER, PhoneCall, essence, record_of, signed_post


def start(app: Flask, sid: str) -> None:
    assert signed_post(app.test_client(), "/voice/incoming", CallSid=sid, From=CALLER).status_code
    assert record_of(app, sid)["status"] == "in_progress"


def answer(app: Flask, sid: str, n: int, digits: str = "") -> TestResponse:
    form = {"CallSid": sid, **({"Digits": digits} if digits else {})}
    return signed_post(app.test_client(), f"/voice/gather?n={n}", **form)


def hang_up(app: Flask, sid: str) -> TestResponse:
    return signed_post(
        app.test_client(), "/voice/status", CallSid=sid, CallStatus="completed", CallDuration="30"
    )


def at_once(*actions: Callable[[], TestResponse]) -> list[TestResponse]:
    """Run the actions in threads released together, as Twilio's deliveries can arrive."""
    barrier = threading.Barrier(len(actions))

    def run(action: Callable[[], TestResponse]) -> TestResponse:
        barrier.wait()
        return action()

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


@pytest.mark.parametrize("digits", ["2", "", "7"], ids=["key", "silence", "invalid"])
def test_a_webhook_delivered_twice_records_once_and_answers_the_same(
    app: Flask, digits: str
) -> None:
    start(app, "CAtwice")
    first, again = answer(app, "CAtwice", 0, digits), answer(app, "CAtwice", 0, digits)
    assert first.status_code == again.status_code == 200
    assert again.get_data(as_text=True) == first.get_data(as_text=True)
    assert len(record_of(app, "CAtwice")["steps"]) == 1


def test_the_same_webhook_delivered_twice_at_once_records_once(app: Flask) -> None:
    start(app, "CAracing")
    replies = at_once(*[lambda: answer(app, "CAracing", 0, "2")] * 4)
    bodies = {reply.get_data(as_text=True) for reply in replies}
    assert [reply.status_code for reply in replies] == [200] * 4
    assert len(bodies) == 1 and "/voice/gather?n=1" in bodies.pop()
    assert [s["step"] for s in record_of(app, "CAracing")["steps"]] == ["main_menu"]


def test_the_first_webhook_delivered_twice_at_once_opens_one_record(app: Flask) -> None:
    def ring() -> TestResponse:
        return signed_post(app.test_client(), "/voice/incoming", CallSid="CAring", From=CALLER)

    replies = at_once(ring, ring, ring)
    assert [reply.status_code for reply in replies] == [200] * 3
    assert len({reply.get_data(as_text=True) for reply in replies}) == 1
    assert record_of(app, "CAring")["status"] == "in_progress"


def play_to_advice(app: Flask, sid: str) -> int:
    """Main menu 1, then "not sure" to danger_now: the last webhook gives advice."""
    start(app, sid)
    assert answer(app, sid, 0, "1").status_code == 200
    return 1


@pytest.mark.parametrize("order", ["answer_first", "together"])
def test_a_status_callback_racing_the_last_webhook_leaves_one_consistent_record(
    app: Flask, order: str
) -> None:
    """The one handled first decides; the status first is tests.test_late_webhooks' case."""
    sid = f"CA{order.replace('_', '')}"
    n = play_to_advice(app, sid)
    last = lambda: answer(app, sid, n, "3")  # noqa: E731
    ended = lambda: hang_up(app, sid)  # noqa: E731
    replies = at_once(last, ended) if order == "together" else [last(), ended()]
    assert all(reply.status_code in (200, 204) for reply in replies)
    kept = record_of(app, sid)
    assert kept["status"] == "completed"
    advised = ("emergency_999", [("main_menu", "1"), ("danger_now", "3")])
    hung_up_first = ("abandoned", [("main_menu", "1")])
    either = [advised] if order == "answer_first" else [advised, hung_up_first]
    assert (kept["outcome"], [(s["step"], s["input"]) for s in kept["steps"]]) in either


def test_a_late_hang_up_does_not_replace_the_advice(app: Flask) -> None:
    n = play_to_advice(app, "CAlate")
    answer(app, "CAlate", n, "3")
    hang_up(app, "CAlate")
    hang_up(app, "CAlate")
    assert record_of(app, "CAlate")["outcome"] == "emergency_999"


def test_many_calls_at_once_each_leave_the_record_they_leave_alone(app: Flask) -> None:
    scripts = [["2", "1", "2"], ["1", "3"], ["2", "2"], ["0"], ["3", "9", "2", "3"]] * 6
    alone = [essence(PhoneCall(app, keys).record) for keys in scripts[:5]]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda keys: PhoneCall(app, keys), scripts))
    for index, played in enumerate(together):
        assert not [e.text for e in played.log.events if e.kind == "error"], played.transcript
        assert essence(played.record) == alone[index % 5]
