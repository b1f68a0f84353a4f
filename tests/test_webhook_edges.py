"""The webhooks' edges an adversarial probe found: odd digits, stray dial results, early statuses,
and a fallback URL anyone can post to."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest
from sqlalchemy import text

from ivr import db
from tests.conftest import signed_post

SID = "CA" + "cd" * 16


def the_call(app) -> dict[str, object]:
    with app.app_context(), db.reading() as session:
        row = session.execute(
            text("SELECT status, duration_seconds, transfer_status, step_count FROM calls")
        ).one()
    return dict(row._mapping)


@pytest.mark.parametrize("n", ["\u00b2", "\u0661", "0\u00b2", "\U0001d7d8"])
def test_a_step_number_in_other_digits_is_a_bad_request_not_a_traceback(client, n) -> None:
    signed_post(client, "/voice/incoming", CallSid=SID)
    for path in (f"/voice/gather?n={quote(n)}", f"/voice/dial?n={quote(n)}"):
        assert signed_post(client, path, CallSid=SID, Digits="1").status_code == 400


def test_a_call_duration_in_other_digits_is_ignored(client, app) -> None:
    signed_post(client, "/voice/incoming", CallSid=SID)
    response = signed_post(
        client, "/voice/status", CallSid=SID, CallStatus="completed", CallDuration="\u00b2"
    )
    assert response.status_code == 204
    assert the_call(app)["status"] == "completed"


def test_a_dial_result_for_a_call_that_made_no_transfer_records_nothing(client, app) -> None:
    signed_post(client, "/voice/incoming", CallSid=SID)
    response = signed_post(client, "/voice/dial?n=0", CallSid=SID, DialCallStatus="completed")
    assert response.status_code == 200
    assert the_call(app)["transfer_status"] is None
    assert the_call(app)["step_count"] == 0


def test_a_dial_result_during_a_transfer_still_counts(call) -> None:
    played = call("0", "busy", "2")
    assert played.record["transfer_status"] == "busy"


def test_a_status_that_comes_before_the_first_webhook_closes_the_call_when_it_comes(
    client, app
) -> None:
    early = signed_post(
        client, "/voice/status", CallSid=SID, CallStatus="completed", CallDuration="3"
    )
    assert early.status_code == 204
    signed_post(client, "/voice/incoming", CallSid=SID, From="+447911123456")
    record = the_call(app)
    assert (record["status"], record["duration_seconds"]) == ("completed", 3)
    with app.app_context(), db.reading() as session:
        assert session.execute(text("SELECT count(*) FROM early_statuses")).scalar() == 0


def test_an_unsigned_fallback_logs_nothing_its_sender_wrote(make_app) -> None:
    stream = io.StringIO()
    app = make_app({"LOG_STREAM": stream})
    form = {"ErrorCode": "<script>", "ErrorUrl": "https://x/\x1b[2Jforged line\nERROR: fake"}
    response = app.test_client().post("/voice/fallback", data=form)
    assert response.status_code == 200 and b"<Dial" in response.data
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert "ERROR" not in [line["level"] for line in lines]
    assert "forged" not in stream.getvalue() and "<script>" not in stream.getvalue()


def test_a_signed_fallback_logs_twilios_error(make_app) -> None:
    stream = io.StringIO()
    app = make_app({"LOG_STREAM": stream})
    client = app.test_client()
    signed_post(client, "/voice/fallback", ErrorCode="11200", ErrorUrl="https://x/voice/gather?n=1")
    errors = [json.loads(line) for line in stream.getvalue().splitlines()]
    errors = [line for line in errors if line["level"] == "ERROR"]
    assert len(errors) == 1 and "11200" in errors[0]["message"]
    assert "/voice/gather" in errors[0]["message"]
