"""TwiML for where a call stands: what the caller hears next and where their answer goes."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.callflow import CallFlow, Notice
from ivr.flow import Say
from ivr.line import Line, Words, spell

UrlFor = Callable[..., str]
# Notices said before a prompt heard again; "*" brings the prompt back with nothing before it.
SPOKEN_NOTICES = ("didnt_hear", "not_a_choice")


def say(target: VoiceResponse | Gather, line: Line, text: str) -> None:
    """Every sentence in British English with the configured British voice."""
    target.say(text, voice=line.voice["name"], language=line.voice["language"])


def sentences(flow: CallFlow, says: Iterable[Say], words: Words) -> list[str]:
    return [
        flow.line.sentence(item.prompt).format_map(words)
        for item in says
        if item.when is None or getattr(flow, item.when)()
    ]


def words_for(flow: CallFlow) -> Words:
    call, line = flow.call, flow.line
    words = Words(line, flow.now, reference=spell(call.reference))
    words.caller = call.caller  # read aloud only by the prompts that offer a call back
    if call.transfer_to:
        # The team dialled, and the one to send the caller to now: they differ when the team
        # dialled went off duty while it rang (the office closed or opened).
        contact = line.contact(call.transfer_to)
        words["transfer_name"] = contact.name
        words["transfer_number"] = words[f"{call.transfer_to}_number"]
        team = flow.team_now() or contact
        words["team_now_name"] = team.name
        words["team_now_number"] = words[f"{team.key}_number"]
    return words


def render(flow: CallFlow, notice: Notice, url_for: UrlFor) -> VoiceResponse:
    """The TwiML for the call's current state."""
    line, state, call = flow.line, flow.declared, flow.call
    words = words_for(flow)
    response = VoiceResponse()
    flow.reprompt = notice is not None
    # After a spoken answer, what was understood ("No."); a key press needs no echo.
    echo = [flow.understood] if flow.understood else []
    spoken = [*echo, *sentences(flow, state.says, words)]
    menus = line.config["menus"]
    if state.gathers:
        # The answer, and the redirect taken when none comes, go to the same step's URL.
        action = url_for("voice.gather", n=call.step_count)
        gather = response.gather(
            input="dtmf speech",
            num_digits=1,
            timeout=menus[state.listen_setting or "gather_timeout_seconds"],
            action=action,
            method="POST",
            language=line.voice["language"],
            # Twilio's model for phone audio, its enhanced (premium) version: it is made for
            # 8 kHz calls from a car or a street, where the default model mishears most.
            speech_model="phone_call",
            enhanced=True,
            # "auto" ends the answer at the caller's first pause: our answers are a few words
            # ("no, I don't think so"), and a fixed wait would add silence to every answer.
            # Twilio allows "auto" only with a named model such as phone_call.
            speech_timeout="auto",
            # This prompt's own words only: hinting every phrase of the line would make the
            # recogniser hear one prompt's answers on another.
            hints=line.hints(line.speech.vocabulary_for(state.name, state.kind)),
        )
        for text in ([line.sentence(notice)] if notice in SPOKEN_NOTICES else []) + spoken:
            say(gather, line, text)
        response.redirect(action, method="POST")
    elif state.kind == "transfer":
        for text in spoken:
            say(response, line, text)
        contact = line.contact(call.transfer_to or line.duty_now(flow.now).key)
        dial = response.dial(
            action=url_for("voice.dial", n=call.step_count),
            method="POST",
            timeout=menus["transfer_timeout_seconds"],
        )
        # Whoever answers hears the whisper before the caller is put through.
        whisper_url = url_for("voice.whisper", ref=call.reference, why=state.whisper or "advice")
        dial.number(contact.number, url=whisper_url, method="POST")
    else:
        for text in spoken:
            say(response, line, text)
        response.hangup()
    return response


def whisper(line: Line, reference: str, why: str) -> VoiceResponse:
    """What the person answering a transfer hears: the line, the reference and why it comes."""
    response = VoiceResponse()
    words = Words(line, line.clock(), reference=spell(reference))
    for key in ("whisper", f"whisper_{why}"):
        say(response, line, line.sentence(key).format_map(words))
    return response
