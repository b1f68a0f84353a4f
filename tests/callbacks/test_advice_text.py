"""The advice by text, for the caller's notes: only to a mobile, only advice, nothing said."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from ivr import db
from ivr.messaging.outbox import can_text_advice, queue_advice_text
from ivr.models import AuditEntry, Call
from tests.callbacks.conftest import SMS_FROM, deliver, messages
from tests.callbacks.stand_ins import FakeTwilio
from tests.conftest import AppFactory, Clock, PhoneCall

MOBILE, LANDLINE = "+447911123456", "+441189000123"


def advised(
    app: Flask, caller: str, outcome: str = "do_not_share", reason: str = "no_purpose"
) -> str:
    """A finished call whose outcome is advice, as the decision route leaves it."""
    sid = PhoneCall(app, ["h"], caller).log.call_sid
    with app.app_context(), db.session() as session:
        call = session.scalars(select(Call).where(Call.call_sid == sid)).one()
        call.outcome, call.reason = outcome, reason
    return sid


def queue(app: Flask, sid: str, clock: Clock) -> Any:
    with app.app_context(), db.session() as session:
        call = session.scalars(select(Call).where(Call.call_sid == sid)).one()
        offered = can_text_advice(call, call.outcome, call.reason)
        message = queue_advice_text(session, call, clock(), call.outcome, call.reason)
        return offered, message.id if message else None


def test_the_advice_text_goes_to_a_mobile_with_the_advice_and_what_to_record(
    line: Flask, clock: Clock, twilio: FakeTwilio
) -> None:
    sid = advised(line, MOBILE)
    offered, message_id = queue(line, sid, clock)
    assert offered and message_id is not None
    assert queue(line, sid, clock)[1] == message_id, "once per advice"
    deliver(line)
    [text] = twilio.texts
    assert (text.to, text.sender) == (MOBILE, SMS_FROM)
    with line.app_context(), db.reading() as session:
        reference = session.scalars(select(Call.reference)).one()
    assert text.body.startswith("Wokingham Children's Services information sharing line, call")
    assert f"Reference: {reference}." in text.body
    assert "11:00 GMT on Wednesday 25 November 2026" in text.body
    assert "Don't share now: without a clear reason there is none to share." in text.body
    assert "Record that you decided not to share, and why." in text.body
    assert "07911" not in text.body and "123456" not in text.body.replace(reference, "")
    assert [m.purpose for m in messages(line)] == ["advice"]


@pytest.mark.parametrize(
    ("outcome", "reason", "warning"),
    [
        ("share_anonymised", "", "If a child may be at risk of harm, anonymous information is not"),
        ("do_not_share", "no_purpose", "Keeping a child safe, or getting a child or family help,"),
        ("do_not_share", "respect_wishes", "you can share without consent"),
    ],
)
def test_advice_a_child_at_risk_would_change_says_so_in_the_text_too(
    line: Flask, clock: Clock, twilio: FakeTwilio, outcome: str, reason: str, warning: str
) -> None:
    """The text is read later, away from the call: it keeps what the spoken advice says a
    child at risk of harm would change, not only the reassurance."""
    queue(line, advised(line, MOBILE, outcome, reason), clock)
    deliver(line)
    [text] = twilio.texts
    assert warning in " ".join(text.body.split())


@pytest.mark.parametrize("caller", [LANDLINE, "Anonymous", "+266696687", "101"])
def test_no_advice_text_to_a_landline_or_a_withheld_number(
    line: Flask, clock: Clock, caller: str
) -> None:
    assert queue(line, advised(line, caller), clock) == (False, None)


def test_no_advice_text_without_advice(line: Flask, clock: Clock) -> None:
    sid = advised(line, MOBILE, outcome="contacts_given", reason="")
    assert queue(line, sid, clock) == (False, None)


def test_no_advice_text_where_texts_cannot_be_sent(make_app: AppFactory, clock: Clock) -> None:
    app = make_app({"TWILIO_ACCOUNT_SID": None})
    assert queue(app, advised(app, MOBILE), clock) == (False, None)


def test_the_callers_number_stays_out_of_the_audit_log_and_the_log(
    line: Flask, clock: Clock, twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    """Audit entries outlive call records; a failure Twilio words with the number is masked."""
    queue(line, advised(line, MOBILE), clock)
    twilio.fail_next(400)
    deliver(line)
    with line.app_context(), db.reading() as session:
        entries = {e.action: str(e.detail) for e in session.scalars(select(AuditEntry))}
    assert "the caller" in entries["callback_message_failed"]
    assert "is not a valid phone number" in entries["callback_message_failed"]
    assert not any(MOBILE in detail for detail in entries.values())
    assert MOBILE not in caplog.text
