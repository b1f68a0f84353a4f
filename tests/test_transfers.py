"""Transfers to whoever is on duty now, and what happens when they do not connect."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

FRONT_DOOR = "+441189088002"
DUTY_SERVICE = "+441344351999"
NSPCC = "+448088005000"


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed", "canceled"])
def test_a_transfer_that_does_not_connect_reads_the_number_and_offers_a_retry(
    call, status: str
) -> None:
    played = call("0", status, "1", "completed")
    played.hears("connecting", "not_connected", "other_options_nspcc", "other_options_police")
    played.hears("not_connected_retry_key", "not_connected_menu_key", "connecting", "goodbye")
    assert played.dialled() == [(FRONT_DOOR, status), (FRONT_DOOR, "completed")]
    spoken_number = "0, 1, 1, 8. 9, 0, 8. 8, 0, 0, 2"
    assert any(spoken_number in text for text in played.said()), played.transcript
    record = played.record
    assert record["transfer_status"] == "completed"
    assert [s for s in played.steps() if s[0] == "transfer"] == [
        ("transfer", status, "dial"),
        ("transfer", "completed", "dial"),
    ]


def test_a_completed_transfer_ends_the_call(call) -> None:
    played = call("0", "completed")
    assert played.record["transfer_status"] == "completed"
    assert played.record["outcome"] == "speak_to_someone"
    assert played.log.ended_by == "line"


def test_a_call_back_request_confirms_the_number_it_will_call(make_app) -> None:
    from tests.conftest import CALLBACK_CONFIG, CALLBACK_SENDER, PhoneCall, worker_seen

    app = make_app(CALLBACK_SENDER, **CALLBACK_CONFIG)
    worker_seen(app)
    played = PhoneCall(app, ["0", "busy", "2"])
    played.hears("not_connected_callback_key", "callback_confirmed", "goodbye")
    # Read as the caller knows their own number, not as +44.
    assert any("on 0, 7, 9, 1, 1. 1, 2, 3. 4, 5, 6." in text for text in played.said()), (
        played.transcript
    )
    record = played.record
    assert record["callback_requested"] is True
    assert record["transfer_status"] == "busy"


def test_no_call_back_is_offered_without_a_caller_number(make_app) -> None:
    from tests.conftest import CALLBACK_CONFIG, CALLBACK_SENDER, PhoneCall, worker_seen

    app = make_app(CALLBACK_SENDER, **CALLBACK_CONFIG)
    worker_seen(app)  # all else is in place: only the number is missing
    played = PhoneCall(app, ["0", "busy", "2", "h"], caller="Anonymous")
    played.never_hears("not_connected_callback_key")
    played.hears("not_connected", "not_a_choice")
    assert played.record["callback_requested"] is False


def test_the_not_connected_menu_gives_up_with_the_numbers_and_a_goodbye(call) -> None:
    played = call("0", "busy", "", "", "")
    played.hears("not_connected", "not_connected", "goodbye")
    assert played.log.ended_by == "line"
    assert len(played.dialled()) == 1


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 27, 16, 59, tzinfo=UTC), FRONT_DOOR),  # Friday 16:59 GMT
        (datetime(2026, 11, 27, 17, 0, tzinfo=UTC), DUTY_SERVICE),  # Friday 17:00
        (datetime(2026, 11, 28, 12, 0, tzinfo=UTC), DUTY_SERVICE),  # Saturday
        (datetime(2026, 8, 31, 10, 0, tzinfo=UTC), DUTY_SERVICE),  # summer bank holiday
        (datetime(2026, 12, 28, 10, 0, tzinfo=UTC), DUTY_SERVICE),  # substitute Boxing Day
        (datetime(2026, 3, 30, 8, 30, tzinfo=UTC), FRONT_DOOR),  # 09:30 BST after the change
        (datetime(2026, 3, 23, 8, 30, tzinfo=UTC), DUTY_SERVICE),  # 08:30 GMT before it
        (datetime(2026, 10, 23, 16, 30, tzinfo=UTC), DUTY_SERVICE),  # 17:30 BST, Friday
        (datetime(2026, 10, 26, 16, 30, tzinfo=UTC), FRONT_DOOR),  # 16:30 GMT, Monday after
    ],
)
def test_transfers_go_to_whoever_is_on_duty_at_that_moment(
    call, clock, moment: datetime, expected: str
) -> None:
    clock.now = moment
    played = call("0", "completed")
    assert played.dialled() == [(expected, "completed")]
    assert played.record["out_of_hours"] is (expected == DUTY_SERVICE)
    assert played.record["transfer_to"] == (
        "front_door" if expected == FRONT_DOOR else "emergency_duty"
    )


def test_a_closed_date_from_config_sends_calls_to_the_duty_service(make_app, clock) -> None:
    from tests.conftest import PhoneCall

    app = make_app(office_hours={"closed_dates": ["2026-12-24"]})
    clock.now = datetime(2026, 12, 24, 11, 0, tzinfo=UTC)
    played = PhoneCall(app, ["0", "completed"])
    assert played.dialled() == [(DUTY_SERVICE, "completed")]


def test_contacts_offer_the_nspcc_only_while_it_is_open(call, clock) -> None:
    clock.now = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    played = call("3", "2", "completed")
    played.hears("contacts_front_door", "contacts_nspcc_open", "contacts_nspcc_key")
    assert played.dialled() == [(NSPCC, "completed")]
    assert played.record["transfer_to"] == "nspcc"

    clock.now = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    closed = call("3", "2", "h")
    closed.hears("contacts_nspcc_closed", "not_a_choice").never_hears("contacts_nspcc_key")
    assert closed.dialled() == []


def test_retrying_a_failed_nspcc_transfer_dials_the_nspcc_again(call) -> None:
    played = call("3", "2", "no-answer", "1", "completed")
    assert played.dialled() == [(NSPCC, "no-answer"), (NSPCC, "completed")]


def test_out_of_hours_contacts_name_the_duty_service_and_the_office_hours(call, clock) -> None:
    clock.now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    played = call("3", "h")
    said = " ".join(played.said())
    assert "put through to the Berkshire emergency duty service, on duty now" in said
    assert "Monday to Friday 9am to 5pm" in said


def test_an_unknown_transfer_status_counts_as_not_connected(client, app) -> None:
    from tests.conftest import signed_post

    sid = "CA" + "ef" * 16
    signed_post(client, "/voice/incoming", CallSid=sid, From="+447911123456")
    signed_post(client, "/voice/gather?n=0", CallSid=sid, Digits="0")
    response = signed_post(client, "/voice/dial?n=1", CallSid=sid, DialCallStatus="answered")
    body = response.get_data(as_text=True)
    assert "<Dial" not in body
    assert "I couldn't connect you to the children's services front door" in body


ADULT_SOCIAL_CARE = "+441189746800"


def test_a_referral_made_after_other_advice_that_fails_says_it_has_not_been_made(call) -> None:
    """Not sure about harm (seek advice), a plain transfer, then the risk route's referral: the
    referral, more urgent, is the outcome on the record, and the failed transfer is retried as
    one, whispered as one."""
    played = call("2", "3", "0", "busy", "9", "1", "2", "", "busy", "1", "completed")
    assert played.record["outcome"] == "referral"
    not_connected = [t for t in played.said() if t.startswith("I couldn't connect you")]
    assert len(not_connected) == 2, played.transcript
    played.hears("not_connected", "referral_not_made", "not_connected_retry_key")
    assert "making a referral" in played.whispers()[-1], played.whispers()
    played.hears("record_after_referral")


def test_the_first_failed_transfer_being_plain_says_nothing_of_a_referral(call) -> None:
    played = call("2", "3", "0", "busy", "9", "3", "1", "completed")
    played.never_hears("referral_not_made")


def test_an_adult_referral_after_other_advice_is_retried_to_the_adult_team(call) -> None:
    played = call("2", "3", "0", "busy", "9", "1", "2", "2", "busy", "1", "completed")
    played.hears("referral_not_made")
    assert played.dialled() == [
        (FRONT_DOOR, "busy"),
        (ADULT_SOCIAL_CARE, "busy"),
        (ADULT_SOCIAL_CARE, "completed"),
    ]


def test_the_family_answer_is_recorded_when_an_earlier_advice_keeps_the_outcome(call) -> None:
    played = call("1", "2", "", "busy", "9", "2", "1", "1", "completed")
    assert (played.record["outcome"], played.record["family_informed"]) == (
        "referral",
        "not_first",
    )


FRIDAY_BEFORE_FIVE = datetime(2026, 11, 27, 16, 59, 40, tzinfo=UTC)  # GMT: London time
FRIDAY_AFTER_FIVE = datetime(2026, 11, 27, 17, 0, 5, tzinfo=UTC)
THURSDAY_BEFORE_NINE = datetime(2026, 11, 26, 8, 59, 30, tzinfo=UTC)
THURSDAY_NINE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
WEDNESDAY_11AM_UTC = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
SATURDAY_NIGHT = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
THE_DUTY_SERVICE_ON_DUTY = "On duty now is the Berkshire emergency duty service, on 0, 1, 3, 4, 4."


def test_a_referral_that_rings_past_five_sends_the_caller_to_the_duty_service(call, clock) -> None:
    """Put through to the front door at 16:59:40, it rings out at 17:00:05: the caller is told
    the front door has closed and to call the duty service, and 1 says and dials that."""
    clock.now = FRIDAY_BEFORE_FIVE
    played = call("1", "2", "", "no-answer", "1", "completed", rings_until=FRIDAY_AFTER_FIVE)
    played.hears("not_connected_team_closed", "referral_not_made", "not_connected_team_now_key")
    played.never_hears("not_connected").never_hears("not_connected_retry_key")
    said = " ".join(played.said())
    assert THE_DUTY_SERVICE_ON_DUTY in said, played.transcript
    assert "Please call the Berkshire emergency duty service yourself" in said
    assert "front door yourself" not in said
    assert "Press 1 to be put through to the Berkshire emergency duty service." in said
    assert played.dialled() == [(FRONT_DOOR, "no-answer"), (DUTY_SERVICE, "completed")]


def test_the_record_keeps_the_team_that_did_not_answer_as_the_office_closed(call, clock) -> None:
    clock.now = FRIDAY_BEFORE_FIVE
    played = call("1", "2", "", "no-answer", "h", rings_until=FRIDAY_AFTER_FIVE)
    played.hears("not_connected_team_closed")
    assert (played.record["transfer_to"], played.record["transfer_status"]) == (
        "front_door",
        "no-answer",
    )


def test_a_referral_to_the_duty_service_that_rings_past_nine_names_the_front_door(
    call, clock
) -> None:
    clock.now = THURSDAY_BEFORE_NINE
    played = call("1", "2", "", "no-answer", "1", "completed", rings_until=THURSDAY_NINE)
    played.hears("not_connected_team_closed", "referral_not_made", "not_connected_team_now_key")
    said = " ".join(played.said())
    assert "Please call the children's services front door yourself, on 0, 1, 1, 8." in said
    assert "emergency duty service yourself" not in said
    assert played.dialled() == [(DUTY_SERVICE, "no-answer"), (FRONT_DOOR, "completed")]


def test_an_adult_referral_that_rings_past_nine_names_adult_social_care(call, clock) -> None:
    """The duty service answers for children and adults out of hours: at 9am an adult's
    referral passes to adult social care, not to the children's front door."""
    clock.now = THURSDAY_BEFORE_NINE
    played = call("1", "2", "2", "busy", "1", "completed", rings_until=THURSDAY_NINE)
    played.hears("not_connected_team_closed", "referral_not_made")
    said = " ".join(played.said())
    assert "Please call Wokingham adult social care yourself, on 0, 1, 1, 8. 9, 7, 4." in said
    assert "Press 1 to be put through to Wokingham adult social care." in said
    assert played.dialled() == [(DUTY_SERVICE, "busy"), (ADULT_SOCIAL_CARE, "completed")]


def test_every_transfer_is_retried_for_the_role_it_was_dialled_for(app, clock) -> None:
    """What the record holds of a transfer (whom it dialled, why) says whom it was for, in and
    out of office hours: the team on call now is worked out from it without another query."""
    from ivr.flow import STATES, transfer_role

    line = app.extensions["ivr.line"]
    for moment in (WEDNESDAY_11AM_UTC, SATURDAY_NIGHT):
        for state in STATES.values():
            if state.contact:
                dialled = line.contact_for(state.contact, moment).key
                assert transfer_role(dialled, state.whisper) == state.contact, state.name


def test_after_the_nspcc_closes_1_is_not_a_choice_and_2_puts_through_the_duty_service(
    call, clock
) -> None:
    """The NSPCC rings out as it closes at 10pm: it is not offered again, the duty team is."""
    clock.now = datetime(2026, 11, 25, 21, 59, tzinfo=UTC)
    closes = datetime(2026, 11, 25, 22, 0, 5, tzinfo=UTC)
    played = call("3", "2", "no-answer", "1", "2", "completed", rings_until=closes)
    played.hears("not_connected", "not_connected_duty_key", "not_a_choice")
    played.hears("connecting_out_of_hours")
    played.never_hears("not_connected_retry_key").never_hears("other_options_nspcc")
    assert played.dialled() == [(NSPCC, "no-answer"), (DUTY_SERVICE, "completed")]
