"""Every corpus transcript spoken in a whole call: it goes where its key goes, or is asked again."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from tests.conftest import CALLER, PhoneCall, prompt_pattern, signed_post
from tests.speech.test_matcher import corpus

# Keys that reach each prompt of the corpus from the start of a call.
REACH = {
    "main_menu": [],
    "contacts": ["3"],
    "danger_now": ["1"],
    "referral": ["1", "2"],
    "significant_harm": ["2"],
    "inform_family": ["2", "1"],
    "purpose": ["2", "2"],
    "identifiable": ["2", "2", "1"],
    "agreement": ["2", "2", "1", "1"],
    "other_lawful_reason": ["2", "2", "1", "1", "2"],
    "safe_to_ask": ["2", "2", "1", "1", "3", "2"],
    "advice": ["2", "2", "3"],
    "not_connected": ["0", "busy"],
}
Play = Callable[..., PhoneCall]


def where_it_went(played: PhoneCall, answered_at: int) -> tuple[object, ...]:
    """The call after the answer: every later step and what the record says it came to."""
    record = played.record
    later = [(s["step"], s["input"]) for s in record["steps"][answered_at + 1 :]]
    return (tuple(later), record["outcome"], record["reason"], record["transfer_to"])


def test_every_prompt_of_the_corpus_is_reached() -> None:
    assert set(REACH) == {prompt for prompt, _said, _means in corpus()}


@pytest.mark.parametrize("prompt", sorted(REACH))
def test_each_transcript_goes_where_its_key_goes(call: Play, prompt: str) -> None:
    reach = REACH[prompt]
    answered_at = len(reach)  # each key is a step, and so is the transfer that was busy
    keyed: dict[str, tuple[bool, tuple[object, ...]]] = {}
    entries = [(said, means) for p, said, means in corpus() if p == prompt and means != "ambiguous"]
    missed: list[str] = []
    for _p, said, means in [entry for entry in corpus() if entry[0] == prompt]:
        played = call(*reach, said, "h")
        answered = played.steps()[answered_at]
        if means == "ambiguous":
            asked_again = answered[1:] == ("", "invalid")
            assert asked_again or (prompt == "danger_now" and answered[1] == "3"), said
            continue
        if means not in keyed:
            pressed = call(*reach, means, "h")
            taken = pressed.steps()[answered_at][2] == "key"
            keyed[means] = (taken, where_it_went(pressed, answered_at))
        # A key this call cannot take (a call back with no channel for it) is refused either way.
        taken, went = keyed[means]
        if taken and answered[1:] == ("", "invalid"):
            missed.append(said)  # not understood: asked again, never taken as another answer
            continue
        assert answered[1:] == ((means, "speech") if taken else ("", "invalid")), said
        assert where_it_went(played, answered_at) == went, said
    assert len(missed) <= 0.05 * len(entries), missed


def test_the_line_says_back_a_spoken_answer_and_not_a_key(call: Play, app) -> None:
    purpose = prompt_pattern(app.extensions["ivr.line"].sentence("purpose"))
    spoken = call("2", "No, definitely not.", "h").said()
    assert purpose.match(spoken[spoken.index("No.") + 1])
    assert "No." not in call("2", "2", "h").said()
    assert "Going back." in call("2", "2", "Go back, please.", "h").said()
    assert "Not sure." in call("2", "2", "Er, not sure.", "h").said()
    assert "Yes." in call("2", "Yes!", "h").said()
    assert "Yes." not in call("2", "Yes?", "h").said()  # asked again: nothing was understood


def test_a_hedged_no_to_the_harm_question_is_advice_not_the_next_question(call: Play) -> None:
    played = call("2", "Erm, I don't think so.", "h")
    assert "Not sure." in played.said()
    assert (played.record["outcome"], played.record["reason"]) == ("seek_advice", "harm_unsure")


def test_a_name_spoken_to_the_line_is_kept_nowhere(
    call: Play, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    said = "It's about Jasmine Pemberton-Oduya at 14 Larkspur Close."
    played = call(said, "2", said, "h")
    assert [kind for _s, _i, kind in played.steps()] == ["invalid", "key", "invalid"]
    kept = f"{played.record}\n{caplog.text}\n{capfd.readouterr()}"
    for word in ("Jasmine", "Pemberton", "Larkspur"):
        assert word not in kept


def test_an_answer_twilio_doubts_is_asked_again(client) -> None:
    sid = "CA" + "5" * 32
    signed_post(client, "/voice/incoming", CallSid=sid, From=CALLER)
    signed_post(client, "/voice/gather?n=0", CallSid=sid, Digits="2")
    doubted = signed_post(
        client, "/voice/gather?n=1", CallSid=sid, SpeechResult="Yes.", Confidence="0.2"
    )
    assert "That isn't one of the choices" in doubted.get_data(as_text=True)
    clear = signed_post(
        client, "/voice/gather?n=2", CallSid=sid, SpeechResult="Yes.", Confidence="0.93"
    )
    assert "Yes." in clear.get_data(as_text=True)


def test_a_confidence_that_is_not_a_number_is_doubted(client) -> None:
    sid = "CA" + "7" * 32
    signed_post(client, "/voice/incoming", CallSid=sid, From=CALLER)
    signed_post(client, "/voice/gather?n=0", CallSid=sid, Digits="2")
    for n, value in enumerate(("nan", "-inf"), start=1):
        doubted = signed_post(
            client, f"/voice/gather?n={n}", CallSid=sid, SpeechResult="No.", Confidence=value
        )
        assert "That isn't one of the choices" in doubted.get_data(as_text=True)


def test_a_long_account_is_asked_again_not_read(client) -> None:
    """Tens of thousands of words are an account, not an answer: asked again, never a 500."""
    sid = "CA" + "8" * 32
    signed_post(client, "/voice/incoming", CallSid=sid, From=CALLER)
    signed_post(client, "/voice/gather?n=0", CallSid=sid, Digits="1")
    said = "yes no " * 4000
    answered = signed_post(client, "/voice/gather?n=1", CallSid=sid, SpeechResult=said)
    assert answered.status_code == 200
    assert "That isn't one of the choices" in answered.get_data(as_text=True)


def test_the_gather_listens_for_short_phone_answers_with_the_prompts_own_words(client) -> None:
    sid = "CA" + "6" * 32
    twiml = signed_post(client, "/voice/incoming", CallSid=sid, From=CALLER).get_data(True)
    assert 'speechModel="phone_call"' in twiml
    assert 'enhanced="true"' in twiml
    assert 'speechTimeout="auto"' in twiml
    hints = twiml.split('hints="', 1)[1].split('"', 1)[0]
    assert "contact numbers" in hints
    assert "they refused" not in hints
