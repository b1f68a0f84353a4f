"""The keys that work on every prompt, silence, wrong keys and speech: never stuck."""

from __future__ import annotations

import pytest

from ivr.flow import STATES

# Keys that reach each kind of prompt from the start of a call.
REACH = {
    "main_menu": [],
    "contacts": ["3"],
    "danger_now": ["1"],
    "significant_harm": ["2"],
    "inform_family": ["2", "1"],
    "purpose": ["2", "2"],
    "identifiable": ["2", "2", "1"],
    "agreement": ["2", "2", "1", "1"],
    "other_lawful_reason": ["2", "2", "1", "1", "2"],
    "safe_to_ask": ["2", "2", "1", "1", "3", "2"],
}
MENUS = [name for name, state in STATES.items() if state.kind in ("menu", "question")]
# danger_now takes failed tries as "not sure" (the 999 advice): test_routes covers it.
GIVE_UP_TO_A_PERSON = [name for name in MENUS if STATES[name].give_up == "no_response"]


def test_every_menu_and_question_is_reachable_in_these_tests() -> None:
    assert sorted(REACH) == sorted(MENUS)


@pytest.mark.parametrize("prompt", GIVE_UP_TO_A_PERSON)
def test_three_silences_put_the_caller_through_with_the_999_reminder(call, prompt: str) -> None:
    played = call(*REACH[prompt], "", "", "", "completed")
    played.hears("didnt_hear", "didnt_hear", "gave_up", "danger_999", "gave_up_connecting")
    assert played.dialled() == [("+441189088002", "completed")]
    assert played.steps()[-4:] == [
        (prompt, "", "silence"),
        (prompt, "", "silence"),
        (prompt, "", "silence"),
        ("transfer", "completed", "dial"),
    ]
    assert played.record["outcome"] == "no_response"


@pytest.mark.parametrize("prompt", GIVE_UP_TO_A_PERSON)
def test_wrong_keys_are_named_and_three_of_them_end_in_a_person(call, prompt: str) -> None:
    played = call(*REACH[prompt], "7", "4", "8", "completed")
    played.hears("not_a_choice", "not_a_choice", "gave_up")
    kinds = [kind for _step, _input, kind in played.steps()[-4:-1]]
    assert kinds == ["invalid", "invalid", "invalid"]
    assert played.dialled() == [("+441189088002", "completed")]


def test_star_repeats_the_prompt_and_starts_the_count_afresh(call) -> None:
    played = call("2", "", "", "*", "", "", "2", "")
    # Two silences, a repeat, two more: still on the question, then answered.
    assert [s[0] for s in played.steps()][:7] == ["main_menu"] + ["significant_harm"] * 6
    assert played.steps()[6] == ("significant_harm", "2", "key")
    assert played.dialled() == []


@pytest.mark.parametrize("prompt", [*MENUS, "share_anonymised", "not_connected"])
def test_zero_reaches_a_person_from_every_prompt(call, prompt: str) -> None:
    reach = {"share_anonymised": ["2", "2", "1", "2"], "not_connected": ["0", "busy"]}
    played = call(*REACH.get(prompt, reach.get(prompt, [])), "0", "completed")
    assert played.dialled()[-1] == ("+441189088002", "completed")
    assert played.steps()[-2][1] == "0"


@pytest.mark.parametrize(
    ("keys", "back_at"),
    [
        (["1", "9"], "main_menu"),
        (["2", "9"], "main_menu"),
        (["3", "9"], "main_menu"),
        (["2", "1", "9"], "significant_harm"),
        (["2", "2", "9"], "significant_harm"),
        (["2", "2", "1", "1", "9"], "identifiable"),
        (["2", "2", "1", "1", "2", "9"], "agreement"),
        (["2", "2", "1", "1", "3", "9"], "agreement"),
        (["2", "2", "1", "1", "3", "2", "9"], "other_lawful_reason"),
        (["1", "1", "9"], "danger_now"),
        (["2", "3", "9"], "significant_harm"),
        (["2", "2", "2", "9"], "purpose"),
        (["2", "2", "3", "9"], "purpose"),
        (["2", "2", "1", "2", "9"], "identifiable"),
        (["2", "2", "1", "1", "1", "9"], "agreement"),
        (["2", "2", "1", "1", "2", "1", "9"], "other_lawful_reason"),
        (["2", "2", "1", "1", "2", "3", "9"], "other_lawful_reason"),
        (["2", "2", "1", "1", "3", "2", "3", "9"], "safe_to_ask"),
        (["2", "2", "1", "1", "3", "2", "1", "9"], "safe_to_ask"),
    ],
)
def test_nine_goes_back_to_the_previous_question(call, keys: list[str], back_at: str) -> None:
    played = call(*keys, "h")
    assert played.record["steps"][-1]["input"] == "9"
    with played.app.app_context():
        from ivr import db
        from ivr.models import Call

        with db.session() as session:
            state = session.query(Call).filter_by(call_sid=played.log.call_sid).one().state
    assert state == back_at


def test_nine_on_an_advice_lets_a_wrong_last_answer_be_put_right(call) -> None:
    """A caller who pressed "no purpose" by mistake goes back, answers again and hears the advice
    of the answer they meant; the record keeps every step, and the first advice given stands."""
    played = call("2", "2", "2", "9", "1", "2", "")
    played.hears("advice_no_purpose", "purpose", "advice_share_anonymised")
    steps = [(step, key) for step, key, _kind in played.steps()]
    assert steps[2:6] == [
        ("purpose", "2"),
        ("do_not_share_no_purpose", "9"),
        ("purpose", "1"),
        ("identifiable", "2"),
    ]
    assert played.record["outcome"] == "do_not_share"


@pytest.mark.parametrize(
    ("keys", "outcome", "reason"),
    [
        # Not sure about harm, then back: yes, and it could put the child at greater risk.
        (["2", "3", "9", "1", "1", "completed"], "share_without_consent", "risk_of_harm"),
        # "Don't share", then back to the main menu and the risk route: someone is in danger.
        (["2", "2", "2", "9", "9", "9", "1", "1", ""], "emergency_999", None),
        # A referral, then back: someone is in danger after all.
        (["1", "2", "9", "1", ""], "emergency_999", None),
    ],
)
def test_a_more_urgent_advice_after_going_back_is_the_outcome_on_the_record(
    call, keys: list[str], outcome: str, reason: str | None
) -> None:
    """The advice gone back from does not hide a referral or the 999 advice that followed it."""
    played = call(*keys)
    assert (played.record["outcome"], played.record["reason"]) == (outcome, reason)


def test_the_family_answer_stays_on_the_record_when_a_more_urgent_advice_follows(call) -> None:
    played = call("2", "1", "2", "busy", "9", "1", "1", "")
    assert (played.record["outcome"], played.record["family_informed"]) == (
        "emergency_999",
        "where_safe",
    )


def test_nine_twice_from_an_advice_goes_back_two_questions(call) -> None:
    played = call("2", "2", "1", "1", "3", "3", "9", "9", "9", "h")
    steps = [(step, key) for step, key, _kind in played.steps()]
    assert steps[-3:] == [
        ("seek_advice_unsure", "9"),
        ("other_lawful_reason", "9"),
        ("agreement", "9"),
    ]
    assert played.record["consent"] == "not_asked"


def test_back_then_forward_keeps_the_trail(call) -> None:
    played = call("2", "2", "1", "9", "9", "2", "1", "2", "")
    steps = [step for step, _input, _kind in played.steps()]
    assert steps[3:6] == ["identifiable", "purpose", "significant_harm"]
    assert played.record["outcome"] == "share_anonymised"


@pytest.mark.parametrize(
    ("words", "outcome"),
    [
        (["two", "no", "yes", "no"], "share_anonymised"),
        (["2", "No.", "not sure"], "seek_advice"),
        (["2", "I don't know"], "seek_advice"),
        (["operator", "completed"], "speak_to_someone"),
    ],
)
def test_spoken_answers_mean_the_same_as_keys(call, words: list[str], outcome: str) -> None:
    played = call(*words, "")
    assert played.record["outcome"] == outcome
    assert any(kind == "speech" for _s, _i, kind in played.steps())


def test_words_that_mean_nothing_are_not_a_choice(call) -> None:
    played = call("2", "banana", "h")
    played.hears("significant_harm", "not_a_choice", "significant_harm")
    assert played.steps()[-1] == ("significant_harm", "", "invalid")


def test_yes_on_the_main_menu_is_not_a_choice(call) -> None:
    played = call("yes", "h")
    assert played.steps() == [("main_menu", "", "invalid")]


def test_silence_on_advice_ends_the_call_with_a_goodbye(call) -> None:
    played = call("2", "3", "")
    played.hears("advice_seek_advice_harm_unsure", "goodbye")
    assert played.log.ended_by == "line"
    assert played.record["outcome"] == "seek_advice"


def test_one_on_advice_repeats_it(call) -> None:
    played = call("2", "3", "1", "")
    assert sum("If you're not sure whether" in text for text in played.said()) == 2


def test_wrong_keys_on_advice_count_and_then_put_the_caller_through(call) -> None:
    played = call("2", "3", "5", "5", "5", "completed")
    assert played.record["outcome"] == "seek_advice"
    assert played.dialled() == [("+441189088002", "completed")]


def test_the_main_menu_starts_the_trail_afresh(call) -> None:
    played = call("2", "2", "0", "busy", "9", "2", "9", "h")
    # 9 from the first question goes to the main menu: nothing is left of the first route.
    assert played.steps()[-1] == ("significant_harm", "9", "key")
    with played.app.app_context():
        from ivr import db
        from ivr.models import Call

        with db.reading() as session:
            found = session.query(Call).filter_by(call_sid=played.log.call_sid).one()
            assert (found.state, found.trail) == ("main_menu", [])
