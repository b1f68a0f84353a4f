"""The review area shows each call-back message's state with its times, and counts open requests."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from ivr import db
from ivr.review import accounts
from tests.callbacks.conftest import (
    FRONT_DOOR_EMAIL,
    FRONT_DOOR_SMS,
    ask_for_call_back,
    deliver,
    failed_transfer,
    request_row,
)
from tests.callbacks.stand_ins import FakeTwilio, MailServer
from tests.callbacks.test_page import audited, csrf, links, take
from tests.conftest import CALLER, WEDNESDAY_11AM, Clock, PhoneCall
from tests.review.conftest import PASSWORDS, login, post

# The caller's number however a page or a provider might write it.
WRITTEN = (CALLER, CALLER[1:], "07911 123456", "7911123456")
MASKED = "••••••••••456"
# The decision route to "don't share: no clear reason", then 2: the advice by text.
ADVICE_BY_TEXT = ("2", "2", "2", "2")


@pytest.fixture
def supervised(line: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    with line.app_context(), db.session() as session:
        accounts.add(session, WEDNESDAY_11AM, "test", "sam", "supervisor", PASSWORDS["sam"])
    return line


def sam(app: Flask) -> FlaskClient:
    """A supervisor's browser, logged in to the review area."""
    client = app.test_client()
    assert login(client, "sam").status_code == 302
    return client


def test_the_call_page_shows_each_message_its_state_and_what_happened(
    supervised: Flask, requested: Callable[[], int], twilio: FakeTwilio
) -> None:
    request_id = requested()
    twilio.fail_next(503)
    deliver(supervised)
    take(supervised.test_client(), links(supervised)[1], "Jo")
    client = supervised.test_client()
    assert login(client, "sam").status_code == 302
    call_id = request_row(supervised, request_id).call_id
    page = client.get(f"/review/calls/{call_id}").get_data(as_text=True)
    assert "Messages sent for this call" in page
    assert "Taken by Jo at 2026-11-25 11:00:00" in page
    assert FRONT_DOOR_SMS in page and FRONT_DOOR_EMAIL in page
    assert "Twilio answered 503 (error 20503)" in page
    assert "callback by email" in page and "sent at 2026-11-25 11:00:00" in page


def messages_section(page: str) -> str:
    start = page.index("Messages sent for this call")
    return page[start : page.index("</section>", start)]


def test_an_advice_texts_number_is_masked_on_the_calls_page_until_revealed(
    supervised: Flask, call: Callable[..., PhoneCall], twilio: FakeTwilio
) -> None:
    """Twilio's refusal quotes the number too; revealing, which is audited, shows it whole."""
    call(*ADVICE_BY_TEXT, on=supervised)
    twilio.fail_next(400)
    deliver(supervised)
    client = supervised.test_client()
    assert login(client, "sam").status_code == 302
    page = client.get("/review/calls/1").get_data(as_text=True)
    shown = messages_section(page)
    assert "advice by sms" in shown and "is not a valid phone number" in shown
    assert f'<span class="number">{MASKED}</span>' in shown
    assert f"The &#39;To&#39; number {MASKED} is not" in shown
    assert not [form for form in WRITTEN if form in page]
    revealed = messages_section(post(client, "/review/calls/1/reveal").get_data(as_text=True))
    assert 'href="tel:+447911123456">07911 123456</a>' in revealed
    assert f"The &#39;To&#39; number {CALLER} is not" in revealed
    assert [entry.actor for entry in audited(supervised, "reveal_number")] == ["sam"]


def test_the_review_export_masks_the_callers_number_in_the_call_back_events(
    supervised: Flask, call: Callable[..., PhoneCall]
) -> None:
    call(*ADVICE_BY_TEXT, on=supervised)
    deliver(supervised)
    client = supervised.test_client()
    assert login(client, "sam").status_code == 302
    exported = post(client, "/review/calls/export").get_data(as_text=True)
    assert not [form for form in WRITTEN if form in exported]
    [row] = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert f"11:00:00 sent sms to {MASKED}" in row["callback"]


def test_the_dashboard_counts_every_open_request(
    supervised: Flask, requested: Callable[[], int]
) -> None:
    requested()
    requested()
    client = supervised.test_client()
    login(client, "sam")
    assert "Call-back requests waiting: 2" in client.get("/review/").get_data(as_text=True)


def test_a_request_can_be_marked_done_from_the_calls_own_page(
    supervised: Flask, requested: Callable[[], int]
) -> None:
    request_id = requested()
    client = supervised.test_client()
    login(client, "sam")
    call_id = request_row(supervised, request_id).call_id
    page = client.get(f"/review/calls/{call_id}").get_data(as_text=True)
    assert "Mark call-back done" in page
    form = page[page.index('class="app-callback-form"') :]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token is not None
    done = client.post(
        f"/review/callbacks/{call_id}/done", data={"csrf_token": token.group(1), "note": "rang"}
    )
    assert done.status_code == 302
    assert "Call-back requests waiting: 0" in client.get("/review/").get_data(as_text=True)
    assert "Mark call-back done" not in client.get(f"/review/calls/{call_id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("action", "form", "heading", "said"),
    [
        ("done", {"note": "rang"}, "Already dealt with", "marked done by <strong>sam</strong>"),
        ("claim", {}, "Being handled", "being handled by <strong>sam</strong> in the review area"),
    ],
    ids=["marked done", "being handled"],
)
def test_a_link_to_a_request_worked_in_the_review_area_says_who_and_offers_no_number_or_take(
    supervised: Flask,
    requested: Callable[[], int],
    clock: Clock,
    action: str,
    form: dict[str, str],
    heading: str,
    said: str,
) -> None:
    """The team opens the link after a supervisor has rung the caller back from the review area,
    or while one has said "I'm handling this" there: nobody else rings the caller."""
    request_id = requested()
    link = links(supervised)[0]
    team = supervised.test_client()
    opened = team.get(link).get_data(as_text=True)
    client = sam(supervised)
    call_id = request_row(supervised, request_id).call_id
    clock.now += timedelta(minutes=4)
    assert post(client, f"/review/callbacks/{call_id}/{action}", **form).status_code == 302
    page = team.get(link).get_data(as_text=True)
    assert heading in page and f"{said} {'at' if action == 'done' else 'since'} 11:04" in page
    assert "07911 123456" not in page and CALLER not in page
    assert "taking this call back" not in page and 'name="csrf_token"' not in page
    late = team.post(link, data={"csrf_token": csrf(opened), "name": "Jo"})
    assert late.status_code == 200 and heading in late.get_data(as_text=True)
    assert request_row(supervised, request_id).taken_at is None
    assert audited(supervised, "callback_taken") == []


def test_a_request_a_supervisor_hands_back_can_be_taken_from_the_link_again(
    supervised: Flask, requested: Callable[[], int]
) -> None:
    request_id = requested()
    client = sam(supervised)
    call_id = request_row(supervised, request_id).call_id
    assert post(client, f"/review/callbacks/{call_id}/claim").status_code == 302
    assert post(client, f"/review/callbacks/{call_id}/release").status_code == 302
    page = take(supervised.test_client(), links(supervised)[0], "Jo")
    assert "taken by <strong>Jo</strong>" in page and "Call 07911 123456" in page
    assert request_row(supervised, request_id).taken_by == "Jo"


def test_a_request_taken_from_the_link_cannot_be_taken_in_the_review_area(
    supervised: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    request_id = requested()
    clock.now += timedelta(minutes=2)
    take(supervised.test_client(), links(supervised)[0], "Jo at the front door")
    client = sam(supervised)
    call_id = request_row(supervised, request_id).call_id
    post(client, f"/review/callbacks/{call_id}/claim")
    assert audited(supervised, "callback_claimed") == []
    told = client.get("/review/").get_data(as_text=True)
    assert "You are handling this" not in told
    assert "Jo at the front door took the call-back for call" in told
    assert "from the link on Wed 25 Nov 2026, 11:02" in told
    assert "Jo at the front door took this from the link" in told and "Take it" not in told
    call_page = client.get(f"/review/calls/{call_id}").get_data(as_text=True)
    assert "Jo at the front door took this from the link" in call_page
    assert "Take it" not in call_page
    asked = client.get(f"/review/callbacks/{call_id}/done").get_data(as_text=True)
    assert "Jo at the front door, who took it from the link on Wed 25 Nov 2026, 11:02" in asked


def test_a_request_a_supervisor_is_handling_is_not_escalated_until_handed_back(
    supervised: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    """The escalation tells the duty manager nobody has it: not while a supervisor has it."""
    request_id = requested()
    client = sam(supervised)
    call_id = request_row(supervised, request_id).call_id
    clock.now += timedelta(minutes=5)
    assert post(client, f"/review/callbacks/{call_id}/claim").status_code == 302
    clock.now += timedelta(minutes=30)
    deliver(supervised)
    assert request_row(supervised, request_id).escalated_at is None
    assert audited(supervised, "callback_escalated") == []
    assert post(client, f"/review/callbacks/{call_id}/release").status_code == 302
    deliver(supervised)
    assert request_row(supervised, request_id).escalated_at == clock.now


def claimed_while_waiting(
    supervised: Flask, requested: Callable[[], int], clock: Clock, mail: MailServer
) -> tuple[FlaskClient, int]:
    """The team's e-mail waits for a mail server that is down; a supervisor takes the request;
    the mail server is back when the worker next tries: the supervisor's browser and the call."""
    request_id = requested()
    mail.stop()
    deliver(supervised)
    client = sam(supervised)
    call_id = request_row(supervised, request_id).call_id
    assert post(client, f"/review/callbacks/{call_id}/claim").status_code == 302
    mail.start()
    clock.now += timedelta(minutes=2)
    deliver(supervised)
    return client, call_id


def test_a_first_message_still_waiting_when_a_supervisor_takes_the_request_is_not_sent(
    supervised: Flask, requested: Callable[[], int], clock: Clock, mail: MailServer
) -> None:
    """The supervisor rings the caller: the team is not sent to a link that only says someone
    else has it, and the call's page says why the e-mail never went."""
    client, call_id = claimed_while_waiting(supervised, requested, clock, mail)
    assert mail.mailbox.mails == []
    page = client.get(f"/review/calls/{call_id}").get_data(as_text=True)
    assert "not needed: a supervisor was handling the request before it was sent" in page


def test_a_first_message_set_aside_for_a_supervisor_goes_when_they_hand_the_request_back(
    supervised: Flask, requested: Callable[[], int], clock: Clock, mail: MailServer
) -> None:
    """The supervisor hands the request back before ringing the caller: the team, whose e-mail
    was set aside for the supervisor, gets it now."""
    client, call_id = claimed_while_waiting(supervised, requested, clock, mail)
    assert mail.mailbox.mails == []
    assert post(client, f"/review/callbacks/{call_id}/release").status_code == 302
    deliver(supervised)
    assert [m["To"] for m in mail.mailbox.mails] == [FRONT_DOOR_EMAIL]
    page = client.get(f"/review/calls/{call_id}").get_data(as_text=True)
    assert "queued again: the request was handed back before it was sent" in page


def test_the_dashboard_says_a_referral_is_waiting_as_the_request_did(
    supervised: Flask, call: Callable[..., PhoneCall]
) -> None:
    """ "Press 0 to make a referral" after the anonymised advice, not connected, a call back:
    the dashboard's "why they rang" is the referral, not the anonymised advice."""
    call("2", "2", "1", "2", "0", "busy", "2", on=supervised).hears("callback_confirmed")
    page = sam(supervised).get("/review/").get_data(as_text=True)
    row = page[page.index('data-label="Why they rang"') :].split("</td>")[0]
    assert "Referral" in row and "anonymised" not in row.lower(), row


def test_the_call_page_says_when_a_request_was_handed_over_and_to_whom(
    supervised: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    """Asked of the front door at 16:55, nobody's at 17:10: the supervisor sees that the
    emergency duty service was sent it, not only that the managers were."""
    clock.now = clock.now.replace(hour=16, minute=55)
    request_id = requested()
    clock.now += timedelta(minutes=15)
    deliver(supervised)
    call_id = request_row(supervised, request_id).call_id
    page = html.unescape(
        messages_section(sam(supervised).get(f"/review/calls/{call_id}").get_data(as_text=True))
    )
    assert "Requested of the children's services front door at 2026-11-25 16:55:00" in page
    assert "Handed over to the Berkshire emergency duty service at 2026-11-25 17:10:00" in page
    assert "handed over: 2 message(s) to the Berkshire emergency duty service, on duty now" in page
    assert "handover by sms" in page


def state_line(app: Flask, call_id: int) -> str:
    """The summary above a call's messages: requested, taken, escalated, handed over."""
    page = sam(app).get(f"/review/calls/{call_id}").get_data(as_text=True)
    summary = page.split('class="govuk-body callback-state">', 1)[1].split("</p>")[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", summary)).split())


def test_the_call_page_says_a_handover_reached_nobody_while_its_messages_wait(
    supervised: Flask, requested: Callable[[], int], clock: Clock, mail: MailServer,
    twilio: FakeTwilio,
) -> None:  # fmt: skip
    """The mail server and Twilio are down at 17:10, when the request is escalated and handed
    over: the supervisor must not read that the emergency duty service was told until a
    message reaches them."""
    clock.now = clock.now.replace(hour=16, minute=55)
    request_id = requested()
    deliver(supervised)
    call_id = request_row(supervised, request_id).call_id
    mail.stop()
    twilio.fail_next(503, times=20)
    clock.now += timedelta(minutes=15)
    deliver(supervised)
    summary = state_line(supervised, call_id)
    assert "Requested of the children's services front door at 2026-11-25 16:55:00. " in summary
    assert "Escalated at 2026-11-25 17:10:00: not sent yet." in summary
    assert (
        "Handed over to the Berkshire emergency duty service at 2026-11-25 17:10:00: "
        "not sent yet." in summary
    )
    mail.start()
    twilio.answers.clear()
    for _ in range(3):
        clock.now += timedelta(minutes=10)
        deliver(supervised)
    summary = state_line(supervised, call_id)
    assert summary.endswith(
        "Handed over to the Berkshire emergency duty service at 2026-11-25 17:10:00."
    ), summary


def test_the_call_page_says_when_none_of_a_requests_messages_could_be_sent(
    supervised: Flask, requested: Callable[[], int], twilio: FakeTwilio, mail: MailServer
) -> None:
    """Twilio refuses the duty phone's number and the mail server the duty mailbox, for good:
    "Requested of the front door" alone would read as if the front door had been asked."""
    mail.mailbox.refusing = "550 5.1.1 No such mailbox"
    twilio.fail_next(400)
    request_id = requested()
    deliver(supervised)
    call_id = request_row(supervised, request_id).call_id
    assert state_line(supervised, call_id).startswith(
        "Requested of the children's services front door at 2026-11-25 11:00:00: "
        "none of its messages could be sent. Not taken yet."
    )


def held_for_a_supervisor(
    supervised: Flask, requested: Callable[[], int], clock: Clock, mail: MailServer,
    twilio: FakeTwilio,
) -> tuple[FlaskClient, int]:  # fmt: skip
    """Both of the team's messages wait for providers that are down; a supervisor takes the
    request; the providers are back when the worker next tries, and it sets both aside."""
    mail.stop()
    twilio.fail_next(503, times=5)
    request_id = requested()
    deliver(supervised)
    call_id = request_row(supervised, request_id).call_id
    client = sam(supervised)
    assert post(client, f"/review/callbacks/{call_id}/claim").status_code == 302
    mail.start()
    twilio.answers.clear()
    clock.now += timedelta(minutes=2)
    deliver(supervised)
    return client, call_id


def test_the_call_page_says_a_request_held_back_for_a_supervisor_reached_nobody_until_released(
    supervised: Flask, requested: Callable[[], int], clock: Clock, mail: MailServer,
    twilio: FakeTwilio,
) -> None:  # fmt: skip
    """Both of the team's messages wait for providers that are down; a supervisor takes the
    request and the worker sets them aside: the front door was never told, and the page must
    not say the messages were merely not needed."""
    client, call_id = held_for_a_supervisor(supervised, requested, clock, mail, twilio)
    assert state_line(supervised, call_id).startswith(
        "Requested of the children's services front door at 2026-11-25 11:00:00: not sent (a "
        "supervisor was handling the request before it was sent). Not taken yet."
    )
    assert post(client, f"/review/callbacks/{call_id}/release").status_code == 302
    deliver(supervised)
    assert state_line(supervised, call_id).startswith(
        "Requested of the children's services front door at 2026-11-25 11:00:00. Not taken yet."
    )


def test_the_call_page_says_messages_released_by_a_supervisor_then_refused_reached_nobody(
    supervised: Flask, requested: Callable[[], int], clock: Clock, mail: MailServer,
    twilio: FakeTwilio,
) -> None:  # fmt: skip
    """Set aside while a supervisor had the request, queued again when they handed it back,
    then refused for good: the page says they failed, not the supervisor's old reason."""
    client, call_id = held_for_a_supervisor(supervised, requested, clock, mail, twilio)
    assert post(client, f"/review/callbacks/{call_id}/release").status_code == 302
    mail.mailbox.refusing = "550 5.1.1 No such mailbox"
    twilio.fail_next(400)
    deliver(supervised)
    assert state_line(supervised, call_id).startswith(
        "Requested of the children's services front door at 2026-11-25 11:00:00: "
        "none of its messages could be sent. Not taken yet."
    )


def test_the_call_page_counts_a_failed_message_and_one_set_aside_for_a_supervisor(
    supervised: Flask, requested: Callable[[], int], clock: Clock, mail: MailServer,
    twilio: FakeTwilio,
) -> None:  # fmt: skip
    """The text is refused for good; the e-mail waits for the mail server, and a supervisor
    takes the request before it is back."""
    mail.stop()
    twilio.fail_next(400)
    request_id = requested()
    deliver(supervised)
    call_id = request_row(supervised, request_id).call_id
    assert post(sam(supervised), f"/review/callbacks/{call_id}/claim").status_code == 302
    mail.start()
    clock.now += timedelta(minutes=2)
    deliver(supervised)
    assert state_line(supervised, call_id).startswith(
        "Requested of the children's services front door at 2026-11-25 11:00:00: 1 of its 2 "
        "messages failed and the other was not sent (a supervisor was handling the request "
        "before it was sent). Not taken yet."
    )


def test_the_call_page_says_an_escalation_still_waiting_when_the_request_is_taken_never_goes(
    supervised: Flask, requested: Callable[[], int], clock: Clock, mail: MailServer,
    twilio: FakeTwilio,
) -> None:  # fmt: skip
    """The front door takes the request from its text while the escalation waits for the
    providers: the escalation will never be sent, and the page must not say it is on its way."""
    request_id = requested()
    deliver(supervised)
    call_id = request_row(supervised, request_id).call_id
    mail.stop()
    twilio.fail_next(503, times=10)
    clock.now += timedelta(minutes=15)
    deliver(supervised)
    take(supervised.test_client(), links(supervised)[0], name="Jo")
    summary = state_line(supervised, call_id)
    assert "Taken by Jo at 2026-11-25 11:15:00." in summary
    assert "Escalated at 2026-11-25 11:15:00: not sent (taken by Jo before it was sent)." in summary


def test_the_call_page_says_an_escalation_with_nobody_to_send_it_to_reached_nobody(
    supervised: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    """The emergency duty service has no escalation contacts: "Escalated at 22:15" alone would
    read as if someone had been told that nobody had taken it."""
    clock.now = clock.now.replace(hour=22, minute=0)
    request_id = requested()
    clock.now += timedelta(minutes=15)
    deliver(supervised)
    call_id = request_row(supervised, request_id).call_id
    assert "Escalated at 2026-11-25 22:15:00: nobody to send it to." in state_line(
        supervised, call_id
    )


def test_the_queue_says_how_long_since_the_caller_asked_not_since_the_call_began(
    supervised: Flask, clock: Clock
) -> None:
    """The call began at 11:00; the transfer rang out and the caller asked at 11:06: the team
    judges how long the caller has waited from when they asked, as the messages say."""
    call_sid = failed_transfer(supervised)
    clock.now += timedelta(minutes=6)
    request_id = ask_for_call_back(supervised, call_sid, clock)
    assert request_id is not None
    clock.now += timedelta(minutes=10)
    client = sam(supervised)
    dashboard = client.get("/review/").get_data(as_text=True)
    waiting = re.search(r'data-label="Waiting">(.*?)</td>', dashboard, re.S)
    assert waiting is not None
    assert "11:06" in waiting.group(1) and "11:00" not in waiting.group(1)
    assert "10 min" in waiting.group(1)
    call_id = request_row(supervised, request_id).call_id
    done_page = client.get(f"/review/callbacks/{call_id}/done").get_data(as_text=True)
    asked = re.search(r"Asked for\s*</dt>\s*<dd[^>]*>(.*?)</dd>", done_page, re.S)
    assert asked is not None and "11:06" in asked.group(1)
    call_page = client.get(f"/review/calls/{call_id}").get_data(as_text=True)
    assert "for 10 minutes, since Wed 25 Nov 2026, 11:06." in " ".join(call_page.split())


def test_the_queue_puts_first_the_caller_who_has_waited_longest(
    supervised: Flask, clock: Clock
) -> None:
    """A began at 11:00 and asked at 11:20; B began at 11:02 and asked at 11:03: B has waited
    longest, so B heads the queue oldest first, and A the newest first."""
    first = failed_transfer(supervised)
    clock.now += timedelta(minutes=2)
    second = failed_transfer(supervised)
    clock.now += timedelta(minutes=1)
    ask_for_call_back(supervised, second, clock)
    clock.now += timedelta(minutes=17)
    ask_for_call_back(supervised, first, clock)
    clock.now += timedelta(minutes=10)
    client = sam(supervised)

    def waiting(order: str) -> list[str]:
        page = client.get(f"/review/?order={order}").get_data(as_text=True)
        return re.findall(r'data-label="Waiting"><strong>(.*?)</strong>', page)

    assert waiting("oldest") == ["27 minutes", "10 minutes"]
    assert waiting("newest") == ["10 minutes", "27 minutes"]


def test_the_call_page_never_says_handed_over_when_nobody_could_be_sent_it(
    supervised: Flask, clock: Clock
) -> None:
    """An adult's request to the emergency duty service at 3am; at 9 adult social care, who take
    no call backs here, is on duty: the page says nobody was sent it, and why."""
    clock.now = clock.now.replace(hour=3)
    adult = PhoneCall(supervised, ["1", "2", "2", "no-answer", "h"]).log.call_sid
    request_id = ask_for_call_back(supervised, adult, clock)
    assert request_id is not None
    assert request_row(supervised, request_id).team == "emergency_duty"
    clock.now = clock.now.replace(hour=9, minute=30)
    deliver(supervised)
    call_id = request_row(supervised, request_id).call_id
    page = messages_section(sam(supervised).get(f"/review/calls/{call_id}").get_data(as_text=True))
    assert "Handed over" not in page
    assert "not handed over: Wokingham adult social care, on duty now, cannot be sent" in page
