"""The call-back queue, the export prepared in the background, and the review area's error pages."""

from __future__ import annotations

import csv
import io
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr import export
from ivr.review import exporting
from tests.conftest import Clock
from tests.review.conftest import Audit, login, post


def test_a_taken_call_back_stays_with_whoever_took_it(
    app: Flask, supervisor: FlaskClient, call, audited: Audit
) -> None:
    waiting = call("0", "busy", "2").record["reference"]
    assert post(supervisor, "/review/callbacks/1/claim").status_code == 302
    page = supervisor.get("/review/").get_data(as_text=True)
    assert "You are handling this" in page and "Take it" not in page
    ada = app.test_client()
    login(ada, "ada")
    post(ada, "/review/callbacks/1/claim")
    assert "sam is already handling the call-back" in ada.get("/review/").get_data(as_text=True)
    assert post(ada, "/review/callbacks/1/release").status_code == 302
    assert "sam is handling this" in ada.get("/review/").get_data(as_text=True)
    assert audited("callback_claimed") == [{"actor": "sam", "reference": waiting}]
    assert audited("callback_released") == []


def test_marking_done_needs_a_note_and_shows_the_queue_in_full(
    supervisor: FlaskClient, call, audited: Audit
) -> None:
    for _ in range(27):
        call("0", "busy", "2")
    page = supervisor.get("/review/").get_data(as_text=True)
    assert "Call-back requests waiting: 27" in page and "Page 1 of 2" in page
    answer = post(supervisor, "/review/callbacks/1/done", note="   ")
    assert answer.status_code == 200
    assert "Write what was done before marking it done" in answer.get_data(as_text=True)
    assert audited("callback_done") == []
    assert "Call-back requests waiting: 27" in supervisor.get("/review/").get_data(as_text=True)
    confirm = supervisor.get("/review/callbacks/1/done?back=dashboard").get_data(as_text=True)
    assert "Confirm: call-back done" in confirm
    post(supervisor, "/review/callbacks/1/done", note="rang back", back="call")
    assert "Call-back requests waiting: 26" in supervisor.get("/review/").get_data(as_text=True)


def test_a_large_export_is_prepared_then_downloaded_by_its_owner_only(
    app: Flask, supervisor: FlaskClient, call, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exporting, "STREAM_AT_ONCE", 0)
    monkeypatch.setattr(export, "BATCH", 1)  # several batches, as a big export reads them
    first = call("2", "2", "1", "2").record["reference"]
    second = call("0", "busy", "2").record["reference"]
    answer = post(supervisor, "/review/calls/export")
    assert answer.status_code == 302
    status = answer.headers["Location"]
    for _ in range(100):
        state = supervisor.get(status, headers={"Accept": "application/json"}).get_json()
        if state["ready"]:
            break
        time.sleep(0.05)
    assert state["ready"] and not state["failed"]
    assert "Your export is ready" in supervisor.get(status).get_data(as_text=True)
    with supervisor.get(state["download"]) as download:
        text = download.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row["reference"] for row in rows] == [second, first]
    ada = app.test_client()
    login(ada, "ada")
    assert ada.get(status).status_code == 404
    with ada.get(state["download"]) as refused:
        assert refused.status_code == 404


def test_cells_a_spreadsheet_would_run_are_kept_as_text(supervisor: FlaskClient, call) -> None:
    call("2", "2", "1", "2")
    post(supervisor, "/review/calls/1/review", status="reviewed", note='=HYPERLINK("x")')
    text = post(supervisor, "/review/calls/export").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert row["review_note"] == '\'=HYPERLINK("x")'
    assert row["review_by"] == "sam" and row["started_at"].endswith("+00:00")


def test_error_pages_are_in_the_layout(supervisor: FlaskClient) -> None:
    missing = supervisor.get("/review/nowhere")
    assert missing.status_code == 404
    page = missing.get_data(as_text=True)
    assert "Page not found" in page and 'id="main-content"' in page
    assert "govuk-frontend.min.css" in page and "Skip to main content" in page
    assert supervisor.get("/review/audit").status_code == 403
    assert "You cannot see this page" in supervisor.get("/review/audit").get_data(as_text=True)


def test_the_stylesheet_is_public_and_has_no_gov_uk_font(client: FlaskClient) -> None:
    with client.get("/review/static/vendor/govuk-frontend/govuk-frontend.min.css") as css:
        text = css.get_data(as_text=True)
        assert css.status_code == 200 and "govuk-service-navigation" in text
    assert "GDS Transport" not in text
    assert client.get("/review/static/vendor/README").status_code == 404
    login_page = client.get("/review/login").get_data(as_text=True)
    assert "govuk-header__logotype" not in login_page and "crown" not in login_page.lower()


def test_a_done_note_is_final_a_later_supervisor_adds_to_it(
    app: Flask, supervisor: FlaskClient, call, audited: Audit, clock: Clock
) -> None:
    waiting = call("0", "busy", "2").record["reference"]
    post(supervisor, "/review/callbacks/1/done", note="Rang back, spoke to the caller.")
    ada = app.test_client()
    login(ada, "ada")
    clock.now += timedelta(minutes=20)
    assert post(ada, "/review/callbacks/1/done", note="Referral made.").status_code == 302
    page = ada.get("/review/calls/1").get_data(as_text=True)
    assert "Done by sam on Wed 25 Nov 2026, 11:00" in page
    assert (
        "Rang back, spoke to the caller.<br><br>Added by ada on Wed 25 Nov 2026, 11:20:<br>"
        "Referral made." in page
    )
    assert "Your note is added to the call-back" in page
    assert audited("callback_done") == [
        {"actor": "sam", "reference": waiting, "note": "Rang back, spoke to the caller."}
    ]
    assert audited("callback_note_added") == [
        {"actor": "ada", "reference": waiting, "note": "Referral made."}
    ]
    assert "ada added to the call-back's note: “Referral made.”" in page
    asked = supervisor.get("/review/callbacks/1/done?back=call").get_data(as_text=True)
    assert "The note stays as written" in asked and "Add to the note" in asked
    assert "Confirm: call-back done" not in asked
