"""A request nobody takes in time goes to the team's escalation contacts, once (a fake clock)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from ivr import db
from ivr.models import AuditEntry
from ivr.review.models import CallbackDone
from tests.callbacks.conftest import (
    CHANNELS,
    EDS_SMS,
    MANAGER_EMAIL,
    MANAGER_SMS,
    ask_for_call_back,
    deliver,
    events,
    failed_transfer,
    messages,
    request_row,
)
from tests.callbacks.stand_ins import FakeTwilio, MailServer
from tests.callbacks.test_page import links, take
from tests.conftest import AppFactory, Clock


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


def test_the_request_promises_an_escalation_only_where_there_is_one(
    line: Flask, clock: Clock
) -> None:
    """The front door has escalation contacts; in these settings the emergency duty service has
    none, so its e-mail must not tell the team that someone else will be told."""
    ask_for_call_back(line, failed_transfer(line), clock)
    clock.now = clock.now.replace(hour=22)
    ask_for_call_back(line, failed_transfer(line), clock)
    front_door, eds = [m.body for m in messages(line) if m.channel == "email"]
    assert "If nobody takes it within 15 minutes, it goes to the escalation contacts." in front_door
    assert "escalation" not in eds
    assert "it stays at the top of the review area's dashboard until it is marked done" in (
        " ".join(eds.split())
    )


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
