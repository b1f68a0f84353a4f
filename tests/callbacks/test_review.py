"""The review area shows each call-back message's state with its times, and counts open requests."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from flask import Flask

from ivr import db
from ivr.review import accounts
from tests.callbacks.conftest import FRONT_DOOR_EMAIL, FRONT_DOOR_SMS, deliver, request_row
from tests.callbacks.stand_ins import FakeTwilio
from tests.callbacks.test_page import links, take
from tests.conftest import WEDNESDAY_11AM
from tests.review.conftest import PASSWORDS, login


@pytest.fixture
def supervised(line: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    with line.app_context(), db.session() as session:
        accounts.add(session, WEDNESDAY_11AM, "test", "sam", "supervisor", PASSWORDS["sam"])
    return line


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
