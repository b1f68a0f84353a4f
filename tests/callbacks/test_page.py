"""The one-time link: see the request, take it once; a second use says who; expired, tampered."""

from __future__ import annotations

import html
import io
import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy import select

from ivr import db
from ivr.models import AuditEntry
from tests.callbacks.conftest import (
    FRONT_DOOR_EMAIL,
    FRONT_DOOR_SMS,
    events,
    messages,
    request_row,
)
from tests.conftest import AppFactory, Clock, restarted

# A database that cannot be opened: its folder does not exist.
DOWN = "sqlite:////nonexistent/dir/ivr.sqlite3"


def links(app: Flask) -> list[str]:
    """The link each message carries, as a path on this app."""
    return [re.search(r"https://[^/]+(/callbacks/\S+)", m.body).group(1) for m in messages(app)]


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def take(client: FlaskClient, link: str, name: str = "") -> str:
    page = client.get(link).get_data(as_text=True)
    answer = client.post(link, data={"csrf_token": csrf(page), "name": name})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def audited(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context(), db.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_page_shows_the_number_to_dial_the_reference_the_time_and_why(
    line: Flask, requested: Callable[[], int]
) -> None:
    requested()
    answer = line.test_client().get(links(line)[0])
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'href="tel:+447911123456"' in page and "07911 123456" in page
    assert "11:00 GMT on Wednesday 25 November 2026" in page
    assert "they asked to speak to someone" in page
    assert "I&#39;m taking this call back" in page or "I'm taking this call back" in page
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_taken_once_by_the_name_typed_recorded_and_audited(
    line: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    request_id = requested()
    clock.now += timedelta(minutes=3)
    page = take(line.test_client(), links(line)[0], "Sam at the front door")
    assert "taken by <strong>Sam at the front door</strong> at 11:03" in page
    row = request_row(line, request_id)
    assert (row.taken_by, row.taken_at) == ("Sam at the front door", clock.now)
    assert ("taken", "Sam at the front door") in events(line)
    [entry] = audited(line, "callback_taken")
    assert entry.actor == "Sam at the front door" and entry.detail["via"] == FRONT_DOOR_SMS


def test_without_a_name_the_taker_is_the_address_the_message_went_to(
    line: Flask, requested: Callable[[], int]
) -> None:
    request_id = requested()
    take(line.test_client(), links(line)[1])
    assert request_row(line, request_id).taken_by == FRONT_DOOR_EMAIL


def test_a_second_use_of_any_link_says_who_took_it_and_changes_nothing(
    line: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    """Two people open the request at once; the second to press the button is told who has it."""
    request_id = requested()
    by_text, by_email = links(line)
    other = line.test_client()
    opened = other.get(by_email).get_data(as_text=True)
    take(line.test_client(), by_text, "Sam")
    taken = request_row(line, request_id).taken_at
    clock.now += timedelta(minutes=5)
    late = other.post(by_email, data={"csrf_token": csrf(opened), "name": "Alex"})
    assert late.status_code == 200
    assert "Already taken" in late.get_data(as_text=True)
    page = other.get(by_email).get_data(as_text=True)
    assert "Already taken" in page and "taken by <strong>Sam</strong> at 11:00" in page
    assert "07911 123456" not in page, "once taken, the link no longer shows the caller's number"
    assert 'name="csrf_token"' not in page
    row = request_row(line, request_id)
    assert (row.taken_by, row.taken_at) == ("Sam", taken)
    assert len(audited(line, "callback_taken")) == 1


def test_a_tampered_link_is_not_found_and_changes_nothing(
    line: Flask, requested: Callable[[], int]
) -> None:
    request_id = requested()
    link = links(line)[0]
    client = line.test_client()
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 404
    forged = "/callbacks/" + "1.abc.def"
    assert client.post(forged, data={"name": "x"}).status_code == 404
    assert request_row(line, request_id).taken_at is None


def test_an_expired_link_is_refused_and_changes_nothing(
    line: Flask, requested: Callable[[], int], clock: Clock
) -> None:
    request_id = requested()
    link = links(line)[0]
    client = line.test_client()
    page = client.get(link).get_data(as_text=True)
    clock.now += timedelta(days=1, seconds=1)
    answer = client.post(link, data={"csrf_token": csrf(page), "name": "late"})
    assert answer.status_code == 403
    assert "expired" in answer.get_data(as_text=True)
    assert "07911" not in answer.get_data(as_text=True)
    assert request_row(line, request_id).taken_at is None


def test_taking_needs_the_forms_csrf_token(line: Flask, requested: Callable[[], int]) -> None:
    request_id = requested()
    client = line.test_client()
    link = links(line)[0]
    client.get(link)
    assert client.post(link, data={"name": "no token"}).status_code == 400
    assert request_row(line, request_id).taken_at is None


def test_a_page_left_open_for_hours_still_takes_the_request(
    line: Flask, requested: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened from the message, then left while the team finishes another call."""
    request_id = requested()
    client = line.test_client()
    link = links(line)[0]
    page = client.get(link).get_data(as_text=True)
    later = int(time.time()) + 5 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: later)
    answer = client.post(link, data={"csrf_token": csrf(page), "name": "Sam"})
    assert answer.status_code == 200
    assert "You have taken this call back" in answer.get_data(as_text=True)
    assert request_row(line, request_id).taken_by == "Sam"


def test_a_refused_form_shows_the_page_again_and_pressing_again_takes_it(
    line: Flask, requested: Callable[[], int]
) -> None:
    """The form's key did not come back (the link opened in one app, the form sent from
    another): the page says so in an error summary, and its button works."""
    request_id = requested()
    link = links(line)[0]
    stale = csrf(line.test_client().get(link).get_data(as_text=True))
    client = line.test_client()
    answer = client.post(link, data={"csrf_token": stale, "name": "Sam"})
    page = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 400
    assert "There is a problem" in page
    assert 'press "I\'m taking this call back" again' in page
    assert "07911 123456" in page
    assert request_row(line, request_id).taken_at is None
    assert "You have taken this call back" in take(client, link, "Sam")
    assert request_row(line, request_id).taken_by == "Sam"


def test_with_the_config_unreadable_the_link_still_takes_the_request(
    make_app: AppFactory, line: Flask, requested: Callable[[], int], tmp_path: Path
) -> None:
    request_id = requested()
    worker = restarted(make_app, line, tmp_path / "gone.yaml", checked=True)
    page = take(worker.test_client(), links(line)[0], "Sam at the front door")
    assert "taken by <strong>Sam at the front door</strong>" in page
    assert request_row(line, request_id).taken_by == "Sam at the front door"


def test_with_no_line_to_go_on_the_link_says_to_call_back_anyway(
    make_app: AppFactory, line: Flask, requested: Callable[[], int], tmp_path: Path
) -> None:
    request_id = requested()
    worker = restarted(make_app, line, tmp_path / "gone.yaml", checked=False)
    answer = worker.test_client().get(links(line)[0])
    assert answer.status_code == 503
    assert "Please still call back the number in the message" in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    assert request_row(line, request_id).taken_at is None


def test_with_the_database_down_the_link_says_to_call_back_anyway(
    make_app: AppFactory, line: Flask, requested: Callable[[], int]
) -> None:
    requested()
    # Served as in production: the fault answered by the app's error page, not raised to the test.
    down = {"DATABASE_URL": DOWN, "SECRET_KEY": line.config["SECRET_KEY"], "TESTING": False}
    answer = make_app(down).test_client().get(links(line)[0])
    assert answer.status_code == 500
    assert "Please still call back the number in the message" in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"


def test_with_the_database_down_the_error_logged_names_the_link_without_its_key(
    make_app: AppFactory, line: Flask, requested: Callable[[], int]
) -> None:
    requested()
    link = links(line)[0]
    stream = io.StringIO()
    down = {
        "DATABASE_URL": DOWN,
        "SECRET_KEY": line.config["SECRET_KEY"],
        "TESTING": False,
        "LOG_STREAM": stream,
    }
    assert make_app(down).test_client().get(link).status_code == 500
    logged = stream.getvalue()
    assert "Exception on /callbacks/... [GET]" in logged
    assert link.removeprefix("/callbacks/") not in logged
