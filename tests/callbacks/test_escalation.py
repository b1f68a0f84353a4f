"""A request nobody takes in time goes to the team's escalation contacts, once (a fake clock)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from ivr import db
from ivr.models import AuditEntry
from ivr.review.models import CallbackDone
from tests.callbacks.conftest import (
    CHANNELS,
    EDS_EMAIL,
    EDS_SMS,
    FRONT_DOOR_EMAIL,
    FRONT_DOOR_SMS,
    MANAGER_EMAIL,
    MANAGER_SMS,
    ask_for_call_back,
    deliver,
    events,
    failed_transfer,
    messages,
    request_row,
)
from tests.callbacks.stand_ins import ACCOUNT_SID, FakeTwilio, MailServer
from tests.callbacks.test_page import links, take
from tests.conftest import AppFactory, Clock, worker_seen


def callback_line(
    make_app: AppFactory, twilio: FakeTwilio, mail: MailServer, settings: dict[str, Any]
) -> Flask:
    """The call-back line (the `line` fixture) with other teams' channels."""
    app = make_app(
        {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_URL": twilio.url, "SMTP_URL": mail.url},
        **settings,
    )
    worker_seen(app)
    return app


def handovers(app: Flask) -> list[tuple[str, str, str]]:
    return [(m.channel, m.address, m.status) for m in messages(app) if m.purpose == "handover"]


def escalations(app: Flask) -> list[tuple[str, str, str]]:
    return [(m.channel, m.address, m.status) for m in messages(app) if m.purpose == "escalation"]


def test_not_taken_in_time_it_goes_to_the_escalation_contacts_once(
    line: Flask, requested: Callable[[], int], clock: Clock, twilio: FakeTwilio, mail: MailServer
) -> None:
    request_id = requested()
    deliver(line)
    clock.now += timedelta(minutes=14, seconds=59)
    deliver(line)
    assert escalations(line) == [], "not before acknowledge_within_minutes"
    clock.now += timedelta(seconds=1)
    deliver(line)
    assert escalations(line) == [("sms", MANAGER_SMS, "sent"), ("email", MANAGER_EMAIL, "sent")]
    assert request_row(line, request_id).escalated_at == clock.now
    [text] = [t for t in twilio.texts if t.to == MANAGER_SMS]
    assert "NOBODY HAS TAKEN this call back after 15 minutes" in text.body
    assert "07911 123456" in text.body
    [mail_sent] = [m for m in mail.mailbox.mails if m["To"] == MANAGER_EMAIL]
    assert mail_sent["Subject"].startswith("Not taken after 15 minutes")
    clock.now += timedelta(hours=2)
    deliver(line)
    assert len(escalations(line)) == 2, "escalated once"
    assert [name for name, _ in events(line)].count("escalated") == 1
    with line.app_context(), db.reading() as session:
        query = select(AuditEntry).where(AuditEntry.action == "callback_escalated")
        assert len(list(session.scalars(query))) == 1


def test_the_escalation_link_takes_the_same_request(
    line: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    request_id = requested()
    clock.now += timedelta(minutes=15)
    deliver(line)
    take(line.test_client(), links(line)[2])
    assert request_row(line, request_id).taken_by == MANAGER_SMS


def test_a_request_taken_in_time_is_not_escalated(
    line: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    request_id = requested()
    clock.now += timedelta(minutes=10)
    take(line.test_client(), links(line)[0], "Sam")
    clock.now += timedelta(minutes=30)
    deliver(line)
    assert escalations(line) == []
    assert request_row(line, request_id).escalated_at is None


def test_a_request_a_supervisor_marked_done_is_not_escalated(
    line: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    request_id = requested()
    with line.app_context(), db.session() as session:
        call_id = request_row(line, request_id).call_id
        session.add(CallbackDone(call_id=call_id, note="rang back", by="sup", at=clock()))
    clock.now += timedelta(minutes=30)
    deliver(line)
    assert escalations(line) == []


def test_a_team_without_escalation_contacts_is_still_marked_escalated(
    line: Flask, clock: Clock
) -> None:
    """Out of hours the emergency duty service has no escalation contact in these settings."""
    clock.now = clock.now.replace(hour=22)
    request_id = ask_for_call_back(line, failed_transfer(line), clock)
    assert request_id is not None
    assert messages(line)[0].address == EDS_SMS
    clock.now += timedelta(minutes=15)
    deliver(line)
    assert escalations(line) == []
    assert request_row(line, request_id).escalated_at == clock.now
    assert ("escalated", "no escalation contacts are configured for this team") in events(line)


def test_the_request_promises_only_what_will_happen_if_nobody_takes_it(
    line: Flask, clock: Clock
) -> None:
    """The front door has escalation contacts, and the emergency duty service takes over from
    it; in these settings the emergency duty service has none, and the front door takes over
    from it at 9, so neither e-mail may promise more than that."""
    ask_for_call_back(line, failed_transfer(line), clock)
    clock.now = clock.now.replace(hour=22)
    ask_for_call_back(line, failed_transfer(line), clock)
    front_door, eds = [" ".join(m.body.split()) for m in messages(line) if m.channel == "email"]
    assert (
        "If nobody takes it within 15 minutes, it goes to the escalation contacts. If it is still "
        "not taken when you go off duty, it goes to the Berkshire emergency duty service too."
    ) in front_door
    assert "escalation" not in eds
    assert (
        "If nobody takes it, it stays at the top of the review area's dashboard, and when you go "
        "off duty (after 15 minutes at the earliest) it goes to the children's services front door."
    ) in eds


def test_a_request_nobody_takes_over_from_stays_on_the_dashboard(
    make_app: AppFactory, clock: Clock, twilio: FakeTwilio, mail: MailServer
) -> None:
    """The front door takes no call backs here: the emergency duty service's request has nobody
    to go to in the morning, and its e-mail says so."""
    settings = copy.deepcopy(CHANNELS)
    del settings["contacts"]["front_door"]["callbacks"]
    app = callback_line(make_app, twilio, mail, settings)
    clock.now = clock.now.replace(hour=22)
    request_id = ask_for_call_back(app, failed_transfer(app), clock)
    assert request_id is not None
    [email] = [m.body for m in messages(app) if m.channel == "email"]
    assert "Nobody else is sent it if it is not taken" in email
    clock.now += timedelta(hours=12)
    deliver(app)
    assert [m.purpose for m in messages(app)] == ["callback", "callback"]
    assert (
        "not handed over",
        "the children's services front door, on duty now, cannot be sent call-back requests",
    ) in events(app)
    settled = request_row(app, request_id)
    assert (settled.handover_at, settled.handed_over_to) == (clock.now, None)


def test_escalation_contacts_the_line_cannot_send_to_are_not_promised(
    make_app: AppFactory, clock: Clock, mail: MailServer
) -> None:
    """Texts only for the escalation, on a deployment with no Twilio account: none would go."""
    settings = copy.deepcopy(CHANNELS)
    settings["contacts"]["front_door"]["callbacks"]["escalate"] = {"sms": [MANAGER_SMS]}
    app = make_app({"TWILIO_ACCOUNT_SID": None, "SMTP_URL": mail.url}, **settings)
    ask_for_call_back(app, failed_transfer(app), clock)
    [email] = messages(app)
    assert email.channel == "email" and "escalation" not in email.body


def test_an_escalation_still_waiting_when_the_request_is_taken_is_never_sent(
    line: Flask, requested: Callable[[], int], clock: Clock, twilio: FakeTwilio, mail: MailServer
) -> None:
    """The mail server is down when the escalation is due; someone takes the request meanwhile:
    the duty manager must not later read that nobody has taken it."""
    request_id = requested()
    deliver(line)
    mail.stop()
    clock.now += timedelta(minutes=15)
    deliver(line)
    assert escalations(line) == [("sms", MANAGER_SMS, "sent"), ("email", MANAGER_EMAIL, "queued")]
    clock.now += timedelta(minutes=1)
    take(line.test_client(), links(line)[0], "Sam")
    mail.start()
    clock.now += timedelta(hours=1)
    deliver(line)
    assert [m["To"] for m in mail.mailbox.mails if m["To"] == MANAGER_EMAIL] == []
    assert escalations(line) == [
        ("sms", MANAGER_SMS, "sent"),
        ("email", MANAGER_EMAIL, "not needed"),
    ]
    assert ("not needed", "taken by Sam before it was sent") in events(line)
    assert request_row(line, request_id).taken_by == "Sam"


def test_a_request_asked_just_before_closing_goes_to_the_team_on_duty_once_overdue(
    line: Flask, clock: Clock, twilio: FakeTwilio, mail: MailServer
) -> None:
    """Asked of the front door at 16:55, not taken by 17:10: its escalation contacts are told,
    and so is the emergency duty service, who answer from 17:00, with a link that takes it."""
    clock.now = clock.now.replace(hour=16, minute=55)
    request_id = ask_for_call_back(line, failed_transfer(line), clock)
    assert request_id is not None
    deliver(line)
    clock.now += timedelta(minutes=14, seconds=59)
    deliver(line)
    assert handovers(line) == [], "a team is given its minutes to take it first"
    clock.now += timedelta(seconds=1)
    deliver(line)
    assert escalations(line) == [("sms", MANAGER_SMS, "sent"), ("email", MANAGER_EMAIL, "sent")]
    assert handovers(line) == [("sms", EDS_SMS, "sent"), ("email", EDS_EMAIL, "sent")]
    settled = request_row(line, request_id)
    assert (settled.handover_at, settled.handed_over_to) == (clock.now, "emergency_duty")
    [text] = [t for t in twilio.texts if t.to == EDS_SMS]
    assert "the children's services front door is now off duty and NOBODY HAS TAKEN" in text.body
    assert "07911 123456" in text.body
    [mail_sent] = [m for m in mail.mailbox.mails if m["To"] == EDS_EMAIL]
    assert mail_sent["Subject"].startswith("Handed over, not taken: call back 07911 123456")
    detail = "2 message(s) to the Berkshire emergency duty service, on duty now"
    assert ("handed over", detail) in events(line)
    take(line.test_client(), links(line)[-2])
    assert request_row(line, request_id).taken_by == EDS_SMS


def test_a_request_escalated_in_office_hours_is_handed_over_at_closing_once(
    line: Flask, clock: Clock
) -> None:
    """Asked at 16:30 and escalated at 16:45, still not taken at 17:00: the managers told go
    home with it, so the emergency duty service is told then, and only then."""
    clock.now = clock.now.replace(hour=16, minute=30)
    request_id = ask_for_call_back(line, failed_transfer(line), clock)
    assert request_id is not None
    clock.now = clock.now.replace(minute=45)
    deliver(line)
    assert len(escalations(line)) == 2
    clock.now = clock.now.replace(minute=59, second=59)
    deliver(line)
    assert handovers(line) == [], "the front door is still on duty"
    clock.now = clock.now.replace(hour=17, minute=0, second=0)
    deliver(line)
    assert handovers(line) == [("sms", EDS_SMS, "sent"), ("email", EDS_EMAIL, "sent")]
    clock.now += timedelta(hours=17)
    deliver(line)
    assert len(handovers(line)) == 2, "handed over once, not back to the front door at 9"
    assert [name for name, _ in events(line)].count("handed over") == 1
    with line.app_context(), db.reading() as session:
        query = select(AuditEntry).where(AuditEntry.action == "callback_handed_over")
        [entry] = session.scalars(query)
        assert entry.detail["to"] == "emergency_duty"


def test_a_request_taken_before_closing_is_not_handed_over(line: Flask, clock: Clock) -> None:
    clock.now = clock.now.replace(hour=16, minute=30)
    request_id = ask_for_call_back(line, failed_transfer(line), clock)
    assert request_id is not None
    clock.now = clock.now.replace(minute=50)
    take(line.test_client(), links(line)[0], "Sam")
    clock.now = clock.now.replace(hour=18)
    deliver(line)
    assert handovers(line) == []
    assert request_row(line, request_id).handover_at is None


def test_a_request_made_in_the_night_reaches_the_front_door_in_the_morning(
    line: Flask, clock: Clock
) -> None:
    """The emergency duty service has no escalation contact here: a request it did not take by
    9 goes to the front door, not to nobody."""
    clock.now = clock.now.replace(hour=3)
    request_id = ask_for_call_back(line, failed_transfer(line), clock)
    assert request_id is not None
    assert messages(line)[0].address == EDS_SMS
    clock.now = clock.now.replace(hour=8, minute=59)
    deliver(line)
    assert handovers(line) == []
    clock.now = clock.now.replace(hour=9, minute=0)
    deliver(line)
    assert [address for _, address, _ in handovers(line)] == [FRONT_DOOR_SMS, FRONT_DOOR_EMAIL]


def test_a_team_on_duty_for_adults_round_the_clock_still_hands_over_a_childs_request_at_9(
    make_app: AppFactory, clock: Clock, twilio: FakeTwilio, mail: MailServer
) -> None:
    """The emergency duty service takes adults in office hours too here: at 9 it is off duty
    for children only, and the child's request it was asked at 08:50 goes to the front door, as
    its e-mail promised."""
    app = callback_line(
        make_app, twilio, mail, {**CHANNELS, "duty": {"adults_in_hours": "emergency_duty"}}
    )
    clock.now = clock.now.replace(hour=8, minute=50)
    request_id = ask_for_call_back(app, failed_transfer(app), clock)
    assert request_id is not None
    [email] = [" ".join(m.body.split()) for m in messages(app) if m.channel == "email"]
    assert "when you go off duty" in email and "the children's services front door" in email
    clock.now = clock.now.replace(hour=9, minute=5)
    deliver(app)
    assert [address for _, address, _ in handovers(app)] == [FRONT_DOOR_SMS, FRONT_DOOR_EMAIL]
    assert request_row(app, request_id).handed_over_to == "front_door"


def test_a_handover_still_waiting_when_the_team_asked_is_back_on_duty_is_never_sent(
    line: Flask, clock: Clock, mail: MailServer
) -> None:
    """The mail server is down from 17:10 until the next morning: the emergency duty service,
    off duty by then, must not read that the front door, back on duty, is off duty."""
    clock.now = clock.now.replace(hour=16, minute=55)
    request_id = ask_for_call_back(line, failed_transfer(line), clock)
    assert request_id is not None
    deliver(line)
    mail.stop()
    clock.now = clock.now.replace(hour=17, minute=10)
    deliver(line)
    assert handovers(line) == [("sms", EDS_SMS, "sent"), ("email", EDS_EMAIL, "queued")]
    mail.start()
    clock.now += timedelta(hours=16, minutes=20)
    deliver(line)
    assert handovers(line) == [("sms", EDS_SMS, "sent"), ("email", EDS_EMAIL, "not needed")]
    why = "the children's services front door was on duty again before it was sent"
    assert ("not needed", why) in events(line)
    assert [m["To"] for m in mail.mailbox.mails if m["To"] == EDS_EMAIL] == []
    assert request_row(line, request_id).taken_at is None
