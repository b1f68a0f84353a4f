"""The TwiML the line sends is byte for byte what twilio's `str(VoiceResponse)` would send."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask, url_for
from hypothesis import given
from hypothesis import strategies as st
from twilio.twiml.voice_response import VoiceResponse

from ivr.callflow import CallFlow
from ivr.flow import STATES
from ivr.models import Call
from ivr.render import render
from ivr.safe import safe_guidance
from ivr.twiml import to_text

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))


@pytest.mark.parametrize("state", list(STATES))
def test_every_state_reads_as_twilio_writes_it(app: Flask, state: str) -> None:
    line = app.extensions["ivr.line"]
    call = Call(
        call_sid="CA" + "12" * 16,
        reference="482913",
        caller="+447911123456",
        state=state,
        trail=[],
        tries=1,
        step_count=3,
        transfer_to="front_door",
    )
    flow = CallFlow(call, line, datetime(2026, 11, 25, 11, tzinfo=UTC))
    with app.test_request_context("/voice/gather?n=2", method="POST"):
        for notice in (None, "didnt_hear", "not_a_choice"):
            response = render(flow, notice, url_for)  # type: ignore[arg-type]
            assert to_text(response) == str(response)
        guidance = safe_guidance(line)
        assert to_text(guidance) == str(guidance)


@given(TEXT, TEXT, TEXT, st.booleans())
def test_any_words_and_attributes_are_escaped_as_twilio_escapes_them(
    words: str, attribute: str, number: str, barge_in: bool
) -> None:
    response = VoiceResponse()
    gather = response.gather(action=attribute, hints=words, num_digits=1, barge_in=barge_in)
    gather.say(words, voice=attribute)
    gather.say("")
    response.redirect(attribute, method="POST")
    dial = response.dial(action=attribute, timeout=20)
    dial.number(number, url=attribute)
    response.append(words)
    response.say(words).append(attribute)
    response.hangup()
    assert to_text(response) == str(response)
