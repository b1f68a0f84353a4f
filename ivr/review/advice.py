"""The advice a call was given, in the line's own words, as the caller heard it.

The record keeps the latest agreement and family answers (`consent`, `family_informed`), which
need not be the ones the advice on the record was given on: a caller who goes back with 9 and
answers again, or reaches a weightier advice another way, leaves answers behind that no longer
lead to it. So the page does not word the advice from those fields: it walks the call's steps
the way the flow went (ivr.callflow stays the one source of what was said), finds every time
the advice on the record was spoken, and what held each time (the agreement answer the flow's
conditions read, the hour, the questions on the way to it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from ivr.flow import INITIAL, KEY_TRIGGERS, STATES, Say, State
from ivr.known import known_line
from ivr.line import Line, Words
from ivr.machine import transitions
from ivr.models import Call, Step

# Prompts that frame the advice rather than give it.
FRAMING = frozenset(
    {
        "reference",
        "advice_keys",
        "advice_keys_out_of_hours",
        "advice_text_key",
        "emergency_keys",
        "connecting",
        "referral_connecting",
        "referral_choice",
        "referral_choice_one_team",
        "referral_now",
        "seek_advice_press_0",
        "seek_advice_press_0_out_of_hours",
    }
)


@dataclass(frozen=True)
class Spoken:
    """One time the line spoke a state to the caller, and what held then."""

    state: State
    at: datetime
    # The agreement answer then on the record: what the flow's consent conditions read.
    consent: str | None
    # The answers the record keeps ("consent", "family_informed") given on the way to this state.
    answers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Given:
    """The advice on the record as the caller heard it, and the answers it was given on."""

    sentences: list[str] = field(default_factory=list)
    family_informed: list[str] = field(default_factory=list)
    consent: list[str] = field(default_factory=list)


def _trigger(step: Step) -> str:
    """What the answer fired: a key's trigger, or the silence or wrong answer recorded as such."""
    if step.kind in ("key", "speech"):
        return KEY_TRIGGERS[step.input]
    return step.kind


def _kept(state: State, step: Step) -> tuple[str, str] | None:
    """The answer this step gave that the record keeps, if any: an agreement or family answer."""
    if step.kind not in ("key", "speech") or step.input not in state.keys:
        return None
    route = state.keys[step.input][0]
    if route.consent:
        return "consent", route.consent
    family = STATES[route.dest].family_informed
    return ("family_informed", family) if family else None


def _walked(way: list[str], last: Step | None, here: State) -> list[str]:
    """The questions on the way to `here`, kept as the flow keeps the call's trail."""
    if here.name == INITIAL:
        return []
    if last is None or last.step == here.name:
        return way
    if last.kind in ("key", "speech") and KEY_TRIGGERS[last.input] == "back":
        return way[:-1] if STATES[last.step].kind == "question" else way
    return [*way, here.name] if here.kind == "question" else way


@cache
def _leads() -> Mapping[tuple[str, str], frozenset[str]]:
    """Where each answer can lead, from the flow's own transitions: a transfer is never
    answered, so the record names it only through the answer that led to it."""
    found: dict[tuple[str, str], set[str]] = {}
    for transition in transitions():
        if transition["dest"] is not None:
            found.setdefault((transition["source"], transition["trigger"]), set()).add(
                transition["dest"]
            )
    return {lead: frozenset(dests) for lead, dests in found.items()}


def _transfer_after(last: Step) -> State | None:
    """The transfer an answer led to, where the flow allows only one (not_connected's "try
    again" may be any of several, none of them advice)."""
    found = [
        d for d in _leads().get((last.step, _trigger(last)), ()) if STATES[d].kind == "transfer"
    ]
    return STATES[found[0]] if len(found) == 1 else None


def spoken(call: Call) -> Iterator[Spoken]:
    """Each time the line spoke a state to this caller, from the record's steps: a step names the
    state it answered, spoken at the previous answer (or the start); the state the last answer led
    to is the call's own; a transfer between is found from the answer that led to it."""
    consent: str | None = None
    way: list[str] = []
    kept: dict[str, tuple[str, str]] = {}
    at, last = call.started_at, None

    def now_at(state: State, moment: datetime) -> Spoken:
        answers = tuple(kept[q] for q in way if q in kept)
        return Spoken(state, moment, consent, answers)

    for step in call.steps:
        if step.kind == "dial":
            transfer = _transfer_after(last) if last is not None else None
            if transfer is not None and last is not None:
                yield now_at(transfer, last.at)
            at, last = step.at, None
            continue
        here = STATES[step.step]
        way = _walked(way, last, here)
        yield now_at(here, at)
        answer = _kept(here, step)
        if answer is not None:
            kept[here.name] = answer
            if answer[0] == "consent":
                consent = answer[1]
        at, last = step.at, step
    final = STATES[call.state]
    way = _walked(way, last, final)
    yield now_at(final, at)


def _given(say: Say, spoken: Spoken, line: Line) -> bool:
    """Whether the caller heard the sentence that time: the agreement answer then, the hour then
    and the teams decide, as they did on the call. A condition not listed here is one the page
    cannot know, so its sentence is left out rather than claimed."""
    conditions = {
        None: True,
        "consent_refused": spoken.consent == "refused",
        "consent_not_asked": spoken.consent == "not_asked",
        **line.hour_conditions(spoken.at),
        **line.team_conditions(),
    }
    return conditions.get(say.when, False)


def _once(values: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _known(call: Call) -> bool:
    """Whether this flow can walk the call's steps: a call taken under an earlier version of the
    flow may name states or keys it no longer has, and its page must still open, without advice
    the page cannot know was said."""
    return call.state in STATES and all(
        step.kind == "dial"
        or (
            step.step in STATES
            and (step.kind not in ("key", "speech") or step.input in KEY_TRIGGERS)
        )
        for step in call.steps
    )


def _filled(line: Line, prompt: str, spoken: Spoken, call: Call) -> str:
    """A sentence as the caller heard it the first time: the teams named are those on duty
    then ("the duty team" out of hours is the emergency duty service). A council's own prompts
    may name what only the call's webhook knew (the team a transfer rang): that sentence is
    shown as written rather than the page failing."""
    template = line.sentence(prompt)
    try:
        return template.format_map(Words(line, spoken.at, reference=call.reference))
    except (KeyError, ValueError, IndexError):
        return template


def given(call: Call) -> Given:
    """The sentences of the advice that stands on the record, each said at least once on the
    call (in the flow's order) and filled in as it was first said, and the answers that advice
    was given on."""
    line = known_line()
    if not _known(call):
        return Given()
    standing = [
        s
        for s in spoken(call)
        if s.state.kind in ("advice", "transfer")
        and s.state.outcome is not None
        and (s.state.outcome, s.state.reason) == (call.outcome, call.reason)
    ]
    first: dict[str, Spoken] = {}
    for s in standing:
        for say in s.state.says:
            if say.prompt not in FRAMING and say.prompt not in first and _given(say, s, line):
                first[say.prompt] = s
    states = dict.fromkeys(s.state.name for s in standing)
    sentences = _once(
        _filled(line, say.prompt, first[say.prompt], call)
        for name in sorted(states, key=list(STATES).index)
        for say in STATES[name].says
        if say.prompt in first
    )
    answers = [answer for s in standing for answer in s.answers]
    return Given(
        sentences,
        _once(value for kind, value in answers if kind == "family_informed"),
        _once(value for kind, value in answers if kind == "consent"),
    )
