"""The webhooks' outside: signatures, bad input, the record's life, and failure answered safely."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from ivr import db
from tests.conftest import TOKEN, sign, signed_post

SID = "CA" + "ab" * 16
VOICE_URLS = ["/voice/incoming", "/voice/gather?n=0", "/voice/dial?n=0", "/voice/status"]


def says(body: bytes) -> list[str]:
    return [e.text or "" for e in ET.fromstring(body).iter("Say")]


def test_an_unsigned_request_is_refused_and_touches_nothing(client, app) -> None:
    response = client.post("/voice/incoming", data={"CallSid": SID})
    assert response.status_code == 403
    with app.app_context(), db.session() as session:
        assert session.execute(text("SELECT count(*) FROM calls")).scalar() == 0


def test_a_request_signed_with_another_token_is_refused(client) -> None:
    form = {"CallSid": SID}
    bad = sign("http://localhost/voice/incoming", form, token="someone-else")
    response = client.post("/voice/incoming", data=form, headers={"X-Twilio-Signature": bad})
    assert response.status_code == 403


def test_a_tampered_field_breaks_the_signature(client) -> None:
    signature = sign("http://localhost/voice/incoming", {"CallSid": SID})
    response = client.post(
        "/voice/incoming",
        data={"CallSid": SID, "From": "+447911123456"},
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 403


def test_behind_a_proxy_the_public_url_and_the_query_as_received_are_validated(make_app) -> None:
    app = make_app({"PUBLIC_URL": "https://ivr.example.org"})
    client = app.test_client()
    form = {"CallSid": SID, "From": "+447911123456"}
    assert signed_post(client, "/voice/incoming", **form).status_code == 403
    url = "https://ivr.example.org/voice/incoming"
    ok = client.post("/voice/incoming", data=form, headers={"X-Twilio-Signature": sign(url, form)})
    assert ok.status_code == 200
    answer = {"CallSid": SID, "Digits": "2"}
    query_url = "https://ivr.example.org/voice/gather?n=0"
    response = client.post(
        "/voice/gather?n=0", data=answer, headers={"X-Twilio-Signature": sign(query_url, answer)}
    )
    assert response.status_code == 200
    assert "Do you think a child is suffering" in " ".join(says(response.data))


def test_the_fallback_answers_without_a_signature_and_without_a_database(make_app) -> None:
    app = make_app({"DATABASE_URL": "sqlite:////nonexistent/dir/ivr.sqlite3"})
    response = app.test_client().post("/voice/fallback", data={"ErrorCode": "11200"})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert "dial 9, 9, 9" in " ".join(says(response.data))
    assert root.find("Dial").text == "+441189088002"


@pytest.mark.parametrize("path", VOICE_URLS)
def test_a_missing_call_sid_is_a_bad_request(client, path: str) -> None:
    assert signed_post(client, path, From="+447911123456").status_code == 400


def test_a_missing_step_number_is_a_bad_request(client) -> None:
    signed_post(client, "/voice/incoming", CallSid=SID)
    assert signed_post(client, "/voice/gather", CallSid=SID, Digits="1").status_code == 400


def test_an_answer_for_an_unknown_call_gets_the_safe_guidance(client) -> None:
    response = signed_post(client, "/voice/gather?n=0", CallSid=SID, Digits="1")
    assert response.status_code == 200
    assert ET.fromstring(response.data).find("Dial").text == "+441189088002"


def test_the_same_webhook_delivered_twice_records_one_step_and_answers_the_same(
    client, app
) -> None:
    signed_post(client, "/voice/incoming", CallSid=SID)
    first = signed_post(client, "/voice/gather?n=0", CallSid=SID, Digits="2")
    again = signed_post(client, "/voice/gather?n=0", CallSid=SID, Digits="2")
    assert first.data == again.data
    with app.app_context(), db.session() as session:
        assert session.execute(text("SELECT count(*) FROM steps")).scalar() == 1


def test_a_hang_up_half_way_leaves_an_abandoned_record_with_every_answer(call) -> None:
    played = call("2", "1", "h")
    record = played.record
    assert record["outcome"] == "abandoned"
    assert record["status"] == "completed"
    assert played.steps() == [("main_menu", "2", "key"), ("significant_harm", "1", "key")]
    assert record["ended_at"] is not None


def test_the_status_callback_twice_or_before_the_last_webhook_changes_nothing_it_should_not(
    client, app
) -> None:
    signed_post(client, "/voice/incoming", CallSid=SID, From="+447911123456")
    signed_post(client, "/voice/gather?n=0", CallSid=SID, Digits="1")
    assert (
        signed_post(
            client, "/voice/status", CallSid=SID, CallStatus="completed", CallDuration="40"
        ).status_code
        == 204
    )
    # An answer handled after Twilio said the call was over: nobody heard what it led to.
    signed_post(client, "/voice/gather?n=1", CallSid=SID, Digits="1")
    signed_post(client, "/voice/status", CallSid=SID, CallStatus="completed", CallDuration="99")
    with app.app_context(), db.session() as session:
        row = session.execute(text("SELECT outcome, duration_seconds, status FROM calls")).one()
    assert tuple(row) == ("abandoned", 40, "completed")


def test_the_database_failing_mid_call_still_gets_the_caller_999_and_a_person(client, app) -> None:
    signed_post(client, "/voice/incoming", CallSid=SID)
    app.extensions["ivr.writing_engine"] = create_engine("sqlite:////nonexistent/x.db")
    response = signed_post(client, "/voice/gather?n=0", CallSid=SID, Digits="2")
    assert response.status_code == 200
    assert "dial 9, 9, 9" in " ".join(says(response.data))
    assert ET.fromstring(response.data).find("Dial").text == "+441189088002"
    assert client.get("/healthz").status_code == 200  # the engine itself is still fine


def test_healthz_answers_503_when_the_database_does_not(make_app) -> None:
    app = make_app({"DATABASE_URL": "sqlite:////nonexistent/dir/ivr.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "down", "config": "ok"}


TWILIO_FIELDS = st.sampled_from(
    ["CallSid", "Digits", "SpeechResult", "From", "DialCallStatus", "CallStatus", "CallDuration"]
)
FORM = st.dictionaries(
    st.one_of(TWILIO_FIELDS, st.text(max_size=20)),
    st.text(max_size=300),
    max_size=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from([*VOICE_URLS, "/voice/gather?n=x", "/voice/dial?n=99999"]), form=FORM)
def test_any_signed_form_gets_twiml_or_a_4xx_never_a_5xx(client, path: str, form: dict) -> None:
    signed_post(client, "/voice/incoming", CallSid=SID)
    response = signed_post(client, path, **form)
    assert response.status_code < 500
    if response.status_code == 200:
        assert response.mimetype == "text/xml"
        assert ET.fromstring(response.data).tag == "Response"


def test_every_say_is_british(call) -> None:
    played = call("3", "1", "busy", "2")
    say_events = [e for e in played.log.events if e.kind == "say"]
    assert say_events
    assert {(e.attrs["language"], e.attrs["voice"]) for e in say_events} == {("en-GB", "Polly.Amy")}


def test_the_token_is_never_a_default(tmp_path, monkeypatch) -> None:
    from ivr import create_app

    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    first = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db"})
    assert first.config["TWILIO_AUTH_TOKEN"] != TOKEN
    assert len(first.config["TWILIO_AUTH_TOKEN"]) >= 32


@pytest.mark.parametrize(
    "signed_as", ["http://localhost/voice/incoming", "http://localhost:80/voice/incoming"]
)
def test_a_signature_over_the_url_with_or_without_its_port_is_accepted(client, signed_as) -> None:
    form = {"CallSid": SID, "From": "+447911123456"}
    headers = {"X-Twilio-Signature": sign(signed_as, form)}
    assert client.post("/voice/incoming", data=form, headers=headers).status_code == 200
    headers = {"X-Twilio-Signature": sign(signed_as.replace("incoming", "gather"), form)}
    assert client.post("/voice/incoming", data=form, headers=headers).status_code == 403
