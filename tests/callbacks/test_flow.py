"""What the caller hears is true: a call back is promised only where a message is queued."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from ivr import db
from ivr.messaging.models import OutboxMessage
from tests.callbacks.conftest import (
    CHANNELS,
    EDS_EMAIL,
    EDS_SMS,
    FRONT_DOOR_EMAIL,
    FRONT_DOOR_SMS,
    MANAGER_SMS,
    deliver,
    events,
    messages,
)
from tests.callbacks.stand_ins import ACCOUNT_SID, FakeTwilio, MailServer
from tests.conftest import AppFactory, Clock, PhoneCall, worker_seen

Call = Callable[..., PhoneCall]
LANDLINE = "+441189000123"
# The decision route to "don't share: no clear reason" (significant harm no, purpose no).
NO_PURPOSE = ("2", "2", "2")


def test_two_on_the_not_connected_menu_sends_the_request_and_says_so(
    line: Flask, call: Call, twilio: FakeTwilio, mail: MailServer
) -> None:
    played = call("0", "no-answer", "2", on=line)
    played.hears("not_connected", "not_connected_callback_key", "callback_confirmed")
    assert played.record["callback_requested"] is True
    assert [(m.channel, m.address) for m in messages(line)] == [
        ("sms", FRONT_DOOR_SMS),
        ("email", FRONT_DOOR_EMAIL),
    ]
    deliver(line)
    assert [t.to for t in twilio.texts] == [FRONT_DOOR_SMS]
    assert played.record["reference"] in twilio.texts[0].body
    assert [m["To"] for m in mail.mailbox.mails] == [FRONT_DOOR_EMAIL]
    events = [e["event"] for e in played.record["callback"]]
    assert events[:3] == ["requested", "queued", "queued"] and events.count("sent") == 2


def test_out_of_hours_the_request_goes_to_the_emergency_duty_service(
    line: Flask, call: Call, clock: Clock
) -> None:
    clock.now = clock.now.replace(hour=22)
    worker_seen(line)
    call("0", "no-answer", "2", on=line).hears("callback_confirmed")
    assert [m.address for m in messages(line)][:1] == [EDS_SMS]


def test_a_call_back_asked_for_after_the_front_door_closed_goes_to_the_duty_service(
    line: Flask, call: Call, clock: Clock
) -> None:
    """A referral put through at 16:59:40 on a Friday rings out at 17:00:05: the front door has
    gone until Monday, so the call back is asked of, sent to and escalated to the emergency
    duty service (which has no escalation contacts here), never the front door's."""
    clock.now = datetime(2026, 11, 27, 16, 59, 40, tzinfo=UTC)
    worker_seen(line)
    after_five = datetime(2026, 11, 27, 17, 0, 5, tzinfo=UTC)
    played = call("1", "2", "", "no-answer", "2", on=line, rings_until=after_five)
    played.hears("not_connected_team_closed", "not_connected_callback_key", "callback_confirmed")
    said = " ".join(played.said())
    assert "Press 2 to ask the Berkshire emergency duty service to call you back." in said
    assert "I've sent your request to the Berkshire emergency duty service" in said
    assert "keep trying 0, 1, 3, 4, 4. 3, 5, 1. 9, 9, 9," in said, played.transcript
    assert [m.address for m in messages(line)] == [EDS_SMS, EDS_EMAIL]
    assert played.record["transfer_to"] == "front_door"
    email = " ".join(messages(line)[1].body.split())
    assert "did not get through to the children's services front door" in email
    assert "Call back 07911 123456 (call" in messages(line)[1].subject
    assert "the Berkshire emergency duty service)" in messages(line)[1].subject
    clock.now = after_five + timedelta(minutes=16)
    deliver(line)
    assert [m.address for m in messages(line) if m.purpose == "escalation"] == []
    assert ("requested", "emergency_duty") in events(line)
    assert ("escalated", "no escalation contacts are configured for this team") in events(line)


def test_the_escalation_names_the_team_the_call_rang_not_the_one_asked(
    make_app: AppFactory, call: Call, clock: Clock, twilio: FakeTwilio, mail: MailServer
) -> None:
    """The front door rang out at 17:00:05 and the emergency duty service was asked: its duty
    manager must not read that the call did not get through to the emergency duty service."""
    settings = copy.deepcopy(CHANNELS)
    eds = settings["contacts"]["emergency_duty"]["callbacks"]
    eds["escalate"] = {"sms": [MANAGER_SMS]}
    app = make_app(
        {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_URL": twilio.url, "SMTP_URL": mail.url},
        **settings,
    )
    clock.now = datetime(2026, 11, 27, 16, 59, 40, tzinfo=UTC)
    worker_seen(app)
    after_five = datetime(2026, 11, 27, 17, 0, 5, tzinfo=UTC)
    call("1", "2", "", "no-answer", "2", on=app, rings_until=after_five)
    clock.now = after_five + timedelta(minutes=16)
    deliver(app)
    [text] = [t for t in twilio.texts if t.to == MANAGER_SMS]
    assert "did not get through to the children's services front door" in " ".join(
        text.body.split()
    )


def test_no_call_back_offered_without_a_channel(make_app: AppFactory, call: Call) -> None:
    app = make_app()
    played = call("0", "no-answer", "2", "h", on=app)
    played.never_hears("not_connected_callback_key").never_hears("callback_confirmed")
    assert played.record["callback_requested"] is False
    assert messages(app) == []


def test_no_call_back_after_a_failed_nspcc_transfer(line: Flask, call: Call) -> None:
    """2 there puts the caller through to the duty team instead."""
    played = call("3", "2", "no-answer", "2", "completed", on=line)
    played.never_hears("not_connected_callback_key").never_hears("callback_confirmed")
    assert messages(line) == []


def test_advice_by_text_offered_on_a_mobile_and_sent(
    line: Flask, call: Call, twilio: FakeTwilio
) -> None:
    played = call(*NO_PURPOSE, "2", on=line)
    played.hears("advice_no_purpose", "reference", "advice_text_key", "advice_text_sent")
    [text] = [m for m in messages(line)]
    assert (text.purpose, text.address) == ("advice", "+447911123456")
    deliver(line)
    [sent] = twilio.texts
    assert "Don't share now: without a clear reason there is none to share." in sent.body
    assert f"Reference: {played.record['reference']}." in sent.body
    assert played.record["outcome"] == "do_not_share"
    assert [e["event"] for e in played.record["callback"]] == ["queued", "sent"]


def test_a_caller_who_says_text_it_to_me_gets_the_advice_by_text(
    line: Flask, call: Call, twilio: FakeTwilio
) -> None:
    """Hands-free: in a car the caller asks for the text instead of pressing 2."""
    played = call(*NO_PURPOSE, "Can you text it to me, please?", on=line)
    played.hears("advice_text_key", "advice_text_sent")
    assert "By text." in played.log.heard()
    assert played.steps()[-1] == ("do_not_share_no_purpose", "2", "speech")
    deliver(line)
    assert [t.to for t in twilio.texts] == ["+447911123456"]


def test_asking_for_a_text_on_a_landline_is_not_one_of_the_choices(line: Flask, call: Call) -> None:
    played = call(*NO_PURPOSE, "Text it to me.", "h", caller=LANDLINE, on=line)
    played.never_hears("advice_text_sent").hears("not_a_choice")
    assert messages(line) == []


def test_no_advice_by_text_on_a_landline(line: Flask, call: Call) -> None:
    played = call(*NO_PURPOSE, "2", "h", caller=LANDLINE, on=line)
    played.never_hears("advice_text_key").never_hears("advice_text_sent")
    with line.app_context(), db.reading() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_no_advice_by_text_where_texts_cannot_be_sent(make_app: AppFactory, call: Call) -> None:
    app = make_app()
    call(*NO_PURPOSE, "h", on=app).never_hears("advice_text_key")


def test_no_press_2_on_the_999_advice(line: Flask, call: Call) -> None:
    """A caller told to hang up and dial 999 is not held for a text."""
    call("1", "1", "h", on=line).hears("advice_emergency_999").never_hears("advice_text_key")


def test_the_text_is_the_advice_heard_not_the_first_advice_on_the_record(
    line: Flask, call: Call, twilio: FakeTwilio
) -> None:
    """A referral whose transfer failed, then the decision route: the record keeps the first
    advice (the referral), but the caller asked for the text of the advice they just heard."""
    played = call("1", "2", "", "busy", "9", *NO_PURPOSE, "2", on=line)
    played.hears("advice_referral", "not_connected", "advice_no_purpose", "advice_text_sent")
    assert played.record["outcome"] == "referral"
    deliver(line)
    [sent] = twilio.texts
    assert "Don't share now: without a clear reason there is none to share." in sent.body
    assert "referral" not in sent.body.lower()


CHILD = "Why they rang: to make a referral: a child may be at risk of significant harm."


@pytest.mark.parametrize(
    ("keys", "outcome", "why"),
    [
        # The anonymised advice, then 0 to make a referral.
        (("2", "2", "1", "2", "0"), "share_anonymised", CHILD),
        # The 999 advice, then back: no immediate danger after all, a referral.
        (("1", "1", "9", "2", ""), "emergency_999", CHILD),
        # An adult's referral that failed, then from the main menu a child's.
        (("1", "2", "2", "busy", "9", "1", "2", ""), "adult_referral", CHILD),
    ],
)
def test_a_call_back_after_a_referral_transfer_says_which_referral_is_waiting(
    line: Flask, call: Call, keys: tuple[str, ...], outcome: str, why: str
) -> None:
    """The team calling back is told the referral the failed transfer was for, whatever advice
    stands on the record."""
    played = call(*keys, "busy", "2", on=line)
    played.hears("callback_confirmed")
    assert played.record["outcome"] == outcome
    bodies = [m.body for m in messages(line) if m.purpose == "callback"]
    assert bodies and all(why in body for body in bodies), bodies
