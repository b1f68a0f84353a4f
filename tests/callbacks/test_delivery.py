"""The worker delivers: texts through Twilio's Messages API, e-mails over SMTP, each once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask

from ivr.messaging.worker import FIRST_RETRY
from tests.callbacks.conftest import (
    FRONT_DOOR_EMAIL,
    FRONT_DOOR_SMS,
    PUBLIC,
    SMS_FROM,
    ask_for_call_back,
    deliver,
    events,
    failed_transfer,
    messages,
)
from tests.callbacks.stand_ins import FakeTwilio, MailServer
from tests.conftest import AppFactory, Clock
from tests.servers import free_port


def test_the_text_and_the_email_arrive_with_the_request_and_nothing_the_caller_said(
    line: Flask, clock: Clock, twilio: FakeTwilio, mail: MailServer
) -> None:
    ask_for_call_back(line, failed_transfer(line, "it's about Tommy Jones at number 12"), clock)
    assert deliver(line) == 2
    [text] = twilio.texts
    [email] = mail.mailbox.mails
    sms, queued_mail = messages(line)
    assert (text.to, text.sender) == (FRONT_DOOR_SMS, SMS_FROM)
    assert email["To"] == FRONT_DOOR_EMAIL and email["From"] == "ivr@example.org"
    body = email.get_content()
    for sent in (text.body, body):
        assert "please call back 07911 123456" in sent.lower()
        assert "11:00 GMT on Wednesday 25 November 2026" in sent
        assert "the children's services front door" in sent
        assert f"{PUBLIC}/callbacks/" in sent
        assert "Tommy" not in sent and "number 12" not in sent
    assert "Call back 07911 123456" in email["Subject"]
    assert [m.status for m in messages(line)] == ["sent", "sent"]
    assert sms.provider_ref == text.sid
    assert (queued_mail.provider_ref or "") == email["Message-ID"]
    assert queued_mail.address == FRONT_DOOR_EMAIL


def test_twilio_down_then_up_the_text_is_retried_with_back_off_and_sent_once(
    line: Flask, requested: Callable[[], int], clock: Clock, twilio: FakeTwilio, mail: MailServer
) -> None:
    requested()
    twilio.fail_next(503, times=3)
    deliver(line)
    sms = messages(line)[0]
    assert (sms.status, sms.attempts) == ("queued", 1)
    assert "503" in (sms.last_error or "")
    assert len(mail.mailbox.mails) == 1, "the e-mail does not wait for Twilio"
    waits = []
    for _ in range(3):
        assert deliver(line) == 0, "nothing is sent again before its back-off has passed"
        wait = messages(line)[0].due_at - clock()
        waits.append(wait)
        clock.now += wait
        deliver(line)
    assert waits == [FIRST_RETRY, FIRST_RETRY * 2, FIRST_RETRY * 4]
    assert twilio.requests == 4
    assert len(twilio.texts) == 1
    assert messages(line)[0].status == "sent"
    retries = [detail for name, detail in events(line) if name == "retry"]
    assert len(retries) == 3 and all("Twilio answered 503 (error 20503)" in r for r in retries)
    clock.now += timedelta(hours=1)
    deliver(line)
    assert [t.to for t in twilio.texts].count(FRONT_DOOR_SMS) == 1


def test_twilio_refusing_a_number_fails_it_for_good_with_why(
    line: Flask, requested: Callable[[], int], clock: Clock, twilio: FakeTwilio
) -> None:
    requested()
    twilio.fail_next(400)
    deliver(line)
    sms = messages(line)[0]
    assert sms.status == "failed"
    assert "400 (error 21211)" in (sms.last_error or "")
    clock.now += timedelta(minutes=10)
    deliver(line)
    assert twilio.requests == 1 and twilio.texts == []
    assert ("failed", sms.last_error) in events(line)


def test_twilio_asking_to_slow_down_is_retried(
    line: Flask, requested: Callable[[], int], clock: Clock, twilio: FakeTwilio
) -> None:
    requested()
    twilio.fail_next(429)
    deliver(line)
    assert messages(line)[0].status == "queued"
    clock.now += FIRST_RETRY
    deliver(line)
    assert len(twilio.texts) == 1


def test_twilio_unreachable_is_retried(
    make_app: AppFactory, clock: Clock, mail: MailServer
) -> None:
    from tests.callbacks.conftest import CHANNELS
    from tests.callbacks.stand_ins import ACCOUNT_SID

    app = make_app(
        {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_API_URL": f"http://127.0.0.1:{free_port()}",
            "SMTP_URL": mail.url,
        },
        **CHANNELS,
    )
    ask_for_call_back(app, failed_transfer(app), clock)
    deliver(app)
    sms = messages(app)[0]
    assert sms.status == "queued"
    assert "Twilio unreachable" in (sms.last_error or "")


def test_the_mail_server_down_then_up_the_email_is_retried_and_sent_once(
    line: Flask, requested: Callable[[], int], clock: Clock, mail: MailServer
) -> None:
    mail.stop()
    requested()
    deliver(line)
    email = messages(line)[1]
    assert email.status == "queued"
    assert "unreachable" in (email.last_error or "")
    clock.now += FIRST_RETRY
    deliver(line)
    assert messages(line)[1].attempts == 2
    mail.start()
    clock.now += FIRST_RETRY * 2
    deliver(line)
    clock.now += timedelta(hours=1)
    deliver(line)
    assert messages(line)[1].status == "sent"
    assert [m["To"] for m in mail.mailbox.mails].count(FRONT_DOOR_EMAIL) == 1


def test_the_email_is_dated_when_it_was_sent(
    line: Flask, requested: Callable[[], int], mail: MailServer
) -> None:
    """A mail client sorts and shows a message by its Date; without one it guesses, or the
    team's mail server may hold the message back as malformed."""
    requested()
    before = datetime.now(UTC).replace(microsecond=0)
    deliver(line)
    after = datetime.now(UTC)
    [email] = mail.mailbox.mails
    assert before <= email["Date"].datetime <= after


def test_a_wrong_mail_password_fails_the_email_with_why(
    make_app: AppFactory, clock: Clock, mail: MailServer, twilio: FakeTwilio
) -> None:
    from tests.callbacks.conftest import CHANNELS
    from tests.callbacks.stand_ins import ACCOUNT_SID

    wrong = mail.url.replace("mail-password-for-tests", "guessed")
    app = make_app(
        {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_URL": twilio.url, "SMTP_URL": wrong},
        **CHANNELS,
    )
    ask_for_call_back(app, failed_transfer(app), clock)
    deliver(app)
    email = messages(app)[1]
    assert email.status == "failed"
    assert "535" in (email.last_error or "")
    assert mail.mailbox.mails == []


def test_a_worker_without_twilio_credentials_keeps_texts_waiting_and_says_why(
    line: Flask, clock: Clock, mail: MailServer
) -> None:
    ask_for_call_back(line, failed_transfer(line), clock)
    line.config["TWILIO_ACCOUNT_SID"] = None  # the worker's host lost its credentials
    deliver(line)
    sms = messages(line)[0]
    assert sms.status == "queued"
    assert sms.last_error == "TWILIO_ACCOUNT_SID is not set"
