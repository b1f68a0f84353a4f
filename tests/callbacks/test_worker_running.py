"""A call back or a text is promised only while a worker runs that will send it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask

from ivr.cli import main
from ivr.messaging.worker import Worker
from tests.callbacks.conftest import CHANNELS, messages, seen
from tests.callbacks.stand_ins import ACCOUNT_SID, FakeTwilio, MailServer
from tests.callbacks.test_workers import wait_for
from tests.conftest import AppFactory, Clock, PhoneCall, worker_seen

Call = Callable[..., PhoneCall]
MISSING_AFTER = timedelta(seconds=90)  # callbacks.worker_missing_after_seconds, as shipped
# The decision route to "don't share: no clear reason", advice a mobile caller may have by text.
NO_PURPOSE = ("2", "2", "2")


@pytest.fixture
def no_worker(make_app: AppFactory, twilio: FakeTwilio, mail: MailServer) -> Flask:
    """The line with call-back channels and texts, and no worker running yet."""
    settings = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_URL": twilio.url}
    return make_app(settings | {"SMTP_URL": mail.url}, **CHANNELS)


def offered_a_call_back(app: Flask, call: Call) -> bool:
    """A failed transfer to the duty team, then 2: whether the line took it as a call back."""
    played = call("0", "no-answer", "2", "h", on=app)
    promised = played.heard("callback_confirmed")
    assert promised == played.heard("not_connected_callback_key"), played.transcript
    assert played.record["callback_requested"] is promised
    return promised


@pytest.mark.parametrize(
    ("settings", "sent_on"),
    [
        pytest.param({"TWILIO_ACCOUNT_SID": None}, ["email"], id="no Twilio account: e-mail"),
        pytest.param({"SMTP_URL": None}, ["sms"], id="no mail server: text"),
    ],
)
def test_a_call_back_goes_only_by_the_channels_this_line_can_send_on(
    make_app: AppFactory, twilio: FakeTwilio, mail: MailServer, call: Call,
    settings: dict, sent_on: list[str],
) -> None:  # fmt: skip
    every = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_URL": twilio.url, "SMTP_URL": mail.url}
    app = make_app(every | settings, **CHANNELS)
    worker_seen(app)
    assert offered_a_call_back(app, call)
    assert [m.channel for m in messages(app)] == sent_on


def test_with_no_channel_it_can_send_on_no_call_back_is_promised(
    make_app: AppFactory, call: Call
) -> None:
    """A team's addresses are set, but neither Twilio nor a mail server is: nothing to send by."""
    app = make_app({"TWILIO_ACCOUNT_SID": None, "SMTP_URL": None}, **CHANNELS)
    worker_seen(app)
    assert not offered_a_call_back(app, call)
    assert messages(app) == []


def test_with_no_worker_running_no_call_back_is_promised(no_worker: Flask, call: Call) -> None:
    played = call("0", "no-answer", "2", "h", on=no_worker)
    played.hears("not_connected", "not_connected_retry_key", "not_connected_menu_key")
    played.never_hears("not_connected_callback_key").never_hears("callback_confirmed")
    # 2 is not one of the choices: the caller is told so and hears the menu again.
    played.hears("not_a_choice")
    assert played.record["callback_requested"] is False
    assert messages(no_worker) == []


def test_with_no_worker_running_no_advice_by_text_is_promised(no_worker: Flask, call: Call) -> None:
    played = call(*NO_PURPOSE, "2", "h", on=no_worker)
    played.hears("advice_no_purpose").never_hears("advice_text_key")
    played.never_hears("advice_text_sent")
    assert messages(no_worker) == []


def test_a_worker_counts_as_running_until_it_has_been_silent_too_long(
    no_worker: Flask, call: Call, clock: Clock
) -> None:
    started = clock.now
    worker_seen(no_worker)
    clock.now = started + MISSING_AFTER
    assert offered_a_call_back(no_worker, call)
    clock.now = started + MISSING_AFTER + timedelta(seconds=1)
    assert not offered_a_call_back(no_worker, call)
    worker_seen(no_worker)
    assert offered_a_call_back(no_worker, call)


def test_a_texted_advice_is_offered_once_a_worker_runs(
    no_worker: Flask, call: Call, twilio: FakeTwilio
) -> None:
    worker_seen(no_worker)
    played = call(*NO_PURPOSE, "2", on=no_worker)
    played.hears("advice_text_key", "advice_text_sent")
    with no_worker.app_context():
        Worker(no_worker, "test-worker").run_once()
    assert [text.to for text in twilio.texts] == [played.record["caller"]]


def test_a_running_worker_is_seen_and_one_that_stops_is_gone_at_once(
    no_worker: Flask, call: Call
) -> None:
    stop = threading.Event()
    worker = Worker(no_worker, "looping-worker")

    def run() -> None:
        with no_worker.app_context():
            worker.run(stop, poll_seconds=0.05)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        wait_for(lambda: seen(no_worker) is not None, "the worker to say it is running")
        assert offered_a_call_back(no_worker, call)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert seen(no_worker) is None
    assert not offered_a_call_back(no_worker, call)


def test_a_worker_run_once_by_a_timer_counts_as_running(no_worker: Flask, call: Call) -> None:
    result = no_worker.test_cli_runner().invoke(main, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert offered_a_call_back(no_worker, call)


def test_check_live_warns_while_no_worker_is_running(no_worker: Flask) -> None:
    """A warning, not a failure: before the first start of a server no worker can have run."""
    result = no_worker.test_cli_runner().invoke(main, ["check", "--live"])
    assert "warning: no call-back worker has been running in the last 90 s" in result.output
    worker_seen(no_worker)
    result = no_worker.test_cli_runner().invoke(main, ["check", "--live"])
    assert "no call-back worker" not in result.output


def test_check_live_warns_where_only_advice_texts_need_a_worker(make_app: AppFactory) -> None:
    texts_only = {"sms_from": CHANNELS["callbacks"]["sms_from"]}
    app = make_app({"TWILIO_ACCOUNT_SID": ACCOUNT_SID}, callbacks=texts_only)
    result = app.test_cli_runner().invoke(main, ["check", "--live"])
    assert "warning: no call-back worker" in result.output


def test_check_live_asks_for_no_worker_where_nothing_would_be_sent(make_app: AppFactory) -> None:
    result = make_app().test_cli_runner().invoke(main, ["check", "--live"])
    assert "call-back worker" not in result.output


def test_a_busy_worker_still_says_it_is_running_between_sends(
    no_worker: Flask, call: Call, clock: Clock, twilio: FakeTwilio
) -> None:
    worker_seen(no_worker)
    call("0", "no-answer", "2", on=no_worker)
    worker = Worker(no_worker, "busy-worker")
    worker.next_beat = 0.0  # due: as it is once a beat's interval has passed mid-backlog
    clock.now += MISSING_AFTER * 2
    with no_worker.app_context():
        assert worker.run_once() == 2
    assert seen(no_worker) == clock.now
