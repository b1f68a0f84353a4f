"""Every row of the decision table and every outcome, as a caller walks them."""

from __future__ import annotations

import pytest

from tests.conftest import PhoneCall


@pytest.mark.parametrize(
    ("keys", "questions", "outcome", "reason", "family"),
    [
        (["1", "1"], ["danger_now"], "emergency_999", None, None),
        (["1", "3"], ["danger_now"], "emergency_999", None, None),
        (["2", "2"], ["purpose"], "do_not_share", "no_purpose", None),
        (["2", "3"], ["purpose"], "seek_advice", None, None),
        (["2", "1", "2"], ["purpose", "identifiable"], "share_anonymised", None, None),
        (
            ["2", "1", "1", "3"],
            ["purpose", "identifiable", "significant_harm"],
            "seek_advice",
            None,
            None,
        ),
        (
            ["2", "1", "3", "1", "1"],
            ["purpose", "identifiable", "significant_harm", "inform_family"],
            "share_without_consent",
            "risk_of_harm",
            "not_first",
        ),
        (
            ["2", "1", "1", "1", "2"],
            ["purpose", "identifiable", "significant_harm", "inform_family"],
            "share_without_consent",
            "risk_of_harm",
            "where_safe",
        ),
        (
            ["2", "1", "1", "1", "3"],
            ["purpose", "identifiable", "significant_harm", "inform_family"],
            "share_without_consent",
            "risk_of_harm",
            "seek_advice",
        ),
        (
            ["2", "1", "1", "2", "1"],
            ["purpose", "identifiable", "significant_harm", "agreement"],
            "share_with_consent",
            None,
            None,
        ),
        (
            ["2", "1", "1", "2", "2", "1"],
            ["purpose", "identifiable", "significant_harm", "agreement", "other_lawful_reason"],
            "share_without_consent",
            "lawful_basis",
            None,
        ),
        (
            ["2", "1", "1", "2", "2", "2"],
            ["purpose", "identifiable", "significant_harm", "agreement", "other_lawful_reason"],
            "do_not_share",
            "respect_wishes",
            None,
        ),
        (
            ["2", "1", "1", "2", "2", "3"],
            ["purpose", "identifiable", "significant_harm", "agreement", "other_lawful_reason"],
            "seek_advice",
            None,
            None,
        ),
        (
            ["2", "1", "1", "2", "3", "1"],
            ["purpose", "identifiable", "significant_harm", "agreement", "safe_to_ask"],
            "seek_agreement_first",
            None,
            None,
        ),
        (
            ["2", "1", "1", "2", "3", "2", "2"],
            [
                "purpose",
                "identifiable",
                "significant_harm",
                "agreement",
                "safe_to_ask",
                "other_lawful_reason",
            ],
            "do_not_share",
            "respect_wishes",
            None,
        ),
        (
            ["2", "1", "1", "2", "3", "3"],
            ["purpose", "identifiable", "significant_harm", "agreement", "safe_to_ask"],
            "seek_advice",
            None,
            None,
        ),
    ],
)
def test_each_answer_gives_the_advice_of_the_table(
    call, keys: list[str], questions: list[str], outcome: str, reason: str, family: str
) -> None:
    played: PhoneCall = call(*keys, "")
    played.hears("main_menu", *questions, "reference", "advice_keys", "goodbye")
    record = played.record
    assert (record["outcome"], record["reason"], record["family_informed"]) == (
        outcome,
        reason,
        family,
    )
    advice_step = record["steps"][-1]["step"]
    assert [s[0] for s in played.steps()] == ["main_menu", *questions, advice_step]
    assert [s[1] for s in played.steps()] == [*keys, ""]
    assert record["status"] == "completed"
    assert played.log.ended_by == "line"


def test_emergency_advice_is_999_and_the_reference_is_read_digit_by_digit(call) -> None:
    played = call("1", "1", "")
    played.hears("danger_999", "danger_now", "advice_emergency_999", "reference")
    reference = played.record["reference"]
    spelled = ", ".join(reference)
    assert any(spelled in text for text in played.said()), played.transcript
    assert not played.dialled()


def test_referral_puts_the_caller_through_to_the_duty_team(call) -> None:
    played = call("1", "2", "completed")
    played.hears("danger_now", "advice_referral", "reference", "connecting", "goodbye")
    assert played.dialled() == [("+441189088002", "completed")]
    record = played.record
    assert record["outcome"] == "referral"
    assert (record["transfer_to"], record["transfer_status"]) == ("front_door", "completed")
    assert played.steps()[-1] == ("transfer", "completed", "dial")


@pytest.mark.parametrize(
    ("keys", "outcome"),
    [
        (["0", "completed"], "speak_to_someone"),
        (["3", "1", "completed"], "speak_to_someone"),
        (["3", "h"], "contacts_given"),
        (["2", "h"], "abandoned"),
        (["h"], "abandoned"),
    ],
)
def test_lesser_outcomes(call, keys: list[str], outcome: str) -> None:
    assert call(*keys).record["outcome"] == outcome


def test_first_advice_stands_when_the_caller_then_asks_for_a_person(call) -> None:
    played = call("2", "3", "0", "completed")
    assert played.record["outcome"] == "seek_advice"
    assert played.record["transfer_status"] == "completed"


@pytest.mark.parametrize(
    ("keys", "advice", "checklist"),
    [
        (["2", "1", "1", "2", "1"], "advice_share_with_consent", True),
        (["2", "1", "1", "1", "1"], "advice_share_without_consent", True),
        (["2", "1", "1", "2", "2", "1"], "advice_share_without_consent", True),
        (["2", "1", "2"], "advice_share_anonymised", False),
        (["2", "2"], "advice_do_not_share", False),
        (["2", "1", "1", "2", "2", "2"], "advice_do_not_share", False),
    ],
)
def test_every_share_and_do_not_share_ends_with_the_record_reminder(
    call, keys: list[str], advice: str, checklist: bool
) -> None:
    played = call(*keys, "")
    played.hears(advice, *(["checklist"] if checklist else []), "record_reminder", "reference")


def test_the_line_closes_the_record_at_its_goodbye_even_without_a_status_callback(
    client, app
) -> None:
    from sqlalchemy import text

    from tests.conftest import signed_post

    sid = "CA" + "cd" * 16
    signed_post(client, "/voice/incoming", CallSid=sid)
    signed_post(client, "/voice/gather?n=0", CallSid=sid, Digits="2")
    signed_post(client, "/voice/gather?n=1", CallSid=sid, Digits="3")
    signed_post(client, "/voice/gather?n=2", CallSid=sid)  # silence on advice: goodbye
    with app.app_context():
        from ivr import db

        with db.session() as session:
            row = session.execute(text("SELECT status, ended_at, outcome FROM calls")).one()
    assert row[0] == "completed"
    assert row[1] is not None
    assert row[2] == "seek_advice"


def test_a_whole_call_over_real_http(app) -> None:
    """The same call through a real socket, as `ivr call --url` plays it against `make run`."""
    import threading

    from werkzeug.serving import make_server

    from ivr.phone import HttpTransport, Phone, ScriptedAnswerer
    from tests.conftest import CALLER, TOKEN

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/voice/incoming"
        with HttpTransport() as transport:
            log = Phone(
                transport, url, TOKEN, ScriptedAnswerer(["1", "2", "busy", "2"]), caller=CALLER
            ).call()
    finally:
        server.shutdown()
        thread.join()
    assert [e.attrs["status"] for e in log.requests()] == ["200"] * 5 + ["204"]
    assert log.ended_by == "line"
    assert any("call you back" in text for text in log.said())
