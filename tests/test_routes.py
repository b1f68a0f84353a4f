"""Every row of the decision table and every outcome of call flow version 2, as a caller walks
them: the advice, the record reminder that belongs to it, and what the record says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import WEDNESDAY_11AM, PhoneCall

H = "significant_harm"
D = ["main_menu"]  # every call starts at the main menu
DUTY = "+441189088002"
EDS = "+441344351999"
ADULTS = "+441189746800"
SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

# (keys, questions asked, outcome, reason, family_informed, consent, its record reminder)
ADVICE_ROWS = [
    (["1", "1"], ["danger_now"], "emergency_999", None, None, None, None),
    (["1", "3"], ["danger_now"], "emergency_999", None, None, None, None),
    (["2", "3"], [H], "seek_advice", "harm_unsure", None, None, "record_advice"),
    (
        ["2", "2", "2"],
        [H, "purpose"],
        "do_not_share",
        "no_purpose",
        None,
        None,
        "record_not_shared",
    ),
    (["2", "2", "3"], [H, "purpose"], "seek_advice", "unsure", None, None, "record_advice"),
    (
        ["2", "2", "1", "2"],
        [H, "purpose", "identifiable"],
        "share_anonymised",
        None,
        None,
        None,
        "record_shared",
    ),
    (
        ["2", "2", "1", "1", "1"],
        [H, "purpose", "identifiable", "agreement"],
        "share_with_consent",
        None,
        None,
        "agreed",
        "record_shared",
    ),
    (
        ["2", "2", "1", "3", "1"],
        [H, "purpose", "identifiable", "agreement"],
        "share_with_consent",
        None,
        None,
        "agreed",
        "record_shared",
    ),
    (
        ["2", "2", "1", "1", "2", "1"],
        [H, "purpose", "identifiable", "agreement", "other_lawful_reason"],
        "share_without_consent",
        "lawful_basis",
        None,
        "refused",
        "record_shared",
    ),
    (
        ["2", "2", "1", "1", "2", "2"],
        [H, "purpose", "identifiable", "agreement", "other_lawful_reason"],
        "do_not_share",
        "respect_wishes",
        None,
        "refused",
        "record_not_shared",
    ),
    (
        ["2", "2", "1", "1", "2", "3"],
        [H, "purpose", "identifiable", "agreement", "other_lawful_reason"],
        "seek_advice",
        "unsure",
        None,
        "refused",
        "record_advice",
    ),
    (
        ["2", "2", "1", "1", "3", "1"],
        [H, "purpose", "identifiable", "agreement", "other_lawful_reason"],
        "share_without_consent",
        "lawful_basis",
        None,
        "not_asked",
        "record_shared",
    ),
    (
        ["2", "2", "1", "1", "3", "3"],
        [H, "purpose", "identifiable", "agreement", "other_lawful_reason"],
        "seek_advice",
        "unsure",
        None,
        "not_asked",
        "record_advice",
    ),
    (
        ["2", "2", "1", "1", "3", "2", "1"],
        [H, "purpose", "identifiable", "agreement", "other_lawful_reason", "safe_to_ask"],
        "seek_agreement_first",
        None,
        None,
        "not_asked",
        "record_advice",
    ),
    (
        ["2", "2", "1", "1", "3", "2", "2"],
        [H, "purpose", "identifiable", "agreement", "other_lawful_reason", "safe_to_ask"],
        "seek_advice",
        "not_safe_to_ask",
        None,
        "not_asked",
        "record_advice",
    ),
    (
        ["2", "2", "1", "1", "3", "2", "3"],
        [H, "purpose", "identifiable", "agreement", "other_lawful_reason", "safe_to_ask"],
        "seek_advice",
        "unsure",
        None,
        "not_asked",
        "record_advice",
    ),
]
RECORD_REMINDERS = ("record_shared", "record_not_shared", "record_advice", "record_after_referral")


@pytest.mark.parametrize(
    ("keys", "questions", "outcome", "reason", "family", "consent", "reminder"), ADVICE_ROWS
)
def test_each_answer_gives_the_advice_of_the_table(
    call,
    keys: list[str],
    questions: list[str],
    outcome: str,
    reason: str | None,
    family: str | None,
    consent: str | None,
    reminder: str | None,
) -> None:
    played: PhoneCall = call(*keys, "")
    played.hears("main_menu", *questions, *([reminder] if reminder else []), "reference", "goodbye")
    for other in RECORD_REMINDERS:
        if other != reminder:
            played.never_hears(other)
    record = played.record
    assert (record["outcome"], record["reason"], record["family_informed"]) == (
        outcome,
        reason,
        family,
    )
    assert record["consent"] == consent
    advice_step = record["steps"][-1]["step"]
    assert [s[0] for s in played.steps()] == [*D, *questions, advice_step]
    assert [s[1] for s in played.steps()] == [*keys, ""]
    assert record["status"] == "completed"
    assert played.log.ended_by == "line"
    assert not played.dialled()


@pytest.mark.parametrize(
    ("answer", "family", "family_line"),
    [
        ("1", "not_first", "family_not_first"),
        ("2", "where_safe", "family_where_safe"),
        ("3", "seek_advice", "family_seek_advice"),
    ],
)
def test_a_child_at_risk_of_harm_means_a_referral_and_a_transfer_without_a_key_press(
    call, answer: str, family: str, family_line: str
) -> None:
    played = call("2", "1", answer, "completed", "")
    played.hears(
        "significant_harm",
        "inform_family",
        "advice_risk_of_harm",
        family_line,
        "reference",
        "referral_connecting",
        "record_after_referral",
        "goodbye",
    )
    played.never_hears("advice_share_with_consent")
    assert played.dialled() == [(DUTY, "completed")]
    record = played.record
    assert (record["outcome"], record["reason"], record["family_informed"]) == (
        "share_without_consent",
        "risk_of_harm",
        family,
    )
    assert played.steps()[-1] == ("transfer", "completed", "dial")
    assert played.whispers() == [
        "Wokingham Children's Services information sharing line. Call reference "
        f"{', '.join(record['reference'])}.",
        "The caller is making a referral about a child.",
    ]


def test_the_harm_question_comes_before_any_other_on_the_decision_route(call) -> None:
    played = call("2", "h")
    played.hears("main_menu", "significant_harm", "question_keys")
    played.never_hears("purpose")


def test_emergency_advice_is_999_and_the_reference_is_read_digit_by_digit_twice(call) -> None:
    played = call("1", "1", "")
    played.hears("danger_999", "danger_now", "advice_emergency_999", "reference", "emergency_keys")
    played.never_hears("advice_keys")
    spelled = ", ".join(played.record["reference"])
    assert any(text.count(spelled) == 2 for text in played.said()), played.transcript
    assert not played.dialled()


FRONT_DOOR = "the children's services front door"
NIGHT_TEAM = {"adults_at_night": {"name": "the adults' night team", "number": ADULTS}}


@pytest.mark.parametrize(
    ("duty", "teams"),
    [
        pytest.param(
            {},
            f"to {FRONT_DOOR}, or for an adult Wokingham adult social care; out of hours, to the"
            " Berkshire emergency duty service.",
            id="adult social care in hours, one team out of hours",
        ),
        pytest.param(
            {"adults_out_of_hours": "adults_at_night"},
            f"to {FRONT_DOOR}, or for an adult Wokingham adult social care; out of hours, to the"
            " Berkshire emergency duty service, or for an adult the adults' night team.",
            id="a team each in and out of hours",
        ),
        pytest.param(
            {"adults_in_hours": "front_door"},
            f"to {FRONT_DOOR}, for a child or an adult; out of hours, to the Berkshire emergency"
            " duty service.",
            id="one team for both in and out of hours",
        ),
        pytest.param(
            {"adults_in_hours": "front_door", "adults_out_of_hours": "adults_at_night"},
            f"to {FRONT_DOOR}, for a child or an adult; out of hours, to the Berkshire emergency"
            " duty service, or for an adult the adults' night team.",
            id="the front door for both in hours, a team each out of hours",
        ),
    ],
)
def test_the_999_advice_names_each_team_to_refer_to_once_when_everyone_is_safe(
    call, make_app, duty: dict[str, str], teams: str
) -> None:
    """An adult at risk may have a team of their own in office hours, out of them, both or
    neither: each team is named once, never "the front door, or for an adult the front door"."""
    line = make_app(contacts=NIGHT_TEAM, duty=duty)
    (said,) = [t for t in call("1", "1", "", on=line).said() if t.startswith("When everyone")]
    assert said == f"When everyone is safe, make a referral {teams} Record what you did and why."


def test_referral_listens_briefly_then_puts_the_caller_through_to_the_childrens_team(
    call,
) -> None:
    played = call("1", "2", "", "completed")
    played.hears("danger_now", "advice_referral", "reference", "referral_choice")
    played.hears("referral_now", "record_after_referral", "reference", "goodbye")
    # The team is named once, as the choice is offered, not again as the line dials.
    before_dial = played.log.heard().split("Putting you through now")[0]
    assert before_dial.count("putting you through") + before_dial.count("put you through") == 1
    choice = next(e for e in played.log.events if e.kind == "gather" and e.attrs["timeout"] == "4")
    assert choice.attrs["action"].endswith("n=2")
    assert played.dialled() == [(DUTY, "completed")]
    record = played.record
    assert record["outcome"] == "referral"
    assert (record["transfer_to"], record["transfer_status"]) == ("front_door", "completed")
    assert played.steps()[-2:] == [("referral", "", "silence"), ("transfer", "completed", "dial")]


def test_referral_with_one_or_zero_puts_the_caller_through_at_once(call) -> None:
    for key in ("1", "0"):
        played = call("1", "2", key, "completed")
        assert played.dialled() == [(DUTY, "completed")]
        assert played.record["outcome"] == "referral"


def test_an_adult_at_risk_in_office_hours_gets_adult_advice_and_adult_social_care(call) -> None:
    played = call("1", "2", "2", "completed")
    played.hears("advice_referral", "referral_choice", "advice_adult_referral", "reference")
    played.hears("connecting", "record_after_referral", "goodbye")
    assert played.dialled() == [(ADULTS, "completed")]
    record = played.record
    assert (record["outcome"], record["transfer_to"]) == ("adult_referral", "adult_social_care")
    assert played.whispers()[-1] == "The caller is making a referral about an adult at risk."


def test_an_adult_at_risk_out_of_hours_goes_to_the_emergency_duty_service(call, clock) -> None:
    clock.now = SATURDAY_NOON
    played = call("1", "2", "2", "completed")
    assert "Berkshire emergency duty service" in played.log.heard()
    assert played.dialled() == [(EDS, "completed")]
    assert played.record["transfer_to"] == "emergency_duty"
    assert played.record["out_of_hours"] is True


def test_out_of_hours_the_referral_choice_does_not_offer_the_same_team_twice(call, clock) -> None:
    clock.now = SATURDAY_NOON
    played = call("1", "2", "2", "completed")
    played.hears("referral_choice_one_team").never_hears("referral_choice")
    assert played.record["outcome"] == "adult_referral", "2 still gives the adult advice"
    clock.now = WEDNESDAY_11AM
    call("1", "2", "", "completed").hears("referral_choice").never_hears("referral_choice_one_team")


def test_a_failed_referral_transfer_says_the_referral_has_not_been_made(call) -> None:
    played = call("1", "2", "", "no-answer", "h")
    played.hears("referral_now", "not_connected", "referral_not_made")
    played.hears("other_options_nspcc", "other_options_police", "not_connected_retry_key")
    assert "0, 1, 1, 8. 9, 0, 8. 8, 0, 0, 2" in played.log.heard()
    played.never_hears("not_connected_callback_key")
    played.never_hears("callback_confirmed")


def test_pressing_0_to_make_a_referral_after_anonymised_advice_is_a_referral(call) -> None:
    """ "Anonymous information is not enough: press 0 to make a referral": the duty team hears it
    is a referral, and if no one answers the caller hears that it has not been made."""
    played = call("2", "2", "1", "2", "0", "no-answer", "1", "completed")
    played.hears("advice_share_anonymised", "referral_now", "not_connected", "referral_not_made")
    assert played.dialled() == [(DUTY, "no-answer"), (DUTY, "completed")]
    why = [said for said in played.whispers() if said.startswith("The caller")]
    assert why == ["The caller is making a referral about a child."]
    assert played.record["outcome"] == "share_anonymised"
    played.hears("record_after_referral")


def test_retrying_a_failed_referral_retries_the_referral(call) -> None:
    played = call("1", "2", "2", "busy", "1", "completed")
    assert played.dialled() == [(ADULTS, "busy"), (ADULTS, "completed")]
    assert played.whispers()[-1] == "The caller is making a referral about an adult at risk."
    played.hears("record_after_referral", "goodbye")


def test_a_failed_transfer_offers_no_call_back_where_the_team_has_no_channel(call) -> None:
    played = call("0", "busy", "2", "2", "2")
    played.never_hears("not_connected_callback_key")
    played.never_hears("callback_confirmed")
    played.hears("not_a_choice", "not_a_choice")
    assert played.record["callback_requested"] is False


def test_a_failed_nspcc_transfer_offers_the_duty_team_on_two(call) -> None:
    played = call("3", "2", "failed", "2", "completed")
    played.hears("contacts_nspcc_key", "not_connected", "not_connected_duty_key")
    played.never_hears("referral_not_made")
    played.never_hears("not_connected_callback_key")
    assert played.dialled() == [("+448088005000", "failed"), (DUTY, "completed")]


@pytest.mark.parametrize(
    ("keys", "outcome"),
    [
        (["0", "completed"], "speak_to_someone"),
        (["3", "1", "completed"], "speak_to_someone"),
        (["3", "h"], "contacts_given"),
        (["2", "h"], "abandoned"),
        (["h"], "abandoned"),
        # Contacts, then a person: the person outranks the contacts.
        (["3", "9", "0", "completed"], "speak_to_someone"),
        # A person, then not understood: no_response outranks speak_to_someone.
        (["0", "busy", "7", "7", "7", "completed"], "speak_to_someone"),
        (["0", "busy", "9", "7", "7", "7", "completed"], "no_response"),
        # Not understood, then contacts: contacts never replace no_response.
        (["7", "7", "7", "busy", "9", "3", "h"], "no_response"),
    ],
)
def test_lesser_outcomes_rank_no_response_then_a_person_then_contacts(
    call, keys: list[str], outcome: str
) -> None:
    assert call(*keys).record["outcome"] == outcome


def test_first_advice_stands_when_the_caller_then_asks_for_a_person(call) -> None:
    played = call("2", "3", "0", "completed")
    assert (played.record["outcome"], played.record["reason"]) == ("seek_advice", "harm_unsure")
    assert played.record["transfer_status"] == "completed"
    assert played.whispers()[-1] == "The caller has asked to speak to someone."


def test_out_of_hours_zero_says_the_emergency_duty_service_is_for_what_cannot_wait(
    call, clock
) -> None:
    clock.now = SATURDAY_NOON
    played = call("2", "2", "3", "0", "completed")
    played.hears("seek_advice_press_0_out_of_hours", "advice_keys_out_of_hours")
    played.hears("connecting_out_of_hours")
    assert sum(text.startswith("Or press 0") for text in played.said()) == 1
    assert played.dialled() == [(EDS, "completed")]


def test_in_office_hours_seek_advice_offers_the_front_door(call) -> None:
    played = call("2", "2", "3", "")
    played.hears("seek_advice_press_0", "advice_keys")
    played.never_hears("seek_advice_press_0_out_of_hours")


@pytest.mark.parametrize(
    ("keys", "checklist"),
    [
        (["2", "2", "1", "1", "1"], True),
        (["2", "2", "1", "1", "2", "1"], True),
        (["2", "2", "1", "2"], False),
        (["2", "2", "2"], False),
    ],
)
def test_the_sharing_checklist_is_given_only_where_sharing_is_advised_with_a_basis(
    call, keys: list[str], checklist: bool
) -> None:
    played = call(*keys, "")
    if checklist:
        played.hears("checklist")
    else:
        played.never_hears("checklist")


def test_lawful_basis_advice_follows_the_consent_answer(call) -> None:
    refused = call("2", "2", "1", "1", "2", "1", "")
    refused.hears("advice_lawful_basis", "lawful_basis_refused")
    refused.never_hears("lawful_basis_not_asked")
    not_asked = call("2", "2", "1", "1", "3", "1", "")
    not_asked.hears("advice_lawful_basis", "lawful_basis_not_asked")
    not_asked.never_hears("lawful_basis_refused")


def test_nine_goes_back_along_the_path_the_call_took(call) -> None:
    refused = call("2", "2", "1", "1", "2", "9", "h")
    assert refused.steps()[-1][0] == "other_lawful_reason"
    refused.hears("other_lawful_reason", "agreement")
    back_from_safe = call("2", "2", "1", "1", "3", "2", "9", "9", "9", "h")
    steps = [s[0] for s in back_from_safe.steps()]
    assert steps[-3:] == ["safe_to_ask", "other_lawful_reason", "agreement"]
    back_from_safe.hears("safe_to_ask", "other_lawful_reason", "agreement", "identifiable")


def test_the_welcome_is_said_once_and_the_999_message_every_time(call) -> None:
    played = call("3", "9", "h")
    said = played.said()
    assert sum("information sharing line." in text for text in said) == 1
    assert sum(text.startswith("This line gives guidance") for text in said) == 1
    assert sum("hang up and dial 9, 9, 9." in text for text in said) == 2


def test_key_help_is_said_on_the_first_question_and_on_reprompts_only(call) -> None:
    played = call("2", "2", "", "*", "h")
    texts = played.said()
    keys = "Press 1 for yes, 2 for no, 3 if you're not sure."
    harm = next(i for i, t in enumerate(texts) if t.startswith("Do you think a child"))
    assert texts[harm + 1] == keys
    purposes = [i for i, t in enumerate(texts) if t.startswith("Do you have a clear reason")]
    assert len(purposes) == 3
    assert texts[purposes[0] + 1] != keys
    assert texts[purposes[1] + 1] == keys  # after silence
    assert texts[purposes[2] + 1] == keys  # after "*"


def test_danger_now_is_taken_as_not_sure_after_two_failed_tries(call) -> None:
    played = call("1", "", "7", "")
    played.hears("danger_now", "didnt_hear", "danger_now", "advice_emergency_999")
    assert played.record["outcome"] == "emergency_999"
    assert not played.dialled()


def test_the_contacts_menu_reads_every_team_whatever_the_time(call, clock) -> None:
    for moment in (None, SATURDAY_NOON):
        if moment:
            clock.now = moment
        played = call("3", "h")
        played.hears(
            "contacts_front_door",
            "contacts_out_of_hours",
            "contacts_adults",
            "contacts_adults_out_of_hours_shared",
            "contacts_police",
            "contacts_keys",
        )
        heard = played.log.heard()
        for number in ("0, 1, 1, 8. 9, 0, 8. 8, 0, 0, 2", "0, 1, 3, 4, 4. 3, 5, 1. 9, 9, 9"):
            assert number in heard
        assert "0, 1, 1, 8. 9, 7, 4. 6, 8, 0, 0" in heard


def test_the_contacts_menu_says_the_office_is_closed_on_a_closed_date_or_bank_holiday(
    make_app, clock
) -> None:
    """A weekday the office would keep its hours, but does not: the caller is told so, and who
    answers today, not just the hours it keeps on other Thursdays."""
    app = make_app(office_hours={"closed_dates": ["2026-12-24"]})
    # Thursday 24 December, a closed date; Monday 31 August, the summer bank holiday.
    for closed_day in (datetime(2026, 12, 24, 11, 0), datetime(2026, 8, 31, 10, 0)):
        clock.now = closed_day.replace(tzinfo=UTC)
        heard = PhoneCall(app, ["3", "h"]).log.heard()
        assert (
            "the children's services front door: Monday to Friday 9am to 5pm, on"
            " 0, 1, 1, 8. 9, 0, 8. 8, 0, 0, 2. It's closed today."
        ) in heard
        assert (
            "Today, and at all other times, including bank holidays, the Berkshire emergency duty"
            " service, for what can't wait, on 0, 1, 3, 4, 4. 3, 5, 1. 9, 9, 9."
        ) in heard
        assert "on 0, 1, 1, 8. 9, 7, 4. 6, 8, 0, 0. It's closed today too." in heard

    for usual_day in (WEDNESDAY_11AM, SATURDAY_NOON):
        clock.now = usual_day
        heard = PhoneCall(app, ["3", "h"]).log.heard()
        assert "closed today" not in heard and "Today, and" not in heard


def test_the_contacts_menu_names_the_adults_own_out_of_hours_team(make_app, clock) -> None:
    night_team = {"name": "the adults' night team", "number": "+441189000111"}
    apart = make_app(
        duty={"adults_out_of_hours": "adults_at_night"},
        contacts={"adults_at_night": night_team},
    )
    clock.now = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    heard = PhoneCall(apart, ["3", "h"]).log.heard()
    assert (
        "For adults, when it's closed, the adults' night team, for what can't wait,"
        " on 0, 1, 1, 8. 9, 0, 0. 0, 1, 1, 1."
    ) in heard
    assert "answers for adults too" not in heard
    shared = PhoneCall(make_app(), ["3", "h"]).log.heard()
    assert "For adults, when it's closed" not in shared
    assert (
        "Outside those hours, the Berkshire emergency duty service answers for adults too."
        in shared
    )


@pytest.mark.parametrize("team", ["front_door", "emergency_duty"])
def test_the_contacts_menu_says_who_takes_adults_out_of_hours_where_one_team_always_does(
    make_app, clock, team
) -> None:
    """One team takes adults in and out of office hours: after its office hours, the caller
    with an adult at risk at night still hears that it answers for adults outside them."""
    everyone = {"in_hours": "front_door", "out_of_hours": team, "adults_in_hours": team}
    app = make_app(duty={**everyone, "adults_out_of_hours": team})
    clock.now = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
    heard = PhoneCall(app, ["3", "h"]).log.heard()
    name = app.extensions["ivr.line"].contact(team).name
    assert f"Outside those hours, {name} answers for adults too." in heard


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
                transport,
                url,
                TOKEN,
                ScriptedAnswerer(["1", "2", "", "busy", "9", "h"]),
                caller=CALLER,
            ).call()
    finally:
        server.shutdown()
        thread.join()
    statuses = [e.attrs["status"] for e in log.requests()]
    assert statuses == ["200"] * 6 + ["204"]
    assert log.ended_by == "caller"
    assert any("The referral has not been made" in text for text in log.said())
